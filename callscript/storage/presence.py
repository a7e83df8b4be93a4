"""Presence: each running app's state on its session row, a heartbeat, and the log of its states.

Builds on :mod:`callscript.storage.app_sessions` (one row per running app). The app reports
a :class:`~callscript.core.presence.Presence` every few seconds from its database thread:

* **a heartbeat** — the same state as before — is ONE ``UPDATE`` of the session row by
  primary key (``last_seen_at``, and the node the call is at), committed without an fsync
  (``StoreBase._relaxed``: a heartbeat is stale in seconds, a power cut may lose it);
* **a change of state** (就绪 → 通话中, a pause, the idle lock, another call) also closes the
  session's open ``presence_log`` interval and opens the next, in one transaction: the log is
  what the day's talk, wrap-up and pause times are measured from
  (:func:`callscript.core.presence.day_figures`).

A session silent for :data:`~callscript.core.presence.OFFLINE_AFTER` is 离线 wherever it is
read (:func:`callscript.core.presence.seen_state`): an app that crashed needs no clean-up for
the board to be right, and its open interval ends at its last heartbeat when the day is
measured. A clean exit (``end_app_session``) closes the interval itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callscript.core.presence import (
    AgentState,
    PauseReason,
    Presence,
    SessionSpan,
    StateInterval,
)
from callscript.storage.agents import AgentRef
from callscript.storage.app_sessions import AppSessionsMixin
from callscript.storage.errors import ErrorCode, StorageError
from callscript.storage.timefmt import iso, parse_iso

_IDLE_STATES = (AgentState.READY.value, AgentState.LOCKED.value)

HEARTBEAT_SQL = "UPDATE app_sessions SET last_seen_at = ?, node = ?, node_title = ? WHERE id = ? AND ended_at IS NULL"
"""The whole of a heartbeat: one statement, by primary key."""


class PresenceMixin(AppSessionsMixin):
    """``report_presence`` (heartbeat or change of state), ``presence_day`` (a day's sessions and intervals)."""

    def report_presence(
        self,
        presence: Presence,
        *,
        changed: bool,
        session_id: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """This app's state (``session_id``: this store's session by default).

        ``changed`` False: a heartbeat (the app's state is the one it reported last; only the
        node may have moved). True: a new state — the session row takes it and ``state_since``,
        and the log's open interval is closed and the next one opened.
        """
        session_id = self.app_session_id if session_id is None else session_id
        if session_id is None:
            raise StorageError("this app has no session to report on", code=ErrorCode.NOT_OPEN)
        stamp = iso(self._now(now))
        with self._relaxed():
            if not changed:
                self._append_once(HEARTBEAT_SQL, (stamp, presence.node, presence.node_title, session_id))
                return
            self._tx(lambda: self._change_state(session_id, presence, stamp))

    def _change_state(self, session_id: int, presence: Presence, stamp: str | None) -> None:
        state = presence.state.value
        reason = presence.reason.value if presence.reason is not None else None
        idle = state in _IDLE_STATES and not (state == AgentState.LOCKED and presence.call_id)
        # idle since the first of a run of idle states (就绪 → 锁定 keeps it); any other state clears it
        idle_since = "COALESCE(idle_since, ?)" if idle else "?"
        self._execute(
            f"""UPDATE app_sessions
               SET state = ?, pause_reason = ?, call_id = ?, node = ?, node_title = ?, state_since = ?,
                   last_seen_at = ?, idle_since = {idle_since}
               WHERE id = ? AND ended_at IS NULL""",
            (
                state,
                reason,
                presence.call_id,
                presence.node,
                presence.node_title,
                stamp,
                stamp,
                stamp if idle else None,
                session_id,
            ),
        )
        self._close_intervals(session_id, stamp)
        self._execute(
            """INSERT INTO presence_log (session_id, agent_id, state, pause_reason, call_id, started_at)
               SELECT id, agent_id, ?, ?, ?, ? FROM app_sessions WHERE id = ? AND ended_at IS NULL""",
            (state, reason, presence.call_id, stamp, session_id),
        )

    def _close_intervals(self, session_id: int, stamp: str | None) -> None:
        """The session's open interval ends at ``stamp`` (inside a transaction)."""
        self._execute(
            "UPDATE presence_log SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL", (stamp, session_id)
        )

    def presence_day(
        self, start: datetime, end: datetime, agent: AgentRef | None = None
    ) -> dict[int, tuple[list[SessionSpan], list[StateInterval]]]:
        """Per agent id: the sessions that ran in [``start``, ``end``) and their state intervals
        that overlap it (one snapshot; what :func:`~callscript.core.presence.day_figures` measures)."""
        low, high = iso(start), iso(end)
        params: list[Any]
        where, params = "", [high, low]
        if agent is not None:
            where = " AND agent_id = ?"
            params.append(self._agent_id(agent, create=False))

        def read() -> tuple[list[dict], list[dict]]:
            sessions = self._rows(
                f"""SELECT id, agent_id, started_at, last_seen_at, ended_at FROM app_sessions
                    WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?){where}""",
                params,
            )
            intervals = self._rows(
                f"""SELECT session_id, agent_id, state, pause_reason, started_at, ended_at FROM presence_log
                    WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?){where}""",
                params,
            )
            return sessions, intervals

        sessions, intervals = self._snapshot(read)
        out: dict[int, tuple[list[SessionSpan], list[StateInterval]]] = {}
        for row in sessions:
            spans, _ = out.setdefault(row["agent_id"], ([], []))
            spans.append(
                SessionSpan(row["id"], _at(row["started_at"]), _at(row["last_seen_at"]), parse_iso(row["ended_at"]))
            )
        for row in intervals:
            _, logged = out.setdefault(row["agent_id"], ([], []))
            logged.append(
                StateInterval(
                    row["session_id"],
                    AgentState(row["state"]),
                    _at(row["started_at"]),
                    parse_iso(row["ended_at"]),
                    PauseReason(row["pause_reason"]) if row["pause_reason"] else None,
                )
            )
        return out


def _at(text: str) -> datetime:
    moment = parse_iso(text)
    assert moment is not None  # NOT NULL columns
    return moment
