"""Random walks of the shipped script through CallSession: the funnel adds up.

For every generated floor (a few dozen calls walked at random, going back now and
then, ending with Ctrl+E now and then, some left unfinished as if the app crashed):

* the funnel's totals equal the number of calls, and its outcomes equal the daily
  table's (every call is on a lead of its own, so a lead-day is a call);
* every node's arrivals are the session's own final path, and every call ends or is
  left at the last question node of that path;
* each call's stored items and visit times equal a plain stack replay of its log
  (:func:`replay`, written here independently of the SQL);
* the trigger-kept tables equal a fresh computation, after the walks and after
  random edits of finished calls, and a file migrated from before the analytics
  tables holds the same rows as one whose triggers saw every call.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage.helpers import finish_kwargs, random_step

from callscript.core.outcomes import NOT_EFFECTIVE
from callscript.reports.funnel import funnel
from callscript.reports.queries import daily
from callscript.reports.rebuild import analytics_differences
from callscript.script.loader import load_script
from callscript.script.model import END
from callscript.script.session import CallSession, Event
from callscript.storage import Store, connect
from callscript.storage.analytics_tables import ANALYTICS_TABLES, ENTER_KEY, SKIP_KEY, walk_items_select
from callscript.storage.schema import MIGRATIONS, migrate

ROOT = Path(__file__).resolve().parents[2]
CTRIP = load_script(ROOT / "scripts" / "ctrip.yaml")
DAY = datetime.fromisoformat("2025-03-04T09:00:00+08:00")
_files = itertools.count()
ANALYTICS_VERSION = next(m.version for m in MIGRATIONS if m.description.startswith("script analytics"))
INDUSTRIES = ["金融业", "医药保健业", None]


def walk_floor(
    store: Store, seed: int, calls: int
) -> list[tuple[int, CallSession, list[tuple[Event, datetime]], bool]]:
    """``calls`` random walks, one lead each, one day; returns (call id, session, timed events, finished)."""
    rng = random.Random(seed)
    store.add_leads(
        [{"company": f"公司{seed}-{i}", "phone": f"139{i:08d}", "industry": INDUSTRIES[i % 3]} for i in range(calls)],
        now=DAY - timedelta(days=1),
    )
    script_id = store.store_script_version(CTRIP, now=DAY)
    agents = ["王芳", "李娜", "张伟"]
    out = []
    t = DAY
    for lead in sorted(store.list_leads(), key=lambda lead: lead.id):
        call_id = store.start_call(lead.id, agents[lead.id % 3], script_id, now=t)
        session = CallSession(CTRIP)
        events = []
        crash_after = rng.randrange(1, 25) if rng.random() < 0.15 else None
        while not session.finished and (crash_after is None or len(events) < crash_after):
            t += timedelta(seconds=rng.randint(0, 40))
            event = random_step(session, rng, back_rate=0.15, end_rate=0.03)
            store.record_event(call_id, event, now=t)
            events.append((event, t))
        finished = crash_after is None or (session.finished and rng.random() < 0.5)
        if finished:
            t += timedelta(seconds=rng.randint(1, 5))
            store.finish_session(call_id, session, now=t, **finish_kwargs(session, t))
        out.append((call_id, session, [(e, at) for e, at in events], finished))
        t += timedelta(seconds=rng.randint(5, 60))
    return out


def _key(event: Event) -> str:
    return {"choose": event.value or "", "enter": ENTER_KEY, "skip": SKIP_KEY}.get(event.kind, "")


def replay(events: list[tuple[Event, datetime]], started: datetime) -> tuple[Counter, Counter]:
    """The call's items and visit times by a plain stack (the definition in words, in Python)."""
    session = CallSession(CTRIP)
    moves: list[Event] = []
    visits: list[list] = [[CTRIP.start, 0]]  # the stack of visits: node, seconds so far
    times: Counter = Counter()
    items: Counter = Counter()
    before = started
    for event, at in events:
        visits[-1][1] += max(0, int((at - before).total_seconds()))
        before = at
        session.apply(event)
        if event.kind == "back":
            node, seconds = visits.pop()
            times[(node, seconds)] += 1  # an undone visit: closed by the back
            moves.pop()
            items[("back", event.node, "")] += 1
        else:
            moves.append(event)
            visits.append([session.node_id, 0])
    for node, seconds in visits[:-1]:  # each left by a move that stands
        times[(node, seconds)] += 1
    for i, move in enumerate(moves):
        if move.kind == "end":
            items[("end", move.node, "")] += 1
        else:
            items[("stop" if i == len(moves) - 1 else "go", move.node, _key(move))] += 1
    if not moves:
        items[("stop", "", "")] += 1
    return items, times


