"""The floor board's alerts: each a rule over one agent's line, with its threshold from the
supervisor's settings (:mod:`callscript.core.floor_settings`).

Every rule fires **at** its threshold (a call of exactly 15:00 is "too long" at the default
15 minutes; one of 14:59 is not) and each alert says since when it holds, so a board that
refreshes every 2 s shows the same alert with the same start until it is over.

* 通话过长 — a call not yet at its outcome (通话中, or locked over it) has run ``long_call_minutes``;
* 空闲过久 — logged in and idle (就绪, or locked with no call) for ``idle_minutes``, counted
  from the end of the last call, pause or wrap-up;
* 回电逾期 — a callback booked for today is ``callback_overdue_minutes`` past its time and
  nobody is calling it (the lead is not in a call); earlier days' misses are the due list's;
* 有效率偏低 — the agent's 有效率 today is "far" below the rest of the floor's: the agent has
  called at least ``effective_min_leads`` leads, the rest of the floor at least as many,
  the gap is at least ``effective_gap_points`` percentage points, **and** the two-proportion
  z-test (:func:`callscript.reports.stats.two_proportion_test`, pooled, two-sided) gives
  p < 0.05. Both conditions, because with a full day's calls a trivial gap is "significant"
  and with a morning's a large one is luck;
* 暂停超时 — a pause has lasted its reason's maximum (``pause_max_lunch`` …).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from callscript.core.floor_settings import FloorSettings
from callscript.core.presence import PAUSE_LABELS, AgentState, PauseReason, idle
from callscript.reports.stats import SIGNIFICANT, two_proportion_test


class AlertKind(StrEnum):
    LONG_CALL = "long_call"
    IDLE = "idle"
    CALLBACK_OVERDUE = "callback_overdue"
    LOW_EFFECTIVE = "low_effective"
    PAUSE_OVER = "pause_over"


ALERT_LABELS: dict[AlertKind, str] = {
    AlertKind.LONG_CALL: "通话过长",
    AlertKind.IDLE: "空闲过久",
    AlertKind.CALLBACK_OVERDUE: "回电逾期",
    AlertKind.LOW_EFFECTIVE: "有效率偏低",
    AlertKind.PAUSE_OVER: "暂停超时",
}


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    agent_id: int
    agent: str
    text: str
    """What is wrong, in the supervisor's words (without the agent's name)."""
    since: datetime
    """When the threshold was crossed."""

    @property
    def label(self) -> str:
        return ALERT_LABELS[self.kind]


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} 分钟"


def long_call(
    agent_id: int,
    agent: str,
    state: AgentState,
    call_id: int | None,
    call_started: datetime | None,
    now: datetime,
    settings: FloorSettings,
) -> Alert | None:
    if call_started is None or call_id is None or state not in (AgentState.IN_CALL, AgentState.LOCKED):
        return None
    limit = timedelta(minutes=settings["long_call_minutes"])
    if now - call_started < limit:
        return None
    length = (now - call_started).total_seconds()
    return Alert(AlertKind.LONG_CALL, agent_id, agent, f"通话已 {_minutes(length)}", call_started + limit)


def idle_too_long(
    agent_id: int,
    agent: str,
    state: AgentState,
    call_id: int | None,
    idle_since: datetime | None,
    now: datetime,
    settings: FloorSettings,
) -> Alert | None:
    if idle_since is None or not idle(state, call_id):
        return None
    limit = timedelta(minutes=settings["idle_minutes"])
    if now - idle_since < limit:
        return None
    return Alert(
        AlertKind.IDLE, agent_id, agent, f"空闲 {_minutes((now - idle_since).total_seconds())}", idle_since + limit
    )


def callback_overdue(
    agent_id: int, agent: str, count: int, oldest_due: datetime, now: datetime, settings: FloorSettings
) -> Alert | None:
    limit = timedelta(minutes=settings["callback_overdue_minutes"])
    if count <= 0 or now - oldest_due < limit:
        return None
    return Alert(
        AlertKind.CALLBACK_OVERDUE,
        agent_id,
        agent,
        f"{count} 个回电逾期 (最早约 {oldest_due:%H:%M})",
        oldest_due + limit,
    )


def low_effective(
    agent_id: int,
    agent: str,
    leads: int,
    effective: int,
    floor_leads: int,
    floor_effective: int,
    now: datetime,
    settings: FloorSettings,
) -> Alert | None:
    """``floor_*``: the whole floor's counts today, this agent included (the rest is the difference)."""
    rest_leads, rest_effective = floor_leads - leads, floor_effective - effective
    minimum = settings["effective_min_leads"]
    if leads < minimum or rest_leads < minimum:
        return None
    mine, theirs = effective / leads, rest_effective / rest_leads
    if (theirs - mine) * 100 < settings["effective_gap_points"]:
        return None
    test = two_proportion_test(rest_effective, rest_leads, effective, leads)
    if not test.enough or test.p_value is None or test.p_value >= SIGNIFICANT or (test.z or 0) >= 0:
        return None
    return Alert(
        AlertKind.LOW_EFFECTIVE,
        agent_id,
        agent,
        f"有效率 {mine:.0%}, 其他人 {theirs:.0%} (p={test.p_value:.3f})",
        now,
    )


def pause_over(
    agent_id: int,
    agent: str,
    state: AgentState,
    reason: PauseReason | None,
    since: datetime | None,
    now: datetime,
    settings: FloorSettings,
) -> Alert | None:
    if state is not AgentState.PAUSED or reason is None or since is None:
        return None
    limit = timedelta(minutes=settings.pause_minutes(reason))
    if now - since < limit:
        return None
    return Alert(
        AlertKind.PAUSE_OVER,
        agent_id,
        agent,
        f"{PAUSE_LABELS[reason]} {_minutes((now - since).total_seconds())} (最长 {settings.pause_minutes(reason)} 分钟)",
        since + limit,
    )
