"""Rebuilding and checking the report tables (callscript/storage/report_tables.py) and the
analytics tables (callscript/storage/analytics_tables.py): both are derived data."""

from __future__ import annotations

import sqlite3
import time

from callscript.storage import analytics_fill
from callscript.storage import analytics_tables as analytics_sql
from callscript.storage import report_tables as sql


def rebuild(conn: sqlite3.Connection) -> float:
    """Recompute every report and analytics table from ``calls`` (and ``call_events``) in
    one write transaction; returns the seconds it took."""
    from callscript.storage.db import immediate, retry_locked

    started = time.perf_counter()

    def work() -> None:
        with immediate(conn):
            for statement in sql.REBUILD_STATEMENTS:
                conn.execute(statement)
            analytics_fill.rebuild(conn)

    retry_locked(work)
    return time.perf_counter() - started


_DAILY = "day, agent_id, industry, leads, effective, mailed, good, fair, marginal, calls, talk_seconds, callbacks_made"


def differences(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """Rows where the trigger-kept tables differ from a fresh computation from ``calls``
    (empty when all is well). Read-only: the fresh numbers are computed in a temp table."""
    fresh_lead_days = sql.BACKFILL[0].replace("INSERT INTO report_lead_days", "INSERT INTO temp.fresh_lead_days")
    fresh_daily = (
        sql.BACKFILL[1]
        .replace("INSERT INTO report_daily", "INSERT INTO temp.fresh_daily")
        .replace("FROM report_lead_days", "FROM temp.fresh_lead_days")
    )
    conn.execute("DROP TABLE IF EXISTS temp.fresh_lead_days")
    conn.execute("DROP TABLE IF EXISTS temp.fresh_daily")
    conn.execute("CREATE TEMP TABLE fresh_lead_days AS SELECT * FROM report_lead_days WHERE 0")
    conn.execute("CREATE TEMP TABLE fresh_daily AS SELECT * FROM report_daily WHERE 0")
    try:
        conn.execute(fresh_lead_days)
        conn.execute(fresh_daily)
        found: list[str] = []
        for label, a, b in (
            ("missing or different", "temp.fresh_daily", "main.report_daily"),
            ("unexpected", "main.report_daily", "temp.fresh_daily"),
        ):
            for row in conn.execute(f"SELECT {_DAILY} FROM {a} EXCEPT SELECT {_DAILY} FROM {b} LIMIT ?", (limit,)):
                found.append(f"report_daily {label}: {row}")
        counters = _DAILY.split(", ", 3)[3]
        for table, key in sql.ROLLUPS.items():
            cols = f"{', '.join(key)}, {counters}"
            sums = f"{', '.join(key)}, " + ", ".join(f"SUM({c})" for c in counters.split(", "))
            fresh = f"SELECT {sums} FROM temp.fresh_daily GROUP BY {', '.join(key)}"
            for label, query in (
                ("missing or different", f"{fresh} EXCEPT SELECT {cols} FROM main.{table}"),
                ("unexpected", f"SELECT {cols} FROM main.{table} EXCEPT {fresh}"),
            ):
                for row in conn.execute(f"{query} LIMIT ?", (limit,)):
                    found.append(f"{table} {label}: {row}")
        return found + analytics_differences(conn, limit)
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.fresh_lead_days")
        conn.execute("DROP TABLE IF EXISTS temp.fresh_daily")


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
