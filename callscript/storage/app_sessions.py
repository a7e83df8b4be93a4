"""App sessions: every running app (an agent's window or terminal) is a row, so a claim
can belong to one app and not merely to an agent.

The same agent may legitimately have two windows open; without sessions both would be
handed the agent's held claim and call the same lead twice. With them, a claim records the
session that made it (``leads.claim_session_id``): another *live* session of the same agent
neither gets it back from ``claim_next_lead`` nor may start a call on it, while a claim left
by a session that is gone (ended, or its process dead) is the agent's to take again — a crash
between claim and dial still loses nothing.

**Live** (:meth:`AppSessionsMixin.live_app_sessions`): not ended, and on this host its process
still runs; on another host, seen within :data:`STALE_AFTER` (a session is "seen" when it
starts, when it claims or starts a call, and at every presence heartbeat:
:mod:`callscript.storage.presence`). Presence (schema version 10) adds the app's state, call and
node to the row; the floor board reads them, and counts a session silent for
:data:`~callscript.core.presence.OFFLINE_AFTER` as 离线 (a claim is more cautious: a session held up for a while must not lose its lead).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from callscript.storage.agents import AgentRef, AgentsMixin
from callscript.storage.base import placeholders
from callscript.storage.records import AppSession
from callscript.storage.timefmt import iso

STALE_AFTER = timedelta(hours=12)
"""A session on another host not seen for this long is taken to be gone (its machine crashed)."""

_SELECT = "SELECT s.*, a.name AS agent FROM app_sessions s JOIN agents a ON a.id = s.agent_id"


def this_host() -> str:
    return socket.gethostname() or "localhost"


def process_alive(pid: int) -> bool:
    """True if a process with this id runs on this machine (signal 0 checks without sending)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    except OSError:
        return False
    return True


class AppSessionsMixin(AgentsMixin):
    """``open_app_session``, ``end_app_session``, ``live_app_sessions``; ``app_session_id``."""

    app_session_id: int | None = None
    """The session this store's claims belong to (set by :meth:`open_app_session`)."""

    def open_app_session(
        self, agent: AgentRef, *, host: str | None = None, pid: int | None = None, now: datetime | None = None
    ) -> AppSession:
        """Start this running app's session for ``agent``; from now on the store's claims belong
        to it. Sessions on this host whose process is gone are ended first (a crashed app)."""
        moment = self._now(now)
        stamp = iso(moment)
        host = host or this_host()
        pid = os.getpid() if pid is None else pid

        def work() -> int:
            agent_id = self._agent_id(agent)
            self._end_dead_sessions(host, stamp)
            return self._insert(
                """INSERT INTO app_sessions (agent_id, host, pid, started_at, last_seen_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (agent_id, host, pid, stamp, stamp),
            )

        session_id = self._tx(work)
        self.app_session_id = session_id
        return self.get_app_session(session_id)

    def end_app_session(self, session_id: int | None = None, *, now: datetime | None = None) -> None:
        """The app is closing: its session ends and the claims it holds (not in a call) go back."""
        session_id = self.app_session_id if session_id is None else session_id
        if session_id is None:
            return
        stamp = iso(self._now(now))

        def work() -> None:
            self._execute(
                "UPDATE app_sessions SET ended_at = ?, last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
                (stamp, stamp, session_id),
            )
            self._execute(  # its presence ends with it (callscript/storage/presence.py)
                "UPDATE presence_log SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL", (stamp, session_id)
            )
            self._execute(
                """UPDATE leads SET claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL,
                       claim_session_id = NULL, updated_at = ?
                   WHERE claim_session_id = ? AND active_call_id IS NULL""",
                (stamp, session_id),
            )

        self._tx(work)
        if session_id == self.app_session_id:
            self.app_session_id = None

    def get_app_session(self, session_id: int) -> AppSession:
        row = self._row(f"{_SELECT} WHERE s.id = ?", (session_id,))
        if row is None:
            from callscript.storage.errors import NotFound

            raise NotFound(f"no app session {session_id}")
        return AppSession.from_row(row)

    def live_app_sessions(self, agent: AgentRef | None = None, *, now: datetime | None = None) -> list[AppSession]:
        """Sessions still running (this agent's, or everyone's), oldest first."""
        if agent is None:
            rows = self._rows(f"{_SELECT} WHERE s.ended_at IS NULL ORDER BY s.started_at, s.id")
        else:
            rows = self._rows(
                f"{_SELECT} WHERE s.ended_at IS NULL AND s.agent_id = ? ORDER BY s.started_at, s.id",
                (self._agent_id(agent, create=False),),
            )
        moment = self._now(now)
        return [s for s in map(AppSession.from_row, rows) if _alive(s, moment)]

    def other_live_sessions(self, agent: AgentRef, *, now: datetime | None = None) -> list[AppSession]:
        """The agent's live sessions other than this store's: a second app logged in as the same agent."""
        return [s for s in self.live_app_sessions(agent, now=now) if s.id != self.app_session_id]

    # ------------------------------------------------------------------ for claims (inside a transaction)

    def _blocking_sessions(self, agent_id: int, moment: datetime) -> list[int]:
        """The agent's other live sessions: their claims are not this store's to take."""
        rows = self._rows(f"{_SELECT} WHERE s.ended_at IS NULL AND s.agent_id = ?", (agent_id,))
        return [s.id for s in map(AppSession.from_row, rows) if s.id != self.app_session_id and _alive(s, moment)]

    def _touch_session(self, stamp: str | None) -> None:
        """This store's session was seen now (it claims or starts a call)."""
        if self.app_session_id is not None:
            self._execute("UPDATE app_sessions SET last_seen_at = ? WHERE id = ?", (stamp, self.app_session_id))

    def _end_dead_sessions(self, host: str, stamp: str | None) -> None:
        rows = self._rows("SELECT id, pid, last_seen_at FROM app_sessions WHERE ended_at IS NULL AND host = ?", (host,))
        dead = [r for r in rows if not process_alive(int(r["pid"]))]
        if dead:
            ids = [r["id"] for r in dead]
            self._execute(f"UPDATE app_sessions SET ended_at = ? WHERE id IN ({placeholders(ids)})", [stamp, *ids])
            for row in dead:  # a crashed app's presence ended with its last heartbeat, not now
                self._execute(
                    "UPDATE presence_log SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL",
                    (row["last_seen_at"], row["id"]),
                )


def _alive(session: AppSession, moment: datetime) -> bool:
    if session.ended_at is not None:
        return False
    if session.host == this_host():
        return process_alive(session.pid)
    return session.last_seen_at > moment - STALE_AFTER


def session_clause(column: str, blocked: Iterable[int]) -> str:
    """SQL true when ``column`` (a claim's session) is not one of ``blocked`` (literal ids)."""
    ids = ", ".join(str(int(i)) for i in blocked)
    return f"({column} IS NULL OR {column} NOT IN ({ids}))" if ids else "1 = 1"
