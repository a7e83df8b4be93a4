"""Storage benchmarks (issue 4).

(a) Record one answer durably: ``Store.record_event`` (BEGIN IMMEDIATE, INSERT of
    the event with its sequence number, COMMIT at synchronous=FULL) against raw
    ``sqlite3`` doing the same commit (one autocommit INSERT of the same row) on the
    same file with the same pragmas. Median and p99 over N answers each,
    interleaved so both see the same disk; the ratio is the storage layer's
    overhead (budget: <= 1.5x).
(b) W writer processes (agents) x S seconds on one file at a realistic rate:
    each claims a lead, walks the shipped script answering every ~1/RATE s, finishes
    the call. Reports commits, latency (median/p99/max), lost rows (events a writer
    was told were saved but are not in the file: must be 0) and "database is
    locked" errors (must be 0).

    uv run python bench/bench_storage.py                 # (a) 2,000 answers, (b) 20 writers x 60 s
    uv run python bench/bench_storage.py --seconds 10    # shorter (b)
    uv run python bench/bench_storage.py --only a
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callscript.config import default_script_path  # noqa: E402
from callscript.script.loader import load_script  # noqa: E402
from callscript.script.model import INPUT  # noqa: E402
from callscript.script.session import CallSession  # noqa: E402
from callscript.storage import Store  # noqa: E402
from callscript.workshop.path_explorer import input_values  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def lead_rows(n: int) -> list[dict]:
    industries = ["IT", "制造", "医药", "金融", "贸易"]
    return [{"company": f"公司{i}", "phone": f"139{i:08d}", "industry": industries[i % 5]} for i in range(n)]


# ---------------------------------------------------------------------------
# (a) one answer, durably
# ---------------------------------------------------------------------------
def bench_answer(n: int, workdir: Path, synchronous: str) -> dict:
    db = workdir / f"answer_{synchronous.lower()}.db"
    script = load_script(default_script_path())
    store = Store.open(db, synchronous=synchronous)
    agent = store.ensure_agent("bench")
    store.add_leads(lead_rows(2))
    sid = store.store_script_version(script)
    ours_call = store.start_call(1, agent, sid)
    raw_call = store.start_call(2, agent, sid)

    raw = sqlite3.connect(db, isolation_level=None, timeout=10)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute(f"PRAGMA synchronous = {synchronous}")
    raw.execute("PRAGMA busy_timeout = 10000")
    raw.execute("PRAGMA foreign_keys = ON")

    event = {"kind": "choose", "node": "ask_travel", "value": "1"}
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(20):  # warm up both paths
        store.record_event(ours_call, event)
        raw.execute(
            "INSERT INTO call_events (call_id, seq, at, kind, node, value) VALUES (?, ?, ?, ?, ?, ?)",
            (raw_call, i + 1, datetime.now().astimezone().isoformat(timespec="seconds"), "choose", "ask_travel", "1"),
        )
    seq = 20
    for _ in range(n):
        t = time.perf_counter()
        store.record_event(ours_call, event)
        ours.append(time.perf_counter() - t)
        seq += 1
        t = time.perf_counter()
        raw.execute(
            "INSERT INTO call_events (call_id, seq, at, kind, node, value) VALUES (?, ?, ?, ?, ?, ?)",
            (raw_call, seq, datetime.now().astimezone().isoformat(timespec="seconds"), "choose", "ask_travel", "1"),
        )
        theirs.append(time.perf_counter() - t)
    raw.close()
    stored = store.db.execute("SELECT COUNT(*) FROM call_events WHERE call_id = ?", (ours_call,)).fetchone()[0]
    store.close()
    assert stored == n + 20, "answers missing"
    return {
        "synchronous": synchronous,
        "n": n,
        "ours_median": statistics.median(ours),
        "ours_p99": pct(ours, 0.99),
        "raw_median": statistics.median(theirs),
        "raw_p99": pct(theirs, 0.99),
    }


# ---------------------------------------------------------------------------
# (b) many writers
# ---------------------------------------------------------------------------
def random_step(session: CallSession, rng: random.Random):
    if session.can_go_back and rng.random() < 0.08:
        return session.back()
    node = session.node
    if node.kind == INPUT:
        if node.skip is not None and rng.random() < 0.2:
            return session.skip()
        return session.enter(rng.choice(input_values(session.script, node)))
    return session.choose(rng.choice(node.options).key)


def writer(db: str, name: str, seed: int, seconds: float, rate: float, start_at: float, out_path: str) -> None:
    rng = random.Random(seed)
    script = load_script(default_script_path())
    store = Store.open(db)
    agent = store.ensure_agent(name)
    sid = store.store_script_version(script)
    latencies: dict[str, list[float]] = {"answer": [], "finish": [], "claim": [], "start": [], "note": []}
    saved: dict[int, int] = {}
    locked = 0
    other_errors: list[str] = []

    def timed(kind, fn, *args, **kwargs):
        nonlocal locked
        t = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                locked += 1
            else:
                other_errors.append(repr(exc))
            raise
        latencies[kind].append(time.perf_counter() - t)
        return result

    while time.time() < start_at:
        time.sleep(0.001)
    stop = start_at + seconds
    try:
        while time.time() < stop:
            lead = timed("claim", store.claim_next_lead, agent)
            if lead is None:
                break
            call_id = timed("start", store.start_call, lead.id, agent, sid)
            saved[call_id] = 0
            session = CallSession(script)
            while not session.finished:
                time.sleep(rng.uniform(0.5, 1.5) / rate)  # the prospect talks, the agent listens
                if time.time() >= stop:
                    break  # end of the run: the call stays unfinished, as after a crash
                timed("answer", store.record_event, call_id, random_step(session, rng))
                saved[call_id] += 1
                if rng.random() < 0.03:
                    timed("note", store.add_note, call_id, "客户说下午再联系")
                    saved[call_id] += 1
            if session.finished:
                extra = {}
                if session.outcome == "callback":
                    extra["callback_due"] = datetime.now().astimezone() + timedelta(days=1)
                if session.outcome == "mailed" and not session.facts.get("address"):
                    extra["address"] = "上海市长宁区金钟路968号"
                timed("finish", store.finish_session, call_id, session, **extra)
    except sqlite3.OperationalError:
        pass
    store.close()
    Path(out_path).write_text(
        json.dumps(
            {
                "latencies": latencies,
                "saved": saved,
                "locked": locked,
                "errors": other_errors,
                "retries": store.lock_retries,
            }
        )
    )


def bench_writers(workers: int, seconds: float, rate: float, workdir: Path) -> dict:
    db = workdir / "writers.db"
    with Store.open(db) as store:
        store.add_leads(lead_rows(20000))
    ctx = multiprocessing.get_context("fork")
    start_at = time.time() + 1.0
    procs = []
    for i in range(workers):
        p = ctx.Process(
            target=writer, args=(str(db), f"agent{i:02d}", i, seconds, rate, start_at, str(workdir / f"w{i}.json"))
        )
        p.start()
        procs.append(p)
    for p in procs:
        p.join()
    wall = time.time() - start_at
    results = [
        json.loads((workdir / f"w{i}.json").read_text()) for i in range(workers) if (workdir / f"w{i}.json").exists()
    ]
    all_lat: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for r in results:
        for kind, values in r["latencies"].items():
            by_kind.setdefault(kind, []).extend(values)
            all_lat.extend(values)
    lost = 0
    with Store.open(db) as store:
        counts = dict(store.db.execute("SELECT call_id, COUNT(*) FROM call_events GROUP BY call_id").fetchall())
        for r in results:
            for call_id, n in r["saved"].items():
                lost += max(0, n - counts.get(int(call_id), 0))
        check = store.check()
        finished = store.db.execute("SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL").fetchone()[0]
    return {
        "workers": workers,
        "finished_writers": len(results),
        "exit_codes": [p.exitcode for p in procs],
        "seconds": seconds,
        "wall": wall,
        "rate": rate,
        "commits": len(all_lat),
        "answers": len(by_kind.get("answer", [])),
        "calls_finished": finished,
        "median": statistics.median(all_lat) if all_lat else 0.0,
        "p99": pct(all_lat, 0.99) if all_lat else 0.0,
        "max": max(all_lat) if all_lat else 0.0,
        "by_kind": {k: (len(v), statistics.median(v), pct(v, 0.99)) for k, v in by_kind.items() if v},
        "lost": lost,
        "locked": sum(r["locked"] for r in results),
        "errors": [e for r in results for e in r["errors"]],
        "retries": sum(r["retries"] for r in results),
        "check_ok": check.ok,
        "check_errors": check.errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=2000, help="(a) answers timed per side (default 2000)")
    parser.add_argument("--writers", type=int, default=20, help="(b) writer processes (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="(b) seconds of writing (default 60)")
    parser.add_argument(
        "--rate", type=float, default=1.0, help="(b) answers per second per writer (default 1: ~3x a fast human agent)"
    )
    parser.add_argument("--only", choices=["a", "b"], default=None)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database files (default: a temp dir)")
    args = parser.parse_args()
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="callscript-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}, files in {workdir}")

    if args.only in (None, "a"):
        print(f"\n(a) record one answer durably, {args.answers} answers each, interleaved, same file")
        print(
            f"    {'synchronous':<12}{'store median':>14}{'raw median':>14}{'ratio':>8}"
            f"{'store p99':>14}{'raw p99':>14}{'ratio':>8}"
        )
        for sync in ("FULL", "NORMAL"):
            r = bench_answer(args.answers, workdir, sync)
            tag = "FULL (default)" if sync == "FULL" else "NORMAL (info)"
            print(
                f"    {tag:<12}{ms(r['ours_median']):>14}{ms(r['raw_median']):>14}"
                f"{r['ours_median'] / r['raw_median']:>7.2f}x{ms(r['ours_p99']):>14}{ms(r['raw_p99']):>14}"
                f"{r['ours_p99'] / r['raw_p99']:>7.2f}x"
            )

    if args.only in (None, "b"):
        print(f"\n(b) {args.writers} writer processes x {args.seconds:g} s, ~{args.rate:g} answer(s)/s each, one file")
        r = bench_writers(args.writers, args.seconds, args.rate, workdir)
        print(
            f"    commits {r['commits']} ({r['answers']} answers, {r['calls_finished']} calls finished) "
            f"in {r['wall']:.1f} s = {r['commits'] / max(r['wall'], 1e-9):.1f} commits/s"
        )
        print(f"    latency median {ms(r['median'])}, p99 {ms(r['p99'])}, max {ms(r['max'])}")
        for kind, (n, med, p99) in sorted(r["by_kind"].items()):
            print(f"      {kind:<7}{n:>7} commits  median {ms(med):>11}  p99 {ms(p99):>11}")
        print(
            f"    lost rows {r['lost']}, locked errors {r['locked']}, other errors {len(r['errors'])}, "
            f"whole-transaction retries {r['retries']}, writers finished {r['finished_writers']}/{r['workers']}, "
            f"db check {'ok' if r['check_ok'] else r['check_errors']}"
        )
        if r["lost"] or r["locked"] or r["errors"] or not r["check_ok"]:
            sys.exit(1)


if __name__ == "__main__":
    main()
