"""The live floor board: one line per agent, the floor's totals, the alerts.

:func:`read_board` asks storage for one snapshot (:meth:`callscript.storage.Store.floor_snapshot`,
a single statement) and :func:`assemble` turns it into a :class:`Board` — a pure function of the
snapshot, the time and the settings, so every rule can be tested with a fake clock.

Per agent: the state the agent's apps report (the session that says most: a second window on a
call wins over one that is idle; :data:`callscript.core.presence.STATE_RANK`), since when, the
node the call is at and how long it has run; today's 拨打 / 有效 / 寄卡 / 好 and 寄卡率 as the
daily table counts them (leads, development calls: ``report_day_agent``) against the agent's own
average over the last 7 working days of China's calendar (pooled: the days' sums divided, so a
short day weighs less); the last outcome; calls per hour today (the spark line); the alerts.

The floor's totals are calls (not leads): today's calls up to now against the previous working
day's up to the same time of day — on a Monday, the Friday before (or a working Saturday) —
since a lead's last outcome of the day is not known until the day is over.

Who is listed: every agent with an enabled ``agent`` account (absent ones are 离线: their callbacks
may need another agent), and anyone who had an app open or made calls today. Supervisors and
admins appear only when they made calls today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Protocol

from callscript.core.china_calendar import is_working_day
from callscript.core.floor_settings import FloorSettings
from callscript.core.presence import STATE_RANK, AgentState, PauseReason, seen_state
from callscript.floor.alerts import Alert, callback_overdue, idle_too_long, long_call, low_effective, pause_over
from callscript.storage.floor import CallTotals, FloorSnapshot, SessionRow

AVERAGE_DAYS = 7
"""The agent's own average is taken over this many working days before today."""
REFRESH_SECONDS = 2.0
"""How often the board (app screen and ``callscript floor``) reads the snapshot again."""


class FloorSource(Protocol):
    """What the board reads: the Store (the CLI, as the local system actor) or an account's
    acting view (``Store.acting_as``: refused unless the role has the floor permission)."""

    def floor_snapshot(
        self,
        *,
        day_start: datetime,
        now: datetime,
        days: Sequence[str],
        previous_start: datetime | None,
        previous_until: datetime | None,
        overdue_before: datetime,
    ) -> FloorSnapshot: ...

    def floor_settings(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class Counts:
    """The daily table's figures: 总个数 (leads called), 有效, 寄卡, 好."""

    leads: int = 0
    effective: int = 0
    mailed: int = 0
    good: int = 0

    @property
    def mail_rate(self) -> Fraction | None:
        return Fraction(self.mailed, self.leads) if self.leads else None

    @property
    def effective_rate(self) -> Fraction | None:
        return Fraction(self.effective, self.leads) if self.leads else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.leads + other.leads,
            self.effective + other.effective,
            self.mailed + other.mailed,
            self.good + other.good,
        )


@dataclass(frozen=True, slots=True)
class Average:
    """An agent's last working days: the sums and how many of those days the agent worked."""

    days: int = 0
    sums: Counts = Counts()

    def per_day(self, what: str) -> float | None:
        return getattr(self.sums, what) / self.days if self.days else None

    @property
    def mail_rate(self) -> Fraction | None:
        return self.sums.mail_rate

    @property
    def effective_rate(self) -> Fraction | None:
        return self.sums.effective_rate


@dataclass(frozen=True, slots=True)
class AgentLine:
    agent_id: int
    name: str
    state: AgentState
    since: datetime | None
    """When the agent entered the state (离线: when last heard from or logged out; None: not today)."""
    reason: PauseReason | None = None
    call_id: int | None = None
    node: str | None = None
    node_title: str | None = None
    company: str | None = None
    call_started: datetime | None = None
    idle_since: datetime | None = None
    windows: int = 0
    """Apps of this agent running now."""
    today: Counts = Counts()
    average: Average = Average()
    last_outcome: str | None = None
    last_outcome_at: datetime | None = None
    hours: Mapping[int, int] = field(default_factory=dict)
    """Calls started today, by hour of the day."""
    alerts: tuple[Alert, ...] = ()

    def call_seconds(self, now: datetime) -> float | None:
        if self.call_started is None or self.call_id is None:
            return None
        return max(0.0, (now - self.call_started).total_seconds())


