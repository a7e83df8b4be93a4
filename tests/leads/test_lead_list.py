"""The lead life cycle as the lead list shows it; three no-answers; do-not-call (store and by number)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from callscript.core.lifecycle import NO_ANSWERS_TO_SET_ASIDE, lead_stage, set_aside_until
from callscript.core.phones import PhoneError
from callscript.leads import end_call_do_not_call, lead_list, mark_phone_do_not_call
from callscript.storage import LeadUnavailable
from leads.helpers import MONDAY, call, mobile


def stage_of(store, lead_id, now):
    rows = {r.lead.id: r for r in lead_list(store, include_closed=True, now=now)}
    return rows[lead_id].stage if lead_id in rows else None


def test_three_no_answers_in_a_row_set_the_lead_aside_until_tomorrow(store, script):
    lead = store.add_lead("甲公司", mobile(1))
    t = MONDAY
    for _ in range(1, NO_ANSWERS_TO_SET_ASIDE):
        call(store, script, lead.id, "王芳", "no_answer", now=t)
        got = store.get_lead(lead.id)
        assert got.next_call_at == t + timedelta(minutes=3) + store.retry_after  # the usual retry
        assert stage_of(store, lead.id, t + timedelta(minutes=5)) == "called"
        t = got.next_call_at
        assert stage_of(store, lead.id, t) == "retry_due"
    call(store, script, lead.id, "王芳", "no_answer", now=t)
    got = store.get_lead(lead.id)
    assert store.no_answer_streaks([lead.id])[lead.id] == 3 and got.attempts == 3
    assert got.next_call_at == datetime(2026, 3, 3, 9, 0).astimezone()
    (row,) = [r for r in lead_list(store, now=t + timedelta(hours=1)) if r.lead.id == lead.id]
    assert (row.stage, row.stage_label, row.no_answers, row.marker, row.due) == ("set_aside", "另日再拨", 3, "–", False)
    assert store.claim_next_lead("王芳", now=t + timedelta(hours=5)) is None  # not again today
    assert store.claim_next_lead("王芳", now=got.next_call_at).id == lead.id


def test_busy_or_an_answer_breaks_the_streak(store, script):
    lead = store.add_lead("甲公司", mobile(1))
    t = MONDAY
    for outcome in ("no_answer", "no_answer", "busy", "no_answer"):
        call(store, script, lead.id, "王芳", outcome, now=t)
        t += timedelta(hours=2)
    assert store.no_answer_streaks([lead.id])[lead.id] == 1
    assert store.get_lead(lead.id).next_call_at < t  # an ordinary retry, not tomorrow


def test_set_aside_until_is_the_next_morning():
    late = datetime(2026, 3, 2, 23, 50).astimezone()
    assert set_aside_until(late) == datetime(2026, 3, 3, 9, 0).astimezone()


def test_stages_from_new_to_maintained(store, script):
    lead = store.add_lead("甲公司", mobile(1), contact="张三")
    assert stage_of(store, lead.id, MONDAY) == "new"
    due = MONDAY + timedelta(hours=4)
    call(store, script, lead.id, "王芳", "callback", callback_due=due)
    assert stage_of(store, lead.id, MONDAY + timedelta(hours=1)) == "callback"
    assert stage_of(store, lead.id, due) == "callback_due"
    call(store, script, lead.id, "王芳", "mailed", now=due, facts={"address": "上海市长宁区金钟路968号"})
    assert stage_of(store, lead.id, due + timedelta(days=1)) == "mailed"
    follow_up_day = due + timedelta(days=7)
    assert stage_of(store, lead.id, follow_up_day) == "follow_up_due"
    call(store, script, lead.id, "王芳", "member_care", now=follow_up_day)
    assert stage_of(store, lead.id, follow_up_day + timedelta(hours=1)) == "maintained"
    assert store.get_lead(lead.id).attempts == 3


def test_closed_and_dead_leads_only_with_include_closed(store, script):
    refused = store.add_lead("拒绝公司", mobile(1))
    dead = store.add_lead("空号公司", mobile(2))
    fresh = store.add_lead("新公司", mobile(3))
    call(store, script, refused.id, "王芳", "refused")
    call(store, script, dead.id, "王芳", "invalid_number")
    later = MONDAY + timedelta(hours=1)
    assert [r.lead.id for r in lead_list(store, now=later)] == [fresh.id]
    stages = {r.lead.id: r.stage for r in lead_list(store, include_closed=True, now=later)}
    assert stages == {fresh.id: "new", refused.id: "closed", dead.id: "dead"}
    assert [r.lead.id for r in lead_list(store, stages=["dead"], now=later)] == [dead.id]


def test_lead_list_order_due_work_first(store, script):
    ids = [store.add_lead(f"公司{i}", mobile(i)).id for i in range(6)]
    call(store, script, ids[0], "王芳", "callback", callback_due=MONDAY + timedelta(hours=1))
    call(store, script, ids[1], "王芳", "mailed", facts={"address": "北京"})
    call(store, script, ids[2], "王芳", "no_answer")
    call(store, script, ids[3], "王芳", "callback", callback_due=MONDAY + timedelta(days=2))
    at = MONDAY + timedelta(days=7, hours=2)  # callback due, follow-up due, retry due; ids[3]'s callback too
    rows = lead_list(store, now=at)
    assert [(r.lead.id, r.stage) for r in rows] == [
        (ids[0], "callback_due"),
        (ids[3], "callback_due"),
        (ids[1], "follow_up_due"),
        (ids[4], "new"),
        (ids[5], "new"),
        (ids[2], "retry_due"),
    ]
    assert all(r.due for r in rows if r.stage != "new") and rows[0].marker == "●"
    soon = MONDAY + timedelta(minutes=30)
    stages = [r.stage for r in lead_list(store, now=soon)]
    assert stages == ["new", "new", "callback", "callback", "mailed", "called"]
    assert [r.stage for r in lead_list(store, stages=["new"], now=soon)] == ["new", "new"]
    assert len(lead_list(store, limit=2, now=soon)) == 2


def test_lead_list_filters_and_agent_view(store, script):
    a = store.add_lead("广州恒信贸易", "020-3888 1234", industry="贸易")
    b = store.add_lead("深圳创芯电子", "138 2345 6701", industry="电子")
    call(store, script, b.id, "李娜", "callback", callback_due=MONDAY + timedelta(hours=1))
    later = MONDAY + timedelta(hours=2)
    assert [r.lead.id for r in lead_list(store, industry="贸易", now=later)] == [a.id]
    assert [r.lead.id for r in lead_list(store, search="恒信", now=later)] == [a.id]
    assert [r.lead.id for r in lead_list(store, search="+86 138-2345-6701", now=later)] == [b.id]  # any spelling
    store.ensure_agent("王芳")
    assert [r.lead.id for r in lead_list(store, agent="王芳", now=later)] == [a.id]  # 李娜's callback
    assert [r.lead.id for r in lead_list(store, agent="李娜", now=later)] == [b.id, a.id]
    row = lead_list(store, agent="李娜", now=later)[1]
    assert row.phone_display == "020 3888 1234" and row.lead.phone_kind == "landline"


def test_lead_stage_is_a_pure_function():
    now = MONDAY
    assert lead_stage("retry", now + timedelta(hours=1), now, streak=3) == "set_aside"
    assert lead_stage("retry", now + timedelta(hours=1), now, streak=2) == "called"
    assert lead_stage("retry", None, now) == "retry_due"
    assert lead_stage("closed", None, now, maintained=True) == "maintained"


# --------------------------------------------------------------------------- do-not-call


def test_mark_do_not_call(store, script):
    lead = store.add_lead("甲公司", mobile(1), notes="老客户介绍")
    other = store.add_lead("乙公司", mobile(2))
    call(store, script, lead.id, "王芳", "callback", callback_due=MONDAY + timedelta(hours=1))
    assert store.callbacks()
    marked = store.mark_do_not_call(lead.id, "客户要求不要再打", agent="王芳", now=MONDAY)
    assert marked.do_not_call
    assert marked.notes == "老客户介绍\n[不再拨打 2026-03-02 王芳] 客户要求不要再打"
    assert store.callbacks() == []  # its open callback is closed
    later = MONDAY + timedelta(days=1)
    assert [r.lead.id for r in lead_list(store, include_closed=True, now=later)] == [other.id]
    assert store.claim_next_lead("王芳", now=later).id == other.id
    store.release_lead(other.id, "王芳")
    with pytest.raises(LeadUnavailable):
        store.claim_lead(lead.id, "王芳", now=later)
    assert store.mark_do_not_call(lead.id, "again").notes == marked.notes  # idempotent
    assert not store.clear_do_not_call(lead.id, agent="张主管").do_not_call


def test_mark_do_not_call_during_a_call(store, script):
    lead = store.add_lead("甲公司", mobile(1))
    call_id = store.start_call(lead.id, "王芳", store.store_script_version(script), now=MONDAY)
    store.mark_do_not_call(lead.id, "通话中要求", now=MONDAY)
    store.finish_call(call_id, "refused", {}, None, now=MONDAY + timedelta(minutes=1))
    got = store.get_lead(lead.id)
    assert got.do_not_call and got.status == "closed" and got.active_call_id is None


def test_end_call_do_not_call(store, script):
    lead = store.add_lead("甲公司", mobile(1))
    call_id = store.start_call(lead.id, "王芳", store.store_script_version(script), now=MONDAY)
    record = end_call_do_not_call(
        store, call_id, "不要再打了", facts={"reached": True}, agent="王芳", now=MONDAY + timedelta(minutes=2)
    )
    # grading v2: the do-not-call ending is a refusal, so accepts = no, and no grade
    assert (record.outcome, record.facts, record.grade) == ("refused", {"reached": True, "accepts": "no"}, None)
    got = store.get_lead(lead.id)
    assert got.do_not_call and got.notes.endswith("王芳] 不要再打了")


def test_do_not_call_by_number_in_any_spelling(store):
    lead = store.add_lead("甲公司", "13823456701")
    marked, created = mark_phone_do_not_call(store, "+86 138-2345-6701", "投诉")
    assert (marked.id, created, marked.do_not_call) == (lead.id, False, True)
    unknown, created = mark_phone_do_not_call(store, "010-8888 6666", "名单外号码")
    assert created and unknown.do_not_call and unknown.phone_norm == "+861088886666"
    assert unknown.company == "(不再拨打)"
    with pytest.raises(PhoneError):
        mark_phone_do_not_call(store, "12345")
