"""The agents' app says where it is: its state on its session row, at once when it changes.

What the agent is doing is read off the app itself — which screens are up, whether it is
locked — by :func:`app_presence` (a walk of a handful of screens: microseconds). The app looks
**whenever it has drawn the screen** (``App.post_display_hook``): every state is something on
screen (a call at its node, its ending, the summary card, a pause or lock screen), so no
state can change without a redraw, and no timer has to poll for it — an idle tab does
nothing between keys (docs/scaling.md). A change of state, or a new node in the call, is
written at once; an unchanged state is written as a heartbeat every
:data:`~callscript.core.presence.HEARTBEAT_SECONDS` (the app's heartbeat timer, which also
looks once more). Every write goes to the database thread (``Backend.submit``): the event
loop never waits for SQLite, and while one write is still queued behind other work the next
is not added (a busy database thread is not flooded) — the look is taken again as soon as
that write is done, so a change seen meanwhile is not left for the next heartbeat.

The states (docs/floor.md): a pause screen is up → 暂停 (with its reason, even under the idle
lock); locked → 锁定 (with the call underneath, if any); a call whose ending has not been
reached → 通话中 at its node; a call at its ending, or its summary card → 整理中; else 就绪.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from callscript.core.presence import HEARTBEAT_SECONDS, AgentState, PauseReason, Presence
from callscript.tui.backend import CallInfo

if TYPE_CHECKING:
    from textual.app import App

    from callscript.tui.backend import Backend


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
    """Looks at the app when asked (after each redraw, at each heartbeat) and writes what changed
    (or a heartbeat when one is due)."""

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
        self._waiting_on: Future[None] | None = None

    def beat(self) -> None:
        """The heartbeat timer's look: written even when nothing changed (the app is still there)."""
        self.tick(beat=True)

    def tick(self, *, beat: bool = False) -> None:
        """One look; a write when the state changed, the node moved, or a heartbeat is due (``beat``,
        or none written for :attr:`heartbeat` seconds)."""
        pending = self._pending
        if pending is not None:
            if not pending.done():
                self._look_again_when_written(pending)  # the database thread is busy
                return
            self._pending = None
            if pending.exception() is not None and self._pending_changed:
                self.last = None  # the new state did not land: write it as a change again
        presence = self.look()
        last = self.last
        changed = last is None or presence.state_key != last.state_key
        now = self.clock()
        if not changed and presence == last and not beat and now - self._sent_at < self.heartbeat:
            return
        try:
            pending = self.backend.submit(self.backend.report_presence, presence, changed)
        except RuntimeError:  # the app is closing: its database thread has shut down
            return
        self.last = presence
        self._sent_at = now
        self._pending_changed = changed
        self._pending = pending
        self.written += 1

    def _look_again_when_written(self, pending: Future[None]) -> None:
        """Look once more, on this event loop, when ``pending`` is done (once per write): what
        changed while the database thread was busy is written then, not at the next heartbeat."""
        if self._waiting_on is pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside an event loop (a test's direct call): the caller ticks again
            return
        self._waiting_on = pending

        def written(_done: Future[None]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self.tick)

        pending.add_done_callback(written)
