"""``floor_hour``: calls per (day, agent, hour) with how many were 有效 / 寄资料 / 好, kept by
triggers on ``calls`` (part of schema version 10).

Why a table: the board reads today's calls per agent and hour (the spark line, the floor's
totals) and the previous working day's up to the same time, every 2 s. Counted from ``calls``
that is two scans of a day's calls — ~18,000 rows each on a 200-agent floor, 25 ms together,
over the board's 20 ms budget. From this table it is a few hundred small rows, plus the
previous day's calls in the current hour only. Plain SQL (an upsert and three triggers) so
the PostgreSQL port carries it over as it is.

``day`` and ``hour`` are the call's ``started_at`` as stored (local time: its first 10
characters, and characters 12–13), the same keys the report tables use. A call counts from
the moment it starts (its outcome, and so 有效/寄资料/好, when it is set).
"""

from __future__ import annotations

from callscript.core.outcomes import NOT_EFFECTIVE, Outcome

_NOT_EFFECTIVE = ", ".join(f"'{o.value}'" for o in sorted(NOT_EFFECTIVE, key=lambda o: o.value))


def _flags(row: str) -> tuple[str, str, str]:
    """有效, 寄资料, 好 of one call row (``NEW``/``OLD``/a table alias) as 0/1 expressions."""
    return (
        f"CASE WHEN {row}.outcome IS NULL OR {row}.outcome IN ({_NOT_EFFECTIVE}) THEN 0 ELSE 1 END",
        f"CASE WHEN {row}.outcome = '{Outcome.MAILED.value}' THEN 1 ELSE 0 END",
        f"CASE WHEN {row}.grade = '好' THEN 1 ELSE 0 END",
    )


def add_call_sql(row: str) -> str:
    """Count one call row in (``NEW``): one upsert (the PostgreSQL trigger runs the same text)."""
    effective, mailed, good = _flags(row)
    return f"""INSERT INTO floor_hour (day, agent_id, hour, calls, effective, mailed, good)
        VALUES (substr({row}.started_at, 1, 10), {row}.agent_id, substr({row}.started_at, 12, 2), 1,
                {effective}, {mailed}, {good})
        ON CONFLICT (day, agent_id, hour) DO UPDATE SET calls = floor_hour.calls + 1,
            effective = floor_hour.effective + excluded.effective, mailed = floor_hour.mailed + excluded.mailed,
            good = floor_hour.good + excluded.good;"""


def subtract_call_sql(row: str) -> str:
    """Take one call row out (``OLD``)."""
    effective, mailed, good = _flags(row)
    return f"""UPDATE floor_hour SET calls = calls - 1, effective = effective - ({effective}),
            mailed = mailed - ({mailed}), good = good - ({good})
        WHERE day = substr({row}.started_at, 1, 10) AND agent_id = {row}.agent_id
          AND hour = substr({row}.started_at, 12, 2);"""


_EFFECTIVE, _MAILED, _GOOD = _flags("c")

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE floor_hour (
        day       TEXT NOT NULL,
        agent_id  INTEGER NOT NULL,
        hour      TEXT NOT NULL,
        calls     INTEGER NOT NULL,
        effective INTEGER NOT NULL,
        mailed    INTEGER NOT NULL,
        good      INTEGER NOT NULL,
        PRIMARY KEY (day, agent_id, hour)
    )
    """,
    f"""INSERT INTO floor_hour (day, agent_id, hour, calls, effective, mailed, good)
        SELECT substr(c.started_at, 1, 10), c.agent_id, substr(c.started_at, 12, 2), COUNT(*),
               SUM({_EFFECTIVE}), SUM({_MAILED}), SUM({_GOOD})
        FROM calls c GROUP BY 1, 2, 3""",
    f"CREATE TRIGGER floor_hour_ai AFTER INSERT ON calls BEGIN {add_call_sql('NEW')} END",
    f"CREATE TRIGGER floor_hour_ad AFTER DELETE ON calls BEGIN {subtract_call_sql('OLD')} END",
    f"""CREATE TRIGGER floor_hour_au AFTER UPDATE OF started_at, agent_id, outcome, grade ON calls
        BEGIN {subtract_call_sql("OLD")} {add_call_sql("NEW")} END""",
)
"""Migration 10's part for the board's hourly counts: the table, its first fill, its triggers."""

FRESH_COUNTS = f"""SELECT substr(c.started_at, 1, 10) AS day, c.agent_id, substr(c.started_at, 12, 2) AS hour,
        COUNT(*) AS calls, SUM({_EFFECTIVE}) AS effective, SUM({_MAILED}) AS mailed, SUM({_GOOD}) AS good
    FROM calls c GROUP BY 1, 2, 3"""
"""The table's rows counted afresh from ``calls`` (tests compare the kept rows with it)."""

_COLUMNS = "day, agent_id, hour, calls, effective, mailed, good"

REBUILD_STATEMENTS: tuple[str, ...] = (
    "DELETE FROM floor_hour",
    f"INSERT INTO floor_hour ({_COLUMNS}) SELECT {_COLUMNS} FROM ({FRESH_COUNTS}) AS fresh",
)
"""``report rebuild``'s part: the table recomputed from the calls."""


def difference_queries(limit: int) -> list[tuple[str, str]]:
    """(label, query) pairs listing rows where the kept table and a fresh count differ (``db
    check --derived``); rows whose counts fell to zero (every call of the hour deleted) are no difference."""
    kept = f"SELECT {_COLUMNS} FROM floor_hour WHERE calls <> 0 OR effective <> 0 OR mailed <> 0 OR good <> 0"
    fresh = f"SELECT {_COLUMNS} FROM ({FRESH_COUNTS}) AS fresh"
    return [
        ("missing or different", f"{fresh} EXCEPT {kept} LIMIT {int(limit)}"),
        ("unexpected", f"{kept} EXCEPT {fresh} LIMIT {int(limit)}"),
    ]
