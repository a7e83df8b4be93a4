"""The PostgreSQL server restarted mid-shift (``pg_ctl restart -m immediate``: a crash, as far
as its data is concerned): the apps are told (``database_unreachable``), reconnect by
themselves once it is back, and not one acknowledged answer is missing afterwards."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest
from backends import postgres_only

from callscript.core.followup import in_follow_up_window
from callscript.storage import ErrorCode, StorageError, Store
from callscript.storage.backend import PostgresBackend
from storage.helpers import lead_rows
from storage.workers import fork, read_reports, steady_writer, wait_exit

pytestmark = [pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork"), postgres_only]

WRITERS = 4


def test_a_server_restart_mid_shift_loses_nothing_acknowledged(tmp_path, db_location, pg_cluster):
    with Store.open(db_location) as store:
        store.add_leads(lead_rows(2000))
    in_follow_up_window(datetime.now().astimezone())  # the calendar's lazy import, before the forks
    stop = tmp_path / "stop"
    pids = [
        fork(steady_writer, str(db_location), f"agent{i}", i, str(tmp_path / f"w{i}.jsonl"), str(stop))
        for i in range(WRITERS)
    ]
    deadline = time.monotonic() + 60
    while not all(any(r["t"] == "event" for r in read_reports(tmp_path / f"w{i}.jsonl")) for i in range(WRITERS)):
        assert time.monotonic() < deadline, "the writers did not start"
        time.sleep(0.1)
    time.sleep(0.5)  # every writer is mid-shift
    restarted_at = time.time()
    pg_cluster.restart_immediate()
    back_at = time.time()
    time.sleep(1.5)  # the writers carry on after the restart for a while
    stop.touch()
    assert [wait_exit(pid) for pid in pids] == [0] * WRITERS

    reports = [read_reports(tmp_path / f"w{i}.jsonl") for i in range(WRITERS)]
    assert all(r and r[-1]["t"] == "done" for r in reports)
    # Each app went on after the restart by itself: a transaction cut off before its COMMIT is
    # run again on a new connection; an answer whose statement was cut off says
    # database_unreachable (it may have landed) and the writer looks before sending it again.
    for rs in reports:
        moments = [r["at"] for r in rs if r["t"] == "event"]
        assert any(at < restarted_at for at in moments) and any(at > back_at for at in moments)
    events = [r for rs in reports for r in rs if r["t"] == "event"]
    finished = {r["call"]: r["outcome"] for rs in reports for r in rs if r["t"] == "finished"}

    with Store.open(db_location) as store:
        for e in events:
            stored = {x.seq: x for x in store.call_events(e["call"], notes=False)}
            assert e["seq"] in stored, f"call {e['call']} lost acknowledged event {e['seq']}"
            assert (stored[e["seq"]].kind, stored[e["seq"]].node) == (e["kind"], e["node"])
        for call_id, outcome in finished.items():
            assert store.get_call(call_id).outcome == outcome
        assert store.check().errors == []


def test_an_unreachable_server_is_a_storage_error_with_its_reason(db_location, pg_cluster):
    """Every Store method says ``database_unreachable`` after its bounded retry while the server
    is down, and works again, on the same Store, once it is back."""
    with Store.open(db_location) as store:
        store.backend.reconnect_s = 1.0  # type: ignore[attr-defined]
        assert isinstance(store.backend, PostgresBackend)
        store.ensure_agent("王芳")
        pg_cluster.stop_immediate()
        try:
            started = time.monotonic()
            with pytest.raises(StorageError) as down:
                store.ensure_agent("李娜")
            assert down.value.code == ErrorCode.DATABASE_UNREACHABLE
            assert time.monotonic() - started < 15
            with pytest.raises(StorageError) as down:
                store.list_leads()
            assert down.value.code == ErrorCode.DATABASE_UNREACHABLE
        finally:
            pg_cluster.start_again()
        assert store.ensure_agent("李娜").name == "李娜"
        assert sorted(a.name for a in store.agents()) == sorted(["王芳", "李娜"])
