"""CallSession under random use (issue 2, Proof): never crashes, back() is exact, events rebuild.

A model-based hypothesis test: random actions (mostly ones that fit the current
node, some that don't) on the shipped script and on tests/scripts/mini.yaml. The
test keeps its own stack of snapshots; after every successful step it checks that
``back()`` returns to the snapshot before that step exactly (node, facts, path,
finished, outcome) and then redoes the step; every refused action must raise
:class:`SessionError` and change nothing; at the end ``CallSession.rebuild`` from
the event log gives the same state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callscript.core.outcomes import OUTCOME_VALUES, Outcome
from callscript.script.loader import load_script, load_script_text
from callscript.script.session import BACK, CallSession, Event, SessionError

HERE = Path(__file__).parent
CTRIP = HERE.parent / "scripts" / "ctrip.yaml"
MINI = HERE / "scripts" / "mini.yaml"

VARIABLES = {
    "agent_name": "王小明",
    "contact_name": "张伟",
    "contact_title": "经理",
    "lead_company": "某公司",
    "phone": "02088889999",
}


def _load(path: Path):
    if not path.exists():
        pytest.skip(f"{path.name} is not written yet")
    return load_script(path)


@pytest.fixture(scope="module", params=["ctrip", "mini"])
def script(request):
    return _load(CTRIP if request.param == "ctrip" else MINI)


TYPED = [
    "1",
    "2",
    "3",
    "4",
    "5",
    " 3 ",
    "0",
    "6",
    "-1",
    "3.5",
    "abc",
    "",
    "   ",
    "广州市天河区体育西路100号",
    "艺龙",
    "300-500元",
    "{contact_name}",
    "是",
    "否",
]
JUNK_KEYS = ["0", "7", "9", "x", "", "11", "yes"]


def snapshot(session: CallSession) -> tuple:
    return (session.node_id, session.facts, session.path, session.finished, session.outcome)


#: One random step: (how, which). ``how`` < 8 picks an action that fits the current
#: node (back, once the call has ended); otherwise any action at all (a wrong key,
#: typing at an options node, a bogus outcome, back at the start). ``which`` picks
#: among the candidates.
STEPS = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 10_000)), min_size=30, max_size=90)
ANY_KIND = ["choose", "enter", "skip", "back", "end", "back"]
OUTCOMES = [*OUTCOME_VALUES, "bogus", ""]


def action(session: CallSession, how: int, which: int) -> tuple[str, str | None]:
    node = session.node
    fitting: list[tuple[str, str | None]] = []
    if not session.finished:
        fitting += [("choose", key) for key in node.by_key]
        if node.input is not None:
            fitting += [("enter", text) for text in TYPED]
        if node.skip is not None:
            fitting.append(("skip", None))
    else:
        fitting.append(("back", None))
    if how < 8:
        return fitting[which % len(fitting)]
    kind = ANY_KIND[which % len(ANY_KIND)]
    which //= len(ANY_KIND)
    if kind == "choose":
        keys = JUNK_KEYS + list(node.by_key)
        return ("choose", keys[which % len(keys)])
    if kind == "enter":
        return ("enter", TYPED[which % len(TYPED)])
    if kind == "end":
        return ("end", OUTCOMES[which % len(OUTCOMES)])
    return (kind, None)


def do(session: CallSession, kind: str, value: str | None) -> Event:
    if kind == "choose":
        return session.choose(value)
    if kind == "enter":
        return session.enter(value)
    if kind == "end":
        return session.end(value)
    if kind == "skip":
        return session.skip()
    return session.back()


def check_grade(script, session: CallSession) -> None:
    """The session's grade is the rules' on its facts, final/provisional/none as the
    call stands (grading v2): nothing before the contact is reached, 暂定 while the
    call runs or after a callback, final once it ended; refused and calls that
    reached nobody keep no grade."""
    grade, expected = session.grade(), script.grading.evaluate(session.facts)
    outcome, reached = session.outcome, session.facts.get("reached")
    rules = (expected.grade, expected.rule_index, expected.rule_label, expected.conditions)
    if outcome is not None and not Outcome(outcome).effective:
        assert (grade.grade, grade.rule_label, grade.qualified, grade.final) == (None, None, False, True)
    elif outcome == "refused":
        assert session.facts["accepts"] == "no"
        assert (grade.grade, grade.final, grade.provisional) == (None, True, False)
    elif outcome in (None, "callback"):
        assert not grade.final
        if reached is True:
            assert grade.provisional and (grade.grade, grade.rule_index, grade.rule_label, grade.conditions) == rules
        else:
            assert (grade.grade, grade.provisional) == (None, False)
    else:
        assert grade.final and not grade.provisional
        if reached is not False:
            assert (grade.grade, grade.rule_index, grade.rule_label, grade.conditions) == rules
        else:
            assert grade.grade is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_walks_never_crash_and_back_is_exact(script, steps) -> None:
    session = CallSession(script, VARIABLES)
    undo: list[tuple] = []  # snapshot before each step that back() has not undone yet
    for how, which in steps:
        kind, value = action(session, how, which)
        before = snapshot(session)
        events_before = len(session.events)
        try:
            event = do(session, kind, value)
        except SessionError:
            # refused: nothing changed, nothing recorded
            assert snapshot(session) == before
            assert len(session.events) == events_before
            assert kind != "back" or not undo
            continue
        assert session.events[-1] == event and len(session.events) == events_before + 1
        if kind == "back":
            assert snapshot(session) == undo.pop(), "back() did not restore the state before the last step"
        else:
            undo.append(before)
            after = snapshot(session)
            # back() right after this step restores exactly the state before it ...
            session.back()
            assert snapshot(session) == before
            # ... and the same event, replayed, gives exactly the same state again
            session.apply(event)
            assert snapshot(session) == after
        assert session.can_go_back == bool(undo)
        # whatever the state, the screen can be drawn and the grade computed
        session.lines(), session.tips(), session.option_labels()
        check_grade(script, session)
        if session.finished:
            assert session.outcome in OUTCOME_VALUES

    rebuilt = CallSession.rebuild(script, session.events, VARIABLES)
    assert snapshot(rebuilt) == snapshot(session)
    assert rebuilt.events == session.events
    assert rebuilt.grade() == session.grade()
    assert rebuilt.lines() == session.lines()
    # and from the events as storage keeps them (dicts)
    again = CallSession.rebuild(script, [Event.from_dict(e.to_dict()) for e in session.events], VARIABLES)
    assert snapshot(again) == snapshot(session)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_back_to_the_start_undoes_everything(script, steps) -> None:
    session = CallSession(script, VARIABLES)
    start = snapshot(session)
    for how, which in steps:
        kind, value = action(session, how, which)
        if kind == "back":
            continue
        try:
            do(session, kind, value)
        except SessionError:
            pass
    while session.can_go_back:
        session.back()
    assert snapshot(session) == start
    with pytest.raises(SessionError):
        session.back()


def test_facts_and_path_are_copies(script) -> None:
    session = CallSession(script, VARIABLES)
    session.facts["reached"] = True
    session.path.append("nowhere")
    assert session.facts == {} and session.path == [script.start]


def test_rebuild_refuses_an_event_from_elsewhere(script) -> None:
    other = next(node_id for node_id in script.nodes if node_id != script.start)
    with pytest.raises(SessionError):
        CallSession.rebuild(script, [Event("choose", other, "1")])
    with pytest.raises(SessionError):
        Event.from_dict({"kind": "jump", "node": script.start})
    with pytest.raises(SessionError):
        CallSession.rebuild(script, [Event(BACK, script.start)])  # nothing to go back to


def test_a_script_that_starts_at_an_ending_is_finished_at_once() -> None:
    script = load_script_text(
        'script: {name: t, title: 测试, start: bye}\nnodes:\n  bye: {title: 道别, say: "谢谢,再见", end: refused}\n'
    )
    session = CallSession(script)
    assert (session.finished, session.outcome) == (True, "refused")
    with pytest.raises(SessionError):
        session.end("busy")
