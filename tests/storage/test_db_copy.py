"""``callscript db copy SRC DEST``: SQLite → PostgreSQL and back, every row, verified."""

from __future__ import annotations

import sqlite3

import pytest
from backends import peek
from click.testing import CliRunner
from reports.conftest import build_known_db

from callscript.cli.main import cli
from callscript.config import DatabaseUrl
from callscript.core.access import AuditAction
from callscript.reports.compare import daily_differences
from callscript.reports.queries import open_db
from callscript.reports.rebuild import differences
from callscript.storage import Store
from callscript.storage.copy import copy_order
from storage.helpers import mini_script


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def every_row(location) -> dict[str, list[tuple]]:
    """Every table's rows in a fixed order, as plain tuples (what a copy must keep)."""
    out = {}
    with peek(location) as conn:
        for step in copy_order():
            if step.table == "schema_version":
                continue
            columns = ", ".join(step.columns)
            rows = conn.execute(f"SELECT {columns} FROM {step.table} ORDER BY {columns}").fetchall()
            out[step.table] = [tuple(r) for r in rows]
    return out


@pytest.fixture
def source(tmp_path):
    """The reports' known database (three days of calls, callbacks, mailings, events, remarks)
    plus an account, its audit entries and an app session: every kind of row."""
    path = build_known_db(tmp_path / "source.db")
    with Store.open(path) as store:
        store.add_account("组长", "supervisor", "argon2-hash-not-checked-here")
        store.audit(AuditAction.LOGIN, target="组长")
        store.open_app_session("王芳")
    return path


def test_sqlite_to_postgresql_and_back_keeps_every_row(source, tmp_path, pg_cluster):
    original = every_row(source)
    assert all(original[t] for t in ("calls", "call_events", "mailings", "callbacks", "audit_log", "funnel_calls"))

    url = DatabaseUrl(pg_cluster.new_database("copy"))
    there = run("db", "copy", source, url)
    assert there.exit_code == 0, there.output
    assert "verified" in there.output and "daily table of 3 days" in there.output
    assert every_row(url) == original
    with open_db(url) as db:  # PostgreSQL's own check of what it was given
        assert differences(db.conn) == []

    with Store.open(url) as store:  # the identities go on after the copied ids
        script_id = store.store_script_version(mini_script())
        lead = store.add_lead("新公司", "13900001111").id
        call_id = store.start_call(lead, "王芳", script_id)
        assert call_id == max(r[0] for r in original["calls"]) + 1

    back = tmp_path / "back.db"
    result = run("db", "copy", url, back)
    assert result.exit_code == 0, result.output
    again = every_row(back)
    assert len(again["calls"]) == len(original["calls"]) + 1
    with peek(back) as conn:
        conn.execute("DELETE FROM calls WHERE id = ?", (call_id,))
        conn.execute("DELETE FROM leads WHERE id = ?", (lead,))
        conn.execute("DELETE FROM scripts WHERE id = ?", (script_id,))
        conn.execute("DELETE FROM app_sessions WHERE id > 1")
        conn.execute("DELETE FROM floor_hour WHERE calls = 0")  # the deleted call's hour, counted down to 0
        conn.commit()
    assert every_row(back) == original
    with Store.open(source) as a, Store.open(back) as b:  # the same findings (the known day has a stale call)
        assert b.check().errors == a.check().errors


def test_copy_refuses_a_destination_with_data(source, tmp_path):
    other = build_known_db(tmp_path / "other.db")
    result = run("db", "copy", source, other)
    assert result.exit_code == 2 and "not empty" in result.output
    assert run("db", "copy", source, source).exit_code == 2


def test_the_verification_sees_a_day_that_differs(tmp_path):
    first = build_known_db(tmp_path / "a.db")
    second = build_known_db(tmp_path / "b.db")
    conn = sqlite3.connect(second)
    day = conn.execute(
        "SELECT MIN(substr(c.started_at, 1, 10)) FROM mailings m JOIN calls c ON c.id = m.call_id"
    ).fetchone()[0]
    conn.execute("DELETE FROM mailings")  # the triggers take the 寄卡 out of the report tables
    conn.commit()
    conn.close()
    with open_db(first) as a, open_db(second) as b:
        found = daily_differences(a.conn, b.conn)
    assert found and found[0].startswith(f"{day}: ")


def test_db_init_check_and_backup_on_postgresql(pg_cluster, tmp_path):
    url = pg_cluster.new_database("cli")
    assert "created, schema version" in run("db", "init", "--db", url).output
    assert run("db", "init", "--db", url).output.strip().endswith("up to date")
    checked = run("db", "check", "--db", url)
    assert checked.exit_code == 0 and "ok; schema version" in checked.output
    refused = run("db", "backup", tmp_path / "b.db", "--db", url)
    assert refused.exit_code == 2 and "pg_dump" in refused.output
    shown = run("db", "path", "--db", "postgresql://callscript:secret@/x?host=/tmp").output
    assert shown.strip() == "postgresql://callscript:***@/x?host=/tmp"  # never the password


def test_a_column_missing_in_the_source_is_filled_one_unknown_refuses(tmp_path):
    """A file migrated by an older release may lack a column added since: its default fills it.
    A column this release does not know would be lost: the copy is refused, nothing written."""
    older = build_known_db(tmp_path / "older.db")
    conn = sqlite3.connect(older)
    conn.execute("ALTER TABLE leads DROP COLUMN department")
    conn.commit()
    conn.close()
    dest = tmp_path / "dest.db"
    assert run("db", "copy", older, dest).exit_code == 0
    with peek(dest) as copied:
        assert copied.execute("SELECT COUNT(*), COUNT(department) FROM leads").fetchone() == (9, 0)

    newer = build_known_db(tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("ALTER TABLE leads ADD COLUMN mood TEXT")
    conn.commit()
    conn.close()
    refused = run("db", "copy", newer, tmp_path / "dest2.db")
    assert refused.exit_code == 2 and "mood" in refused.output
    with peek(tmp_path / "dest2.db") as untouched:
        assert untouched.execute("SELECT COUNT(*) FROM leads").fetchone()[0] == 0
