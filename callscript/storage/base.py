"""The store's base: one backend, one lock, transactions, and the handful of
methods every statement goes through.

The parts of :class:`~callscript.storage.Store` (agents, leads, claims, calls,
follow-ups, checks, history) hold SQL but never a cursor: they run it with
:meth:`StoreBase._rows`, ``_row``, ``_value``, ``_column`` (reads),
``_execute``, ``_insert``, ``_executemany`` (writes inside :meth:`_tx`) and
``_append_once`` (the one-statement hot path). Those methods and the transactions
(``_tx``, ``_snapshot``, ``_durable``) hand the SQL to the store's
:class:`~callscript.storage.backend.Backend`: SQLite (a file: ``db.py`` opens it,
``BEGIN IMMEDIATE``, the lock polling; ``schema.py`` migrates it) or PostgreSQL (a
``postgresql://`` URL: psycopg 3, ``pg_schema.py``). The SQL text is the same for
both (docs/storage.md, "Two backends").

``db`` (SQLite only) and ``conn`` stay public attributes for tools, reports and
tests; store code uses the methods.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Self, TypeVar

from callscript.config import cli_origin
from callscript.core.access import Actor, system_actor
from callscript.core.followup import in_follow_up_window
from callscript.core.lifecycle import RETRY_AFTER
from callscript.storage.backend import Backend, SqliteBackend, open_backend
from callscript.storage.db import BUSY_TIMEOUT_S
from callscript.storage.location import resolve_db_path
from callscript.storage.normalise import e164_normalise
from callscript.storage.timefmt import now_local, to_local

if TYPE_CHECKING:  # the Store runs on the plain sqlite3 connection; sqlite-utils wraps it on request
    import sqlite_utils

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]


def to_json(value: Mapping[str, Any] | None) -> str:
    """A mapping as a JSON column (sorted keys, Chinese kept readable, enums as their values)."""
    return json.dumps(dict(value or {}), ensure_ascii=False, sort_keys=True, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a JSON column")


def to_text(value: Any) -> str | None:
    """A value for a text column: None stays None, an enum gives its value."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def like_contains(text: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern matching ``text`` anywhere, taken literally: a search for
    ``%`` or ``_`` finds those characters, not everything."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def placeholders(values: Sized) -> str:
    """``?, ?, ?`` for an ``IN (…)`` list of ``len(values)`` items."""
    return ", ".join("?" * len(values))


