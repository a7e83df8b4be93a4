"""callscript.core.presence and floor_settings: states, 离线 after three missed heartbeats (30 s), the day's figures, the settings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from callscript.core.floor_settings import BY_KEY, SETTINGS, FloorSettings, parse_setting
from callscript.core.presence import (
    HEARTBEAT_SECONDS,
    OFFLINE_AFTER,
    AgentState,
    PauseReason,
    Presence,
    SessionSpan,
    StateInterval,
    day_figures,
    idle,
    merge,
    seen_state,
    subtract,
)

T = datetime(2026, 3, 2, 9, 0).astimezone()
DAY_START = T.replace(hour=0)
DAY_END = DAY_START + timedelta(days=1)


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def test_a_session_is_offline_after_three_missed_heartbeats_of_silence_or_once_ended():
    assert timedelta(seconds=3 * HEARTBEAT_SECONDS) == OFFLINE_AFTER == timedelta(seconds=30)
    assert seen_state("in_call", T, None, T + OFFLINE_AFTER) is AgentState.IN_CALL
    assert seen_state("in_call", T, None, T + OFFLINE_AFTER + timedelta(seconds=1)) is AgentState.OFFLINE
    assert seen_state("ready", T, T, T) is AgentState.OFFLINE
    assert seen_state(None, T, None, T) is AgentState.READY  # an app from before presence


def test_a_presence_is_consistent():
    with pytest.raises(ValueError):
        Presence(AgentState.PAUSED)  # a pause needs its reason
    with pytest.raises(ValueError):
        Presence(AgentState.READY, reason=PauseReason.LUNCH)
    with pytest.raises(ValueError):
        Presence(AgentState.OFFLINE)  # nobody reports being offline
    a = Presence(AgentState.IN_CALL, call_id=3, node="opening", node_title="开场白")
    b = Presence(AgentState.IN_CALL, call_id=3, node="ask_star", node_title="酒店星级")
    assert a.state_key == b.state_key  # a new node is the same interval
    assert a.state_key != Presence(AgentState.IN_CALL, call_id=4).state_key  # another call is not


def test_idle_is_ready_or_locked_without_a_call():
    assert idle(AgentState.READY, None)
    assert idle(AgentState.LOCKED, None)
    assert not idle(AgentState.LOCKED, 7)
    assert not idle(AgentState.IN_CALL, 7) and not idle(AgentState.PAUSED, None)


def test_spans_merge_and_subtract():
    assert merge([(at(0), at(10)), (at(5), at(20)), (at(30), at(40)), (at(40), at(41))]) == [
        (at(0), at(20)),
        (at(30), at(41)),
    ]
    assert subtract([(at(0), at(60))], [(at(10), at(20)), (at(30), at(40))]) == [
        (at(0), at(10)),
        (at(20), at(30)),
        (at(40), at(60)),
    ]


def test_the_day_in_figures():
    """09:00 login; 10 min ready, 20 min call, 5 min wrap-up, 60 min lunch, 25 min call, 10 min
    wrap-up; logout at 11:10 … (times from the log), occupancy = (talk + wrap) / logged in."""
    session = SessionSpan(1, at(0), at(130), at(130))
    log = [
        StateInterval(1, AgentState.READY, at(0), at(10)),
        StateInterval(1, AgentState.IN_CALL, at(10), at(30)),
        StateInterval(1, AgentState.WRAP_UP, at(30), at(35)),
        StateInterval(1, AgentState.PAUSED, at(35), at(95), PauseReason.LUNCH),
        StateInterval(1, AgentState.IN_CALL, at(95), at(120)),
        StateInterval(1, AgentState.WRAP_UP, at(120), at(130)),
    ]
    f = day_figures([session], log, DAY_START, DAY_END, at(300))
    assert (f.login, f.logout) == (at(0), at(130))
    assert (f.logged_in, f.talk, f.wrap_up, f.ready) == (130 * 60, 45 * 60, 15 * 60, 10 * 60)
    assert f.paused == {PauseReason.LUNCH: 60 * 60} and f.pause_total == 3600
    assert f.occupancy == pytest.approx(60 / 130)


def test_a_crashed_app_counts_until_its_last_heartbeat_and_a_live_one_until_now():
    crashed = SessionSpan(1, at(0), at(50))  # never ended, silent since 09:50
    log = [StateInterval(1, AgentState.IN_CALL, at(0))]  # left open by the crash
    f = day_figures([crashed], log, DAY_START, DAY_END, at(120))
    assert (f.logged_in, f.talk, f.logout) == (50 * 60, 50 * 60, at(50))
    live = SessionSpan(1, at(0), at(120) - timedelta(seconds=3))
    f = day_figures([live], log, DAY_START, DAY_END, at(120))
    assert (f.logged_in, f.talk, f.logout) == (120 * 60, 120 * 60, None)  # still logged in


def test_two_windows_count_once_and_wrap_up_under_a_call_counts_as_talk():
    a = SessionSpan(1, at(0), at(60), at(60))
    b = SessionSpan(2, at(30), at(90), at(90))
    log = [
        StateInterval(1, AgentState.IN_CALL, at(0), at(60)),
        StateInterval(2, AgentState.WRAP_UP, at(30), at(90)),
    ]
    f = day_figures([a, b], log, DAY_START, DAY_END, at(200))
    assert (f.logged_in, f.talk, f.wrap_up) == (90 * 60, 60 * 60, 30 * 60)
    assert f.occupancy == 1.0


def test_a_session_over_midnight_counts_inside_the_day_only():
    night = SessionSpan(
        1, DAY_START - timedelta(hours=1), DAY_START + timedelta(hours=1), DAY_START + timedelta(hours=1)
    )
    log = [StateInterval(1, AgentState.READY, DAY_START - timedelta(hours=1), DAY_START + timedelta(hours=1))]
    f = day_figures([night], log, DAY_START, DAY_END, at(600))
    assert (f.login, f.logged_in, f.ready) == (DAY_START, 3600, 3600)


def test_no_session_no_figures():
    f = day_figures([], [], DAY_START, DAY_END, at(0))
    assert (f.login, f.logout, f.logged_in, f.occupancy) == (None, None, 0.0, None)


def test_floor_settings_defaults_bounds_and_stored_values():
    defaults = FloorSettings.defaults()
    assert defaults["long_call_minutes"] == 15 and defaults["idle_minutes"] == 10
    assert defaults["callback_overdue_minutes"] == 10
    assert defaults.pause_minutes(PauseReason.LUNCH) == 60
    assert {s.key for s in SETTINGS} >= {f"pause_max_{r.value}" for r in PauseReason}
    assert parse_setting("long_call_minutes", " 20 ") == 20
    for key, value in (("long_call_minutes", "0"), ("long_call_minutes", "abc"), ("nope", "3")):
        with pytest.raises(ValueError):
            parse_setting(key, value)
    assert BY_KEY["effective_min_leads"].low == 30  # the two-proportion test's own minimum
    stored = FloorSettings.from_stored({"idle_minutes": "5", "long_call_minutes": "garbage"})
    assert stored["idle_minutes"] == 5 and stored["long_call_minutes"] == 15
    assert stored.changed() == {"idle_minutes": 5}