@dataclass(frozen=True, slots=True)
class Totals:
    today: CallTotals
    previous: CallTotals | None
    previous_day: date | None
    counts: Counts
    """The agents' daily-table figures summed (leads)."""
    by_state: Mapping[AgentState, int]


@dataclass(frozen=True, slots=True)
class Board:
    at: datetime
    day: date
    agents: tuple[AgentLine, ...]
    totals: Totals
    settings: FloorSettings
    average_days: tuple[date, ...]

    @property
    def alerts(self) -> list[Alert]:
        """Every alert on the floor, oldest first."""
        return sorted((a for line in self.agents for a in line.alerts), key=lambda a: (a.since, a.agent, a.kind))

    def agent(self, name_or_id: str | int) -> AgentLine:
        for line in self.agents:
            if name_or_id in (line.name, line.agent_id):
                return line
        raise KeyError(name_or_id)


@dataclass(frozen=True, slots=True)
class Plan:
    """The days and times one board reads, from ``now`` and China's calendar."""

    day_start: datetime
    average_days: tuple[date, ...]
    previous_day: date | None

    @classmethod
    def at(cls, now: datetime) -> Plan:
        today = now.date()
        working: list[date] = []
        day = today - timedelta(days=1)
        while len(working) < AVERAGE_DAYS and (today - day).days <= 60:
            if is_working_day(day):
                working.append(day)
            day -= timedelta(days=1)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(start, tuple(working), working[0] if working else None)

    def snapshot_args(self, now: datetime, settings: FloorSettings) -> dict[str, object]:
        previous_start = previous_until = None
        if self.previous_day is not None:
            previous_start = datetime.combine(self.previous_day, datetime.min.time(), now.tzinfo)
            previous_until = datetime.combine(self.previous_day, now.timetz().replace(microsecond=0))
        return {
            "day_start": self.day_start,
            "now": now,
            "days": [self.day_start.date().isoformat(), *(d.isoformat() for d in self.average_days)],
            "previous_start": previous_start,
            "previous_until": previous_until,
            "overdue_before": now - timedelta(minutes=settings["callback_overdue_minutes"]),
        }


def read_board(source: FloorSource, now: datetime, settings: FloorSettings | None = None) -> Board:
    """The board at ``now``: one snapshot read (and the settings, unless given), assembled."""
    settings = settings or FloorSettings.from_stored(source.floor_settings())
    plan = Plan.at(now)
    snapshot = source.floor_snapshot(**plan.snapshot_args(now, settings))  # type: ignore[arg-type]
    return assemble(snapshot, now, settings, plan)


def _pick(sessions: Sequence[SessionRow], now: datetime) -> tuple[SessionRow | None, AgentState, int]:
    """The session that speaks for the agent, its state as seen now, and how many are live."""
    live = [(seen_state(s.state, s.last_seen_at, s.ended_at, now), s) for s in sessions]
    running = [(state, s) for state, s in live if state is not AgentState.OFFLINE]
    if running:
        state, best = min(running, key=lambda pair: (STATE_RANK[pair[0]], -pair[1].id))
        return best, state, len(running)
    if not sessions:
        return None, AgentState.OFFLINE, 0
    last = max(sessions, key=lambda s: (s.ended_at or s.last_seen_at, s.id))
    return last, AgentState.OFFLINE, 0


