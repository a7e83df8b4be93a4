"""Crash test: a child walking calls is SIGKILLed at random moments, many times.

After every kill: everything the child reported as saved is in the database,
``PRAGMA integrity_check`` and the app's own checks pass, and every unfinished
call resumes exactly where the child last reported it (the next child resumes
it and carries on).
"""

from __future__ import annotations

import os
import random
import select
import signal
import time
from datetime import datetime

import pytest

from callscript.core.followup import in_follow_up_window
from callscript.storage import Store
from storage.helpers import lead_rows
from storage.workers import crash_walker, fork, read_reports, wait_exit

KILLS = 25

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")


def test_sigkill_at_random_moments_loses_nothing(tmp_path, db_location):
    """On PostgreSQL too: an answer is acknowledged once its COMMIT is flushed (synchronous_commit=on)."""
    db = db_location
    with Store.open(db) as store:
        store.add_leads(lead_rows(800))
    # The first claim loads China's holiday calendar (0.6 s, lazily): done here, before the
    # forks, as a running app has done it long before — else every child is killed loading it.
    in_follow_up_window(datetime.now().astimezone())
    rng = random.Random(20250303)
    saved: dict[int, dict[int, tuple]] = {}  # call → seq → (kind, node, value) reported saved
    last_state: dict[int, tuple[int, str, dict]] = {}  # call → (seq, node, facts) after its last reported event
    finished: dict[int, str] = {}
    seen = set()
    for i in range(KILLS):
        report = tmp_path / f"report{i}.jsonl"
        ready_r, ready_w = os.pipe()
        pid = fork(crash_walker, str(db), "crasher", i, str(report), ready_w)
        os.close(ready_w)
        assert select.select([ready_r], [], [], 30)[0] and os.read(ready_r, 1) == b"r", "child did not start"
        os.close(ready_r)
        time.sleep(rng.uniform(0.0, 0.1))
        os.kill(pid, signal.SIGKILL)
        assert wait_exit(pid) in (-signal.SIGKILL, 0)

        for r in read_reports(report):
            seen.add(r["t"])
            if r["t"] == "event":
                saved.setdefault(r["call"], {})[r["seq"]] = (r["kind"], r["node"], r["value"])
                last_state[r["call"]] = (r["seq"], r["at_node"], r["facts"])
            elif r["t"] == "note":
                saved.setdefault(r["call"], {})[r["seq"]] = ("note", None, None)
            elif r["t"] == "finished":
                finished[r["call"]] = r["outcome"]

        with Store.open(db) as store:
            check = store.check()
            assert check.ok, check.errors
            for call_id, events in saved.items():
                stored = {e.seq: e for e in store.call_events(call_id)}
                for seq, (kind, node, value) in events.items():
                    assert seq in stored, f"call {call_id} lost event {seq} after kill {i}"
                    e = stored[seq]
                    assert e.kind == kind
                    if kind != "note":
                        assert (e.node, e.value) == (node, value)
            for call_id, outcome in finished.items():
                assert store.get_call(call_id).outcome == outcome, f"call {call_id} lost its outcome"
            unfinished = store.unfinished_calls("crasher")
            assert len(unfinished) <= 1
            for u in unfinished:
                session = store.resume_call(u.call_id)
                stored_events = store.call_events(u.call_id, notes=False)
                assert len(session.events) == len(stored_events)
                if u.call_id in last_state:
                    seq, node, facts = last_state[u.call_id]
                    if stored_events[-1].seq == seq:  # nothing committed after the last report
                        assert (session.node_id, session.facts) == (node, facts)
    assert {"event", "finished", "resumed"} <= seen, seen
    with Store.open(db) as store:
        assert store.sqlite_check(quick=False) == []  # the file's pages (PostgreSQL checks its own)