def stored(conn: sqlite3.Connection, call_id: int, finished: bool) -> tuple[Counter, Counter]:
    if finished:
        row = conn.execute("SELECT items, times FROM funnel_calls WHERE call_id = ?", (call_id,)).fetchone()
    else:
        found = conn.execute(walk_items_select("e.call_id = :call"), {"call": call_id}).fetchone()
        row = found[1:] if found else ('[["stop","",""]]', "[]")
    return Counter(tuple(i) for i in json.loads(row[0])), Counter(tuple(t) for t in json.loads(row[1]))


def last_question(session: CallSession) -> str:
    return [node for node in session.path if CTRIP.nodes[node].kind != END][-1]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), calls=st.integers(1, 30))
def test_random_walks_add_up(tmp_path, seed, calls):
    path = tmp_path / f"walk-{next(_files)}.db"  # (hypothesis reuses tmp_path for every example)
    with Store.open(path, synchronous="OFF") as store:
        walks = walk_floor(store, seed, calls)
        conn = store.conn
        f = funnel(conn)
        finished = [s for _, s, _, done in walks if done]
        # totals: every call once; the outcomes are the daily table's
        assert f.calls == calls and f.unfinished == calls - len(finished)
        assert sum(n.ended_total + n.left for n in f.nodes) == calls
        outcomes = Counter(s.outcome for s in finished)
        assert f.ended_by_outcome() == outcomes
        table = daily(conn, DAY.date())
        assert table.total.calls == table.total.leads == len(finished)
        # 寄卡: a call that recorded a mailing — mailed, or a member's new card (member_care with an address)
        mailings = sum(
            1 for s in finished if s.outcome == "mailed" or (s.outcome == "member_care" and s.facts.get("address"))
        )
        assert table.total.mailed == mailings
        assert table.total.effective == sum(n for o, n in outcomes.items() if o not in {x.value for x in NOT_EFFECTIVE})
        # nodes: arrivals are the final paths; calls end where their path's last question is
        arrivals = Counter(node for _, s, _, _ in walks for node in s.path if CTRIP.nodes[node].kind != END)
        ended = Counter((last_question(s), s.outcome) for _, s, _, done in walks if done)
        left = Counter(last_question(s) for _, s, _, done in walks if not done)
        for n in f.nodes:
            assert n.arrivals == arrivals.get(n.node, 0), n.node
            assert n.arrivals == n.went_on + n.ended_total + n.left, n.node
            assert dict(n.ended) == {o: k for (node, o), k in ended.items() if node == n.node}, n.node
            assert n.left == left.get(n.node, 0), n.node
        # each call's log, read by SQL, is the stack replay
        for call_id, _session, events, done in walks:
            started = datetime.fromisoformat(
                conn.execute("SELECT started_at FROM calls WHERE id = ?", (call_id,)).fetchone()[0]
            )
            assert stored(conn, call_id, done) == replay(events, started), call_id
        assert analytics_differences(conn) == []


def _edit(conn: sqlite3.Connection, rng: random.Random) -> None:
    """One random edit of finished calls and their logs, as a repair script might make."""
    calls = [r[0] for r in conn.execute("SELECT id FROM calls WHERE ended_at IS NOT NULL ORDER BY id")]
    leads = [r[0] for r in conn.execute("SELECT id FROM leads ORDER BY id")]
    if not calls:
        return
    call = rng.choice(calls)
    kind = rng.choice(["industry", "outcome", "move", "agent", "delete", "event", "event_delete", "day", "facts"])
    if kind == "industry":
        conn.execute(
            "UPDATE leads SET industry = ? WHERE id = ?", (rng.choice(["学校", None, "金融业"]), rng.choice(leads))
        )
    elif kind == "outcome":
        conn.execute(
            "UPDATE calls SET outcome = ?, grade = ? WHERE id = ?",
            (rng.choice(["refused", "mailed", "busy"]), rng.choice([None, "好"]), call),
        )
    elif kind == "move":
        conn.execute("UPDATE calls SET lead_id = ? WHERE id = ?", (rng.choice(leads), call))
    elif kind == "agent":
        conn.execute(
            "UPDATE calls SET agent_id = (SELECT id FROM agents ORDER BY random() LIMIT 1) WHERE id = ?", (call,)
        )
    elif kind == "delete":
        for table in ("callbacks", "mailings"):
            conn.execute(f"DELETE FROM {table} WHERE call_id = ?", (call,))
        conn.execute("UPDATE callbacks SET done_call_id = NULL WHERE done_call_id = ?", (call,))
        conn.execute("UPDATE mailings SET follow_up_call_id = NULL WHERE follow_up_call_id = ?", (call,))
        conn.execute("UPDATE leads SET active_call_id = NULL WHERE active_call_id = ?", (call,))
        conn.execute("DELETE FROM call_events WHERE call_id = ?", (call,))
        conn.execute("DELETE FROM calls WHERE id = ?", (call,))
    elif kind == "event":
        conn.execute(
            "INSERT INTO call_events (call_id, seq, at, kind, node, value) "
            "SELECT ?, COALESCE(MAX(seq), 0) + 1, '2025-03-04T18:00:00+08:00', 'back', 'opening', NULL "
            "FROM call_events WHERE call_id = ?",
            (call, call),
        )
    elif kind == "event_delete":
        conn.execute("DELETE FROM call_events WHERE id = (SELECT MAX(id) FROM call_events WHERE call_id = ?)", (call,))
    elif kind == "day":
        conn.execute("UPDATE calls SET started_at = '2025-03-05T10:00:00+08:00' WHERE id = ?", (call,))
    elif kind == "facts":
        facts = json.dumps({"booking_method": rng.choice(["agreement", "member"]), "hotel_star": rng.randint(1, 5)})
        conn.execute("UPDATE calls SET facts = ? WHERE id = ?", (facts, call))


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("walked") / "walked.db"
    with Store.open(path, synchronous="OFF") as store:
        walk_floor(store, 2025, 40)
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), edits=st.integers(1, 12))
def test_edits_of_finished_calls_keep_the_tables_exact(walked, tmp_path, seed, edits):
    path = tmp_path / f"edit-{next(_files)}.db"
    shutil.copy(walked, path)
    rng = random.Random(seed)
    db = connect(path)
    try:
        for _ in range(edits):
            _edit(db.conn, rng)
        assert analytics_differences(db.conn) == []
    finally:
        db.close()


