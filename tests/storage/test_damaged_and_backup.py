"""A file that is not a database, a damaged one, and the way back: ``db backup`` / ``db restore``
(issue 14, item 3)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from reports.conftest import D1 as DAY1
from reports.conftest import build_known_db

from callscript.cli.main import cli
from callscript.storage import SCHEMA_VERSION, DatabaseProblem, ErrorCode, StorageError, Store
from callscript.storage.backup import KEEP_SUFFIX, inspect_database
from callscript.tui.backend import problem_text
from storage.helpers import lead_rows, mini_script

D1 = DAY1.isoformat()

#: Every command that opens a database, with arguments that would otherwise work.
DB_COMMANDS = [
    ["db", "check"],
    ["db", "init"],
    ["db", "stale"],
    ["db", "close-call", "1", "--outcome", "busy"],
    ["db", "backup", "{tmp}/backup.db"],
    ["leads", "list"],
    ["leads", "dnc", "13812345678"],
    ["leads", "import", "{tmp}/list.csv"],
    ["export", "calls", "--date", D1, "--out", "-"],
    ["export", "mailings", "--date", D1, "--out", "{tmp}/mail.csv"],
    ["report", "daily", "--date", D1],
    ["report", "range", "--from", D1, "--to", D1],
    ["report", "yield"],
    ["report", "due", "--at", f"{D1} 10:00"],
    ["report", "remark", "--agent", "王芳", "--date", D1, "--优点", "好"],
    ["report", "rebuild"],
    ["demo-data", "--days", "1", "--agents", "1", "--append"],
]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def command(args: list[str], tmp: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in args]


def assert_error(result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert words in result.output, result.output


def damage(path: Path, table: str = "calls") -> None:
    """Overwrite the middle of ``table``'s root page (the file's bytes, as a disk fault would)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size + 8)
        handle.write(b"\xa5" * (page_size - 16))


@pytest.fixture
def files(tmp_path):
    (tmp_path / "list.csv").write_text("公司,电话\n甲公司,13912345678\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("args", DB_COMMANDS, ids=[" ".join(a[:2]) for a in DB_COMMANDS])
def test_a_text_file_is_not_a_callscript_database(files, args):
    text = files / "text.db"
    text.write_text("hello\n")
    result = run(*command(args, files), "--db", text)
    assert_error(result, f"error: {text} is not a callscript database")
    assert text.read_text() == "hello\n"


@pytest.mark.parametrize("args", DB_COMMANDS, ids=[" ".join(a[:2]) for a in DB_COMMANDS])
def test_a_damaged_file_is_said_to_be_damaged(files, args, tmp_path_factory):
    db = build_known_db(files / "known.db")
    damage(db)
    result = run(*command(args, files), "--db", db)
    if args[:2] == ["db", "check"]:
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"{db}: DAMAGED" in result.output and "db restore" in result.output
        return
    assert_error(result, f"error: {db} is damaged (")
    assert "run callscript db check" in result.output
    assert "合计" not in result.output  # never normal totals from a damaged file


def test_a_foreign_sqlite_file_is_refused_and_left_alone(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    before = other.read_bytes()
    assert_error(run("db", "init", "--db", other), "is not a callscript database (an SQLite file of another program")
    with pytest.raises(DatabaseProblem) as refused:
        Store.open(other)
    assert refused.value.code == ErrorCode.NOT_A_DATABASE
    with sqlite3.connect(other) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]
    assert other.read_bytes()[:100] == before[:100]


def test_damage_met_in_the_middle_of_a_query_is_a_coded_error(tmp_path):
    """At open the file looks fine; the damaged page is met later, by a query: the app says so."""
    db = tmp_path / "calls.db"
    with Store.open(db) as store:
        store.add_leads(lead_rows(300))
    damage(db, "leads")
    with Store.open(db) as store:  # page 1 is sound: the file opens
        with pytest.raises(DatabaseProblem) as met:
            store.list_leads()
        assert met.value.code == ErrorCode.DATABASE_DAMAGED
        assert str(met.value).startswith(f"{db} is damaged (")
        assert "数据库文件已损坏" in problem_text(met.value)
        report = store.check()
        assert report.damaged and not report.ok


def test_check_reports_damage_with_what_sqlite_found(tmp_path):
    db = build_known_db(tmp_path / "known.db")
    damage(db)
    result = run("db", "check", "--db", db, "--json")
    assert result.exit_code == 1
    import json

    report = json.loads(result.output)
    assert report["damaged"] and not report["ok"]
    assert any(e.startswith("integrity_check: ") for e in report["errors"])
    quick = run("db", "check", "--db", db, "--quick")
    assert quick.exit_code == 1 and "quick_check: " in quick.output


# --------------------------------------------------------------------------- backup


def test_backup_is_a_checked_private_copy_that_never_overwrites(tmp_path):
    db = build_known_db(tmp_path / "known.db")
    old = os.umask(0o022)
    try:
        result = run("db", "backup", tmp_path / "b.db", "--db", db)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert "checked: ok" in result.output
    backup = tmp_path / "b.db"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.part*")) and not (tmp_path / "b.db-wal").exists()
    info = inspect_database(backup)
    with Store.open(db) as store:
        assert info.counts["calls"] == store.count_calls() and info.schema_version == SCHEMA_VERSION
    assert_error(run("db", "backup", backup, "--db", db), "already exists; use --force")
    assert_error(run("db", "backup", db, "--db", db, "--force"), "database in use")
    assert run("db", "backup", backup, "--db", db, "--force").exit_code == 0


def test_backup_while_an_agent_keeps_answering_is_consistent(tmp_path, script):
    db = tmp_path / "floor.db"
    with Store.open(db) as store:
        store.add_leads(lead_rows(50))
    stop = threading.Event()
    answered: list[int] = []

    def agent() -> None:
        from callscript.script.session import CallSession

        with Store.open(db) as store:
            script_id = store.store_script_version(script)
            while not stop.is_set():
                lead = store.claim_next_lead("王芳")
                if lead is None:
                    break
                call_id = store.start_call(lead.id, "王芳", script_id)
                store.record_event(call_id, CallSession(script).choose("1"))
                answered.append(call_id)

    worker = threading.Thread(target=agent)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while len(answered) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        copies = [tmp_path / f"b{i}.db" for i in range(3)]
        for copy in copies:
            assert run("db", "backup", copy, "--db", db).exit_code == 0
    finally:
        stop.set()
        worker.join()
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            calls = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
            events = conn.execute("SELECT COUNT(*) FROM call_events").fetchone()[0]
        assert calls in (events, events + 1)  # a snapshot: at most the call being answered has no event yet


# --------------------------------------------------------------------------- restore


def test_restore_brings_back_a_backup_and_keeps_what_it_replaced(tmp_path):
    db = build_known_db(tmp_path / "known.db")
    assert run("db", "backup", tmp_path / "b.db", "--db", db).exit_code == 0
    with Store.open(db) as store:
        original_errors = store.check().errors
        calls = store.count_calls()
        store.add_leads(lead_rows(7, start=500))  # after the backup
        leads_after = store.count_leads()
    damage(db)
    # the file is too damaged to tell whether calls are unfinished: the supervisor says --force
    assert_error(run("db", "restore", tmp_path / "b.db", "--db", db), "cannot tell whether the database is in use")
    result = run("db", "restore", tmp_path / "b.db", "--db", db, "--force")
    assert result.exit_code == 0, result.output
    kept = [p for p in tmp_path.iterdir() if KEEP_SUFFIX in p.name]
    assert len(kept) == 1 and f"kept as {kept[0]}" in result.output
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    with Store.open(db) as store:
        report = store.check()
        assert not report.damaged and report.errors == original_errors  # exactly the backup's content
        assert store.count_calls() == calls
        assert store.count_leads() == leads_after - 7
    assert_error(run("leads", "list", "--db", kept[0]), "is damaged")  # kept as it was, damage and all


def test_restore_checks_the_source_first(tmp_path):
    db = build_known_db(tmp_path / "known.db")
    before = db.read_bytes()
    text = tmp_path / "text.db"
    text.write_text("hello")
    assert_error(run("db", "restore", text, "--db", db), "is not a callscript database; nothing was restored")
    broken = build_known_db(tmp_path / "broken.db")
    damage(broken)
    assert_error(run("db", "restore", broken, "--db", db), "is damaged")
    future = tmp_path / "future.db"
    shutil.copy(db, future)
    with sqlite3.connect(future) as conn:
        conn.execute("PRAGMA user_version = 99")
    assert_error(run("db", "restore", future, "--db", db), "schema version 99, not one this callscript knows")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    assert_error(run("db", "restore", other, "--db", db), "its tables are missing")
    assert_error(run("db", "restore", tmp_path / "missing.db", "--db", db), "no such file")
    assert_error(run("db", "restore", db, "--db", db), "is the database in use")
    assert db.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if KEEP_SUFFIX in p.name]


