"""Opening the database file and running write transactions safely.

* The file is created with mode 0600 before SQLite touches it (SQLite gives the
  ``-wal``/``-shm`` files the same mode).
* WAL journal, ``foreign_keys=ON``, a busy timeout of several seconds.
* ``synchronous=FULL`` by default: in WAL mode every commit fsyncs the log, so a
  committed answer survives a power cut, not only a crash (docs/storage.md).
* The Python connection runs with ``isolation_level=None``: no hidden ``BEGIN``.
  Writes that must not interleave run in :func:`immediate` (``BEGIN IMMEDIATE``),
  which takes the write lock up front and so *waits* under contention; a plain
  deferred ``BEGIN`` (what sqlite-utils' ``atomic()`` issues) would fail at once
  with "database is locked" when a read has to be upgraded to a write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from callscript.storage.errors import DatabaseProblem, ErrorCode, StorageError

if TYPE_CHECKING:  # imported by connect() only: ~80 ms the app's start does not need
    import sqlite_utils

T = TypeVar("T")

BUSY_TIMEOUT_S = 10.0
"""How long one statement waits for another process's write lock."""

RETRY_DEADLINE_S = 60.0
"""How long :func:`retry_locked` keeps retrying a whole transaction that still found the file locked."""

SYNC_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def create_private_file(path: Path) -> bool:
    """Create an empty file with mode 0600 if it does not exist. True if created.

    An operating-system refusal (permission, read-only file system, full disk) is a
    :class:`DatabaseProblem` saying which directory and why, not an ``OSError``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise os_problem(exc, path, "create") from None
    os.close(fd)
    return True


# --------------------------------------------------------------------------- what went wrong with the file

_PRIMARY = {
    sqlite3.SQLITE_NOTADB: ErrorCode.NOT_A_DATABASE,
    sqlite3.SQLITE_CORRUPT: ErrorCode.DATABASE_DAMAGED,
    sqlite3.SQLITE_FULL: ErrorCode.DISK_FULL,
    sqlite3.SQLITE_READONLY: ErrorCode.READ_ONLY,
    sqlite3.SQLITE_CANTOPEN: ErrorCode.CANNOT_OPEN,
    sqlite3.SQLITE_PERM: ErrorCode.CANNOT_OPEN,
    sqlite3.SQLITE_IOERR: ErrorCode.IO_ERROR,
}
"""SQLite's primary result codes that mean "the file is the trouble", and what we call them."""


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of an exception from ``sqlite3`` (None if it has none)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def database_problem(exc: BaseException, path: str | os.PathLike[str]) -> DatabaseProblem | None:
    """The :class:`DatabaseProblem` an exception from SQLite (or the OS) means for the file at
    ``path``, or None when it is about something else (a locked file, a constraint, a bug).

    The one place these messages are worded, so every command and the app say the same:
    ``… is not a callscript database``, ``… is damaged (…); run callscript db check``, the
    disk is full, the file or its directory cannot be written (SQLite needs to create its
    ``-wal``/``-shm`` files beside the database), an I/O error.
    """
    if isinstance(exc, DatabaseProblem):
        return exc
    if isinstance(exc, OSError):
        return os_problem(exc, Path(path), "open")
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = _PRIMARY.get(sqlite_code(exc) or -1)
    if code is None:
        message = str(exc).lower()  # very old SQLite builds give no code: the messages are stable
        if "file is not a database" in message:
            code = ErrorCode.NOT_A_DATABASE
        elif "malformed" in message:
            code = ErrorCode.DATABASE_DAMAGED
        else:
            return None
    return _problem(code, Path(path), str(exc))


