"""What the storage API hands back: plain frozen dataclasses, no SQL rows.

Time stamps come back as aware ``datetime`` (local time), calendar days as
``date``, JSON columns as dicts, 0/1 flags as ``bool``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Self

from callscript.core.cleantext import for_display
from callscript.core.lifecycle import LEAD_STATUSES
from callscript.storage.timefmt import parse_day, parse_iso

__all__ = [
    "LEAD_STATUSES",
    "Account",
    "Agent",
    "AppSession",
    "AuditEntry",
    "CallRecord",
    "Callback",
    "CheckReport",
    "DayReview",
    "EventRecord",
    "ImportSummary",
    "Lead",
    "Mailing",
    "RejectedRow",
    "ScriptVersion",
    "UnfinishedCall",
]


class _FromRow:
    __slots__ = ()
    _times: ClassVar[frozenset[str]] = frozenset()
    _days: ClassVar[frozenset[str]] = frozenset()
    _bools: ClassVar[frozenset[str]] = frozenset()
    _json: ClassVar[frozenset[str]] = frozenset()
    _raw: ClassVar[frozenset[str]] = frozenset()
    """Text handed back exactly as stored (a script's source: its hash must match)."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """The record from a row as the store reads it (column name → stored value).

        Text comes back without control characters (:func:`callscript.core.cleantext.for_display`):
        what storage writes is clean already, but a file written before that rule, or by another
        program, must not put escape sequences on an agent's screen.
        """
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]  # every subclass is a dataclass
            if f.name not in row:
                continue
            value = row[f.name]
            if f.name in cls._times:
                value = parse_iso(value)
            elif f.name in cls._days:
                value = parse_day(value)
            elif f.name in cls._bools:
                value = None if value is None else bool(value)
            elif f.name in cls._json:
                value = {} if value is None else _displayable(json.loads(value))
            elif type(value) is str and f.name not in cls._raw and not value.isprintable():
                value = for_display(value)
            values[f.name] = value
        return cls(**values)


def _displayable(value: Any) -> Any:
    """A JSON column's text values (facts, variables) without control characters."""
    if isinstance(value, dict):
        return {k: for_display(v) if isinstance(v, str) else v for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Agent(_FromRow):
    id: int
    name: str
    created_at: datetime | None = None
    _times: ClassVar = frozenset({"created_at"})


@dataclass(frozen=True, slots=True)
class Lead(_FromRow):
    """A company/contact to call. ``status`` is one of :data:`callscript.core.lifecycle.LEAD_STATUSES`."""

    id: int
    company: str
    phone: str
    phone_norm: str
    contact: str | None = None
    title: str | None = None
    department: str | None = None
    phone_kind: str | None = None
    industry: str | None = None
    source: str | None = None
    notes: str | None = None
    do_not_call: bool = False
    status: str = "new"
    attempts: int = 0
    last_called_at: datetime | None = None
    last_outcome: str | None = None
    next_call_at: datetime | None = None
    assigned_agent_id: int | None = None
    claimed_by: int | None = None
    claimed_at: datetime | None = None
    claim_expires_at: datetime | None = None
    active_call_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    claim_session_id: int | None = None
    """The running app (:class:`AppSession`) whose claim this is."""

    _times: ClassVar = frozenset(
        {"last_called_at", "next_call_at", "claimed_at", "claim_expires_at", "created_at", "updated_at"}
    )
    _bools: ClassVar = frozenset({"do_not_call"})


@dataclass(frozen=True, slots=True)
class AppSession(_FromRow):
    """One running app: an agent's window or terminal, from start to exit (``ended_at``)."""

    id: int
    agent_id: int
    host: str
    pid: int
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None
    agent: str | None = None
    state: str | None = None
    """What the app last reported (:class:`callscript.core.presence.AgentState`); None: never reported."""
    pause_reason: str | None = None
    call_id: int | None = None
    node: str | None = None
    node_title: str | None = None
    state_since: datetime | None = None
    idle_since: datetime | None = None

    _times: ClassVar = frozenset({"started_at", "last_seen_at", "ended_at", "state_since", "idle_since"})


@dataclass(frozen=True, slots=True)
class ScriptVersion(_FromRow):
    id: int
    name: str
    title: str | None
    sha256: str
    source_text: str
    path: str | None = None
    first_seen_at: datetime | None = None
    _times: ClassVar = frozenset({"first_seen_at"})
    _raw: ClassVar = frozenset({"source_text"})


@dataclass(frozen=True, slots=True)
class CallRecord(_FromRow):
    id: int
    lead_id: int
    agent_id: int
    script_id: int
    started_at: datetime
    agent: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    ended_at: datetime | None = None
    outcome: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    grade: str | None = None
    grade_rule: str | None = None
    grade_rule_index: int | None = None
    conditions: dict[str, bool | None] = field(default_factory=dict)
    qualified: bool | None = None
    callback_due: datetime | None = None
    recovered: bool = False
    carried: dict[str, Any] = field(default_factory=dict)
    """The facts the call started knowing from the lead's earlier calls:
    ``{fact: {"value", "call_id", "at"}}`` (:class:`callscript.script.carry.CarriedFact` JSON)."""
    kind: str = "development"
    """``development`` or ``maintenance`` (:class:`callscript.core.lifecycle.CallKind`), fixed when the call starts."""
    follow_up_slot: bool = False
    """The call started inside a follow-up slot (17:30–18:00 on a working day, business hours on a rest day)."""

    _times: ClassVar = frozenset({"started_at", "ended_at", "callback_due"})
    _bools: ClassVar = frozenset({"qualified", "recovered", "follow_up_slot"})
    _json: ClassVar = frozenset({"variables", "facts", "conditions", "carried"})

    @property
    def finished(self) -> bool:
        return self.ended_at is not None


@dataclass(frozen=True, slots=True)
class UnfinishedCall(_FromRow):
    """A call with no outcome yet: resume it or close it with an outcome."""

    call_id: int
    agent_id: int
    agent: str
    lead_id: int
    company: str
    started_at: datetime
    last_event_at: datetime | None
    events: int

    _times: ClassVar = frozenset({"started_at", "last_event_at"})

    @property
    def last_activity(self) -> datetime:
        return self.last_event_at or self.started_at


@dataclass(frozen=True, slots=True)
class EventRecord(_FromRow):
    """One row of a call's append-only log (session events plus ``note``)."""

    id: int
    call_id: int
    seq: int
    at: datetime
    kind: str
    node: str | None
    value: str | None
    important: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    _times: ClassVar = frozenset({"at"})
    _bools: ClassVar = frozenset({"important"})
    _json: ClassVar = frozenset({"extra"})

    @property
    def is_note(self) -> bool:
        return self.kind == "note"

    def event_dict(self) -> dict[str, Any]:
        """The dict ``session.Event.from_dict`` takes (what ``Event.to_dict`` gave)."""
        return {**self.extra, "kind": self.kind, "node": self.node, "value": self.value}


@dataclass(frozen=True, slots=True)
class Callback(_FromRow):
    id: int
    call_id: int
    lead_id: int
    agent_id: int
    due_at: datetime
    reason: str | None
    created_at: datetime
    done_at: datetime | None = None
    done_call_id: int | None = None
    agent: str | None = None
    company: str | None = None
    contact: str | None = None
    phone: str | None = None

    _times: ClassVar = frozenset({"due_at", "created_at", "done_at"})


@dataclass(frozen=True, slots=True)
class Mailing(_FromRow):
    id: int
    call_id: int
    lead_id: int
    agent_id: int
    address: str
    mailed_on: date
    follow_up_from: date
    follow_up_by: date
    follow_up_done_at: datetime | None = None
    follow_up_call_id: int | None = None
    agent: str | None = None
    company: str | None = None
    contact: str | None = None
    phone: str | None = None

    _times: ClassVar = frozenset({"follow_up_done_at"})
    _days: ClassVar = frozenset({"mailed_on", "follow_up_from", "follow_up_by"})


@dataclass(frozen=True, slots=True)
class DayReview(_FromRow):
    """The agent's 优点/缺点/建议 for one day of the daily table."""

    agent_id: int
    day: date
    strengths: str | None = None
    weaknesses: str | None = None
    suggestions: str | None = None
    updated_at: datetime | None = None

    _times: ClassVar = frozenset({"updated_at"})
    _days: ClassVar = frozenset({"day"})


@dataclass(frozen=True, slots=True)
class Account(_FromRow):
    """A person who logs in (schema version 8). ``password_hash`` is the argon2id PHC
    string: it is left out of ``repr`` so it never reaches a log or an error message."""

    id: int
    name: str
    role: str
    password_hash: str = field(repr=False)
    agent_id: int | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    disabled_at: datetime | None = None
    password_changed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    _times: ClassVar = frozenset({"locked_until", "disabled_at", "password_changed_at", "created_at", "updated_at"})

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True, slots=True)
class AuditEntry(_FromRow):
    """One line of the append-only audit log: who did what, to what, when, from where."""

    id: int
    at: datetime
    action: str
    actor: str
    origin: str
    account_id: int | None = None
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    _times: ClassVar = frozenset({"at"})
    _json: ClassVar = frozenset({"detail"})


@dataclass(frozen=True, slots=True)
class RejectedRow:
    index: int
    reason: str
    phone: str | None = None
    existing_lead_id: int | None = None


@dataclass(slots=True)
class ImportSummary:
    """What :meth:`Store.add_leads` did with each row (``index`` is the row's position)."""

    inserted: list[int] = field(default_factory=list)
    duplicates: list[RejectedRow] = field(default_factory=list)
    invalid: list[RejectedRow] = field(default_factory=list)


@dataclass(slots=True)
class CheckReport:
    """``callscript db check``: errors make it fail; warnings are for the supervisor."""

    path: str
    schema_version: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    damaged: bool = False
    """SQLite's own check found the file damaged (the app's checks were then not run)."""

    @property
    def ok(self) -> bool:
        return not self.errors
