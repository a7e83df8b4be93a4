"""A lead list's database half: checked rows staged on the side, then one short transaction.

The importer (``callscript.leads.importer``) streams a file in chunks; it hands each chunk of
checked rows to :meth:`StagedLeads.add`, which appends them to a temporary table of this
connection (SQLite's ``temp`` schema: a file of its own, not the database; its page cache is
bounded, so memory does not grow with the list). Nothing is written to the database yet and
no lock is held, so agents keep calling while a million-row file is read and checked.

Then :meth:`StagedLeads.commit` settles everything with the indexes doing the work, in C:

* duplicates *within the file* — the staged rows' ``phone_norm`` index (the first row with a
  number is the one kept; every later one is "duplicate of row N");
* numbers *already stored* — a join with the ``leads.phone_norm`` unique index (the stored lead
  is never touched, so a do-not-call lead stays do-not-call);
* the new leads go in with ``INSERT … SELECT`` in row order, :data:`IMPORT_CHUNK` staged rows
  at a time (``progress(done, total)`` after each), all in one ``BEGIN IMMEDIATE``
  transaction: killed half-way, the import leaves nothing. A dry run does the same reads on
  one snapshot and writes nothing.

Why staged rather than inserted as they are read: the write lock is held only for the
database part (the reading and checking, most of an import's time, happen before it), the
total for ``progress`` is known before the first insert, and a dry run never takes the lock.
Staging costs about the same as the ``executemany`` it replaces, since the rows are bound
once either way; the ``INSERT … SELECT`` after it runs without Python.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callscript.core.cleantext import LEAD_TEXT_FIELDS, LIMITS, clean_optional
from callscript.storage.timefmt import iso

if TYPE_CHECKING:
    from callscript.storage.base import StoreBase

IMPORT_CHUNK = 5000
"""Staged rows per ``INSERT … SELECT`` (and per ``progress`` call) in :meth:`StagedLeads.commit`."""

STAGED_COLUMNS = (
    "row",
    "company",
    "contact",
    "title",
    "department",
    "phone",
    "phone_norm",
    "phone_kind",
    "industry",
    "source",
    "notes",
)
"""The fields of a staged row, in order: (row number in the file, the lead's texts, its number as
``callscript.core.phones`` normalised it and its kind). A plain tuple: 100,000 of them are made
per import, and the tuple is what ``executemany`` binds."""

StagedRow = tuple[
    int, str, str | None, str | None, str | None, str, str, str | None, str | None, str | None, str | None
]

_TEXT_AT = {name: STAGED_COLUMNS.index(name) for name in LEAD_TEXT_FIELDS}
_ONE_LINE_AT = tuple(index for name, index in _TEXT_AT.items() if name != "notes")
_NOTES_AT = _TEXT_AT["notes"]
_LIMIT_AT = tuple((index, LIMITS[LEAD_TEXT_FIELDS[name]]) for name, index in _TEXT_AT.items())

_names = itertools.count(1)


@dataclass(frozen=True, slots=True)
class FileDuplicate:
    """A staged row whose number an earlier row of the same file has."""

    row: int
    phone: str
    phone_norm: str
    first_row: int


@dataclass(frozen=True, slots=True)
class KnownPhone:
    """A staged row not inserted because its number is already a lead."""

    row: int
    phone: str
    phone_norm: str
    lead_id: int
    do_not_call: bool


@dataclass(slots=True)
class NewLeadsResult:
    """What :meth:`StagedLeads.commit` did (or, in a dry run, would do)."""

    inserted: int = 0
    in_file: list[FileDuplicate] = field(default_factory=list)
    """Rows skipped because an earlier row has the same number, in row order."""
    known: list[KnownPhone] = field(default_factory=list)
    """Rows skipped because the number is already stored, in row order."""
    seconds: float = 0.0
    """Time spent inside the database transaction (holding the write lock, for a real import)."""


class StagedLeads:
    """One import's staged rows (``Store.stage_leads()``; use it as a context manager, which
    drops the staging table at the end whatever happened)."""

    def __init__(self, store: StoreBase):
        self._store = store
        backend = store.backend
        self._name = f"staged_leads_{next(_names)}"
        self._table = f"{backend.temp_schema}.{self._name}"
        self._leads = f"{backend.main_prefix}leads"
        self._indexed = False
        self._last = 0
        self._count = 0
        if backend.name == "sqlite":
            # the staged rows are thrown away at the end whatever happens: no rollback journal for them
            # (PostgreSQL's temporary tables are not WAL-logged at all)
            store._tuples("PRAGMA temp.journal_mode = OFF")
        self._starts: list[int] = []
        """Every :data:`IMPORT_CHUNK`-th row staged: where each ``INSERT … SELECT`` of :meth:`commit` begins."""
        store._execute(
            f"""CREATE TABLE {self._table} (
                    row INTEGER PRIMARY KEY, company TEXT NOT NULL, contact TEXT,
                    title TEXT, department TEXT, phone TEXT NOT NULL, phone_norm TEXT NOT NULL,
                    phone_kind TEXT, industry TEXT, source TEXT, notes TEXT)"""
        )

    def __enter__(self) -> StagedLeads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._table:
            table, self._table = self._table, ""
            self._store._execute(f"DROP TABLE IF EXISTS {table}")

    @property
    def count(self) -> int:
        """Rows staged so far."""
        return self._count

    def add(self, rows: Sequence[StagedRow]) -> None:
        """Stage checked rows (in increasing row order, across calls too).

        Their texts are held to :mod:`callscript.core.cleantext`'s rule here, the one rule for
        every text that enters the database: the importer has cleaned them already, so one
        C-speed test of the whole chunk is what usually runs; a chunk that fails it is cleaned
        row by row (a text still too long is a ``TextTooLong``: nothing of the import is written).
        """
        if not rows:
            return
        if self._indexed:
            raise RuntimeError("rows staged after the duplicates were looked up")
        if self._starts and rows[0][0] <= self._last:
            raise ValueError("rows must be staged in increasing row order")
        if not _clean_already(rows):
            rows = [_cleaned(row) for row in rows]
        with self._store._lock:  # executemany on SQLite, COPY on PostgreSQL
            self._store.backend.bulk_insert(self._table, STAGED_COLUMNS, rows)
        self._count += len(rows)
        self._starts += [rows[i][0] for i in range(0, len(rows), IMPORT_CHUNK)]
        self._last = rows[-1][0]

    def _index(self) -> None:
        # built once all rows are in: one sort, cheaper than keeping an index up to date row by row
        if not self._indexed:
            if self._store.backend.name == "sqlite":  # SQLite names the index's schema, PostgreSQL the table's
                index, table = f"temp.idx_{self._name}", self._name
            else:
                index, table = f"idx_{self._name}", self._table
            self._store._execute(f"CREATE INDEX {index} ON {table} (phone_norm, row)")
            self._indexed = True

    def commit(
        self,
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
        now: datetime | None = None,
    ) -> NewLeadsResult:
        """Insert the staged rows whose number is neither earlier in the file nor stored, in one
        ``BEGIN IMMEDIATE`` transaction (``dry_run``: one read-only snapshot, nothing written).

        ``progress(done, total)`` is called after each chunk of inserts, inside the transaction
        (raising there rolls everything back); ``total`` is the number of leads being inserted.
        """
        store = self._store
        self._index()
        table = self._table
        stamp = iso(store._now(now))
        result = NewLeadsResult()
        # the numbers seen more than once (an index-only scan), then their later rows: cheap when,
        # as usual, few numbers repeat (no lock needed: the staged rows are this connection's)
        result.in_file = [
            FileDuplicate(*found)
            for found in store._tuples(
                f"""WITH repeated AS (SELECT phone_norm, min(row) AS first FROM {table}
                                     GROUP BY phone_norm HAVING count(*) > 1)
                    SELECT s.row, s.phone, s.phone_norm, repeated.first
                    FROM repeated JOIN {table} s ON s.phone_norm = repeated.phone_norm AND s.row > repeated.first
                    ORDER BY s.row"""
            )
        ]
        later_rows = {d.row for d in result.in_file}
        first_rows = self._count - len(result.in_file)

        def work() -> None:
            entered = time.perf_counter()
            try:
                result.known = [
                    KnownPhone(row, phone, norm, lead_id, bool(dnc))
                    for row, phone, norm, lead_id, dnc in store._tuples(
                        f"""SELECT s.row, s.phone, s.phone_norm, l.id, l.do_not_call
                            FROM {table} s JOIN {self._leads} l ON l.phone_norm = s.phone_norm ORDER BY s.row"""
                    )
                    if row not in later_rows  # a later row of a number: already a duplicate within the file
                ]
                total = first_rows - len(result.known)
                result.inserted = total
                if not dry_run:
                    self._insert(total, stamp, progress)
            finally:
                result.seconds = time.perf_counter() - entered

        if dry_run:
            store._snapshot(work)
        else:
            store._tx(work)
        return result

    def _insert(self, total: int, stamp: str | None, progress: Callable[[int, int], None] | None) -> None:
        # in row order, so the first row with a number is the one inserted and every later one (a
        # duplicate within the file) meets the unique index, as does a number already stored: the
        # index itself skips them, and the count inserted is checked against the lookups above
        done = 0
        ends = [*self._starts[1:], self._last + 1]
        for start, end in zip(self._starts, ends):
            done += self._store._execute(
                f"""INSERT INTO {self._leads} (company, contact, title, department, phone, phone_norm, phone_kind,
                                            industry, source, notes, do_not_call, status, attempts,
                                            created_at, updated_at)
                    SELECT company, contact, title, department, phone, phone_norm, phone_kind, industry, source,
                           notes, 0, 'new', 0, :stamp, :stamp
                    FROM {self._table} WHERE row >= :start AND row < :end ORDER BY row
                    ON CONFLICT (phone_norm) DO NOTHING""",
                {"stamp": stamp, "start": start, "end": end},
            )
            if progress is not None:
                progress(done, total)
        if done != total:  # pragma: no cover - the lookups above count exactly these rows
            raise RuntimeError(f"lead import: {done} rows inserted, {total} expected")


def _clean_already(rows: Sequence[StagedRow]) -> bool:
    """Every text of the chunk is as :mod:`callscript.core.cleantext` would leave it (no control
    characters, one line but the notes, within its limit): tested column by column in C."""
    columns = list(zip(*rows))
    one_line = itertools.chain.from_iterable(columns[i] for i in _ONE_LINE_AT)
    if not "|".join(filter(None, one_line)).isprintable():
        return False
    notes = [n for n in columns[_NOTES_AT] if n]
    if notes and not "|".join(notes).replace("\n", " ").isprintable():
        return False
    for index, limit in _LIMIT_AT:
        if max(map(len, filter(None, columns[index])), default=0) > limit:
            return False
    return all(columns[1]) and all(columns[5]) and all(columns[6])


def _cleaned(row: StagedRow) -> StagedRow:
    values: list[Any] = list(row)
    for name, index in _TEXT_AT.items():
        values[index] = clean_optional(values[index], LEAD_TEXT_FIELDS[name], lines=name == "notes")
    if not values[1] or not values[5]:
        raise ValueError(f"row {row[0]}: a lead needs a company and a phone number")
    return tuple(values)
