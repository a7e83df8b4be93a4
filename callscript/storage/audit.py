"""The audit log: append-only, written in the same transaction as the change it records.

Logins, failed logins, lockouts, logouts, publishes, do-not-call changes, remarks and
account changes, each with who (the account name, or ``system``), when, and where
(the browser's address, ``tty:…@host``, ``cli:user@host``). There is no UPDATE or
DELETE path in the code, and two triggers (schema version 8) refuse them in SQLite,
so a later mistake cannot rewrite history either.

What is never written here: a password, a password hash, or a name typed at the login
screen that is not an account's (it may be a password typed into the wrong box).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from callscript.core.access import Actor, AuditAction
from callscript.storage.base import StoreBase, to_json
from callscript.storage.records import AuditEntry
from callscript.storage.timefmt import iso, now_local

INSERT_SQL = """INSERT INTO audit_log (at, action, actor, account_id, origin, target, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?)"""


def entry_values(
    action: AuditAction | str,
    actor: Actor,
    at: datetime,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    """The row of :data:`INSERT_SQL` for one entry."""
    return (
        iso(at),
        str(action),
        actor.name,
        actor.account_id,
        actor.origin,
        target,
        to_json(detail) if detail else None,
    )


def append_entry(
    conn: sqlite3.Connection,
    action: AuditAction | str,
    actor: Actor,
    *,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """One entry on a raw connection, inside the caller's transaction (for code that
    holds a connection rather than a :class:`~callscript.storage.Store`: the report
    remarks)."""
    conn.execute(INSERT_SQL, entry_values(action, actor, now or now_local(), target, detail))


class AuditMixin(StoreBase):
    """``audit`` (append one entry), ``audit_entries`` (read them)."""

    def audit(
        self,
        action: AuditAction | str,
        *,
        actor: Actor | None = None,
        target: str | None = None,
        detail: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Append one entry (joins an open transaction, so it commits with the change it records)."""
        values = entry_values(action, actor or self.actor, self._now(now), target, detail)
        self._tx(lambda: self._execute(INSERT_SQL, values))

    def audit_entries(
        self,
        *,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries in the order they were written, from ``since`` (a day: its start) up to ``until``."""
        where, params = [], []
        if since is not None:
            where.append("at >= ?")
            params.append(since.isoformat() if not isinstance(since, datetime) else iso(since))
        if until is not None:
            where.append("at < ?")
            params.append(until.isoformat() if not isinstance(until, datetime) else iso(until))
        if action is not None:
            where.append("action = ?")
            params.append(action)
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id LIMIT ?"
        return [
            AuditEntry.from_row(r)
            for r in self._rows(sql, [*params, self.backend.no_limit if limit is None else limit])
        ]
