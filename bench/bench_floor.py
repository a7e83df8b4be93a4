"""Floor board and presence benchmarks (issue 16): 200 agents on a two-million-call database.

    uv run python bench/bench_floor.py [--quick] [--regenerate] [--runs N] [--seconds S]

1. Generate the floor once with the demo generator (callscript/reports/demo.py, no answer
   logs: the board reads none) — 200 agents × 90 days ending on a Wednesday at 15:00, about
   two million calls — into a file at the schema before the report tables, then migrate it (the
   report tables backfilled set-wise, as for an existing user's file). Cached in bench/out/
   (git-ignored); ``--regenerate`` makes it again.
2. Put 200 app sessions on it as a busy afternoon looks: each agent's state (通话中 at a node,
   整理中, 暂停 with a reason, 锁定, 就绪), heard from in the last seconds, and the day's state
   log so far (an interval per state change, ~40,000 rows).
3. Time the board's refresh, warm (best, median, p95 of ``--runs``): the one statement alone
   (``Store.floor_snapshot``) and the whole refresh as the app's database thread runs it
   (``read_board``: statement + assembly + alerts). Budget: ≤ 20 ms. Also the day's figures
   for every agent (``floor day``), for reference.
4. Presence heartbeats from 200 sessions, each on its own connection, every 3 s for
   ``--seconds`` of wall time, with a change of state every ~40 s per agent (a call's 通话中 →
   整理中 → 就绪): the CPU time of the writes (``time.thread_time`` around each) per second of
   wall time. Budget: ≤ 5 % of one core.

Benchmarks report, they don't assert: a missed budget is printed as MISSED (exit status 1).
``--quick``: 20 agents × 30 days.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callscript.core.floor_settings import FloorSettings  # noqa: E402
from callscript.core.presence import HEARTBEAT_SECONDS, AgentState, PauseReason, Presence  # noqa: E402
from callscript.floor.board import Plan, assemble, read_board  # noqa: E402
from callscript.floor.day import read_day  # noqa: E402
from callscript.reports.demo import DemoConfig, generate  # noqa: E402
from callscript.storage import Store  # noqa: E402
from callscript.storage.schema import MIGRATIONS, migrate  # noqa: E402
from callscript.storage.timefmt import iso  # noqa: E402

OUT = ROOT / "bench" / "out"
REPORTS_VERSION = next(m.version for m in MIGRATIONS if m.description.startswith("report tables"))
GENERATOR_VERSION = 1  # bump when the floor generated here changes, so the cached file is remade
NOW = datetime(2025, 12, 31, 15, 0).astimezone()
REFRESH_BUDGET_MS = 20.0
HEARTBEAT_BUDGET = 0.05
STATE_CHANGE_EVERY = 40.0
"""Seconds between an agent's changes of state, on average (通话中 → 整理中 → 就绪 in a 2-minute call)."""
NODES = [
    ("opening", "开场白"),
    ("ask_travel", "是否出差"),
    ("ask_booking_method", "怎么订酒店机票"),
    ("ask_star", "酒店星级"),
    ("confirm_address", "确认地址"),
]


def build(path: Path, agents: int, days: int) -> dict[str, Any]:
    tmp = path.with_suffix(".building")
    for p in (path, tmp):
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
    store = Store.open(tmp, synchronous="OFF", migrate=False)
    conn = store.conn
    conn.execute("PRAGMA cache_size = -400000")
    migrate(conn, target=REPORTS_VERSION - 1, views=False)
    started = last = time.perf_counter()

    def progress(day: date, calls: int) -> None:
        nonlocal last
        if time.perf_counter() - last > 20:
            last = time.perf_counter()
            print(f"  … {day} {calls:,} calls ({last - started:.0f} s)", flush=True)

    config = DemoConfig(
        days=days, agents=agents, seed=2025, end=NOW.date(), now=NOW, calls_per_day=(140, 170), events=False
    )
    stats = generate(store, config, progress=progress)
    generated = time.perf_counter() - started
    t0 = time.perf_counter()
    migrate(conn)
    migrated = time.perf_counter() - t0
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    os.replace(tmp, path)
    return {"calls": stats.calls, "leads": stats.leads, "generate_s": generated, "migrate_s": migrated}


# --------------------------------------------------------------------------- the afternoon's sessions


