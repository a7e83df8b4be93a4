"""Claiming leads: many agents, one file, no lead called twice at once.

A claim reserves a lead for one agent — and one running app of that agent, its app
session (:mod:`callscript.storage.app_sessions`) — for ``claim_hold`` (15 min) between
picking it and dialling; a lead in a call (``active_call_id``) is never offered, whatever
its claim says; do-not-call, ``closed`` and ``dead`` leads never. Which statuses the queue
offers, and in which order, is the life cycle's :data:`~callscript.core.lifecycle.CLAIM_TIERS`.

On SQLite every claim is one ``BEGIN IMMEDIATE`` transaction: claims happen one at a time.
On PostgreSQL they run side by side, so the SELECT that picks the lead ends in
``FOR UPDATE SKIP LOCKED`` (a lead another agent is taking this instant is skipped, and one
they took is seen taken), and a lead claimed or dialled by id is locked (``FOR UPDATE``)
before it is checked: no lead is ever handed to two agents (tests/storage/test_concurrency.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from callscript.core.lifecycle import CLAIM_TIERS, is_callable_status
from callscript.storage.agents import AgentRef
from callscript.storage.app_sessions import session_clause
from callscript.storage.base import placeholders
from callscript.storage.errors import ErrorCode, LeadUnavailable
from callscript.storage.leads import LeadsMixin
from callscript.storage.records import Lead
from callscript.storage.timefmt import iso


class ClaimsMixin(LeadsMixin):
    """``claim_next_lead``, ``claim_lead``, ``release_lead``."""

    def claim_next_lead(
        self,
        agent: AgentRef,
        *,
        kinds: Sequence[str] = CLAIM_TIERS,
        now: datetime | None = None,
        hold: timedelta | None = None,
    ) -> Lead | None:
        """Atomically reserve the next lead for ``agent`` (None when nothing is due).

        If the agent already holds an unexpired claim on a lead not yet in a call, that
        lead is returned again (so a crash between claim and dial loses nothing) — unless
        the claim belongs to another live app session of the same agent (a second window):
        that lead is the other app's until it is dialled, released or the claim expires.
        Otherwise the first due lead of the first tier in ``kinds`` (see
        :data:`~callscript.core.lifecycle.CLAIM_TIERS`; mail follow-ups only inside the
        ``follow_up_window``) is claimed for ``hold`` (default ``claim_hold``); a claim
        that expires unused goes back to the pool. Callbacks and follow-ups assigned to
        another agent are not offered.
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
            mine = session_clause("claim_session_id", self._blocking_sessions(agent_id, moment))
            lead_id = self._value(
                f"""SELECT id FROM leads WHERE claimed_by = ? AND {mine} AND active_call_id IS NULL
                    AND claim_expires_at > ? AND do_not_call = 0 AND status IN ({placeholders(CLAIM_TIERS)})
                    ORDER BY claimed_at, id LIMIT 1{self._lock_rows}""",
                (agent_id, stamp, *CLAIM_TIERS),
            )
            for status in tiers if lead_id is None else ():
                lead_id = self._value(
                    f"""SELECT id FROM leads
                        WHERE status = :status AND do_not_call = 0 AND active_call_id IS NULL
                          AND (next_call_at IS NULL OR next_call_at <= :now)
                          AND (claimed_by IS NULL OR claim_expires_at <= :now OR (claimed_by = :agent AND {mine}))
                          AND (assigned_agent_id IS NULL OR assigned_agent_id = :agent)
                        ORDER BY next_call_at, id LIMIT 1{self._lock_rows}""",
                    {"status": status, "now": stamp, "agent": agent_id},
                )
                if lead_id is not None:
                    break
            if lead_id is None:
                return None
            self._execute(
                """UPDATE leads SET claimed_by = ?, claimed_at = ?, claim_expires_at = ?, claim_session_id = ?,
                       updated_at = ?
                   WHERE id = ?""",
                (agent_id, stamp, until, self.app_session_id, stamp, lead_id),
            )
            self._touch_session(stamp)
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
            self._lock_lead(lead_id)
            self._check_available(self.get_lead(lead_id), agent_id, moment)
            self._execute(
                """UPDATE leads SET claimed_by = ?, claimed_at = ?, claim_expires_at = ?, claim_session_id = ?,
                       updated_at = ? WHERE id = ?""",
                (agent_id, stamp, iso(moment + (hold or self.claim_hold)), self.app_session_id, stamp, lead_id),
            )
            self._touch_session(stamp)
            return self.get_lead(lead_id)

        return self._tx(work)

    def _lock_lead(self, lead_id: int) -> None:
        """Hold the lead's row until the transaction ends (PostgreSQL: ``FOR UPDATE``), so what
        :meth:`_check_available` reads is still true when the claim or the call is written. On
        SQLite ``BEGIN IMMEDIATE`` already holds the whole file."""
        if self._lock_row:
            self._value(f"SELECT id FROM leads WHERE id = ?{self._lock_row}", (lead_id,))

    def _check_available(self, lead: Lead, agent_id: int, moment: datetime) -> None:
        """Raise :class:`LeadUnavailable` (with its reason code) unless ``agent_id``, in this store's
        app session, may take ``lead`` now: not do-not-call, ``closed`` or ``dead``, not in a call,
        not held by another agent nor by another live app of the same agent."""
        if lead.do_not_call:
            raise LeadUnavailable(
                f"lead {lead.id} ({lead.company}) is marked do-not-call", code=ErrorCode.LEAD_DO_NOT_CALL
            )
        if not is_callable_status(lead.status):
            code = ErrorCode.LEAD_DEAD if lead.status == "dead" else ErrorCode.LEAD_CLOSED
            raise LeadUnavailable(f"lead {lead.id} ({lead.company}) is {lead.status}: not called again", code=code)
        if lead.active_call_id is not None:
            raise LeadUnavailable(
                f"lead {lead.id} ({lead.company}) is in call {lead.active_call_id}", code=ErrorCode.LEAD_IN_CALL
            )
        held = lead.claimed_by is not None and lead.claim_expires_at is not None and lead.claim_expires_at > moment
        if held and lead.claimed_by != agent_id:
            raise LeadUnavailable(
                f"lead {lead.id} ({lead.company}) is claimed by another agent", code=ErrorCode.LEAD_CLAIMED_BY_OTHER
            )
        if held and lead.claim_session_id in self._blocking_sessions(agent_id, moment):
            raise LeadUnavailable(
                f"lead {lead.id} ({lead.company}) is held by your other app (session {lead.claim_session_id})",
                code=ErrorCode.LEAD_CLAIMED_BY_OTHER_SESSION,
            )

    def release_lead(self, lead_id: int, agent: AgentRef, *, now: datetime | None = None) -> bool:
        """Give back an unused claim (the agent skips the lead). False if the agent did not hold it."""
        stamp = iso(self._now(now))

        def work() -> bool:
            changed = self._execute(
                """UPDATE leads SET claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL,
                       claim_session_id = NULL, updated_at = ?
                   WHERE id = ? AND claimed_by = ? AND active_call_id IS NULL""",
                (stamp, lead_id, self._agent_id(agent)),
            )
            return changed == 1

        return self._tx(work)

    # ------------------------------------------------------------------ a lead and its call

    def _lock_to_call(self, lead_id: int, call_id: int, agent_id: int, stamp: str | None) -> None:
        """The lead is in this call now: never offered, whatever its claim says, until the call ends."""
        self._execute(
            """UPDATE leads SET active_call_id = ?, claimed_by = ?, claimed_at = COALESCE(claimed_at, ?),
               claim_expires_at = NULL, claim_session_id = ?, updated_at = ? WHERE id = ?""",
            (call_id, agent_id, stamp, self.app_session_id, stamp, lead_id),
        )
        self._touch_session(stamp)

    def _unlock_from_call(self, lead_id: int, call_id: int) -> None:
        """The call was discarded: the lead is no longer in it (its claim stays until released)."""
        self._execute("UPDATE leads SET active_call_id = NULL WHERE id = ? AND active_call_id = ?", (lead_id, call_id))
