"""Many agents, one file: 8 processes claim leads and record whole calls at the same time.

No lead is claimed twice, no row is lost, no "database is locked" escapes.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from callscript.storage import Store
from storage.helpers import lead_rows
from storage.workers import claiming_agent, fork, read_reports, wait_exit

AGENTS = 8
LEADS = 160

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def test_eight_agents_claim_and_record_without_collisions(tmp_path, db_location):
    """On PostgreSQL the claims run side by side (``FOR UPDATE SKIP LOCKED``), not one at a time."""
    db = db_location
    with Store.open(db) as store:
        store.add_leads(lead_rows(LEADS))
    start_at = time.time() + 0.3
    pids = {
        fork(claiming_agent, str(db), f"agent{i}", i, str(tmp_path / f"agent{i}.jsonl"), start_at): i
        for i in range(AGENTS)
    }
    codes = {pids[pid]: wait_exit(pid) for pid in pids}
    reports = {i: read_reports(tmp_path / f"agent{i}.jsonl") for i in range(AGENTS)}
    errors = [r for rs in reports.values() for r in rs if r["t"] == "error"]
    assert not errors, errors
    assert codes == {i: 0 for i in range(AGENTS)}
    assert all(rs and rs[-1]["t"] == "done" for rs in reports.values()), "an agent did not finish"

    calls = [r for rs in reports.values() for r in rs if r["t"] == "call"]
    per_lead = Counter(r["lead"] for r in calls)
    assert len(per_lead) == LEADS and set(per_lead.values()) == {1}, "a lead was called twice"
    assert sum(1 for rs in reports.values() if any(r["t"] == "call" for r in rs)) >= 2  # they really shared

    with Store.open(db) as store:
        report = store.check()
        assert report.ok, report.errors
        stored_calls = store.conn.execute("SELECT lead_id, COUNT(*) FROM calls GROUP BY lead_id").fetchall()
        assert len(stored_calls) == LEADS and {n for _, n in stored_calls} == {1}
        for r in calls:
            call = store.get_call(r["call"])
            assert (call.lead_id, call.outcome) == (r["lead"], r["outcome"])
            events = store.conn.execute(
                "SELECT COUNT(*) FROM call_events WHERE call_id = ? AND kind != 'note'", (r["call"],)
            ).fetchone()[0]
            assert events == r["events"], f"call {r['call']} lost events"
        assert store.unfinished_calls() == []
        assert store.count_leads(status="new") == 0
        assert store.conn.execute("SELECT COUNT(*) FROM leads WHERE claimed_by IS NOT NULL").fetchone()[0] == 0
