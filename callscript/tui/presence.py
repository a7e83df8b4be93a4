"""The agents' app says where it is: its state on its session row, every few seconds.

What the agent is doing is read off the app itself — which screens are up, whether it is
locked — by :func:`app_presence`, twice a second on the event loop (a walk of a handful of
screens: microseconds). A change of state, or a new node in the call, is written at once; an
unchanged state is written as a heartbeat every
:data:`~callscript.core.presence.HEARTBEAT_SECONDS`. Every write goes to the database thread
(``Backend.submit``): the event loop never waits for SQLite, and while one write is still
queued behind other work the next is not added (a busy database thread is not flooded).

The states (docs/floor.md): a pause screen is up → 暂停 (with its reason, even under the idle
lock); locked → 锁定 (with the call underneath, if any); a call whose ending has not been
reached → 通话中 at its node; a call at its ending, or its summary card → 整理中; else 就绪.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from callscript.core.presence import HEARTBEAT_SECONDS, AgentState, PauseReason, Presence
from callscript.tui.backend import CallInfo

if TYPE_CHECKING:
    from textual.app import App

    from callscript.tui.backend import Backend

TICK_SECONDS = 0.5
"""How often the app looks at itself (a new state is on the board within this plus the board's refresh)."""


def app_presence(app: App[Any], *, locked: bool) -> Presence:
    """The app's state from its screens (see the module docstring)."""
    call_id = node = title = None
    finished = False
    for screen in reversed(app.screen_stack):
        reason = getattr(screen, "pause_reason", None)
        if isinstance(reason, PauseReason):
            return Presence(AgentState.PAUSED, reason=reason)
        info = getattr(screen, "info", None)
        session = getattr(screen, "session", None)
        if call_id is None and isinstance(info, CallInfo) and session is not None:
            call_id, finished = info.call_id, bool(session.finished)
            node, title = session.node_id, session.node.title
    if locked:
        return Presence(AgentState.LOCKED, call_id=call_id, node=node, node_title=title)
    if call_id is None:
        return Presence(AgentState.READY)
    state = AgentState.WRAP_UP if finished else AgentState.IN_CALL
    return Presence(state, call_id=call_id, node=node, node_title=title)


class PresenceReporter:
    """Looks at the app every :data:`TICK_SECONDS` and writes what changed (or a heartbeat)."""

    def __init__(
        self,
        backend: Backend,
        look: Callable[[], Presence],
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.look = look
        self.heartbeat = heartbeat
        self.clock = clock
        self.last: Presence | None = None
        """What was last handed to the database thread."""
        self.written = 0
        self._sent_at = float("-inf")
        self._pending: Future[None] | None = None
        self._pending_changed = False

    def tick(self) -> None:
        """One look; a write when the state changed, the node moved, or a heartbeat is due."""
        pending = self._pending
        if pending is not None:
            if not pending.done():
                return  # the database thread is busy: the next tick tries again
            self._pending = None
            if pending.exception() is not None and self._pending_changed:
                self.last = None  # the new state did not land: write it as a change again
        presence = self.look()
        last = self.last
        changed = last is None or presence.state_key != last.state_key
        now = self.clock()
        if not changed and presence == last and now - self._sent_at < self.heartbeat:
            return
        self.last = presence
        self._sent_at = now
        self._pending_changed = changed
        self._pending = self.backend.submit(self.backend.report_presence, presence, changed)
        self.written += 1