def _problem(code: ErrorCode, path: Path, detail: str) -> DatabaseProblem:
    if code == ErrorCode.NOT_A_DATABASE:
        message = f"{path} is not a callscript database"
    elif code == ErrorCode.DATABASE_DAMAGED:
        message = f"{path} is damaged ({detail}); run callscript db check"
    elif code == ErrorCode.DISK_FULL:
        message = f"{path}: the disk is full ({detail}); what was being written was not saved"
    elif code == ErrorCode.READ_ONLY:
        message = f"{path} cannot be written: {_why_not_writable(path)}"
    elif code == ErrorCode.CANNOT_OPEN:
        message = f"{path} cannot be opened: {_why_not_writable(path)}"
    else:
        message = f"{path}: input/output error ({detail}); check the disk, then run callscript db check"
    return DatabaseProblem(message, code=code, path=str(path), detail=detail)


def _why_not_writable(path: Path) -> str:
    """Why SQLite could not open or write ``path``, in words (the usual causes, checked in order)."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return "it is a directory"
    if not directory.is_dir():
        return f"the directory {directory} does not exist"
    if path.exists() and not os.access(path, os.R_OK):
        return "permission denied (the file cannot be read)"
    if path.exists() and not os.access(path, os.W_OK):
        mode = stat.S_IMODE(path.stat().st_mode)
        return f"the file is read-only (mode {mode:04o})"
    if not os.access(directory, os.W_OK | os.X_OK):
        return (
            f"SQLite needs to create {path.name}-wal and {path.name}-shm beside the database, "
            f"and {directory} is not writable (permission denied or a read-only file system)"
        )
    return "permission denied or a read-only file system"


def os_problem(exc: OSError, path: Path, doing: str) -> DatabaseProblem:
    """An ``OSError`` met while creating or opening the database file, as a :class:`DatabaseProblem`."""
    what = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return DatabaseProblem(
            f"{path}: the disk is full ({what}); nothing was written", code=ErrorCode.DISK_FULL, path=str(path)
        )
    if exc.errno == errno.EROFS:
        return DatabaseProblem(
            f"cannot {doing} {path}: {what} (a read-only file system)", code=ErrorCode.READ_ONLY, path=str(path)
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        directory = path.parent if str(path.parent) else Path(".")
        return DatabaseProblem(
            f"cannot {doing} {path}: permission denied ({directory} is not writable for you)",
            code=ErrorCode.CANNOT_OPEN,
            path=str(path),
        )
    if exc.errno == errno.ENOTDIR:
        return DatabaseProblem(
            f"cannot {doing} {path}: a part of the path is a file, not a directory",
            code=ErrorCode.CANNOT_OPEN,
            path=str(path),
        )
    return DatabaseProblem(f"cannot {doing} {path}: {what}", code=ErrorCode.CANNOT_OPEN, path=str(path))


@contextlib.contextmanager
def database_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn SQLite's "the file is the trouble" errors inside the block into :class:`DatabaseProblem`."""
    try:
        yield
    except (sqlite3.DatabaseError, OSError) as exc:
        problem = database_problem(exc, path)
        if problem is None:
            raise
        raise problem from exc


def open_file(
    path: str | os.PathLike[str],
    *,
    create: bool = True,
    timeout: float = BUSY_TIMEOUT_S,
    synchronous: str = "FULL",
) -> sqlite3.Connection:
    """Open (and if allowed, create) the database file with the app's connection settings:
    the plain ``sqlite3`` connection the :class:`~callscript.storage.Store` runs on."""
    path = Path(path)
    sync = synchronous.upper()
    if sync not in SYNC_LEVELS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNC_LEVELS)}, not {synchronous!r}")
    if create:
        create_private_file(path)
    elif not path.exists():
        raise StorageError(
            f"no database at {path} (run `callscript db init` to create one)", code=ErrorCode.NO_DATABASE
        )
    if path.is_dir():
        raise DatabaseProblem(f"{path} cannot be opened: it is a directory", code=ErrorCode.CANNOT_OPEN, path=str(path))
    with database_errors(path):
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            # What sqlite-utils' Database sets on every connection it wraps; the schema's
            # triggers were written and tested with it on, so every connection has it.
            conn.execute("PRAGMA recursive_triggers = ON")
            _refuse_if_foreign(conn)  # before WAL mode changes the file's header
            _ensure_wal(conn)
            conn.execute(f"PRAGMA synchronous = {sync}")
        except BaseException:
            conn.close()
            raise
    return conn


