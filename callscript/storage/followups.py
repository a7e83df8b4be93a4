"""Callbacks (a prospect asked to be called at a time) and mailings (materials posted,
with the follow-up call they make due). Which calls create and complete them is the
life cycle's rule (:func:`callscript.core.lifecycle.after_call`); this part stores them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from callscript.core.lifecycle import MailingPlan
from callscript.storage.agents import AgentRef, AgentsMixin
from callscript.storage.records import Callback, Mailing
from callscript.storage.timefmt import iso, iso_day

_CALLBACK_SELECT = """SELECT cb.*, a.name AS agent, l.company, l.contact, l.phone FROM callbacks cb
                      JOIN agents a ON a.id = cb.agent_id JOIN leads l ON l.id = cb.lead_id"""

_MAILING_SELECT = """SELECT m.*, a.name AS agent, l.company, l.contact, l.phone FROM mailings m
                     JOIN agents a ON a.id = m.agent_id JOIN leads l ON l.id = m.lead_id"""


class FollowUpsMixin(AgentsMixin):
    """Callbacks and mailings: listing, completing, and the rows ``finish_call`` and do-not-call write."""

    # ------------------------------------------------------------------ callbacks

    def callbacks(
        self, agent: AgentRef | None = None, *, open_only: bool = True, due_before: datetime | None = None
    ) -> list[Callback]:
        """Callbacks by due time (open ones by default; ``due_before``: due by then)."""
        where: list[str] = []
        params: list[Any] = []
        if open_only:
            where.append("cb.done_at IS NULL")
        if agent is not None:
            where.append("cb.agent_id = ?")
            params.append(self._agent_id(agent, create=False))
        if due_before is not None:
            where.append("cb.due_at <= ?")
            params.append(iso(due_before))
        sql = _CALLBACK_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY cb.due_at, cb.id"
        return [Callback.from_row(r) for r in self._rows(sql, params)]

    def due_callbacks(self, agent: AgentRef | None = None, *, now: datetime | None = None) -> list[Callback]:
        """Open callbacks whose time has come."""
        return self.callbacks(agent, due_before=self._now(now))

    def complete_callback(self, callback_id: int, call_id: int | None = None, *, now: datetime | None = None) -> None:
        """Mark a callback done by hand (finishing an effective call on the lead does it automatically)."""
        stamp = iso(self._now(now))
        self._tx(
            lambda: self._execute(
                "UPDATE callbacks SET done_at = ?, done_call_id = ? WHERE id = ? AND done_at IS NULL",
                (stamp, call_id, callback_id),
            )
        )

    # ------------------------------------------------------------------ mailings

    def mailings(
        self,
        agent: AgentRef | None = None,
        *,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        pending_only: bool = False,
    ) -> list[Mailing]:
        """Mailings by mail day (``since``/``until`` inclusive local days)."""
        where: list[str] = []
        params: list[Any] = []
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
        sql = _MAILING_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.mailed_on, m.id"
        return [Mailing.from_row(r) for r in self._rows(sql, params)]

    def has_mailing(self, lead_id: int) -> bool:
        """True when materials were ever mailed to the lead (a ``mailings`` row): a call on it
        now is a maintenance call (:func:`callscript.core.lifecycle.call_kind`)."""
        return self._value("SELECT EXISTS (SELECT 1 FROM mailings WHERE lead_id = ?)", (lead_id,)) == 1

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
        sql = _MAILING_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY m.follow_up_by, m.id"
        return [Mailing.from_row(r) for r in self._rows(sql, params)]

    def complete_follow_up(self, mailing_id: int, call_id: int | None = None, *, now: datetime | None = None) -> None:
        """Mark a mail follow-up done by hand (an effective call on the lead does it automatically)."""
        stamp = iso(self._now(now))
        self._tx(
            lambda: self._execute(
                """UPDATE mailings SET follow_up_done_at = ?, follow_up_call_id = ?
                   WHERE id = ? AND follow_up_done_at IS NULL""",
                (stamp, call_id, mailing_id),
            )
        )

    def mailings_for_export(self, *, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """What the mail room's export needs, one row per mailing with mail day in ``since``..``until``
        (inclusive; None: no bound), by mail day: ``mailed_on, address, follow_up_from, follow_up_by,
        call_id, agent, company, contact, title, phone, phone_norm, industry`` and the call's
        ``grade, facts`` (JSON text), ``outcome``."""
        where: list[str] = []
        params: list[Any] = []
        if since is not None:
            where.append("m.mailed_on >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("m.mailed_on <= ?")
            params.append(until.isoformat())
        return self._rows(
            f"""SELECT m.mailed_on, m.address, m.follow_up_from, m.follow_up_by, m.call_id, a.name AS agent,
                       l.company, l.contact, l.title, l.phone, l.phone_norm, l.industry,
                       c.grade, c.facts, c.outcome
                FROM mailings m
                JOIN agents a ON a.id = m.agent_id
                JOIN leads l ON l.id = m.lead_id
                JOIN calls c ON c.id = m.call_id
                {"WHERE " + " AND ".join(where) if where else ""}
                ORDER BY m.mailed_on, m.id""",
            params,
        )

    # ------------------------------------------------------------------ written by finish_call and do-not-call

    def _complete_follow_ups(self, mailing_ids: list[int], stamp: str | None, call_id: int | None) -> None:
        """These pending follow-ups are done at ``stamp`` by ``call_id`` (the life cycle chose them)."""
        self._executemany(
            """UPDATE mailings SET follow_up_done_at = ?, follow_up_call_id = ?
               WHERE id = ? AND follow_up_done_at IS NULL""",
            [(stamp, call_id, mailing_id) for mailing_id in mailing_ids],
        )

    def _add_callback(
        self, call_id: int, lead_id: int, agent_id: int, due: datetime, reason: str | None, stamp: str | None
    ) -> None:
        self._execute(
            """INSERT INTO callbacks (call_id, lead_id, agent_id, due_at, reason, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (call_id, lead_id, agent_id, iso(due), reason, stamp),
        )

    def _add_mailing(self, call_id: int, lead_id: int, agent_id: int, plan: MailingPlan) -> None:
        self._execute(
            """INSERT INTO mailings (call_id, lead_id, agent_id, address, mailed_on, follow_up_from, follow_up_by)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (
                call_id,
                lead_id,
                agent_id,
                plan.address,
                plan.mailed_on.isoformat(),
                plan.follow_up_from.isoformat(),
                plan.follow_up_by.isoformat(),
            ),
        )

    def _complete_open_work(
        self,
        lead_id: int,
        stamp: str | None,
        call_id: int | None = None,
        *,
        callbacks: bool = True,
        follow_ups: bool = True,
    ) -> None:
        """The lead's open callbacks and pending follow-ups are done at ``stamp`` (by ``call_id``, if a call)."""
        if callbacks:
            self._execute(
                "UPDATE callbacks SET done_at = ?, done_call_id = ? WHERE lead_id = ? AND done_at IS NULL",
                (stamp, call_id, lead_id),
            )
        if follow_ups:
            self._execute(
                """UPDATE mailings SET follow_up_done_at = ?, follow_up_call_id = ?
                   WHERE lead_id = ? AND follow_up_done_at IS NULL""",
                (stamp, call_id, lead_id),
            )
