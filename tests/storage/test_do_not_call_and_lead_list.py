"""One way to mark do-not-call (whatever the door), the lead list's tiers, and finish_call
writing what the life cycle decides."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from callscript.core.lifecycle import LIST_TIERS, after_call
from callscript.storage.leads import _TIER_SQL

MONDAY = datetime(2025, 3, 3, 10, 0).astimezone()


def finish(store, script, lead_id, outcome, *, now=MONDAY, agent="甲", **kw):
    call_id = store.start_call(lead_id, agent, store.store_script_version(script), now=now)
    return store.finish_call(call_id, outcome, {}, None, now=now, **kw)


@pytest.mark.parametrize("door", ["mark", "update_lead", "set_do_not_call"])
def test_every_door_closes_callbacks_follow_ups_and_frees_the_claim(store, script, door):
    lead = store.add_lead("甲公司", "13800000000", notes="老客户")
    finish(store, script, lead.id, "callback", callback_due=MONDAY + timedelta(days=1))
    other = store.add_lead("乙公司", "13800000001")
    finish(store, script, other.id, "mailed", address="上海")
    for target in (lead, other):
        store.claim_lead(target.id, "甲", now=MONDAY + timedelta(hours=1))
        {
            "mark": lambda t: store.mark_do_not_call(t.id, "客户要求", agent="王芳", now=MONDAY),
            "update_lead": lambda t: store.update_lead(t.id, do_not_call=True, now=MONDAY),
            "set_do_not_call": lambda t: store.set_do_not_call(t.id),
        }[door](target)
        got = store.get_lead(target.id)
        assert got.do_not_call and got.claimed_by is None and got.claim_expires_at is None
        assert "[不再拨打 " in got.notes
    assert store.callbacks() == [] and store.mailings(pending_only=True) == []
    assert [lead.id for lead in store.do_not_call_leads()] == sorted([lead.id, other.id], reverse=True)
    cleared = store.update_lead(lead.id, do_not_call=False)
    assert not cleared.do_not_call and cleared.notes.splitlines()[-1].startswith("[撤销不再拨打 ")


def test_marking_during_a_call_leaves_the_call_its_lead(store, script):
    lead = store.add_lead("甲公司", "13800000000")
    call_id = store.start_call(lead.id, "甲", store.store_script_version(script), now=MONDAY)
    marked = store.mark_do_not_call(lead.id, now=MONDAY)
    assert marked.do_not_call and marked.active_call_id == call_id and marked.claimed_by is not None
    assert store.check().ok


def test_by_phone_marks_a_known_lead_or_records_the_number(store):
    lead = store.add_lead("甲公司", "13800000000")
    marked, created = store.mark_do_not_call_by_phone("+86 138 0000 0000", "投诉")
    assert (marked.id, created, marked.do_not_call) == (lead.id, False, True)
    new, created = store.mark_do_not_call_by_phone("13900000000", company="丙")
    assert created and (new.company, new.status, new.do_not_call) == ("丙", "closed", True)
    with pytest.raises(ValueError):
        store.mark_do_not_call_by_phone("12")


def test_lead_list_tiers_are_the_life_cycles(store):
    assert list(_TIER_SQL) == [name for name, _ in LIST_TIERS]
    with pytest.raises(ValueError, match="tiers"):
        store.leads_in_tier("soon")


def test_finish_call_writes_what_the_life_cycle_decides(store, script):
    """Three no-answers on a lead waiting for its callback: still a callback, back tomorrow at 09:00."""
    lead = store.add_lead("甲公司", "13800000000")
    due = MONDAY + timedelta(hours=1)
    finish(store, script, lead.id, "callback", callback_due=due)
    t, streak = due, 0
    for _ in range(3):
        before = store.get_lead(lead.id)
        expected = after_call(before.status, "no_answer", t, no_answers_before=streak, retry_after=store.retry_after)
        finish(store, script, lead.id, "no_answer", now=t)
        got = store.get_lead(lead.id)
        assert (got.status, got.next_call_at) == (expected.status, expected.next_call_at)
        streak = store.no_answer_streaks([lead.id])[lead.id]
        assert streak == expected.no_answers
        t += timedelta(minutes=10)
    assert got.status == "callback" and got.next_call_at == datetime(2025, 3, 4, 9, 0).astimezone()
    assert store.callbacks()  # not answered: the callback stays open
