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
from dataclasses import dataclass, field
from typing import Any

from callscript.core.outcomes import NOT_EFFECTIVE

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
    """A grade with its explanation: which rule gave it and how each condition stands."""

    grade: str | None
    rule_index: int | None
    rule_label: str | None
    conditions: dict[str, Tri] = field(default_factory=dict)
    qualified: bool = False
    excluded_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The exact shape ``callscript grade --json`` prints."""
        return {
            "grade": self.grade,
            "qualified": self.qualified,
            "conditions": dict(self.conditions),
            "rule": self.rule_label,
        }


NO_GRADING = Grading((), (), (), ())

#: Shown where a rule would be when a call reached nobody.
NOT_REACHED = "未接通,不评级"


def grade_call(grading: Grading, facts: Facts, outcome: str | None) -> GradeResult:
    """The grade of a call given how it ended (``None`` while it goes on).

    A call that reached nobody (空号/无人接听/占线: not an effective outcome) has no
    prospect to class, so the rules' "hotel_star unknown → 勉强" must not count it.
    Every caller (session, path explorer, storage) grades through here.
    """
    result = grading.evaluate(facts)
    if outcome is not None and outcome in NOT_EFFECTIVE_VALUES:
        return GradeResult(None, None, None, result.conditions, False, NOT_REACHED)
    return result


def tri_symbol(value: Tri) -> str:
    return "✓" if value is True else "✗" if value is False else "?"
