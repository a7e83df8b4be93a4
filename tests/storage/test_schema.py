"""Schema creation, file settings, migration from an older version, views."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from callscript.storage import SCHEMA_VERSION, StorageError, Store, connect, resolve_db_path, schema
from storage.workers import fork, wait_exit

TABLES = {"agents", "leads", "scripts", "calls", "call_events", "callbacks", "mailings", "agent_day_reviews"}


def test_fresh_file_has_current_schema_wal_and_private_mode(tmp_path):
    path = tmp_path / "sub" / "callscript.db"
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert set(store.db.table_names()) >= TABLES
        assert set(schema.VIEWS) <= set(store.db.view_names())
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        store.ensure_agent("王芳")  # a write, so -wal/-shm exist
        for name in os.listdir(path.parent):
            assert stat.S_IMODE(os.stat(path.parent / name).st_mode) == 0o600, name
        assert store.check().ok


def test_opening_again_changes_nothing(tmp_path):
    path = tmp_path / "c.db"
    Store.open(path).close()
    db = connect(path)
    before = db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert schema.migrate(db.conn) == []
    assert not schema.sync_views(db.conn)
    assert db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall() == before


def test_open_without_create_refuses_missing_file(tmp_path):
    with pytest.raises(StorageError) as refused:
        Store.open(tmp_path / "missing.db", create=False)
    assert refused.value.code == "no_database"
    assert not (tmp_path / "missing.db").exists()


def _v1_file(path):
    """A database as release 1 left it, with a finished call in it."""
    db = connect(path)
    assert schema.migrate(db.conn, target=1) == [1]
    assert schema.schema_version(db.conn) == 1
    c = db.conn
    c.execute("INSERT INTO agents (id, name, created_at) VALUES (1, '王芳', '2025-03-03T09:00:00+08:00')")
    c.execute(
        """INSERT INTO leads (id, company, phone, phone_norm, industry, status, attempts, created_at, updated_at)
           VALUES (1, '甲公司', '13800000000', '13800000000', 'IT', 'mailed', 1,
                   '2025-03-03T09:00:00+08:00', '2025-03-03T09:00:00+08:00')"""
    )
    c.execute(
        """INSERT INTO scripts (id, name, title, sha256, source_text, first_seen_at)
           VALUES (1, 'mini', 'T', 'ab', 'script: {}', '2025-03-03T09:00:00+08:00')"""
    )
    c.execute(
        """INSERT INTO calls (id, lead_id, agent_id, script_id, started_at, ended_at, outcome, facts, grade, qualified)
           VALUES (1, 1, 1, 1, '2025-03-03T09:01:00+08:00', '2025-03-03T09:05:00+08:00', 'mailed',
                   '{"hotel_star": 4, "travel": "often"}', '好', 1)"""
    )
    c.execute(
        """INSERT INTO call_events (call_id, seq, at, kind, node, value)
           VALUES (1, 1, '2025-03-03T09:02:00+08:00', 'choose', 'opening', '1')"""
    )
    c.execute(
        """INSERT INTO mailings (call_id, lead_id, agent_id, address, mailed_on, follow_up_from, follow_up_by)
           VALUES (1, 1, 1, '上海', '2025-03-03', '2025-03-10', '2025-03-13')"""
    )
    db.close()


def test_migration_from_version_1_keeps_data_and_adds_what_is_new(tmp_path):
    path = tmp_path / "old.db"
    _v1_file(path)
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert "agent_day_reviews" in store.db.table_names()
        call = store.get_call(1)
        assert (call.outcome, call.grade, call.facts) == ("mailed", "好", {"hotel_star": 4, "travel": "often"})
        assert [e.value for e in store.call_events(1)] == ["1"]
        row = store.db.execute(
            "SELECT day, agent, industry, leads_called, effective, mailed, good, mail_rate FROM daily_agent_industry"
        ).fetchone()
        assert row == ("2025-03-03", "王芳", "IT", 1, 1, 1, 1, 1.0)
        review = store.set_day_review("王芳", "2025-03-03", strengths="开场白清楚")
        assert review.strengths == "开场白清楚"
        assert store.check().ok, store.check().errors


def test_check_reports_an_unmigrated_file(tmp_path):
    path = tmp_path / "old.db"
    _v1_file(path)
    with Store.open(path, migrate=False) as store:
        report = store.check()
    assert not report.ok and "schema version 1" in report.errors[0]


def test_newer_file_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError) as refused:
        Store.open(path)
    assert refused.value.code == "schema_too_new"


def test_changed_view_is_rebuilt_on_open(tmp_path):
    path = tmp_path / "v.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP VIEW daily_agent")
    conn.execute("CREATE VIEW daily_agent AS SELECT 1 AS wrong")
    conn.close()
    with Store.open(path) as store:
        assert "wrong" not in store.db["daily_agent"].columns_dict


def test_failed_migration_step_leaves_the_old_version(tmp_path, monkeypatch):
    path = tmp_path / "f.db"
    _v1_file(path)
    broken = schema.Migration(2, "broken", (*schema.V2.statements, "CREATE TABLE agents (x)"))
    monkeypatch.setattr(schema, "MIGRATIONS", (schema.V1, broken))
    with pytest.raises(sqlite3.OperationalError):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "agent_day_reviews" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


def _open_at(path, start_at, agent, report):
    while time.time() < start_at:
        time.sleep(0.001)
    with Store.open(path) as store:
        store.ensure_agent(agent)
        with open(report, "w") as f:
            f.write(str(store.schema_version))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_many_processes_creating_one_fresh_file(tmp_path):
    path = tmp_path / "race.db"
    start_at = time.time() + 0.2
    pids = [fork(_open_at, path, start_at, f"agent{i}", tmp_path / f"r{i}") for i in range(6)]
    assert [wait_exit(pid) for pid in pids] == [0] * 6
    assert {(tmp_path / f"r{i}").read_text() for i in range(6)} == {str(SCHEMA_VERSION)}
    with Store.open(path) as store:
        assert len(store.agents()) == 6
        assert store.check().ok


def test_db_path_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLSCRIPT_DB", raising=False)
    assert resolve_db_path().name == "callscript.db"
    assert resolve_db_path().parent.name == "data"
    monkeypatch.setenv("CALLSCRIPT_DB", str(tmp_path / "env.db"))
    assert resolve_db_path() == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "flag.db") == tmp_path / "flag.db"
    with Store.open() as store:
        assert store.path == tmp_path / "env.db"


SHIPPED = {  # sha256 of each shipped migration's statements: a step that has shipped is never edited
    1: "88c1e9c768ea51fcca658ab5916883d38ed19d4ca5bde69697c0ad9f03cd204d",
    2: "27859252c4d9c746d2b66391ad61ef73090cf56805714c557b3347e45220903b",
    3: "27f99b3ad29a057199c0e2e1b4f519cccc0bd0c683f497abeb5da2200ab16b81",
    4: "8b7ddd7743f5b9ec05ca1c9070568aaf7c6ff8b5d653ad020fddfa65596bbabb",
}


def test_shipped_migrations_are_unchanged_and_versions_increase():
    import hashlib

    for migration in schema.MIGRATIONS:
        if migration.version in SHIPPED:
            assert all(isinstance(step, str) for step in migration.statements)
            text = "\n".join(str(step) for step in migration.statements)
            assert hashlib.sha256(text.encode()).hexdigest() == SHIPPED[migration.version], migration.version
    versions = [m.version for m in schema.MIGRATIONS]
    assert versions == sorted(set(versions)) and versions[-1] == SCHEMA_VERSION


def test_start_call_marks_development_or_maintenance_and_the_follow_up_slot(tmp_path):
    """The rule's one home is the life cycle (call_kind, in_follow_up_window); start_call asks it once."""
    from datetime import datetime, timedelta

    from callscript.script.loader import load_script

    script = load_script(Path(__file__).with_name("mini.yaml"))
    monday = datetime(2026, 3, 2, 10, 0).astimezone()
    with Store.open(tmp_path / "k.db", synchronous="OFF") as store:
        script_id = store.store_script_version(script)
        lead = store.add_lead(company="甲", phone="13812345678")
        first = store.start_call(lead.id, "王芳", script_id, now=monday)
        assert not store.has_mailing(lead.id)
        store.finish_call(first, "mailed", {"address": "北京"}, now=monday + timedelta(minutes=5))
        assert store.has_mailing(lead.id)
        evening = store.start_call(lead.id, "王芳", script_id, now=monday.replace(hour=17, minute=40))
        record = store.get_call(evening)
        assert (store.get_call(first).kind, record.kind, record.follow_up_slot) == ("development", "maintenance", True)
        store.finish_call(evening, "no_answer", now=monday.replace(hour=17, minute=41))
        saturday = store.start_call(lead.id, "王芳", script_id, now=datetime(2026, 2, 14, 10, 0).astimezone())
        assert store.get_call(saturday).follow_up_slot is False  # 调休: a working Saturday
