"""The floor board's SQL: its one-statement snapshot, the supervisor's settings, and the
actions taken from the board (reassigning an absent agent's work, closing a stale call).

**The snapshot is one statement** (:meth:`FloorMixin.floor_snapshot`): a ``UNION ALL`` of
small indexed reads, each row tagged with what it is — the sessions open or ended today
(with the call each is on), today's and the last working days' figures per agent from the
trigger-kept ``report_day_agent``, today's calls per agent and hour (the spark line, and the
floor's totals: the trigger-kept ``floor_hour``, :mod:`callscript.storage.floor_tables`), the
previous working day's calls up to the same time (its whole hours from ``floor_hour``, the
current hour from ``calls``), each agent's last
outcome, the accounts, and today's callbacks overdue. One round trip, whatever the backend;
its columns are typed by position (a tag, an agent id, integers, then texts), so the union
is valid SQL for PostgreSQL too. What the rows mean — states, alerts, averages — is
:mod:`callscript.floor`'s business; this module only reads and writes.

The actions are audited in the same transaction as the change (``call_closed``,
``work_reassigned``, ``floor_setting``) and refuse what would hurt an agent who is still
there: a call its agent is still in (``call_in_progress``), the work of an agent who is
logged in and heard from (``agent_present``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callscript.core.access import Actor, AuditAction
from callscript.core.floor_settings import parse_setting
from callscript.core.outcomes import NOT_EFFECTIVE, Outcome
from callscript.core.presence import OFFLINE_AFTER
from callscript.storage.agents import AgentRef
from callscript.storage.calls import CallsMixin
from callscript.storage.errors import ErrorCode, NotFound, StorageError
from callscript.storage.presence import PresenceMixin
from callscript.storage.records import CallRecord
from callscript.storage.timefmt import iso, parse_iso

_INTS = 5
_TEXTS = 11
_NOT_EFFECTIVE = ", ".join(f"'{o.value}'" for o in sorted(NOT_EFFECTIVE, key=lambda o: o.value))
_EFFECTIVE = f"CASE WHEN outcome IS NULL OR outcome IN ({_NOT_EFFECTIVE}) THEN 0 ELSE 1 END"
_MAILED = f"CASE WHEN outcome = '{Outcome.MAILED.value}' THEN 1 ELSE 0 END"
_GOOD = "CASE WHEN grade = '好' THEN 1 ELSE 0 END"


def _part(tag: str, agent: str, ints: Sequence[str], texts: Sequence[str], rest: str) -> str:
    """One branch of the snapshot's union: ``tag, agent, i1…i5, t1…t11`` then FROM/WHERE."""
    # typed NULLs: PostgreSQL types a union's columns from its first branches (a bare NULL there is text)
    no_int, no_text = "CAST(NULL AS INTEGER)", "CAST(NULL AS TEXT)"
    agent = no_int if agent == "NULL" else agent
    cols = [f"'{tag}'", agent, *ints, *([no_int] * (_INTS - len(ints))), *texts, *([no_text] * (_TEXTS - len(texts)))]
    names = ["tag", "agent_id", *(f"i{n}" for n in range(1, _INTS + 1)), *(f"t{n}" for n in range(1, _TEXTS + 1))]
    return f"SELECT {', '.join(f'{col} AS {name}' for col, name in zip(cols, names, strict=True))} {rest}"


_SESSION_COLUMNS = (
    ("s.id", "s.call_id"),
    (
        "s.state",
        "s.pause_reason",
        "s.node",
        "s.node_title",
        "s.state_since",
        "s.idle_since",
        "s.last_seen_at",
        "s.started_at",
        "s.ended_at",
        "c.started_at",
        "l.company",
    ),
)
_SESSION_FROM = """FROM app_sessions s LEFT JOIN calls c ON c.id = s.call_id LEFT JOIN leads l ON l.id = c.lead_id"""


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One app session as the board reads it."""

    id: int
    agent_id: int
    state: str | None
    pause_reason: str | None
    call_id: int | None
    node: str | None
    node_title: str | None
    state_since: datetime | None
    idle_since: datetime | None
    last_seen_at: datetime
    started_at: datetime
    ended_at: datetime | None
    call_started_at: datetime | None
    company: str | None


@dataclass(frozen=True, slots=True)
class DayRow:
    """An agent's development figures for one day (``report_day_agent``: the daily table's numbers)."""

    agent_id: int
    day: str
    leads: int
    effective: int
    mailed: int
    good: int
    calls: int


@dataclass(frozen=True, slots=True)
class WeekRow:
    """An agent's figures summed over the earlier days read (those with calls), and how many days that is."""

    agent_id: int
    leads: int
    effective: int
    mailed: int
    good: int
    days: int


