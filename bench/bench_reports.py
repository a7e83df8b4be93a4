"""Report benchmarks (issue 6): a year of a 50-agent floor, about two million calls.

    uv run python bench/bench_reports.py [--quick] [--regenerate]

1. Generate the floor once with the demo generator (callscript/reports/demo.py:
   executemany in one transaction per simulated day) into a file at the schema
   version *before* the report tables, then migrate it: the migration's set-wise
   backfill fills the report tables, as it would for an existing user's file.
   Cached in bench/out/ (git-ignored); ``--regenerate`` makes it again.
2. Time, in this process, warm (best and median of several runs):
   * the daily table for one day (by industry, by agent, by both),
   * the cumulative table for the whole year (by industry, by agent),
   * the yield table (all time),
   * the maintenance table (客户维护日表) for one day and for the year,
   each next to the best hand-written SQL for the same numbers, run in the same
   process on the same connection:
   * "sql same cells": one query over the report table that fits
     (``report_day_industry``, ``report_day_agent`` or ``report_daily``) with the
     rates computed in SQL — what a person would write given the same schema —
     returning every cell of the table: for a daily table that includes the day's
     优点/缺点/建议 (joined into the rows by agent, UNION ALL'd otherwise);
   * "sql numbers only": the same without the remarks (shown for reference);
   * "sql on calls": one query straight from ``calls``/``leads``/``mailings`` applying
     the counting rule (development: any development call effective / mailing, the grade
     of the last graded one; maintenance: the follow-ups and maintenance calls) with
     window functions (what a person would write without the report tables) — timed
     once, it takes seconds.
   The ratio is ours ÷ the faster of "sql same cells" and "sql on calls". Budget: each report < 0.5 s and
   ≤ 2× the best hand-written SQL. The numbers of every pair are compared, so
   "the same numbers" is checked, not assumed.
3. The cost the report tables put on writing: a finished call with and without
   the triggers (µs per call), and the one-off migration backfill.

Benchmarks report, they don't assert: a missed budget is printed as MISSED (exit status 0;
a disagreement between our numbers and the hand-written SQL's exits 1). ``--quick``: 10
agents, 60 days.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callscript.reports.demo import DemoConfig, generate  # noqa: E402
from callscript.reports.queries import (  # noqa: E402
    Counts,
    MaintenanceCounts,
    cumulative,
    daily,
    maintenance,
    open_db,
    yield_table,
)
from callscript.storage import Store, connect  # noqa: E402
from callscript.storage.report_tables import TALK_SECONDS  # noqa: E402
from callscript.storage.schema import MIGRATIONS, migrate  # noqa: E402

OUT = ROOT / "bench" / "out"
REPORTS_VERSION = next(m.version for m in MIGRATIONS if m.description.startswith("report tables"))
GENERATOR_VERSION = 7  # bump when the generator changes, so the cached file is remade
BUDGET_S = 0.5
BUDGET_RATIO = 2.0


def build(path: Path, agents: int, days: int, end: date, per_day: tuple[int, int]) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    store = Store.open(tmp, synchronous="OFF", migrate=False)
    conn = store.conn
    conn.execute("PRAGMA cache_size = -400000")
    migrate(conn, target=REPORTS_VERSION - 1, views=False)
    started = time.perf_counter()
    last = [started]

    def progress(day: date, calls: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  … {day} {calls:,} calls ({last[0] - started:.0f} s)", flush=True)

    stats = generate(
        store, DemoConfig(days=days, agents=agents, seed=2025, end=end, calls_per_day=per_day), progress=progress
    )
    generated = time.perf_counter() - started
    t0 = time.perf_counter()
    migrate(conn)  # the report tables' migrations: create, backfill set-wise, triggers
    backfill = time.perf_counter() - t0
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    os.replace(tmp, path)
    return {"calls": stats.calls, "leads": stats.leads, "generate_s": generated, "backfill_s": backfill}


# --------------------------------------------------------------------------- hand-written SQL

RATES = """ROUND(1.0 * SUM(mailed) / NULLIF(SUM(leads), 0), 4), ROUND(1.0 * SUM(effective) / NULLIF(SUM(leads), 0), 4),
           ROUND(1.0 * SUM(good) / NULLIF(SUM(leads), 0), 4)"""
SUMS = "SUM(leads), SUM(effective), SUM(mailed), SUM(good), SUM(fair), SUM(marginal), SUM(calls), SUM(talk_seconds), SUM(callbacks_made)"


def sql_numbers(conn: sqlite3.Connection, start: str, end: str, key: str) -> list[tuple]:
    """The numbers only: one GROUP BY over the report table a person would pick (rates in SQL)."""
    if key == "agent":
        sql = f"""SELECT a.name, {SUMS}, {RATES} FROM report_day_agent r JOIN agents a ON a.id = r.agent_id
                  WHERE day BETWEEN ? AND ? GROUP BY r.agent_id HAVING SUM(calls) > 0"""
    elif key == "both":
        sql = f"""SELECT a.name, industry, {SUMS}, {RATES} FROM report_daily r JOIN agents a ON a.id = r.agent_id
                  WHERE day BETWEEN ? AND ? GROUP BY r.agent_id, industry HAVING SUM(calls) > 0"""
    else:
        sql = f"""SELECT industry, {SUMS}, {RATES} FROM report_day_industry WHERE day BETWEEN ? AND ?
                  GROUP BY industry HAVING SUM(calls) > 0"""
    return conn.execute(sql, (start, end)).fetchall()


REMARKS = "a.name, v.strengths, v.weaknesses, v.suggestions"


def sql_cells(conn: sqlite3.Connection, start: str, end: str, key: str) -> list[tuple]:
    """Every cell of the daily table in one query: the numbers and the day's 优点/缺点/建议
    (in the rows when by agent; as extra rows, after the numbers, otherwise)."""
    if start != end:  # the cumulative and yield tables have no remarks: the numbers are all the cells
        return sql_numbers(conn, start, end, key)
    if key == "agent":
        sql = f"""SELECT a.name, {SUMS}, {RATES}, v.strengths, v.weaknesses, v.suggestions
                  FROM report_day_agent r JOIN agents a ON a.id = r.agent_id
                  LEFT JOIN agent_day_reviews v ON v.agent_id = r.agent_id AND v.day = r.day
                  WHERE r.day BETWEEN ?1 AND ?2 GROUP BY r.agent_id HAVING SUM(calls) > 0
                  UNION ALL
                  SELECT a.name, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, v.strengths, v.weaknesses, v.suggestions
                  FROM agent_day_reviews v JOIN agents a ON a.id = v.agent_id
                  WHERE v.day BETWEEN ?1 AND ?2 AND NOT EXISTS (SELECT 1 FROM report_day_agent r
                                                                WHERE r.day = v.day AND r.agent_id = v.agent_id
                                                                  AND r.calls > 0)"""
    else:
        keys, blanks = ("a.name, industry", "NULL, NULL") if key == "both" else ("industry", "NULL")
        table = "report_daily r JOIN agents a ON a.id = r.agent_id" if key == "both" else "report_day_industry r"
        group = "r.agent_id, industry" if key == "both" else "industry"
        sql = f"""SELECT {keys}, {SUMS}, {RATES}, NULL, NULL, NULL, NULL FROM {table}
                  WHERE day BETWEEN ?1 AND ?2 GROUP BY {group} HAVING SUM(calls) > 0
                  UNION ALL
                  SELECT {blanks}, {", ".join(["NULL"] * 12)}, {REMARKS}
                  FROM agent_day_reviews v JOIN agents a ON a.id = v.agent_id WHERE v.day BETWEEN ?1 AND ?2"""
    return conn.execute(sql, (start, end)).fetchall()


def sql_calls(conn: sqlite3.Connection, start: str, end: str, key: str) -> list[tuple]:
    """The same numbers straight from the calls (development calls only): per day and lead,
    the last development call's agent; 有效 / 寄卡 if any development call was effective /
    recorded a mailing; the grade of the last effective one with a grade."""
    group = {"industry": "industry", "agent": "agent_id", "both": "agent_id, industry"}[key]
    sql = f"""
        WITH c AS (
            SELECT c.id, c.started_at, substr(c.started_at, 1, 10) AS day, c.lead_id, c.agent_id,
                   COALESCE(l.industry, '') AS industry, c.grade, {TALK_SECONDS.format(p="c.")} AS talk,
                   EXISTS (SELECT 1 FROM callbacks cb WHERE cb.done_call_id = c.id) AS made,
                   c.outcome NOT IN ('invalid_number', 'no_answer', 'busy') AS eff,
                   EXISTS (SELECT 1 FROM mailings m WHERE m.call_id = c.id) AS mailed
            FROM calls c JOIN leads l ON l.id = c.lead_id
            WHERE c.started_at >= ? AND c.started_at < date(?, '+1 day') AND c.ended_at IS NOT NULL
              AND c.kind = 'development'
        ), d AS (
            SELECT *, ROW_NUMBER() OVER newest = 1 AS last,
                   MAX(eff) OVER lead_day AS lead_eff, MAX(mailed) OVER lead_day AS lead_mailed,
                   FIRST_VALUE(CASE WHEN eff AND grade IS NOT NULL THEN grade END) OVER (
                       PARTITION BY day, lead_id ORDER BY (eff AND grade IS NOT NULL) DESC, started_at DESC, id DESC
                   ) AS lead_grade
            FROM c
            WINDOW newest AS (PARTITION BY day, lead_id ORDER BY started_at DESC, id DESC),
                   lead_day AS (PARTITION BY day, lead_id)
        )
        SELECT {group}, SUM(last), SUM(last AND lead_eff), SUM(last AND lead_mailed),
               SUM(last AND IFNULL(lead_grade, '') = '好'), SUM(last AND IFNULL(lead_grade, '') = '一般'),
               SUM(last AND IFNULL(lead_grade, '') = '勉强'), COUNT(*), SUM(talk), SUM(made)
        FROM d GROUP BY {group}"""
    return conn.execute(sql, (start, end)).fetchall()


_DUE_AND_MISSED = """
    dm AS (SELECT agent_id,
                  SUM(follow_up_done_at IS NULL OR follow_up_done_at >= MAX(follow_up_from, ?1)) AS due,
                  SUM(follow_up_by <= ?2
                      AND (follow_up_done_at IS NULL OR substr(follow_up_done_at, 1, 10) > follow_up_by)) AS missed
           FROM mailings WHERE follow_up_by >= ?1 AND follow_up_from <= ?2 GROUP BY agent_id),
    due AS (SELECT agent_id, due AS n FROM dm WHERE due > 0),
    missed AS (SELECT agent_id, missed AS n FROM dm WHERE missed > 0)"""
_MAINTENANCE_SELECT = """
    SELECT a.name, COALESCE(due.n, 0), COALESCE(k.done, 0), COALESCE(k.in_window, 0), COALESCE(k.in_slot, 0),
           COALESCE(missed.n, 0), COALESCE(k.calls, 0), COALESCE(k.reached, 0), COALESCE(k.received, 0),
           COALESCE(k.booked, 0), COALESCE(k.talk, 0)
    FROM agents a LEFT JOIN k ON k.agent_id = a.id LEFT JOIN due ON due.agent_id = a.id
    LEFT JOIN missed ON missed.agent_id = a.id
    WHERE k.agent_id IS NOT NULL OR due.n IS NOT NULL OR missed.n IS NOT NULL"""


def sql_maintenance_cells(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """客户维护日表 in one query over report_day_agent and mailings (what a person would write)."""
    sql = f"""
        WITH k AS (SELECT agent_id, SUM(m_done) AS done, SUM(m_done_in_window) AS in_window,
                          SUM(m_done_in_slot) AS in_slot, SUM(m_calls) AS calls, SUM(m_reached) AS reached,
                          SUM(m_materials_received) AS received, SUM(m_booked) AS booked, SUM(m_talk_seconds) AS talk
                   FROM report_day_agent WHERE day BETWEEN ?1 AND ?2 GROUP BY agent_id
                   HAVING SUM(m_calls) > 0 OR SUM(m_done) > 0),
        {_DUE_AND_MISSED}
        {_MAINTENANCE_SELECT}"""
    return conn.execute(sql, (start, end)).fetchall()


def sql_maintenance_calls(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """The same straight from calls and mailings: maintenance calls once per lead and day for
    reached / received / booked, follow-ups done by the calls of the range."""
    fact = "CASE WHEN json_valid(c.facts) THEN json_extract(c.facts, '$.{0}') IS 1 ELSE 0 END"
    sql = f"""
        WITH mc AS (
            SELECT c.agent_id, c.lead_id, substr(c.started_at, 1, 10) AS day, {TALK_SECONDS.format(p="c.")} AS talk,
                   c.outcome NOT IN ('invalid_number', 'no_answer', 'busy') AS eff,
                   {fact.format("materials_received")} AS received, {fact.format("booked_on_call")} AS booked
            FROM calls c
            WHERE c.started_at >= ?1 AND c.started_at < date(?2, '+1 day') AND c.ended_at IS NOT NULL
              AND c.kind = 'maintenance'
        ), per_lead AS (
            SELECT agent_id, COUNT(*) AS calls, SUM(talk) AS talk, MAX(eff) AS reached, MAX(received) AS received,
                   MAX(booked) AS booked
            FROM mc GROUP BY agent_id, lead_id, day
        ), done AS (
            SELECT c.agent_id, COUNT(*) AS done,
                   SUM(substr(c.started_at, 1, 10) BETWEEN m.follow_up_from AND m.follow_up_by) AS in_window,
                   SUM(c.follow_up_slot AND substr(c.started_at, 1, 10) BETWEEN m.follow_up_from AND m.follow_up_by)
                       AS in_slot
            FROM mailings m JOIN calls c ON c.id = m.follow_up_call_id
            WHERE c.started_at >= ?1 AND c.started_at < date(?2, '+1 day') AND c.ended_at IS NOT NULL
            GROUP BY c.agent_id
        ), k AS (
            SELECT agent_id, SUM(done) AS done, SUM(in_window) AS in_window, SUM(in_slot) AS in_slot,
                   SUM(calls) AS calls, SUM(reached) AS reached, SUM(received) AS received, SUM(booked) AS booked,
                   SUM(talk) AS talk
            FROM (SELECT agent_id, 0 AS done, 0 AS in_window, 0 AS in_slot, calls, reached, received, booked, talk
                  FROM per_lead
                  UNION ALL
                  SELECT agent_id, done, in_window, in_slot, 0, 0, 0, 0, 0 FROM done)
            GROUP BY agent_id
        ),
        {_DUE_AND_MISSED}
        {_MAINTENANCE_SELECT}"""
    return conn.execute(sql, (start, end)).fetchall()


def maintenance_as_counts(rows: list[tuple]) -> dict[str, MaintenanceCounts]:
    return {row[0]: MaintenanceCounts(*row[1:]) for row in rows}


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(best, median) seconds of ``runs`` warm runs, after one warm-up; and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def _counts_of_sql(row: tuple) -> Counts:
    return Counts(*row[:9])


def _as_counts(rows: list[tuple], keys: int, names: dict[int, str] | None = None) -> dict[tuple, Counts]:
    out = {}
    for row in rows:
        key = tuple(row[:keys])
        if names is not None:
            key = tuple(names.get(k, k) if i == 0 else k for i, k in enumerate(key))
        key = tuple("未分类" if k == "" else k for k in key)
        out[key] = _counts_of_sql(row[keys:])
    return out


def ours_as_counts(report, by: str) -> dict[tuple, Counts]:
    if by == "industry":
        return {(r.industry,): r.counts for r in report.rows if r.counts.calls}
    if by == "agent":
        return {(r.agent,): r.counts for r in report.rows if r.counts.calls}
    return {(r.agent, r.industry): r.counts for r in report.rows if r.counts.calls}


def check_same(ours: dict, theirs: dict, what: str) -> None:
    if ours != theirs:
        missing = set(ours) ^ set(theirs)
        diff = [k for k in set(ours) & set(theirs) if ours[k] != theirs[k]]
        raise SystemExit(f"{what}: numbers differ (keys {sorted(map(str, missing))[:5]}, values {diff[:5]})")


def check_rates(rows: list[tuple], keys: int, ours: dict[tuple, Counts], names=None) -> None:
    """The SQL-computed rates agree with ours (rounded to 4 places)."""
    for row in rows:
        key = tuple(row[:keys])
        if names is not None:
            key = tuple(names.get(k, k) if i == 0 else k for i, k in enumerate(key))
        key = tuple("未分类" if k == "" else k for k in key)
        counts = ours[key]
        for sql_rate, rate in zip(row[keys + 9 :], (counts.mail_rate, counts.effective_rate, counts.good_rate)):
            assert (sql_rate is None) == (rate is None) and (rate is None or abs(sql_rate - float(rate)) < 6e-5)


def trigger_cost(tmp_dir: Path, n: int = 5000) -> tuple[float, float]:
    """µs per finished call (UPDATE calls SET ended_at/outcome/grade, one transaction each,
    synchronous=OFF so the disk is not measured) without and with the report triggers."""
    results = []
    for target in (REPORTS_VERSION - 1, None):
        path = tmp_dir / f"trig{target}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        db = connect(path, synchronous="OFF")
        c = db.conn
        if target is None:
            migrate(c)
        else:
            migrate(c, target=target, views=False)
        c.execute("INSERT INTO agents (id, name, created_at) VALUES (1, 'a', 'x')")
        c.execute("INSERT INTO scripts (id, name, sha256, source_text, first_seen_at) VALUES (1, 's', 'h', 't', 'x')")
        c.execute("BEGIN")
        c.executemany(
            "INSERT INTO leads (id, company, phone, phone_norm, industry, created_at, updated_at) "
            "VALUES (?, 'c', ?, ?, '金融业', 'x', 'x')",
            [(i, str(i), str(i)) for i in range(1, n + 1)],
        )
        c.executemany(
            "INSERT INTO calls (id, lead_id, agent_id, script_id, started_at) VALUES (?, ?, 1, 1, ?)",
            [(i, i, f"2025-03-03T09:{i % 60:02d}:00+08:00") for i in range(1, n + 1)],
        )
        c.execute("COMMIT")
        t0 = time.perf_counter()
        for i in range(1, n + 1):  # as finish_call writes a mailed call: the outcome, then its mailing
            c.execute("BEGIN IMMEDIATE")
            c.execute(
                "UPDATE calls SET ended_at = '2025-03-03T10:00:00+08:00', outcome = 'mailed', grade = '好' "
                "WHERE id = ?",
                (i,),
            )
            c.execute(
                "INSERT INTO mailings (call_id, lead_id, agent_id, address, mailed_on, follow_up_from, follow_up_by) "
                "VALUES (?, ?, 1, 'x', '2025-03-03', '2025-03-10', '2025-03-13')",
                (i, i),
            )
            c.execute("COMMIT")
        results.append((time.perf_counter() - t0) / n * 1e6)
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return results[0], results[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 agents, 60 days")
    parser.add_argument("--regenerate", action="store_true", help="make the cached database again")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    agents, days, per_day = (10, 60, (150, 180)) if args.quick else (50, 365, (150, 180))
    end = date(2025, 12, 31)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"reports-{agents}a-{days}d-g{GENERATOR_VERSION}.db"  # (opening it migrates it to the current schema)
    built = None
    if args.regenerate or not path.exists():
        print(f"generating {agents} agents × {days} days into {path} …", flush=True)
        built = build(path, agents, days, end, per_day)
        print(
            f"  {built['calls']:,} calls, {built['leads']:,} leads: generated in {built['generate_s']:.0f} s, "
            f"report tables backfilled by the migration in {built['backfill_s']:.1f} s"
        )

    db = open_db(path)
    conn = db.conn
    calls = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    rows = conn.execute("SELECT COUNT(*) FROM report_daily").fetchone()[0]
    first, last = (
        date.fromisoformat(d) for d in conn.execute("SELECT MIN(day), MAX(day) FROM report_daily").fetchone()
    )
    size = path.stat().st_size / 2**20
    print(
        f"\n{path.name}: {calls:,} calls, {first} to {last}, report_daily {rows:,} rows, {size:,.0f} MiB, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    names = dict(conn.execute("SELECT id, name FROM agents"))
    one_day = last - timedelta(days=(last.weekday() - 2) % 7)  # the year's last Wednesday
    cases = [
        (f"daily {one_day} by industry", lambda: daily(conn, one_day, "industry"), one_day, one_day, "industry"),
        (f"daily {one_day} by agent", lambda: daily(conn, one_day, "agent"), one_day, one_day, "agent"),
        (f"daily {one_day} by both", lambda: daily(conn, one_day, "both"), one_day, one_day, "both"),
        ("cumulative year by industry", lambda: cumulative(conn, first, last, "industry"), first, last, "industry"),
        ("cumulative year by agent", lambda: cumulative(conn, first, last, "agent"), first, last, "agent"),
        ("yield table (all time)", lambda: yield_table(conn), first, last, "industry"),
    ]
    missed = False
    header = (
        f"{'report':30} {'ours best/median':>17} {'sql same cells':>15} {'sql numbers only':>17} "
        f"{'sql on calls':>13} {'ratio':>6}  budget"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for label, fn, start, end_day, key in cases:
        best, median, report = timed(fn, args.runs)
        s, e = start.isoformat(), end_day.isoformat()
        cells_best, _, cell_rows = timed(lambda s=s, e=e, key=key: sql_cells(conn, s, e, key), args.runs)
        numbers_best, _, t_rows = timed(lambda s=s, e=e, key=key: sql_numbers(conn, s, e, key), args.runs)
        t0 = time.perf_counter()
        c_rows = sql_calls(conn, s, e, key)
        c_time = time.perf_counter() - t0
        keys = 2 if key == "both" else 1
        nm = names if key in ("agent", "both") else None
        if hasattr(report, "by"):
            ours = ours_as_counts(report, key)
            if start == end:  # the remarks are cells too: the same ones?
                if key == "agent":
                    got = {(row[0], tuple(row[13:16])) for row in cell_rows}
                    want = {
                        (
                            r.agent,
                            (r.remark.strengths, r.remark.weaknesses, r.remark.suggestions)
                            if r.remark
                            else (None, None, None),
                        )
                        for r in report.rows
                    }
                else:
                    got = {tuple(row[-4:]) for row in cell_rows if row[-4] is not None}
                    want = {(r.agent, r.strengths, r.weaknesses, r.suggestions) for r in report.remarks}
                assert got == want, f"{label}: remarks differ"
        else:  # the yield table
            ours = {(r.industry,): r.counts for r in report.rows}
        check_same(ours, _as_counts(t_rows, keys, nm), label + " (sql numbers only)")
        check_same(ours, _as_counts(c_rows, keys, nm), label + " (sql on calls)")
        check_rates(t_rows, keys, ours, nm)
        reference = min(cells_best, c_time)
        ratio = best / reference
        ok = best < BUDGET_S and ratio <= BUDGET_RATIO
        missed |= not ok
        print(
            f"{label:30} {best * 1000:7.1f}/{median * 1000:6.1f} ms {cells_best * 1000:12.2f} ms "
            f"{numbers_best * 1000:14.2f} ms {c_time * 1000:10.0f} ms {ratio:5.2f}×  {'ok' if ok else 'MISSED'}"
        )
    for label, start, end_day in (
        (f"maintenance {one_day}", one_day, one_day),
        ("maintenance year", first, last),
    ):
        best, median, report = timed(lambda start=start, end_day=end_day: maintenance(conn, start, end_day), args.runs)
        s, e = start.isoformat(), end_day.isoformat()
        cells_best, _, cell_rows = timed(lambda s=s, e=e: sql_maintenance_cells(conn, s, e), args.runs)
        t0 = time.perf_counter()
        c_rows = sql_maintenance_calls(conn, s, e)
        c_time = time.perf_counter() - t0
        ours_m = {r.agent: r.counts for r in report.rows}
        for what, rows in (("sql same cells", cell_rows), ("sql on calls", c_rows)):
            if ours_m != maintenance_as_counts(rows):
                raise SystemExit(f"{label}: numbers differ from the {what}")
        reference = min(cells_best, c_time)
        ratio = best / reference
        ok = best < BUDGET_S and ratio <= BUDGET_RATIO
        missed |= not ok
        print(
            f"{label:30} {best * 1000:7.1f}/{median * 1000:6.1f} ms {cells_best * 1000:12.2f} ms "
            f"{'':>14}    {c_time * 1000:10.0f} ms {ratio:5.2f}×  {'ok' if ok else 'MISSED'}"
        )
    print(
        f"\nbudget: each < {BUDGET_S * 1000:.0f} ms and ≤ {BUDGET_RATIO:.0f}× the best hand-written SQL for the "
        "same cells\n(ratio = ours best ÷ min(sql same cells best, sql on calls); the daily tables' cells include "
        "the day's 优点/缺点/建议)"
    )

    without, with_triggers = trigger_cost(OUT)
    print(
        f"\nfinishing a call (one transaction, synchronous=OFF): {without:.0f} µs without the report triggers, "
        f"{with_triggers:.0f} µs with them (+{with_triggers - without:.0f} µs)"
    )
    if built is not None:
        print(f"migration backfill of {built['calls']:,} calls: {built['backfill_s']:.1f} s (once, on upgrade)")
    db.close()
    print("\nall budgets met" if not missed else "\nsome budgets MISSED (see above)")
    return 0  # benchmarks report; they don't assert


if __name__ == "__main__":
    sys.exit(main())
