"""One storage interface, two backends: SQLite (a file, the default) and PostgreSQL (a URL).

:class:`~callscript.storage.base.StoreBase` runs every statement through a :class:`Backend`:
``rows``/``value``/``column`` (reads), ``execute``/``insert_returning_id``/``executemany``
(writes inside ``transaction``), ``append_once`` (the one-statement hot path),
``snapshot``, ``durable``, ``change_marker``, ``migrate``. The SQL text is the same for
both; :mod:`callscript.storage.sqltext` translates the placeholders for psycopg. Where the
dialects really differ (DDL, triggers, locking) the difference lives in one place:
:mod:`callscript.storage.pg_schema` and the ``lock_rows`` clause below.

``conn`` is what the reports' SQL runs on (``conn.execute(sql, params)`` → a cursor with
``fetchone``/``fetchall``/iteration): the ``sqlite3.Connection`` itself, or
:class:`PgConnection`, which takes the same SQLite-style placeholders.

Which backend: :func:`open_backend` by the location — a ``postgresql://`` URL
(:class:`callscript.config.DatabaseUrl`) is PostgreSQL, anything else a file.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from callscript.config import DatabaseUrl, is_database_url, redact_url
from callscript.storage import db as sqlite_db
from callscript.storage.errors import DatabaseProblem, ErrorCode, StorageError
from callscript.storage.sqltext import to_pyformat

if TYPE_CHECKING:
    import psycopg
    import sqlite_utils

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]

RECONNECT_S = 5.0
"""How long a store keeps trying to reach an unreachable PostgreSQL server before a method
gives up with ``database_unreachable`` (the app then tells the agent and keeps the answers
queued; the next call of any method tries again)."""


def backend_name(conn: Any) -> str:
    """``"sqlite"`` or ``"postgresql"``: which backend a report connection talks to."""
    return "postgresql" if isinstance(conn, PgConnection) else "sqlite"


# =========================================================================== the interface


class Backend:
    """The statements a store runs and the transactions it runs them in (one connection)."""

    name: str
    location: Path
    conn: Any

    # reads
    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def value(self, sql: str, params: Params = ()) -> Any:
        raise NotImplementedError

    def column(self, sql: str, params: Params = ()) -> list[Any]:
        raise NotImplementedError

    def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row as a plain tuple (for many rows: no dict per row)."""
        raise NotImplementedError

    # writes
    def execute(self, sql: str, params: Params = ()) -> int:
        raise NotImplementedError

    def insert_returning_id(self, sql: str, params: Params = ()) -> int:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        raise NotImplementedError

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Many rows into ``table`` at once: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on
        PostgreSQL (one stream instead of a statement a row). Rows written."""
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        return len(rows)

    def append_once(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    # transactions
    def transaction(self, work: Callable[[], T], on_retry: Callable[[], None]) -> T:
        raise NotImplementedError

    def snapshot(self, work: Callable[[], T]) -> T:
        raise NotImplementedError

    def durable(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def relaxed(self) -> contextlib.AbstractContextManager[None]:
        """Commits inside are not waited for to reach the disk (presence heartbeats)."""
        raise NotImplementedError

    def errors(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    lock_rows = ""
    """Appended to a SELECT that picks a row to change (a lead to claim): nothing on SQLite,
    where ``BEGIN IMMEDIATE`` already holds the whole file; ``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL, where writers run side by side and a row another agent is taking is skipped."""

    no_limit: Any = -1
    """The ``LIMIT ?`` value meaning "every row" (SQLite: -1; PostgreSQL: NULL)."""

    temp_schema = "temp"
    """Where a connection's own temporary tables live: SQLite's ``temp``, PostgreSQL's ``pg_temp``."""

    main_prefix = "main."
    """How a statement names the database's own table beside a temporary one of this connection
    (``main.leads`` on SQLite; PostgreSQL's temporary schema never hides ``leads``)."""

    lock_row = ""
    """Appended to a SELECT of the one row a transaction is about to decide on (``FOR UPDATE``
    on PostgreSQL: a second writer waits for the first's decision instead of deciding on
    what it read before)."""

    # the database
    def migrate(self, target: int | None = None) -> list[int]:
        raise NotImplementedError

    def schema_version(self) -> int:
        raise NotImplementedError

    def change_marker(self) -> tuple[int, int]:
        raise NotImplementedError

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def column_names(self, table: str) -> list[str]:
        """The table's columns, in order."""
        raise NotImplementedError

    def after_ids_given(self) -> None:
        """Rows were written with their ids given (a bulk load): new rows must get ids after
        them. SQLite's ``INTEGER PRIMARY KEY`` follows ``MAX(id)`` by itself; PostgreSQL's
        identity sequences are moved on."""

    def close(self) -> None:
        raise NotImplementedError