@dataclass(frozen=True, slots=True)
class HourRow:
    """Calls an agent started in one hour (``hour``: ``"09"``), and how many of them were 有效 / 寄资料 / 好."""

    agent_id: int
    hour: str
    calls: int
    effective: int
    mailed: int
    good: int


@dataclass(frozen=True, slots=True)
class CallTotals:
    calls: int = 0
    effective: int = 0
    mailed: int = 0
    good: int = 0


@dataclass(frozen=True, slots=True)
class AgentRow:
    """An agent, its account (if any) and its last finished call's outcome."""

    agent_id: int
    name: str
    role: str | None = None
    disabled: bool = False
    last_outcome: str | None = None
    last_outcome_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OverdueRow:
    agent_id: int
    count: int
    oldest_due: datetime


@dataclass(frozen=True, slots=True)
class FloorSnapshot:
    """Everything the board shows, as read by one statement (see the module docstring)."""

    sessions: tuple[SessionRow, ...]
    days: tuple[DayRow, ...]
    """Today's rows (one per agent who called today)."""
    weeks: tuple[WeekRow, ...]
    """The earlier days' sums, one per agent."""
    hours: tuple[HourRow, ...]
    previous: CallTotals
    agents: tuple[AgentRow, ...]
    overdue: tuple[OverdueRow, ...]


@dataclass(frozen=True, slots=True)
class Reassigned:
    """What moved from one agent to another."""

    callbacks: int
    follow_ups: int
    leads: int