def test_restore_refuses_while_calls_are_unfinished_or_apps_open(tmp_path):
    db = tmp_path / "floor.db"
    backup = tmp_path / "b.db"
    with Store.open(db) as store:
        store.add_leads(lead_rows(3))
    assert run("db", "backup", backup, "--db", db).exit_code == 0
    app = Store.open(db)
    try:
        app.open_app_session("王芳")
        assert_error(run("db", "restore", backup, "--db", db), "app(s) have the database open: 王芳")
        lead = app.claim_next_lead("王芳")
        app.start_call(lead.id, "王芳", app.store_script_version(mini_script()))
        app.end_app_session()
        assert_error(run("db", "restore", backup, "--db", db), "1 call(s) unfinished")
        result = run("db", "restore", backup, "--db", db, "--force")
        assert result.exit_code == 0, result.output
        assert app.unfinished_calls() == []  # the open app sees the restored content, not a stale file
    finally:
        app.close()


def test_restore_of_an_older_schema_migrates_it(tmp_path):
    from callscript.storage import connect, schema

    old = tmp_path / "v1.db"
    with connect(old) as db:
        schema.migrate(db.conn, target=1)
        db.conn.execute("INSERT INTO agents (name, created_at) VALUES ('王芳', '2025-03-03T10:00:00+08:00')")
    db_path = tmp_path / "live.db"
    Store.open(db_path).close()
    result = run("db", "restore", old, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert f"now schema version {SCHEMA_VERSION}" in result.output
    with Store.open(db_path) as store:
        assert [a.name for a in store.agents()] == ["王芳"] and store.check().ok


def test_storage_refusals_carry_the_restore_code(tmp_path):
    db = tmp_path / "a.db"
    with Store.open(db) as store, pytest.raises(StorageError) as refused:
        store.restore_from(tmp_path / "nothing.db")
    assert refused.value.code == ErrorCode.RESTORE_REFUSED
