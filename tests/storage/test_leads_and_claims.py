"""Leads, claiming, the lead life cycle after each outcome, callbacks, mailings, views, check."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import pytest
from backends import sqlite_only

from callscript.script.session import CallSession
from callscript.storage import DuplicateLead, LeadUnavailable, NotFound, Store
from storage.helpers import lead_rows

MONDAY = datetime(2025, 3, 3, 10, 0).astimezone()  # a Monday morning: outside the follow-up window


def finish(store, script, lead_id, agent, outcome, *, now=MONDAY, facts=None, grade=None, **kw):
    sid = store.store_script_version(script)
    call_id = store.start_call(lead_id, agent, sid, now=now)
    store.record_event(call_id, {"kind": "end", "node": "opening", "value": outcome}, now=now)
    return store.finish_call(call_id, outcome, facts or {}, grade, now=now, **kw)


def test_import_reports_duplicates_and_invalid_rows(store):
    rows = [
        *lead_rows(3),
        {"company": "重复", "phone": "138-0000-0001"},
        {"company": "", "phone": "13900000000"},
        {"company": "坏号", "phone": "12"},
        {"company": "错字段", "phone": "13900000001", "compnay": "x"},
    ]
    summary = store.add_leads(rows)
    assert len(summary.inserted) == 3
    assert [(d.index, d.existing_lead_id) for d in summary.duplicates] == [(3, summary.inserted[1])]
    assert [r.index for r in summary.invalid] == [4, 5, 6]
    assert "compnay" in summary.invalid[2].reason
    with pytest.raises(DuplicateLead) as exc:
        store.add_lead("又一个", "+86 138 0000 0002".replace("+86 ", ""))
    assert exc.value.existing_id == summary.inserted[2]
    assert store.find_lead("138 0000 0000").company == "公司0"


def test_pluggable_normaliser(tmp_path):
    def e164(phone):
        digits = "".join(ch for ch in phone if ch.isdigit())
        digits = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
        return "+86" + digits if len(digits) == 11 else None

    with Store.open(tmp_path / "n.db", normalise=e164) as store:
        lead = store.add_lead("甲", "138 0000 0000")
        assert lead.phone_norm == "+8613800000000" and lead.phone == "138 0000 0000"
        summary = store.add_leads([{"company": "乙", "phone": "+86 13800000000"}])
        assert summary.duplicates and not summary.inserted


def test_list_count_update_leads(store):
    store.add_leads(lead_rows(8))
    assert store.count_leads() == 8
    assert [lead.company for lead in store.list_leads(industry="IT")] == ["公司0", "公司4"]
    assert store.count_leads(industry="IT") == 2
    assert len(store.list_leads(limit=3, offset=6)) == 2
    assert [lead.company for lead in store.list_leads(search="公司7")] == ["公司7"]
    assert store.industries() == sorted({"IT", "制造", "医药", "金融"})
    lead = store.update_lead(1, contact="新联系人", do_not_call=True, assigned_to="王芳")
    assert lead.contact == "新联系人" and lead.do_not_call and lead.assigned_agent_id == store.get_agent("王芳").id
    assert store.count_leads(do_not_call=True) == 1
    with pytest.raises(DuplicateLead):
        store.update_lead(2, phone="13800000003")
    with pytest.raises(TypeError):
        store.update_lead(2, attempts=5)
    with pytest.raises(NotFound):
        store.update_lead(99, contact="x")


def test_claims_are_exclusive_idempotent_and_expire(store, script):
    store.add_leads(lead_rows(3))
    a, b = store.ensure_agent("甲"), store.ensure_agent("乙")
    la = store.claim_next_lead(a, now=MONDAY)
    lb = store.claim_next_lead(b, now=MONDAY)
    assert la.id != lb.id and la.claimed_by == a.id
    assert store.claim_next_lead(a, now=MONDAY).id == la.id  # asking again: the same lead
    with pytest.raises(LeadUnavailable):
        store.start_call(la.id, b, store.store_script_version(script), now=MONDAY)
    with pytest.raises(LeadUnavailable):
        store.claim_lead(la.id, b, now=MONDAY)
    assert store.release_lead(la.id, a)
    assert not store.release_lead(la.id, a)
    assert store.claim_lead(la.id, b, now=MONDAY).claimed_by == b.id
    # b's claim on lb expires unused; a can take it once it has
    later = MONDAY + store.claim_hold + timedelta(seconds=1)
    assert store.claim_next_lead(a, now=later).id in (lb.id, la.id)
    # a lead in a call is never offered, even after its claim would have expired
    call_id = store.start_call(lb.id, b, store.store_script_version(script), now=later)
    much_later = later + timedelta(hours=5)
    offered = {store.claim_next_lead(x, now=much_later).id for x in (store.ensure_agent(f"x{i}") for i in range(2))}
    assert lb.id not in offered
    assert store.get_lead(lb.id).active_call_id == call_id


def test_do_not_call_and_dead_leads_are_never_offered(store, script):
    a = store.ensure_agent("甲")
    dnc = store.add_lead("勿扰", "13800000000", do_not_call=True)
    dead = store.add_lead("空号", "13800000001")
    finish(store, script, dead.id, a, "invalid_number")
    assert store.get_lead(dead.id).status == "dead"
    assert store.claim_next_lead(a, now=MONDAY + timedelta(days=30)) is None
    with pytest.raises(LeadUnavailable) as refused:
        store.start_call(dnc.id, a, store.store_script_version(script))
    assert refused.value.code == "lead_do_not_call"


def test_retry_after_no_answer_and_busy(store, script):
    a = store.ensure_agent("甲")
    lead = store.add_lead("甲公司", "13800000000")
    finish(store, script, lead.id, a, "no_answer")
    lead = store.get_lead(lead.id)
    assert (lead.status, lead.attempts, lead.last_outcome) == ("retry", 1, "no_answer")
    assert lead.next_call_at == MONDAY + store.retry_after
    assert store.claim_next_lead(a, now=MONDAY + timedelta(minutes=5)) is None
    assert store.claim_next_lead(a, now=MONDAY + store.retry_after).id == lead.id


def test_callback_goes_back_to_its_agent_first(store, script):
    a, b = store.ensure_agent("甲"), store.ensure_agent("乙")
    store.add_leads(lead_rows(3))
    due = MONDAY + timedelta(hours=4)
    record = finish(store, script, 3, a, "callback", callback_due=due, callback_reason="开会")
    assert record.callback_due == due
    (cb,) = store.callbacks(a)
    assert (cb.lead_id, cb.due_at, cb.reason, cb.company) == (3, due, "开会", "公司2")
    assert store.due_callbacks(now=MONDAY) == []
    assert [c.id for c in store.due_callbacks(a, now=due)] == [cb.id]
    assert store.claim_next_lead(b, now=due).id == 1  # not b's callback
    assert store.claim_next_lead(a, now=due).id == 3  # a: the due callback before new leads
    finish(store, script, 3, a, "busy", now=due)  # not effective: callback stays open
    assert store.get_lead(3).status == "callback" and store.callbacks(a)
    finish(store, script, 3, a, "not_qualified", now=due + timedelta(hours=2))
    assert store.callbacks(a) == []
    assert store.callbacks(a, open_only=False)[0].done_at == due + timedelta(hours=2)
    assert store.get_lead(3).status == "closed"


def test_mailing_and_follow_up_window(store, script):
    a = store.ensure_agent("甲")
    lead = store.add_lead("甲公司", "13800000000")
    store.add_lead("乙公司", "13800000001")
    finish(store, script, lead.id, a, "mailed", facts={"address": "上海市长宁区", "hotel_star": 4})
    (mailing,) = store.mailings(a)
    assert (mailing.address, mailing.mailed_on) == ("上海市长宁区", date(2025, 3, 3))
    assert (mailing.follow_up_from, mailing.follow_up_by) == (date(2025, 3, 10), date(2025, 3, 13))
    assert store.due_follow_ups(on="2025-03-09") == []
    assert [m.id for m in store.due_follow_ups(a, on=date(2025, 3, 10))] == [mailing.id]
    assert store.get_lead(lead.id).status == "mailed"
    monday_morning = datetime(2025, 3, 10, 10, 0).astimezone()
    monday_evening = datetime(2025, 3, 10, 17, 40).astimezone()
    assert store.claim_next_lead(a, now=monday_morning).id != lead.id  # outside the window: new leads
    store.release_lead(2, a)
    assert store.claim_next_lead(a, now=monday_evening).id == lead.id  # 17:30–18:00: follow-up first
    store.release_lead(lead.id, a)
    saturday = datetime(2025, 3, 15, 11, 0).astimezone()
    assert store.claim_next_lead(a, now=saturday).id == lead.id  # weekend
    finish(store, script, lead.id, a, "member_care", now=saturday)
    assert store.due_follow_ups(on=saturday) == []
    assert store.mailings(a)[0].follow_up_call_id is not None


def test_day_reviews(store):
    store.set_day_review("甲", "2025-03-03", strengths="开场白清楚", weaknesses="语速快")
    store.set_day_review("甲", date(2025, 3, 3), strengths="开场白清楚", suggestions="放慢语速")
    review = store.day_review("甲", MONDAY)
    assert (review.strengths, review.weaknesses, review.suggestions) == ("开场白清楚", None, "放慢语速")
    assert store.day_review("乙", "2025-03-03") is None


def test_daily_views_count_leads_not_calls(store, script):
    a, b = store.ensure_agent("甲"), store.ensure_agent("乙")
    store.add_leads(lead_rows(6))  # industries IT, 制造, 医药, 金融, IT, 制造
    g = {"grade": "好", "rule_label": "r", "rule_index": 0, "conditions": {}, "qualified": True}
    fair = dict(g, grade="一般")
    finish(store, script, 1, a, "no_answer")
    finish(store, script, 1, a, "mailed", now=MONDAY + timedelta(hours=2), facts={"address": "x"}, grade=g)
    finish(store, script, 5, a, "refused", grade=fair)  # grading v2: a refusal keeps no grade
    finish(store, script, 2, a, "invalid_number")
    finish(store, script, 3, b, "busy")
    finish(store, script, 6, a, "no_answer", now=MONDAY + timedelta(days=1))
    rows = store.conn.execute(
        """SELECT day, agent, industry, leads_called, effective, mailed, good, fair, marginal,
                  mail_rate, effective_rate, good_rate
           FROM daily_agent_industry ORDER BY day, agent, industry"""
    ).fetchall()
    assert rows == [
        ("2025-03-03", "乙", "医药", 1, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0),
        ("2025-03-03", "甲", "IT", 2, 2, 1, 1, 0, 0, 0.5, 1.0, 0.5),
        ("2025-03-03", "甲", "制造", 1, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0),
        ("2025-03-04", "甲", "制造", 1, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0),
    ]
    lead1 = store.conn.execute(
        "SELECT calls, effective, mailed, grade, last_outcome FROM daily_lead_outcomes WHERE lead_id = 1"
    ).fetchone()
    assert lead1 == (2, 1, 1, "好", "mailed")
    assert store.conn.execute("SELECT SUM(leads_called) FROM daily_industry").fetchone()[0] == 5
    assert store.conn.execute(
        "SELECT leads_called FROM daily_agent WHERE agent = '甲' AND day = '2025-03-03'"
    ).fetchone() == (3,)
    assert store.conn.execute("SELECT COUNT(*) FROM pending_follow_ups").fetchone() == (1,)


def _raw(store):
    conn = sqlite3.connect(store.path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    return conn


@sqlite_only  # writes past the file's constraints, which a PostgreSQL server never lets through
def test_check_finds_broken_invariants(store, script):
    a = store.ensure_agent("甲")
    lead = store.add_lead("甲公司", "13800000000")
    sid = store.store_script_version(script)
    call_id = store.start_call(lead.id, a, sid)
    session = CallSession(script)
    store.record_event(call_id, session.choose("1"))
    assert store.check().ok
    conn = _raw(store)
    with conn:
        conn.execute(
            "INSERT INTO call_events (call_id, seq, at, kind) VALUES (999, 1, '2025-01-01T00:00:00+08:00', 'choose')"
        )
        conn.execute("UPDATE calls SET ended_at = '2025-01-01T00:00:00+08:00' WHERE id = ?", (call_id,))
        conn.execute(
            "INSERT INTO call_events (call_id, seq, at, kind) VALUES (?, 5, '2025-01-01T00:00:00+08:00', 'choose')",
            (call_id,),
        )
    conn.close()
    report = store.check()
    text = "\n".join(report.errors)
    assert "finished calls without a valid outcome (1)" in text
    assert "events that belong to no call (1)" in text
    assert "gaps" in text
    assert "leads locked to a call that is finished" in text
    assert "foreign keys" in text
    assert not report.ok
