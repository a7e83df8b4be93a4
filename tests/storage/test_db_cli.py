"""``callscript db``: init, check, stale, close-call."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from click.testing import CliRunner

from callscript.cli.main import cli
from callscript.script.session import CallSession
from callscript.storage import SCHEMA_VERSION, Store


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_init_check_and_path(tmp_path):
    db = tmp_path / "cs.db"
    result = run("--db", str(db), "db", "init")
    assert result.exit_code == 0 and "created" in result.output
    assert run("db", "init", "--db", str(db)).output.strip().endswith("up to date")
    result = run("db", "check", "--db", str(db))
    assert result.exit_code == 0 and f"ok; schema version {SCHEMA_VERSION}" in result.output
    assert run("db", "path", env={"CALLSCRIPT_DB": str(db)}).output.strip() == str(db)


def test_check_missing_file_is_exit_2_and_creates_nothing(tmp_path):
    result = run("db", "check", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "no database" in result.output
    assert not (tmp_path / "none.db").exists()


def test_check_fails_on_broken_invariants(tmp_path, script):
    db = tmp_path / "cs.db"
    with Store.open(db) as store:
        agent = store.ensure_agent("王芳")
        lead = store.add_lead("甲公司", "13800000000")
        call_id = store.start_call(lead.id, agent, store.store_script_version(script))
        store.record_event(call_id, CallSession(script).choose("1"))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    with conn:
        conn.execute("DELETE FROM calls WHERE id = ?", (call_id,))
    conn.close()
    result = run("db", "check", "--db", str(db), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert not report["ok"] and any("belong to no call" in e for e in report["errors"])


def test_stale_and_close_call(tmp_path, script):
    db = tmp_path / "cs.db"
    t0 = datetime.now().astimezone() - timedelta(hours=5)
    with Store.open(db) as store:
        agent = store.ensure_agent("王芳")
        lead = store.add_lead("甲公司", "13800000000")
        call_id = store.start_call(lead.id, agent, store.store_script_version(script), now=t0)
        session = CallSession(script)
        store.record_event(call_id, session.choose("1"), now=t0)
        store.record_event(call_id, session.choose("1"), now=t0)
    result = run("db", "stale", "--db", str(db))
    assert f"call {call_id}\t王芳\t甲公司" in result.output
    assert "unfinished since" in run("db", "check", "--db", str(db)).output
    assert run("db", "close-call", str(call_id), "--outcome", "maybe", "--db", str(db)).exit_code == 2
    assert run("db", "close-call", str(call_id), "--outcome", "callback", "--db", str(db)).exit_code == 2
    result = run(
        "db",
        "close-call",
        str(call_id),
        "--outcome",
        "callback",
        "--due",
        "2030-01-02 15:00",
        "--note",
        "坐席下班",
        "--db",
        str(db),
    )
    assert result.exit_code == 0, result.output
    with Store.open(db) as store:
        call = store.get_call(call_id)
        assert call.outcome == "callback" and call.recovered and call.facts == {"reached": True, "travel": "often"}
        assert store.callbacks()[0].due_at == datetime(2030, 1, 2, 15, 0).astimezone()
    assert run("db", "stale", "--db", str(db)).output.strip() == "no stale unfinished calls"
    assert run("db", "close-call", str(call_id), "--outcome", "refused", "--db", str(db)).exit_code == 2


def test_close_call_whose_stored_script_no_longer_parses(tmp_path, script):
    """Found by the option fuzzer: the replay's ScriptError must not escape; the call still closes."""
    db = tmp_path / "cs.db"
    with Store.open(db) as store:
        lead = store.add_lead("甲公司", "13800000000")
        call_id = store.start_call(lead.id, "王芳", store.store_script_version(script))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE scripts SET source_text = 'just text'")
    result = run("db", "close-call", str(call_id), "--outcome", "busy", "--db", str(db))
    assert result.exit_code == 0 and f"call {call_id} closed: busy" in result.output
    with Store.open(db) as store:
        notes = [e.value for e in store.call_events(call_id) if e.is_note]
        assert any("closed without replay" in (n or "") for n in notes)
