"""The floor board read from a real database with a fake clock: states, node, call time, 离线
after 15 s of silence, the figures against the agent's own week, who may read it, every alert
at its threshold and not before, and ``callscript floor --json``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from storage.helpers import mini_script

from callscript.cli.main import cli
from callscript.core.access import Actor, PermissionDenied, Role
from callscript.core.floor_settings import FloorSettings
from callscript.core.presence import OFFLINE_AFTER, AgentState, PauseReason, Presence
from callscript.floor.alerts import AlertKind, low_effective
from callscript.floor.board import Plan, read_board
from callscript.script.session import CallSession
from callscript.storage import Store

T0 = datetime(2025, 3, 4, 10, 0).astimezone()  # a Tuesday: the Monday before is the previous working day


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
    """王芳 and 李明 (agents), 赵主管 (supervisor), on a fresh database with the mini script."""
    with Store.open(db_location, clock=clock, synchronous="NORMAL") as store:
        actors = {}
        for name, role in (("王芳", "agent"), ("李明", "agent"), ("赵主管", "supervisor")):
            account = store.add_account(name, role, "$argon2id$stand-in")
            agent_id = account.agent_id or store.link_account_agent(account.id)
            actors[name] = Actor(name, Role(role), "10.0.0.9", account.id, agent_id)
        yield store, actors, store.store_script_version(mini_script())


def kinds(board, name):
    return {a.kind for a in board.agent(name).alerts}


def test_an_agent_in_a_call_shows_the_node_and_the_call_time_then_goes_offline_when_silent(floor, clock):
    store, actors, sid = floor
    lead = store.add_lead("甲公司", "13800000001")
    call_id = store.start_call(lead.id, "王芳", sid, now=T0)
    store.open_app_session(actors["王芳"].agent_id)
    store.report_presence(
        Presence(AgentState.IN_CALL, call_id=call_id, node="ask_travel", node_title="出差"), changed=True
    )
    clock.advance(seconds=90)
    store.report_presence(
        Presence(AgentState.IN_CALL, call_id=call_id, node="ask_travel", node_title="出差"), changed=False
    )
    board = read_board(store, clock())
    wang = board.agent("王芳")
    assert (wang.state, wang.node, wang.node_title, wang.company) == (
        AgentState.IN_CALL,
        "ask_travel",
        "出差",
        "甲公司",
    )
    assert wang.call_seconds(clock()) == 90
    assert board.agent("李明").state is AgentState.OFFLINE  # an agent account with no app open is listed 离线
    assert "赵主管" not in {line.name for line in board.agents}  # a supervisor without calls is not
    assert board.totals.by_state == {AgentState.IN_CALL: 1, AgentState.OFFLINE: 1}

    clock.advance(seconds=OFFLINE_AFTER.total_seconds())
    assert read_board(store, clock()).agent("王芳").state is AgentState.IN_CALL  # OFFLINE_AFTER: still there
    clock.advance(seconds=1)
    gone = read_board(store, clock()).agent("王芳")
    assert (gone.state, gone.node, gone.since) == (AgentState.OFFLINE, None, T0 + timedelta(seconds=90))


def test_only_a_role_with_the_floor_permission_reads_the_board(floor):
    store, actors, _ = floor
    with pytest.raises(PermissionDenied):
        read_board(store.acting_as(actors["王芳"]), T0)
    assert {line.name for line in read_board(store.acting_as(actors["赵主管"]), T0).agents} == {"王芳", "李明"}


def test_today_against_the_agents_own_working_days_and_the_floor_against_the_same_time_yesterday(floor, clock):
    store, _, sid = floor
    for n, (when, outcome) in enumerate(
        (
            (T0 - timedelta(days=1, hours=1), "mailed"),  # Monday 09:00: before the same time
            (T0 - timedelta(days=1, hours=-2), "refused"),  # Monday 12:00: after it
            (T0 - timedelta(days=4), "mailed"),  # the Friday before
            (T0 - timedelta(minutes=30), "mailed"),  # today 09:30
        )
    ):
        lead = store.add_lead(f"公司{n}", f"1380000010{n}")
        call_id = store.start_call(lead.id, "王芳", sid, now=when)
        store.finish_call(
            call_id, outcome, {"reached": True}, address="北京" if outcome == "mailed" else None, now=when
        )
    board = read_board(store, T0)
    assert Plan.at(T0).previous_day == (T0 - timedelta(days=1)).date()
    wang = board.agent("王芳")
    assert (wang.today.leads, wang.today.mailed) == (1, 1)
    assert (wang.average.days, wang.average.sums.leads, wang.average.sums.mailed) == (2, 3, 2)
    assert wang.hours == {9: 1}
    assert wang.last_outcome == "mailed"
    assert (board.totals.today.calls, board.totals.previous.calls) == (1, 1)


def test_a_long_call_is_alerted_at_15_minutes_and_not_before(floor, clock):
    store, actors, sid = floor
    lead = store.add_lead("甲公司", "13800000001")
    call_id = store.start_call(lead.id, "王芳", sid, now=T0)
    store.open_app_session(actors["王芳"].agent_id)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=call_id, node="opening"), changed=True)
    clock.advance(minutes=14, seconds=59)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=call_id, node="opening"), changed=False)
    assert AlertKind.LONG_CALL not in kinds(read_board(store, clock()), "王芳")
    clock.advance(seconds=1)
    store.report_presence(Presence(AgentState.IN_CALL, call_id=call_id, node="opening"), changed=False)
    [alert] = read_board(store, clock()).agent("王芳").alerts
    assert (alert.kind, alert.since) == (AlertKind.LONG_CALL, T0 + timedelta(minutes=15))


def test_idle_and_a_pause_past_its_maximum_are_alerted_at_their_thresholds(floor, clock):
    store, actors, _ = floor
    store.open_app_session(actors["王芳"].agent_id)
    store.report_presence(Presence(AgentState.READY), changed=True)
    clock.advance(minutes=9, seconds=59)
    store.report_presence(Presence(AgentState.READY), changed=False)
    assert kinds(read_board(store, clock()), "王芳") == set()
    clock.advance(seconds=1)
    store.report_presence(Presence(AgentState.READY), changed=False)
    assert kinds(read_board(store, clock()), "王芳") == {AlertKind.IDLE}

    store.set_floor_setting("pause_max_rest", 5)  # the supervisor's maximum, not the default 15
    store.report_presence(Presence(AgentState.PAUSED, reason=PauseReason.REST), changed=True)
    paused_at = clock()
    clock.advance(minutes=4, seconds=59)
    store.report_presence(Presence(AgentState.PAUSED, reason=PauseReason.REST), changed=False)
    board = read_board(store, clock())
    assert (board.agent("王芳").reason, kinds(board, "王芳")) == (PauseReason.REST, set())
    clock.advance(seconds=1)
    store.report_presence(Presence(AgentState.PAUSED, reason=PauseReason.REST), changed=False)
    [alert] = read_board(store, clock()).agent("王芳").alerts
    assert (alert.kind, alert.since) == (AlertKind.PAUSE_OVER, paused_at + timedelta(minutes=5))


def test_a_callback_overdue_is_alerted_10_minutes_after_its_time_unless_it_is_being_called(floor, clock):
    store, _, sid = floor
    lead = store.add_lead("乙公司", "13800000002")
    call_id = store.start_call(lead.id, "李明", sid, now=T0 - timedelta(hours=1))
    session = CallSession(mini_script(), {})
    store.record_event(call_id, session.choose("2"), now=T0 - timedelta(hours=1))
    store.finish_session(call_id, session, callback_due=T0, now=T0 - timedelta(hours=1))
    assert AlertKind.CALLBACK_OVERDUE not in kinds(read_board(store, T0 + timedelta(minutes=9, seconds=59)), "李明")
    [alert] = read_board(store, T0 + timedelta(minutes=10)).agent("李明").alerts
    assert (alert.kind, alert.since) == (AlertKind.CALLBACK_OVERDUE, T0 + timedelta(minutes=10))
    store.start_call(lead.id, "李明", sid, now=T0 + timedelta(minutes=11))  # someone is calling it now
    assert AlertKind.CALLBACK_OVERDUE not in kinds(read_board(store, T0 + timedelta(minutes=12)), "李明")


def test_a_low_effective_rate_needs_the_sample_the_gap_and_the_test():
    settings = FloorSettings.defaults()  # at least 30 leads each side, 10 points, p < 0.05

    def alert(leads, effective, floor_leads, floor_effective, **changes):
        chosen = FloorSettings.from_stored({k: str(v) for k, v in changes.items()}) if changes else settings
        return low_effective(1, "王芳", leads, effective, floor_leads, floor_effective, T0, chosen)

    assert alert(30, 9, 130, 79).kind is AlertKind.LOW_EFFECTIVE  # 30 % against 70 %
    assert alert(29, 8, 129, 78) is None  # one lead short of the sample
    assert alert(30, 18, 130, 87) is None  # 60 % against 69 %: under 10 points
    assert alert(30, 18, 130, 87, effective_gap_points=5) is None  # 9 points: not significant with 30
    assert alert(300, 180, 1300, 870, effective_gap_points=5).kind is AlertKind.LOW_EFFECTIVE  # now it is


def test_floor_json_is_the_snapshot(floor, db_location):
    store, actors, sid = floor
    lead = store.add_lead("甲公司", "13800000001")
    call_id = store.start_call(lead.id, "王芳", sid)
    store.open_app_session(actors["王芳"].agent_id)
    store.report_presence(
        Presence(AgentState.IN_CALL, call_id=call_id, node="opening", node_title="开场"), changed=True
    )
    store.conn.commit()
    # the CLI's clock is the wall clock: write the heartbeat at the wall clock's now
    store.conn.execute("UPDATE app_sessions SET last_seen_at = ?", (datetime.now().astimezone().isoformat(),))
    store.conn.commit()
    result = CliRunner().invoke(cli, ["floor", "--json", "--db", str(db_location)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    wang = next(a for a in data["agents"] if a["agent"] == "王芳")
    assert (wang["state"], wang["state_label"], wang["node"], wang["node_title"]) == (
        "in_call",
        "通话中",
        "opening",
        "开场",
    )
    assert set(data["totals"]) >= {"calls", "effective", "mailed", "good", "previous", "by_state"}
    assert data["settings"]["long_call_minutes"] == 15


def test_floor_settings_lists_and_sets_and_floor_reassign_and_day_run(floor, db_location):
    store, actors, sid = floor
    db = str(db_location)
    runner = CliRunner()
    result = runner.invoke(cli, ["floor", "settings", "pause_max_lunch", "45", "--db", db])
    assert result.exit_code == 0 and "pause_max_lunch = 45" in result.output
    assert runner.invoke(cli, ["floor", "settings", "pause_max_lunch", "--db", db]).exit_code == 2  # KEY without VALUE
    assert runner.invoke(cli, ["floor", "settings", "pause_max_lunch", "0", "--db", db]).exit_code == 2
    listed = json.loads(runner.invoke(cli, ["floor", "settings", "--json", "--db", db]).output)
    assert listed["pause_max_lunch"] == 45 and listed["idle_minutes"] == 10

    lead = store.add_lead("乙公司", "13800000002")
    call_id = store.start_call(lead.id, "王芳", sid, now=T0)
    session = CallSession(mini_script(), {})
    store.record_event(call_id, session.choose("2"), now=T0)
    store.finish_session(call_id, session, callback_due=T0 + timedelta(days=1), now=T0)
    store.conn.commit()
    result = runner.invoke(cli, ["floor", "reassign", "王芳", "李明", "--db", db])
    assert result.exit_code == 0, result.output
    assert "1 callback(s)" in result.output
    assert [cb.agent_id for cb in store.callbacks()] == [actors["李明"].agent_id]
    day = runner.invoke(cli, ["floor", "day", "--date", T0.date().isoformat(), "--format", "json", "--db", db])
    assert day.exit_code == 0, day.output


@pytest.mark.parametrize("every", ["nan", "inf", "-1", "0.1", "61"])
def test_the_live_boards_refresh_interval_is_a_finite_number_in_range(tmp_path, every):
    result = CliRunner().invoke(cli, ["floor", "--every", every, "--db", str(tmp_path / "f.db")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "--every" in result.output