class FloorMixin(PresenceMixin, CallsMixin):
    """``floor_snapshot``; ``floor_settings``/``set_floor_setting``; ``reassign_open_work``; ``close_call_as``."""

    # ------------------------------------------------------------------ the snapshot

    def floor_snapshot(
        self,
        *,
        day_start: datetime,
        now: datetime,
        days: Sequence[str],
        previous_start: datetime | None,
        previous_until: datetime | None,
        overdue_before: datetime,
    ) -> FloorSnapshot:
        """The board's rows in one statement.

        ``days``: the days whose ``report_day_agent`` rows are read (today and the working days
        the averages are taken over); ``previous_start``/``previous_until``: the earlier day's
        calls to compare the floor's totals with (None: no comparison); ``overdue_before``:
        today's callbacks due at or before this and not yet called are overdue.
        """
        start = iso(day_start)
        params: list[Any] = []
        ints, texts = _SESSION_COLUMNS
        parts = [
            _part("S", "s.agent_id", ints, texts, f"{_SESSION_FROM} WHERE s.ended_at IS NULL AND s.last_seen_at >= ?"),
            _part("S", "s.agent_id", ints, texts, f"{_SESSION_FROM} WHERE s.ended_at >= ?"),
        ]
        params += [start, start]
        today_key = day_start.date().isoformat()
        parts.append(
            _part(
                "D",
                "agent_id",
                ("leads", "effective", "mailed", "good", "calls"),
                ("day",),
                "FROM report_day_agent WHERE day = ?",
            )
        )
        params.append(today_key)
        earlier = [d for d in days if d != today_key]
        if earlier:  # the working days before: summed per agent here (a row per agent, not per day)
            parts.append(
                _part(
                    "W",
                    "agent_id",
                    ("SUM(leads)", "SUM(effective)", "SUM(mailed)", "SUM(good)", "COUNT(*)"),
                    (),
                    f"FROM report_day_agent WHERE day IN ({', '.join('?' * len(earlier))}) AND leads > 0"
                    " GROUP BY agent_id",
                )
            )
            params += earlier
        parts.append(
            _part(
                "H",
                "agent_id",
                ("calls", "effective", "mailed", "good"),
                ("hour",),
                "FROM floor_hour WHERE day = ? AND calls > 0",
            )
        )
        params.append(today_key)
        if previous_start is not None and previous_until is not None:
            # the earlier day's whole hours from floor_hour, its current hour from the calls themselves
            hour_start = previous_until.replace(minute=0, second=0, microsecond=0)
            sums = ("SUM(calls)", "SUM(effective)", "SUM(mailed)", "SUM(good)")
            parts.append(_part("Y", "NULL", sums, (), "FROM floor_hour WHERE day = ? AND hour < ?"))
            params += [previous_until.date().isoformat(), f"{previous_until.hour:02d}"]
            parts.append(
                _part(
                    "Y",
                    "NULL",
                    ("COUNT(*)", f"SUM({_EFFECTIVE})", f"SUM({_MAILED})", f"SUM({_GOOD})"),
                    (),
                    "FROM calls WHERE started_at >= ? AND started_at < ?",  # before the same time of day
                )
            )
            params += [iso(max(hour_start, previous_start)), iso(previous_until)]
        last = "FROM calls c WHERE c.agent_id = a.id AND c.ended_at IS NOT NULL ORDER BY c.started_at DESC, c.id DESC LIMIT 1"
        parts.append(
            _part(
                "A",
                "a.id",
                ("(SELECT COUNT(*) FROM accounts x WHERE x.agent_id = a.id AND x.disabled_at IS NULL)",),
                (
                    "a.name",
                    "(SELECT MIN(x.role) FROM accounts x WHERE x.agent_id = a.id)",
                    f"(SELECT c.outcome {last})",
                    f"(SELECT c.ended_at {last})",
                ),
                "FROM agents a",
            )
        )
        parts.append(
            _part(
                "C",
                "cb.agent_id",
                ("COUNT(*)",),
                ("MIN(cb.due_at)",),
                """FROM callbacks cb JOIN leads l ON l.id = cb.lead_id
                   WHERE cb.done_at IS NULL AND cb.due_at >= ? AND cb.due_at <= ? AND l.active_call_id IS NULL
                   GROUP BY cb.agent_id""",
            )
        )
        params += [start, iso(overdue_before)]
        rows = self._tuples(" UNION ALL ".join(parts), params)
        return _snapshot_of(rows)

    # ------------------------------------------------------------------ settings

    def floor_settings(self) -> dict[str, str]:
        """The settings changed from their defaults (key → value as stored)."""
        return {r["key"]: r["value"] for r in self._rows("SELECT key, value FROM floor_settings ORDER BY key")}

    def set_floor_setting(
        self, key: str, value: str | int, *, actor: Actor | None = None, now: datetime | None = None
    ) -> int:
        """Set one threshold or pause maximum (checked by :func:`callscript.core.floor_settings.parse_setting`;
        ``ValueError`` otherwise); audited as ``floor_setting``. Returns the value stored."""
        number = parse_setting(key, value)
        moment = self._now(now)
        who = actor or self.actor

        def work() -> None:
            old = self._value("SELECT value FROM floor_settings WHERE key = ?", (key,))
            self._execute(
                """INSERT INTO floor_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                       updated_by = excluded.updated_by""",
                (key, str(number), iso(moment), who.name),
            )
            self.audit(
                AuditAction.FLOOR_SETTING,
                actor=who,
                target=f"setting:{key}",
                detail={"from": old, "to": number},
                now=moment,
            )

        self._tx(work)
        return number

    # ------------------------------------------------------------------ acting from the board

    def agent_present(self, agent: AgentRef, *, now: datetime | None = None) -> bool:
        """True when one of the agent's apps is running and was heard from within
        :data:`~callscript.core.presence.OFFLINE_AFTER` (the board's 离线 is the opposite)."""
        agent_id = self._agent_id(agent, create=False)
        since = iso(self._now(now) - OFFLINE_AFTER)
        found = self._value(
            "SELECT COUNT(*) FROM app_sessions WHERE agent_id = ? AND ended_at IS NULL AND last_seen_at >= ?",
            (agent_id, since),
        )
        return bool(found)

    def reassign_open_work(
        self,
        from_agent: AgentRef,
        to_agent: AgentRef,
        *,
        actor: Actor | None = None,
        now: datetime | None = None,
    ) -> Reassigned:
        """Give an absent agent's open callbacks and pending follow-ups (and the leads they are
        on) to another agent, in one transaction, audited as ``work_reassigned``.

        Refused with ``agent_present`` while the agent is logged in and heard from; claims the
        absent agent still holds on those leads (not in a call) are released. A lead locked to
        the absent agent's unfinished call keeps its lock until that call is closed.
        """
        source = self._agent_id(from_agent, create=False)
        target = self._agent_id(to_agent, create=False)
        if source == target:
            raise ValueError("reassigning to the same agent")
        moment = self._now(now)
        stamp = iso(moment)
        who = actor or self.actor

        def work() -> Reassigned:
            if self.agent_present(source, now=moment):
                raise StorageError("the agent is logged in: their work stays theirs", code=ErrorCode.AGENT_PRESENT)
            leads = sorted(
                set(self._column("SELECT lead_id FROM callbacks WHERE agent_id = ? AND done_at IS NULL", (source,)))
                | set(
                    self._column(
                        "SELECT lead_id FROM mailings WHERE agent_id = ? AND follow_up_done_at IS NULL", (source,)
                    )
                )
            )
            callbacks = self._execute(
                "UPDATE callbacks SET agent_id = ? WHERE agent_id = ? AND done_at IS NULL", (target, source)
            )
            follow_ups = self._execute(
                "UPDATE mailings SET agent_id = ? WHERE agent_id = ? AND follow_up_done_at IS NULL", (target, source)
            )
            moved = 0
            for lead_id in leads:
                moved += self._execute(
                    "UPDATE leads SET assigned_agent_id = ?, updated_at = ? WHERE id = ? AND assigned_agent_id = ?",
                    (target, stamp, lead_id, source),
                )
                self._execute(
                    """UPDATE leads SET claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL,
                           claim_session_id = NULL
                       WHERE id = ? AND claimed_by = ? AND active_call_id IS NULL""",
                    (lead_id, source),
                )
            names = dict(
                (r["id"], r["name"])
                for r in self._rows("SELECT id, name FROM agents WHERE id IN (?, ?)", (source, target))
            )
            result = Reassigned(callbacks, follow_ups, moved)
            self.audit(
                AuditAction.WORK_REASSIGNED,
                actor=who,
                target=f"agent:{names[source]}",
                detail={"to": names[target], "callbacks": callbacks, "follow_ups": follow_ups, "leads": moved},
                now=moment,
            )
            return result

        return self._tx(work)

    def close_call_as(
        self,
        call_id: int,
        outcome: Outcome | str,
        *,
        actor: Actor | None = None,
        callback_due: datetime | None = None,
        address: str | None = None,
        note: str | None = None,
        now: datetime | None = None,
    ) -> CallRecord:
        """Close another agent's unfinished call with an outcome (:meth:`close_call`: facts and grade
        from its log), audited as ``call_closed`` in the same transaction.

        Refused with ``call_in_progress`` while the call's agent is in it (an app heard from in the
        last seconds has it on screen): the agent may be talking right now.
        """
        moment = self._now(now)
        who = actor or self.actor
        since = iso(moment - OFFLINE_AFTER)

        def work() -> CallRecord:
            call = self.get_call(call_id)
            in_it = self._value(
                "SELECT COUNT(*) FROM app_sessions WHERE call_id = ? AND ended_at IS NULL AND last_seen_at >= ?",
                (call_id, since),
            )
            if in_it and call.ended_at is None:
                raise StorageError(
                    f"call {call_id}: its agent is still in it; it is theirs to finish",
                    code=ErrorCode.CALL_IN_PROGRESS,
                )
            record = self.close_call(
                call_id, outcome, callback_due=callback_due, address=address, note=note, now=moment
            )
            agent = self._value("SELECT name FROM agents WHERE id = ?", (record.agent_id,))
            detail: dict[str, Any] = {"outcome": record.outcome, "agent": agent}
            if note:
                detail["note"] = note
            self.audit(AuditAction.CALL_CLOSED, actor=who, target=f"call:{call_id}", detail=detail, now=moment)
            return record

        with self._durable():  # an outcome is fsynced, as finish_call's own
            return self._tx(work)


