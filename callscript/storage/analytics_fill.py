"""Filling the analytics tables from the calls already in a file: migration 9, ``report
rebuild``, and the fresh copy ``db check --derived`` compares against.

The triggers (:mod:`callscript.storage.analytics_tables`) read one call's log with
window functions; done set-wise over twenty million events that took a quarter of an
hour. Here the same definition is applied in Python while the events stream by in
``(call_id, seq)`` order (the log's own index): a few microseconds an event, and the
sums are added up as the calls go, instead of unpacking two million JSON lists again.

:func:`walk` is the window functions' definition, step for step — depth as a running
sum, a move kept when no later depth falls below it, a visit named by the latest move
that arrived at its depth — so it writes exactly the text the triggers write, for
any log, even one no session could have written (the tests hold the two to it). The
market answers are filled by SQL (:func:`~callscript.storage.analytics_tables.market_fill_statements`):
one pass over the calls is fast enough.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import accumulate

from callscript.core.outcomes import NOT_EFFECTIVE
from callscript.storage import analytics_tables as sql

_SESSION = ", ".join(f"'{k}'" for k in sql.SESSION_KINDS)
_NOT_EFFECTIVE = frozenset(o.value for o in NOT_EFFECTIVE)
_KEYS = {"enter": sql.ENTER_KEY, "skip": sql.SKIP_KEY}
FLUSH_EVERY = 50_000
"""Calls between writes of the sums (bounds the memory the fill needs on a big file)."""

Event = tuple[int, str, str | None, str | None, str]
"""(seq, kind, node, value, at) of one session event."""


@lru_cache(maxsize=65536)
def _quoted(text: str) -> str:
    """A string as JSON (node ids and option keys repeat: each is quoted once)."""
    return json.dumps(text, ensure_ascii=False)


def _dumps(rows: list[tuple[str, str, str]] | list[tuple[str, int]]) -> str:
    """``[[…],[…]]`` as SQLite's json_group_array writes it (no spaces), built by hand: it
    runs for every one of millions of calls."""
    return (
        "["
        + ",".join("[" + ",".join(_quoted(v) if isinstance(v, str) else str(v) for v in r) + "]" for r in rows)
        + "]"
    )


@lru_cache(maxsize=4096)
def _midnight(day_and_offset: str) -> int | None:
    return _parse(day_and_offset[:10] + "T00:00:00" + day_and_offset[10:])


def _parse(stamp: str) -> int | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp())


def epoch(stamp: str | None) -> int | None:
    """Seconds since 1970 as SQLite's ``unixepoch()`` reads a stored stamp (no offset: UTC;
    not a date: None). Stamps as storage writes them (``2025-03-03T10:00:00+08:00``) take
    a fast path: the day's midnight is parsed once."""
    if not stamp:
        return None
    if len(stamp) in (19, 25) and stamp[10] == "T" and stamp[13] == ":" and stamp[16] == ":":
        clock = stamp[11:19]
        if clock[:2].isdigit() and clock[3:5].isdigit() and clock[6:8].isdigit():
            midnight = _midnight(stamp[:10] + stamp[19:])
            if midnight is not None and int(clock[:2]) < 24 and int(clock[3:5]) < 60 and int(clock[6:8]) < 60:
                return midnight + int(clock[:2]) * 3600 + int(clock[3:5]) * 60 + int(clock[6:8])
    return _parse(stamp)


def walk(events: Sequence[Event], started_at: str) -> tuple[str, str]:
    """One call's ``items`` and ``times`` (JSON text) from its session events in order."""
    items, times = walk_rows(events, started_at)
    return _dumps(items), _dumps(times)


