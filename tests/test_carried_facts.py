"""Facts that carry across calls, in the session (script/carry.py, script/session.py), and
the contact's variables (script/templates.py: department, surnames, the named colleague)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from callscript.script.carry import CarriedFact, carry_over
from callscript.script.loader import load_script
from callscript.script.session import CallSession
from callscript.script.templates import resolve_variables

ROOT = Path(__file__).resolve().parents[1]
CTRIP = ROOT / "scripts" / "ctrip.yaml"
VARIABLES = {"agent_name": "王小明", "contact_name": "张伟", "contact_title": "经理"}
MONDAY = datetime(2025, 11, 24, 10, 0).astimezone()
EARLIER = {
    "travel": CarriedFact("often", 7, MONDAY),
    "books_self": CarriedFact(True, 7, MONDAY),
    "needs": CarriedFact("both", 7, MONDAY),
    "hotel_star": CarriedFact(4, 7, MONDAY),
    "reached": CarriedFact(True, 7, MONDAY),  # about that call, not the prospect
    "address": CarriedFact("上海市", 7, MONDAY),
    "unknown_fact": CarriedFact(1, 7, MONDAY),
}


@pytest.fixture(scope="module")
def script():
    return load_script(CTRIP)


def test_a_call_starts_with_what_carries(script):
    session = CallSession(script, VARIABLES, EARLIER)
    assert session.facts == {"travel": "often", "books_self": True, "needs": "both", "hotel_star": 4}
    assert set(session.carried) == {"travel", "books_self", "needs", "hotel_star"}
    assert session.carried["hotel_star"].source() == "来自 11-24 的通话"
    assert session.learned == frozenset()
    # but nothing is shown before the contact is reached, carried facts or not
    assert session.grade().grade is None and not session.grade().provisional


def test_carry_over_drops_values_a_fact_cannot_take_and_reads_stored_json(script):
    kept = carry_over(script.facts, {"hotel_star": {"value": 9, "call_id": 1, "at": None}, "travel": "often"})
    assert kept == {"travel": CarriedFact("often")}
    stored = {"hotel_star": {"value": 3, "call_id": 5, "at": MONDAY.isoformat()}}
    assert carry_over(script.facts, stored)["hotel_star"] == CarriedFact(3, 5, MONDAY)
    assert CarriedFact.from_json(CarriedFact(3, 5, MONDAY).to_json()) == CarriedFact(3, 5, MONDAY)


def test_a_node_whose_answer_is_known_is_confirmed_with_one_key(script):
    session = CallSession(script, VARIABLES, EARLIER)
    session.choose("1")
    session.choose("1")
    assert session.node_id == "ask_travel"
    option = session.confirmable()
    assert option is not None and (option.key, option.sets) == ("1", (("travel", "often"),))
    session.choose(option.key)
    assert "travel" in session.learned and session.from_earlier_call("travel") is None
    assert session.node_id == "ask_books_self"
    assert session.confirmable().key == "1"  # books_self true, needs both
    session.choose("1")
    assert session.node_id == "ask_hosts" and session.confirmable() is None  # hosts_clients was never learned
    # any option still answers as usual
    session.choose("2")
    assert session.facts["hosts_clients"] is False


def test_a_correction_wins_and_the_grade_follows_the_facts_at_the_end(script):
    session = CallSession(script, VARIABLES, EARLIER)
    for key in ("1", "1", "1", "1", "2", "1", "4", "1"):  # … B4 没有固定的方法 → 好 → 酒店星级
        session.choose(key)
    assert session.node_id == "ask_star"
    assert session.from_earlier_call("hotel_star") == EARLIER["hotel_star"]  # not asked again yet
    assert session.grade().provisional and not session.grade().final  # 暂定 while the call runs
    session.enter("2")  # corrected: 二星
    assert session.facts["hotel_star"] == 2 and session.from_earlier_call("hotel_star") is None
    session.choose("1")  # 愿意接受
    session.enter("上海市长宁区")
    session.choose("1")
    result = session.grade()
    assert session.outcome == "mailed" and result.final
    assert (result.grade, result.rule_index) == ("一般", 10)  # 出差多消费低, with the corrected star
    # kept, it would have been 好 (rule 1)
    kept = CallSession(script, VARIABLES, EARLIER)
    for key in ("1", "1", "1", "1", "2", "1", "4", "1"):
        kept.choose(key)
    kept.enter("4")
    kept.choose("1")
    kept.enter("上海市长宁区")
    kept.choose("1")
    assert (kept.grade().grade, kept.grade().rule_index) == ("好", 1)


def test_no_confirm_when_two_options_fit(script):
    earlier = {"travel": "often", "is_member": True, "booking_method": "member", "books_self": True}
    session = CallSession(script, VARIABLES, earlier)
    session.choose("1")
    session.choose("1")
    assert session.node_id == "ask_travel"
    assert session.confirmable() is None  # 经常出差 and 已经是携程会员 both fit: the agent asks


def test_back_to_the_start_keeps_the_carried_facts_and_rebuild_needs_them(script):
    session = CallSession(script, VARIABLES, EARLIER)
    for key in ("1", "1", "1"):
        session.choose(key)
    while session.can_go_back:
        session.back()
    assert session.facts == CallSession(script, VARIABLES, EARLIER).facts
    session.choose("1")
    rebuilt = CallSession.rebuild(script, session.events, VARIABLES, EARLIER)
    assert (rebuilt.facts, rebuilt.carried, rebuilt.learned) == (session.facts, session.carried, session.learned)


def test_refused_settles_accepts_no_over_a_carried_yes(script):
    session = CallSession(script, VARIABLES, {"accepts": "yes", "hotel_star": 4, "travel": "often"})
    session.choose("1")
    session.end("refused")
    assert session.facts["accepts"] == "no" and "accepts" in session.learned
    assert session.grade().grade is None


# -- the contact's variables ----------------------------------------------------------


def test_contact_unit_department_else_title_else_nothing():
    assert (
        resolve_variables({"contact_department": "市场部", "contact_title": "经理"}, {})["contact_unit"] == "市场部的"
    )
    assert resolve_variables({"contact_title": "经理"}, {})["contact_unit"] == "经理"
    assert resolve_variables({}, {})["contact_unit"] == ""


def test_a_named_colleague_replaces_the_lead_s_contact():
    lead = {"contact_name": "张伟", "contact_title": "经理", "contact_department": "财务部", "agent_name": "欧阳娜娜"}
    values = resolve_variables(lead, {"contact_name": "司马光"})
    assert (values["contact_name"], values["contact_surname"], values["contact_unit"]) == ("司马光", "司马", "")
    assert values["agent_surname"] == "欧阳"
    values = resolve_variables(lead, {"contact_name": "司马光", "contact_department": "行政部"})
    assert values["contact_unit"] == "行政部的"
    # nothing learned: the lead's contact
    values = resolve_variables(lead, {})
    assert (values["contact_name"], values["contact_surname"], values["contact_unit"]) == ("张伟", "张", "财务部的")


def test_only_contact_variables_may_be_declared_as_facts():
    from callscript.script.loader import validate_text

    base = """
script: {name: t, title: t, start: a}
facts:
  {decl}
nodes:
  a: {title: a, say: 谢谢再见, end: not_qualified}
"""
    script, problems = validate_text(base.replace("{decl}", "contact_name: {type: text, label: 联系人}"))
    assert script is not None, problems
    _, problems = validate_text(base.replace("{decl}", "phone: {type: text}"))
    assert any("built-in variable" in p.message for p in problems)
    _, problems = validate_text(base.replace("{decl}", "contact_name: {type: int}"))
    assert any("so it is text" in p.message for p in problems)
    script, problems = validate_text(base.replace("{decl}", "seen: {type: bool, carry: false}"))
    assert script is not None and not script.facts["seen"].carries
    _, problems = validate_text(base.replace("{decl}", "seen: {type: bool, carry: maybe}"))
    assert any("carry must be true or false" in p.message for p in problems)
