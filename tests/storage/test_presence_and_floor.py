"""Presence on the session rows, its log, the board's one-statement snapshot, and the actions taken
from the board (remarks, reassignment, closing a stale call): rows and audit entries."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from backends import sqlite_only

from callscript.core.access import Actor, AuditAction, PermissionDenied, Role
from callscript.core.presence import OFFLINE_AFTER, AgentState, PauseReason, Presence
from callscript.script.session import CallSession
from callscript.storage import ErrorCode, StorageError, Store
from callscript.storage.presence import HEARTBEAT_SQL
from storage.helpers import mini_script

T0 = datetime(2025, 3, 3, 10, 0).astimezone()  # a Monday


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def floor(db_location, clock):
    """王芳 and 李明 (agents), 赵主管 (supervisor); 王芳 has a callback and a pending follow-up."""
    script = mini_script()
    with Store.open(db_location, clock=clock, synchronous="NORMAL") as store:
        actors = {}
        for name, role in (("王芳", "agent"), ("李明", "agent"), ("赵主管", "supervisor")):
            account = store.add_account(name, role, "$argon2id$stand-in")
            agent_id = account.agent_id or store.link_account_agent(account.id)
            actors[name] = Actor(name, Role(role), "10.0.0.9", account.id, agent_id)
        sid = store.store_script_version(script)
        yield store, actors, sid


def a_callback_call(store: Store, agent: str, sid: int, phone: str, now: datetime) -> int:
    lead = store.add_lead(f"公司{phone[-2:]}", phone)
    call_id = store.start_call(lead.id, agent, sid, now=now)
    session = CallSession(mini_script(), {})
    store.record_event(call_id, session.choose("2"), now=now)
    store.finish_session(call_id, session, callback_due=now + timedelta(hours=1), now=now)
    return call_id


@sqlite_only  # the file's own instruments (PRAGMA, the statement trace, the query plan)
def test_schema_10_adds_presence_to_sessions_and_the_log_and_settings_tables(floor):
    store, _, _ = floor
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(app_sessions)")}
    assert {"state", "pause_reason", "call_id", "node", "node_title", "state_since", "idle_since"} <= columns
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"presence_log", "floor_settings"} <= tables
    assert store.schema_version == 10


@sqlite_only  # the file's own instruments (PRAGMA, the statement trace, the query plan)
def test_a_heartbeat_is_one_update_by_primary_key_and_a_change_logs_an_interval(floor, clock):
    store, _, _ = floor
    session = store.open_app_session("王芳")
    store.report_presence(Presence(AgentState.READY), changed=True)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    clock.advance(seconds=3)
    store.report_presence(Presence(AgentState.READY), changed=False)
    store.conn.set_trace_callback(None)
    writes = [s for s in statements if s.split()[0].upper() in ("UPDATE", "INSERT", "DELETE")]
    assert len(writes) == 1 and writes[0].startswith("UPDATE app_sessions SET last_seen_at")
    plan = store.conn.execute("EXPLAIN QUERY PLAN " + HEARTBEAT_SQL, ("x", None, None, 1)).fetchall()
    assert "USING INTEGER PRIMARY KEY" in plan[0][3]
    row = store.get_app_session(session.id)
    assert (row.state, row.last_seen_at, row.state_since) == ("ready", T0 + timedelta(seconds=3), T0)

    clock.advance(minutes=1)
    store.report_presence(Presence(AgentState.PAUSED, reason=PauseReason.LUNCH), changed=True)
    clock.advance(minutes=30)
    store.end_app_session()
    log = store.conn.execute(
        "SELECT state, pause_reason, started_at, ended_at FROM presence_log ORDER BY id"
    ).fetchall()
    assert [(r[0], r[1]) for r in log] == [("ready", None), ("paused", "lunch")]
    assert log[0][3] == log[1][2]  # one interval ends where the next begins
    assert log[1][3] is not None  # the exit closed the last one


def test_idle_since_runs_across_ready_and_lock_and_stops_at_a_call(floor, clock):
    store, _, _ = floor
    session = store.open_app_session("王芳")
    store.report_presence(Presence(AgentState.READY), changed=True)
    clock.advance(minutes=5)
    store.report_presence(Presence(AgentState.LOCKED), changed=True)
    assert store.get_app_session(session.id).idle_since == T0
    clock.advance(minutes=1)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=1, node="opening"), changed=True)
    assert store.get_app_session(session.id).idle_since is None
    clock.advance(minutes=1)
    store.report_presence(Presence(AgentState.LOCKED, call_id=1, node="opening"), changed=True)
    assert store.get_app_session(session.id).idle_since is None  # locked over a call is not idle
    store.report_presence(Presence(AgentState.READY), changed=True)
    assert store.get_app_session(session.id).idle_since == clock()


def test_a_crashed_apps_interval_ends_at_its_last_heartbeat(floor, clock):
    store, _, _ = floor
    dead_pid = _dead_pid()
    store.open_app_session("王芳", pid=dead_pid)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=9), changed=True)
    clock.advance(seconds=6)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=9), changed=False)
    last_seen = clock()
    clock.advance(hours=1)
    store.app_session_id = None
    store.open_app_session("王芳")  # the next app on the host ends the dead one
    ended = store.conn.execute("SELECT ended_at FROM presence_log WHERE state = 'in_call'").fetchone()[0]
    assert ended == last_seen.isoformat()
    days = store.presence_day(T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1))
    [(spans, intervals)] = days.values()
    assert len(spans) == 2 and intervals[0].state is AgentState.IN_CALL


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@sqlite_only  # the file's own instruments (PRAGMA, the statement trace, the query plan)
def test_the_snapshot_is_one_statement_and_reads_what_the_board_needs(floor, clock):
    store, actors, sid = floor
    a_callback_call(store, "李明", sid, "13800000011", T0 - timedelta(days=3))
    lead = store.add_lead("甲公司", "13800000012")
    call_id = store.start_call(lead.id, "王芳", sid, now=T0)
    store.open_app_session("王芳")
    store.report_presence(
        Presence(AgentState.IN_CALL, call_id=call_id, node="ask_travel", node_title="出差"), changed=True
    )
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    snap = store.floor_snapshot(
        day_start=T0.replace(hour=0),
        now=T0,
        days=[T0.date().isoformat()],
        previous_start=T0.replace(hour=0) - timedelta(days=3),
        previous_until=T0 - timedelta(days=3),
        overdue_before=T0 - timedelta(minutes=10),
    )
    store.conn.set_trace_callback(None)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    [session] = snap.sessions
    assert (session.state, session.node, session.node_title, session.company) == (
        "in_call",
        "ask_travel",
        "出差",
        "甲公司",
    )
    assert session.call_started_at == T0
    assert {a.name for a in snap.agents} == {"王芳", "李明", "赵主管"}
    assert {a.name: a.role for a in snap.agents}["赵主管"] == "supervisor"
    assert [(h.agent_id, h.hour, h.calls) for h in snap.hours] == [(actors["王芳"].agent_id, "10", 1)]
    assert snap.previous.calls == 0  # 李明's call was at 10:00 three days ago, not before 10:00
    last = {a.name: a.last_outcome for a in snap.agents}
    assert last["李明"] == "callback" and last["王芳"] is None


def test_only_the_floor_permission_reads_the_board(floor):
    store, actors, _ = floor
    plan = dict(
        day_start=T0.replace(hour=0),
        now=T0,
        days=[T0.date().isoformat()],
        previous_start=None,
        previous_until=None,
        overdue_before=T0,
    )
    with pytest.raises(PermissionDenied) as refused:
        store.acting_as(actors["王芳"]).floor_snapshot(**plan)
    assert refused.value.code == "not_permitted"
    assert store.acting_as(actors["赵主管"]).floor_snapshot(**plan).agents
    with pytest.raises(PermissionDenied):
        store.acting_as(actors["王芳"]).set_floor_setting("idle_minutes", 5)
    assert store.acting_as(actors["王芳"]).floor_settings() == {}  # an agent reads the pause maxima


def test_settings_are_checked_stored_and_audited(floor):
    store, actors, _ = floor
    boss = store.acting_as(actors["赵主管"])
    assert boss.set_floor_setting("pause_max_lunch", "45") == 45
    assert store.floor_settings() == {"pause_max_lunch": "45"}
    with pytest.raises(ValueError):
        boss.set_floor_setting("pause_max_lunch", "0")
    [entry] = store.audit_entries(action=AuditAction.FLOOR_SETTING)
    assert (entry.actor, entry.target, entry.detail) == ("赵主管", "setting:pause_max_lunch", {"from": None, "to": 45})


def test_remarks_from_the_board_are_written_and_audited(floor):
    store, actors, _ = floor
    boss = store.acting_as(actors["赵主管"])
    boss.set_day_review("王芳", T0.date(), strengths="开场有礼貌", weaknesses="语速快", suggestions="多问星级")
    review = store.day_review("王芳", T0.date())
    assert (review.strengths, review.weaknesses, review.suggestions) == ("开场有礼貌", "语速快", "多问星级")
    [entry] = store.audit_entries(action=AuditAction.REMARK)
    assert (entry.actor, entry.target, entry.detail) == ("赵主管", "agent:王芳", {"day": T0.date().isoformat()})
    with pytest.raises(PermissionDenied):
        store.acting_as(actors["李明"]).set_day_review("王芳", T0.date(), strengths="x")


def test_reassigning_an_absent_agents_work_moves_the_rows_and_is_audited(floor, clock):
    store, actors, sid = floor
    call_id = a_callback_call(store, "王芳", sid, "13800000021", T0 - timedelta(days=1))
    lead_id = store.get_call(call_id).lead_id
    mailed = store.add_lead("乙公司", "13800000022")
    mail_call = store.start_call(mailed.id, "王芳", sid, now=T0 - timedelta(days=2))
    store.finish_call(mail_call, "mailed", {"reached": True}, address="北京", now=T0 - timedelta(days=2))
    wang = store.open_app_session(actors["王芳"].agent_id)
    store.report_presence(Presence(AgentState.READY), changed=True)
    boss = store.acting_as(actors["赵主管"])

    with pytest.raises(StorageError) as refused:  # 王芳 is logged in and heard from
        boss.reassign_open_work("王芳", "李明")
    assert refused.value.code == ErrorCode.AGENT_PRESENT
    clock.advance(seconds=OFFLINE_AFTER.total_seconds() + 1)  # silent for longer than OFFLINE_AFTER: 离线
    moved = boss.reassign_open_work("王芳", "李明")
    assert (moved.callbacks, moved.follow_ups, moved.leads) == (1, 1, 2)
    li = actors["李明"].agent_id
    assert [cb.agent_id for cb in store.callbacks()] == [li]
    assert [m.agent_id for m in store.mailings(pending_only=True)] == [li]
    assert store.get_lead(lead_id).assigned_agent_id == li and store.get_lead(mailed.id).assigned_agent_id == li
    [entry] = store.audit_entries(action=AuditAction.WORK_REASSIGNED)
    assert (entry.actor, entry.target) == ("赵主管", "agent:王芳")
    assert entry.detail == {"to": "李明", "callbacks": 1, "follow_ups": 1, "leads": 2}
    assert wang.id  # the session row itself is untouched
    with pytest.raises(PermissionDenied):
        store.acting_as(actors["李明"]).reassign_open_work("王芳", "李明")


def test_closing_a_stale_call_from_the_board_refuses_a_call_in_progress_and_is_audited(floor, clock):
    store, actors, sid = floor
    lead = store.add_lead("丙公司", "13800000031")
    call_id = store.start_call(lead.id, "王芳", sid, now=T0)
    session = CallSession(mini_script(), {})
    store.record_event(call_id, session.choose("1"), now=T0)  # 本人接听 → 出差
    store.record_event(call_id, session.choose("1"), now=T0)  # 经常出差
    store.open_app_session(actors["王芳"].agent_id)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=call_id, node=session.node_id), changed=True)
    boss = store.acting_as(actors["赵主管"])
    with pytest.raises(StorageError) as refused:
        boss.close_call_as(call_id, "not_qualified")
    assert refused.value.code == ErrorCode.CALL_IN_PROGRESS
    assert store.audit_entries(action=AuditAction.CALL_CLOSED) == []

    clock.advance(minutes=30)  # the app went away (crashed) half an hour ago
    record = boss.close_call_as(call_id, "not_qualified", note="坐席已下班")
    assert (record.outcome, record.recovered, record.facts["travel"]) == ("not_qualified", True, "often")
    assert store.unfinished_calls() == []
    notes = [e.value for e in store.call_events(call_id) if e.is_note]
    assert notes == ["坐席已下班"]
    [entry] = store.audit_entries(action=AuditAction.CALL_CLOSED)
    assert (entry.actor, entry.target) == ("赵主管", f"call:{call_id}")
    assert entry.detail == {"outcome": "not_qualified", "agent": "王芳", "note": "坐席已下班"}
    with pytest.raises(PermissionDenied):
        store.acting_as(actors["李明"]).close_call_as(call_id, "busy")


def test_presence_day_is_everyones_for_the_floor_and_ones_own_for_an_agent(floor, clock):
    store, actors, _ = floor
    for name in ("王芳", "李明"):
        store.app_session_id = None
        store.open_app_session(actors[name].agent_id)
        store.report_presence(Presence(AgentState.READY), changed=True)
    start, end = T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1)
    assert len(store.acting_as(actors["赵主管"]).presence_day(start, end)) == 2
    assert list(store.acting_as(actors["王芳"]).presence_day(start, end)) == [actors["王芳"].agent_id]
    with pytest.raises(PermissionDenied):
        store.acting_as(actors["王芳"]).presence_day(start, end, "李明")


def test_floor_hour_follows_every_change_of_the_calls(floor):
    """The board's hourly counts are kept by triggers: equal to a fresh count after calls are
    started, finished (有效, 寄资料, 好), closed, discarded and moved to another hour."""
    from callscript.storage.floor_tables import FRESH_COUNTS

    store, _, sid = floor

    def kept():
        return sorted(tuple(r) for r in store.conn.execute("SELECT * FROM floor_hour WHERE calls > 0"))

    def fresh():
        return sorted(tuple(r) for r in store.conn.execute(FRESH_COUNTS))

    ids = []
    for n in range(4):
        lead = store.add_lead(f"公司{n}", f"1380000040{n}")
        ids.append(store.start_call(lead.id, "王芳" if n % 2 else "李明", sid, now=T0 + timedelta(minutes=25 * n)))
    assert kept() == fresh() and len(kept()) == 3
    store.finish_call(ids[0], "mailed", {"reached": True}, address="北京", now=T0)
    store.finish_call(ids[1], "busy", {}, now=T0 + timedelta(minutes=30))
    store.close_call(ids[2], "refused")
    assert kept() == fresh()
    hour_10 = {
        r[0]: tuple(r[1:])
        for r in store.conn.execute("SELECT agent_id, calls, effective, mailed FROM floor_hour WHERE hour = '10'")
    }
    li, wang = store.get_agent("李明").id, store.get_agent("王芳").id
    assert hour_10 == {li: (2, 2, 1), wang: (1, 0, 0)}  # mailed + refused; busy is not 有效
    store.conn.execute("UPDATE calls SET started_at = ? WHERE id = ?", ((T0 + timedelta(hours=3)).isoformat(), ids[3]))
    store.discard_call(ids[3])  # a call opened by mistake (nothing answered) is deleted
    assert kept() == fresh()
    from callscript.reports.rebuild import differences, rebuild

    assert differences(store.conn) == []
    store.conn.execute("UPDATE floor_hour SET calls = calls + 5 WHERE hour = '10'")
    store.conn.commit()
    assert any(line.startswith("floor_hour") for line in differences(store.conn))  # db check --derived sees it
    rebuild(store.conn)
    assert differences(store.conn) == [] and kept() == fresh()