def connect(
    path: str | os.PathLike[str],
    *,
    create: bool = True,
    timeout: float = BUSY_TIMEOUT_S,
    synchronous: str = "FULL",
) -> sqlite_utils.Database:
    """:func:`open_file` wrapped in sqlite-utils (tools, maintenance and tests: ``db[table]``,
    ``table_names()``)."""
    return sqlite_utils_database(open_file(path, create=create, timeout=timeout, synchronous=synchronous))


def sqlite_utils_database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """An open connection as a ``sqlite_utils.Database`` (imported here, when a tool asks)."""
    import sqlite_utils

    return sqlite_utils.Database(conn, execute_plugins=False)


def refuse_foreign_file(conn: sqlite3.Connection) -> None:
    """A file at schema version 0 must be empty: an SQLite database of another program is not
    ours to switch to WAL or add tables to. (Creating our schema is one transaction that also
    sets the version, so a file another agent is creating this moment is never seen half-made.)"""
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite%' LIMIT 5")]
    if names:
        path = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "") or "the file"
        raise DatabaseProblem(
            f"{path} is not a callscript database (an SQLite file of another program, with {', '.join(names)})",
            code=ErrorCode.NOT_A_DATABASE,
            path=path,
        )


def _refuse_if_foreign(conn: sqlite3.Connection) -> None:
    """:func:`refuse_foreign_file` for a file at version 0, the version and the tables read in one
    snapshot: read apart, another process creating the schema between the two reads made a
    fresh file look like another program's (``test_many_processes_creating_one_fresh_file``)."""
    conn.execute("BEGIN")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            refuse_foreign_file(conn)
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _ensure_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (persistent); retried because it needs a moment alone with the file."""
    deadline = time.monotonic() + RETRY_DEADLINE_S
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() == "wal":
                return
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() == "wal":
                return
            raise StorageError(f"could not switch the database to WAL mode (got {mode!r})", code=ErrorCode.NOT_WAL)
        except sqlite3.OperationalError as exc:
            if not is_locked_error(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01 + random.random() * 0.05)


def is_locked_error(exc: BaseException) -> bool:
    """True for SQLITE_BUSY/SQLITE_LOCKED ("database is locked", "database table is locked")."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _poll_for_lock(conn: sqlite3.Connection, attempt: Callable[[], T], wait_s: float, busy_ms: int | None) -> T:
    """Run ``attempt`` with SQLite's busy handler off, retrying on a lock every ≤ 2 ms for ``wait_s``.

    ``busy_ms`` is the connection's busy timeout to restore afterwards (read from
    the connection if not given). See :func:`begin_immediate` for why we poll.
    """
    restore = busy_ms if busy_ms is not None else conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        give_up = time.monotonic() + wait_s
        pause = 0.0002
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if not is_locked_error(exc) or time.monotonic() > give_up:
                    raise
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 1.5, 0.002)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(restore)}")


