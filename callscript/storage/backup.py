"""``callscript db backup`` and ``db restore``: a supervisor's way back from a damaged or
wrongly edited file.

**Backup** copies the live database with SQLite's online backup API
(``sqlite3.Connection.backup``): one read transaction, so the copy is a consistent
snapshot even while agents are writing (in WAL mode readers never block writers, and
writers never wait for the copy). The copy is one self-contained file (rollback journal,
no ``-wal`` to carry along), checked with ``PRAGMA quick_check`` before it is reported
done. Where it goes and how it is written (0600, atomic, never over a file without
``--force``, never over the database) is the CLI's, with the one output-file writer.

**Restore** puts a backup's content into the live file, in this order:

1. the source is checked first: an SQLite file, not damaged (``quick_check``), a schema
   version this release knows, the app's tables present — else nothing is touched;
2. unless forced, it refuses while calls are unfinished (they would be lost) or other
   apps have the database open (their next write would go into the restored file);
3. the file as it is now is kept beside it as ``NAME.before-restore-<stamp>`` (a backup
   like any other, so a restore can itself be undone);
4. the source is copied *into* the live file with the same backup API — the file keeps its
   inode, its ``-wal``/``-shm`` and its locks, so an app that still has it open sees the
   restored content rather than writing into a file that was swapped from under it;
5. the schema is migrated to this release's (a backup from an older release) and checked.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from callscript.storage import schema
from callscript.storage.checks import COUNTED_TABLES, ChecksMixin, is_damage
from callscript.storage.db import create_private_file, database_errors, database_problem
from callscript.storage.errors import DatabaseProblem, ErrorCode, StorageError

KEEP_SUFFIX = ".before-restore-"
"""The replaced file is kept as ``NAME.before-restore-YYYYMMDD-HHMMSS``."""

KNOWN_VERSIONS = frozenset(m.version for m in schema.MIGRATIONS)


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """A database file's vital signs: what a backup holds or a restore would bring back."""

    path: str
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    source: BackupInfo
    kept_as: Path
    """The file as it was before the restore."""
    schema_version: int
    """After migrating the restored content to this release's schema."""


class BackupMixin(ChecksMixin):
    """``backup_to``, ``restore_from``; :func:`inspect_database` for a file that is not open."""

    def backup_to(self, dest: str | os.PathLike[str]) -> BackupInfo:
        """Copy the database into ``dest`` (an empty or new file: the caller chose and checked it),
        consistently while others write; the copy is checked (``quick_check``)."""
        self._refuse_on_postgres()
        dest = Path(dest)
        self._copy_into(dest)
        try:
            return inspect_database(dest)
        except StorageError as exc:
            raise DatabaseProblem(
                f"the copy of {self.path} is not sound ({exc}); the database itself may be damaged: "
                "run callscript db check",
                code=ErrorCode.DATABASE_DAMAGED,
                path=str(self.path),
            ) from None

    def _copy_into(self, dest: Path) -> None:
        """SQLite's online backup of the whole file into ``dest``, as one self-contained file."""
        with self._lock, database_errors(self.path):
            target = sqlite3.connect(str(dest), isolation_level=None)
            try:
                with database_errors(dest):
                    self.conn.backup(target)
                    target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()

    def _refuse_on_postgres(self) -> None:
        """SQLite's online backup copies a file; a PostgreSQL database is backed up by its server's tools."""
        if self.backend.name != "sqlite":
            raise StorageError(
                "db backup and db restore are for a SQLite file; on PostgreSQL use pg_dump -Fc / pg_restore, "
                "or callscript db copy DATABASE FILE for a verified SQLite copy (docs/deploy.md)",
                code=_REFUSED,
            )

    def restore_from(
        self, source: str | os.PathLike[str], *, force: bool = False, now: datetime | None = None
    ) -> RestoreResult:
        """Replace the database's content with ``source``'s (see the module's docstring for the steps).

        Raises :class:`StorageError` with code ``restore_refused`` (the source is not a sound
        callscript database of a known version; calls unfinished or other apps open without
        ``force``) and :class:`DatabaseProblem` if a file cannot be read or written.
        """
        self._refuse_on_postgres()
        source = Path(source)
        if _same_file(source, self.path):
            raise StorageError(f"{source} is the database in use; restore from a backup of it", code=_REFUSED)
        info = inspect_database(source)
        if not force:
            self._refuse_while_in_use()
        stamp = self._now(now).strftime("%Y%m%d-%H%M%S")
        keep = self.path.with_name(f"{self.path.name}{KEEP_SUFFIX}{stamp}")
        if keep.exists() or not create_private_file(keep):
            raise StorageError(f"{keep} exists already; wait a second and try again", code=_REFUSED)
        try:
            self._keep_as(keep)
        except BaseException:
            with contextlib.suppress(OSError):
                keep.unlink()
            raise
        with self._lock, _read_only(source) as origin, database_errors(self.path):
            try:
                origin.backup(self.conn)
            except sqlite3.OperationalError as exc:
                if database_problem(exc, self.path) is not None:
                    raise
                raise StorageError(
                    f"could not copy {source} into {self.path} ({exc}); the database is unchanged, and kept as {keep}",
                    code=_REFUSED,
                ) from None
        self._agent_ids.clear()
        self.app_session_id = None
        self.migrate()
        self.ensure_sound()
        return RestoreResult(info, keep, self.schema_version)

    def _keep_as(self, keep: Path) -> None:
        """The file as it is now, kept at ``keep``: a backup, or — when the file is too damaged for
        SQLite to copy — its bytes as they lie (with its ``-wal``, so nothing committed is lost)."""
        try:
            self._copy_into(keep)  # page for page, damage included: it is kept as it was
            return
        except DatabaseProblem as exc:
            if exc.code != ErrorCode.DATABASE_DAMAGED:
                raise
        for suffix in ("", "-wal"):
            original = Path(f"{self.path}{suffix}")
            if original.exists():
                copy = Path(f"{keep}{suffix}")
                create_private_file(copy)
                shutil.copyfile(original, copy)

    def _refuse_while_in_use(self) -> None:
        problems = []
        try:
            unfinished = self.unfinished_calls()
            tables = set(self._column("SELECT name FROM sqlite_master WHERE type = 'table'"))
            sessions = (
                [s for s in self.live_app_sessions() if s.id != self.app_session_id] if "app_sessions" in tables else []
            )
        except DatabaseProblem as exc:
            raise StorageError(
                f"cannot tell whether the database is in use ({exc}); stop every agent's app, then restore "
                "with --force",
                code=_REFUSED,
            ) from None
        if unfinished:
            shown = ", ".join(f"{c.call_id} ({c.agent})" for c in unfinished[:10])
            problems.append(f"{len(unfinished)} call(s) unfinished: {shown} — finish or close them first")
        if sessions:
            shown = ", ".join(f"{s.agent} on {s.host} (pid {s.pid})" for s in sessions[:10])
            problems.append(f"{len(sessions)} app(s) have the database open: {shown} — close them first")
        if problems:
            raise StorageError(
                "will not restore while the database is in use: " + "; ".join(problems) + " (or use --force)",
                code=_REFUSED,
            )


