"""Grading (issue 3): the BRIEF's conditions and grade rules, three-valued, explained.

The rules are written out independently in tests/scripts/brief_grading.yaml (in
the BRIEF's order); the table below has at least one case per rule, each matching
*alone*, plus precedence, the ``accepts == no`` exclusion and its member exception,
and unknown facts. Hypothesis then checks the general properties, and that the
shipped scripts/ctrip.yaml grades exactly like the BRIEF fixture.

Grading v2 (BRIEF): rule 11 includes ``never``, rule 12 needs the star *and* the price
unknown, and ``grade_call`` says when a call's grade is final, provisional (暂定) or
none: nothing before the contact is reached, refused (from any path) has none, a
callback has no final grade.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscript.script.facts import BOOL, BUILTIN_FACTS, ENUM, INT, check_facts
from callscript.script.grading import (
    CONTACT_NOT_REACHED,
    NOT_REACHED,
    REFUSED,
    GradeResult,
    Grading,
    carries_grade,
    grade_call,
    settle_facts,
)
from callscript.script.loader import load_script

HERE = Path(__file__).parent
BRIEF_GRADING = HERE / "scripts" / "brief_grading.yaml"
CTRIP = HERE.parent / "scripts" / "ctrip.yaml"

RULE_LABELS = {
    1: "出差或接待机会多,愿意接受,消费能力在三星以上",
    2: "是会员乐意推荐",
    3: "当场预订的客户",
    4: "是其它订房中心的会员,愿意接受我司服务",
    5: "有协议愿意参考的客户",
    6: "只订机票或酒店的客户",
    7: "是目标对象,但勉强接受",
    8: "接线者转送,但能问到是否出差和消费能力",
    9: "出差少消费高",
    10: "出差多消费低",
    11: "出差少但会经常旅游",
    12: "问不到消费标准或消费能力",
    13: "客户说寄过来再说",
    14: "很少出差,但偶尔有旅游机会",
}
RULE_GRADES = {
    **dict.fromkeys(range(1, 5), "好"),
    **dict.fromkeys(range(5, 12), "一般"),
    **dict.fromkeys(range(12, 15), "勉强"),
}


@pytest.fixture(scope="module")
def grading() -> Grading:
    return load_script(BRIEF_GRADING).grading


def matching_rules(grading: Grading, facts: dict) -> list[int]:
    """Every rule whose test is true for these facts (not only the first)."""
    result = grading.evaluate(facts)
    return [rule.index for rule in grading.rules if rule.test(facts, result.conditions) is True]


def test_the_fixture_is_the_brief(grading: Grading) -> None:
    assert grading.grades == ("好", "一般", "勉强")
    assert [c.name for c in grading.conditions] == ["travel_or_host", "booking_match", "hotel_2star"]
    assert {r.index: r.label for r in grading.rules} == RULE_LABELS
    assert {r.index: r.grade for r in grading.rules} == RULE_GRADES


# -- each rule alone ----------------------------------------------------------------

ALONE: list[tuple[int, dict]] = [
    (1, {"travel": "often", "accepts": "yes", "hotel_star": 3}),
    (1, {"hosts_clients": True, "accepts": "yes", "hotel_star": 5, "travel": "never"}),
    (2, {"is_member": True, "refers_friends": True, "hotel_star": 1}),
    (3, {"booked_on_call": True, "hotel_star": 1}),
    (4, {"other_center_member": True, "accepts": "yes", "hotel_star": 1}),
    (5, {"booking_method": "agreement", "accepts": "yes", "hotel_star": 1}),
    (6, {"needs": "hotel_only", "hotel_star": 1}),
    (6, {"needs": "flight_only", "hotel_star": 1}),
    (7, {"accepts": "reluctant", "hotel_star": 1}),
    (8, {"via_receptionist": True, "travel": "never", "hotel_star": 1}),
    (9, {"travel": "rarely", "hotel_star": 3}),
    (10, {"travel": "often", "hotel_star": 2}),
    (10, {"travel": "often", "hotel_star": 1, "accepts": "yes"}),
    (11, {"travel": "rarely", "leisure_travel": "often", "hotel_star": 1}),
    (11, {"travel": "never", "leisure_travel": "often", "hotel_star": 1}),  # v2: never counts too
    (11, {"travel": "never", "leisure_travel": "often", "price_range": "300元"}),
    (12, {}),
    (12, {"travel": "never", "accepts": "yes", "books_self": True}),
    (13, {"accepts": "later", "hotel_star": 1}),
    (14, {"travel": "rarely", "leisure_travel": "sometimes", "hotel_star": 1}),
    (14, {"travel": "never", "leisure_travel": "sometimes", "hotel_star": 2}),
]


@pytest.mark.parametrize(("index", "facts"), ALONE, ids=[f"rule{i}-{n}" for n, (i, _) in enumerate(ALONE)])
def test_each_rule_matching_alone(grading: Grading, index: int, facts: dict) -> None:
    assert check_facts(facts, BUILTIN_FACTS) == facts  # every case is a legal fact set
    assert matching_rules(grading, facts) == [index]
    result = grading.evaluate(facts)
    assert (result.grade, result.rule_index, result.rule_label, result.excluded_by) == (
        RULE_GRADES[index],
        index,
        RULE_LABELS[index],
        None,
    )


def test_every_rule_has_a_case() -> None:
    assert {index for index, _ in ALONE} == set(RULE_LABELS)


# -- precedence, exclusion, no grade --------------------------------------------------

CASES: list[tuple[str, dict, str | None, int | None, str | None]] = [
    # (why, facts, grade, rule index, excluded_by)
    ("好 over 勉强: booked on the call, star never asked", {"booked_on_call": True}, "好", 3, None),
    (
        "好 over 勉强: member who refers, said later",
        {"is_member": True, "refers_friends": True, "accepts": "later"},
        "好",
        2,
        None,
    ),
    (
        "好 over 一般: rule 1 before needs hotel_only",
        {"travel": "often", "accepts": "yes", "hotel_star": 4, "needs": "hotel_only"},
        "好",
        1,
        None,
    ),
    (
        "好 rule 1 before rule 4",
        {"travel": "often", "accepts": "yes", "hotel_star": 4, "other_center_member": True},
        "好",
        1,
        None,
    ),
    ("一般 over 勉强: reluctant, star unknown", {"accepts": "reluctant"}, "一般", 7, None),
    (
        "一般 rule 5 before rule 6",
        {"booking_method": "agreement", "accepts": "yes", "needs": "flight_only", "hotel_star": 1},
        "一般",
        5,
        None,
    ),
    (
        "一般 over 勉强: rarely+leisure often, also later",
        {"travel": "rarely", "leisure_travel": "often", "hotel_star": 2, "accepts": "later"},
        "一般",
        11,
        None,
    ),
    ("勉强 rule 12 before 13", {"accepts": "later"}, "勉强", 12, None),
    # v2: rule 12 needs the star AND the price unknown: a known price is a known 消费能力
    (
        "rule 12: price known, star unknown",
        {"price_range": "300元", "travel": "often", "accepts": "yes"},
        None,
        None,
        None,
    ),
    ("rule 12: price known falls to rule 13", {"price_range": "300元", "accepts": "later"}, "勉强", 13, None),
    ("rule 12: price and star known", {"price_range": "300元", "hotel_star": 1, "travel": "never"}, None, None, None),
    ("rule 11 v2: never + leisure often is 一般", {"travel": "never", "leisure_travel": "often"}, "一般", 11, None),
    (
        "excluded: accepts no beats everything",
        {"accepts": "no", "travel": "often", "hotel_star": 5, "booked_on_call": True},
        None,
        None,
        "客户不要",
    ),
    (
        "excluded: member who does not refer",
        {"accepts": "no", "is_member": True, "refers_friends": False, "hotel_star": 3},
        None,
        None,
        "客户不要",
    ),
    ("excluded: member, referral unknown", {"accepts": "no", "is_member": True}, None, None, "客户不要"),
    (
        "exception: member who refers, though accepts no",
        {"accepts": "no", "is_member": True, "refers_friends": True},
        "好",
        2,
        None,
    ),
    ("no rule matches", {"travel": "never", "hotel_star": 1}, None, None, None),
    (
        "no rule: rarely travels, low star, accepts yes",
        {"travel": "rarely", "hotel_star": 2, "accepts": "yes"},
        None,
        None,
        None,
    ),
    ("unknown star is not >= 3: falls to 勉强", {"travel": "often", "accepts": "yes"}, "勉强", 12, None),
    ("unknown star is not <= 2 either", {"travel": "often", "accepts": "reluctant"}, "一般", 7, None),
    ("receptionist without travel known is not 一般", {"via_receptionist": True, "hotel_star": 1}, None, None, None),
    (
        "travel in (rarely, never) needs travel known",
        {"leisure_travel": "sometimes", "hotel_star": 1},
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(("why", "facts", "grade", "index", "excluded_by"), CASES, ids=[c[0] for c in CASES])
def test_precedence_exclusion_and_unknowns(
    grading: Grading, why: str, facts: dict, grade: str | None, index: int | None, excluded_by: str | None
) -> None:
    assert check_facts(facts, BUILTIN_FACTS) == facts
    result = grading.evaluate(facts)
    assert (result.grade, result.rule_index, result.excluded_by) == (grade, index, excluded_by)
    assert result.rule_label == (RULE_LABELS[index] if index else None)


# -- conditions, three-valued ---------------------------------------------------------

CONDITIONS: list[tuple[dict, tuple, bool]] = [
    # facts, (travel_or_host, booking_match, hotel_2star), qualified
    ({}, (None, None, None), False),
    ({"travel": "often"}, (True, None, None), False),  # true as soon as either is true
    ({"hosts_clients": True}, (True, None, None), False),
    ({"hosts_clients": True, "travel": "never"}, (True, None, None), False),
    ({"travel": "rarely"}, (None, None, None), False),  # hosts_clients could still make it true
    ({"hosts_clients": False}, (None, None, None), False),
    ({"travel": "rarely", "hosts_clients": False}, (False, None, None), False),
    ({"books_self": True}, (None, True, None), False),
    ({"books_self": False}, (None, False, None), False),
    ({"hotel_star": 1}, (None, None, False), False),
    ({"hotel_star": 2}, (None, None, True), False),
    ({"travel": "often", "books_self": True, "hotel_star": 2}, (True, True, True), True),
    ({"hosts_clients": True, "books_self": True, "hotel_star": 5, "accepts": "no"}, (True, True, True), True),
    ({"travel": "often", "books_self": False, "hotel_star": 5}, (True, False, True), False),
]


@pytest.mark.parametrize(("facts", "expected", "qualified"), CONDITIONS)
def test_conditions_are_three_valued(grading: Grading, facts: dict, expected: tuple, qualified: bool) -> None:
    result = grading.evaluate(facts)
    assert result.conditions == dict(zip(("travel_or_host", "booking_match", "hotel_2star"), expected))
    assert result.qualified is qualified


def test_to_json_shape(grading: Grading) -> None:
    data = grading.evaluate({"travel": "often", "books_self": True, "hotel_star": 3, "accepts": "yes"}).to_json()
    assert list(data) == ["grade", "qualified", "conditions", "rule", "final"]
    assert data == {
        "grade": "好",
        "qualified": True,
        "conditions": {"travel_or_host": True, "booking_match": True, "hotel_2star": True},
        "rule": RULE_LABELS[1],
        "final": False,  # the rules alone; grade_call says when a grade is final
    }
    assert grading.evaluate({"accepts": "no"}).to_json() == {
        "grade": None,
        "qualified": False,
        "conditions": {"travel_or_host": None, "booking_match": None, "hotel_2star": None},
        "rule": None,
        "final": False,
    }
    mailed = grade_call(grading, {"reached": True, "travel": "often", "hotel_star": 3, "accepts": "yes"}, "mailed")
    assert mailed.to_json()["final"] is True and mailed.to_json()["grade"] == "好"


# -- v2: when a grade is final, provisional or none (grade_call) ----------------------

GOOD = {"reached": True, "travel": "often", "books_self": True, "hotel_star": 4, "accepts": "yes"}


def test_nothing_before_the_contact_is_reached(grading: Grading) -> None:
    # 开场白: no facts yet — the rules alone would say 勉强 (rule 12), the call shows nothing
    assert grading.evaluate({}).grade == "勉强"
    for facts in ({}, {"reached": False}, {"reached": False, "via_receptionist": True}):
        result = grade_call(grading, facts, None)
        assert (result.grade, result.final, result.provisional, result.standing) == (None, False, False, "none")
        assert result.excluded_by == CONTACT_NOT_REACHED


def test_provisional_once_reached(grading: Grading) -> None:
    result = grade_call(grading, {"reached": True}, None)
    assert (result.grade, result.rule_index, result.provisional, result.final) == ("勉强", 12, True, False)
    assert result.standing == "provisional"
    result = grade_call(grading, GOOD, None)
    assert (result.grade, result.rule_index, result.provisional) == ("好", 1, True)


@pytest.mark.parametrize("outcome", ["mailed", "not_qualified", "member_care"])
def test_development_endings_carry_a_final_grade(grading: Grading, outcome: str) -> None:
    result = grade_call(grading, GOOD, outcome)
    assert (result.grade, result.rule_index, result.final, result.provisional) == ("好", 1, True, False)
    assert carries_grade(outcome, GOOD)
    # facts without `reached` (a facts file, another script): the ending itself says someone spoke
    assert grade_call(grading, {"travel": "rarely", "hotel_star": 3}, outcome).grade == "一般"


def test_an_ending_before_the_contact_was_reached_has_no_grade(grading: Grading) -> None:
    # 前台: 几乎没人出差 → not_qualified, the contact never on the line
    facts = {"reached": False, "via_receptionist": True, "travel": "never"}
    result = grade_call(grading, facts, "not_qualified")
    assert (result.grade, result.final, result.excluded_by) == (None, True, CONTACT_NOT_REACHED)
    assert not carries_grade("not_qualified", facts)


def test_callback_has_no_final_grade(grading: Grading) -> None:
    result = grade_call(grading, GOOD, "callback")
    assert (result.grade, result.final, result.provisional) == ("好", False, True)
    assert not carries_grade("callback", GOOD)
    # a callback booked with the receptionist: nothing at all
    result = grade_call(grading, {"reached": False, "via_receptionist": True}, "callback")
    assert (result.grade, result.final, result.provisional) == (None, False, False)


@pytest.mark.parametrize(
    "facts",
    [
        GOOD,  # refused from the end-call menu after saying yes
        {**GOOD, "accepts": "reluctant"},
        {"reached": True, "booked_on_call": True},
        {"reached": True, "is_member": True, "refers_friends": True},  # the exclusion's member exception
        {"reached": True},
    ],
)
def test_refused_from_any_path_has_no_grade(grading: Grading, facts: dict) -> None:
    result = grade_call(grading, facts, "refused")
    assert (result.grade, result.rule_index, result.final) == (None, None, True)
    assert result.excluded_by in ("客户不要", REFUSED)
    assert not carries_grade("refused", facts)
    assert settle_facts(facts, "refused")["accepts"] == "no"


def test_settle_facts_only_touches_refused() -> None:
    for outcome in ("mailed", "callback", "not_qualified", "member_care", "no_answer", None):
        assert settle_facts(GOOD, outcome) == GOOD
    assert settle_facts({}, "refused") == {"accepts": "no"}


@pytest.mark.parametrize("outcome", ["no_answer", "busy", "invalid_number"])
def test_not_effective_calls_have_no_grade(grading: Grading, outcome: str) -> None:
    result = grade_call(grading, {"reached": False}, outcome)
    assert (result.grade, result.final, result.excluded_by) == (None, True, NOT_REACHED)


# -- properties ----------------------------------------------------------------------


def _values(spec) -> st.SearchStrategy:
    if spec.type == BOOL:
        return st.booleans()
    if spec.type == ENUM:
        return st.sampled_from(spec.values)
    if spec.type == INT:
        return st.integers(spec.min, spec.max)
    return st.text(max_size=6)


VALUES = {name: _values(spec) for name, spec in BUILTIN_FACTS.items()}
FACT_SETS = st.fixed_dictionaries({}, optional=VALUES)


def outcome(result: GradeResult) -> tuple:
    return (result.grade, result.rule_index, result.rule_label, result.excluded_by, result.qualified, result.conditions)


@settings(max_examples=300, deadline=None)
@given(facts=FACT_SETS, data=st.data())
def test_result_does_not_depend_on_key_order(grading: Grading, facts: dict, data) -> None:
    order = data.draw(st.permutations(list(facts)))
    shuffled = {name: facts[name] for name in order}
    assert outcome(grading.evaluate(shuffled)) == outcome(grading.evaluate(facts))
    assert list(grading.evaluate(shuffled).conditions) == ["travel_or_host", "booking_match", "hotel_2star"]


@settings(max_examples=300, deadline=None)
@given(facts=FACT_SETS, data=st.data())
def test_learning_a_fact_never_flips_a_known_condition(grading: Grading, facts: dict, data) -> None:
    unknown = [name for name in BUILTIN_FACTS if name not in facts]
    if not unknown:
        return
    name = data.draw(st.sampled_from(unknown))
    learned = {**facts, name: data.draw(VALUES[name])}
    before, after = grading.evaluate(facts).conditions, grading.evaluate(learned).conditions
    for condition, value in before.items():
        if value is not None:
            assert after[condition] is value, f"learning {name}={learned[name]!r} flipped {condition} from {value}"
    # and the other way: what is unknown after learning was unknown before
    assert all(before[c] is None for c, v in after.items() if v is None)


@settings(max_examples=300, deadline=None)
@given(facts=FACT_SETS)
def test_evaluation_never_raises_and_is_consistent(grading: Grading, facts: dict) -> None:
    result = grading.evaluate(facts)
    assert result.qualified == all(v is True for v in result.conditions.values())
    if result.grade is None:
        assert result.rule_index is None and result.rule_label is None
    else:
        assert result.excluded_by is None
        assert (result.grade, result.rule_label) == (RULE_GRADES[result.rule_index], RULE_LABELS[result.rule_index])
        assert matching_rules(grading, facts)[0] == result.rule_index  # the first match wins
    if result.excluded_by is not None:
        assert facts.get("accepts") == "no" and not (
            facts.get("is_member") is True and facts.get("refers_friends") is True
        )


@pytest.fixture(scope="module")
def ctrip_grading() -> Grading:
    if not CTRIP.exists():
        pytest.skip("scripts/ctrip.yaml is not written yet")
    return load_script(CTRIP).grading


@settings(max_examples=500, deadline=None)
@given(facts=FACT_SETS)
def test_ctrip_grades_exactly_like_the_brief(grading: Grading, ctrip_grading: Grading, facts: dict) -> None:
    ours, shipped = grading.evaluate(facts), ctrip_grading.evaluate(facts)
    assert (shipped.grade, shipped.rule_index, shipped.rule_label, shipped.excluded_by, shipped.qualified) == (
        ours.grade,
        ours.rule_index,
        ours.rule_label,
        ours.excluded_by,
        ours.qualified,
    )
    assert shipped.conditions == ours.conditions


@pytest.mark.parametrize(("index", "facts"), ALONE + [(None, c[1]) for c in CASES])
def test_ctrip_table(ctrip_grading: Grading, grading: Grading, index, facts: dict) -> None:
    assert outcome(ctrip_grading.evaluate(facts))[:4] == outcome(grading.evaluate(facts))[:4]


@settings(max_examples=200, deadline=None)
@given(facts=FACT_SETS, data=st.data())
def test_an_explicit_null_is_unknown(grading: Grading, facts: dict, data) -> None:
    """A facts file may write a fact as null: that is unknown, exactly like leaving it out."""
    unknown = [name for name in BUILTIN_FACTS if name not in facts]
    nulls = data.draw(st.lists(st.sampled_from(unknown), unique=True)) if unknown else []
    with_nulls = {**facts, **dict.fromkeys(nulls)}
    assert outcome(grading.evaluate(with_nulls)) == outcome(grading.evaluate(facts))
    assert check_facts(with_nulls, BUILTIN_FACTS) == facts
