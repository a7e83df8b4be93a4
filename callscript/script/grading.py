"""Grading: the qualifying conditions and 好/一般/勉强, as data, evaluated three-valued.

The rules live in the script file (``grading:``), never in Python; this module
only knows how to evaluate the small declarative tests the loader built from them.

Three-valued (Kleene) logic: a test is ``True``, ``False`` or ``None`` (unknown).
A comparison with an unknown fact is unknown; ``any`` is true as soon as one part
is true, ``all`` is false as soon as one part is false, ``not`` keeps unknown
unknown. Conditions report all three values; a grade rule matches only when its
test is ``True`` — so an unknown comparison never matches, as the BRIEF requires.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from callscript.core.outcomes import NOT_EFFECTIVE, Outcome

NOT_EFFECTIVE_VALUES = frozenset(o.value for o in NOT_EFFECTIVE)

Tri = bool | None
Facts = Mapping[str, Any]
Conds = Mapping[str, Tri]
#: A compiled test: (facts, condition values) -> True/False/None
Test = Callable[[Facts, Conds], Tri]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "is": operator.eq,
    "is_not": operator.ne,
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}


def compare(fact: str, op: str, value: Any) -> Test:
    fn = COMPARISONS[op]

    def test(facts: Facts, conds: Conds) -> Tri:
        actual = facts.get(fact)
        if actual is None:
            return None
        return fn(actual, value)

    return test


def member(fact: str, values: frozenset) -> Test:
    def test(facts: Facts, conds: Conds) -> Tri:
        actual = facts.get(fact)
        if actual is None:
            return None
        return actual in values

    return test


def known(fact: str, expected: bool) -> Test:
    def test(facts: Facts, conds: Conds) -> Tri:
        return (facts.get(fact) is not None) is expected

    return test


def all_of(tests: list[Test]) -> Test:
    parts = tuple(tests)

    def test(facts: Facts, conds: Conds) -> Tri:
        result: Tri = True
        for part in parts:
            value = part(facts, conds)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    return test


def any_of(tests: list[Test]) -> Test:
    parts = tuple(tests)

    def test(facts: Facts, conds: Conds) -> Tri:
        result: Tri = False
        for part in parts:
            value = part(facts, conds)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    return test


def negate(inner: Test) -> Test:
    def test(facts: Facts, conds: Conds) -> Tri:
        value = inner(facts, conds)
        return None if value is None else not value

    return test


def condition_ref(name: str) -> Test:
    def test(facts: Facts, conds: Conds) -> Tri:
        return conds.get(name)

    return test


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    label: str
    test: Test


@dataclass(frozen=True, slots=True)
class Exclusion:
    label: str
    when: Test
    unless: Test | None


@dataclass(frozen=True, slots=True)
class GradeRule:
    index: int  # 1-based position in the script's rule list
    grade: str
    label: str
    test: Test


@dataclass(frozen=True, slots=True)
class Grading:
    grades: tuple[str, ...]
    conditions: tuple[Condition, ...]
    exclusions: tuple[Exclusion, ...]
    rules: tuple[GradeRule, ...]

    def evaluate(self, facts: Facts) -> GradeResult:
        conds: dict[str, Tri] = {}
        for condition in self.conditions:
            conds[condition.name] = condition.test(facts, conds)
        qualified = bool(conds) and all(value is True for value in conds.values())
        for exclusion in self.exclusions:
            if exclusion.when(facts, conds) is True and (
                exclusion.unless is None or exclusion.unless(facts, conds) is not True
            ):
                return GradeResult(None, None, None, conds, qualified, exclusion.label)
        for rule in self.rules:
            if rule.test(facts, conds) is True:
                return GradeResult(rule.grade, rule.index, rule.label, conds, qualified)
        return GradeResult(None, None, None, conds, qualified)


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A grade with its explanation: which rule gave it and how each condition stands.

    ``final``: the call ended its development and this is its grade for good (what
    storage keeps; ``grade`` may be None: refused, reached nobody, no rule matched).
    ``provisional``: the call goes on (still running, or booked a callback): the grade
    the facts give so far, shown marked 暂定. Neither: nothing to show yet (the contact
    is not reached), or the rules alone (:meth:`Grading.evaluate`).
    """

    grade: str | None
    rule_index: int | None
    rule_label: str | None
    conditions: dict[str, Tri] = field(default_factory=dict)
    qualified: bool = False
    excluded_by: str | None = None
    final: bool = False
    provisional: bool = False

    @property
    def standing(self) -> str:
        """:data:`FINAL`, :data:`PROVISIONAL` or :data:`UNGRADED`."""
        return FINAL if self.final else PROVISIONAL if self.provisional else UNGRADED

    def to_json(self) -> dict[str, Any]:
        """The exact shape ``callscript grade --json`` and ``replay --json`` print
        (``final`` added in v2: whether the grade is the call's for good)."""
        return {
            "grade": self.grade,
            "qualified": self.qualified,
            "conditions": dict(self.conditions),
            "rule": self.rule_label,
            "final": self.final,
        }


