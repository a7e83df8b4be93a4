"""SQLite and PostgreSQL side by side (issue 18).

(a) W writer processes (agents) x S seconds on one database, once on a SQLite file and once
    on PostgreSQL (a throwaway PostgreSQL cluster started here, as the tests start theirs:
    tests/pg_cluster.py; or ``--pg-url``): each claims a lead, walks the shipped script
    answering every ~1/RATE s, finishes the call — bench_storage.py's writer. Reported per
    backend: commits/s, latency p50/p99/max, lost rows (answers a writer was told were
    saved and are not in the database: must be 0) and errors (must be 0).
(b) The daily table (数据情况日分析表, by industry, agent, both) of one day on a big
    database, on both: the floor generated once into SQLite (reports/demo.py, without the
    answer logs the daily table does not read), copied to PostgreSQL with ``db copy``'s
    copy. Best and median of several warm runs. Budget: <= 0.5 s each.

    uv run python bench/bench_postgres.py                          # 20 and 100 writers x 60 s, big db: 50 agents x 365 days
    uv run python bench/bench_postgres.py --writers 20 --seconds 20 --agents 10 --days 60

Benchmarks report, they don't assert: a missed budget is printed as MISSED.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_storage import lead_rows, pct, random_step  # noqa: E402

from callscript.config import DatabaseUrl, default_script_path  # noqa: E402
from callscript.script.loader import load_script  # noqa: E402
from callscript.script.session import CallSession  # noqa: E402
from callscript.storage import StorageError, Store  # noqa: E402

DAILY_BUDGET_S = 0.5


# --------------------------------------------------------------------------- (a) writers


def writer(db: str, name: str, seed: int, seconds: float, rate: float, ready: Any, out_path: str) -> None:
    """bench_storage's writer, with any storage error counted (PostgreSQL has no "locked")."""
    rng = random.Random(seed)
    script = load_script(default_script_path())
    latencies: list[float] = []
    saved: dict[int, int] = {}
    errors: list[str] = []
    store = Store.open(db)
    agent = store.ensure_agent(name)
    sid = store.store_script_version(script)

    def timed(fn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        latencies.append(time.perf_counter() - t)
        return result

    from callscript.core.followup import in_follow_up_window

    in_follow_up_window(datetime.now().astimezone())  # China's calendar, loaded lazily (0.6 s): as a running app has
    ready.wait()  # every writer started and warm: on a busy 2-core machine 100 start-ups take a while
    stop = time.time() + seconds
    try:
        while time.time() < stop:
            lead = timed(store.claim_next_lead, agent)
            if lead is None:
                break
            call_id = timed(store.start_call, lead.id, agent, sid)
            saved[call_id] = 0
            session = CallSession(script)
            while not session.finished:
                time.sleep(rng.uniform(0.5, 1.5) / rate)
                if time.time() >= stop:
                    break
                timed(store.record_event, call_id, random_step(session, rng))
                saved[call_id] += 1
            if session.finished:
                extra: dict[str, Any] = {}
                if session.outcome == "callback":
                    extra["callback_due"] = datetime.now().astimezone() + timedelta(days=1)
                if session.outcome == "mailed" and not session.facts.get("address"):
                    extra["address"] = "上海市长宁区金钟路968号"
                timed(store.finish_session, call_id, session, **extra)
    except (StorageError, OSError) as exc:
        errors.append(repr(exc))
    except Exception as exc:  # a bug or the database's own error: counted, not hidden
        errors.append(repr(exc))
    store.close()
    Path(out_path).write_text(json.dumps({"latencies": latencies, "saved": saved, "errors": errors}))


def bench_writers(location: Any, workers: int, seconds: float, rate: float, workdir: Path) -> dict[str, Any]:
    with Store.open(location) as store:
        store.add_leads(lead_rows(20000))
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Barrier(workers)
    tag = "pg" if isinstance(location, DatabaseUrl) else "sqlite"
    outs = [workdir / f"{tag}-{workers}-w{i}.json" for i in range(workers)]
    procs = [
        ctx.Process(target=writer, args=(str(location), f"agent{i:03d}", i, seconds, rate, ready, str(outs[i])))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    results = [json.loads(o.read_text()) for o in outs if o.exists()]
    latencies = [x for r in results for x in r["latencies"]]
    lost = 0
    with Store.open(location) as store:
        counts = {
            int(c): int(n)
            for c, n in store.conn.execute("SELECT call_id, COUNT(*) FROM call_events GROUP BY call_id").fetchall()
        }
        for r in results:
            for call_id, n in r["saved"].items():
                lost += max(0, n - counts.get(int(call_id), 0))
        check = store.check()
    return {
        "backend": "PostgreSQL" if tag == "pg" else "SQLite",
        "workers": workers,
        "finished_writers": len(results),
        "commits": len(latencies),
        "commits_per_s": len(latencies) / seconds,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": pct(latencies, 0.99) if latencies else 0.0,
        "max": max(latencies) if latencies else 0.0,
        "lost": lost,
        "errors": [e for r in results for e in r["errors"]] + [f"exit {p.exitcode}" for p in procs if p.exitcode],
        "check_ok": check.ok,
    }


# --------------------------------------------------------------------------- (b) the daily table on a big database


def big_floor(path: Path, agents: int, days: int) -> Path:
    from callscript.reports.demo import DemoConfig, generate

    if path.exists():
        return path
    end = date(2025, 12, 31)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    with Store.open(partial, synchronous="OFF") as store:
        stats = generate(
            store,
            DemoConfig(days=days, agents=agents, seed=15, end=end, events=False),
            progress=lambda day, calls: print(f"\r  generating {day} {calls:,} calls", end="", flush=True),
        )
    print(f"\r  generated {stats.calls:,} calls in {time.perf_counter() - started:.0f} s" + " " * 20)
    partial.rename(path)
    return path


def time_daily(location: Any, day: date, runs: int) -> dict[str, tuple[float, float]]:
    from callscript.reports.queries import daily, open_db

    db = open_db(location)
    out = {}
    try:
        for by in ("industry", "agent", "both"):
            daily(db.conn, day, by)  # warm
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                daily(db.conn, day, by)
                times.append(time.perf_counter() - t)
            out[by] = (min(times), statistics.median(times))
    finally:
        db.close()
    return out


def copy_to(source: Path, url: DatabaseUrl) -> float:
    from callscript.storage.copy import copy_database

    started = time.perf_counter()
    with Store.open(source, create=False) as src, Store.open(url, synchronous="OFF") as dest:
        copy_database(src.conn, dest.conn)
        dest.conn.execute("ANALYZE")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, nargs="+", default=[20, 100], help="writer processes (default 20 100)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of writing (default 60)")
    parser.add_argument("--rate", type=float, default=1.0, help="answers per second per writer (default 1)")
    parser.add_argument("--agents", type=int, default=50, help="(b) agents on the big floor (default 50)")
    parser.add_argument("--days", type=int, default=365, help="(b) days on the big floor (default 365)")
    parser.add_argument("--runs", type=int, default=5, help="(b) timed runs per table (default 5)")
    parser.add_argument(
        "--big", type=Path, default=None, help="(b) an existing big database to use (copied first: it is migrated)"
    )
    parser.add_argument("--only", choices=["a", "b"], default=None)
    parser.add_argument(
        "--pg-url", default=None, help="an empty PostgreSQL server's URL prefix instead of a throwaway cluster"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go (default: a temp dir)")
    args = parser.parse_args()

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="bench-pg-"))
    workdir.mkdir(parents=True, exist_ok=True)
    import pg_cluster

    cluster = pg_cluster.Cluster().start()
    try:
        if args.only in (None, "a"):
            print(f"(a) writers x {args.seconds:g} s, ~{args.rate:g} answer/s each")
            print(
                f"{'backend':<11} {'writers':>7} {'commits/s':>10} {'p50':>9} {'p99':>9} {'max':>9} {'lost':>5} {'errors':>6}"
            )
            for n in args.writers:
                for location in (workdir / f"writers-{n}.db", DatabaseUrl(cluster.new_database(f"w{n}"))):
                    r = bench_writers(location, n, args.seconds, args.rate, workdir)
                    print(
                        f"{r['backend']:<11} {n:>7} {r['commits_per_s']:>10.1f} {r['p50'] * 1000:>7.1f}ms "
                        f"{r['p99'] * 1000:>7.1f}ms {r['max'] * 1000:>7.1f}ms {r['lost']:>5} {len(r['errors']):>6}"
                        + ("" if r["check_ok"] else "  CHECK FAILED")
                        + (f"  {r['errors'][:2]}" if r["errors"] else ""),
                        flush=True,
                    )
        if args.only in (None, "b"):
            print(f"\n(b) the daily table on a big database ({args.agents} agents x {args.days} days)")
            if args.big is not None:
                import shutil

                big = workdir / "big-given.db"
                if not big.exists():
                    shutil.copy(args.big, big)
            else:
                big = big_floor(workdir / f"big-{args.agents}x{args.days}.db", args.agents, args.days)
            with Store.open(big, create=False) as store:
                calls = store.count_calls()
                day = date.fromisoformat(
                    store.conn.execute("SELECT MAX(day) FROM report_daily WHERE calls > 0").fetchone()[0]
                )
            url = DatabaseUrl(cluster.new_database("big"))
            print(f"  {calls:,} calls; copied to PostgreSQL in {copy_to(big, url):.0f} s; the day: {day}")
            for name, location in (("SQLite", big), ("PostgreSQL", url)):
                for by, (best, median) in time_daily(location, day, args.runs).items():
                    verdict = "ok" if best <= DAILY_BUDGET_S else "MISSED"
                    print(
                        f"  {name:<11} daily by {by:<9} best {best * 1000:7.1f} ms  median {median * 1000:7.1f} ms"
                        f"  (budget ≤ {DAILY_BUDGET_S * 1000:.0f} ms: {verdict})",
                        flush=True,
                    )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
