"""The storage API the TUI, CLI, reports and lead import use (no SQL outside this package).

One :class:`Store` wraps one connection to one database file. Every public method
is one short transaction; every write is committed before the method returns.
A ``Store`` may be shared between threads (a Textual worker and the UI thread):
calls are serialised by a lock. Several *processes* (one per agent) share a file
safely: SQLite's locking plus ``BEGIN IMMEDIATE`` for every write.

The life of a call::

    store = Store.open()                            # data/callscript.db, $CALLSCRIPT_DB or --db
    agent = store.ensure_agent("王芳")
    for unfinished in store.unfinished_calls(agent.id):   # crash recovery first
        session = store.resume_call(unfinished.call_id)   # … or store.close_call(id, outcome)
    script_id = store.store_script_version(script)
    lead = store.claim_next_lead(agent.id)          # atomic: no two agents get the same lead
    call_id = store.start_call(lead.id, agent.id, script_id, variables)
    store.record_event(call_id, session.choose("1"))   # after every answer; durable on return
    store.add_note(call_id, "下午三点后再打", important=True)
    store.record_event(call_id, session.end("mailed"))
    store.finish_session(call_id, session, address=...)   # outcome, facts, grade; callbacks/mailings
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlite_utils

from callscript.script.outcomes import OUTCOME_VALUES, Outcome
from callscript.storage import schema
from callscript.storage.db import (
    BUSY_TIMEOUT_S,
    StorageError,
    connect,
    immediate,
    retry_locked,
    synchronous_level,
    write_once,
)
from callscript.storage.location import resolve_db_path
from callscript.storage.records import (
    LEAD_STATUSES,
    Agent,
    Callback,
    CallRecord,
    CheckReport,
    DayReview,
    EventRecord,
    ImportSummary,
    Lead,
    Mailing,
    RejectedRow,
    ScriptVersion,
    UnfinishedCall,
)
from callscript.storage.timefmt import iso, iso_day, now_local, parse_iso, to_local

if TYPE_CHECKING:  # the engine is imported lazily: storage must not need it to open a file
    from callscript.script.loader import Script
    from callscript.script.session import CallSession

T = TypeVar("T")
AgentRef = int | str | Agent

SESSION_EVENT_KINDS = ("choose", "enter", "skip", "back", "end")
EVENT_KINDS = (*SESSION_EVENT_KINDS, "note")
CLAIM_TIERS = ("callback", "mailed", "new", "retry")
"""Which leads ``claim_next_lead`` offers first: due callbacks, due mail follow-ups
(only inside the follow-up window), never-called leads, then no-answer/busy retries."""

FOLLOW_UP_AFTER_DAYS = (7, 10)
"""A mail follow-up is due 7 to 10 days after the materials were mailed (BRIEF)."""

LEAD_FIELDS = ("company", "contact", "title", "phone", "phone_kind", "industry", "source", "notes", "do_not_call")


class NotFound(StorageError, LookupError):
    """No row with that id."""


class LeadUnavailable(StorageError):
    """The lead cannot be taken: another agent holds it, it is in a call, or it is do-not-call."""


class DuplicateLead(StorageError):
    """A lead with the same normalised phone number exists already (``existing_id``)."""

    def __init__(self, message: str, existing_id: int):
        super().__init__(message)
        self.existing_id = existing_id


class CallFinished(StorageError):
    """The call already has its outcome; only notes may still be added."""


def e164_normalise(phone: str) -> str | None:
    """Default phone normaliser: :func:`callscript.core.phones.phone_norm` (E.164 via
    ``phonenumbers``, region CN unless ``$CALLSCRIPT_REGION``); None if not a valid number.

    Imported on first use so opening the store does not load libphonenumber's data.
    """
    from callscript.core.phones import phone_norm

    return phone_norm(phone)


def _phone_kind(norm: str) -> str | None:
    from callscript.core.phones import kind_of_norm

    return kind_of_norm(norm)


def _after_no_answer(conn: sqlite3.Connection, lead_id: int, moment: datetime, next_at: str | None) -> str | None:
    """Three no-answers in a row (this call included) set the lead aside until the next
    morning (callscript.leads.lifecycle); otherwise ``next_at`` (the usual retry) stands."""
    from callscript.leads.lifecycle import no_answer_streak, set_aside_until, sets_aside

    if sets_aside(no_answer_streak(conn, lead_id)):
        return iso(set_aside_until(moment))
    return next_at


def digits_only(phone: str) -> str | None:
    """A bare normaliser (``Store.open(..., normalise=digits_only)``): keep a leading ``+``
    and the digits; None if under 5 digits."""
    text = str(phone).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        return None
    return ("+" if text.startswith("+") else "") + digits


def in_follow_up_window(moment: datetime) -> bool:
    """BRIEF: follow-up calls go in the 17:30–18:00 window or at weekends."""
    return moment.weekday() >= 5 or time(17, 30) <= moment.time() < time(18, 0)


def _json(value: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(value or {}), ensure_ascii=False, sort_keys=True, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a JSON column")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


class Store:
    """The app's database. Create with :meth:`Store.open`."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        path: Path,
        *,
        normalise: Callable[[str], str | None] = e164_normalise,
        claim_hold: timedelta = timedelta(minutes=15),
        retry_after: timedelta = timedelta(hours=1),
        follow_up_window: Callable[[datetime], bool] = in_follow_up_window,
        clock: Callable[[], datetime] = now_local,
    ):
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.path = path
        self.normalise = normalise
        self.claim_hold = claim_hold
        self.retry_after = retry_after
        self.follow_up_window = follow_up_window
        self.clock = clock
        self.lock_retries = 0
        self._lock = threading.RLock()
        self._depth = 0
        self._busy_ms = int(BUSY_TIMEOUT_S * 1000)
        self._agent_ids: dict[str, int] = {}

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        migrate: bool = True,
        synchronous: str = "FULL",
        timeout: float = BUSY_TIMEOUT_S,
        **options: Any,
    ) -> Store:
        """Open the database (``path`` → ``$CALLSCRIPT_DB`` → ``data/callscript.db``).

        Creates the file (mode 0600) and brings the schema up to date unless told
        not to. ``options`` go to the constructor (``normalise``, ``claim_hold``,
        ``retry_after``, ``follow_up_window``, ``clock``).
        """
        resolved = resolve_db_path(path)
        db = connect(resolved, create=create, timeout=timeout, synchronous=synchronous)
        try:
            if migrate:
                schema.migrate(db.conn)
        except BaseException:
            db.close()
            raise
        store = cls(db, resolved, **options)
        store._busy_ms = int(timeout * 1000)
        return store

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._lock:
            return schema.schema_version(self.conn)

    # ------------------------------------------------------------------ plumbing

    def _now(self, now: datetime | None = None) -> datetime:
        return to_local(now) if now is not None else self.clock()

    def _tx(self, work: Callable[[], T]) -> T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction (joined if one is open)."""
        with self._lock:
            if self._depth:
                return work()

            def attempt() -> T:
                self._depth += 1
                try:
                    with immediate(self.conn, busy_ms=self._busy_ms):
                        return work()
                finally:
                    self._depth -= 1

            return retry_locked(attempt, on_retry=self._count_retry)

    def _count_retry(self) -> None:
        self.lock_retries += 1

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self.conn.execute(sql, params)
            try:
                names = [d[0] for d in cursor.description] if cursor.description else []
                return [dict(zip(names, row)) for row in cursor.fetchall()]
            finally:
                cursor.close()

    def _row(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _value(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        with self._lock:
            row = self.conn.execute(sql, params).fetchone()
            return None if row is None else row[0]

    # ------------------------------------------------------------------ agents

    def ensure_agent(self, name: str) -> Agent:
        """The agent called ``name``, created on first use."""
        name = name.strip()
        if not name:
            raise ValueError("an agent needs a name")

        def work() -> Agent:
            self.conn.execute(
                "INSERT INTO agents (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, iso(self._now())),
            )
            return Agent.from_row(self._row("SELECT * FROM agents WHERE name = ?", (name,)))

        committed = not self._depth  # inside an outer transaction the row may yet be rolled back
        agent = self._tx(work)
        if committed:
            self._agent_ids[name] = agent.id
        return agent

    def agents(self) -> list[Agent]:
        return [Agent.from_row(r) for r in self._rows("SELECT * FROM agents ORDER BY name")]

    def get_agent(self, agent: AgentRef) -> Agent:
        row = self._row("SELECT * FROM agents WHERE id = ?", (self._agent_id(agent, create=False),))
        if row is None:
            raise NotFound(f"no agent {agent!r}")
        return Agent.from_row(row)

    def _agent_id(self, agent: AgentRef, *, create: bool = True) -> int:
        if isinstance(agent, Agent):
            return agent.id
        if isinstance(agent, int):
            return agent
        name = str(agent).strip()
        if name in self._agent_ids:
            return self._agent_ids[name]
        found = self._value("SELECT id FROM agents WHERE name = ?", (name,))
        if found is not None:
            self._agent_ids[name] = found
            return found
        if not create:
            raise NotFound(f"no agent named {name!r}")
        return self.ensure_agent(name).id

    # ------------------------------------------------------------------ leads

    def _normalised(self, phone: str) -> str | None:
        return self.normalise(phone)

    def add_lead(
        self,
        company: str,
        phone: str,
        *,
        contact: str | None = None,
        title: str | None = None,
        phone_kind: str | None = None,
        industry: str | None = None,
        source: str | None = None,
        notes: str | None = None,
        do_not_call: bool = False,
    ) -> Lead:
        """Add one lead. Raises :class:`DuplicateLead` if its number is known, ValueError if invalid."""
        summary = self.add_leads(
            [
                dict(
                    company=company,
                    phone=phone,
                    contact=contact,
                    title=title,
                    phone_kind=phone_kind,
                    industry=industry,
                    source=source,
                    notes=notes,
                    do_not_call=do_not_call,
                )
            ]
        )
        if summary.invalid:
            raise ValueError(summary.invalid[0].reason)
        if summary.duplicates:
            dup = summary.duplicates[0]
            raise DuplicateLead(f"{phone} is already lead {dup.existing_lead_id}", dup.existing_lead_id or 0)
        return self.get_lead(summary.inserted[0])

    def add_leads(self, rows: Iterable[Mapping[str, Any]], *, now: datetime | None = None) -> ImportSummary:
        """Add many leads in one transaction; duplicates and invalid rows are reported, not raised.

        Each row is a mapping with ``company`` and ``phone`` and any of
        ``contact, title, phone_kind, industry, source, notes, do_not_call``. A row
        whose normalised phone is already stored (or earlier in ``rows``) is a duplicate.
        """
        stamp = iso(self._now(now))
        summary = ImportSummary()
        prepared: list[tuple[int, dict[str, Any]]] = []
        for index, row in enumerate(rows):
            unknown = sorted(set(row) - set(LEAD_FIELDS))
            if unknown:
                summary.invalid.append(
                    RejectedRow(index, f"unknown field(s): {', '.join(unknown)}", _text(row.get("phone")))
                )
                continue
            company = (row.get("company") or "").strip()
            phone = str(row.get("phone") or "").strip()
            if not company:
                summary.invalid.append(RejectedRow(index, "company is empty", phone or None))
                continue
            norm = self._normalised(phone) if phone else None
            if not norm:
                summary.invalid.append(RejectedRow(index, f"not a phone number: {phone!r}", phone or None))
                continue
            values = {k: row.get(k) for k in LEAD_FIELDS}
            values.update(company=company, phone=phone, phone_norm=norm, do_not_call=int(bool(row.get("do_not_call"))))
            if not values.get("phone_kind"):
                values["phone_kind"] = _phone_kind(norm)
            prepared.append((index, values))

        def work() -> None:
            for index, values in prepared:
                cursor = self.conn.execute(
                    """INSERT INTO leads (company, contact, title, phone, phone_norm, phone_kind, industry,
                                          source, notes, do_not_call, created_at, updated_at)
                       VALUES (:company, :contact, :title, :phone, :phone_norm, :phone_kind, :industry,
                               :source, :notes, :do_not_call, :stamp, :stamp)
                       ON CONFLICT (phone_norm) DO NOTHING""",
                    {**values, "stamp": stamp},
                )
                if cursor.rowcount == 1:
                    summary.inserted.append(cursor.lastrowid)
                else:
                    existing = self._value("SELECT id FROM leads WHERE phone_norm = ?", (values["phone_norm"],))
                    summary.duplicates.append(RejectedRow(index, "duplicate phone", values["phone"], existing))

        if prepared:
            self._tx(work)
        return summary

    def get_lead(self, lead_id: int) -> Lead:
        row = self._row("SELECT * FROM leads WHERE id = ?", (lead_id,))
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        return Lead.from_row(row)

    def find_lead(self, phone: str) -> Lead | None:
        """The lead with this number (normalised the same way as on import), if any."""
        norm = self._normalised(phone)
        row = self._row("SELECT * FROM leads WHERE phone_norm = ?", (norm,)) if norm else None
        return Lead.from_row(row) if row else None

    def _lead_filter(
        self,
        status: str | Iterable[str] | None,
        industry: str | None,
        source: str | None,
        do_not_call: bool | None,
        assigned_to: AgentRef | None,
        search: str | None,
    ) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            params += statuses
        if industry is not None:
            where.append("industry = ?")
            params.append(industry)
        if source is not None:
            where.append("source = ?")
            params.append(source)
        if do_not_call is not None:
            where.append("do_not_call = ?")
            params.append(int(do_not_call))
        if assigned_to is not None:
            where.append("assigned_agent_id = ?")
            params.append(self._agent_id(assigned_to, create=False))
        if search:
            where.append("(company LIKE ? OR contact LIKE ? OR phone LIKE ? OR phone_norm LIKE ?)")
            like = f"%{search}%"
            params += [like, like, like, like]
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def list_leads(
        self,
        *,
        status: str | Iterable[str] | None = None,
        industry: str | None = None,
        source: str | None = None,
        do_not_call: bool | None = None,
        assigned_to: AgentRef | None = None,
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Lead]:
        """Leads in id order, filtered (all filters optional; ``search`` matches company/contact/phone)."""
        where, params = self._lead_filter(status, industry, source, do_not_call, assigned_to, search)
        sql = f"SELECT * FROM leads{where} ORDER BY id LIMIT ? OFFSET ?"
        return [Lead.from_row(r) for r in self._rows(sql, [*params, -1 if limit is None else limit, offset])]

    def count_leads(self, **filters: Any) -> int:
        """How many leads :meth:`list_leads` would return with the same filters (no limit)."""
        where, params = self._lead_filter(
            filters.pop("status", None),
            filters.pop("industry", None),
            filters.pop("source", None),
            filters.pop("do_not_call", None),
            filters.pop("assigned_to", None),
            filters.pop("search", None),
        )
        if filters:
            raise TypeError(f"unknown filter(s): {', '.join(filters)}")
        return self._value(f"SELECT COUNT(*) FROM leads{where}", params)

    def industries(self) -> list[str]:
        """Distinct industries of the leads (for report/filter pickers)."""
        return [
            r["industry"]
            for r in self._rows("SELECT DISTINCT industry FROM leads WHERE industry IS NOT NULL ORDER BY industry")
        ]

    def update_lead(self, lead_id: int, *, now: datetime | None = None, **fields: Any) -> Lead:
        """Change a lead's details (``LEAD_FIELDS``, ``status``, ``assigned_to``=agent or None)."""
        allowed = set(LEAD_FIELDS) | {"status", "assigned_to"}
        unknown = set(fields) - allowed
        if unknown:
            raise TypeError(f"cannot update lead field(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key == "assigned_to":
                values["assigned_agent_id"] = None if value is None else self._agent_id(value)
            elif key == "status":
                if value not in LEAD_STATUSES:
                    raise ValueError(f"lead status is one of {', '.join(LEAD_STATUSES)}, not {value!r}")
                values["status"] = value
            elif key == "do_not_call":
                values["do_not_call"] = int(bool(value))
            elif key == "phone":
                norm = self._normalised(str(value))
                if not norm:
                    raise ValueError(f"not a phone number: {value!r}")
                values["phone"], values["phone_norm"] = str(value).strip(), norm
                if "phone_kind" not in fields:
                    values["phone_kind"] = _phone_kind(norm)
            elif key == "company":
                if not str(value or "").strip():
                    raise ValueError("company is empty")
                values["company"] = str(value).strip()
            else:
                values[key] = value
        if not values:
            return self.get_lead(lead_id)
        values["updated_at"] = iso(self._now(now))
        assignments = ", ".join(f"{column} = :{column}" for column in values)  # column names from a fixed list

        def work() -> None:
            try:
                cursor = self.conn.execute(f"UPDATE leads SET {assignments} WHERE id = :id", {**values, "id": lead_id})
            except sqlite3.IntegrityError as exc:
                if "phone_norm" in str(exc):
                    existing = self._value("SELECT id FROM leads WHERE phone_norm = ?", (values["phone_norm"],))
                    raise DuplicateLead(f"{values['phone']} is already lead {existing}", existing) from None
                raise
            if cursor.rowcount == 0:
                raise NotFound(f"no lead {lead_id}")

        self._tx(work)
        return self.get_lead(lead_id)

    def set_do_not_call(self, lead_id: int, flag: bool = True) -> Lead:
        return self.update_lead(lead_id, do_not_call=flag)

    # ------------------------------------------------------------------ scripts

    def store_script_version(self, script: Script, *, now: datetime | None = None) -> int:
        """The id of this script version (by sha256 of its text), storing the text the first time."""
        sha = script.sha256
        known = self._value("SELECT id FROM scripts WHERE sha256 = ?", (sha,))
        if known is not None:
            return known

        def work() -> int:
            self.conn.execute(
                """INSERT INTO scripts (name, title, sha256, source_text, path, first_seen_at)
                   VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING""",
                (
                    script.name,
                    getattr(script, "title", None),
                    sha,
                    script.source_text,
                    _text(getattr(script, "path", None)),
                    iso(self._now(now)),
                ),
            )
            return self._value("SELECT id FROM scripts WHERE sha256 = ?", (sha,))

        return self._tx(work)

    def get_script_version(self, script_id: int) -> ScriptVersion:
        row = self._row("SELECT * FROM scripts WHERE id = ?", (script_id,))
        if row is None:
            raise NotFound(f"no script version {script_id}")
        return ScriptVersion.from_row(row)

    def script_versions(self, name: str | None = None) -> list[ScriptVersion]:
        if name is None:
            rows = self._rows("SELECT * FROM scripts ORDER BY id")
        else:
            rows = self._rows("SELECT * FROM scripts WHERE name = ? ORDER BY id", (name,))
        return [ScriptVersion.from_row(r) for r in rows]

    def load_script_version(self, script_id: int) -> Script:
        """The script exactly as it was when the call was made (parsed from the stored text)."""
        from callscript.script.loader import load_script_text

        version = self.get_script_version(script_id)
        return load_script_text(version.source_text, path=version.path or f"<script version {script_id}>")

    # ------------------------------------------------------------------ claiming

    def claim_next_lead(
        self,
        agent: AgentRef,
        *,
        kinds: Sequence[str] = CLAIM_TIERS,
        now: datetime | None = None,
        hold: timedelta | None = None,
    ) -> Lead | None:
        """Atomically reserve the next lead for ``agent`` (None when nothing is due).

        If the agent already holds an unexpired claim on a lead not yet in a call,
        that lead is returned again (so a crash between claim and dial loses nothing).
        Otherwise the first due lead of the first tier in ``kinds`` (see
        :data:`CLAIM_TIERS`) is claimed for ``hold`` (default ``claim_hold``); a
        claim that expires unused goes back to the pool. Callbacks and follow-ups
        assigned to another agent are not offered.
        """
        moment = self._now(now)
        stamp = iso(moment)
        until = iso(moment + (hold or self.claim_hold))
        for kind in kinds:
            if kind not in CLAIM_TIERS:
                raise ValueError(f"claim kinds are {', '.join(CLAIM_TIERS)}, not {kind!r}")
        tiers = [k for k in kinds if k != "mailed" or self.follow_up_window(moment)]

        def work() -> Lead | None:
            agent_id = self._agent_id(agent)
            held = self._row(
                """SELECT id FROM leads WHERE claimed_by = ? AND active_call_id IS NULL
                   AND claim_expires_at > ? AND do_not_call = 0 ORDER BY claimed_at, id LIMIT 1""",
                (agent_id, stamp),
            )
            lead_id = held["id"] if held else None
            for status in tiers if lead_id is None else ():
                found = self._row(
                    """SELECT id FROM leads
                       WHERE status = :status AND do_not_call = 0 AND active_call_id IS NULL
                         AND (next_call_at IS NULL OR next_call_at <= :now)
                         AND (claimed_by IS NULL OR claimed_by = :agent OR claim_expires_at <= :now)
                         AND (assigned_agent_id IS NULL OR assigned_agent_id = :agent)
                       ORDER BY next_call_at, id LIMIT 1""",
                    {"status": status, "now": stamp, "agent": agent_id},
                )
                if found:
                    lead_id = found["id"]
                    break
            if lead_id is None:
                return None
            self.conn.execute(
                """UPDATE leads SET claimed_by = ?, claimed_at = ?, claim_expires_at = ?, updated_at = ?
                   WHERE id = ?""",
                (agent_id, stamp, until, stamp, lead_id),
            )
            return self.get_lead(lead_id)

        return self._tx(work)

    def claim_lead(
        self, lead_id: int, agent: AgentRef, *, now: datetime | None = None, hold: timedelta | None = None
    ) -> Lead:
        """Reserve a particular lead (e.g. picked from the callback list); raises :class:`LeadUnavailable`."""
        moment = self._now(now)
        stamp = iso(moment)

        def work() -> Lead:
            agent_id = self._agent_id(agent)
            lead = self.get_lead(lead_id)
            self._check_available(lead, agent_id, moment)
            self.conn.execute(
                "UPDATE leads SET claimed_by = ?, claimed_at = ?, claim_expires_at = ?, updated_at = ? WHERE id = ?",
                (agent_id, stamp, iso(moment + (hold or self.claim_hold)), stamp, lead_id),
            )
            return self.get_lead(lead_id)

        return self._tx(work)

    def _check_available(self, lead: Lead, agent_id: int, moment: datetime) -> None:
        if lead.do_not_call:
            raise LeadUnavailable(f"lead {lead.id} ({lead.company}) is marked do-not-call")
        if lead.active_call_id is not None:
            raise LeadUnavailable(f"lead {lead.id} ({lead.company}) is in call {lead.active_call_id}")
        if (
            lead.claimed_by is not None
            and lead.claimed_by != agent_id
            and lead.claim_expires_at is not None
            and lead.claim_expires_at > moment
        ):
            raise LeadUnavailable(f"lead {lead.id} ({lead.company}) is claimed by another agent")

    def release_lead(self, lead_id: int, agent: AgentRef, *, now: datetime | None = None) -> bool:
        """Give back an unused claim (the agent skips the lead). False if the agent did not hold it."""
        stamp = iso(self._now(now))

        def work() -> bool:
            cursor = self.conn.execute(
                """UPDATE leads SET claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL, updated_at = ?
                   WHERE id = ? AND claimed_by = ? AND active_call_id IS NULL""",
                (stamp, lead_id, self._agent_id(agent)),
            )
            return cursor.rowcount == 1

        return self._tx(work)

    # ------------------------------------------------------------------ calls

    def start_call(
        self,
        lead_id: int,
        agent: AgentRef,
        script_version_id: int,
        variables: Mapping[str, str] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Open a call on a lead (the row exists from here on; the lead is locked to it)."""
        moment = self._now(now)
        stamp = iso(moment)

        def work() -> int:
            agent_id = self._agent_id(agent)
            lead = self.get_lead(lead_id)
            self._check_available(lead, agent_id, moment)
            cursor = self.conn.execute(
                "INSERT INTO calls (lead_id, agent_id, script_id, variables, started_at) VALUES (?, ?, ?, ?, ?)",
                (lead_id, agent_id, script_version_id, _json(variables), stamp),
            )
            call_id = cursor.lastrowid
            self.conn.execute(
                """UPDATE leads SET active_call_id = ?, claimed_by = ?, claimed_at = COALESCE(claimed_at, ?),
                   claim_expires_at = NULL, updated_at = ? WHERE id = ?""",
                (call_id, agent_id, stamp, stamp, lead_id),
            )
            return call_id

        return self._tx(work)

    def record_event(self, call_id: int, event: Any, *, now: datetime | None = None) -> EventRecord:
        """Append one session event (choose/enter/skip/back/end) to the call's log.

        ``event`` is a ``session.Event``, or anything with ``to_dict()``, or a mapping
        with ``kind``, ``node``, ``value``. Committed (and with the default
        ``synchronous=FULL``, on disk) when this returns. Raises :class:`CallFinished`
        once the call has its outcome.
        """
        if isinstance(event, Mapping):
            data = dict(event)
        elif hasattr(event, "to_dict"):
            data = dict(event.to_dict())
        else:
            data = {"kind": event.kind, "node": event.node, "value": event.value}
        kind = _text(data.pop("kind", None))
        if kind not in SESSION_EVENT_KINDS:
            raise ValueError(f"event kind is one of {', '.join(SESSION_EVENT_KINDS)}, not {kind!r} (notes: add_note)")
        node = _text(data.pop("node", None))
        value = _text(data.pop("value", None))
        return self._append(call_id, kind, node, value, False, data or None, now, open_only=True)

    def add_note(
        self, call_id: int, text: str, important: bool = False, *, node: str | None = None, now: datetime | None = None
    ) -> EventRecord:
        """A free-text note in the call's log (allowed after the outcome too: notes written on hang-up)."""
        if not text or not text.strip():
            raise ValueError("a note needs text")
        return self._append(call_id, "note", node, text.strip(), important, None, now, open_only=False)

    def _append(
        self,
        call_id: int,
        kind: str,
        node: str | None,
        value: str | None,
        important: bool,
        extra: dict[str, Any] | None,
        now: datetime | None,
        *,
        open_only: bool,
    ) -> EventRecord:
        """One event row in ONE autocommit statement: the hot path (every answer).

        A single write statement takes the write lock before it reads (SQLite opens
        its write transaction at the statement's start, retrying with a fresh
        snapshot while busy), so computing ``seq`` as MAX+1 cannot race another
        writer, and the row is committed — fsynced at ``synchronous=FULL`` — when
        ``fetchall()`` has stepped the statement to its end. No BEGIN/COMMIT round
        trips: this is what keeps an answer close to a raw INSERT.
        """
        stamp = iso(self._now(now))
        condition = "AND c.ended_at IS NULL" if open_only else ""
        sql = f"""INSERT INTO call_events (call_id, seq, at, kind, node, value, important, extra)
                  SELECT c.id, COALESCE((SELECT MAX(seq) FROM call_events WHERE call_id = c.id), 0) + 1,
                         ?, ?, ?, ?, ?, ?
                  FROM calls c WHERE c.id = ? {condition}
                  RETURNING id, seq"""
        params = (stamp, kind, node, value, int(important), _json(extra) if extra else None, call_id)
        with self._lock:
            rows = retry_locked(
                lambda: write_once(self.conn, sql, params, busy_ms=self._busy_ms), on_retry=self._count_retry
            )
        if not rows:
            if self._value("SELECT 1 FROM calls WHERE id = ?", (call_id,)) is None:
                raise NotFound(f"no call {call_id}")
            raise CallFinished(f"call {call_id} is finished; its log is closed")
        event_id, seq = rows[0]
        return EventRecord(event_id, call_id, seq, parse_iso(stamp), kind, node, value, important, extra or {})

    def finish_call(
        self,
        call_id: int,
        outcome: Outcome | str,
        facts: Mapping[str, Any] | None = None,
        grade_result: Any = None,
        *,
        callback_due: datetime | None = None,
        callback_reason: str | None = None,
        address: str | None = None,
        recovered: bool = False,
        now: datetime | None = None,
    ) -> CallRecord:
        """Close a call with its outcome, final facts and grade — one ``BEGIN IMMEDIATE``
        transaction committed with ``synchronous=FULL``.

        Also: the lead's status/next-call time (see docs/storage.md), the lead's
        claim is released; an effective outcome completes the lead's open callbacks
        and mail follow-ups; ``callback`` (needs ``callback_due``) adds a callback;
        ``mailed`` (needs ``address`` or the ``address`` fact) adds a mailing whose
        follow-up is due 7–10 days later; so does ``member_care`` when it took an address. ``grade_result`` is ``session.grade()``
        (``.grade``, ``.rule_label``, ``.rule_index``, ``.conditions``, ``.qualified``) or None.
        """
        outcome = Outcome(outcome)
        moment = self._now(now)
        stamp = iso(moment)
        facts = {k: v for k, v in dict(facts or {}).items() if v is not None}
        if outcome is Outcome.CALLBACK and callback_due is None:
            raise ValueError("a callback outcome needs callback_due (when to call back)")
        if outcome is not Outcome.CALLBACK and callback_due is not None:
            raise ValueError("callback_due is only for the callback outcome")
        mail_to = (address or _text(facts.get("address")) or "").strip()
        if outcome is Outcome.MAILED and not mail_to:
            raise ValueError("a mailed outcome needs the address as read back")
        grade = _grade_fields(grade_result)
        due = iso(callback_due) if callback_due is not None else None
        mailed_on = moment.date()
        follow_from = mailed_on + timedelta(days=FOLLOW_UP_AFTER_DAYS[0])
        follow_by = mailed_on + timedelta(days=FOLLOW_UP_AFTER_DAYS[1])

        def work() -> None:
            call = self._row("SELECT * FROM calls WHERE id = ?", (call_id,))
            if call is None:
                raise NotFound(f"no call {call_id}")
            if call["ended_at"] is not None:
                raise CallFinished(f"call {call_id} already ended with {call['outcome']}")
            self.conn.execute(
                """UPDATE calls SET ended_at = ?, outcome = ?, facts = ?, grade = ?, grade_rule = ?,
                       grade_rule_index = ?, conditions = ?, qualified = ?, callback_due = ?, recovered = ?
                   WHERE id = ?""",
                (
                    stamp,
                    outcome.value,
                    _json(facts),
                    grade["grade"],
                    grade["rule"],
                    grade["rule_index"],
                    _json(grade["conditions"]),
                    grade["qualified"],
                    due,
                    int(recovered),
                    call_id,
                ),
            )
            lead_id, agent_id = call["lead_id"], call["agent_id"]
            lead = self._row("SELECT status, assigned_agent_id FROM leads WHERE id = ?", (lead_id,))
            status, next_at = self._next_lead_state(lead["status"], outcome, moment, callback_due, follow_from)
            if outcome is Outcome.NO_ANSWER:
                next_at = _after_no_answer(self.conn, lead_id, moment, next_at)
            assigned = agent_id if outcome in (Outcome.CALLBACK, Outcome.MAILED) else lead["assigned_agent_id"]
            self.conn.execute(
                """UPDATE leads SET status = ?, next_call_at = ?, attempts = attempts + 1, last_called_at = ?,
                       last_outcome = ?, assigned_agent_id = ?, active_call_id = NULL, claimed_by = NULL,
                       claimed_at = NULL, claim_expires_at = NULL, updated_at = ?
                   WHERE id = ?""",
                (status, next_at, stamp, outcome.value, assigned, stamp, lead_id),
            )
            if outcome.effective:
                self.conn.execute(
                    "UPDATE callbacks SET done_at = ?, done_call_id = ? WHERE lead_id = ? AND done_at IS NULL",
                    (stamp, call_id, lead_id),
                )
                self.conn.execute(
                    """UPDATE mailings SET follow_up_done_at = ?, follow_up_call_id = ?
                       WHERE lead_id = ? AND follow_up_done_at IS NULL""",
                    (stamp, call_id, lead_id),
                )
            if outcome is Outcome.CALLBACK:
                self.conn.execute(
                    """INSERT INTO callbacks (call_id, lead_id, agent_id, due_at, reason, created_at)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    (call_id, lead_id, agent_id, due, callback_reason, stamp),
                )
            if outcome is Outcome.MAILED or (outcome is Outcome.MEMBER_CARE and mail_to):
                # A member-care call that took an address posts a new card or materials
                # for friends: it is a mailing too, with the same 7–10 day follow-up.
                self.conn.execute(
                    """INSERT INTO mailings (call_id, lead_id, agent_id, address, mailed_on, follow_up_from,
                                             follow_up_by) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (
                        call_id,
                        lead_id,
                        agent_id,
                        mail_to,
                        mailed_on.isoformat(),
                        follow_from.isoformat(),
                        follow_by.isoformat(),
                    ),
                )

        with self._lock, synchronous_level(self.conn, "FULL"):
            self._tx(work)
        return self.get_call(call_id)

    def _next_lead_state(
        self, status: str, outcome: Outcome, moment: datetime, callback_due: datetime | None, follow_from: date
    ) -> tuple[str, str | None]:
        if outcome is Outcome.INVALID_NUMBER:
            return "dead", None
        if outcome in (Outcome.NO_ANSWER, Outcome.BUSY):
            keep = status if status in ("callback", "mailed") else "retry"
            return keep, iso(moment + self.retry_after)
        if outcome is Outcome.CALLBACK:
            return "callback", iso(callback_due)
        if outcome is Outcome.MAILED:
            return "mailed", iso(datetime.combine(follow_from, time(0, 0)))
        return "closed", None

    def finish_session(self, call_id: int, session: CallSession, **options: Any) -> CallRecord:
        """:meth:`finish_call` with the outcome, facts and grade taken from a finished session."""
        if session.outcome is None:
            raise ValueError("the session has no outcome yet")
        return self.finish_call(call_id, session.outcome, session.facts, session.grade(), **options)

    def discard_call(self, call_id: int) -> None:
        """Delete a call in which nothing was answered yet (dialled by mistake). Refuses otherwise."""

        def work() -> None:
            call = self._row("SELECT * FROM calls WHERE id = ?", (call_id,))
            if call is None:
                raise NotFound(f"no call {call_id}")
            if call["ended_at"] is not None:
                raise CallFinished(f"call {call_id} is finished")
            if self._value("SELECT COUNT(*) FROM call_events WHERE call_id = ?", (call_id,)):
                raise StorageError(f"call {call_id} has answers recorded; close it with an outcome instead")
            self.conn.execute(
                "UPDATE leads SET active_call_id = NULL WHERE id = ? AND active_call_id = ?",
                (call["lead_id"], call_id),
            )
            self.conn.execute("DELETE FROM calls WHERE id = ?", (call_id,))

        self._tx(work)

    _CALL_SELECT = "SELECT c.*, a.name AS agent FROM calls c JOIN agents a ON a.id = c.agent_id"

    def get_call(self, call_id: int) -> CallRecord:
        row = self._row(f"{self._CALL_SELECT} WHERE c.id = ?", (call_id,))
        if row is None:
            raise NotFound(f"no call {call_id}")
        return CallRecord.from_row(row)

    def list_calls(
        self,
        *,
        agent: AgentRef | None = None,
        lead_id: int | None = None,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        finished: bool | None = None,
        limit: int | None = None,
    ) -> list[CallRecord]:
        """Calls in start order; ``since``/``until`` are local days, inclusive."""
        where: list[str] = []
        params: list[Any] = []
        if agent is not None:
            where.append("c.agent_id = ?")
            params.append(self._agent_id(agent, create=False))
        if lead_id is not None:
            where.append("c.lead_id = ?")
            params.append(lead_id)
        if since is not None:
            where.append("c.started_at >= ?")
            params.append(iso_day(since))
        if until is not None:
            where.append("c.started_at < ?")
            params.append((date.fromisoformat(iso_day(until)) + timedelta(days=1)).isoformat())
        if finished is not None:
            where.append("c.ended_at IS NOT NULL" if finished else "c.ended_at IS NULL")
        sql = self._CALL_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY c.started_at, c.id LIMIT ?"
        return [CallRecord.from_row(r) for r in self._rows(sql, [*params, -1 if limit is None else limit])]

    def call_events(self, call_id: int, *, notes: bool = True) -> list[EventRecord]:
        """The call's log in order (``notes=False``: only the session events, as replayed)."""
        sql = "SELECT * FROM call_events WHERE call_id = ?" + ("" if notes else " AND kind != 'note'")
        return [EventRecord.from_row(r) for r in self._rows(sql + " ORDER BY seq", (call_id,))]

    # ------------------------------------------------------------------ recovery

    _UNFINISHED_SELECT = """
        SELECT c.id AS call_id, c.agent_id, a.name AS agent, c.lead_id, l.company, c.started_at,
               (SELECT MAX(e.at) FROM call_events e WHERE e.call_id = c.id) AS last_event_at,
               (SELECT COUNT(*) FROM call_events e WHERE e.call_id = c.id) AS events
        FROM calls c JOIN agents a ON a.id = c.agent_id JOIN leads l ON l.id = c.lead_id
        WHERE c.ended_at IS NULL"""

    def unfinished_calls(self, agent: AgentRef | None = None) -> list[UnfinishedCall]:
        """Calls without an outcome (this agent's, or everyone's), most recent first."""
        if agent is None:
            rows = self._rows(self._UNFINISHED_SELECT + " ORDER BY c.started_at DESC, c.id DESC")
        else:
            try:
                agent_id = self._agent_id(agent, create=False)
            except NotFound:
                return []
            rows = self._rows(
                self._UNFINISHED_SELECT + " AND c.agent_id = ? ORDER BY c.started_at DESC, c.id DESC", (agent_id,)
            )
        return [UnfinishedCall.from_row(r) for r in rows]

    def stale_unfinished_calls(
        self, older_than: timedelta = timedelta(hours=2), *, now: datetime | None = None
    ) -> list[UnfinishedCall]:
        """Unfinished calls with no activity for ``older_than``: for the supervisor to resolve."""
        cutoff = self._now(now) - older_than
        return [c for c in self.unfinished_calls() if c.last_activity < cutoff]

    def resume_call(self, call_id: int, script: Script | None = None) -> CallSession:
        """Rebuild the call's session from its log, exactly where it stopped.

        Without ``script`` the version stored with the call is used (so a call
        started before the supervisor edited the YAML resumes on the old text). A
        ``script`` with a different sha256 is refused.
        """
        from callscript.script.session import CallSession, Event

        call = self.get_call(call_id)
        version = self.get_script_version(call.script_id)
        if script is None:
            script = self.load_script_version(call.script_id)
        elif script.sha256 != version.sha256:
            raise StorageError(
                f"call {call_id} was made with script version {version.sha256[:12]}, not {script.sha256[:12]}; "
                "resume it with the stored version (pass no script)"
            )
        events = [Event.from_dict(e.event_dict()) for e in self.call_events(call_id, notes=False)]
        return CallSession.rebuild(script, events, variables=call.variables or None)

    def close_call(
        self,
        call_id: int,
        outcome: Outcome | str,
        *,
        callback_due: datetime | None = None,
        address: str | None = None,
        note: str | None = None,
        now: datetime | None = None,
    ) -> CallRecord:
        """Close an unfinished call (crash recovery / supervisor) with an outcome.

        Facts and grade come from replaying its log on its stored script; if that
        cannot be done the call is closed with no facts. Marked ``recovered``.
        """
        facts: dict[str, Any] = {}
        grade = None
        try:
            session = self.resume_call(call_id)
            facts, grade = dict(session.facts), session.grade()
        except (ImportError, StorageError, ValueError, KeyError) as exc:  # keep the record closable
            note = (note + "; " if note else "") + f"closed without replay: {exc}"
        if note:
            self.add_note(call_id, note, now=now)
        return self.finish_call(
            call_id, outcome, facts, grade, callback_due=callback_due, address=address, recovered=True, now=now
        )

    # ------------------------------------------------------------------ callbacks and mailings

    _CALLBACK_SELECT = """SELECT cb.*, a.name AS agent, l.company, l.contact, l.phone FROM callbacks cb
                          JOIN agents a ON a.id = cb.agent_id JOIN leads l ON l.id = cb.lead_id"""

    def callbacks(
        self, agent: AgentRef | None = None, *, open_only: bool = True, due_before: datetime | None = None
    ) -> list[Callback]:
        """Callbacks by due time (open ones by default; ``due_before``: due by then)."""
        where, params = [], []
        if open_only:
            where.append("cb.done_at IS NULL")
        if agent is not None:
            where.append("cb.agent_id = ?")
            params.append(self._agent_id(agent, create=False))
        if due_before is not None:
            where.append("cb.due_at <= ?")
            params.append(iso(due_before))
        sql = self._CALLBACK_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY cb.due_at, cb.id"
        return [Callback.from_row(r) for r in self._rows(sql, params)]

    def due_callbacks(self, agent: AgentRef | None = None, *, now: datetime | None = None) -> list[Callback]:
        return self.callbacks(agent, due_before=self._now(now))

    def complete_callback(self, callback_id: int, call_id: int | None = None, *, now: datetime | None = None) -> None:
        """Mark a callback done by hand (finishing an effective call on the lead does it automatically)."""
        stamp = iso(self._now(now))
        self._tx(
            lambda: self.conn.execute(
                "UPDATE callbacks SET done_at = ?, done_call_id = ? WHERE id = ? AND done_at IS NULL",
                (stamp, call_id, callback_id),
            )
        )

    _MAILING_SELECT = """SELECT m.*, a.name AS agent, l.company, l.contact, l.phone FROM mailings m
                         JOIN agents a ON a.id = m.agent_id JOIN leads l ON l.id = m.lead_id"""

    def mailings(
        self,
        agent: AgentRef | None = None,
        *,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        pending_only: bool = False,
    ) -> list[Mailing]:
        """Mailings by mail day (``since``/``until`` inclusive local days)."""
        where, params = [], []
        if agent is not None:
            where.append("m.agent_id = ?")
            params.append(self._agent_id(agent, create=False))
        if since is not None:
            where.append("m.mailed_on >= ?")
            params.append(iso_day(since))
        if until is not None:
            where.append("m.mailed_on <= ?")
            params.append(iso_day(until))
        if pending_only:
            where.append("m.follow_up_done_at IS NULL")
        sql = self._MAILING_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.mailed_on, m.id"
        return [Mailing.from_row(r) for r in self._rows(sql, params)]

    def due_follow_ups(
        self, agent: AgentRef | None = None, *, on: date | datetime | str | None = None
    ) -> list[Mailing]:
        """Mailings whose follow-up call is due by ``on`` (default today) and not yet made."""
        day = iso_day(on if on is not None else self._now())
        where = ["m.follow_up_done_at IS NULL", "m.follow_up_from <= ?"]
        params: list[Any] = [day]
        if agent is not None:
            where.append("m.agent_id = ?")
            params.append(self._agent_id(agent, create=False))
        sql = self._MAILING_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY m.follow_up_by, m.id"
        return [Mailing.from_row(r) for r in self._rows(sql, params)]

    def complete_follow_up(self, mailing_id: int, call_id: int | None = None, *, now: datetime | None = None) -> None:
        stamp = iso(self._now(now))
        self._tx(
            lambda: self.conn.execute(
                "UPDATE mailings SET follow_up_done_at = ?, follow_up_call_id = ? WHERE id = ? AND follow_up_done_at IS NULL",
                (stamp, call_id, mailing_id),
            )
        )

    # ------------------------------------------------------------------ day reviews (优点/缺点/建议)

    def set_day_review(
        self,
        agent: AgentRef,
        day: date | datetime | str,
        *,
        strengths: str | None = None,
        weaknesses: str | None = None,
        suggestions: str | None = None,
        now: datetime | None = None,
    ) -> DayReview:
        agent_id = self._agent_id(agent)
        key = iso_day(day)
        self._tx(
            lambda: self.conn.execute(
                """INSERT INTO agent_day_reviews (agent_id, day, strengths, weaknesses, suggestions, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (agent_id, day) DO UPDATE SET strengths = excluded.strengths,
                   weaknesses = excluded.weaknesses, suggestions = excluded.suggestions,
                   updated_at = excluded.updated_at""",
                (agent_id, key, strengths, weaknesses, suggestions, iso(self._now(now))),
            )
        )
        review = self.day_review(agent_id, key)
        assert review is not None
        return review

    def day_review(self, agent: AgentRef, day: date | datetime | str) -> DayReview | None:
        try:
            agent_id = self._agent_id(agent, create=False)
        except NotFound:
            return None
        row = self._row("SELECT * FROM agent_day_reviews WHERE agent_id = ? AND day = ?", (agent_id, iso_day(day)))
        return DayReview.from_row(row) if row else None

    # ------------------------------------------------------------------ check

    def check(self, *, stale_after: timedelta = timedelta(hours=2), now: datetime | None = None) -> CheckReport:
        """``callscript db check``: SQLite's integrity check plus the app's own invariants."""
        return run_check(self, stale_after=stale_after, now=now)


def _grade_fields(result: Any) -> dict[str, Any]:
    if result is None:
        return {"grade": None, "rule": None, "rule_index": None, "conditions": {}, "qualified": None}
    get = result.get if isinstance(result, Mapping) else lambda name, default=None: getattr(result, name, default)
    qualified = get("qualified", None)
    return {
        "grade": _text(get("grade", None)),
        "rule": _text(get("rule_label", None)),
        "rule_index": get("rule_index", None),
        "conditions": dict(get("conditions", None) or {}),
        "qualified": None if qualified is None else int(bool(qualified)),
    }


def run_check(store: Store, *, stale_after: timedelta, now: datetime | None) -> CheckReport:
    conn = store.conn
    report = CheckReport(path=str(store.path))

    def ids(sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return [next(iter(row.values())) for row in store._rows(sql, params)]

    def fail(what: str, found: list[Any], limit: int = 10) -> None:
        if found:
            shown = ", ".join(str(x) for x in found[:limit]) + (" …" if len(found) > limit else "")
            report.errors.append(f"{what} ({len(found)}): {shown}")

    integrity = ids("PRAGMA integrity_check")
    if integrity != ["ok"]:
        report.errors.extend(f"integrity_check: {line}" for line in integrity[:20])
    report.schema_version = store.schema_version
    if report.schema_version != schema.SCHEMA_VERSION:
        report.errors.append(
            f"schema version {report.schema_version}, this callscript expects {schema.SCHEMA_VERSION} "
            "(run `callscript db init` to migrate)"
        )
        return report
    with store._lock:
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    fail("foreign keys pointing nowhere (table, rowid)", [f"{t}#{rowid}" for t, rowid, *_ in fk])
    outcomes = ", ".join("?" * len(OUTCOME_VALUES))
    fail(
        "finished calls without a valid outcome",
        ids(
            f"SELECT id FROM calls WHERE ended_at IS NOT NULL AND (outcome IS NULL OR outcome NOT IN ({outcomes}))",
            OUTCOME_VALUES,
        ),
    )
    fail(
        "calls with an outcome but no end time",
        ids("SELECT id FROM calls WHERE ended_at IS NULL AND outcome IS NOT NULL"),
    )
    fail(
        "events that belong to no call",
        ids("SELECT e.id FROM call_events e LEFT JOIN calls c ON c.id = e.call_id WHERE c.id IS NULL"),
    )
    kinds = ", ".join("?" * len(EVENT_KINDS))
    fail("events of an unknown kind", ids(f"SELECT id FROM call_events WHERE kind NOT IN ({kinds})", EVENT_KINDS))
    fail(
        "calls whose event log has gaps",
        ids("SELECT call_id FROM call_events GROUP BY call_id HAVING MIN(seq) != 1 OR MAX(seq) != COUNT(*)"),
    )
    fail(
        "leads locked to a call that is finished or missing",
        ids(
            """SELECT l.id FROM leads l LEFT JOIN calls c ON c.id = l.active_call_id
           WHERE l.active_call_id IS NOT NULL AND (c.id IS NULL OR c.ended_at IS NOT NULL OR c.lead_id != l.id)"""
        ),
    )
    fail(
        "unfinished calls whose lead is not locked to them",
        ids(
            """SELECT c.id FROM calls c JOIN leads l ON l.id = c.lead_id
           WHERE c.ended_at IS NULL AND (l.active_call_id IS NULL OR l.active_call_id != c.id)"""
        ),
    )
    fail(
        "callback calls without a callback",
        ids(
            """SELECT c.id FROM calls c WHERE c.outcome = 'callback'
           AND NOT EXISTS (SELECT 1 FROM callbacks cb WHERE cb.call_id = c.id)"""
        ),
    )
    fail(
        "mailed calls without a mailing",
        ids(
            """SELECT c.id FROM calls c WHERE c.outcome = 'mailed'
           AND NOT EXISTS (SELECT 1 FROM mailings m WHERE m.call_id = c.id)"""
        ),
    )
    statuses = ", ".join("?" * len(LEAD_STATUSES))
    fail("leads with an unknown status", ids(f"SELECT id FROM leads WHERE status NOT IN ({statuses})", LEAD_STATUSES))

    for call in store.stale_unfinished_calls(stale_after, now=now):
        report.warnings.append(
            f"call {call.call_id} ({call.agent}, {call.company}) unfinished since {call.last_activity:%Y-%m-%d %H:%M}: "
            "resume it or close it with an outcome"
        )
    mode = store._value("PRAGMA journal_mode")
    if str(mode).lower() != "wal":
        report.warnings.append(f"journal mode is {mode}, not wal")
    try:
        perms = stat.S_IMODE(os.stat(store.path).st_mode)
        if perms & 0o077:
            report.warnings.append(f"{store.path} is readable by others (mode {perms:04o}); chmod 600 it")
    except OSError:
        pass
    for table in ("agents", "leads", "scripts", "calls", "call_events", "callbacks", "mailings"):
        report.counts[table] = store._value(f"SELECT COUNT(*) FROM {table}")
    report.counts["unfinished_calls"] = store._value("SELECT COUNT(*) FROM calls WHERE ended_at IS NULL")
    return report