NO_GRADING = Grading((), (), (), ())

FINAL, PROVISIONAL, UNGRADED = "final", "provisional", "none"

#: Shown where a rule would be when a call reached nobody.
NOT_REACHED = "未接通,不评级"
#: A call that ended (or stands) before the intended contact was on the line.
CONTACT_NOT_REACHED = "未联系到本人"
#: A refused call has no grade (BRIEF v2), whatever its facts.
REFUSED = "客户拒绝"

_REFUSED, _CALLBACK = Outcome.REFUSED.value, Outcome.CALLBACK.value

GRADED_ENDINGS = frozenset({Outcome.MAILED.value, Outcome.NOT_QUALIFIED.value, Outcome.MEMBER_CARE.value})
"""Outcomes that end a call's development with a grade (BRIEF v2, "When a grade is
final"); ``refused`` ends it too, with none; ``callback`` leaves it to the later call."""


def settle_facts(facts: Facts, outcome: str | None) -> dict[str, Any]:
    """The facts as an ending leaves them: ending ``refused`` — by the script's own key,
    the agent's end-call menu or the do-not-call ending — means ``accepts = no``.

    The one home of that rule: the session applies it when a call ends (so the facts
    it shows, stores and grades agree), and storage applies it again to whatever
    ``finish_call`` is given (idempotent).
    """
    if outcome == _REFUSED and facts.get("accepts") != "no":
        return {**facts, "accepts": "no"}
    return facts if type(facts) is dict else dict(facts)  # unchanged: no copy (the path explorer's hot loop)


def carries_grade(outcome: str | None, facts: Facts) -> bool:
    """True when a call that ended with ``outcome`` keeps a grade for good: it ended its
    development (:data:`GRADED_ENDINGS`) with the contact reached (``reached`` not false:
    a receptionist who says nobody travels is no prospect to class). Storage keeps a
    call's grade only when this holds."""
    return outcome in GRADED_ENDINGS and facts.get("reached") is not False


def grade_call(grading: Grading, facts: Facts, outcome: str | None) -> GradeResult:
    """The grade of a call given how it ended (``None`` while it goes on): the one home
    of "is this grade final, provisional or none" (BRIEF v2).

    * running, or ended ``callback``: *provisional* — the rules on the facts so far,
      shown 暂定 — once the contact is reached (``reached`` true); before that nothing
      (no 勉强 at 开场白);
    * ``mailed``, ``not_qualified``, ``member_care`` with the contact reached: *final*,
      the rules' grade (:func:`carries_grade`);
    * ``refused``: final, no grade (facts settled with ``accepts = no``);
    * reached nobody (空号/无人接听/占线), or ended before the contact was reached:
      final, no grade.

    The session, storage, the TUI, ``callscript grade``/``replay``/``test``/``paths``
    and the demo generator all grade through here.
    """
    settled = settle_facts(facts, outcome)
    result = grading.evaluate(settled)
    conds, qualified = result.conditions, result.qualified
    if outcome is None or outcome == _CALLBACK:
        if settled.get("reached") is not True:
            return GradeResult(None, None, None, conds, qualified, CONTACT_NOT_REACHED)
        return replace(result, provisional=True)
    if outcome in NOT_EFFECTIVE_VALUES:
        return GradeResult(None, None, None, conds, False, NOT_REACHED, final=True)
    if outcome == _REFUSED:
        return GradeResult(None, None, None, conds, qualified, result.excluded_by or REFUSED, final=True)
    if not carries_grade(outcome, settled):
        return GradeResult(None, None, None, conds, qualified, CONTACT_NOT_REACHED, final=True)
    return replace(result, final=True)


def tri_symbol(value: Tri) -> str:
    return "✓" if value is True else "✗" if value is False else "?"
