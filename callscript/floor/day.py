"""The supervisor's day per agent: login and logout, talk, wrap-up and pause time by reason,
occupancy = (talk + wrap-up) ÷ logged-in time (the BRIEF's "The floor (v2)").

Measured from what every app reported (:mod:`callscript.storage.presence`: the sessions and
their state intervals) by :func:`callscript.core.presence.day_figures`. Talk time here is the
time a call was on screen before its outcome, which is what the agent spent on it; the daily
report's ``talk_seconds`` is the call rows' start-to-outcome time — the same thing for a call
made in one go, different for a call resumed after a crash or closed from the board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from callscript.core.presence import PAUSE_LABELS, DayFigures, PauseReason, SessionSpan, StateInterval, day_figures
from callscript.reports.render import Column, Document, Sheet
from callscript.storage.agents import AgentRef
from callscript.storage.records import Agent


class DaySource(Protocol):
    def presence_day(
        self, start: datetime, end: datetime, agent: AgentRef | None = None
    ) -> dict[int, tuple[list[SessionSpan], list[StateInterval]]]: ...

    def agents(self) -> list[Agent]: ...


@dataclass(frozen=True, slots=True)
class AgentDay:
    agent_id: int
    name: str
    figures: DayFigures


def day_bounds(day: date, tz: object) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tz)  # type: ignore[arg-type]
    return start, start + timedelta(days=1)


def read_day(source: DaySource, day: date, now: datetime, agent: AgentRef | None = None) -> list[AgentDay]:
    """Every agent with an app open that day (or ``agent`` only), by name."""
    start, end = day_bounds(day, now.tzinfo)
    logged = source.presence_day(start, end, agent)
    names = {a.id: a.name for a in source.agents()}
    days = [
        AgentDay(agent_id, names.get(agent_id, str(agent_id)), day_figures(spans, intervals, start, end, now))
        for agent_id, (spans, intervals) in logged.items()
        if spans
    ]
    return sorted(days, key=lambda d: (d.name, d.agent_id))


def _minutes(seconds: float) -> int:
    return round(seconds / 60)


def day_document(days: Sequence[AgentDay], day: date) -> Document:
    """``callscript floor day``: one row per agent, times in whole minutes (every format)."""
    columns = [
        Column("agent", "坐席"),
        Column("login", "登录", "when"),
        Column("logout", "退出", "when"),
        Column("logged_in_minutes", "在线(分)", "int"),
        Column("talk_minutes", "通话(分)", "int"),
        Column("wrap_up_minutes", "整理(分)", "int"),
        Column("pause_minutes", "暂停(分)", "int"),
        *(Column(f"pause_{r.value}_minutes", f"{PAUSE_LABELS[r]}(分)", "int") for r in PauseReason),
        Column("locked_minutes", "锁定(分)", "int"),
        Column("occupancy", "利用率", "rate"),
    ]
    rows = []
    for d in days:
        f = d.figures
        rows.append(
            [
                d.name,
                f.login,
                f.logout,
                _minutes(f.logged_in),
                _minutes(f.talk),
                _minutes(f.wrap_up),
                _minutes(f.pause_total),
                *(_minutes(f.paused.get(r, 0.0)) for r in PauseReason),
                _minutes(f.locked),
                f.occupancy,
            ]
        )
    return Document(
        "floor_day",
        "坐席工作时间",
        f"{day.isoformat()} · 利用率 = (通话 + 整理) ÷ 在线时间 · 退出为空: 仍在线",
        meta={"day": day.isoformat()},
        sheets=[Sheet("rows", "坐席工作时间", columns, rows)],
    )
