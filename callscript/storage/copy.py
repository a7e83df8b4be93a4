"""Copying a whole database between the backends (``callscript db copy SRC DEST``).

Every table is copied row for row, ids kept, derived tables (the report and analytics
tables) included as they are: the copy is the source, not a recomputation of it. The
destination's own triggers are held off while the rows go in — they would recompute the
derived tables from half-copied data, and the audit log's would be right to refuse nothing
but are not needed — and are back, unchanged, when the one transaction commits:

* SQLite has no "disable trigger": their ``CREATE TRIGGER`` text is read from
  ``sqlite_master``, they are dropped, and created again before ``COMMIT`` (DDL is
  transactional in SQLite, so a copy that fails leaves them where they were);
* PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER USER`` (the table's owner may; the foreign
  keys' system triggers stay on), then ``ENABLE``.

Tables go in an order where what a row refers to is already there. ``leads`` and ``calls``
refer to each other (a lead's ``active_call_id``); such a column is written NULL first and
set once its table is in (:func:`copy_order`). PostgreSQL's identity sequences are then moved
past the copied ids (:func:`callscript.storage.pg_schema.reset_identities`).

The functions work on connections (``sqlite3.Connection`` or
:class:`~callscript.storage.backend.PgConnection`, both taking SQLite's placeholders); the
check that the two sides report the same days is the reports' (``reports/compare.py``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from callscript.storage.errors import StorageError

BATCH = 5000
"""Rows read and written at a time: bounded memory on a 2-million-call database."""

NOT_COPIED = frozenset({"schema_version"})
"""PostgreSQL's version table: each side's schema is its own (both must be at the same version)."""


@dataclass(frozen=True, slots=True)
class TableStep:
    """One table's copy: its columns, and those written NULL first and set afterwards."""

    table: str
    columns: tuple[str, ...]
    deferred: tuple[str, ...] = ()


@dataclass(slots=True)
class CopyResult:
    """What was copied: rows per table on each side (equal when the copy is sound)."""

    source_counts: dict[str, int] = field(default_factory=dict)
    dest_counts: dict[str, int] = field(default_factory=dict)

    @property
    def mismatched(self) -> list[str]:
        return [t for t, n in self.source_counts.items() if self.dest_counts.get(t) != n]


def _is_postgres(conn: Any) -> bool:
    from callscript.storage.backend import backend_name

    return backend_name(conn) == "postgresql"


@lru_cache(maxsize=1)
def copy_order() -> tuple[TableStep, ...]:
    """Every table of the current schema, in an order where each row's references are already
    copied; a reference that closes a circle (leads ↔ calls) is deferred. Read from a fresh
    in-memory database migrated by :mod:`callscript.storage.schema` — the one definition."""
    from callscript.storage import schema

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        schema.migrate(conn)
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
        columns = {t: tuple(r[1] for r in conn.execute(f"PRAGMA table_info({t})")) for t in names}
        refers = {t: [(r[3], r[2]) for r in conn.execute(f"PRAGMA foreign_key_list({t})")] for t in names}
    finally:
        conn.close()
    placed: list[str] = []
    steps: list[TableStep] = []
    waiting = list(names)
    while waiting:
        ready = [t for t in waiting if all(target in placed or target == t for _, target in refers[t])]
        table = ready[0] if ready else min(waiting, key=lambda t: sum(target not in placed for _, target in refers[t]))
        deferred = tuple(col for col, target in refers[table] if target not in placed and target != table)
        steps.append(TableStep(table, columns[table], deferred))
        placed.append(table)
        waiting.remove(table)
    return tuple(steps)


def _rows(conn: Any, step: TableStep) -> Iterator[list[tuple[Any, ...]]]:
    """The source's rows in batches, in primary-key order (rowid on SQLite)."""
    order = "id" if "id" in step.columns else ", ".join(step.columns)
    cursor = conn.execute(f"SELECT {', '.join(step.columns)} FROM {step.table} ORDER BY {order}")
    while batch := cursor.fetchmany(BATCH):
        yield [tuple(row) for row in batch]


