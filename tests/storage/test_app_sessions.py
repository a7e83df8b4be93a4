"""A claim belongs to one running app (issue 14, item 7): the same agent logged into two apps
never gets the same lead twice, and no call is started on a lead that is not callable."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from callscript.storage import ErrorCode, LeadUnavailable, Store
from storage.helpers import lead_rows, mini_script
from storage.workers import fork, read_reports, same_agent_app, wait_exit

MONDAY = datetime(2025, 3, 3, 10, 0).astimezone()


@pytest.fixture
def two_apps(db_location):
    """The same agent's two windows: two stores on one file, each with its own app session."""
    path = db_location
    first, second = Store.open(path), Store.open(path)
    first.add_leads(lead_rows(5))
    first.open_app_session("王芳", now=MONDAY)
    second.open_app_session("王芳", now=MONDAY)
    yield first, second
    first.close()
    second.close()


def test_the_held_claim_goes_back_only_to_the_app_that_made_it(two_apps):
    first, second = two_apps
    lead = first.claim_next_lead("王芳", now=MONDAY)
    assert lead is not None and lead.claim_session_id == first.app_session_id
    other = second.claim_next_lead("王芳", now=MONDAY)
    assert other is not None and other.id != lead.id  # not the first window's lead
    again = first.claim_next_lead("王芳", now=MONDAY + timedelta(minutes=1))
    assert again is not None and again.id == lead.id  # a crash between claim and dial still loses nothing
    with pytest.raises(LeadUnavailable) as refused:
        second.claim_lead(lead.id, "王芳", now=MONDAY)
    assert refused.value.code == ErrorCode.LEAD_CLAIMED_BY_OTHER_SESSION
    script_id = second.store_script_version(mini_script())
    with pytest.raises(LeadUnavailable) as refused:
        second.start_call(lead.id, "王芳", script_id, now=MONDAY)
    assert refused.value.code == ErrorCode.LEAD_CLAIMED_BY_OTHER_SESSION
    assert first.start_call(lead.id, "王芳", script_id, now=MONDAY)  # its own app may


def test_an_ended_or_dead_session_leaves_its_claims_to_the_agent(db_location):
    path = db_location
    with Store.open(path) as first, Store.open(path) as second:
        first.add_leads(lead_rows(3))
        first.open_app_session("王芳", now=MONDAY)
        lead = first.claim_next_lead("王芳", now=MONDAY)
        first.end_app_session(now=MONDAY)  # the app closed: its unused claim goes back
        assert first.get_lead(lead.id).claimed_by is None
        second.open_app_session("王芳", now=MONDAY)
        assert second.claim_next_lead("王芳", now=MONDAY).id == lead.id
    with Store.open(path) as crashed, Store.open(path) as restarted:
        crashed.open_app_session("李娜", pid=2**22 + 12345, now=MONDAY)  # no such process: it crashed
        held = crashed.claim_next_lead("李娜", now=MONDAY)
        restarted.open_app_session("李娜", now=MONDAY)
        assert restarted.claim_next_lead("李娜", now=MONDAY).id == held.id
        assert restarted.live_app_sessions("李娜") == [restarted.get_app_session(restarted.app_session_id)]
        assert crashed.get_app_session(crashed.app_session_id).ended_at is not None  # ended on the restart


def test_a_second_app_of_the_same_agent_is_seen(two_apps):
    first, second = two_apps
    assert [s.id for s in first.other_live_sessions("王芳")] == [second.app_session_id]
    assert [s.id for s in second.other_live_sessions("王芳")] == [first.app_session_id]
    second.end_app_session()
    assert first.other_live_sessions("王芳") == []


def test_start_call_refuses_leads_that_are_not_callable(store):
    store.add_leads(lead_rows(4))
    script_id = store.store_script_version(mini_script())
    closed, dead, dnc, busy = (lead.id for lead in store.list_leads())
    store.update_lead(closed, status="closed")
    store.update_lead(dead, status="dead")
    store.mark_do_not_call(dnc, "客户要求")
    call_id = store.start_call(busy, "王芳", script_id, now=MONDAY)
    expected = {
        closed: ErrorCode.LEAD_CLOSED,
        dead: ErrorCode.LEAD_DEAD,
        dnc: ErrorCode.LEAD_DO_NOT_CALL,
        busy: ErrorCode.LEAD_IN_CALL,
    }
    for lead_id, code in expected.items():
        with pytest.raises(LeadUnavailable) as refused:
            store.start_call(lead_id, "李娜", script_id, now=MONDAY)
        assert refused.value.code == code
        with pytest.raises(LeadUnavailable):
            store.claim_lead(lead_id, "李娜", now=MONDAY)
    store.finish_call(call_id, "refused", now=MONDAY)  # the lead is closed now
    with pytest.raises(LeadUnavailable) as refused:
        store.start_call(busy, "王芳", script_id, now=MONDAY)
    assert refused.value.code == ErrorCode.LEAD_CLOSED


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_same_agent_in_two_processes_never_calls_a_lead_twice(tmp_path, db_location):
    """The issue's finding (885 of 17,383 claims doubled; 646 closed leads called again): two
    processes logged in as one agent claim and call until nothing is left."""
    db = db_location
    leads = 150
    with Store.open(db) as store:
        store.add_leads(lead_rows(leads))
    start_at = time.time() + 0.3
    pids = [fork(same_agent_app, str(db), "王芳", i, str(tmp_path / f"app{i}.jsonl"), start_at) for i in range(2)]
    assert [wait_exit(pid) for pid in pids] == [0, 0]
    reports = [read_reports(tmp_path / f"app{i}.jsonl") for i in range(2)]
    assert all(r and r[-1]["t"] == "done" for r in reports)
    calls = [r for rs in reports for r in rs if r["t"] == "call"]
    refused = [r for rs in reports for r in rs if r["t"] == "refused"]
    assert refused == [], "claim_next_lead handed out a lead the app could not call"
    per_lead = Counter(r["lead"] for r in calls)
    assert len(per_lead) == leads and set(per_lead.values()) == {1}, "a lead was called twice"
    assert all(any(r["t"] == "call" for r in rs) for rs in reports)  # both windows worked
    with Store.open(db) as store:
        assert store.check().ok
        assert store.live_app_sessions() == []
