"""``callscript db check``: SQLite's own checks plus the app's invariants.

SQLite-specific by nature (``PRAGMA integrity_check``, ``foreign_key_check``,
``journal_mode``, the file's mode bits), so this part may use the connection's
pragmas directly; table sizes come from sqlite-utils (``db[table].count``) and the
tables present from ``db.table_names()``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from callscript.core.lifecycle import LEAD_STATUSES
from callscript.core.outcomes import OUTCOME_VALUES
from callscript.storage import schema
from callscript.storage.base import placeholders
from callscript.storage.calls import EVENT_KINDS, CallsMixin
from callscript.storage.records import CheckReport

COUNTED_TABLES = ("agents", "leads", "scripts", "calls", "call_events", "callbacks", "mailings")

_INVARIANTS: tuple[tuple[str, str, Sequence[Any]], ...] = (
    (
        "finished calls without a valid outcome",
        f"SELECT id FROM calls WHERE ended_at IS NOT NULL AND (outcome IS NULL OR outcome NOT IN ({placeholders(OUTCOME_VALUES)}))",
        OUTCOME_VALUES,
    ),
    (
        "calls with an outcome but no end time",
        "SELECT id FROM calls WHERE ended_at IS NULL AND outcome IS NOT NULL",
        (),
    ),
    (
        "events that belong to no call",
        "SELECT e.id FROM call_events e LEFT JOIN calls c ON c.id = e.call_id WHERE c.id IS NULL",
        (),
    ),
    (
        "events of an unknown kind",
        f"SELECT id FROM call_events WHERE kind NOT IN ({placeholders(EVENT_KINDS)})",
        EVENT_KINDS,
    ),
    (
        "calls whose event log has gaps",
        "SELECT call_id FROM call_events GROUP BY call_id HAVING MIN(seq) != 1 OR MAX(seq) != COUNT(*)",
        (),
    ),
    (
        "leads locked to a call that is finished or missing",
        """SELECT l.id FROM leads l LEFT JOIN calls c ON c.id = l.active_call_id
           WHERE l.active_call_id IS NOT NULL AND (c.id IS NULL OR c.ended_at IS NOT NULL OR c.lead_id != l.id)""",
        (),
    ),
    (
        "unfinished calls whose lead is not locked to them",
        """SELECT c.id FROM calls c JOIN leads l ON l.id = c.lead_id
           WHERE c.ended_at IS NULL AND (l.active_call_id IS NULL OR l.active_call_id != c.id)""",
        (),
    ),
    (
        "callback calls without a callback",
        """SELECT c.id FROM calls c WHERE c.outcome = 'callback'
           AND NOT EXISTS (SELECT 1 FROM callbacks cb WHERE cb.call_id = c.id)""",
        (),
    ),
    (
        "mailed calls without a mailing",
        """SELECT c.id FROM calls c WHERE c.outcome = 'mailed'
           AND NOT EXISTS (SELECT 1 FROM mailings m WHERE m.call_id = c.id)""",
        (),
    ),
    (
        "leads with an unknown status",
        f"SELECT id FROM leads WHERE status NOT IN ({placeholders(LEAD_STATUSES)})",
        LEAD_STATUSES,
    ),
)
"""(what is wrong, the query that finds the ids it is wrong for, its parameters)."""


class ChecksMixin(CallsMixin):
    """``check()``."""

    def check(self, *, stale_after: timedelta = timedelta(hours=2), now: datetime | None = None) -> CheckReport:
        """``callscript db check``: SQLite's integrity check plus the app's own invariants.

        Errors (the report is not ``ok``): a damaged file, a schema this release does
        not expect, foreign keys pointing nowhere, and every invariant in
        :data:`_INVARIANTS`. Warnings: calls left unfinished for ``stale_after``, a
        journal mode other than WAL, a file readable by others.
        """
        report = CheckReport(path=str(self.path))
        integrity = self._column("PRAGMA integrity_check")
        if integrity != ["ok"]:
            report.errors.extend(f"integrity_check: {line}" for line in integrity[:20])
        report.schema_version = self.schema_version
        if report.schema_version != schema.SCHEMA_VERSION:
            report.errors.append(
                f"schema version {report.schema_version}, this callscript expects {schema.SCHEMA_VERSION} "
                "(run `callscript db init` to migrate)"
            )
            return report
        missing = sorted(set(COUNTED_TABLES) - set(self.db.table_names()))
        _fail(report, "tables missing", missing)
        if missing:
            return report
        foreign = self._rows("PRAGMA foreign_key_check")
        _fail(report, "foreign keys pointing nowhere (table, rowid)", [f"{r['table']}#{r['rowid']}" for r in foreign])
        for what, sql, params in _INVARIANTS:
            _fail(report, what, self._column(sql, params))
        for call in self.stale_unfinished_calls(stale_after, now=now):
            report.warnings.append(
                f"call {call.call_id} ({call.agent}, {call.company}) unfinished since "
                f"{call.last_activity:%Y-%m-%d %H:%M}: resume it or close it with an outcome"
            )
        mode = self._value("PRAGMA journal_mode")
        if str(mode).lower() != "wal":
            report.warnings.append(f"journal mode is {mode}, not wal")
        try:
            perms = stat.S_IMODE(os.stat(self.path).st_mode)
            if perms & 0o077:
                report.warnings.append(f"{self.path} is readable by others (mode {perms:04o}); chmod 600 it")
        except OSError:
            pass
        with self._lock:
            for table in COUNTED_TABLES:
                report.counts[table] = self.db[table].count
        report.counts["unfinished_calls"] = int(self._value("SELECT COUNT(*) FROM calls WHERE ended_at IS NULL"))
        return report


def _fail(report: CheckReport, what: str, found: list[Any], limit: int = 10) -> None:
    if found:
        shown = ", ".join(str(x) for x in found[:limit]) + (" …" if len(found) > limit else "")
        report.errors.append(f"{what} ({len(found)}): {shown}")
