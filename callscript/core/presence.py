"""Presence: what state an agent's running app is in, when it counts as gone, and the day's
figures the supervisor reads from it (the BRIEF's "The floor (v2)").

Pure: no database, no clock, no screen. The app reports a :class:`Presence` (its state,
the pause reason, the call and node it is at); storage keeps it on the app's session row
and logs every change of state as an interval (``presence_log``); the floor board reads
the rows, and :func:`day_figures` turns a day's intervals into login, logout, talk,
wrap-up and pause time and occupancy.

**States** (:class:`AgentState`): 就绪 (between calls), 通话中 (a call on screen that has
not reached its ending), 整理中 (the call reached its outcome: the ending line, the callback
box, the summary card), 暂停 with a reason (:class:`PauseReason`), 锁定 (the idle lock), 离线.
When several hold at once the most specific wins: a pause over an idle lock is 暂停 (the
supervisor wants to see 午饭 42 分钟, not 锁定), a lock over a call is 锁定 (nobody is at the
keyboard). 离线 is never reported: it is what a session is when it has ended or has been
silent for :data:`OFFLINE_AFTER` — so an app that crashed, was killed or lost its network
goes 离线 by itself, with no clean-up needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class AgentState(StrEnum):
    READY = "ready"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    LOCKED = "locked"
    OFFLINE = "offline"


STATE_LABELS: dict[AgentState, str] = {
    AgentState.READY: "就绪",
    AgentState.IN_CALL: "通话中",
    AgentState.WRAP_UP: "整理中",
    AgentState.PAUSED: "暂停",
    AgentState.LOCKED: "锁定",
    AgentState.OFFLINE: "离线",
}

STATE_RANK: dict[AgentState, int] = {
    AgentState.IN_CALL: 0,
    AgentState.WRAP_UP: 1,
    AgentState.PAUSED: 2,
    AgentState.LOCKED: 3,
    AgentState.READY: 4,
    AgentState.OFFLINE: 5,
}
"""Which of an agent's sessions speaks for the agent (two windows: the one on a call)."""


class PauseReason(StrEnum):
    REST = "rest"
    LUNCH = "lunch"
    TRAINING = "training"
    MEETING = "meeting"
    OTHER = "other"


PAUSE_LABELS: dict[PauseReason, str] = {
    PauseReason.REST: "休息",
    PauseReason.LUNCH: "午饭",
    PauseReason.TRAINING: "培训",
    PauseReason.MEETING: "会议",
    PauseReason.OTHER: "其他",
}
"""The BRIEF's short list, in the order the pause dialog offers them (keys 1–5)."""

HEARTBEAT_SECONDS = 10.0
"""How often a running app whose state has not changed says it is still there (one UPDATE of
its session row by primary key). A change of state is written at once, whatever this is; the
heartbeat only tells a live app from a crashed one. Every heartbeat is a write every other
app's lead watch sees as "the data changed" (``PRAGMA data_version``), so on a floor of fifty
tabs a short beat costs every app, not only the one beating (docs/scaling.md)."""
MISSED_HEARTBEATS = 3
"""Heartbeats a session may miss (a busy database thread, a slow disk) before it counts as gone."""
OFFLINE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * MISSED_HEARTBEATS)
"""A session not heard from for this long is 离线 (30 s: :data:`MISSED_HEARTBEATS` heartbeats missed).
The board, the day's figures and reassigning an absent agent's work all go by this one value."""


@dataclass(frozen=True, slots=True)
class Presence:
    """What a running app reports about itself."""

    state: AgentState
    reason: PauseReason | None = None
    """Why it is paused (only with :attr:`AgentState.PAUSED`)."""
    call_id: int | None = None
    """The call on screen (in a call, wrapping up, or locked over a call)."""
    node: str | None = None
    """The script node the call is at."""
    node_title: str | None = None
    """That node's title as the agent's script names it (the board shows it without loading scripts)."""

    def __post_init__(self) -> None:
        if self.state is AgentState.OFFLINE:
            raise ValueError("an app never reports itself offline: it stops reporting")
        if (self.reason is not None) != (self.state is AgentState.PAUSED):
            raise ValueError("a pause needs a reason, and only a pause has one")

    @property
    def state_key(self) -> tuple[AgentState, PauseReason | None, int | None]:
        """What makes a new interval in the day's log (a new node does not: it is the same call)."""
        return (self.state, self.reason, self.call_id)


def idle(state: AgentState, call_id: int | None) -> bool:
    """Logged in and doing nothing: 就绪, or locked with no call underneath (the idle alert's states)."""
    return state is AgentState.READY or (state is AgentState.LOCKED and call_id is None)


def seen_state(state: str | None, last_seen: datetime, ended_at: datetime | None, now: datetime) -> AgentState:
    """A session's state as the floor sees it at ``now``: 离线 once ended or silent for
    :data:`OFFLINE_AFTER`; a session that never reported a state (an app from before presence) is 就绪."""
    if ended_at is not None or now - last_seen > OFFLINE_AFTER:
        return AgentState.OFFLINE
    return AgentState(state) if state else AgentState.READY


