"""The report tables are derived data: whatever happens to calls, callbacks and leads,
they must equal a fresh computation from the calls (and the definitional view)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callscript.reports.queries import daily, maintenance, open_db
from callscript.reports.rebuild import differences, rebuild
from callscript.script.loader import load_script
from callscript.storage import Store, connect
from callscript.storage.report_tables import SUM_COUNTERS_V6
from callscript.storage.schema import MIGRATIONS, migrate, schema_version
from reports.conftest import D1, D3, build_known_db

REPORTS_VERSION = next(m.version for m in MIGRATIONS if m.description.startswith("report tables"))


def view_vs_tables(conn: sqlite3.Connection) -> tuple[list, list]:
    """Per day and industry: the definitional view over calls, and the trigger-kept table
    (development only: a day and industry with maintenance calls alone is not in the view)."""
    view = conn.execute(
        """SELECT day, COALESCE(industry, ''), COUNT(*), SUM(effective), SUM(mailed),
                  SUM(CASE WHEN grade_rank = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN grade_rank = 2 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN grade_rank = 3 THEN 1 ELSE 0 END), SUM(calls)
           FROM daily_lead_outcomes GROUP BY 1, 2 ORDER BY 1, 2"""
    ).fetchall()
    table = conn.execute(
        """SELECT day, industry, SUM(leads), SUM(effective), SUM(mailed), SUM(good), SUM(fair), SUM(marginal), SUM(calls)
           FROM report_daily GROUP BY 1, 2 HAVING SUM(calls) > 0 ORDER BY 1, 2"""
    ).fetchall()
    return [tuple(int(v) if isinstance(v, float) else v for v in row) for row in view], table


def test_known_db_tables_agree_with_the_calls(conn):
    assert differences(conn) == []
    view, table = view_vs_tables(conn)
    assert view == table


def test_daily_views_follow_the_counting_rule(conn):
    rows = conn.execute(
        """SELECT industry, leads_called, effective, mailed, good, fair, marginal, mail_rate, effective_rate, good_rate,
                  calls, avg_call_seconds, callbacks_made FROM daily_industry WHERE day = '2025-03-03' ORDER BY COALESCE(industry, '')"""
    ).fetchall()
    assert rows == [
        (None, 1, 1, 0, 0, 0, 1, 0.0, 1.0, 0.0, 1, 180.0, 0),
        ("临时组织", 2, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, 2, 12.5, 0),
        ("医药保健业", 1, 1, 0, 0, 0, 0, 0.0, 1.0, 0.0, 2, 60.0, 0),  # L3's refusal was 有效
        ("金融业", 2, 2, 2, 1, 1, 0, 1.0, 1.0, 0.5, 4, 205.0, 1),
    ]
    # an agent whose only call on a lead was not its last: a row with 0 leads and NULL rates
    row = conn.execute(
        """SELECT leads_called, mail_rate, effective_rate, good_rate, calls FROM daily_agent_industry
           WHERE day = '2025-03-03' AND agent = '李娜' AND industry = '医药保健业'"""
    ).fetchone()
    assert row == (0, None, None, None, 1)
    lead = conn.execute(
        """SELECT agent, calls, effective, mailed, grade, last_outcome FROM daily_lead_outcomes
           WHERE day = '2025-03-03' AND lead_id = 3"""
    ).fetchone()
    assert lead == ("王芳", 2, 1, 0, None, "busy")


KINDS_VERSION = next(m.version for m in MIGRATIONS if m.description.startswith("calls marked development"))


@pytest.mark.parametrize("version", [REPORTS_VERSION - 1, KINDS_VERSION - 2])
def test_migrating_an_old_file_fills_the_report_tables(tmp_path, known_file, version):
    """A file at an older version (before the report tables; before calls were marked
    development/maintenance), with the same calls: after migrating, every call is marked as
    start_call would have marked it and the tables hold exactly what the triggers built in
    the known database."""
    old = tmp_path / "old.db"
    db = connect(old)
    migrate(db.conn, target=version, views=False)
    src = sqlite3.connect(known_file)
    for table in ("agents", "scripts", "leads", "calls", "callbacks", "mailings", "agent_day_reviews"):
        # the old file's columns (later versions add some: leads.department, calls.carried)
        columns = ", ".join(row[1] for row in db.conn.execute(f"PRAGMA table_info({table})"))
        rows = src.execute(f"SELECT {columns} FROM {table}").fetchall()
        if rows:
            db.conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({','.join('?' * len(rows[0]))})", rows)
    marks = src.execute("SELECT id, kind, follow_up_slot FROM calls ORDER BY id").fetchall()
    src.close()
    migrate(db.conn)
    assert schema_version(db.conn) >= KINDS_VERSION
    assert db.conn.execute("SELECT id, kind, follow_up_slot FROM calls ORDER BY id").fetchall() == marks
    assert differences(db.conn) == []
    fresh = open_db(known_file)
    for day in (D1, D3):
        for by in ("industry", "agent", "both"):
            assert daily(db.conn, day, by) == daily(fresh.conn, day, by)
        assert maintenance(db.conn, day) == maintenance(fresh.conn, day)
    fresh.close()
    db.close()


def test_rebuild_repairs_damaged_tables(db_location):
    """On both backends (PostgreSQL: the triggers' own functions recompute every table)."""
    path = build_known_db(db_location)
    db = open_db(path)
    db.conn.execute("UPDATE report_daily SET leads = leads + 5 WHERE industry = '金融业'")
    db.conn.execute("DELETE FROM report_lead_days WHERE industry = ''")  # (its trigger fixes report_daily)
    assert differences(db.conn)
    rebuild(db.conn)
    assert differences(db.conn) == []
    # the triggers are back after the rebuild
    db.conn.execute("UPDATE calls SET outcome = 'refused', grade = NULL WHERE id = 2")
    db.conn.execute("DELETE FROM mailings WHERE call_id = 2")  # 寄卡 is a mailing recorded, not the outcome
    assert differences(db.conn) == []
    assert daily(db.conn, D1).row(industry="金融业").counts.mailed == 1
    db.close()


# ------------------------------------------------------------------------------ random histories

OUTCOMES = ["invalid_number", "no_answer", "busy", "callback", "refused", "not_qualified", "mailed", "member_care"]
GRADES = [None, "好", "一般", "勉强", "特别"]  # a script may have a grade of its own: not counted
INDUSTRIES = [None, "金融业", "学校", ""]

KINDS = ["development", "maintenance"]
FACTS = [
    None,
    "{}",
    '{"materials_received": true}',
    '{"materials_received": false, "booked_on_call": true}',
    '{"booked_on_call": true, "materials_received": true, "reached": true}',
]

call_spec = st.tuples(
    st.integers(1, 4),  # lead
    st.integers(1, 3),  # agent
    st.integers(0, 2),  # day
    st.integers(8 * 3600, 19 * 3600),  # start second
    st.one_of(st.none(), st.integers(0, 900)),  # length (None: unfinished)
    st.sampled_from(OUTCOMES),
    st.sampled_from(GRADES),
    st.sampled_from(KINDS),
    st.booleans(),  # started in a follow-up slot
    st.sampled_from(FACTS),
)
_mailing = st.tuples(
    st.just("mailing"),
    st.integers(0, 30),  # the call that mailed
    st.one_of(st.none(), st.integers(0, 30)),  # the call that followed it up
    st.integers(-12, 2),  # window's first day, from the first day of the history
)
_callback_done = st.tuples(st.just("callback_done"), st.integers(0, 10), st.one_of(st.none(), st.integers(0, 30)))
operation = st.one_of(
    st.tuples(st.just("insert"), call_spec),
    st.tuples(st.just("insert"), call_spec),
    _callback_done,  # (listed three times: histories where a callback's maker changes are rare otherwise)
    _callback_done,
    st.tuples(st.just("finish"), st.integers(0, 30), st.sampled_from(OUTCOMES), st.sampled_from(GRADES)),
    st.tuples(st.just("regrade"), st.integers(0, 30), st.sampled_from(OUTCOMES), st.sampled_from(GRADES)),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(1, 4), st.integers(0, 2)),
    st.tuples(st.just("agent"), st.integers(0, 30), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("industry"), st.integers(1, 4), st.sampled_from(INDUSTRIES)),
    st.tuples(st.just("callback"), st.integers(0, 30), st.one_of(st.none(), st.integers(0, 30))),
    _callback_done,
    st.tuples(st.just("callback_delete"), st.integers(0, 10)),
    _mailing,
    _mailing,
    st.tuples(st.just("mailing_done"), st.integers(0, 10), st.one_of(st.none(), st.integers(0, 30))),
    st.tuples(st.just("mailing_call"), st.integers(0, 10), st.integers(0, 30)),
    st.tuples(st.just("mailing_window"), st.integers(0, 10), st.integers(-12, 2)),
    st.tuples(st.just("mailing_delete"), st.integers(0, 10)),
    st.tuples(st.just("kind"), st.integers(0, 30), st.sampled_from(KINDS)),
    st.tuples(st.just("facts"), st.integers(0, 30), st.sampled_from(FACTS)),
    st.tuples(st.just("slot"), st.integers(0, 30), st.booleans()),
)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("empty") / "empty.db"
    with Store.open(path, synchronous="OFF") as store:
        c = store.conn
        for agent_id in (1, 2, 3):
            c.execute("INSERT INTO agents (id, name, created_at) VALUES (?, ?, 'x')", (agent_id, f"A{agent_id}"))
        c.execute("INSERT INTO scripts (id, name, sha256, source_text, first_seen_at) VALUES (1, 's', 'h', 't', 'x')")
        for lead_id in (1, 2, 3, 4):
            c.execute(
                "INSERT INTO leads (id, company, phone, phone_norm, industry, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'x', 'x')",
                (lead_id, f"L{lead_id}", str(lead_id), str(lead_id), INDUSTRIES[lead_id % 3]),
            )
    return path


