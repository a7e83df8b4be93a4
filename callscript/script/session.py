"""CallSession: one call walked through a script, as a pure state machine.

No Textual, no I/O. Every answer is an :class:`Event`; applying the same events
to a fresh session rebuilds the same state, which is how storage resumes a call
after a crash and how ``replay`` and script tests run. ``back()`` is an event too
(the log is append-only), and it restores the node and facts exactly as they were.

A call may start knowing facts earlier calls on the lead learned (``carried``,
:mod:`callscript.script.carry`); they are part of the starting state, given again to
:meth:`CallSession.rebuild`, never events. The agent keeps or corrects each by
answering as usual; at a node whose answer they already state, :meth:`CallSession.confirmable`
names the one option that confirms them (the app puts it on Enter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from callscript.core.outcomes import OUTCOME_VALUES
from callscript.script.carry import CarriedFact, carry_over
from callscript.script.facts import BUILTIN_FACTS, FactValue, FactValueError
from callscript.script.grading import GradeResult, grade_call, settle_facts
from callscript.script.model import END, INPUT, OPTIONS, Node, Option, Script
from callscript.script.templates import BUILTIN_VARIABLES, resolve_variables, variable_lookup

CHOOSE, ENTER, SKIP, BACK, END_CALL = "choose", "enter", "skip", "back", "end"
EVENT_KINDS = (CHOOSE, ENTER, SKIP, BACK, END_CALL)


class SessionError(Exception):
    """An action the session cannot take now (wrong key, call already over, ...)."""


class InputRefused(SessionError):
    """A typed value was refused; the message is shown to the agent under the input."""


@dataclass(frozen=True, slots=True)
class Event:
    """One thing the agent did. ``node`` is where it happened; ``value`` is the key,
    the typed text, or the outcome (for ``end``). ``address``: the address read back
    when the agent ended the call as 寄资料 by hand (Ctrl+E) before the script asked for
    it; it is a fact from then on, so it is in the log, the stored facts and exports."""

    kind: str
    node: str
    value: str | None = None
    address: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "node": self.node, "value": self.value}
        if self.address is not None:
            data["address"] = self.address
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        kind = data.get("kind")
        if kind not in EVENT_KINDS:
            raise SessionError(f"unknown event kind {kind!r}")
        value = data.get("value")
        address = data.get("address")
        return cls(
            kind,
            str(data.get("node")),
            None if value is None else str(value),
            None if address is None or kind != END_CALL else str(address),
        )


@dataclass(frozen=True, slots=True)
class _State:
    node_id: str
    facts: dict[str, FactValue]
    outcome: str | None
    learned: frozenset[str] = frozenset()
    """Facts this call's own answers (or its ending) set — as opposed to carried ones."""