def begin_immediate(conn: sqlite3.Connection, wait_s: float = BUSY_TIMEOUT_S, busy_ms: int | None = None) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``wait_s`` for the write lock by polling every ≤ 2 ms.

    SQLite's own busy handler backs off to 100 ms sleeps after a few hundred
    milliseconds of contention, so when many agents want the lock at once (the
    start of a shift) waiters sleep while the lock is free and a 1 ms transaction
    can wait over a second (measured: 20 agents starting together, last claim
    1.35 s). So the handler is switched off for this one statement and we retry
    with short jittered pauses; every other statement keeps the busy timeout (in
    WAL mode nothing inside a write transaction waits for a lock, but a read can,
    e.g. while another process recovers the WAL after a crash). ``busy_ms`` is the
    connection's busy timeout to restore (read from the connection if not given).
    """
    _poll_for_lock(conn, lambda: conn.execute("BEGIN IMMEDIATE"), wait_s, busy_ms)


def write_once(
    conn: sqlite3.Connection,
    sql: str,
    params: Sequence[Any] = (),
    wait_s: float = BUSY_TIMEOUT_S,
    busy_ms: int | None = None,
) -> list[tuple]:
    """Run ONE write statement in autocommit mode (committed when this returns); its rows.

    A single write statement takes the write lock before it reads anything, so it
    is as safe as ``BEGIN IMMEDIATE … COMMIT`` at a third of the round trips. Like
    :func:`begin_immediate` it polls for the lock itself rather than sleeping in
    SQLite's busy handler. Inside an open transaction it simply joins it.
    """
    if conn.in_transaction:
        return conn.execute(sql, params).fetchall()
    # fetchall: step the statement to the end, so it commits
    return _poll_for_lock(conn, lambda: conn.execute(sql, params).fetchall(), wait_s, busy_ms)


@contextlib.contextmanager
def immediate(
    conn: sqlite3.Connection, wait_s: float = BUSY_TIMEOUT_S, busy_ms: int | None = None
) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (see :func:`begin_immediate`) … ``COMMIT``; ``ROLLBACK`` on any exception.

    The connection must be in autocommit mode (``isolation_level=None``) and not
    already inside a transaction.
    """
    begin_immediate(conn, wait_s, busy_ms)
    with _committed(conn):
        yield conn


@contextlib.contextmanager
def scratch_batch(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN`` (deferred) … ``COMMIT`` around many writes to this connection's ``temp`` tables
    (``ROLLBACK`` on any exception); joins a transaction already open.

    Deferred on purpose, unlike :func:`immediate`: statements that touch only the ``temp`` schema
    take no lock on the database file, so agents keep writing meanwhile. Why at all: on an
    autocommit connection every row's INSERT is a transaction of its own.
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    with _committed(conn):
        yield conn


@contextlib.contextmanager
def _committed(conn: sqlite3.Connection) -> Iterator[None]:
    """The transaction just begun is committed after the block; an exception in the block or
    in the ``COMMIT`` rolls it back and is raised (:func:`immediate`, :func:`scratch_batch`)."""
    try:
        yield
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is open; a failing ROLLBACK (a full disk, a damaged file: SQLite has then
    rolled back itself) must not hide the error that caused it."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


@contextlib.contextmanager
def synchronous_level(conn: sqlite3.Connection, level: str) -> Iterator[None]:
    """Run the block (one or more whole transactions) at ``PRAGMA synchronous = level``."""
    level = level.upper()
    if level not in SYNC_LEVELS:
        raise ValueError(level)
    before = SYNC_LEVELS[conn.execute("PRAGMA synchronous").fetchone()[0]]
    if before == level:
        yield
        return
    conn.execute(f"PRAGMA synchronous = {level}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous = {before}")


def retry_locked(
    action: Callable[[], T], *, deadline_s: float = RETRY_DEADLINE_S, on_retry: Callable[[], None] | None = None
) -> T:
    """Run ``action`` (one whole transaction), retrying it while the file is locked.

    The busy timeout already makes each statement wait; this is the second line of
    defence for the rare SQLITE_BUSY that SQLite returns without waiting (e.g. while
    another connection recovers the WAL). ``action`` must roll back completely when
    it fails, which :func:`immediate` guarantees.
    """
    give_up = time.monotonic() + deadline_s
    pause = 0.005
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not is_locked_error(exc) or time.monotonic() > give_up:
                raise
            if on_retry is not None:
                on_retry()
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.25)


def change_marker(conn: sqlite3.Connection) -> tuple[int, int]:
    """A pair that changes whenever anything in the database changes, read without touching a
    table: ``PRAGMA data_version`` moves when *another* connection commits (another agent,
    an import from the command line), ``total_changes`` when this one writes. Two microseconds;
    what lets a screen ask "anything new?" every few seconds on a database of any size."""
    (data_version,) = conn.execute("PRAGMA data_version").fetchone()
    return int(data_version), conn.total_changes