def test_migrating_an_old_file_fills_the_same_rows(tmp_path, walked):
    """A file at the schema before the analytics tables, with the same calls and logs:
    after migrating, every analytics table holds exactly the rows the triggers built."""
    old = tmp_path / "old.db"
    db = connect(old)
    migrate(db.conn, target=ANALYTICS_VERSION - 1, views=False)
    src = sqlite3.connect(walked)
    db.conn.execute("PRAGMA foreign_keys = OFF")  # leads name their active call before the calls are copied
    db.conn.execute("BEGIN")
    for table in ("agents", "scripts", "leads", "calls", "call_events", "callbacks", "mailings"):
        rows = src.execute(f"SELECT * FROM {table}").fetchall()
        columns = [d[1] for d in src.execute(f"PRAGMA table_info({table})")]
        if rows:
            db.conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
            )
    db.conn.execute("COMMIT")
    db.conn.execute("PRAGMA foreign_keys = ON")
    migrate(db.conn)
    for table in ANALYTICS_TABLES:
        got = db.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5").fetchall()
        want = src.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5").fetchall()
        assert got == want, table
    assert analytics_differences(db.conn) == []
    src.close()
    db.close()


# --------------------------------------------------------------------------- the two definitions agree

_event = st.tuples(
    st.sampled_from(["choose", "enter", "skip", "back", "end", "note"]),
    st.sampled_from(["a", "b", "开场", None]),
    st.sampled_from(["1", "2", "x", None]),
    st.one_of(st.integers(0, 120), st.none()),  # seconds after the one before; None: a stamp that is no time
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    path = tmp_path_factory.mktemp("scratch") / "s.db"
    store = Store.open(path, synchronous="OFF")
    c = store.conn
    c.execute("INSERT INTO agents (id, name, created_at) VALUES (1, 'A', 'x')")
    c.execute("INSERT INTO scripts (id, name, sha256, source_text, first_seen_at) VALUES (1, 's', 'h', 't', 'x')")
    c.execute(
        "INSERT INTO leads (id, company, phone, phone_norm, created_at, updated_at) VALUES (1, 'L', '1', '1', 'x', 'x')"
    )
    yield c
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(log=st.lists(_event, max_size=14))
def test_the_fill_writes_exactly_what_the_triggers_write_for_any_log(scratch, log):
    """The migration's Python fill and the triggers' SQL are one definition written twice:
    for any log — a back at the start, an end in the middle, a stamp that is no time — the
    same items and times, to the character."""
    from callscript.storage.analytics_fill import walk

    c = scratch
    c.execute("BEGIN")
    call = c.execute(
        "INSERT INTO calls (lead_id, agent_id, script_id, started_at) VALUES (1, 1, 1, '2025-03-03T09:00:00+08:00')"
    ).lastrowid
    t = datetime.fromisoformat("2025-03-03T09:00:00+08:00")
    rows = []
    for seq, (kind, node, value, seconds) in enumerate(log, 1):
        if seconds is None:
            at = "然后"
        else:
            t += timedelta(seconds=seconds)
            at = t.isoformat()
        c.execute(
            "INSERT INTO call_events (call_id, seq, at, kind, node, value) VALUES (?, ?, ?, ?, ?, ?)",
            (call, seq, at, kind, node, value),
        )
        if kind != "note":
            rows.append((seq, kind, node, value, at))
    c.execute("UPDATE calls SET ended_at = '2025-03-03T10:00:00+08:00', outcome = 'refused' WHERE id = ?", (call,))
    kept = c.execute("SELECT items, times FROM funnel_calls WHERE call_id = ?", (call,)).fetchone()
    c.execute("ROLLBACK")
    assert kept == walk(rows, "2025-03-03T09:00:00+08:00")
