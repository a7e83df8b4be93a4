"""The follow-up script, scripts/ctrip-followup.yaml (客户维护, the seed's 三、客户的维护):
it loads, its graph is sound, it walks the seed's elements (确认客户是否收到资料 · 了解客户的动态
· 服务及产品问题的解答 · referrals · 当场预订), it grades exactly like the main script, and
a follow-up call starts knowing what the development call learned.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscript.script.facts import BOOL, BUILTIN_FACTS, ENUM, INT, TEXT
from callscript.script.loader import load_script, validate_file
from callscript.script.session import CallSession

ROOT = Path(__file__).resolve().parents[1]
FOLLOWUP = ROOT / "scripts" / "ctrip-followup.yaml"
CTRIP = ROOT / "scripts" / "ctrip.yaml"

VARIABLES = {"agent_name": "王小明", "contact_name": "张伟", "contact_title": "行政经理"}
ADDR = "广州市天河区体育西路100号8楼 张伟收"


@pytest.fixture(scope="module")
def script():
    return load_script(FOLLOWUP)


def walk(script, answers, carried=None) -> CallSession:
    session = CallSession(script, VARIABLES, carried)
    for answer in answers:
        if answer == "skip":
            session.skip()
        elif isinstance(answer, dict):
            session.enter(str(answer["enter"]))
        else:
            session.choose(answer)
    return session


def test_validates_cleanly_and_is_found_beside_the_main_script():
    from callscript.config import followup_script_path

    script, problems = validate_file(FOLLOWUP)
    assert script is not None and not problems, problems
    assert followup_script_path(CTRIP) == FOLLOWUP


def test_its_own_facts_are_declared_and_do_not_carry(script):
    facts = script.facts
    assert (facts["materials_received"].type, facts["customer_news"].type, facts["service_issue"].type) == (
        BOOL,
        TEXT,
        TEXT,
    )
    # about this follow-up call, not the prospect: a later call asks again
    assert not any(facts[name].carries for name in ("materials_received", "customer_news", "service_issue"))
    assert facts["contact_name"].carries  # the colleague the receptionist named is still the one to ask for
    learned = {name for node in script.nodes.values() for option in node.options for name, _ in option.sets}
    learned |= {node.input.fact.name for node in script.nodes.values() if node.input is not None}
    assert {"materials_received", "customer_news", "service_issue", "refers_friends", "booked_on_call", "address"} <= (
        learned
    )


def test_outcomes(script):
    assert {node.end for node in script.endings} == {
        "member_care",
        "mailed",
        "callback",
        "refused",
        "no_answer",
        "busy",
        "invalid_number",
    }


def test_walks_the_seeds_maintenance_elements_in_order(script):
    session = walk(script, ["1", "1"])
    assert session.node_id == "ask_received" and "收到" in session.lines()[0]  # ⑴ 确认客户是否收到资料
    session.choose("1")
    assert session.node_id == "ask_news"  # ⑵ 了解客户的动态
    session.choose("1")
    session.enter("下周去北京出差")
    assert session.node_id == "offer_booking"  # 当场预订
    session.choose("2")
    assert session.node_id == "ask_service"  # ⑶ 服务及产品问题的解答
    session.choose("1")
    assert session.node_id == "ask_referral"  # referrals
    session.choose("2")
    assert session.outcome == "member_care"


def test_materials_never_arrived_mails_them_again(script):
    session = walk(script, ["1", "1", "2", "1", {"enter": ADDR}])
    assert session.node_id == "confirm_address" and ADDR in session.lines()[0]  # read back
    session.choose("1")
    assert session.outcome == "mailed" and session.facts["address"] == ADDR
    assert session.facts["materials_received"] is False


def test_referral_mails_materials_to_the_friend(script):
    session = walk(script, ["1", "1", "1", "2", "1", "1", {"enter": "深圳市福田区 李先生收"}, "1"])
    assert session.outcome == "mailed" and session.facts["refers_friends"] is True


def test_every_node_where_the_contact_can_decline_has_a_decline_key(script):
    for node in script.nodes.values():
        if node.kind != "options" or node.id in ("opening", "confirm_address"):
            continue
        last = node.options[-1]
        assert script.nodes[last.next].end == "refused", node.id
        assert ("accepts", "no") in last.sets, node.id


def test_the_follow_up_greets_the_contact_an_earlier_call_named(script):
    # the development call's receptionist named 李娜 of 行政部: the follow-up asks for her
    carried = {"contact_name": "欧阳娜娜", "contact_department": "行政部", "hotel_star": 4, "travel": "often"}
    session = CallSession(script, VARIABLES, carried)
    assert session.lines()[1] == "请问行政部的**欧阳娜娜**先生/小姐在吗?"
    session.choose("1")
    assert session.lines()[0].startswith("欧阳先生/小姐,您好!")


def test_the_follow_up_grade_is_computed_from_the_facts_at_its_end(script):
    carried = {"travel": "often", "books_self": True, "hotel_star": 4, "accepts": "yes"}
    session = walk(script, ["1", "1", "1", "2", "1", "2"], carried)
    assert session.outcome == "member_care"
    result = session.grade()
    assert (result.grade, result.rule_index, result.final) == ("好", 1, True)
    # what this call learned counts too: a booking on the call is 好 (rule 3) though earlier calls said little
    session = walk(script, ["1", "1", "1", "1", "skip", "1", "1", "2"], {"hotel_star": 1, "travel": "rarely"})
    assert (session.grade().grade, session.grade().rule_index) == ("好", 3)


def _values(spec) -> st.SearchStrategy:
    if spec.type == BOOL:
        return st.booleans()
    if spec.type == ENUM:
        return st.sampled_from(spec.values)
    if spec.type == INT:
        return st.integers(spec.min, spec.max)
    return st.text(max_size=4)


FACT_SETS = st.fixed_dictionaries({}, optional={name: _values(spec) for name, spec in BUILTIN_FACTS.items()})


@pytest.fixture(scope="module")
def main_grading():
    return load_script(CTRIP).grading


@settings(max_examples=300, deadline=None)
@given(facts=FACT_SETS)
def test_grades_exactly_like_the_main_script(script, main_grading, facts):
    ours, theirs = script.grading.evaluate(facts), main_grading.evaluate(facts)
    assert (ours.grade, ours.rule_index, ours.rule_label, ours.excluded_by, ours.conditions) == (
        theirs.grade,
        theirs.rule_index,
        theirs.rule_label,
        theirs.excluded_by,
        theirs.conditions,
    )
