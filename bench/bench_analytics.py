"""Script analytics benchmarks (issue 17): a year of a 50-agent floor, two million calls
and their answer-by-answer logs.

    uv run python bench/bench_analytics.py [--quick] [--regenerate] [--runs N] [--from-events]

1. Generate the floor once with the demo generator (callscript/reports/demo.py, with
   each call's log: a walk of scripts/ctrip.yaml; three script versions over the
   year) into a file at the schema before the report tables, migrate it to the
   version before the analytics tables, then time migration 9 itself: the fill of
   the funnel, version and market tables from every call and event, as it would run
   on an existing user's file. Cached in bench/out/ (git-ignored; the name carries
   the generator and schema versions); ``--regenerate`` makes it again.
2. Time, warm, in this process (best and median of ``--runs``):
   * the funnel (newest version, all time), for the floor, for one agent and for
     the largest industry; the version comparison; the market answers; one agent's
     coaching —
   each next to the best hand-written SQL for the same numbers over the same tables
   (the script's edges, which a person would have to write out, are given to it as
   a temp table; percentiles by window functions), and the numbers of each pair are
   compared. ``--from-events``: also the funnel straight from the events, without
   the analytics tables (minutes; for reference).
3. Check the trigger-kept tables against a full recompute (``db check --derived``).
4. The cost the analytics triggers put on writing: one recorded answer, and one
   finished call with a ten-answer log, with and without them (µs, no fsync).

Budget: each report ≤ 1 s and ≤ 2× the best hand-written SQL. Exit status 1 if one is
missed or a pair of numbers differs. ``--quick``: 10 agents, 60 days.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callscript.reports.aliases import load_aliases  # noqa: E402
from callscript.reports.coaching import coaching  # noqa: E402
from callscript.reports.demo import DemoConfig, generate  # noqa: E402
from callscript.reports.funnel import funnel, industry_key  # noqa: E402
from callscript.reports.market import market  # noqa: E402
from callscript.reports.queries import open_db  # noqa: E402
from callscript.reports.rebuild import analytics_differences  # noqa: E402
from callscript.reports.versions import compare_versions, load_version_script  # noqa: E402
from callscript.script.model import END  # noqa: E402
from callscript.storage import Store, connect  # noqa: E402
from callscript.storage.analytics_tables import ENTER_KEY, SKIP_KEY  # noqa: E402
from callscript.storage.schema import MIGRATIONS, SCHEMA_VERSION, migrate  # noqa: E402

OUT = ROOT / "bench" / "out"
ANALYTICS_VERSION = next(m.version for m in MIGRATIONS if m.description.startswith("script analytics"))
BEFORE_ANALYTICS = MIGRATIONS[[m.version for m in MIGRATIONS].index(ANALYTICS_VERSION) - 1].version
BEFORE_REPORTS = next(m.version for m in MIGRATIONS if m.description.startswith("report tables")) - 1
GENERATOR_VERSION = 1  # bump when the generator changes, so the cached file is remade
BUDGET_S = 1.0
BUDGET_RATIO = 2.0


def build(path: Path, agents: int, days: int, end: date) -> dict[str, Any]:
    tmp = path.with_suffix(".building")
    for p in (path, tmp):
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
    store = Store.open(tmp, synchronous="OFF", migrate=False)
    conn = store.conn
    conn.execute("PRAGMA cache_size = -400000")
    migrate(conn, target=BEFORE_REPORTS, views=False)
    started = last = time.perf_counter()

    def progress(day: date, calls: int) -> None:
        nonlocal last
        if time.perf_counter() - last > 15:
            last = time.perf_counter()
            print(f"  … {day} {calls:,} calls ({last - started:.0f} s)", flush=True)

    config = DemoConfig(days=days, agents=agents, seed=2025, end=end, calls_per_day=(150, 180), versions=3)
    stats = generate(store, config, progress=progress)
    generated = time.perf_counter() - started
    t0 = time.perf_counter()
    migrate(conn, target=BEFORE_ANALYTICS, views=False)  # the report tables (bench_reports times those)
    reports_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    migrate(conn)  # migration 9: fill the analytics tables from every call and event, then the triggers
    fill_s = time.perf_counter() - t0
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    os.replace(tmp, path)
    return {
        "calls": stats.calls,
        "events": stats.events,
        "generate_s": generated,
        "reports_s": reports_s,
        "fill_s": fill_s,
    }


# --------------------------------------------------------------------------- hand-written SQL


def edges_table(conn: sqlite3.Connection, version_id: int) -> str:
    """The script's moves as a temp table (node, key, target, ending): what a person writing
    the funnel in SQL has to supply, since the tables hold moves, not arrivals."""
    script = load_version_script(conn, version_id)
    rows = []
    for node in script.nodes.values():
        ways = [(o.key, o.next) for o in node.options]
        if node.input is not None and node.next:
            ways.append((ENTER_KEY, node.next))
        if node.skip is not None:
            ways.append((SKIP_KEY, node.skip.next))
        rows += [(node.id, key, target, int(script.nodes[target].kind == END)) for key, target in ways]
    conn.execute("DROP TABLE IF EXISTS temp.edges")
    conn.execute("CREATE TEMP TABLE edges (node TEXT, key TEXT, target TEXT, ending INTEGER, PRIMARY KEY (node, key))")
    conn.executemany("INSERT INTO temp.edges VALUES (?, ?, ?, ?)", rows)
    return script.start


def sql_funnel(conn: sqlite3.Connection, version: int, start: str, table: str, where: str, params: list) -> dict:
    """The funnel's numbers per node in SQL: arrivals, went on, ended by outcome, undone,
    median and p90 seconds (nearest rank), over the sums (and, filtered, the calls' times)."""
    items_cte = (
        f"SELECT kind, node, key, outcome, SUM(n) AS n FROM {table} WHERE script_id = ?{where} GROUP BY 1, 2, 3, 4"
    )
    if table == "funnel_day":
        times_cte = "SELECT node, seconds, SUM(n) AS n FROM funnel_day_time WHERE script_id = ? GROUP BY 1, 2"
        times_params = [version]
        calls_sql = "SELECT COALESCE(SUM(calls), 0) FROM script_day WHERE script_id = ?"
    else:
        times_cte = f"""SELECT json_extract(j.value, '$[0]') AS node, json_extract(j.value, '$[1]') AS seconds, COUNT(*) AS n
                        FROM funnel_calls f, json_each(f.times) j WHERE f.script_id = ?{where} GROUP BY 1, 2"""
        times_params = [version, *params]
        calls_sql = f"SELECT COUNT(*) FROM funnel_calls WHERE script_id = ?{where}"
    rows = conn.execute(
        f"""
        WITH items AS MATERIALIZED ({items_cte}),
        moves AS (SELECT i.*, e.target, e.ending FROM items i JOIN temp.edges e ON e.node = i.node AND e.key = i.key
                  WHERE i.kind IN ('go', 'stop')),
        calls AS ({calls_sql}),
        times AS MATERIALIZED ({times_cte}),
        cum AS (SELECT node, seconds, SUM(n) OVER (PARTITION BY node ORDER BY seconds) AS c,
                       SUM(n) OVER (PARTITION BY node) AS total FROM times),
        pct AS (SELECT node, MIN(CASE WHEN c >= (total + 1) / 2 THEN seconds END) AS median,
                       MIN(CASE WHEN c >= (9 * total + 9) / 10 THEN seconds END) AS p90 FROM cum GROUP BY node),
        per_node AS (
            SELECT target AS node, n AS arrivals, 0 AS went_on, 0 AS undone FROM moves WHERE NOT ending
            UNION ALL SELECT ?, (SELECT * FROM calls), 0, 0
            UNION ALL SELECT node, 0, n, 0 FROM moves WHERE NOT ending
            UNION ALL SELECT node, 0, 0, n FROM items
                      WHERE kind = 'back' AND node NOT IN (SELECT target FROM temp.edges WHERE ending))
        SELECT p.node, SUM(arrivals), SUM(went_on), SUM(undone), t.median, t.p90
        FROM per_node p LEFT JOIN pct t ON t.node = p.node GROUP BY p.node""",
        [version, *params, version, *([] if table == "funnel_day" else params), *times_params, start],
    ).fetchall()
    ended = conn.execute(
        f"""
        WITH items AS MATERIALIZED ({items_cte}),
        moves AS (SELECT i.*, e.target, e.ending FROM items i JOIN temp.edges e ON e.node = i.node AND e.key = i.key
                  WHERE i.kind = 'stop')
        SELECT node, outcome, SUM(n) FROM (
            SELECT node, outcome, n FROM items WHERE kind = 'end'
            UNION ALL SELECT node, outcome, n FROM moves WHERE ending
            UNION ALL SELECT target, outcome, n FROM moves WHERE NOT ending
            UNION ALL SELECT ?, outcome, n FROM items WHERE kind = 'stop' AND node = '')
        GROUP BY 1, 2""",
        [version, *params, start],
    ).fetchall()
    return {"nodes": rows, "ended": ended}


def ours_funnel(f) -> dict:
    nodes = sorted(
        (n.node, n.arrivals, n.went_on, n.undone, n.median_seconds, n.p90_seconds)
        for n in f.nodes
        if n.arrivals or n.undone or n.times
    )
    ended = sorted((n.node, o, k) for n in f.nodes for o, k in n.ended.items())
    return {"nodes": nodes, "ended": ended}


def same_funnel(ours: dict, theirs: dict, label: str) -> None:
    got = {"nodes": sorted(tuple(r) for r in theirs["nodes"]), "ended": sorted(tuple(r) for r in theirs["ended"])}
    if ours != got:
        raise SystemExit(f"{label}: the numbers differ\n ours {ours['nodes'][:3]}\n sql  {got['nodes'][:3]}")


def sql_versions(conn: sqlite3.Connection) -> list[tuple]:
    """The comparison's cells: per stored version, its calls, the three counts and rates with
    their Wilson bounds (z = 1.96), the z of each rate against the same script's previous
    version (pooled; NULL for a first version), its name, sha and first and last day."""
    rates, tests = [], []
    for x in ("e", "m", "g"):
        p = f"(1.0 * {x} / NULLIF(calls, 0))"
        centre = f"(({p} + 1.9208 / calls) / (1 + 3.8415 / calls))"
        half = f"(1.96 * sqrt({p} * (1 - {p}) / calls + 3.8415 / (4.0 * calls * calls)) / (1 + 3.8415 / calls))"
        rates.append(f"{p}, {centre} - {half}, {centre} + {half}")
        pooled = f"(1.0 * ({x} + p{x}) / (calls + pcalls))"
        tests.append(
            f"({p} - 1.0 * p{x} / NULLIF(pcalls, 0)) / NULLIF(sqrt({pooled} * (1 - {pooled}) * (1.0 / calls + 1.0 / pcalls)), 0)"
        )
    return conn.execute(
        f"""WITH sums AS (SELECT script_id, SUM(calls) AS calls, SUM(effective) AS e, SUM(mailed) AS m, SUM(good) AS g,
                                MIN(day) AS first, MAX(day) AS last FROM script_day GROUP BY script_id),
            v AS (SELECT s.id, s.name, s.sha256, COALESCE(x.calls, 0) AS calls, COALESCE(x.e, 0) AS e,
                         COALESCE(x.m, 0) AS m, COALESCE(x.g, 0) AS g, x.first, x.last
                  FROM scripts s LEFT JOIN sums x ON x.script_id = s.id),
            w AS (SELECT *, LAG(calls) OVER p AS pcalls, LAG(e) OVER p AS pe, LAG(m) OVER p AS pm, LAG(g) OVER p AS pg
                  FROM v WINDOW p AS (PARTITION BY name ORDER BY id))
            SELECT id, calls, e, m, g, {", ".join(rates)}, {", ".join(tests)}, name, sha256, first, last
            FROM w ORDER BY id"""
    ).fetchall()


def sql_market(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT industry, fact, value, SUM(n) FROM market_day GROUP BY 1, 2, 3").fetchall()


def sql_coaching(conn: sqlite3.Connection, version: int, agent: int) -> list[tuple]:
    """Per node, item and outcome: the agent's counts and the floor's (the floor minus the agent is a subtraction)."""
    return conn.execute(
        """SELECT node, kind, key, outcome, SUM(mine), SUM(floor) FROM (
               SELECT node, kind, key, outcome, n AS mine, 0 AS floor FROM funnel_day_agent WHERE script_id = ?1 AND agent_id = ?2
               UNION ALL SELECT node, kind, key, outcome, 0, n FROM funnel_day WHERE script_id = ?1)
           GROUP BY 1, 2, 3, 4""",
        [version, agent],
    ).fetchall()


def sql_from_events(conn: sqlite3.Connection, version: int) -> int:
    """The funnel's items without the analytics tables: the walk of every event, in SQL."""
    from callscript.storage.analytics_tables import walk_items_select

    rows = conn.execute(
        f"SELECT COUNT(*) FROM ({walk_items_select('c.script_id = :v AND c.ended_at IS NOT NULL')})", {"v": version}
    ).fetchone()
    return int(rows[0])


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def trigger_cost(tmp_dir: Path, n: int = 2000) -> dict[str, tuple[float, float]]:
    """µs per recorded answer and per finished call (ten answers), without and with the
    analytics triggers (the schema before migration 9, and the current one), synchronous=OFF."""
    results: dict[str, list[float]] = {"answer": [], "finish": []}
    for target in (BEFORE_ANALYTICS, SCHEMA_VERSION):
        path = tmp_dir / f"trig{target}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        db = connect(path, synchronous="OFF")
        c = db.conn
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
            "INSERT INTO calls (id, lead_id, agent_id, script_id, started_at) VALUES (?, ?, 1, 1, '2025-03-03T09:00:00+08:00')",
            [(i, i) for i in range(1, n + 1)],
        )
        c.execute("COMMIT")
        nodes = ["opening", "convenient", "ask_travel", "ask_books_self", "ask_hosts", "intro", "ask_booking_method"]
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            for seq in range(1, 11):
                kind = "back" if seq == 5 else "choose"
                c.execute(
                    "INSERT INTO call_events (call_id, seq, at, kind, node, value) VALUES (?, ?, ?, ?, ?, '1')",
                    (i, seq, f"2025-03-03T09:00:{seq:02d}+08:00", kind, nodes[seq % len(nodes)]),
                )
        results["answer"].append((time.perf_counter() - t0) / (10 * n) * 1e6)
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            c.execute("BEGIN IMMEDIATE")
            c.execute(
                "UPDATE calls SET ended_at = '2025-03-03T09:05:00+08:00', outcome = 'mailed', grade = '好', "
                """facts = '{"booking_method": "other_center", "other_center_name": "艺龙", "hotel_star": 4}' WHERE id = ?""",
                (i,),
            )
            c.execute("COMMIT")
        results["finish"].append((time.perf_counter() - t0) / n * 1e6)
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return {k: (v[0], v[1]) for k, v in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 agents, 60 days")
    parser.add_argument("--regenerate", action="store_true", help="make the cached database again")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--from-events", action="store_true", help="also time the funnel straight from the events")
    parser.add_argument("--no-check", action="store_true", help="skip the full recompute check (minutes)")
    args = parser.parse_args()

    agents, days = (10, 60) if args.quick else (50, 365)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"analytics-{agents}a-{days}d-g{GENERATOR_VERSION}-s{SCHEMA_VERSION}.db"
    built = None
    if args.regenerate or not path.exists():
        print(f"generating {agents} agents × {days} days (with every call's log) into {path} …", flush=True)
        built = build(path, agents, days, date(2025, 12, 31))
        print(
            f"  {built['calls']:,} calls, {built['events']:,} events: generated in {built['generate_s']:.0f} s; "
            f"report tables {built['reports_s']:.0f} s; migration 9 (the analytics fill) {built['fill_s']:.0f} s"
        )
    db = open_db(path)
    conn = db.conn
    calls, events = (conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("calls", "call_events"))
    size = path.stat().st_size / 2**20
    print(f"\n{path.name}: {calls:,} calls, {events:,} events, {size:,.0f} MiB, SQLite {sqlite3.sqlite_version}")

    newest = funnel(conn)
    version = newest.version.id
    start = edges_table(conn, version)
    agent_name, agent_id = conn.execute("SELECT name, id FROM agents ORDER BY id LIMIT 1").fetchone()
    industry = conn.execute(
        "SELECT industry FROM funnel_day_industry WHERE script_id = ? AND kind IN ('stop', 'end') "
        "GROUP BY industry ORDER BY SUM(n) DESC LIMIT 1",
        (version,),
    ).fetchone()[0]
    aliases = load_aliases(ROOT / "data" / "centre_aliases.yaml")
    print(
        f"newest version #{version} ({newest.calls:,} calls); agent {agent_name}; largest industry {industry or '未分类'}\n"
    )

    failed = False
    header = f"{'report':34} {'ours best/median':>18} {'hand SQL best':>14} {'ratio':>6}  budget"
    print(header + "\n" + "-" * len(header))

    def case(label: str, ours: Callable[[], Any], theirs: Callable[[], Any], check: Callable[[Any, Any], None]) -> None:
        nonlocal failed
        best, median, result = timed(ours, args.runs)
        sql_best, _, sql_result = timed(theirs, args.runs)
        check(result, sql_result)
        ratio = best / sql_best
        ok = best <= BUDGET_S and ratio <= BUDGET_RATIO
        failed |= not ok
        print(
            f"{label:34} {best * 1000:8.1f}/{median * 1000:7.1f} ms {sql_best * 1000:11.1f} ms {ratio:5.2f}×  "
            f"{'ok' if ok else 'MISSED'}",
            flush=True,
        )

    case(
        "funnel, floor, all time",
        lambda: funnel(conn, version),
        lambda: sql_funnel(conn, version, start, "funnel_day", "", []),
        lambda o, s: same_funnel(ours_funnel(o), s, "funnel"),
    )
    case(
        f"funnel, one agent ({agent_name})",
        lambda: funnel(conn, version, agent=agent_name),
        lambda: sql_funnel(conn, version, start, "funnel_day_agent", " AND agent_id = ?", [agent_id]),
        lambda o, s: same_funnel(ours_funnel(o), s, "funnel by agent"),
    )
    case(
        f"funnel, one industry ({industry or '未分类'})",
        lambda: funnel(conn, version, industry=industry or "未分类"),
        lambda: sql_funnel(conn, version, start, "funnel_day_industry", " AND industry = ?", [industry_key(industry)]),
        lambda o, s: same_funnel(ours_funnel(o), s, "funnel by industry"),
    )

    def check_versions(report, rows) -> None:
        got = {r[0]: r[1:5] for r in rows}
        want = {r.version.id: (r.calls, r.effective.count, r.mailed.count, r.good.count) for r in report.rows}
        assert got == want, (got, want)
        for r in rows:
            ours = report.row(r[0])
            if r[1]:
                low, high = ours.mailed.interval
                assert abs(low - r[9]) < 1e-4 and abs(high - r[10]) < 1e-4  # 寄卡率: (p, low, high) at 8–10
            test = ours.mailed.versus
            if test is not None and test.enough:
                assert abs(test.z - r[15]) < 1e-9, (test.z, r[15])

    case("versions (no diff)", lambda: compare_versions(conn), lambda: sql_versions(conn), check_versions)

    def check_market(report, rows) -> None:
        totals: Counter = Counter()
        for _industry, fact, _value, n in rows:
            totals[fact] += n
        assert totals["booking_method"] == report.total.booking_answered
        assert totals["hotel_star"] == report.total.stars_answered + report.total.unreadable_stars

    case("market", lambda: market(conn, aliases=aliases), lambda: sql_market(conn), check_market)

    def check_coaching(report, rows) -> None:
        mine = sum(r[4] for r in rows if r[1] in ("stop", "end"))
        floor = sum(r[5] for r in rows if r[1] in ("stop", "end"))
        assert (mine, floor - mine) == (report.calls, report.floor_calls), (mine, floor, report.calls)

    case(
        f"coaching ({agent_name})",
        lambda: coaching(conn, agent_name, version=version),
        lambda: sql_coaching(conn, version, agent_id),
        check_coaching,
    )
    print(
        f"\nbudget: each ≤ {BUDGET_S:.0f} s and ≤ {BUDGET_RATIO:.0f}× the best hand-written SQL for the same numbers "
        "over the same tables (ratio = ours best ÷ SQL best)"
    )
    t0 = time.perf_counter()
    from callscript.cli.analytics_cmds import describe_changes

    compare_versions(conn, differ=describe_changes)
    print(f"versions with what changed (the scripts loaded and diffed): {(time.perf_counter() - t0) * 1000:.0f} ms")

    if args.from_events:
        t0 = time.perf_counter()
        n = sql_from_events(conn, version)
        print(f"the funnel's items straight from the events, in SQL ({n:,} calls): {time.perf_counter() - t0:.0f} s")

    if not args.no_check:
        t0 = time.perf_counter()
        found = analytics_differences(conn)
        print(
            f"\ntrigger-kept tables against a full recompute: {'equal' if not found else f'{len(found)} differences'} "
            f"({time.perf_counter() - t0:.0f} s)"
        )
        for line in found[:5]:
            print("  " + line)
        failed |= bool(found)

    costs = trigger_cost(OUT)
    (a0, a1), (f0, f1) = costs["answer"], costs["finish"]
    print(
        f"\none recorded answer: {a0:.0f} µs without the analytics triggers, {a1:.0f} µs with them (+{a1 - a0:.0f} µs)\n"
        f"finishing a call with a ten-answer log: {f0:.0f} µs without, {f1:.0f} µs with (+{f1 - f0:.0f} µs)"
        " (one transaction each, synchronous=OFF: the disk not measured)"
    )
    if built is not None:
        print(
            f"migration 9's fill of {built['calls']:,} calls and {built['events']:,} events: "
            f"{built['fill_s']:.0f} s (once, on upgrade)"
        )
    print(json.dumps({"version": version, "calls": calls, "events": events}))
    db.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
