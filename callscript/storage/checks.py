"""``callscript db check``: SQLite's own checks plus the app's invariants.

SQLite-specific by nature (``PRAGMA integrity_check``, ``foreign_key_check``,
``journal_mode``, the file's mode bits), so this part may use the connection's
pragmas directly; table sizes come from sqlite-utils (``db[table].count``) and the
tables present from ``db.table_names()``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from callscript.core.lifecycle import LEAD_STATUSES
from callscript.core.outcomes import OUTCOME_VALUES
from callscript.storage import schema
from callscript.storage.base import placeholders
from callscript.storage.calls import EVENT_KINDS, CallsMixin
from callscript.storage.errors import DatabaseProblem, ErrorCode
from callscript.storage.records import CheckReport

INTEGRITY_LINES = 50
"""``db check`` reports at most this many of SQLite's findings on a damaged file."""

RECOVER_HINT = (
    "the file is damaged: stop the agents' apps, keep a copy of the file as it is, and restore the "
    "last good backup (callscript db restore FILE); see docs/storage.md, 'Backup and restore'"
)

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

    def sqlite_check(self, *, quick: bool = True, tables: Sequence[str] = ()) -> list[str]:
        """SQLite's own check of the file: ``PRAGMA quick_check`` (every page and b-tree, ~2 ms
        per MB) or, with ``quick=False``, ``integrity_check`` (also every index entry; ~15× as
        long). ``tables``: only those tables and their indexes. Returns what it found (empty
        when the file is sound); a file too damaged to be checked gives the error as its finding.
        A file that is no database at all raises :class:`DatabaseProblem` (``not_a_database``).
        """
        if self.backend.name != "sqlite":
            return []  # the server checks its own pages (data checksums, if the cluster has them)
        pragma = "quick_check" if quick else "integrity_check"
        try:
            if tables:
                found = [line for table in tables for line in self._column(f"PRAGMA {pragma}({_quoted(table)})")]
            else:
                found = self._column(f"PRAGMA {pragma}({INTEGRITY_LINES})")
        except DatabaseProblem as exc:
            if exc.code == ErrorCode.NOT_A_DATABASE:
                raise
            if not quick:  # integrity_check gave up at the first bad page; quick_check may say where
                return self.sqlite_check(quick=True, tables=tables) or [exc.detail or str(exc)]
            return [exc.detail or str(exc)]
        lines = [part for line in found for part in str(line).splitlines()]
        return [line for line in lines if line != "ok" and not line.startswith("*** in database")][:INTEGRITY_LINES]

    def ensure_sound(self) -> None:
        """Raise :class:`DatabaseProblem` (``database_damaged``) if ``PRAGMA quick_check`` finds the
        file damaged: what a command runs before it prints numbers from the file or writes to it.
        (Rows that break a constraint are ``db check``'s business, not damage.)"""
        found = [line for line in self.sqlite_check(quick=True) if is_damage(line)]
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise DatabaseProblem(
                f"{self.path} is damaged ({found[0]}{more}); run callscript db check",
                code=ErrorCode.DATABASE_DAMAGED,
                path=str(self.path),
                detail=found[0],
            )

    def check(
        self, *, stale_after: timedelta = timedelta(hours=2), now: datetime | None = None, quick: bool = False
    ) -> CheckReport:
        """``callscript db check``: SQLite's integrity check plus the app's own invariants.

        Errors (the report is not ``ok``): a damaged file, a schema this release does
        not expect, foreign keys pointing nowhere, and every invariant in
        :data:`_INVARIANTS`. Warnings: calls left unfinished for ``stale_after``, a
        journal mode other than WAL, a file readable by others. A damaged file is
        *reported* (``damaged``, SQLite's findings as errors, what to do) and the app's
        checks are not run on it: they would read the damaged pages. ``quick``:
        ``quick_check`` instead of the full ``integrity_check``.
        """
        report = CheckReport(path=str(self.path))
        found = self.sqlite_check(quick=True)
        if not quick and not any(map(is_damage, found)):
            found = self.sqlite_check(quick=False)  # also every index entry
        label = "quick_check" if quick else "integrity_check"
        report.errors.extend(f"{label}: {line}" for line in found)
        if any(map(is_damage, found)):
            report.damaged = True
            report.errors.append(RECOVER_HINT)
            return report
        try:
            self._app_checks(report, stale_after, now)
        except DatabaseProblem as exc:  # damage SQLite's check did not see (or that appeared meanwhile)
            report.damaged = exc.code == ErrorCode.DATABASE_DAMAGED
            report.errors.append(f"could not finish the check: {exc}")
            if report.damaged:
                report.errors.append(RECOVER_HINT)
        return report

    def _app_checks(self, report: CheckReport, stale_after: timedelta, now: datetime | None) -> None:
        report.schema_version = self.schema_version
        if report.schema_version != schema.SCHEMA_VERSION:
            report.errors.append(
                f"schema version {report.schema_version}, this callscript expects {schema.SCHEMA_VERSION} "
                "(run `callscript db init` to migrate)"
            )
            return
        missing = sorted(set(COUNTED_TABLES) - set(self._table_names()))
        _fail(report, "tables missing", missing)
        if missing:
            return
        if self.backend.name == "sqlite":  # PostgreSQL enforces every foreign key as it is written
            foreign = self._rows("PRAGMA foreign_key_check")
            _fail(
                report, "foreign keys pointing nowhere (table, rowid)", [f"{r['table']}#{r['rowid']}" for r in foreign]
            )
        for what, sql, params in _INVARIANTS:
            _fail(report, what, self._column(sql, params))
        for call in self.stale_unfinished_calls(stale_after, now=now):
            report.warnings.append(
                f"call {call.call_id} ({call.agent}, {call.company}) unfinished since "
                f"{call.last_activity:%Y-%m-%d %H:%M}: resume it or close it with an outcome"
            )
        if self.backend.name == "sqlite":
            self._file_checks(report)
        for table in COUNTED_TABLES:
            report.counts[table] = int(self._value(f"SELECT COUNT(*) FROM {table}"))
        report.counts["unfinished_calls"] = int(self._value("SELECT COUNT(*) FROM calls WHERE ended_at IS NULL"))

    def _file_checks(self, report: CheckReport) -> None:
        """What only a file has: its journal mode and who may read it."""
        mode = self._value("PRAGMA journal_mode")
        if str(mode).lower() != "wal":
            report.warnings.append(f"journal mode is {mode}, not wal")
        try:
            perms = stat.S_IMODE(os.stat(self.path).st_mode)
            if perms & 0o077:
                report.warnings.append(f"{self.path} is readable by others (mode {perms:04o}); chmod 600 it")
        except OSError:
            pass

    def _table_names(self) -> list[str]:
        with self._lock:
            return self.backend.table_names()


_NOT_DAMAGE = re.compile(
    r"^(CHECK constraint failed|NULL value in|NOT NULL constraint|non-unique entry in index|"
    r"row \d+ missing from index|wrong # of entries in index)"
)


def is_damage(finding: str) -> bool:
    """True for a finding of SQLite's check that means the file's pages are damaged; False for rows
    that merely break a constraint or an index that disagrees with its table (the file is sound,
    its data is not — someone edited it by hand, or a bug; ``db check`` reports those too)."""
    return not _NOT_DAMAGE.match(finding)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fail(report: CheckReport, what: str, found: list[Any], limit: int = 10) -> None:
    if found:
        shown = ", ".join(str(x) for x in found[:limit]) + (" …" if len(found) > limit else "")
        report.errors.append(f"{what} ({len(found)}): {shown}")
