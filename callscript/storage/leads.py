"""Leads: adding and importing, reading, editing, the lead list's tiers, do-not-call.

One number is one lead (``phone_norm`` is unique). Do-not-call has one path,
:meth:`LeadsMixin.mark_do_not_call` (``update_lead(do_not_call=True)``,
``set_do_not_call`` and marking by number all go through it): the life cycle's
:func:`~callscript.core.lifecycle.on_do_not_call` says what it closes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from callscript.core.access import Actor, AuditAction
from callscript.core.cleantext import LEAD_TEXT_FIELDS, TextTooLong, clean_optional
from callscript.core.lifecycle import (
    LEAD_STATUSES,
    LIST_TIERS,
    MAINTENANCE_ENDED_BY,
    AfterCall,
    do_not_call_note,
    no_answer_streak,
    on_do_not_call,
    undo_do_not_call_note,
)
from callscript.storage.agents import AgentRef
from callscript.storage.app_sessions import AppSessionsMixin, session_clause
from callscript.storage.base import like_contains, placeholders, to_text
from callscript.storage.errors import DuplicateLead, NotFound
from callscript.storage.followups import FollowUpsMixin
from callscript.storage.lead_import import StagedLeads
from callscript.storage.normalise import phone_kind as kind_of_number
from callscript.storage.records import (
    ImportSummary,
    Lead,
    RejectedRow,
)
from callscript.storage.timefmt import iso, parse_iso

LEAD_FIELDS = (
    "company",
    "contact",
    "title",
    "department",
    "phone",
    "phone_kind",
    "industry",
    "source",
    "notes",
    "do_not_call",
)
"""What ``add_lead``/``add_leads``/``update_lead`` accept."""

TEXT_FIELDS = LEAD_TEXT_FIELDS
"""A lead's text columns and the :data:`callscript.core.cleantext.LIMITS` each is held to."""


def clean_lead_text(column: str, value: object) -> str | None:
    """A lead's text column as stored: :mod:`callscript.core.cleantext`'s rule (controls out,
    bounded; ``TextTooLong`` otherwise), empty as None."""
    return clean_optional(value, TEXT_FIELDS[column], lines=column == "notes")


ID_CHUNK = 500
"""Lead ids per ``IN (…)`` query when reading streaks and maintenance for the lead list."""

_TIER_SQL: dict[str, tuple[str, str]] = {
    "callback_due": ("status = 'callback' AND next_call_at <= :now", "next_call_at, id"),
    "follow_up_due": ("status = 'mailed' AND next_call_at <= :now", "next_call_at, id"),
    "new": ("status = 'new'", "next_call_at, id"),
    "retry_due": ("status = 'retry' AND (next_call_at IS NULL OR next_call_at <= :now)", "next_call_at, id"),
    "later": ("status IN ('callback', 'mailed', 'retry') AND next_call_at > :now", "next_call_at, id"),
    "finished": ("status IN ('closed', 'dead')", "updated_at DESC, id DESC"),
}
"""The lead list's tiers (:data:`callscript.core.lifecycle.LIST_TIERS`) as queries on the
``leads_claimable`` index: (condition, order)."""


