"""The lead list keeps itself current, cheaply, and says when a callback comes due.

An agent's screen asks :meth:`ListWatch.look` every few seconds. A look that finds nothing
new costs one :meth:`~callscript.storage.Store.change_marker` (no table is read): with the
data unchanged since the last look and the clock short of the next moment a lead changes
stage by itself (which covers every callback falling due), no callback can have come due,
so the range of due callbacks is not read either. Only when the data changed, a callback came due, or a
listed lead's time came round (:meth:`~callscript.storage.Store.next_stage_change`) does it
say the list is *stale*, and the caller reads the list again (:func:`~callscript.leads.lead_list`,
which orders due callbacks first). So on a floor of a hundred thousand leads the list
follows every claim, call and import, and an idle one costs next to nothing.

Alerts: a callback whose time falls between two looks is a :class:`DueAlert`, once, for
the agent it waits for (or anyone, when unassigned). Callbacks already due when watching
starts are not alerts: they are at the top of the list, in red.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from callscript.storage import AgentRef, Lead


class WatchSource(Protocol):
    """What a look reads: a :class:`~callscript.storage.Store`, or the app's acting view of one
    (which narrows the callbacks to the actor's own)."""

    def change_marker(self) -> tuple[int, int]: ...

    def callbacks_coming_due(
        self, after: datetime, until: datetime, *, agent: AgentRef | None = ..., limit: int = ...
    ) -> list[Lead]: ...

    def next_stage_change(self, now: datetime, *, agent: AgentRef | None = ...) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class DueAlert:
    """A callback that has just come due."""

    lead: Lead
    due_at: datetime

    @property
    def text(self) -> str:
        """The notice: ``回电时间到: 东莞长安五金制品厂 陈志强 (约好 09:30)``."""
        who = " ".join(x for x in (self.lead.company, self.lead.contact) if x)
        return f"回电时间到: {who} (约好 {self.due_at:%H:%M})"


@dataclass(frozen=True, slots=True)
class Look:
    """What one look found."""

    stale: bool
    """The list shown may be out of date: read it again."""
    came_due: tuple[DueAlert, ...] = ()
    """Callbacks that came due since the last look (tell the agent)."""


class ListWatch:
    """One agent's view of the floor: has anything changed since I last looked?

    Not thread-safe: one watch per app, used on the thread that owns the store.
    """

    def __init__(self, agent: AgentRef | None = None) -> None:
        self.agent = agent
        self._marker: tuple[int, int] | None = None
        self._since: datetime | None = None
        self._next_change: datetime | None = None

    def look(self, store: WatchSource, now: datetime) -> Look:
        """One look at ``now`` (see the module docstring)."""
        marker = store.change_marker()
        if self._nothing_can_have_changed(marker, now):
            self._since = max(self._since or now, now)
            return Look(False)
        came_due: tuple[DueAlert, ...] = ()
        if self._since is not None and now > self._since:  # the windows never overlap: each alert once
            leads = store.callbacks_coming_due(self._since, now, agent=self.agent)
            came_due = tuple(DueAlert(lead, lead.next_call_at) for lead in leads if lead.next_call_at is not None)
        stale = (
            self._since is None
            or marker != self._marker
            or bool(came_due)
            or (self._next_change is not None and now >= self._next_change)
        )
        if stale:
            self._next_change = store.next_stage_change(now, agent=self.agent)
        self._marker = marker
        self._since = now if self._since is None else max(self._since, now)
        return Look(stale, came_due)

    def _nothing_can_have_changed(self, marker: tuple[int, int], now: datetime) -> bool:
        """The data is as it was at the last look, and ``now`` is before the next moment a lead
        changes stage by the clock (``next_stage_change``: the earliest waiting callback, retry
        or follow-up, as of that data): no callback can have come due, and the list is current."""
        if self._since is None or marker != self._marker:
            return False
        return self._next_change is None or now < self._next_change