def _snapshot_of(rows: list[tuple[Any, ...]]) -> FloorSnapshot:
    sessions: list[SessionRow] = []
    days: list[DayRow] = []
    weeks: list[WeekRow] = []
    hours: list[HourRow] = []
    agents: list[AgentRow] = []
    overdue: list[OverdueRow] = []
    previous = CallTotals()
    for row in rows:
        tag, agent_id = row[0], row[1]
        i = row[2 : 2 + _INTS]
        t = row[2 + _INTS :]
        if tag == "S":
            sessions.append(
                SessionRow(
                    i[0],
                    agent_id,
                    t[0],
                    t[1],
                    i[1],
                    t[2],
                    t[3],
                    parse_iso(t[4]),
                    parse_iso(t[5]),
                    _at(t[6]),
                    _at(t[7]),
                    parse_iso(t[8]),
                    parse_iso(t[9]),
                    t[10],
                )
            )
        elif tag == "D":
            days.append(DayRow(agent_id, t[0], *(int(v or 0) for v in i)))
        elif tag == "W":
            weeks.append(WeekRow(agent_id, *(int(v or 0) for v in i)))
        elif tag == "H":
            hours.append(HourRow(agent_id, t[0], *(int(v or 0) for v in i[:4])))
        elif tag == "Y":  # the earlier day's whole hours, then its current hour
            part = [int(v or 0) for v in i[:4]]
            previous = CallTotals(
                previous.calls + part[0],
                previous.effective + part[1],
                previous.mailed + part[2],
                previous.good + part[3],
            )
        elif tag == "A":
            agents.append(AgentRow(agent_id, t[0], t[1], bool(t[1]) and not i[0], t[2], parse_iso(t[3])))
        elif tag == "C":
            overdue.append(OverdueRow(agent_id, int(i[0]), _at(t[0])))
    return FloorSnapshot(
        tuple(sessions), tuple(days), tuple(weeks), tuple(hours), previous, tuple(agents), tuple(overdue)
    )


def _at(text: str | None) -> datetime:
    moment = parse_iso(text)
    if moment is None:  # pragma: no cover - NOT NULL columns
        raise NotFound("a time stamp is missing")
    return moment