def _stamp(day: int, second: int) -> str:
    moment = datetime(2025, 3, 3) + timedelta(days=day, seconds=second)
    return moment.isoformat(timespec="seconds") + "+08:00"


def apply(conn: sqlite3.Connection, op: tuple) -> None:
    calls = [r[0] for r in conn.execute("SELECT id FROM calls ORDER BY id")]
    callbacks = [r[0] for r in conn.execute("SELECT id FROM callbacks ORDER BY id")]
    mailings = [r[0] for r in conn.execute("SELECT id FROM mailings ORDER BY id")]

    def mailing(i: int) -> int | None:
        return mailings[i % len(mailings)] if mailings else None

    def call(i: int) -> int | None:
        return calls[i % len(calls)] if calls else None

    kind = op[0]
    if kind == "insert":
        lead, agent, day, start, length, outcome, grade, kind, slot, facts = op[1]
        ended = _stamp(day, start + length) if length is not None else None
        conn.execute(
            "INSERT INTO calls (lead_id, agent_id, script_id, started_at, ended_at, outcome, grade, kind,"
            " follow_up_slot, facts) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
            (lead, agent, _stamp(day, start), ended, outcome if ended else None, grade, kind, int(slot), facts),
        )
    elif kind in ("finish", "regrade") and call(op[1]):
        row = conn.execute("SELECT started_at, ended_at FROM calls WHERE id = ?", (call(op[1]),)).fetchone()
        if kind == "finish" and row[1] is None:
            conn.execute(
                "UPDATE calls SET ended_at = ?, outcome = ?, grade = ? WHERE id = ?",
                (row[0], op[2], op[3], call(op[1])),
            )
        elif kind == "regrade" and row[1] is not None:
            conn.execute("UPDATE calls SET outcome = ?, grade = ? WHERE id = ?", (op[2], op[3], call(op[1])))
    elif kind == "move" and call(op[1]):
        row = conn.execute("SELECT started_at, ended_at FROM calls WHERE id = ?", (call(op[1]),)).fetchone()
        shift = timedelta(days=op[3])
        started = (datetime.fromisoformat(row[0]) + shift).isoformat(timespec="seconds")
        ended = (datetime.fromisoformat(row[1]) + shift).isoformat(timespec="seconds") if row[1] else None
        conn.execute(
            "UPDATE calls SET lead_id = ?, started_at = ?, ended_at = ? WHERE id = ?",
            (op[2], started, ended, call(op[1])),
        )
    elif kind == "agent" and call(op[1]):
        conn.execute("UPDATE calls SET agent_id = ? WHERE id = ?", (op[2], call(op[1])))
    elif kind == "delete" and call(op[1]):
        conn.execute("DELETE FROM callbacks WHERE call_id = ? OR done_call_id = ?", (call(op[1]), call(op[1])))
        conn.execute("DELETE FROM mailings WHERE call_id = ?", (call(op[1]),))
        conn.execute("UPDATE mailings SET follow_up_call_id = NULL WHERE follow_up_call_id = ?", (call(op[1]),))
        conn.execute("DELETE FROM calls WHERE id = ?", (call(op[1]),))
    elif kind == "industry":
        conn.execute("UPDATE leads SET industry = ? WHERE id = ?", (op[2], op[1]))
    elif kind == "callback" and call(op[1]):
        done = call(op[2]) if op[2] is not None else None
        lead = conn.execute("SELECT lead_id, agent_id FROM calls WHERE id = ?", (call(op[1]),)).fetchone()
        conn.execute(
            "INSERT INTO callbacks (call_id, lead_id, agent_id, due_at, created_at, done_call_id) "
            "VALUES (?, ?, ?, 'x', 'x', ?)",
            (call(op[1]), lead[0], lead[1], done),
        )
    elif kind == "callback_done" and callbacks:
        done = call(op[2]) if op[2] is not None else None
        conn.execute("UPDATE callbacks SET done_call_id = ? WHERE id = ?", (done, callbacks[op[1] % len(callbacks)]))
    elif kind == "callback_delete" and callbacks:
        conn.execute("DELETE FROM callbacks WHERE id = ?", (callbacks[op[1] % len(callbacks)],))
    elif kind == "mailing" and call(op[1]):
        lead, agent = conn.execute("SELECT lead_id, agent_id FROM calls WHERE id = ?", (call(op[1]),)).fetchone()
        first = datetime(2025, 3, 3) + timedelta(days=op[3])
        conn.execute(
            "INSERT INTO mailings (call_id, lead_id, agent_id, address, mailed_on, follow_up_from, follow_up_by,"
            " follow_up_call_id) VALUES (?, ?, ?, 'x', ?, ?, ?, ?)",
            (
                call(op[1]),
                lead,
                agent,
                (first - timedelta(days=7)).date().isoformat(),
                first.date().isoformat(),
                (first + timedelta(days=3)).date().isoformat(),
                call(op[2]) if op[2] is not None else None,
            ),
        )
    elif kind == "mailing_done" and mailings:
        done = call(op[2]) if op[2] is not None else None
        conn.execute("UPDATE mailings SET follow_up_call_id = ? WHERE id = ?", (done, mailing(op[1])))
    elif kind == "mailing_call" and mailings and call(op[2]):
        conn.execute("UPDATE mailings SET call_id = ? WHERE id = ?", (call(op[2]), mailing(op[1])))
    elif kind == "mailing_window" and mailings:
        first = (datetime(2025, 3, 3) + timedelta(days=op[2])).date()
        conn.execute(
            "UPDATE mailings SET follow_up_from = ?, follow_up_by = ? WHERE id = ?",
            (first.isoformat(), (first + timedelta(days=3)).isoformat(), mailing(op[1])),
        )
    elif kind == "mailing_delete" and mailings:
        conn.execute("DELETE FROM mailings WHERE id = ?", (mailing(op[1]),))
    elif kind == "kind" and call(op[1]):
        conn.execute("UPDATE calls SET kind = ? WHERE id = ?", (op[2], call(op[1])))
    elif kind == "facts" and call(op[1]):
        conn.execute("UPDATE calls SET facts = ? WHERE id = ?", (op[2], call(op[1])))
    elif kind == "slot" and call(op[1]):
        conn.execute("UPDATE calls SET follow_up_slot = ? WHERE id = ?", (int(op[2]), call(op[1])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, min_size=1, max_size=40))