class CallSession:
    """The state of one call: where we are, what we learned, how it ended."""

    def __init__(
        self,
        script: Script,
        variables: Mapping[str, str] | None = None,
        carried: Mapping[str, CarriedFact | Any] | None = None,
    ):
        self.script = script
        values = {"our_company": script.company, **script.variables}
        values.update({k: v for k, v in (variables or {}).items() if v})
        self.variables: dict[str, str] = values
        self._labels = {**BUILTIN_VARIABLES, **script.fact_labels()}
        self.carried: dict[str, CarriedFact] = carry_over(script.facts, carried)
        """What earlier calls on the lead learned that this call started with (fact → value and source)."""
        facts = {name: fact.value for name, fact in self.carried.items()}
        # like _move: arriving at an ending node ends the call (a script may start at one)
        start_end = script.nodes[script.start].end
        self._state = _State(script.start, settle_facts(facts, start_end) if start_end else facts, start_end)
        self._history: list[_State] = []
        self._path: list[str] = [script.start]
        self._pushed: list[bool] = []  # per history entry: did that step add to the path?
        self.events: list[Event] = []
        self._grade: GradeResult | None = None
        self._lookup: tuple[dict[str, FactValue], Any] | None = None

    # -- state --------------------------------------------------------------
    @property
    def node_id(self) -> str:
        return self._state.node_id

    @property
    def node(self) -> Node:
        return self.script.nodes[self._state.node_id]

    @property
    def facts(self) -> dict[str, FactValue]:
        return dict(self._state.facts)

    @property
    def path(self) -> list[str]:
        return list(self._path)

    @property
    def finished(self) -> bool:
        return self._state.outcome is not None

    @property
    def outcome(self) -> str | None:
        return self._state.outcome

    @property
    def can_go_back(self) -> bool:
        return bool(self._history)

    @property
    def answered(self) -> bool:
        """The contact has answered questions: ``reached`` is known true, or an answer was
        given after the opening (the path has gone two steps past the start). Such a call
        is effective whatever else happens (see ``callscript.core.outcomes.outcomes_offered``)."""
        return self._state.facts.get("reached") is True or len(self._path) > 2

    def grade(self) -> GradeResult:
        """The grade for the facts so far, final or provisional as :func:`grade_call`
        says for how the call stands (cached until the next step)."""
        if self._grade is None:
            self._grade = grade_call(self.script.grading, self._state.facts, self._state.outcome)
        return self._grade

    def resolved_variables(self) -> dict[str, str]:
        """The variables lines are filled with now (:func:`resolve_variables`: the contact
        learned on the call replaces the lead's; surnames and 部门 derived)."""
        return resolve_variables(self.variables, self._state.facts)

    def _variable_lookup(self):
        facts = self._state.facts
        if self._lookup is None or self._lookup[0] is not facts:
            self._lookup = (facts, variable_lookup(resolve_variables(self.variables, facts), facts, self._labels))
        return self._lookup[1]

    def lines(self) -> list[str]:
        """The current node's lines, variables filled (``**key words**`` kept for the UI)."""
        lookup = self._variable_lookup()
        return [t.render(lookup) for t in self.node.say]

    def tips(self) -> list[str]:
        lookup = self._variable_lookup()
        return [t.render(lookup) for t in self.node.tips]

    def option_labels(self) -> list[tuple[str, str]]:
        lookup = self._variable_lookup()
        return [(o.key, o.label.render(lookup)) for o in self.node.options]

    # -- facts from earlier calls ---------------------------------------------
    @property
    def learned(self) -> frozenset[str]:
        """Facts this call's own answers set (a carried fact answered again is in here)."""
        return self._state.learned

    def from_earlier_call(self, name: str) -> CarriedFact | None:
        """The earlier call's value when fact ``name`` still stands as carried (not
        answered again on this call), else None."""
        if name in self._state.learned:
            return None
        return self.carried.get(name)

    def confirmable(self) -> Option | None:
        """At an options node, the one option that says again what earlier calls learned
        — every fact it sets is known with that value, one at least carried and not yet
        answered on this call — so the agent can confirm it with one key instead of
        asking again. None when no option, or more than one, fits (then the agent asks)."""
        node = self.node
        if self.finished or node.kind != OPTIONS:
            return None
        facts = self._state.facts
        fits = [
            option
            for option in node.options
            if option.sets
            and all(name in facts and _same(facts[name], value) for name, value in option.sets)
            and any(self.from_earlier_call(name) is not None for name, _ in option.sets)
        ]
        return fits[0] if len(fits) == 1 else None

    # -- actions ------------------------------------------------------------
    def choose(self, key: str) -> Event:
        self._require_open()
        node = self.node
        option = node.by_key.get(key)
        if option is None:
            keys = ", ".join(node.by_key) or "none (this node takes typed input)"
            raise SessionError(f"no option '{key}' at {node.title}; keys: {keys}")
        facts = self._state.facts
        learned = self._state.learned
        if option.sets:
            facts = dict(facts)
            facts.update(option.sets)
            learned = learned | {name for name, _ in option.sets}
        return self._move(Event(CHOOSE, node.id, key), option.next, facts, learned)

    def enter(self, text: str) -> Event:
        self._require_open()
        node = self.node
        if node.kind != INPUT or node.input is None:
            raise SessionError(f"{node.title} takes a key, not typed input")
        try:
            value = node.input.parse(text)
        except FactValueError as exc:
            raise InputRefused(str(exc)) from None
        facts = dict(self._state.facts)
        facts[node.input.fact.name] = value
        learned = self._state.learned | {node.input.fact.name}
        return self._move(Event(ENTER, node.id, text.strip()), node.next or "", facts, learned)

    def skip(self) -> Event:
        self._require_open()
        node = self.node
        if node.skip is None:
            raise SessionError(f"{node.title} cannot be skipped")
        return self._move(Event(SKIP, node.id), node.skip.next, self._state.facts, self._state.learned)

    def end(self, outcome: str, *, address: str | None = None) -> Event:
        """End the call here with an outcome the agent chose (Ctrl+E / Ctrl+B).

        ``address``: the address read back, for materials to post when the script has
        not asked for it yet; it becomes the ``address`` fact (undone by :meth:`back`).
        """
        self._require_open()
        if outcome not in OUTCOME_VALUES:
            raise SessionError(f"unknown outcome {outcome!r}")
        facts = self._state.facts
        if address is not None:
            spec = self.script.facts.get("address") or BUILTIN_FACTS["address"]
            try:
                value = spec.parse_text(address)
            except FactValueError as exc:
                raise InputRefused(str(exc)) from None
            facts = {**facts, "address": value}
            address = str(value)
        event = Event(END_CALL, self.node_id, outcome, address)
        self._history.append(self._state)
        self._pushed.append(False)
        learned = self._state.learned | ({"address"} if address is not None else set())
        facts, learned = self._settled(facts, learned, outcome)
        self._state = _State(self._state.node_id, facts, outcome, learned)
        self._after(event)
        return event

    def back(self) -> Event:
        if not self._history:
            raise SessionError("already at the start of the call")
        event = Event(BACK, self.node_id)
        self._state = self._history.pop()
        if self._pushed.pop():
            self._path.pop()
        self._after(event)
        return event

    def apply(self, event: Event) -> Event:
        """Replay one recorded event (it must have happened at the current node)."""
        if event.kind != BACK and event.node != self.node_id:
            raise SessionError(f"event {event.kind} at '{event.node}' but the call is at '{self.node_id}'")
        if event.kind == CHOOSE:
            return self.choose(event.value or "")
        if event.kind == ENTER:
            return self.enter(event.value or "")
        if event.kind == SKIP:
            return self.skip()
        if event.kind == END_CALL:
            return self.end(event.value or "", address=event.address)
        return self.back()

    @classmethod
    def rebuild(
        cls,
        script: Script,
        events: Iterable[Event],
        variables: Mapping[str, str] | None = None,
        carried: Mapping[str, CarriedFact | Any] | None = None,
    ) -> CallSession:
        """The session after ``events``, started as the call was (same variables, same carried facts)."""
        session = cls(script, variables, carried)
        for event in events:
            session.apply(event)
        return session

    # -- internals ----------------------------------------------------------
    def _require_open(self) -> None:
        if self.finished:
            raise SessionError(f"the call has ended ({self.outcome})")

    def _move(self, event: Event, target: str, facts: dict[str, FactValue], learned: frozenset[str]) -> Event:
        node = self.script.nodes[target]
        self._history.append(self._state)
        self._pushed.append(True)
        outcome = node.end if node.kind == END else None
        if outcome is not None:
            facts, learned = self._settled(facts, learned, outcome)
        self._state = _State(target, facts, outcome, learned)
        self._path.append(target)
        self._after(event)
        return event

    @staticmethod
    def _settled(
        facts: dict[str, FactValue], learned: frozenset[str], outcome: str
    ) -> tuple[dict[str, FactValue], frozenset[str]]:
        """The facts as the ending leaves them (:func:`settle_facts`: refused → accepts no)."""
        settled = settle_facts(facts, outcome)
        changed = {name for name, value in settled.items() if name not in facts or not _same(facts[name], value)}
        return settled, learned | changed

    def _after(self, event: Event) -> None:
        self.events.append(event)
        self._grade = None


def _same(a: object, b: object) -> bool:
    """Equal and of the same type (``True == 1`` in Python; a fact value never is both)."""
    return type(a) is type(b) and a == b
