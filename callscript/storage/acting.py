"""The store as one account sees it: :meth:`Store.acting_as` → :class:`ActingStore`.

Roles are enforced here, in the core, not by hiding screens: an app holds only the
acting view of its logged-in account, never the :class:`~callscript.storage.Store`
itself. Every method of the view

1. checks the account is still enabled (one primary-key read): a disabled account's
   running sessions end at their next action, with :class:`PermissionDenied`
   (``account_disabled``);
2. checks the role's permission (:data:`callscript.core.access.ROLE_PERMISSIONS`),
   else ``not_permitted``;
3. narrows what it reads to the actor's own rows unless the role reads every agent's
   (``ALL_AGENTS``): callbacks, follow-ups, calls, unfinished calls, day reviews, and
   the lead list (the shared pool plus the agent's own callbacks and follow-ups);
4. refuses another agent's rows outright where a row is named (``not_own``): writing
   into, finishing or resuming a call made by someone else — for every role: a
   supervisor reads every call but writes only their own;
5. names the actor in the audit entries of the changes it makes (do-not-call, remarks,
   publishes, the session's own logout and idle lock).

The methods keep the Store's names and meanings, so code written against the Store
(``callscript.leads.lead_list``) runs on the view unchanged. The local system actor
(the CLI) has every permission and sees everything: it is the database file's owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from callscript.core.access import Actor, AuditAction, Denial, Permission, PermissionDenied
from callscript.core.lifecycle import CLAIM_TIERS
from callscript.storage.accounts import AccountsMixin
from callscript.storage.agents import AgentRef
from callscript.storage.backup import BackupMixin
from callscript.storage.errors import NotFound
from callscript.storage.floor import FloorMixin, FloorSnapshot, Reassigned
from callscript.storage.records import (
    Agent,
    AppSession,
    AuditEntry,
    Callback,
    CallRecord,
    DayReview,
    EventRecord,
    Lead,
    Mailing,
    UnfinishedCall,
)

if TYPE_CHECKING:
    from callscript.core.presence import Presence, SessionSpan, StateInterval
    from callscript.script.model import Script
    from callscript.script.session import CallSession


class StoreParts(BackupMixin, AccountsMixin, FloorMixin):
    """Every part of the :class:`~callscript.storage.Store` but bulk history: what an acting
    view reads and writes through (the Store is exactly this plus ``HistoryMixin``)."""

    def acting_as(self, actor: Actor) -> ActingStore:
        """This store as ``actor`` sees it: the only object an app holds after its login."""
        return ActingStore(self, actor)


class ActingStore:
    """One account's view of the store: permission checks, narrowed reads, audited changes."""

    def __init__(self, store: StoreParts, actor: Actor):
        self._store = store
        self._actor = actor
        self._call_owners: dict[int, int] = {}
        """call id → agent id, as read (a call's agent never changes)."""

    @property
    def actor(self) -> Actor:
        return self._actor

    # ------------------------------------------------------------------ the checks

    def check_active(self) -> None:
        """Raise ``account_disabled`` if the account was disabled (or removed) since its login."""
        account_id = self._actor.account_id
        if account_id is None:
            return
        if self._store.account_disabled_at(account_id) is not None:
            raise PermissionDenied(f"account {self._actor.name} is disabled", code=Denial.ACCOUNT_DISABLED)

    def _allow(self, permission: Permission) -> None:
        self.check_active()
        self._actor.require(permission)

    def _own_agent(self) -> int:
        return self._actor.own_agent_id()

    def _scope(self, agent: AgentRef | None) -> AgentRef | None:
        """The agent a read is narrowed to: as asked for a role that sees every agent; the
        actor's own otherwise (asking for someone else's is ``not_own``)."""
        if self._actor.sees_every_agent:
            return agent
        own = self._own_agent()
        if agent is not None and self._store._agent_id(agent, create=False) != own:
            raise PermissionDenied(f"{self._actor.name} may read only their own rows", code=Denial.NOT_OWN)
        return own

    def _owner_of(self, call_id: int) -> int:
        owner = self._call_owners.get(call_id)
        if owner is None:
            owner = self._call_owners[call_id] = self._store.call_owner(call_id)
        return owner

    def _own_call(self, call_id: int) -> None:
        """Writing into a call: only the actor's own (the system actor: any)."""
        if self._actor.is_system:
            return
        if self._owner_of(call_id) != self._own_agent():
            raise PermissionDenied(f"call {call_id} is another agent's", code=Denial.NOT_OWN)

    def _readable_call(self, call_id: int) -> None:
        if not self._actor.sees_every_agent:
            self._own_call(call_id)

    # ------------------------------------------------------------------ plain reads

    def now(self) -> datetime:
        return self._store.now()

    def industries(self) -> list[str]:
        self._allow(Permission.CALL)
        return self._store.industries()

    def get_lead(self, lead_id: int) -> Lead:
        """A lead's card. Leads are the floor's shared pool; what is narrowed is the work on them."""
        self._allow(Permission.CALL)
        return self._store.get_lead(lead_id)

    def agent(self) -> int:
        """The agent id the actor's calls are made as (``no_agent`` if none)."""
        self.check_active()
        return self._own_agent()

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
        """The lead list's tier as the actor works it: the shared pool and the actor's own
        callbacks and follow-ups (a role that sees every agent may ask for anyone's)."""
        self._allow(Permission.CALL)
        scope = self._scope(agent)
        return self._store.leads_in_tier(tier, now=now, agent=scope, industry=industry, search=search, limit=limit)

    def no_answer_streaks(self, lead_ids: Sequence[int]) -> dict[int, int]:
        self._allow(Permission.CALL)
        return self._store.no_answer_streaks(lead_ids)

    def maintained_leads(self, lead_ids: Sequence[int]) -> set[int]:
        self._allow(Permission.CALL)
        return self._store.maintained_leads(lead_ids)

    def add_lead(self, company: str, phone: str, **fields: Any) -> Lead:
        self._allow(Permission.CALL)
        return self._store.add_lead(company, phone, **fields)

    def count_leads(self) -> int:
        """How many leads the database holds (the lead list's "empty database" check)."""
        self._allow(Permission.CALL)
        return self._store.count_leads()

    def change_marker(self) -> tuple[int, int]:
        """Whether anything changed since the last reading (no data is read)."""
        self.check_active()
        return self._store.change_marker()

    def callbacks_coming_due(
        self, after: datetime, until: datetime, *, agent: AgentRef | None = None, limit: int = 50
    ) -> list[Lead]:
        """Callbacks that came due in (``after``, ``until``]: the actor's own (a role that sees
        every agent may ask for anyone's)."""
        self._allow(Permission.CALL)
        return self._store.callbacks_coming_due(after, until, agent=self._scope(agent), limit=limit)

    def next_stage_change(self, now: datetime, *, agent: AgentRef | None = None) -> datetime | None:
        self._allow(Permission.CALL)
        return self._store.next_stage_change(now, agent=self._scope(agent))

    def has_mailing(self, lead_id: int) -> bool:
        """Whether the lead was mailed before: a call on it is then maintenance (which script)."""
        self._allow(Permission.CALL)
        return self._store.has_mailing(lead_id)

    # ------------------------------------------------------------------ this running app

    def open_app_session(self, *, host: str | None = None, pid: int | None = None) -> AppSession:
        """This running app's session, as the actor's own agent (its claims are its own)."""
        self._allow(Permission.CALL)
        return self._store.open_app_session(self._own_agent(), host=host, pid=pid)

    def other_live_sessions(self) -> list[AppSession]:
        """The actor's other running apps (a second window): told, not refused."""
        self._allow(Permission.CALL)
        return self._store.other_live_sessions(self._own_agent())

    def end_app_session(self) -> None:
        self._store.end_app_session()

    def report_presence(self, presence: Presence, *, changed: bool) -> None:
        """This running app's state (a heartbeat, or a change of state: docs/floor.md).

        Not checked against the account like every other method: a heartbeat is one UPDATE by
        primary key every few seconds, and the row is the app's own (this store's session);
        a disabled account's app still ends at its next action."""
        self._store.report_presence(presence, changed=changed)

    # ------------------------------------------------------------------ the floor (supervisors)

    def floor_snapshot(self, **plan: Any) -> FloorSnapshot:
        """The board's one read (:meth:`Store.floor_snapshot`): the ``floor`` permission."""
        self._allow(Permission.FLOOR)
        return self._store.floor_snapshot(**plan)

    def floor_settings(self) -> dict[str, str]:
        """The thresholds and pause maxima (every app reads the pause maxima: the agent sees them)."""
        self._allow(Permission.CALL)
        return self._store.floor_settings()

    def set_floor_setting(self, key: str, value: str | int) -> int:
        self._allow(Permission.FLOOR)
        return self._store.set_floor_setting(key, value, actor=self._actor)

    def agents(self) -> list[Agent]:
        """Every agent (names for the floor's figures): a role that reads every agent's rows."""
        self._allow(Permission.ALL_AGENTS)
        return self._store.agents()

    def presence_day(
        self, start: datetime, end: datetime, agent: AgentRef | None = None
    ) -> dict[int, tuple[list[SessionSpan], list[StateInterval]]]:
        """The sessions and state intervals of a day: everyone's with the floor permission, else the actor's own."""
        self.check_active()
        if not self._actor.may(Permission.FLOOR):
            agent = self._scope(agent if agent is not None else self._own_agent())
        return self._store.presence_day(start, end, agent)

    def reassign_open_work(self, from_agent: AgentRef, to_agent: AgentRef) -> Reassigned:
        """An absent agent's open callbacks and follow-ups to another agent (audited as the actor's)."""
        self._allow(Permission.FLOOR)
        return self._store.reassign_open_work(from_agent, to_agent, actor=self._actor)

    def close_call_as(self, call_id: int, outcome: str, **options: Any) -> CallRecord:
        """Close another agent's stale unfinished call with an outcome (audited as the actor's)."""
        self._allow(Permission.FLOOR)
        return self._store.close_call_as(call_id, outcome, actor=self._actor, **options)

    # ------------------------------------------------------------------ claiming

    def claim_next_lead(
        self, *, kinds: Sequence[str] = CLAIM_TIERS, now: datetime | None = None, hold: timedelta | None = None
    ) -> Lead | None:
        self._allow(Permission.CALL)
        return self._store.claim_next_lead(self._own_agent(), kinds=kinds, now=now, hold=hold)

    def claim_lead(self, lead_id: int, *, now: datetime | None = None, hold: timedelta | None = None) -> Lead:
        """A particular lead; one whose callback or follow-up is another agent's is ``not_own``."""
        self._allow(Permission.CALL)
        own = self._own_agent()
        lead = self._store.get_lead(lead_id)
        if lead.assigned_agent_id not in (None, own) and not self._actor.sees_every_agent:
            raise PermissionDenied(f"lead {lead_id} is another agent's to call", code=Denial.NOT_OWN)
        return self._store.claim_lead(lead_id, own, now=now, hold=hold)

    def release_lead(self, lead_id: int, *, now: datetime | None = None) -> bool:
        self._allow(Permission.CALL)
        return self._store.release_lead(lead_id, self._own_agent(), now=now)

    # ------------------------------------------------------------------ calls

    def store_script_version(self, script: Script, *, now: datetime | None = None) -> int:
        """Register the script version the actor's calls use."""
        self._allow(Permission.CALL)
        return self._store.store_script_version(script, now=now)

    def start_call(
        self,
        lead_id: int,
        script_version_id: int,
        variables: Mapping[str, str] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        self._allow(Permission.CALL)
        own = self._own_agent()
        call_id = self._store.start_call(lead_id, own, script_version_id, variables, now=now)
        self._call_owners[call_id] = own
        return call_id

    def record_event(self, call_id: int, event: Any, *, now: datetime | None = None) -> EventRecord:
        self._allow(Permission.CALL)
        self._own_call(call_id)
        return self._store.record_event(call_id, event, now=now)

    def add_note(
        self, call_id: int, text: str, important: bool = False, *, node: str | None = None, now: datetime | None = None
    ) -> EventRecord:
        self._allow(Permission.CALL)
        self._own_call(call_id)
        return self._store.add_note(call_id, text, important, node=node, now=now)

    def finish_session(self, call_id: int, session: CallSession, **options: Any) -> CallRecord:
        self._allow(Permission.CALL)
        self._own_call(call_id)
        return self._store.finish_session(call_id, session, **options)

    def discard_call(self, call_id: int) -> None:
        self._allow(Permission.CALL)
        self._own_call(call_id)
        self._store.discard_call(call_id)

    def resume_call(self, call_id: int) -> CallSession:
        self._allow(Permission.CALL)
        self._own_call(call_id)
        return self._store.resume_call(call_id)

    def get_call(self, call_id: int) -> CallRecord:
        self._allow(Permission.CALL)
        self._readable_call(call_id)
        return self._store.get_call(call_id)

    def call_events(self, call_id: int, *, notes: bool = True) -> list[EventRecord]:
        self._allow(Permission.CALL)
        self._readable_call(call_id)
        return self._store.call_events(call_id, notes=notes)

    def list_calls(self, *, agent: AgentRef | None = None, **filters: Any) -> list[CallRecord]:
        self._allow(Permission.CALL)
        return self._store.list_calls(agent=self._scope(agent), **filters)

    def unfinished_calls(self, agent: AgentRef | None = None) -> list[UnfinishedCall]:
        """The actor's own unfinished calls (a role that sees every agent: as asked; None = everyone's)."""
        self._allow(Permission.CALL)
        if agent is None and not self._actor.sees_every_agent:
            agent = self._own_agent()
        return self._store.unfinished_calls(self._scope(agent))

    # ------------------------------------------------------------------ callbacks and follow-ups

    def callbacks(
        self, agent: AgentRef | None = None, *, open_only: bool = True, due_before: datetime | None = None
    ) -> list[Callback]:
        """Callbacks: the actor's own for an agent; anyone's (None = everyone's) for a supervisor."""
        self._allow(Permission.CALL)
        return self._store.callbacks(self._scope(agent), open_only=open_only, due_before=due_before)

    def due_callbacks(self, agent: AgentRef | None = None, *, now: datetime | None = None) -> list[Callback]:
        self._allow(Permission.CALL)
        return self._store.due_callbacks(self._scope(agent), now=now)

    def mailings(self, agent: AgentRef | None = None, **filters: Any) -> list[Mailing]:
        self._allow(Permission.CALL)
        return self._store.mailings(self._scope(agent), **filters)

    def due_follow_ups(
        self, agent: AgentRef | None = None, *, on: date | datetime | str | None = None
    ) -> list[Mailing]:
        self._allow(Permission.CALL)
        return self._store.due_follow_ups(self._scope(agent), on=on)

    # ------------------------------------------------------------------ do-not-call, remarks, publishing

    def mark_do_not_call(self, lead_id: int, reason: str | None = None, *, now: datetime | None = None) -> Lead:
        self._allow(Permission.MARK_DO_NOT_CALL)
        return self._store.mark_do_not_call(lead_id, reason, agent=self._actor.name, actor=self._actor, now=now)

    def clear_do_not_call(self, lead_id: int, *, now: datetime | None = None) -> Lead:
        self._allow(Permission.CLEAR_DO_NOT_CALL)
        return self._store.clear_do_not_call(lead_id, agent=self._actor.name, actor=self._actor, now=now)

    def set_day_review(self, agent: AgentRef, day: date | datetime | str, **parts: Any) -> DayReview:
        """优点/缺点/建议 for an agent's day (supervisor)."""
        self._allow(Permission.REMARKS)
        return self._store.set_day_review(agent, day, actor=self._actor, **parts)

    def day_review(self, agent: AgentRef, day: date | datetime | str) -> DayReview | None:
        self._allow(Permission.CALL)
        try:
            scope = self._scope(agent)
        except NotFound:
            return None
        return self._store.day_review(agent if scope is None else scope, day)

    def record_publish(self, script: Script, version_id: int, *, path: str | None = None) -> None:
        """A script version was published (the file written): audited as the actor's."""
        self._allow(Permission.EDIT_SCRIPTS)
        detail = {"version_id": version_id, "name": script.name}
        if path:
            detail["path"] = path
        self._store.audit(AuditAction.PUBLISH, actor=self._actor, target=f"script:{script.sha256[:12]}", detail=detail)

    # ------------------------------------------------------------------ the session and the audit log

    def audit_session(self, action: AuditAction) -> None:
        """The actor's own session events (logout, idle lock): always allowed, even once disabled."""
        if action not in (AuditAction.LOGOUT, AuditAction.IDLE_LOCK, AuditAction.SESSION_ENDED):
            raise ValueError(f"{action} is not a session event")
        self._store.audit(action, actor=self._actor)

    def audit_entries(self, **filters: Any) -> list[AuditEntry]:
        self._allow(Permission.AUDIT)
        return self._store.audit_entries(**filters)