def walk_rows(events: Sequence[Event], started_at: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, int]]]:
    """:func:`walk` as lists: ``(kind, node, key)`` items and ``(node, seconds)`` visits."""
    if not events:
        return [("stop", "", "")], []
    if all(e[1] != "back" for e in events):
        return _straight(events, started_at)
    deltas = [-1 if e[1] == "back" else 1 for e in events]
    depth = list(accumulate(deltas))
    final = depth[-1]
    later_min: list[int | None] = [None] * len(events)
    lowest: int | None = None
    for i in range(len(events) - 1, -1, -1):
        later_min[i] = lowest
        lowest = depth[i] if lowest is None else min(lowest, depth[i])
    items: list[tuple[str, str, str]] = []
    visits: dict[int, list] = {}  # visit → [node, seconds, closed]
    latest_arrival: dict[int, int] = {}  # depth → seq of the latest move that arrived there
    arrival_before = 0
    before = epoch(started_at)
    for i, (seq, kind, node, value, at) in enumerate(events):
        node = node or ""
        step = deltas[i] == 1
        if step:
            latest_arrival[depth[i]] = seq
        now = epoch(at)
        seconds = max(0, now - before) if now is not None and before is not None else 0
        before = now
        low = later_min[i]
        kept = step and (low is None or low >= depth[i])
        if kind == "back":
            items.append(("back", node, ""))
        elif kept:
            if kind == "end":
                items.append(("end", node, ""))
            else:
                key = (value or "") if kind == "choose" else _KEYS.get(kind, "")
                items.append(("stop" if depth[i] == final else "go", node, key))
        visit = visits.get(arrival_before)
        if visit is None:
            visits[arrival_before] = [node, seconds, kept or kind == "back"]
        else:
            visit[0] = max(visit[0], node)
            visit[1] += seconds
            visit[2] = visit[2] or kept or kind == "back"
        arrival_before = latest_arrival.get(depth[i], 0)
    if final == 0:
        items.append(("stop", "", ""))
    times = [(node, seconds) for _, (node, seconds, closed) in sorted(visits.items()) if closed]
    return items, times


def _straight(events: Sequence[Event], started_at: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, int]]]:
    """:func:`walk_rows` for a log without ``back`` (most calls): every move stands, each
    event closes the visit the one before it opened, the last move is where the call stopped."""
    items: list[tuple[str, str, str]] = []
    times: list[tuple[str, int]] = []
    last = len(events) - 1
    before = epoch(started_at)
    for i, (_seq, kind, node, value, at) in enumerate(events):
        node = node or ""
        now = epoch(at)
        times.append((node, max(0, now - before) if now is not None and before is not None else 0))
        before = now
        if kind == "end":
            items.append(("end", node, ""))
        else:
            key = (value or "") if kind == "choose" else _KEYS.get(kind, "")
            items.append(("stop" if i == last else "go", node, key))
    return items, times


class _Sums:
    """The sum tables' rows, added up as calls go by and written every FLUSH_EVERY calls.

    One counter keyed by every dimension (version, agent, industry, day, item); the three
    item sums are its projections, made when it is written."""

    def __init__(self, conn: sqlite3.Connection, prefix: str):
        self.conn = conn
        self.prefix = prefix
        self.items: Counter = Counter()
        self.times: Counter = Counter()
        self.script_day: dict[tuple, list[int]] = {}

    def add(self, row: tuple, items: list[tuple[str, str, str]], times: list[tuple[str, int]]) -> None:
        _call, script_id, day, agent_id, _lead, industry, outcome, grade, effective, *_ = row
        where = (script_id, agent_id, industry, day)
        counts = self.items
        for kind, node, key in items:
            counts[(*where, node, kind, key, outcome if kind in ("end", "stop") else "")] += 1
        for node, seconds in times:
            self.times[(script_id, day, node, seconds)] += 1
        sums = self.script_day.get((script_id, day))
        if sums is None:
            sums = self.script_day[(script_id, day)] = [0] * len(sql.SCRIPT_DAY_COUNTERS)
        sums[0] += 1
        if effective:
            sums[1] += 1
            sums[3] += grade == sql.GRADES[0]
            sums[4] += grade == sql.GRADES[1]
            sums[5] += grade == sql.GRADES[2]
        sums[2] += outcome == "mailed"

    def flush(self) -> None:
        p = self.prefix
        projections: dict[str, Counter] = {name: Counter() for name in sql.FUNNEL_ROLLUPS}
        for (script_id, agent_id, industry, day, *item), n in self.items.items():
            projections["funnel_day"][(script_id, day, *item)] += n
            projections["funnel_day_agent"][(script_id, agent_id, day, *item)] += n
            projections["funnel_day_industry"][(script_id, industry, day, *item)] += n
        self.items.clear()
        for name, counts in projections.items():
            key = ("script_id", *sql.FUNNEL_ROLLUPS[name], "day", "node", "kind", "key", "outcome")
            self.conn.executemany(
                f"INSERT INTO {p}{name} ({', '.join(key)}, n) VALUES ({', '.join('?' * (len(key) + 1))}) "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = n + excluded.n",
                [(*k, n) for k, n in counts.items()],
            )
        self.conn.executemany(
            f"INSERT INTO {p}funnel_day_time (script_id, day, node, seconds, n) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (script_id, day, node, seconds) DO UPDATE SET n = n + excluded.n",
            [(*k, n) for k, n in self.times.items()],
        )
        self.times.clear()
        counters = sql.SCRIPT_DAY_COUNTERS
        self.conn.executemany(
            f"INSERT INTO {p}script_day (script_id, day, {', '.join(counters)}) "
            f"VALUES (?, ?, {', '.join('?' * len(counters))}) ON CONFLICT (script_id, day) DO UPDATE SET "
            + ", ".join(f"{c} = {c} + excluded.{c}" for c in counters),
            [(*k, *v) for k, v in self.script_day.items()],
        )
        self.script_day.clear()