class StoreBase:
    """One database (a file or a PostgreSQL URL), its backend and lock, and the store's settings."""

    def __init__(
        self,
        backend: Backend,
        *,
        normalise: Callable[[str], str | None] = e164_normalise,
        claim_hold: timedelta = timedelta(minutes=15),
        retry_after: timedelta = RETRY_AFTER,
        follow_up_window: Callable[[datetime], bool] = in_follow_up_window,
        clock: Callable[[], datetime] = now_local,
        actor: Actor | None = None,
    ):
        self.backend = backend
        self.path = backend.location
        """The database file, or the :class:`~callscript.config.DatabaseUrl` (a ``Path`` that keeps the URL)."""
        self.normalise = normalise
        self.claim_hold = claim_hold
        self.retry_after = retry_after
        self.follow_up_window = follow_up_window
        self.clock = clock
        self.actor: Actor = actor or system_actor(cli_origin())
        """Who the audit log names for changes made through this store itself: the local
        system actor (whoever opens the file has its owner's rights). An account acts
        through :meth:`~callscript.storage.Store.acting_as` instead."""
        self.lock_retries = 0
        self._lock = threading.RLock()
        self._depth = 0
        self._agent_ids: dict[str, int] = {}
        """Agent name → id, as looked up (agents are never renamed or deleted; see agents.py)."""

    @property
    def conn(self) -> Any:
        """The connection the reports' SQL runs on: the ``sqlite3.Connection`` of a file, or a
        :class:`~callscript.storage.backend.PgConnection` (same placeholders) for PostgreSQL."""
        return self.backend.conn

    @property
    def db(self) -> sqlite_utils.Database:
        """The file's sqlite-utils handle (SQLite tools and tests; not there on PostgreSQL)."""
        if not isinstance(self.backend, SqliteBackend):
            raise AttributeError("a PostgreSQL store has no sqlite-utils handle (use the Store's methods)")
        return self.backend.db

    @property
    def is_postgres(self) -> bool:
        return self.backend.name == "postgresql"

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        migrate: bool = True,
        synchronous: str = "FULL",
        timeout: float = BUSY_TIMEOUT_S,
        **options: Any,
    ) -> Self:
        """Open the database (``path`` → ``$CALLSCRIPT_DB`` → ``data/callscript.db``): a file,
        or a PostgreSQL database when ``path`` is a ``postgresql://`` URL.

        Creates the file (mode 0600) and brings the schema up to date unless told
        not to. ``options`` go to the constructor (``normalise``, ``claim_hold``,
        ``retry_after``, ``follow_up_window``, ``clock``, ``actor``).
        """
        resolved = resolve_db_path(path)
        backend = open_backend(resolved, create=create, migrate=migrate, synchronous=synchronous, timeout=timeout)
        return cls(backend, **options)

    def migrate(self) -> list[int]:
        """Bring the database's schema up to this release's (what :meth:`open` does unless told not to);
        the versions applied."""
        with self._lock:
            return self.backend.migrate()

    def change_marker(self) -> tuple[int, int]:
        """Changes whenever any data changes, here or in another process (:func:`db.change_marker`):
        compare two readings to know whether anything is worth reading again."""
        with self._lock:
            return self.backend.change_marker()

    def close(self) -> None:
        with self._lock:
            self.backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self.backend.schema_version()

    # ------------------------------------------------------------------ the clock

    def now(self) -> datetime:
        """The store's idea of now (its ``clock``: local time, to the second)."""
        return self.clock()

    def _now(self, now: datetime | None = None) -> datetime:
        return to_local(now) if now is not None else self.clock()

    # ------------------------------------------------------------------ transactions

    def _tx(self, work: Callable[[], T]) -> T:
        """Run ``work`` in one write transaction (joined if one is open): ``BEGIN IMMEDIATE``
        on SQLite, ``BEGIN`` on PostgreSQL.

        Retried as a whole while the file is locked (or PostgreSQL reports a deadlock, or the
        connection broke before ``COMMIT``), so ``work`` must not change anything outside the
        database before it returns.
        """
        with self._lock:
            if self._depth:
                return work()

            def attempt() -> T:
                self._depth += 1
                try:
                    return work()
                finally:
                    self._depth -= 1

            return self.backend.transaction(attempt, self._count_retry)

    def _in_tx(self) -> bool:
        """True inside :meth:`_tx` (what is written may yet be rolled back)."""
        return self._depth > 0

    def _snapshot(self, work: Callable[[], T]) -> T:
        """Run read-only ``work`` on one consistent snapshot (a read transaction, rolled back)."""
        with self._lock:
            if self._depth:
                return work()

            def attempt() -> T:
                self._depth += 1
                try:
                    return work()
                finally:
                    self._depth -= 1

            return self.backend.snapshot(attempt)

    @contextlib.contextmanager
    def _durable(self) -> Iterator[None]:
        """Commits inside the block are durable (SQLite ``synchronous=FULL``, PostgreSQL
        ``synchronous_commit=on``) even if the store was opened for bulk work: for outcomes."""
        with self._lock, self.backend.durable():
            yield

    @contextlib.contextmanager
    def _relaxed(self) -> Iterator[None]:
        """Commits inside the block are not flushed (SQLite ``synchronous=NORMAL``, PostgreSQL
        ``synchronous_commit=off``): they survive the app crashing but not a power cut. For presence heartbeats, which are stale in seconds
        anyway and would otherwise cost an fsync every few seconds per running app."""
        with self._lock, self.backend.relaxed():
            yield

    def _count_retry(self) -> None:
        self.lock_retries += 1

    # ------------------------------------------------------------------ statements

    # Each method turns "the database is the trouble" errors (not a database, damaged, disk
    # full, read-only; on PostgreSQL also the server unreachable) into StorageError codes,
    # so callers branch on a code.

    @property
    def _lock_rows(self) -> str:
        """`` FOR UPDATE SKIP LOCKED`` on PostgreSQL (see :attr:`Backend.lock_rows`), else nothing."""
        return self.backend.lock_rows

    @property
    def _lock_row(self) -> str:
        """`` FOR UPDATE`` on PostgreSQL (see :attr:`Backend.lock_row`), else nothing."""
        return self.backend.lock_row

    def _rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Every row of a query, as dicts by column name."""
        with self._lock:
            return self.backend.rows(sql, params)

    def _row(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """The first row of a query, or None."""
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        with self._lock:
            return self.backend.value(sql, params)

    def _tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row of a query as a plain tuple, by position: for large reads whose columns are
        positional anyway (the import's staging, the floor board's snapshot), no dict per row."""
        with self._lock:
            return self.backend.tuples(sql, params)

    def _column(self, sql: str, params: Params = ()) -> list[Any]:
        """The first column of every row."""
        with self._lock:
            return self.backend.column(sql, params)

    def _execute(self, sql: str, params: Params = ()) -> int:
        """One write statement (inside :meth:`_tx`); how many rows it changed."""
        with self._lock:
            return self.backend.execute(sql, params)

    def _insert(self, sql: str, params: Params = ()) -> int:
        """One ``INSERT`` (inside :meth:`_tx`); the new row's id."""
        with self._lock:
            return self.backend.insert_returning_id(sql, params)

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One write statement for many rows (inside :meth:`_tx`, or on this connection's temporary
        tables outside it); rows changed (-1 if unknown)."""
        with self._lock:
            return self.backend.executemany(sql, rows)

    def _append_once(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """ONE write statement, committed (autocommit) when this returns; its ``RETURNING`` rows.

        The hot path (every answer of a call): no ``BEGIN``/``COMMIT`` round trips;
        see :func:`callscript.storage.db.write_once` for why it is as safe as a
        ``BEGIN IMMEDIATE`` transaction. Joins an open transaction.
        """
        with self._lock:
            return self.backend.append_once(sql, params)
