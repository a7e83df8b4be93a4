"""Two databases report the same: the check behind ``callscript db copy`` (and the proof that
the two storage backends agree, tests/storage/test_backends_agree.py).

A copy is sound when every table has as many rows on both sides *and* the daily table
(数据情况日分析表, by agent and industry, with the remarks) of every day with calls is the
same on both: the numbers a supervisor reads, computed by each side's own SQL from each
side's own trigger-kept tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from callscript.reports.queries import daily


def report_days(conn: Any) -> list[date]:
    """Every day the report tables have a row for, oldest first."""
    return [date.fromisoformat(r[0]) for r in conn.execute("SELECT DISTINCT day FROM report_daily ORDER BY day")]


def daily_differences(first: Any, second: Any, *, limit: int = 20) -> list[str]:
    """The days whose daily table differs between the two connections (empty: they agree),
    each with the first row that differs."""
    found: list[str] = []
    for day in sorted(set(report_days(first)) | set(report_days(second))):
        a, b = daily(first, day, "both"), daily(second, day, "both")
        if a == b:
            continue
        rows = [f"{x} ≠ {y}" for x, y in zip(a.rows, b.rows, strict=False) if x != y]
        detail = rows[0] if rows else f"{len(a.rows)} rows ≠ {len(b.rows)} rows; totals {a.total} ≠ {b.total}"
        found.append(f"{day.isoformat()}: {detail}")
        if len(found) >= limit:
            break
    return found