def afternoon(store: Store, rng: random.Random) -> list[int]:
    """One session per agent in a state a busy afternoon has, and the day's state log; the session ids."""
    conn = store.conn
    conn.execute("UPDATE leads SET claim_session_id = NULL WHERE claim_session_id IS NOT NULL")
    conn.execute("DELETE FROM presence_log")
    conn.execute("DELETE FROM app_sessions")
    day_start = NOW.replace(hour=8, minute=30, second=0)
    agents = [row[0] for row in conn.execute("SELECT id FROM agents ORDER BY id")]
    last_call = dict(
        conn.execute(
            "SELECT agent_id, MAX(id) FROM calls WHERE started_at >= ? GROUP BY agent_id", (iso(day_start),)
        ).fetchall()
    )
    sessions = []
    log: list[tuple[Any, ...]] = []
    conn.execute("BEGIN")
    for agent_id in agents:
        cursor = conn.execute(
            "INSERT INTO app_sessions (agent_id, host, pid, started_at, last_seen_at) VALUES (?, 'bench', ?, ?, ?)",
            (agent_id, 100000 + agent_id, iso(day_start), iso(NOW - timedelta(seconds=rng.randint(0, 3)))),
        )
        session_id = cursor.lastrowid
        assert session_id is not None
        sessions.append(session_id)
        roll = rng.random()
        call_id = last_call.get(agent_id)
        reason = None
        node, title = rng.choice(NODES)
        if roll < 0.6 and call_id:
            state = AgentState.IN_CALL
        elif roll < 0.7 and call_id:
            state = AgentState.WRAP_UP
        elif roll < 0.8:
            state, call_id, node, title = AgentState.PAUSED, None, None, None
            reason = rng.choice(list(PauseReason))
        elif roll < 0.85:
            state, call_id, node, title = AgentState.LOCKED, None, None, None
        else:
            state, call_id, node, title = AgentState.READY, None, None, None
        since = NOW - timedelta(seconds=rng.randint(5, 1500))
        idle = iso(since) if state in (AgentState.READY, AgentState.LOCKED) else None
        conn.execute(
            """UPDATE app_sessions SET state = ?, pause_reason = ?, call_id = ?, node = ?, node_title = ?,
                   state_since = ?, idle_since = ? WHERE id = ?""",
            (state.value, reason.value if reason else None, call_id, node, title, iso(since), idle, session_id),
        )
        moment = day_start
        cycle = [AgentState.IN_CALL, AgentState.WRAP_UP, AgentState.READY]
        i = 0
        while moment < since:  # the day so far: a change of state every ~40 s
            end = min(since, moment + timedelta(seconds=rng.expovariate(1 / STATE_CHANGE_EVERY)))
            log.append((session_id, agent_id, cycle[i % 3].value, None, None, iso(moment), iso(end)))
            moment, i = end, i + 1
        log.append((session_id, agent_id, state.value, reason.value if reason else None, call_id, iso(since), None))
    conn.executemany(
        """INSERT INTO presence_log (session_id, agent_id, state, pause_reason, call_id, started_at, ended_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        log,
    )
    conn.execute("COMMIT")
    return sessions


# --------------------------------------------------------------------------- timing


CPU_MEDIANS: list[float] = []
"""The median CPU time (this thread's) of each :func:`timed` run, in order: on a shared host the
wall-clock figures include waiting for a core; the CPU time is what the read itself costs."""


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, float, Any]:
    """(best, median, p95) milliseconds of ``runs`` warm runs, after one warm-up; the last result."""
    result = fn()
    times = []
    cpu = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.thread_time()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    times.sort()
    CPU_MEDIANS.append(statistics.median(cpu))
    return times[0], statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], result


def heartbeats(path: Path, session_ids: list[int], seconds: float, rng: random.Random) -> dict[str, float]:
    """Every session on its own connection beats every HEARTBEAT_SECONDS (staggered), changing state now
    and then; the CPU time of the writes (thread time around each call) per second of wall time."""
    stores = [Store.open(path, clock=lambda: datetime.now().astimezone().replace(microsecond=0)) for _ in session_ids]
    try:
        due = [time.monotonic() + rng.uniform(0, HEARTBEAT_SECONDS) for _ in session_ids]
        states = [Presence(AgentState.IN_CALL, call_id=None, node="opening", node_title="开场白") for _ in session_ids]
        next_change = [time.monotonic() + rng.expovariate(1 / STATE_CHANGE_EVERY) for _ in session_ids]
        cycle = [
            Presence(AgentState.IN_CALL, node="ask_star", node_title="酒店星级"),
            Presence(AgentState.WRAP_UP),
            Presence(AgentState.READY),
        ]
        cpu = {"beat": 0.0, "change": 0.0}
        count = {"beat": 0, "change": 0}
        latencies: list[float] = []
        start = time.monotonic()
        end = start + seconds
        while True:
            now = time.monotonic()
            if now >= end:
                break
            i = min(range(len(due)), key=due.__getitem__)
            wait = due[i] - now
            if wait > 0:
                time.sleep(min(wait, end - now))
                continue
            changed = now >= next_change[i]
            if changed:
                states[i] = cycle[(cycle.index(states[i]) + 1) % 3] if states[i] in cycle else cycle[0]
                next_change[i] = now + rng.expovariate(1 / STATE_CHANGE_EVERY)
            kind = "change" if changed else "beat"
            t_cpu, t_wall = time.thread_time(), time.perf_counter()
            stores[i].report_presence(states[i], changed=changed, session_id=session_ids[i])
            cpu[kind] += time.thread_time() - t_cpu
            latencies.append((time.perf_counter() - t_wall) * 1000)
            count[kind] += 1
            due[i] += HEARTBEAT_SECONDS
        wall = time.monotonic() - start
    finally:
        for store in stores:
            store.close()
    latencies.sort()
    return {
        "wall_s": wall,
        "beats": count["beat"],
        "changes": count["change"],
        "writes_per_s": (count["beat"] + count["change"]) / wall,
        "cpu_share": (cpu["beat"] + cpu["change"]) / wall,
        "beat_cpu_us": cpu["beat"] / max(1, count["beat"]) * 1e6,
        "change_cpu_us": cpu["change"] / max(1, count["change"]) * 1e6,
        "latency_median_ms": statistics.median(latencies) if latencies else 0.0,
        "latency_p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
    }


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 agents, 30 days")
    parser.add_argument("--regenerate", action="store_true", help="make the cached database again")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0, help="wall time of the heartbeat run")
    args = parser.parse_args()

    agents, days = (20, 30) if args.quick else (200, 90)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"floor-{agents}a-{days}d-g{GENERATOR_VERSION}.db"
    if args.regenerate or not path.exists():
        print(f"generating {agents} agents × {days} days into {path} …", flush=True)
        built = build(path, agents, days)
        print(
            f"  {built['calls']:,} calls, {built['leads']:,} leads: generated in {built['generate_s']:.0f} s, "
            f"migrated in {built['migrate_s']:.0f} s"
        )
    rng = random.Random(16)
    store = Store.open(path, clock=lambda: NOW)
    try:
        calls = store.conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        today = store.conn.execute("SELECT COUNT(*) FROM calls WHERE started_at >= ?", (NOW.date().isoformat(),))
        calls_today = today.fetchone()[0]
        sessions = afternoon(store, rng)
        logged = store.conn.execute("SELECT COUNT(*) FROM presence_log").fetchone()[0]
        size = path.stat().st_size / 2**20
        print(
            f"{path.name}: {calls:,} calls ({calls_today:,} today up to {NOW:%H:%M}), {size:,.0f} MiB; "
            f"{len(sessions)} sessions, {logged:,} state intervals today"
        )
        settings = FloorSettings.from_stored(store.floor_settings())
        plan = Plan.at(NOW)
        snapshot_args = plan.snapshot_args(NOW, settings)
        best, median, p95, snapshot = timed(lambda: store.floor_snapshot(**snapshot_args), args.runs)  # type: ignore[arg-type]
        board = assemble(snapshot, NOW, settings, plan)
        print(
            f"board refresh, the one statement:  best {best:6.1f} ms  median {median:6.1f} ms  p95 {p95:6.1f} ms"
            f"  CPU median {CPU_MEDIANS[-1]:5.1f} ms   (budget ≤ {REFRESH_BUDGET_MS:.0f} ms: {verdict(median <= REFRESH_BUDGET_MS)})"
        )
        ok_refresh = median <= REFRESH_BUDGET_MS
        best, median, p95, board = timed(lambda: read_board(store, NOW, settings), args.runs)
        print(
            f"board refresh, read + assemble:    best {best:6.1f} ms  median {median:6.1f} ms  p95 {p95:6.1f} ms"
            f"  CPU median {CPU_MEDIANS[-1]:5.1f} ms   (budget ≤ {REFRESH_BUDGET_MS:.0f} ms: {verdict(median <= REFRESH_BUDGET_MS)})"
        )
        ok_refresh = ok_refresh and median <= REFRESH_BUDGET_MS
        print(
            f"  {len(board.agents)} agents on the board, {len(board.alerts)} alerts; "
            f"today {board.totals.today.calls:,} calls vs {board.totals.previous.calls if board.totals.previous else 0:,} "
            f"on {board.totals.previous_day} by {NOW:%H:%M}"
        )
        best, median, p95, days_read = timed(lambda: read_day(store, NOW.date(), NOW), max(3, args.runs // 10))
        print(
            f"the day's figures, every agent:     best {best:6.1f} ms  median {median:6.1f} ms  ({len(days_read)} agents)"
        )
    finally:
        store.close()

    print(
        f"heartbeats: {len(sessions)} sessions, one connection each, every {HEARTBEAT_SECONDS:.0f} s, {args.seconds:.0f} s …"
    )
    beat = heartbeats(path, sessions, args.seconds, rng)
    ok_beat = beat["cpu_share"] <= HEARTBEAT_BUDGET
    print(
        f"  {beat['beats']:,} heartbeats + {beat['changes']:,} changes of state in {beat['wall_s']:.0f} s "
        f"({beat['writes_per_s']:.0f} writes/s): CPU {beat['beat_cpu_us']:.0f} µs per heartbeat, "
        f"{beat['change_cpu_us']:.0f} µs per change; latency median {beat['latency_median_ms']:.2f} ms, "
        f"p99 {beat['latency_p99_ms']:.2f} ms"
    )
    print(
        f"  CPU of the writes: {beat['cpu_share'] * 100:.2f} % of one core"
        f"   (budget ≤ {HEARTBEAT_BUDGET * 100:.0f} %: {verdict(ok_beat)})"
    )
    try:
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    except OSError:
        pass
    return 0 if ok_refresh and ok_beat else 1


if __name__ == "__main__":
    raise SystemExit(main())
