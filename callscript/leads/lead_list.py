"""The lead list: one model for ``callscript leads list`` and the app's lead list.

Each row is a lead with its life-cycle *stage* (:func:`callscript.core.lifecycle.lead_stage`:
callback due, follow-up due, new, retry due, scheduled later, set aside, finished),
read through the store's public methods: one query per tier of
:data:`~callscript.core.lifecycle.LIST_TIERS`, then the no-answer streaks and the
maintained set for the leads that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from callscript.core.lifecycle import (
    DUE_STAGES,
    FINISHED_STAGES,
    LIST_TIERS,
    STAGE_LABELS,
    STAGE_ORDER,
    lead_stage,
    stage_marker,
)
from callscript.core.phones import dial_form
from callscript.storage.timefmt import to_local

if TYPE_CHECKING:
    from callscript.storage import AgentRef, Lead


class LeadSource(Protocol):
    """What the lead list reads: a :class:`~callscript.storage.Store`, or the app's acting view of
    one (``Store.acting_as``), which narrows the tiers to the actor's own work and the pool."""

    def now(self) -> datetime: ...

    def leads_in_tier(
        self,
        tier: str,
        *,
        now: datetime | None = ...,
        agent: AgentRef | None = ...,
        industry: str | None = ...,
        search: str | None = ...,
        limit: int = ...,
    ) -> list[Lead]: ...

    def no_answer_streaks(self, lead_ids: Sequence[int]) -> dict[int, int]: ...

    def maintained_leads(self, lead_ids: Sequence[int]) -> set[int]: ...


@dataclass(frozen=True, slots=True)
class LeadListRow:
    """One line of the lead list."""

    lead: Lead
    stage: str
    due_at: datetime | None
    no_answers: int = 0
    """No-answers in a row so far."""
    phone_display: str = ""
    """The number as a person dials it (``139 1876 5432``), worked out when the list is read
    (for the app: on its database thread, so the screen never parses numbers)."""

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def due(self) -> bool:
        return self.stage in DUE_STAGES

    @property
    def marker(self) -> str:
        """``●`` due now · ``○`` scheduled later · ``–`` set aside · blank otherwise."""
        return stage_marker(self.stage)

    @property
    def attempts(self) -> int:
        return self.lead.attempts


def lead_list(
    store: LeadSource,
    *,
    agent: AgentRef | None = None,
    industry: str | None = None,
    search: str | None = None,
    stages: Sequence[str] | None = None,
    include_closed: bool = False,
    limit: int = 500,
    now: datetime | None = None,
) -> list[LeadListRow]:
    """The lead list: due work first (callbacks due, follow-ups due), new leads, retries,
    then leads scheduled later; never a do-not-call lead nor one in a call.

    ``agent`` (id, name or Agent): leave out callbacks/follow-ups assigned to another
    agent and leads another agent holds (``NotFound`` for an unknown name).
    ``include_closed`` adds maintained, closed and dead leads at the end. ``stages``
    keeps only those stages. At most ``limit`` rows; each tier is read from the
    ``leads_claimable`` index in order, so the list is quick on a million leads.
    """
    moment = store.now() if now is None else to_local(now)
    wanted = set(stages) if stages else None
    leads: list[Lead] = []
    for tier, produces in LIST_TIERS:
        if produces == FINISHED_STAGES and not (include_closed or (wanted is not None and wanted & produces)):
            continue
        if wanted is not None and not (produces & wanted):
            continue
        room = limit - len(leads)
        if room <= 0:
            break
        leads += store.leads_in_tier(tier, now=moment, agent=agent, industry=industry, search=search, limit=room)

    retry_ids = [lead.id for lead in leads if lead.status == "retry" and lead.last_outcome == "no_answer"]
    streaks = store.no_answer_streaks(retry_ids) if retry_ids else {}
    closed_ids = [lead.id for lead in leads if lead.status == "closed"]
    maintained = store.maintained_leads(closed_ids) if closed_ids else set()
    rows = []
    for lead in leads:
        streak = streaks.get(lead.id, 0)
        stage = lead_stage(lead.status, lead.next_call_at, moment, streak=streak, maintained=lead.id in maintained)
        if wanted is not None and stage not in wanted:
            continue
        rows.append(LeadListRow(lead, stage, lead.next_call_at, streak, dial_form(lead.phone_norm, lead.phone)))
    rows.sort(key=lambda r: STAGE_ORDER[r.stage])  # stable: each stage keeps its tier's order
    return rows