def test_random_histories_keep_the_tables_exact(empty_db, tmp_path, ops):
    path = tmp_path / "h.db"
    shutil.copy(empty_db, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for op in ops:
        apply(conn, op)
    assert differences(conn) == []
    view, table = view_vs_tables(conn)
    assert view == [row for row in table]
    # the sum tables never keep a row with no calls, and no counter goes negative
    for table in ("report_daily", "report_day_industry", "report_day_agent"):
        negative = " OR ".join(f"{c} < 0" for c in SUM_COUNTERS_V6)
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE calls + m_calls <= 0 OR {negative}").fetchone()[0] == 0
    conn.close()
    path.unlink()


def test_store_flow_counts_callbacks_made_and_follow_ups(tmp_path):
    """Through the real storage API: a callback, then the call that honours it, then a mailing."""
    from callscript.reports.due import due_list

    script = load_script(__import__("callscript.reports.demo", fromlist=["x"]).demo_script_path())
    t0 = datetime(2025, 3, 3, 10, 0).astimezone()
    with Store.open(tmp_path / "s.db", synchronous="OFF") as store:
        agent = store.ensure_agent("王芳")
        lead = store.add_lead(company="甲公司", phone="13812345678", industry="金融业")
        script_id = store.store_script_version(script)
        call1 = store.start_call(lead.id, agent.id, script_id, now=t0)
        store.finish_call(
            call1, "callback", {"reached": True}, callback_due=t0 + timedelta(hours=5), now=t0 + timedelta(minutes=2)
        )
        call2 = store.start_call(lead.id, agent.id, script_id, now=t0 + timedelta(hours=5))
        facts = {
            "reached": True,
            "travel": "often",
            "books_self": True,
            "hotel_star": 4,
            "accepts": "yes",
            "address": "上海市长宁区金钟路968号",
        }
        store.finish_call(
            call2, "mailed", facts, script.grading.evaluate(facts), now=t0 + timedelta(hours=5, minutes=6)
        )
        report = daily(store.conn, t0.date())
        counts = report.row(industry="金融业").counts
        assert (counts.leads, counts.effective, counts.mailed, counts.good, counts.calls, counts.callbacks_made) == (
            1,
            1,
            1,
            1,
            2,
            1,
        )
        assert counts.avg_call_seconds == (120 + 360) / 2
        due = due_list(store.conn, t0 + timedelta(days=7))
        assert [(i.kind, i.status, i.grade) for i in due.items] == [("follow_up", "due", "好")]
        assert differences(store.conn) == []


def test_each_kind_of_change_is_followed(empty_db, tmp_path):
    """One step of every kind the triggers handle, checked after each step."""
    path = tmp_path / "steps.db"
    shutil.copy(empty_db, path)
    conn = sqlite3.connect(path, isolation_level=None)
    steps = [
        ("insert", (1, 1, 0, 9 * 3600, 60, "callback", None, "development", False, None)),  # call 1
        ("insert", (1, 2, 0, 15 * 3600, 300, "mailed", "好", "development", False, None)),  # call 2: same lead, day
        ("insert", (2, 1, 0, 10 * 3600, None, "no_answer", None, "development", False, None)),  # call 3: unfinished
        ("finish", 2, "refused", None),  # call 3 finished
        ("callback", 0, 1),  # callback of call 1, made by call 2
        ("callback_done", 0, 2),  # made by call 3 instead
        ("callback_done", 0, None),  # not made after all
        ("callback", 0, 1),  # made by call 2 again
        ("callback_delete", 1),
        ("callback", 0, 1),
        ("industry", 1, "学校"),  # lead 1's rows move industry
        ("industry", 1, None),
        ("agent", 1, 3),  # call 2's agent
        ("regrade", 1, "no_answer", None),  # the last call of the day is no longer effective
        ("move", 1, 1, 1),  # call 2 to the next day: call 1 is the day's last again
        ("move", 0, 2, 0),  # call 1 to another lead
        ("mailing", 1, None, -1),  # call 2 mailed: 寄卡 on its day
        ("insert", (1, 3, 1, 17 * 3600 + 1900, 200, "member_care", "好", "maintenance", True, FACTS[4])),  # call 4
        ("mailing_done", 0, 3),  # followed up by call 4: in the window (day 1), in a slot
        ("mailing_window", 0, 2),  # the window moved: call 4 was early
        ("slot", 3, False),
        ("facts", 3, FACTS[2]),
        ("kind", 3, "development"),  # call 4 counted as development now
        ("mailing_call", 0, 0),  # the mailing was call 1's
        ("mailing_done", 0, None),
        ("mailing_delete", 0),
        ("delete", 1),  # call 2 (and the callbacks it made)
        ("delete", 0),
    ]
    for step in steps:
        apply(conn, step)
        assert differences(conn) == [], step
        view, table = view_vs_tables(conn)
        assert view == table, step
    conn.close()