# =========================================================================== SQLite


class SqliteBackend(Backend):
    """The file: the plain ``sqlite3`` connection for every statement (``BEGIN IMMEDIATE``, the
    hot path, reads). sqlite-utils is not imported to open a store (it costs ~80 ms of the
    agent app's start): :attr:`db` wraps the same connection when a tool or a test asks."""

    name = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path, *, busy_ms: int):
        self.conn: sqlite3.Connection = conn
        self.location = path
        self.busy_ms = busy_ms
        self._db: sqlite_utils.Database | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection as a ``sqlite_utils.Database`` (made on first use)."""
        if self._db is None:
            self._db = sqlite_db.sqlite_utils_database(self.conn)
        return self._db

    @classmethod
    def open(cls, path: Path, *, create: bool, migrate: bool, synchronous: str, timeout: float) -> SqliteBackend:
        from callscript.storage import schema

        conn = sqlite_db.open_file(path, create=create, timeout=timeout, synchronous=synchronous)
        try:
            if migrate:
                with sqlite_db.database_errors(path):
                    schema.migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, busy_ms=int(timeout * 1000))

    def errors(self) -> contextlib.AbstractContextManager[None]:
        return sqlite_db.database_errors(self.location)

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        with sqlite_db.database_errors(self.location):
            cursor = self.conn.execute(sql, params)
            if cursor.description is None:
                raise ValueError("rows() needs SQL that returns rows: use execute() for other statements")
            keys = _column_keys(column[0] for column in cursor.description)
            return [dict(zip(keys, row)) for row in cursor]

    def value(self, sql: str, params: Params = ()) -> Any:
        with sqlite_db.database_errors(self.location):
            row = self.conn.execute(sql, params).fetchone()
            return None if row is None else row[0]

    def column(self, sql: str, params: Params = ()) -> list[Any]:
        with sqlite_db.database_errors(self.location):
            return [row[0] for row in self.conn.execute(sql, params).fetchall()]

    def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with sqlite_db.database_errors(self.location):
            return self.conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Params = ()) -> int:
        with sqlite_db.database_errors(self.location):
            return self.conn.execute(sql, params).rowcount

    def insert_returning_id(self, sql: str, params: Params = ()) -> int:
        with sqlite_db.database_errors(self.location):
            row_id = self.conn.execute(sql, params).lastrowid
        if row_id is None:  # pragma: no cover - an INSERT always sets it
            raise RuntimeError("the insert gave no row id")
        return row_id

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with sqlite_db.database_errors(self.location):
            return self.conn.executemany(sql, rows).rowcount

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """``executemany`` in one transaction (:func:`~callscript.storage.db.scratch_batch`): on an
        autocommit connection each row's INSERT would be begun and committed on its own, ~1.3 µs a
        row even into the import's journal-less ``temp`` table (a fifth of staging a row)."""
        with sqlite_db.database_errors(self.location), sqlite_db.scratch_batch(self.conn):
            return super().bulk_insert(table, columns, rows)

    def append_once(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:  # not the context manager: this is the hot path, and a try costs nothing
            return sqlite_db.retry_locked(lambda: sqlite_db.write_once(self.conn, sql, params, busy_ms=self.busy_ms))
        except sqlite3.DatabaseError as exc:
            problem = sqlite_db.database_problem(exc, self.location)
            if problem is None:
                raise
            raise problem from exc

    def transaction(self, work: Callable[[], T], on_retry: Callable[[], None]) -> T:
        def attempt() -> T:
            with sqlite_db.immediate(self.conn, busy_ms=self.busy_ms):
                return work()

        with sqlite_db.database_errors(self.location):  # a COMMIT on a full disk fails outside any statement
            return sqlite_db.retry_locked(attempt, on_retry=on_retry)

    def snapshot(self, work: Callable[[], T]) -> T:
        with sqlite_db.database_errors(self.location):
            self.conn.execute("BEGIN")
            try:
                return work()
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")

    def durable(self) -> contextlib.AbstractContextManager[None]:
        return sqlite_db.synchronous_level(self.conn, "FULL")

    def relaxed(self) -> contextlib.AbstractContextManager[None]:
        return sqlite_db.synchronous_level(self.conn, "NORMAL")

    def migrate(self, target: int | None = None) -> list[int]:
        from callscript.storage import schema

        with sqlite_db.database_errors(self.location):
            return schema.migrate(self.conn) if target is None else schema.migrate(self.conn, target=target)

    def schema_version(self) -> int:
        from callscript.storage import schema

        with sqlite_db.database_errors(self.location):
            return schema.schema_version(self.conn)

    def change_marker(self) -> tuple[int, int]:
        return sqlite_db.change_marker(self.conn)

    def column_names(self, table: str) -> list[str]:
        return self.column("SELECT name FROM pragma_table_info(?)", (table,))

    def table_names(self) -> list[str]:
        with sqlite_db.database_errors(self.location):
            return [row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def close(self) -> None:
        self.conn.close()


def _column_keys(names: Iterable[str]) -> list[str]:
    """A row's dict keys: the column names, a repeated one suffixed ``_2``, ``_3`` (as sqlite-utils'
    ``query`` did, so a join that selects ``id`` twice keeps both)."""
    keys = list(names)
    if len(set(keys)) == len(keys):
        return keys
    taken, seen, unique = set(keys), set(), []
    for key in keys:
        name, suffix = key, 2
        while name in seen or (name != key and name in taken):
            name, suffix = f"{key}_{suffix}", suffix + 1
        seen.add(name)
        unique.append(name)
    return unique


# =========================================================================== PostgreSQL


def _psycopg() -> Any:
    import psycopg

    return psycopg


def unreachable(url: str, detail: str) -> StorageError:
    """The one wording of "the server cannot be reached" (the TUI shows its own Chinese line by the code)."""
    return StorageError(
        f"the database server cannot be reached ({redact_url(url)}): {detail.strip()}",
        code=ErrorCode.DATABASE_UNREACHABLE,
    )


def _is_connection_error(exc: BaseException) -> bool:
    psycopg = _psycopg()
    if isinstance(exc, psycopg.OperationalError):
        sqlstate = getattr(exc, "sqlstate", None)
        # 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08*: connection
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03")
    return isinstance(exc, psycopg.InterfaceError)


def _is_retryable_conflict(exc: BaseException) -> bool:
    """A serialization failure or a deadlock: PostgreSQL rolled the transaction back; run it again."""
    return getattr(exc, "sqlstate", None) in ("40001", "40P01")


def pg_problem(exc: BaseException, url: str) -> StorageError | None:
    """The :class:`StorageError` a psycopg exception means, or None when it is about the
    statement (a constraint, a bug): the same reason codes SQLite's errors get."""
    psycopg = _psycopg()
    if isinstance(exc, StorageError):
        return exc
    if not isinstance(exc, psycopg.Error):
        return None
    if _is_connection_error(exc):
        return unreachable(url, str(exc) or type(exc).__name__)
    sqlstate = getattr(exc, "sqlstate", None) or ""
    where = redact_url(url)
    if sqlstate in ("53100",):
        return DatabaseProblem(
            f"{where}: the database server's disk is full ({exc}); what was being written was not saved",
            code=ErrorCode.DISK_FULL,
            path=where,
            detail=str(exc),
        )
    if sqlstate in ("25006",):
        return DatabaseProblem(
            f"{where} cannot be written: {exc}", code=ErrorCode.READ_ONLY, path=where, detail=str(exc)
        )
    if sqlstate.startswith("XX"):
        return DatabaseProblem(
            f"{where} is damaged ({exc}); ask the database administrator",
            code=ErrorCode.DATABASE_DAMAGED,
            path=where,
            detail=str(exc),
        )
    if sqlstate == "42501":
        return DatabaseProblem(
            f"{where}: permission denied ({exc})", code=ErrorCode.CANNOT_OPEN, path=where, detail=str(exc)
        )
    return None


class PgConnection:
    """A psycopg connection that takes the app's SQL as written for SQLite.

    ``execute(sql, params)`` translates ``?``/``:name`` (:func:`to_pyformat`) and returns
    psycopg's cursor (``fetchone``, ``fetchall``, iteration, ``rowcount``, ``description``).
    The connection is in autocommit mode like the SQLite one (``isolation_level=None``):
    ``BEGIN``/``COMMIT`` are explicit, a lone statement commits when it returns.
    """

    dialect = "postgresql"

    def __init__(self, raw: psycopg.Connection, url: str):
        self.raw = raw
        self.url = url

    def execute(self, sql: str, params: Any = ()) -> Any:
        cursor = self.raw.cursor()
        if params:
            cursor.execute(to_pyformat(sql), params)
        else:
            cursor.execute(sql.encode())  # bytes: no placeholder parsing at all
        return cursor

    def executemany(self, sql: str, rows: Iterable[Any]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(to_pyformat(sql), list(rows))
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != _psycopg().pq.TransactionStatus.IDLE

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pg_connect(url: str, *, synchronous: str = "FULL", timeout: float = RECONNECT_S) -> PgConnection:
    """One autocommit connection with the app's settings: every commit waits for the server's
    WAL flush (``synchronous_commit=on``) unless opened for bulk work (``synchronous="OFF"``),
    times as the app writes them (the session's ``TimeZone`` does not touch text columns)."""
    psycopg = _psycopg()
    sync = "off" if synchronous.upper() == "OFF" else "on"
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=max(1, int(timeout)),
            options=f"-c synchronous_commit={sync} -c lock_timeout=10s -c idle_in_transaction_session_timeout=60s",
            application_name="callscript",
            cursor_factory=psycopg.ClientCursor,
        )
    except psycopg.Error as exc:
        message = str(exc)
        if "does not exist" in message and "database" in message:
            raise StorageError(
                f"no database at {redact_url(url)} (create it, then run `callscript db init`)",
                code=ErrorCode.NO_DATABASE,
            ) from None
        if "authentication" in message or "password" in message or "role" in message:
            raise DatabaseProblem(
                f"cannot open {redact_url(url)}: {message.strip()}",
                code=ErrorCode.CANNOT_OPEN,
                path=redact_url(url),
            ) from None
        raise unreachable(url, message) from None
    _bind_like_sqlite(raw)
    return PgConnection(raw, url)


def _bind_like_sqlite(raw: psycopg.Connection) -> None:
    """Parameters go into the text as literals, as SQLite's loose typing expects.

    The app's SQL was written for SQLite, where a parameter has no type until it meets a
    column: ``? IS NULL OR agent_id = ?`` with None, a string compared to a text column. With
    server-side binding PostgreSQL must type each ``$n`` up front and cannot type a NULL in
    ``$1 IS NULL``; a client-side literal (``NULL``, ``'2025-03-03'``) is typed by where it
    stands, as SQLite's values are. So the connection uses psycopg's ``ClientCursor``
    (values are escaped by libpq, never pasted raw), and binds a ``bool`` as 0/1 (the app's
    flags are integer columns, as in SQLite) and a ``float`` as ``float8`` (a bare ``1.5``
    would be a ``numeric`` and come back a ``Decimal``).
    """
    from psycopg.adapt import Dumper

    class BoolAsInteger(Dumper):
        oid = raw.adapters.types["int4"].oid

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

        def quote(self, obj: Any) -> bytes:
            return self.dump(obj)

    class FloatAsDouble(Dumper):
        oid = raw.adapters.types["float8"].oid

        def dump(self, obj: Any) -> bytes:
            return repr(float(obj)).encode()

        def quote(self, obj: Any) -> bytes:
            return b"'" + self.dump(obj) + b"'::float8"

    raw.adapters.register_dumper(bool, BoolAsInteger)
    raw.adapters.register_dumper(float, FloatAsDouble)


class PostgresBackend(Backend):
    """A PostgreSQL database: one connection per store (psycopg 3), reconnected when it breaks.

    Transactions run at READ COMMITTED, PostgreSQL's default: writers go side by side, and the
    few read-then-write decisions lock what they decide on (:attr:`lock_rows`,
    :attr:`lock_row`). A transaction that meets a deadlock or a serialization failure is run
    again whole, as SQLite's are while the file is locked. A lost connection is reconnected
    for up to :data:`RECONNECT_S`; a transaction that had not reached ``COMMIT`` is then run
    again (the server rolled it back), one whose ``COMMIT`` got no answer is not (it may have
    committed) and says ``database_unreachable``.
    """

    name = "postgresql"
    lock_rows = " FOR UPDATE SKIP LOCKED"
    lock_row = " FOR UPDATE"
    no_limit = None
    temp_schema = "pg_temp"
    main_prefix = ""

    def __init__(self, url: DatabaseUrl, *, synchronous: str = "FULL", reconnect_s: float = RECONNECT_S):
        self.location = url
        self.url = str(url)
        self.synchronous = synchronous
        self.reconnect_s = reconnect_s
        self.conn = pg_connect(self.url, synchronous=synchronous)
        self.reconnects = 0

    @classmethod
    def open(
        cls, url: DatabaseUrl, *, create: bool, migrate: bool, synchronous: str, timeout: float
    ) -> PostgresBackend:
        backend = cls(url, synchronous=synchronous)
        try:
            if not create and backend.schema_version() == 0 and not backend.table_names():
                raise StorageError(
                    f"no callscript database at {url.redacted} (run `callscript db init` to create one)",
                    code=ErrorCode.NO_DATABASE,
                )
            if migrate:
                backend.migrate()
        except BaseException:
            backend.close()
            raise
        return backend

    # ------------------------------------------------------------------ the connection

    def _alive(self) -> PgConnection:
        """The connection, reconnected first if it broke (bounded by :attr:`reconnect_s`)."""
        if not self.conn.raw.closed and not self.conn.raw.broken:
            return self.conn
        give_up = time.monotonic() + self.reconnect_s
        pause = 0.05
        while True:
            try:
                self.conn = pg_connect(self.url, synchronous=self.synchronous, timeout=2)
                self.reconnects += 1
                return self.conn
            except StorageError as exc:
                if exc.code != ErrorCode.DATABASE_UNREACHABLE or time.monotonic() + pause > give_up:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            problem = pg_problem(exc, self.url)
            if problem is None or problem is exc:
                raise
            raise problem from exc

    def _read(self, action: Callable[[PgConnection], T]) -> T:
        """A read outside a transaction: retried once on a fresh connection if the old one broke."""
        with self.errors():
            conn = self._alive()
            try:
                return action(conn)
            except Exception as exc:
                if conn.in_transaction or not _is_connection_error(exc):
                    raise
            return action(self._alive())

    # ------------------------------------------------------------------ statements

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        def run(conn: PgConnection) -> list[dict[str, Any]]:
            cursor = conn.execute(sql, params)
            if cursor.description is None:
                return []
            names = [d.name for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

        return self._read(run)

    def value(self, sql: str, params: Params = ()) -> Any:
        def run(conn: PgConnection) -> Any:
            row = conn.execute(sql, params).fetchone()
            return None if row is None else row[0]

        return self._read(run)

    def column(self, sql: str, params: Params = ()) -> list[Any]:
        return self._read(lambda conn: [row[0] for row in conn.execute(sql, params).fetchall()])

    def tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self._read(lambda conn: list(conn.execute(sql, params).fetchall()))

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        with self.errors(), self._alive().raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)

    def execute(self, sql: str, params: Params = ()) -> int:
        with self.errors():
            return self._alive().execute(sql, params).rowcount

    def insert_returning_id(self, sql: str, params: Params = ()) -> int:
        statement = sql if "RETURNING" in sql.upper() else f"{sql.rstrip().rstrip(';')} RETURNING id"
        with self.errors():
            row = self._alive().execute(statement, params).fetchone()
        if row is None:  # pragma: no cover - an INSERT … RETURNING always gives its row
            raise RuntimeError("the insert gave no row id")
        return int(row[0])

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self.errors():
            return self._alive().executemany(sql, rows).rowcount

    def append_once(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """One statement, committed (and flushed: ``synchronous_commit=on``) when it returns.
        Never retried after it was sent: the server may have committed it."""
        with self.errors():
            cursor = self._alive().execute(sql, params)
            return [] if cursor.description is None else list(cursor.fetchall())  # no RETURNING: no rows

    # ------------------------------------------------------------------ transactions

    def transaction(self, work: Callable[[], T], on_retry: Callable[[], None]) -> T:
        give_up = time.monotonic() + sqlite_db.RETRY_DEADLINE_S
        pause = 0.005
        with self.errors():
            while True:
                conn = self._alive()
                committing = False
                try:
                    conn.execute("BEGIN")
                    result = work()
                    committing = True
                    conn.execute("COMMIT")
                    return result
                except BaseException as exc:
                    if not committing or not _is_connection_error(exc):
                        self._rollback(conn)
                    if isinstance(exc, StorageError) and exc.code == ErrorCode.DATABASE_UNREACHABLE:
                        exc_cause = exc.__cause__
                        lost = exc_cause is not None and _is_connection_error(exc_cause)
                    else:
                        lost = isinstance(exc, Exception) and _is_connection_error(exc)
                    retry = (_is_retryable_conflict(exc) or (lost and not committing)) and (time.monotonic() < give_up)
                    if not retry:
                        raise
                on_retry()
                time.sleep(pause * (0.5 + random.random()))
                pause = min(pause * 2, 0.25)

    @staticmethod
    def _rollback(conn: PgConnection) -> None:
        if conn.raw.closed or conn.raw.broken:
            return
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except Exception:
            pass

    def snapshot(self, work: Callable[[], T]) -> T:
        with self.errors():
            conn = self._alive()
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                return work()
            finally:
                self._rollback(conn)

    @contextlib.contextmanager
    def relaxed(self) -> Iterator[None]:
        if self.synchronous.upper() == "OFF":
            yield
            return
        self.execute("SET synchronous_commit = off")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                self.execute("SET synchronous_commit = on")

    @contextlib.contextmanager
    def durable(self) -> Iterator[None]:
        if self.synchronous.upper() != "OFF":
            yield
            return
        self.execute("SET synchronous_commit = on")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                self.execute("SET synchronous_commit = off")

    # ------------------------------------------------------------------ the database

    def migrate(self, target: int | None = None) -> list[int]:
        from callscript.storage import pg_schema

        with self.errors():
            conn = self._alive()
            return pg_schema.migrate(conn) if target is None else pg_schema.migrate(conn, target=target)

    def schema_version(self) -> int:
        from callscript.storage import pg_schema

        return self._read(pg_schema.schema_version)

    def change_marker(self) -> tuple[int, int]:
        """The next transaction id the server will hand out: it moves whenever anyone writes."""
        return (int(self.value("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")), 0)

    def table_names(self) -> list[str]:
        return self.column("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")

    def column_names(self, table: str) -> list[str]:
        return self.column(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )

    def after_ids_given(self) -> None:
        from callscript.storage import pg_schema

        with self.errors():
            pg_schema.reset_identities(self._alive())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


# =========================================================================== choosing


def open_backend(
    location: str | os.PathLike[str],
    *,
    create: bool = True,
    migrate: bool = True,
    synchronous: str = "FULL",
    timeout: float = sqlite_db.BUSY_TIMEOUT_S,
) -> Backend:
    """The backend for ``location``: PostgreSQL for a ``postgresql://`` URL, else the SQLite file."""
    if is_database_url(location):
        url = location if isinstance(location, DatabaseUrl) else DatabaseUrl(os.fspath(location))
        return PostgresBackend.open(url, create=create, migrate=migrate, synchronous=synchronous, timeout=timeout)
    return SqliteBackend.open(Path(location), create=create, migrate=migrate, synchronous=synchronous, timeout=timeout)


def open_connection(location: str | os.PathLike[str], *, create: bool = False) -> Any:
    """A migrated connection for the reports (``conn.execute``): ``sqlite_utils.Database``-like
    on SQLite (``.conn``, ``.close()``), :class:`ReportDb` on PostgreSQL."""
    backend = open_backend(location, create=create)
    if isinstance(backend, PostgresBackend):
        return ReportDb(backend)
    assert isinstance(backend, SqliteBackend)
    return backend.db


class ReportDb:
    """What :func:`callscript.reports.queries.open_db` hands back on PostgreSQL: ``.conn`` and ``.close()``."""

    def __init__(self, backend: PostgresBackend):
        self.backend = backend
        self.conn = backend.conn

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> ReportDb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
