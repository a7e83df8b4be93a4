"""Rebuilding and checking the report tables (callscript/storage/report_tables.py), the
analytics tables (callscript/storage/analytics_tables.py) and the floor board's ``floor_hour``
(callscript/storage/floor_tables.py): all derived data."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from callscript.storage import analytics_fill, floor_tables
from callscript.storage import analytics_tables as analytics_sql
from callscript.storage import report_tables as sql
from callscript.storage.backend import backend_name


def rebuild(conn: Any) -> float:
    """Recompute every report and analytics table from ``calls`` (and ``call_events``) in
    one write transaction; returns the seconds it took."""
    from callscript.storage.db import immediate, retry_locked

    started = time.perf_counter()
    if backend_name(conn) == "postgresql":
        from callscript.storage.pg_triggers import REBUILD_STATEMENTS

        conn.execute("BEGIN")
        try:
            for statement in (*REBUILD_STATEMENTS, *floor_tables.REBUILD_STATEMENTS):
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return time.perf_counter() - started

    def work() -> None:
        with immediate(conn):
            for statement in sql.REBUILD_STATEMENTS:
                conn.execute(statement)
            analytics_fill.rebuild(conn)
            for statement in floor_tables.REBUILD_STATEMENTS:  # the floor board's hourly counts
                conn.execute(statement)

    retry_locked(work)
    return time.perf_counter() - started


_LEAD_DAY = ", ".join(("day", "lead_id", "agent_id", "industry", *sql.LEAD_DAY_COUNTERS_V6))


def differences(conn: Any, limit: int = 20) -> list[str]:
    """Rows where the trigger-kept tables differ from a fresh computation from ``calls``
    (empty when all is well), cell for cell: every lead-day row and every sum row. Read-only:
    the fresh numbers are computed in temp tables.

    On PostgreSQL the database is first copied, kept tables and all, into an in-memory SQLite
    database and checked there: the fresh computation is then the one set-wise definition
    (SQLite's backfill), and what is checked is what PostgreSQL's PL/pgSQL triggers kept."""
    if backend_name(conn) == "postgresql":
        return _differences_on_a_copy(conn, limit)
    conn.execute("DROP TABLE IF EXISTS temp.fresh_lead_days")
    conn.execute("CREATE TEMP TABLE fresh_lead_days AS SELECT * FROM main.report_lead_days WHERE 0")
    fresh_sums = {table: f"fresh_{table}" for table in sql.SUM_TABLES_V6}
    for table, fresh in fresh_sums.items():
        conn.execute(f"DROP TABLE IF EXISTS temp.{fresh}")
        conn.execute(f"CREATE TEMP TABLE {fresh} AS SELECT * FROM main.{table} WHERE 0")
    try:
        conn.execute(sql.lead_days_backfill("temp.fresh_lead_days"))
        for table, key in sql.SUM_TABLES_V6.items():
            conn.execute(sql.sum_backfill(f"temp.{fresh_sums[table]}", key, source="temp.fresh_lead_days"))
        found: list[str] = []
        pairs = [("report_lead_days", "fresh_lead_days", _LEAD_DAY)]
        for table, key in sql.SUM_TABLES_V6.items():
            pairs.append((table, fresh_sums[table], ", ".join((*key, *sql.SUM_COUNTERS_V6))))
        for table, fresh, columns in pairs:
            for label, a, b in (
                ("missing or different", f"temp.{fresh}", f"main.{table}"),
                ("unexpected", f"main.{table}", f"temp.{fresh}"),
            ):
                query = f"SELECT {columns} FROM {a} EXCEPT SELECT {columns} FROM {b} LIMIT ?"
                for row in conn.execute(query, (limit,)):
                    found.append(f"{table} {label}: {row}")
        for label, query in floor_tables.difference_queries(limit):
            found.extend(f"floor_hour {label}: {row}" for row in conn.execute(query))
        return found + analytics_differences(conn, limit)
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.fresh_lead_days")
        for fresh in fresh_sums.values():
            conn.execute(f"DROP TABLE IF EXISTS temp.{fresh}")
        conn.execute("DROP TABLE IF EXISTS temp.fresh_daily")


def _differences_on_a_copy(conn: Any, limit: int) -> list[str]:
    from callscript.storage.copy import copy_database
    from callscript.storage.schema import migrate

    local = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(local)
        copy_database(conn, local)
        return differences(local, limit)
    finally:
        local.close()


def analytics_differences(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """Rows where the analytics tables (funnel, versions, market) differ from a fresh
    computation from the calls and their events (empty when all is well). Read-only:
    the fresh rows are computed into temp tables, by the migration's fill — the same
    definition as the triggers' SQL, written a second time (storage/analytics_fill.py)."""
    analytics_fill.fresh_copies(conn)
    try:
        found: list[str] = []
        for table, kept, fresh in analytics_sql.comparisons():
            for label, query in (
                ("missing or different", f"{fresh} EXCEPT {kept}"),
                ("unexpected", f"{kept} EXCEPT {fresh}"),
            ):
                for row in conn.execute(f"SELECT * FROM ({query}) LIMIT ?", (limit,)):
                    found.append(f"{table} {label}: {tuple(row)}")
        return found
    finally:
        analytics_fill.drop_fresh_copies(conn)