def _count(conn: Any, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def copy_database(source: Any, dest: Any, *, progress: Callable[[str, int], None] | None = None) -> CopyResult:
    """Copy every row of ``source`` into the empty ``dest`` (both migrated to the same schema
    version) in one transaction; the rows per table on each side.

    Raises :class:`StorageError` when ``dest`` already holds data (nothing is merged)."""
    steps = copy_order()
    busy = [s.table for s in steps if s.table not in NOT_COPIED and _count(dest, s.table)]
    if busy:
        raise StorageError(f"the destination is not empty ({', '.join(busy[:5])}): copy into a new database")
    result = CopyResult()
    pg = _is_postgres(dest)
    with _snapshot(source):
        dest.execute("BEGIN")
        try:
            _copy_all(source, dest, steps, result, pg, progress)
            dest.execute("COMMIT")
        except BaseException:
            if dest.in_transaction:
                dest.execute("ROLLBACK")
            raise
    return result


@contextlib.contextmanager
def _snapshot(conn: Any) -> Iterator[None]:
    """Read the source in one transaction: a floor still writing to it gives a consistent copy."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if _is_postgres(conn) else "BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _copy_all(
    source: Any,
    dest: Any,
    steps: tuple[TableStep, ...],
    result: CopyResult,
    pg: bool,
    progress: Callable[[str, int], None] | None,
) -> None:
    restore = _hold_triggers(dest, [s.table for s in steps])
    steps = tuple(step if step.table in NOT_COPIED else _source_step(source, step) for step in steps)
    for step in steps:
        if step.table in NOT_COPIED:
            continue
        copied = _copy_table(source, dest, step, pg)
        result.source_counts[step.table] = _count(source, step.table)
        if progress is not None:
            progress(step.table, copied)
    for step in steps:
        if step.deferred:
            _set_deferred(source, dest, step)
    restore()
    if pg:
        from callscript.storage.pg_schema import reset_identities

        reset_identities(dest)
    for table in result.source_counts:
        result.dest_counts[table] = _count(dest, table)


def _columns(conn: Any, table: str) -> list[str]:
    if _is_postgres(conn):
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position"
        )
        return [r[0] for r in conn.execute(sql, (table,)).fetchall()]
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def _source_step(source: Any, step: TableStep) -> TableStep:
    """The step with the columns the source really has: a file migrated by an older release may
    lack one added since (the destination's default fills it); one the destination does not
    know would be lost, so the copy is refused."""
    have = _columns(source, step.table)
    unknown = [c for c in have if c not in step.columns]
    if unknown:
        raise StorageError(f"{step.table} has columns this release does not know ({', '.join(unknown)}): not copied")
    columns = tuple(c for c in step.columns if c in have)
    return TableStep(step.table, columns, tuple(c for c in step.deferred if c in columns))


def _copy_table(source: Any, dest: Any, step: TableStep, pg: bool) -> int:
    names = ", ".join(step.columns)
    nulled = [i for i, c in enumerate(step.columns) if c in step.deferred]
    copied = 0
    for batch in _rows(source, step):
        if nulled:
            batch = [tuple(None if i in nulled else v for i, v in enumerate(row)) for row in batch]
        if pg:
            with dest.raw.cursor().copy(f"COPY {step.table} ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(step.columns))
            dest.executemany(f"INSERT INTO {step.table} ({names}) VALUES ({marks})", batch)
        copied += len(batch)
    return copied


def _set_deferred(source: Any, dest: Any, step: TableStep) -> None:
    """Set the columns written NULL, now that what they refer to is in."""
    where = " OR ".join(f"{c} IS NOT NULL" for c in step.deferred)
    sets = ", ".join(f"{c} = ?" for c in step.deferred)
    cursor = source.execute(f"SELECT id, {', '.join(step.deferred)} FROM {step.table} WHERE {where} ORDER BY id")
    while batch := cursor.fetchmany(BATCH):
        dest.executemany(f"UPDATE {step.table} SET {sets} WHERE id = ?", [(*row[1:], row[0]) for row in batch])


def _hold_triggers(dest: Any, tables: list[str]) -> Callable[[], None]:
    """Turn the destination's triggers off inside the open transaction; the function that turns them back on."""
    if _is_postgres(dest):
        for table in tables:
            dest.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

        def enable() -> None:
            for table in tables:
                dest.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

        return enable
    triggers = [
        (name, sql)
        for name, sql in dest.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid")
    ]
    for name, _ in triggers:
        dest.execute(f"DROP TRIGGER {name}")

    def recreate() -> None:
        for _, sql in triggers:
            dest.execute(sql)

    return recreate
