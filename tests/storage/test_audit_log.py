"""The audit log is append-only: no code path changes it, and SQLite itself refuses to."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import psycopg
import pytest
from backends import peek, postgres_only

from callscript.core.access import AuditAction, system_actor
from callscript.storage import Store, connect, schema

T0 = datetime(2025, 3, 3, 10, 0).astimezone()


@pytest.fixture
def store(db_location):
    with Store.open(db_location, clock=lambda: T0, actor=system_actor("cli:me@host")) as s:
        yield s


def test_entries_say_who_what_when_where(store):
    store.audit(AuditAction.PUBLISH, target="script:abc", detail={"version_id": 3})
    (entry,) = store.audit_entries()
    assert (entry.at, entry.action, entry.actor, entry.origin, entry.target, entry.detail) == (
        T0,
        "publish",
        "system",
        "cli:me@host",
        "script:abc",
        {"version_id": 3},
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET detail = NULL WHERE id = 1",
    ],
)
def test_the_database_refuses_to_change_or_delete_entries(store, statement):
    """SQLite's RAISE(ABORT) triggers; PostgreSQL's PL/pgSQL ones (TRUNCATE too), for any other connection."""
    store.audit(AuditAction.LOGIN)
    with (
        peek(store.path) as conn,
        pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError), match="append-only"),
    ):
        conn.execute(statement)
    assert len(store.audit_entries()) == 1


@postgres_only
def test_postgresql_refuses_to_truncate_it(store):
    store.audit(AuditAction.LOGIN)
    with peek(store.path) as conn, pytest.raises(psycopg.errors.IntegrityError, match="append-only"):
        conn.execute("TRUNCATE audit_log")
    assert len(store.audit_entries()) == 1


def test_no_update_or_delete_of_the_audit_log_anywhere_in_the_code():
    from pathlib import Path

    import callscript

    root = Path(callscript.__file__).parent
    offending = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if ("UPDATE audit_log" in line or "DELETE FROM audit_log" in line)
        and "RAISE" not in line
        and "BEFORE" not in line
    ]
    assert offending == []


def test_since_and_action_filters(store):
    store.audit(AuditAction.LOGIN, now=datetime(2025, 3, 1, 9, 0).astimezone())
    store.audit(AuditAction.LOGOUT, now=datetime(2025, 3, 3, 9, 0).astimezone())
    assert [e.action for e in store.audit_entries(since=date(2025, 3, 2))] == ["logout"]
    assert [e.action for e in store.audit_entries(action="login")] == ["login"]


def test_schema_8_adds_accounts_and_the_audit_log(tmp_path):
    db = connect(tmp_path / "c.db")
    schema.migrate(db.conn, target=4)
    assert "accounts" not in db.table_names()
    assert 8 in schema.migrate(db.conn)
    assert {"accounts", "audit_log"} <= set(db.table_names())
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_log_no_update", "audit_log_no_delete"} <= triggers


def test_do_not_call_by_the_cli_is_audited_as_the_system(store):
    lead = store.add_lead("甲公司", "13800000001")
    store.mark_do_not_call(lead.id, "客户要求")
    store.mark_do_not_call(lead.id, "again")  # already marked: no second entry
    store.clear_do_not_call(lead.id)
    _, created = store.mark_do_not_call_by_phone("13800000002", "投诉")
    assert created
    assert [(e.action, e.actor) for e in store.audit_entries()] == [
        ("do_not_call_set", "system"),
        ("do_not_call_cleared", "system"),
        ("do_not_call_set", "system"),
    ]