# --------------------------------------------------------------------------- the day's figures


@dataclass(frozen=True, slots=True)
class SessionSpan:
    """One running app's life: from ``started`` to ``ended`` (a clean exit), else to its last heartbeat."""

    id: int
    started: datetime
    last_seen: datetime
    ended: datetime | None = None

    def end(self, now: datetime) -> datetime:
        """When it stopped counting: its exit, else now while it is heard from, else its last heartbeat."""
        if self.ended is not None:
            return self.ended
        return now if now - self.last_seen <= OFFLINE_AFTER else self.last_seen


@dataclass(frozen=True, slots=True)
class StateInterval:
    """One stretch of one session in one state (``ended`` None: still open, or the app crashed in it)."""

    session_id: int
    state: AgentState
    started: datetime
    ended: datetime | None = None
    reason: PauseReason | None = None


@dataclass(frozen=True, slots=True)
class DayFigures:
    """An agent's day, as the supervisor reads it (seconds)."""

    login: datetime | None = None
    logout: datetime | None = None
    """The last app's exit (or last heartbeat, if it crashed); None while an app is still running."""
    logged_in: float = 0.0
    talk: float = 0.0
    wrap_up: float = 0.0
    paused: dict[PauseReason, float] = field(default_factory=dict)
    locked: float = 0.0
    ready: float = 0.0

    @property
    def pause_total(self) -> float:
        return sum(self.paused.values())

    @property
    def occupancy(self) -> float | None:
        """(talk + wrap-up) ÷ logged-in time; None before any time logged in."""
        if self.logged_in <= 0:
            return None
        return min(1.0, (self.talk + self.wrap_up) / self.logged_in)


Span = tuple[datetime, datetime]


def merge(spans: Iterable[Span]) -> list[Span]:
    """The union of ``spans`` as sorted, disjoint spans (empty ones dropped)."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def measure(spans: Sequence[Span]) -> float:
    """Seconds covered by disjoint ``spans``."""
    return sum((end - start).total_seconds() for start, end in spans)


def subtract(spans: Sequence[Span], minus: Sequence[Span]) -> list[Span]:
    """The parts of disjoint ``spans`` outside disjoint ``minus``."""
    out: list[Span] = []
    for start, end in spans:
        pieces = [(start, end)]
        for m_start, m_end in minus:
            next_pieces: list[Span] = []
            for p_start, p_end in pieces:
                if m_end <= p_start or m_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if m_start > p_start:
                    next_pieces.append((p_start, m_start))
                if m_end < p_end:
                    next_pieces.append((m_end, p_end))
            pieces = next_pieces
        out.extend(pieces)
    return out


def day_figures(
    sessions: Sequence[SessionSpan],
    intervals: Sequence[StateInterval],
    day_start: datetime,
    day_end: datetime,
    now: datetime,
) -> DayFigures:
    """One agent's figures for the day [``day_start``, ``day_end``) as of ``now``.

    Logged-in time is the union of the agent's sessions (two windows at once count once);
    each state's time is the union of its intervals, clipped to the day and to the end of
    the session it belongs to (an interval left open by a crash ends at the app's last
    heartbeat). Wrap-up time overlapping talk time (two windows) counts as talk. A lock
    with a call underneath counts as locked, not talk: nobody touched the keyboard.
    """
    limit = min(day_end, now)
    ends = {s.id: s.end(now) for s in sessions}

    def clip(start: datetime, end: datetime) -> Span:
        return max(start, day_start), min(end, limit)

    logged = merge(clip(s.started, ends[s.id]) for s in sessions)
    by_state: dict[tuple[AgentState, PauseReason | None], list[Span]] = {}
    for interval in intervals:
        session_end = ends.get(interval.session_id)
        if session_end is None:
            continue
        end = interval.ended if interval.ended is not None else session_end
        by_state.setdefault((interval.state, interval.reason), []).append(clip(interval.started, min(end, session_end)))

    def union(*keys: tuple[AgentState, PauseReason | None]) -> list[Span]:
        return merge(span for key in keys for span in by_state.get(key, ()))

    talk = union((AgentState.IN_CALL, None))
    wrap = subtract(union((AgentState.WRAP_UP, None)), talk)
    paused = {
        reason: measure(union((AgentState.PAUSED, reason)))
        for reason in PauseReason
        if by_state.get((AgentState.PAUSED, reason))
    }
    in_day = [s for s in sessions if s.started < limit and ends[s.id] > day_start]
    login = max(min(s.started for s in in_day), day_start) if in_day else None
    running = any(s.ended is None and now - s.last_seen <= OFFLINE_AFTER for s in in_day)
    logout = None if running or not in_day else min(max(ends[s.id] for s in in_day), limit)
    return DayFigures(
        login=login,
        logout=logout,
        logged_in=measure(logged),
        talk=measure(talk),
        wrap_up=measure(wrap),
        paused=paused,
        locked=measure(union((AgentState.LOCKED, None))),
        ready=measure(union((AgentState.READY, None))),
    )