def assemble(snapshot: FloorSnapshot, now: datetime, settings: FloorSettings, plan: Plan) -> Board:
    """The board from one snapshot (pure: ``now`` is the only clock)."""
    today_key = plan.day_start.date().isoformat()
    sessions: dict[int, list[SessionRow]] = defaultdict(list)
    for s in snapshot.sessions:
        sessions[s.agent_id].append(s)
    today: dict[int, Counts] = {}
    sums: dict[int, Counts] = defaultdict(Counts)
    worked: dict[int, int] = defaultdict(int)
    for row in snapshot.days:
        if row.day == today_key:
            today[row.agent_id] = Counts(row.leads, row.effective, row.mailed, row.good)
    for week in snapshot.weeks:
        sums[week.agent_id] = Counts(week.leads, week.effective, week.mailed, week.good)
        worked[week.agent_id] = week.days
    hours: dict[int, dict[int, int]] = defaultdict(dict)
    calls_today = CallTotals()
    for h in snapshot.hours:
        hours[h.agent_id][int(h.hour)] = hours[h.agent_id].get(int(h.hour), 0) + h.calls
        calls_today = CallTotals(
            calls_today.calls + h.calls,
            calls_today.effective + h.effective,
            calls_today.mailed + h.mailed,
            calls_today.good + h.good,
        )
    overdue = {o.agent_id: o for o in snapshot.overdue}
    floor_counts = sum(today.values(), Counts())

    listed: list[AgentLine] = []
    for agent in snapshot.agents:
        aid = agent.agent_id
        active_today = aid in sessions or aid in today or aid in hours or aid in overdue
        if agent.role in ("supervisor", "admin") and aid not in today and aid not in hours:
            continue
        if not active_today and not (agent.role == "agent" and not agent.disabled):
            continue
        session, state, windows = _pick(sessions.get(aid, ()), now)
        since = None
        if session is not None:
            since = (session.ended_at or session.last_seen_at) if state is AgentState.OFFLINE else session.state_since
            since = since or session.started_at
        on_call = session is not None and state is not AgentState.OFFLINE and session.call_id is not None
        reason = None
        if session is not None and state is AgentState.PAUSED and session.pause_reason:
            reason = PauseReason(session.pause_reason)
        line = AgentLine(
            aid,
            agent.name,
            state,
            since,
            reason=reason,
            call_id=session.call_id if on_call and session else None,
            node=session.node if on_call and session else None,
            node_title=session.node_title if on_call and session else None,
            company=session.company if on_call and session else None,
            call_started=session.call_started_at if on_call and session else None,
            idle_since=session.idle_since if session is not None and state is not AgentState.OFFLINE else None,
            windows=windows,
            today=today.get(aid, Counts()),
            average=Average(worked.get(aid, 0), sums.get(aid, Counts())),
            last_outcome=agent.last_outcome,
            last_outcome_at=agent.last_outcome_at,
            hours=dict(sorted(hours.get(aid, {}).items())),
        )
        found = [
            long_call(aid, agent.name, state, line.call_id, line.call_started, now, settings),
            idle_too_long(aid, agent.name, state, line.call_id, line.idle_since, now, settings),
            pause_over(aid, agent.name, state, reason, line.since, now, settings),
            low_effective(
                aid,
                agent.name,
                line.today.leads,
                line.today.effective,
                floor_counts.leads,
                floor_counts.effective,
                now,
                settings,
            ),
        ]
        if aid in overdue:
            found.append(callback_overdue(aid, agent.name, overdue[aid].count, overdue[aid].oldest_due, now, settings))
        alerts = tuple(a for a in found if a is not None)
        listed.append(_with_alerts(line, alerts))
    listed.sort(key=lambda line: (line.state is AgentState.OFFLINE, line.name, line.agent_id))
    by_state: dict[AgentState, int] = defaultdict(int)
    for line in listed:
        by_state[line.state] += 1
    totals = Totals(
        calls_today,
        snapshot.previous if plan.previous_day is not None else None,
        plan.previous_day,
        floor_counts,
        dict(by_state),
    )
    return Board(now, plan.day_start.date(), tuple(listed), totals, settings, plan.average_days)


def _with_alerts(line: AgentLine, alerts: tuple[Alert, ...]) -> AgentLine:
    return replace(line, alerts=alerts) if alerts else line