class LeadsMixin(FollowUpsMixin, AppSessionsMixin):
    """Leads in, leads read and edited, the lead list's tiers, do-not-call."""

    # ------------------------------------------------------------------ adding

    def add_lead(
        self,
        company: str,
        phone: str,
        *,
        contact: str | None = None,
        title: str | None = None,
        department: str | None = None,
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
                    department=department,
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
        ``contact, title, department, phone_kind, industry, source, notes, do_not_call``. A row
        whose normalised phone is already stored (or earlier in ``rows``) is a duplicate.
        """
        stamp = iso(self._now(now))
        summary = ImportSummary()
        prepared: list[tuple[int, dict[str, Any]]] = []
        for index, row in enumerate(rows):
            unknown = sorted(set(row) - set(LEAD_FIELDS))
            if unknown:
                summary.invalid.append(
                    RejectedRow(index, f"unknown field(s): {', '.join(unknown)}", to_text(row.get("phone")))
                )
                continue
            try:
                texts = {column: clean_lead_text(column, row.get(column)) for column in TEXT_FIELDS}
            except TextTooLong as exc:
                summary.invalid.append(RejectedRow(index, str(exc), to_text(row.get("phone"))))
                continue
            company = texts["company"] or ""
            phone = texts["phone"] or ""
            if not company:
                summary.invalid.append(RejectedRow(index, "company is empty", phone or None))
                continue
            norm = self.normalise(phone) if phone else None
            if not norm:
                summary.invalid.append(RejectedRow(index, f"not a phone number: {phone!r}", phone or None))
                continue
            values = {k: row.get(k) for k in LEAD_FIELDS}
            values.update(texts)
            values.update(company=company, phone=phone, phone_norm=norm, do_not_call=int(bool(row.get("do_not_call"))))
            if not values.get("phone_kind"):
                values["phone_kind"] = kind_of_number(norm)
            prepared.append((index, values))

        def work() -> None:
            summary.inserted.clear()
            summary.duplicates.clear()
            for index, values in prepared:
                inserted = self._column(
                    """INSERT INTO leads (company, contact, title, department, phone, phone_norm, phone_kind,
                                          industry, source, notes, do_not_call, created_at, updated_at)
                       VALUES (:company, :contact, :title, :department, :phone, :phone_norm, :phone_kind,
                               :industry, :source, :notes, :do_not_call, :stamp, :stamp)
                       ON CONFLICT (phone_norm) DO NOTHING RETURNING id""",
                    {**values, "stamp": stamp},
                )
                if inserted:
                    summary.inserted.append(inserted[0])
                else:
                    existing = self._value("SELECT id FROM leads WHERE phone_norm = ?", (values["phone_norm"],))
                    summary.duplicates.append(RejectedRow(index, "duplicate phone", values["phone"], existing))

        if prepared:
            self._tx(work)
        return summary

    def stage_leads(self) -> StagedLeads:
        """A lead list's import: stage checked rows (:meth:`StagedLeads.add`, chunk by chunk, no
        lock held), then insert the new ones in one ``BEGIN IMMEDIATE`` transaction
        (:meth:`StagedLeads.commit`), reporting duplicates within the file and numbers already
        stored. Use it as a context manager (``with store.stage_leads() as staged: …``)."""
        return StagedLeads(self)

    # ------------------------------------------------------------------ reading

    def get_lead(self, lead_id: int) -> Lead:
        row = self._row("SELECT * FROM leads WHERE id = ?", (lead_id,))
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        return Lead.from_row(row)

    def find_lead(self, phone: str) -> Lead | None:
        """The lead with this number (normalised the same way as on import), if any."""
        norm = self.normalise(phone)
        return self.find_lead_by_norm(norm) if norm else None

    def find_lead_by_norm(self, phone_norm: str) -> Lead | None:
        """The lead whose normalised number is ``phone_norm`` (as ``callscript.core.phones`` gives it), if any."""
        row = self._row("SELECT * FROM leads WHERE phone_norm = ?", (phone_norm,))
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
            where.append(f"status IN ({placeholders(statuses)})")
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
            where.append(
                "(company LIKE ? ESCAPE '\\' OR contact LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\' "
                "OR phone_norm LIKE ? ESCAPE '\\')"
            )
            like = like_contains(search)
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
        return [
            Lead.from_row(r)
            for r in self._rows(sql, [*params, self.backend.no_limit if limit is None else limit, offset])
        ]

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
        return int(self._value(f"SELECT COUNT(*) FROM leads{where}", params))

    def industries(self) -> list[str]:
        """Distinct industries of the leads (for report/filter pickers)."""
        return self._column("SELECT DISTINCT industry FROM leads WHERE industry IS NOT NULL ORDER BY industry")

    # ------------------------------------------------------------------ the lead list

    def leads_in_tier(
        self,
        tier: str,
        *,
        now: datetime | None = None,
        agent: AgentRef | None = None,
        industry: str | None = None,
        search: str | None = None,
        limit: int = 500,
    ) -> list[Lead]:
        """One tier of the lead list (:data:`callscript.core.lifecycle.LIST_TIERS`) in its order,
        never a do-not-call lead nor a lead in a call.

        ``agent`` (id, name or record; :class:`NotFound` if unknown): leave out callbacks
        and follow-ups assigned to another agent and leads another agent (or another running
        app of this agent) holds.
        ``search`` matches company, contact and phone as written, and a number in any
        spelling (seven digits or more are normalised). Read from the
        ``leads_claimable`` index in order, so it stays quick on a million leads.
        """
        if tier not in _TIER_SQL:
            raise ValueError(f"lead list tiers are {', '.join(name for name, _ in LIST_TIERS)}, not {tier!r}")
        condition, order = _TIER_SQL[tier]
        stamp = iso(self._now(now))
        where = ["do_not_call = 0", "active_call_id IS NULL", condition]
        params: dict[str, Any] = {"now": stamp, "limit": limit}
        if agent is not None:
            agent_id = params["agent"] = self._agent_id(agent, create=False)
            mine = session_clause("claim_session_id", self._blocking_sessions(agent_id, self._now(now)))
            where.append("(assigned_agent_id IS NULL OR assigned_agent_id = :agent)")
            where.append(f"(claimed_by IS NULL OR claim_expires_at <= :now OR (claimed_by = :agent AND {mine}))")
        if industry:
            params["industry"] = industry
            where.append("industry = :industry")
        if search:
            params["like"] = like_contains(search.strip())
            clauses = [f"{column} LIKE :like ESCAPE '\\'" for column in ("company", "contact", "phone", "phone_norm")]
            if sum(ch.isdigit() for ch in search) >= 7:
                norm = self.normalise(search)
                if norm:
                    params["norm"] = norm
                    clauses.append("phone_norm = :norm")
            where.append("(" + " OR ".join(clauses) + ")")
        rows = self._rows(f"SELECT * FROM leads WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :limit", params)
        return [Lead.from_row(r) for r in rows]

    def callbacks_coming_due(
        self, after: datetime, until: datetime, *, agent: AgentRef | None = None, limit: int = 50
    ) -> list[Lead]:
        """Leads whose callback time fell in (``after``, ``until``], in due order: what an agent is
        told about as it happens. Not a lead in a call, a do-not-call lead, nor (with ``agent``)
        one that waits for another agent. A range on the ``leads_claimable`` index."""
        where = [
            "do_not_call = 0",
            "active_call_id IS NULL",
            "status = 'callback'",
            "next_call_at > :after",
            "next_call_at <= :until",
        ]
        params: dict[str, Any] = {"after": iso(after), "until": iso(until), "limit": limit}
        if agent is not None:
            params["agent"] = self._agent_id(agent, create=False)
            where.append("(assigned_agent_id IS NULL OR assigned_agent_id = :agent)")
        sql = f"SELECT * FROM leads WHERE {' AND '.join(where)} ORDER BY next_call_at, id LIMIT :limit"
        return [Lead.from_row(r) for r in self._rows(sql, params)]

    def next_stage_change(self, now: datetime, *, agent: AgentRef | None = None) -> datetime | None:
        """The next moment a listed lead changes stage by the clock alone (a callback or a retry
        comes due, a follow-up window opens), or None: the lead list reads itself again then.
        One indexed look per waiting status."""
        stamp = iso(now)
        agent_sql = ""
        params: dict[str, Any] = {"now": stamp}
        if agent is not None:
            params["agent"] = self._agent_id(agent, create=False)
            agent_sql = " AND (assigned_agent_id IS NULL OR assigned_agent_id = :agent)"
        moments = []
        for status in ("callback", "mailed", "retry"):
            params["status"] = status
            value = self._value(
                "SELECT MIN(next_call_at) FROM leads WHERE do_not_call = 0 AND active_call_id IS NULL"
                f" AND status = :status AND next_call_at > :now{agent_sql}",
                params,
            )
            if value:
                moments.append(parse_iso(value))
        found = [m for m in moments if m is not None]
        return min(found) if found else None

    def no_answer_streaks(self, lead_ids: Iterable[int]) -> dict[int, int]:
        """Each lead's no-answers in a row, from its most recent finished call back
        (:func:`callscript.core.lifecycle.no_answer_streak`); 0 for a lead never called."""
        ids = list(dict.fromkeys(lead_ids))
        streaks = dict.fromkeys(ids, 0)
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            rows = self._rows(
                f"""SELECT lead_id, outcome FROM calls
                    WHERE lead_id IN ({placeholders(chunk)}) AND ended_at IS NOT NULL
                    ORDER BY lead_id, ended_at DESC, id DESC""",
                chunk,
            )
            for lead_id, calls in itertools.groupby(rows, key=lambda r: r["lead_id"]):
                streaks[lead_id] = no_answer_streak(r["outcome"] for r in calls)
        return streaks

    def maintained_leads(self, lead_ids: Iterable[int]) -> set[int]:
        """Those of ``lead_ids`` kept for maintenance: materials mailed and followed up, and the
        lead's last outcome not one that ends it (:data:`~callscript.core.lifecycle.MAINTENANCE_ENDED_BY`)."""
        ids = list(dict.fromkeys(lead_ids))
        ended = sorted(MAINTENANCE_ENDED_BY)
        found: set[int] = set()
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            found.update(
                self._column(
                    f"""SELECT DISTINCT m.lead_id FROM mailings m JOIN leads l ON l.id = m.lead_id
                        WHERE m.lead_id IN ({placeholders(chunk)}) AND m.follow_up_done_at IS NOT NULL
                          AND COALESCE(l.last_outcome, '') NOT IN ({placeholders(ended)})""",
                    [*chunk, *ended],
                )
            )
        return found

    # ------------------------------------------------------------------ editing

    def update_lead(
        self, lead_id: int, *, actor: Actor | None = None, now: datetime | None = None, **fields: Any
    ) -> Lead:
        """Change a lead's details (``LEAD_FIELDS``, ``status``, ``assigned_to``=agent or None).

        ``do_not_call=True`` marks the lead as :meth:`mark_do_not_call` does (closing its
        callbacks and follow-ups), ``False`` clears the mark as :meth:`clear_do_not_call`;
        either is audited as ``actor``'s (default: the store's own, the system actor).
        """
        allowed = set(LEAD_FIELDS) | {"status", "assigned_to"}
        unknown = set(fields) - allowed
        if unknown:
            raise TypeError(f"cannot update lead field(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        dnc: bool | None = None
        for key, value in fields.items():
            if key == "assigned_to":
                values["assigned_agent_id"] = None if value is None else self._agent_id(value)
            elif key == "status":
                if value not in LEAD_STATUSES:
                    raise ValueError(f"lead status is one of {', '.join(LEAD_STATUSES)}, not {value!r}")
                values["status"] = value
            elif key == "do_not_call":
                dnc = bool(value)
            elif key == "phone":
                phone = clean_lead_text("phone", value) or ""
                norm = self.normalise(phone)
                if not norm:
                    raise ValueError(f"not a phone number: {value!r}")
                values["phone"], values["phone_norm"] = phone, norm
                if "phone_kind" not in fields:
                    values["phone_kind"] = kind_of_number(norm)
            elif key == "company":
                company = clean_lead_text("company", value)
                if not company:
                    raise ValueError("company is empty")
                values["company"] = company
            elif key in TEXT_FIELDS:
                values[key] = clean_lead_text(key, value)
            else:
                values[key] = value
        if not values and dnc is None:
            return self.get_lead(lead_id)
        moment = self._now(now)
        values["updated_at"] = iso(moment)
        assignments = ", ".join(f"{column} = :{column}" for column in values)  # column names from a fixed list

        def work() -> None:
            if "phone_norm" in values:
                existing = self._value(
                    "SELECT id FROM leads WHERE phone_norm = ? AND id != ?", (values["phone_norm"], lead_id)
                )
                if existing is not None:
                    raise DuplicateLead(f"{values['phone']} is already lead {existing}", existing)
            if not self._execute(f"UPDATE leads SET {assignments} WHERE id = :id", {**values, "id": lead_id}):
                raise NotFound(f"no lead {lead_id}")
            if dnc is True:
                self._mark_do_not_call(lead_id, None, None, moment, actor)
            elif dnc is False:
                self._clear_do_not_call(lead_id, None, moment, actor)

        self._tx(work)
        return self.get_lead(lead_id)

    # ------------------------------------------------------------------ do-not-call

    def mark_do_not_call(
        self,
        lead_id: int,
        reason: str | None = None,
        *,
        agent: str | None = None,
        actor: Actor | None = None,
        now: datetime | None = None,
    ) -> Lead:
        """Never call this lead again (the customer asked; a refusal "不要再打了"). The one way to mark.

        In one transaction: ``do_not_call`` set, the reason appended to the lead's notes
        (``[不再拨打 2026-11-25 王芳] 客户要求``; ``agent`` is the name written there), and
        what :func:`~callscript.core.lifecycle.on_do_not_call` says: its open callbacks
        and pending mail follow-ups closed, an unused claim released. A call in progress
        on the lead is left for the agent to finish (as ``refused``). Import never clears
        the mark. Idempotent: marking twice keeps the first note. Audited (``do_not_call_set``)
        as ``actor``'s, default the store's own (the system actor).
        """
        moment = self._now(now)
        reason, agent = clean_optional(reason, "reason"), clean_optional(agent, "agent_name")
        self._tx(lambda: self._mark_do_not_call(lead_id, reason, agent, moment, actor))
        return self.get_lead(lead_id)

    def _mark_do_not_call(
        self, lead_id: int, reason: str | None, agent: str | None, moment: datetime, actor: Actor | None
    ) -> None:
        row = self._row("SELECT do_not_call, notes, active_call_id FROM leads WHERE id = ?", (lead_id,))
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        if row["do_not_call"]:
            return
        effects = on_do_not_call(in_call=row["active_call_id"] is not None)
        stamp = iso(moment)
        notes = do_not_call_note(row["notes"], reason, agent, moment.date())
        release = (
            ", claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL, claim_session_id = NULL"
            if effects.releases_claim
            else ""
        )
        self._execute(
            f"UPDATE leads SET do_not_call = 1, notes = ?, updated_at = ?{release} WHERE id = ?",
            (notes, stamp, lead_id),
        )
        self._complete_open_work(
            lead_id, stamp, callbacks=effects.closes_callbacks, follow_ups=effects.closes_follow_ups
        )
        detail = {"reason": reason} if reason else None
        self.audit(AuditAction.DO_NOT_CALL_SET, actor=actor, target=f"lead:{lead_id}", detail=detail, now=moment)

    def mark_do_not_call_by_phone(
        self,
        phone: str,
        reason: str | None = None,
        *,
        company: str | None = None,
        agent: str | None = None,
        phone_norm: str | None = None,
        phone_kind: str | None = None,
        actor: Actor | None = None,
        now: datetime | None = None,
    ) -> tuple[Lead, bool]:
        """Do-not-call by number: the lead with this number is marked (:meth:`mark_do_not_call`);
        a number not yet known is added as a closed do-not-call lead (company ``(不再拨打)``
        unless given), so a later import skips it. Returns (lead, created).

        ``phone_norm``/``phone_kind``: the number already normalised by the caller (e.g. for
        another region); otherwise the store's ``normalise`` (ValueError if not a number).
        """
        phone = clean_lead_text("phone", phone) or ""
        company = clean_lead_text("company", company)
        reason, agent = clean_optional(reason, "reason"), clean_optional(agent, "agent_name")
        norm = phone_norm or self.normalise(phone)
        if not norm:
            raise ValueError(f"not a phone number: {phone!r}")
        kind = phone_kind or kind_of_number(norm)
        moment = self._now(now)

        def work() -> tuple[int, bool]:
            existing = self._value("SELECT id FROM leads WHERE phone_norm = ?", (norm,))
            if existing is not None:
                self._mark_do_not_call(existing, reason, agent, moment, actor)
                return int(existing), False
            stamp = iso(moment)
            lead_id = self._insert(
                """INSERT INTO leads (company, phone, phone_norm, phone_kind, notes, do_not_call, status,
                                      created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, 1, 'closed', ?, ?)""",
                (
                    company or "(不再拨打)",
                    phone,
                    norm,
                    kind,
                    do_not_call_note(None, reason, agent, moment.date()),
                    stamp,
                    stamp,
                ),
            )
            detail = {"reason": reason, "new_lead": True} if reason else {"new_lead": True}
            self.audit(AuditAction.DO_NOT_CALL_SET, actor=actor, target=f"lead:{lead_id}", detail=detail, now=moment)
            return lead_id, True

        lead_id, created = self._tx(work)
        return self.get_lead(lead_id), created

    def clear_do_not_call(
        self, lead_id: int, *, agent: str | None = None, actor: Actor | None = None, now: datetime | None = None
    ) -> Lead:
        """Undo a do-not-call marked by mistake (supervisor). The note stays, with a line saying it was
        undone; audited (``do_not_call_cleared``) as ``actor``'s."""
        moment = self._now(now)
        agent = clean_optional(agent, "agent_name")
        self._tx(lambda: self._clear_do_not_call(lead_id, agent, moment, actor))
        return self.get_lead(lead_id)

    def _clear_do_not_call(self, lead_id: int, agent: str | None, moment: datetime, actor: Actor | None) -> None:
        row = self._row("SELECT do_not_call, notes FROM leads WHERE id = ?", (lead_id,))
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        if not row["do_not_call"]:
            return
        self._execute(
            "UPDATE leads SET do_not_call = 0, notes = ?, updated_at = ? WHERE id = ?",
            (undo_do_not_call_note(row["notes"], agent, moment.date()), iso(moment), lead_id),
        )
        self.audit(AuditAction.DO_NOT_CALL_CLEARED, actor=actor, target=f"lead:{lead_id}", now=moment)

    def set_do_not_call(self, lead_id: int, flag: bool = True) -> Lead:
        """:meth:`mark_do_not_call` (``flag``) or :meth:`clear_do_not_call`."""
        return self.mark_do_not_call(lead_id) if flag else self.clear_do_not_call(lead_id)

    def do_not_call_leads(self, *, limit: int | None = None) -> list[Lead]:
        """The do-not-call list, most recently marked first."""
        rows = self._rows(
            "SELECT * FROM leads WHERE do_not_call = 1 ORDER BY updated_at DESC, id DESC LIMIT ?",
            (self.backend.no_limit if limit is None else limit,),
        )
        return [Lead.from_row(r) for r in rows]

    # ------------------------------------------------------------------ written by finish_call

    def _set_after_call(
        self, lead_id: int, after: AfterCall, outcome: str, agent_id: int, assigned: int | None, stamp: str | None
    ) -> None:
        """The lead as the call left it: status and next call from the life cycle, one more
        attempt, no longer in a call or claimed."""
        self._execute(
            """UPDATE leads SET status = ?, next_call_at = ?, attempts = attempts + 1, last_called_at = ?,
                   last_outcome = ?, assigned_agent_id = ?, active_call_id = NULL, claimed_by = NULL,
                   claimed_at = NULL, claim_expires_at = NULL, claim_session_id = NULL, updated_at = ?
               WHERE id = ?""",
            (
                after.status,
                iso(after.next_call_at),
                stamp,
                outcome,
                agent_id if after.assign_to_caller else assigned,
                stamp,
                lead_id,
            ),
        )