_REFUSED = ErrorCode.RESTORE_REFUSED


def inspect_database(path: str | os.PathLike[str]) -> BackupInfo:
    """Check, read-only, that ``path`` is a sound callscript database of a known schema version;
    its version and table sizes. :class:`StorageError` (``restore_refused``) saying why not."""
    path = Path(path)
    if not path.is_file():
        raise StorageError(f"{path}: no such file", code=_REFUSED)
    try:
        with _read_only(path) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            findings = [
                line
                for row in conn.execute("PRAGMA quick_check(20)")
                for line in str(row[0]).splitlines()
                if line != "ok" and not line.startswith("*** in database")
            ]
            if any(map(is_damage, findings)):
                raise StorageError(f"{path} is damaged ({findings[0]}); it cannot be restored", code=_REFUSED)
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            counts = (
                {t: int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in COUNTED_TABLES}
                if set(COUNTED_TABLES) <= tables
                else {}
            )
    except sqlite3.DatabaseError as exc:
        problem = database_problem(exc, path)
        if problem is None:
            raise
        if problem.code == ErrorCode.NOT_A_DATABASE:
            raise StorageError(f"{path} is not a callscript database; nothing was restored", code=_REFUSED) from None
        raise StorageError(f"{problem}; nothing was restored", code=_REFUSED) from None
    if version not in KNOWN_VERSIONS:
        known = ", ".join(map(str, sorted(KNOWN_VERSIONS)))
        raise StorageError(
            f"{path} has schema version {version}, not one this callscript knows ({known})"
            + ("; it may be from a newer release" if version > schema.SCHEMA_VERSION else ""),
            code=_REFUSED,
        )
    if not counts:
        raise StorageError(f"{path} is not a callscript database (its tables are missing)", code=_REFUSED)
    return BackupInfo(str(path), version, counts)


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """``path`` opened read-only (never changed, no -wal/-shm created beside it when avoidable)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError:  # a WAL file in a directory we cannot write: read it as it lies
            conn.close()
            conn = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
        yield conn
    finally:
        conn.close()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


__all__ = ["KEEP_SUFFIX", "BackupInfo", "BackupMixin", "DatabaseProblem", "RestoreResult", "inspect_database"]