_CALLS = """
    SELECT c.id, c.script_id, substr(c.started_at, 1, 10), c.agent_id, c.lead_id, COALESCE(l.industry, ''),
           COALESCE(c.outcome, ''), COALESCE(c.grade, ''),
           COALESCE(c.outcome NOT IN ({ne}), 0), c.started_at
    FROM calls c LEFT JOIN leads l ON l.id = c.lead_id
    WHERE c.ended_at IS NOT NULL ORDER BY c.id
"""
_EVENTS = f"""
    SELECT call_id, seq, kind, node, value, at FROM call_events
    WHERE kind IN ({_SESSION}) ORDER BY call_id, seq
"""


def fill(conn: sqlite3.Connection, prefix: str = "") -> int:
    """Fill the (empty) tables ``prefix``funnel_calls, the sums and the market answers from
    every finished call; returns the calls read. Inside the caller's transaction."""
    ne = ", ".join(f"'{o}'" for o in sorted(_NOT_EFFECTIVE))
    calls = conn.execute(_CALLS.format(ne=ne))
    events = iter(conn.cursor().execute(_EVENTS))
    pending = next(events, None)
    sums = _Sums(conn, prefix)
    batch: list[tuple] = []
    columns = "call_id, script_id, day, agent_id, lead_id, industry, outcome, grade, effective, items, times"
    insert = f"INSERT INTO {prefix}funnel_calls ({columns}) VALUES ({', '.join('?' * 11)})"
    count = 0
    for row in calls:
        call_id = row[0]
        log: list[Event] = []
        while pending is not None and pending[0] <= call_id:
            if pending[0] == call_id:
                log.append(pending[1:])
            pending = next(events, None)
        items, times = walk_rows(log, row[9])
        batch.append((*row[:9], _dumps(items), _dumps(times)))
        sums.add(row, items, times)
        count += 1
        if len(batch) >= FLUSH_EVERY:
            conn.executemany(insert, batch)
            batch.clear()
            sums.flush()
    conn.executemany(insert, batch)
    sums.flush()
    for statement in sql.market_fill_statements(prefix):
        conn.execute(statement)
    return count


def finish_migration(conn: sqlite3.Connection) -> None:
    """Migration 9 after its tables exist: fill them, then create the triggers."""
    fill(conn)
    for trigger in sql.TRIGGERS:
        conn.execute(trigger)


def rebuild(conn: sqlite3.Connection) -> None:
    """Recompute every analytics table from the calls (inside the caller's write transaction)."""
    for name in sql.TRIGGER_NAMES:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in sql.ANALYTICS_TABLES:
        conn.execute(f"DELETE FROM {table}")
    finish_migration(conn)


def fresh_copies(conn: sqlite3.Connection) -> None:
    """Compute every analytics table afresh into ``temp.fresh_*`` (the file is not written)."""
    drop_fresh_copies(conn)
    for statement in sql.table_statements(sql.FRESH_PREFIX):
        conn.execute(statement)
    fill(conn, sql.FRESH_PREFIX)


def drop_fresh_copies(conn: sqlite3.Connection) -> None:
    for table in sql.ANALYTICS_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {sql.FRESH_PREFIX}{table}")
