"""Importing the data team's lead lists (CSV or XLSX) into the database.

Reading the file into rows of cell text is :mod:`callscript.leads.readers`; this
module turns rows into leads and hands them to the store. What a person gets
(docs/leads.md):

* **Files**: CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 (what Excel in China saves)
  or UTF-16 (Excel's "Unicode text", tab-separated), detected from the bytes;
  comma, tab or semicolon separated; and ``.xlsx`` workbooks (first sheet, or
  ``sheet=``). The format is told by the bytes, not the file name.
* **Headers** in Chinese or English (:data:`HEADER_ALIASES`), found in the first
  rows (a title row above the header is skipped); ``mapping`` (``--map 单位=company``)
  overrides or adds names. Unknown columns are ignored and listed; several columns
  for ``notes`` are joined with their names; a second phone column goes into notes.
* **Rows**: every bad row is reported with its row number *as Excel shows it*
  (the header is row 1 when it is the first line) and the reason: no phone, a
  phone that is not a valid number, no company, too many cells, a cell too long.
  Blank rows are skipped quietly. Good rows are imported.
* **Duplicates**: the same number in any spelling (``138 1234 5678`` and
  ``+86-13812345678``) is one lead. A number seen earlier in the file, or already
  in the database, is skipped and reported (with the earlier row / the lead id);
  an existing lead is never touched, so a do-not-call lead stays do-not-call.
* **Streamed, then one transaction**: the file is read, checked and staged
  :data:`CHUNK_ROWS` rows at a time (``Store.stage_leads``: memory does not grow with the
  file, and no lock is held while it is read); the database part is one ``BEGIN
  IMMEDIATE`` transaction; killed half-way, the import leaves nothing. ``dry_run`` does
  everything but write.

Speed (``bench/bench_leads.py``, docs/leads.md "Memory and speed"): rows are checked a chunk at a
time, column by column (:func:`check_batch`: a clean column is tested whole in C; only a row that
needs it goes through :func:`prepare_row`), a good row is one tuple, the common CN phone
spellings take a shortcut (:func:`callscript.core.phones.parse_phones`), duplicates are found by
SQLite's indexes, and a file of more than one chunk is read by a forked child process while this
one stages (:func:`_stage_rows`: two cores at once).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from callscript.core.cleantext import LEAD_TEXT_FIELDS, LIMITS, strip_controls
from callscript.core.phones import PhoneError, check_region, default_region, parse_phone, parse_phones
from callscript.files import tabular
from callscript.leads.readers import ImportErrorCode, ImportFileError, Table, read_table, read_table_bytes
from callscript.storage import StagedRow

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from callscript.storage import StagedLeads, Store

FIELDS: tuple[str, ...] = ("company", "contact", "title", "department", "phone", "industry", "source", "notes")
"""The lead columns an import fills."""

FIELD_LABELS: dict[str, str] = {
    "company": "公司",
    "contact": "联系人",
    "title": "职位",
    "department": "部门",
    "phone": "电话",
    "industry": "行业",
    "source": "来源",
    "notes": "备注",
}

IGNORE = "ignore"

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "company": (
        "公司",
        "公司名称",
        "公司名",
        "单位",
        "单位名称",
        "企业",
        "企业名称",
        "客户名称",
        "客户公司",
        "company",
        "company name",
        "companyname",
        "organisation",
        "organization",
        "firm",
    ),
    "contact": (
        "联系人",
        "联系人姓名",
        "姓名",
        "客户姓名",
        "名字",
        "contact",
        "contact name",
        "contact person",
        "name",
        "person",
    ),
    "title": ("职位", "职务", "头衔", "岗位", "title", "job title", "position", "role"),
    "department": ("部门", "所在部门", "部门名称", "科室", "department", "dept"),
    "phone": (
        "电话",
        "手机",
        "联系电话",
        "电话号码",
        "手机号",
        "手机号码",
        "移动电话",
        "座机",
        "固话",
        "固定电话",
        "办公电话",
        "phone",
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "mobile phone",
        "cell",
    ),
    "industry": ("行业", "所属行业", "行业类别", "行业分类", "industry", "sector"),
    "source": ("来源", "数据来源", "信息来源", "资料来源", "渠道", "source", "lead source", "origin"),
    "notes": ("备注", "说明", "附注", "notes", "note", "remarks", "remark", "comment", "comments"),
}

MAX_CELL_CHARS: dict[str, int] = {name: LIMITS[LEAD_TEXT_FIELDS[name]] for name in FIELDS}
"""A cell longer than its field's limit (callscript/core/cleantext.py, the one home of the
limits) is a mistake in the file (a whole paragraph in the phone column): the row is rejected."""

MAX_ANY_CELL_CHARS = 131_072
"""A cell longer than this, in any column (read or not), rejects its row — not the file."""

CHUNK_ROWS = 5000
"""Checked rows handed to storage at a time: what the import holds in memory, whatever the file's size."""

PIPELINE_AFTER_ROWS = 5_000
"""A file longer than this (one chunk) is read by a child process from there on while this one
stages (:func:`_stage_rows`). Starting the child costs ~3.5 ms (fork, pipe, join: the work of a
few hundred rows) and sending a row ~1 us of the 12-35 us it costs to read, check and stage;
a file of one chunk or less is done here, where it takes under ~0.1 s anyway."""

HEADER_SEARCH_ROWS = 10
"""The header must be within the first this-many non-blank rows."""

# Several numbers in one cell: "13812345678 / 010-88886666", "…;…", "…、…"
_MULTI_PHONE = re.compile(r"\s*(?:/|／|;|；|,|，|、|\||\n)\s*")
_PHONE_SEPARATORS = frozenset("/／;；,，、|\n")
_HEADER_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】_\-]+")


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not imported: ``row`` as Excel numbers it, and why."""

    row: int
    reason: str
    phone: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row skipped because its number is already known."""

    row: int
    phone: str
    phone_norm: str
    first_row: int | None = None
    """The earlier row of this file with the same number (a duplicate within the file)."""
    lead_id: int | None = None
    """The lead already in the database with this number."""
    do_not_call: bool = False
    """That lead is marked do-not-call (and stays so)."""

    @property
    def reason(self) -> str:
        if self.first_row is not None:
            return f"duplicate of row {self.first_row} ({self.phone_norm})"
        dnc = ", do-not-call" if self.do_not_call else ""
        return f"already in the database as lead {self.lead_id}{dnc} ({self.phone_norm})"


@dataclass(slots=True)
class ImportResult:
    path: str
    format: str
    """``csv`` or ``xlsx``."""
    encoding: str | None
    """How a CSV was decoded (``UTF-8``, ``UTF-8 with BOM``, ``GBK``, ``UTF-16``); None for XLSX."""
    sheet: str | None = None
    sheet_note: str | None = None
    """Why ``sheet`` is not the workbook's first (the sheets before it are empty)."""
    header_row: int = 1
    columns: dict[str, list[str]] = field(default_factory=dict)
    """Field → the header(s) of the column(s) read into it."""
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    """Data rows below the header that were not blank."""
    blank_rows: int = 0
    imported: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0
    locked_seconds: float = 0.0
    """Time spent inside the database transaction (the write lock, for a real import)."""

    @property
    def duplicates_in_file(self) -> int:
        return sum(1 for d in self.duplicates if d.first_row is not None)

    @property
    def duplicates_in_db(self) -> int:
        return sum(1 for d in self.duplicates if d.lead_id is not None)

    @property
    def do_not_call_kept(self) -> int:
        return sum(1 for d in self.duplicates if d.do_not_call)

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def problems(self) -> list[tuple[int, str, str]]:
        """Every row not imported, in row order: (row, ``rejected``/``duplicate``, reason)."""
        items = [(p.row, "rejected", p.reason) for p in self.rejected]
        items += [(d.row, "duplicate", d.reason) for d in self.duplicates]
        return sorted(items)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        parts = [f"{verb} {self.imported}"]
        dup = f"duplicates skipped {len(self.duplicates)}"
        if self.duplicates:
            dup += f" ({self.duplicates_in_file} within the file, {self.duplicates_in_db} already in the database"
            if self.do_not_call_kept:
                dup += f", {self.do_not_call_kept} of them do-not-call"
            dup += ")"
        parts.append(dup)
        parts.append(f"rejected {len(self.rejected)}")
        return " · ".join(parts)


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


_ALIAS_INDEX: dict[str, str] = {
    _header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["单位=company", "网址=ignore"]`` → ``{"单位": "company", "网址": "ignore"}``.

    The field may be written first too (``company=单位``). Field names: ``company``,
    ``contact``, ``title``, ``phone``, ``industry``, ``source``, ``notes``, ``ignore``
    (or their Chinese labels 公司, 联系人, …).
    """
    mapping: dict[str, str] = {}
    labels = {label: name for name, label in FIELD_LABELS.items()}
    known = set(FIELDS) | {IGNORE, "-"}
    for item in items:
        left, sep, right = str(item).partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise ImportFileError(f"--map {item!r}: write COLUMN=FIELD, e.g. 单位=company", ImportErrorCode.BAD_MAPPING)
        right_field = labels.get(right, right.lower())
        left_field = labels.get(left, left.lower())
        if right_field in known:
            column, target = left, right_field
        elif left_field in known:
            column, target = right, left_field
        else:
            raise ImportFileError(
                f"--map {item!r}: {right!r} is not a lead field (fields: {', '.join(FIELDS)}, or ignore)",
                ImportErrorCode.BAD_MAPPING,
            )
        mapping[column] = IGNORE if target == "-" else target
    return mapping


_SLOT = {"company": 0, "contact": 1, "title": 2, "department": 3, "industry": 4, "source": 5}
"""Where each one-line field's text goes while a row is read (phone and notes are lists)."""
_PHONE, _NOTES = -1, -2
_BATCH_FIELDS = ("company", "contact", "title", "department", "phone", "industry", "source", "notes")
"""The fields in the order :func:`check_batch` zips their columns (a staged row's order, less the
row number and the phone's normal form and kind)."""


@dataclass(slots=True)
class Layout:
    """Which column feeds which field."""

    width: int
    fields: dict[str, list[int]]
    names: list[str]
    ignored: list[str]
    plan: list[tuple[int, int, int, str]] = field(default_factory=list)
    """(column index, slot, limit, header) for every column read, in column order: what
    :func:`prepare_row` walks for each row (the slot is :data:`_SLOT`'s, or phone/notes)."""
    one_column_each: tuple[int, ...] | None = None
    """The column of each of :data:`_BATCH_FIELDS` (-1: none), when no field has two columns:
    the layout :func:`check_batch` checks column by column."""

    def __post_init__(self) -> None:
        plan = []
        for name, columns in self.fields.items():
            slot = _PHONE if name == "phone" else _NOTES if name == "notes" else _SLOT[name]
            plan += [(index, slot, MAX_CELL_CHARS[name], self.names[index]) for index in columns]
        self.plan = sorted(plan)
        if all(len(columns) == 1 for columns in self.fields.values()):
            self.one_column_each = tuple(self.fields[name][0] if name in self.fields else -1 for name in _BATCH_FIELDS)

    def describe(self) -> dict[str, list[str]]:
        return {f: [self.names[i] for i in cols] for f, cols in self.fields.items()}


def resolve_header(cells: Sequence[str], mapping: Mapping[str, str]) -> Layout:
    """Map header cells to fields (``mapping`` first, then :data:`HEADER_ALIASES`)."""
    names = [_clean_cell(c) for c in cells]
    while names and not names[-1]:
        names.pop()
    by_key = {_header_key(k): v for k, v in mapping.items()}
    fields: dict[str, list[int]] = {}
    ignored: list[str] = []
    for index, name in enumerate(names):
        key = _header_key(name)
        target = by_key.get(key) if key else None
        if target is None and key:
            target = _ALIAS_INDEX.get(key)
        if target is None or target == IGNORE:
            if name:
                ignored.append(name)
            continue
        fields.setdefault(target, []).append(index)
    return Layout(len(names), fields, names, ignored)


def _check_mapping_columns(mapping: Mapping[str, str], names: Sequence[str], file: str) -> None:
    present = {_header_key(n) for n in names}
    for column in mapping:
        if _header_key(column) not in present:
            shown = ", ".join(n for n in names if n) or "(none)"
            raise ImportFileError(
                f"{file}: --map: no column {column!r} in the header (columns: {shown})", ImportErrorCode.BAD_MAPPING
            )


# ---------------------------------------------------------------------------
# Rows → leads
# ---------------------------------------------------------------------------


def _clean_cell(value: str, *, lines: bool = False) -> str:
    """A cell's text as a lead field keeps it (:mod:`callscript.core.cleantext`: control
    characters out; one line, unless ``lines`` — notes keep their line breaks)."""
    text = value.strip()
    if text.isprintable():
        return text
    return strip_controls(text, keep_newlines=lines).strip()


def prepare_row(
    row: int, cells: list[str], layout: Layout, *, region: str, default_source: str | None = None
) -> StagedRow | RowProblem | None:
    """One data row → a lead ready to stage (a :data:`~callscript.storage.StagedRow` tuple),
    the reason it cannot be, or None if blank.

    The import's hot path (a million rows): one walk over the columns read, texts kept in a
    small list by slot, no object made for a good row but the tuple that is inserted.
    """
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    if end == 0:
        return None
    if end > layout.width:
        return RowProblem(row, f"too many cells: {end}, the header has {layout.width} columns")
    longest = max(map(len, cells[:end]))
    if longest > MAX_ANY_CELL_CHARS:
        index = next(i for i, c in enumerate(cells) if len(c) == longest)
        column = layout.names[index] if index < len(layout.names) and layout.names[index] else f"column {index + 1}"
        return RowProblem(row, f"{column}: a cell of {longest:,} characters (at most {MAX_ANY_CELL_CHARS:,})")
    texts: list[str | None] = [None, None, None, None, None, None]
    phones: list[str] = []
    notes: list[tuple[str, str]] = []
    for index, slot, limit, header in layout.plan:
        if index >= end:
            break  # the plan is in column order
        text = cells[index]
        if not text:
            continue
        text = text.strip()
        if not text.isprintable():
            text = strip_controls(text, keep_newlines=slot == _NOTES).strip()
        if not text:
            continue
        if len(text) > limit:
            return RowProblem(row, f"{header}: too long ({len(text)} characters, at most {limit})")
        if slot >= 0:
            earlier = texts[slot]
            texts[slot] = text if earlier is None else earlier + " " + text
        elif slot == _PHONE:
            if _PHONE_SEPARATORS.isdisjoint(text):
                phones.append(text)
            else:
                phones += [part for part in _MULTI_PHONE.split(text) if part]
        else:
            notes.append((header, text))
    company = texts[0]
    if not phones:
        if not any(_clean_cell(c) for c in cells[:end]):
            return None
        return RowProblem(row, "no phone number", None, company)
    parsed = None
    chosen = 0
    first_error: PhoneError | None = None
    for index, text in enumerate(phones):  # the first valid number is the lead's
        try:
            parsed = parse_phone(text, region)
        except PhoneError as exc:
            first_error = first_error or exc
            continue
        chosen = index
        break
    if parsed is None:
        return RowProblem(row, str(first_error), phones[0], company)
    if company is None:
        return RowProblem(row, "no company name", phones[0], None)
    if len(phones) == 1 and not notes:
        note = None
    else:
        parts = []
        if len(phones) > 1:
            parts.append("其他电话: " + " / ".join(t for i, t in enumerate(phones) if i != chosen))
        if len(notes) == 1:
            parts.append(notes[0][1])
        else:
            parts += [f"{column}: {text}" for column, text in notes]
        note = "; ".join(parts) or None
    return (
        row,
        company,
        texts[1],
        texts[2],
        texts[3],
        phones[chosen],
        parsed.norm,
        parsed.kind,
        texts[4],
        texts[5] or default_source,
        note,
    )


@dataclass(slots=True)
class _OpenedFile:
    """A file with its header found: what :func:`import_leads` streams the rows from."""

    result: ImportResult
    layout: Layout
    rows: Iterator[tuple[int, list[str]]]
    region: str
    defer_strings: Callable[[], Callable[[list[tuple[int, list[Any]]]], None]] | None = None
    """A workbook's :attr:`~callscript.leads.readers.Table.defer_strings`."""


def _open_file(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None,
    encoding: str | None,
    sheet: str | None,
    region: str | None,
    data: bytes | None,
) -> _OpenedFile:
    """Open the file and find its header (no database); the rows after it are still unread."""
    try:
        region = check_region(region) if region else check_region(default_region())
    except PhoneError as exc:
        raise ImportFileError(str(exc), ImportErrorCode.BAD_REGION) from None
    mapping = dict(mapping or {})
    name = str(path)
    table = (
        read_table_bytes(data, name=name, encoding=encoding, sheet=sheet)
        if data is not None
        else read_table(path, encoding=encoding, sheet=sheet)
    )
    result = ImportResult(
        path=name, format=table.format, encoding=table.encoding, sheet=table.sheet, sheet_note=table.sheet_note
    )
    try:
        opened = _find_header(table, result, mapping, name, region)
        opened.defer_strings = table.defer_strings
        return opened
    except BaseException:
        _close(table.rows)
        raise


def _close(rows: Iterator[tuple[int, list[str]]]) -> None:
    """Stop reading the file (its handle and temporary files are released now, not when the
    generator is collected)."""
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _find_header(table: Table, result: ImportResult, mapping: Mapping[str, str], name: str, region: str) -> _OpenedFile:
    rows = table.rows
    layout: Layout | None = None
    first_cells: list[str] | None = None
    seen_nonblank = 0
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        seen_nonblank += 1
        if first_cells is None:
            first_cells = cells
        candidate = resolve_header(cells, mapping)
        if "phone" in candidate.fields:
            if mapping:
                _check_mapping_columns(mapping, candidate.names, name)
            layout = candidate
            result.header_row = number
            break
        if seen_nonblank >= HEADER_SEARCH_ROWS:
            break
    if layout is None:
        if first_cells is None:
            raise ImportFileError(f"{name}: the file is empty (no header row, no leads)", ImportErrorCode.EMPTY_FILE)
        shown = ", ".join(_clean_cell(c)[:30] for c in first_cells if c.strip())[:300]
        raise ImportFileError(
            f"{name}: no phone column in the header (first row: {shown}); name the column 电话/手机/phone "
            "or map it, e.g. --map 联系方式=phone",
            ImportErrorCode.NO_PHONE_COLUMN,
        )
    if "company" not in layout.fields:
        raise ImportFileError(
            f"{name}: no company column in the header (columns: {', '.join(n for n in layout.names if n)}); "
            "name it 公司/company or map it, e.g. --map 单位=company",
            ImportErrorCode.NO_COMPANY_COLUMN,
        )
    result.columns = layout.describe()
    result.ignored_columns = layout.ignored
    return _OpenedFile(result, layout, rows, region)


CheckedChunk = tuple[list[StagedRow], list[RowProblem], int, int, int]
"""A chunk of checked rows: (the good rows, ready to stage; the rejected ones; blank rows;
non-blank rows read; the number of the last row). A plain tuple, since the pipeline pickles one
per :data:`CHUNK_ROWS` rows."""


def _check_rows(
    rows: Iterable[tuple[int, list[str]]], layout: Layout, region: str, default_source: str | None, last: int
) -> Iterator[CheckedChunk]:
    """Check ``rows`` (the rows after row ``last``), :data:`CHUNK_ROWS` rows at a time: what the
    import does with a file, in this process or in the pipeline's child."""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, CHUNK_ROWS)):
        chunk = _check_batch_chunk(batch, layout, region, default_source, last)
        yield chunk
        last = chunk[4]
        if len(batch) < CHUNK_ROWS:
            return


def _check_batch_chunk(
    batch: list[tuple[int, list[str]]], layout: Layout, region: str, default_source: str | None, last: int
) -> CheckedChunk:
    """:func:`check_batch` of the rows after row ``last``, as a :data:`CheckedChunk`."""
    good, rejected, blank = check_batch(batch, layout, region=region, default_source=default_source)
    blank += batch[-1][0] - last - len(batch)  # rows a workbook leaves out are blank rows
    return good, rejected, blank, len(good) + len(rejected), batch[-1][0]


_EMPTY_IS_NONE = {"": None}.get
"""``_EMPTY_IS_NONE(text, text)``: None for an empty cell, else the text (in C, over a column)."""


def check_batch(
    batch: Sequence[tuple[int, list[str]]], layout: Layout, *, region: str, default_source: str | None = None
) -> tuple[list[StagedRow], list[RowProblem], int]:
    """:func:`prepare_row` for each of ``batch``'s rows (in increasing row order): the good rows,
    the rejected ones and how many were blank — exactly what row by row would give (the tests
    compare), at a fraction of the cost.

    How: when no field has two columns (:attr:`Layout.one_column_each`, the usual list), the
    cells are turned into columns (``zip``, in C) and each column read is tested whole — printable,
    no blank at either end of a cell, within its limit, no second number in a phone cell — by a
    few C calls on the column joined. What passes needs no cleaning, so a row is then only its
    phone parsed and its tuple made. A row with anything else (a cell that needs cleaning, no
    phone, no company, a number that does not parse, more cells than the header) goes through
    :func:`prepare_row`, the one home of the rules, with its reasons.
    """
    columns_of = layout.one_column_each
    if columns_of is None or columns_of[4] < 0 or layout.width == 0:
        fast: list[StagedRow] = []
        slow: Iterable[int] = range(len(batch))
    else:
        fast, slow = _check_by_columns(batch, layout, columns_of, region, default_source)
    good: list[StagedRow] = []
    rejected: list[RowProblem] = []
    blank = 0
    fast_at = 0
    for index in slow:
        number, cells = batch[index]
        while fast_at < len(fast) and fast[fast_at][0] < number:  # in row order
            good.append(fast[fast_at])
            fast_at += 1
        prepared = prepare_row(number, cells, layout, region=region, default_source=default_source)
        if prepared is None:
            blank += 1
        elif type(prepared) is tuple:
            good.append(prepared)
        else:
            rejected.append(prepared)  # type: ignore[arg-type]  # not a tuple: a RowProblem
    good += fast[fast_at:]
    return good, rejected, blank


def _check_by_columns(
    batch: Sequence[tuple[int, list[str]]],
    layout: Layout,
    columns_of: tuple[int, ...],
    region: str,
    default_source: str | None,
) -> tuple[list[StagedRow], list[int]]:
    """:func:`check_batch`'s column by column part: the rows that need nothing but their phone
    parsed, staged; and the indexes (in ``batch``) of the others, for :func:`prepare_row`."""
    width = layout.width
    cell_lists = [cells for _, cells in batch]
    slow: set[int] = set()
    for index, cells in enumerate(cell_lists):
        if len(cells) != width:
            if len(cells) > width:
                slow.add(index)
            else:
                cells += [""] * (width - len(cells))  # trailing blank cells change no answer
    columns = list(zip(*cell_lists))
    limits = {index: limit for index, _, limit, _ in layout.plan}
    for at, column in enumerate(columns):
        _mark_slow(column, at == columns_of[4], limits.get(at), slow)
    # company, contact, title, department, phone, industry, source, notes: the text or None
    texts: list[Iterable[str | None]] = [
        itertools.repeat(None) if at < 0 else map(_EMPTY_IS_NONE, columns[at], columns[at]) for at in columns_of
    ]
    if default_source is not None:
        at = columns_of[6]
        with_default = {"": default_source}.get
        texts[6] = itertools.repeat(default_source) if at < 0 else map(with_default, columns[at], columns[at])
    fast: list[StagedRow] = []
    numbers = parse_phones(columns[columns_of[4]], region)  # None: empty or not a number (prepare_row says why)
    for index, (row, _), company, contact, title, department, phone, industry, source, note, parsed in zip(
        itertools.count(), batch, *texts, numbers
    ):
        if company is None or parsed is None or (slow and index in slow):
            slow.add(index)
            continue
        fast.append((row, company, contact, title, department, phone, parsed.norm, parsed.kind, industry, source, note))
    return fast, sorted(slow)


def _mark_slow(column: Sequence[str], phone: bool, limit: int | None, slow: set[int]) -> None:
    """Add to ``slow`` the rows whose cell in ``column`` :func:`prepare_row` must look at: any
    cell over :data:`MAX_ANY_CELL_CHARS`; in a column read (``limit``: its field's), a cell that
    cleaning would change (not printable, a blank at either end) or too long, or in the phone
    column a cell with several numbers. Tested on the column joined first (C calls); only a
    column that fails is walked cell by cell."""
    longest = max(map(len, column))
    if limit is None:
        if longest > MAX_ANY_CELL_CHARS:
            slow.update(i for i, text in enumerate(column) if len(text) > MAX_ANY_CELL_CHARS)
        return
    joined = "#".join(column)  # '#': printable, no blank, no phone separator
    if (
        longest <= min(limit, MAX_ANY_CELL_CHARS)
        and joined.isprintable()
        and " #" not in joined
        and "# " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
        and (not phone or _PHONE_SEPARATORS.isdisjoint(joined))
    ):
        return
    limit = min(limit, MAX_ANY_CELL_CHARS)
    for index, text in enumerate(column):
        if (
            len(text) > limit
            or not text.isprintable()
            or text[:1] == " "
            or text[-1:] == " "
            or (phone and not _PHONE_SEPARATORS.isdisjoint(text))
        ):
            slow.add(index)


def _batched(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    """``rows`` in lists of :data:`CHUNK_ROWS` (what the pipeline's child sends of a workbook)."""
    while batch := list(itertools.islice(rows, CHUNK_ROWS)):
        yield batch


def _stage_rows(opened: _OpenedFile, staged: StagedLeads, default_source: str | None) -> None:
    """Read, check and stage every row after the header, :data:`CHUNK_ROWS` at a time: the
    good rows go to ``staged``, the rejected ones (with their reasons) to the result.

    A file longer than :data:`PIPELINE_AFTER_ROWS` is read from there on by a child process
    (:func:`_in_child`) while this one stages: the two cores work at once. The child continues
    the very same reading (forked: the reader's state, the header found, the row numbers), so
    what comes back is what this process would have made. The work is split so that neither
    process waits long for the other: a CSV, cheap to parse, is read *and checked* by the child
    (this process has the staging, and checks the one chunk in four the child leaves it:
    :data:`PARENT_CHECKS_EVERY`); a workbook, whose XML costs three to four times the
    checking, is only parsed by the child, which leaves the shared strings as references
    (:attr:`~callscript.leads.readers.Table.defer_strings`): this process looks the texts up,
    checks the rows and stages them.
    """
    result, layout, region = opened.result, opened.layout, opened.region
    counts = [0, 0]  # blank rows, rows read

    def take(chunk: CheckedChunk) -> int:
        good, rejected, blank, read, last = chunk
        staged.add(good)
        result.rejected += rejected
        counts[0] += blank
        counts[1] += read
        return last

    chunks = _check_rows(opened.rows, layout, region, default_source, result.header_row)
    forked = False
    for chunk in chunks:
        last = take(chunk)
        if sum(counts) >= PIPELINE_AFTER_ROWS and _can_fork():
            forked = True
            break
    if forked:
        if result.format == "xlsx":
            put_texts = opened.defer_strings() if opened.defer_strings is not None else None
            for batch in _in_child(_batched(opened.rows), result.path):
                if put_texts is not None:
                    put_texts(batch)
                last = take(_check_batch_chunk(batch, layout, region, default_source, last))
        else:
            for item in _in_child(_checked_in_part(opened.rows, layout, region, default_source, last), result.path):
                if type(item) is list:  # a chunk the child left for this process to check
                    last = take(_check_batch_chunk(item, layout, region, default_source, last))
                else:
                    last = take(item)  # type: ignore[arg-type]  # not a list: a checked chunk
    result.blank_rows, result.rows_read = counts


PARENT_CHECKS_EVERY = 4
"""Of a CSV's chunks the pipeline's child reads, every fourth is sent unchecked, for the parent to
check. Measured (CPU per row, a million rows): the child read (~2.7 µs), checked (~7 µs) and sent
(~1.7 µs) every chunk, ~9.5 µs in all, while the parent received and staged in ~6.4 µs and so
waited for it; with two chunks in five left to it the parent did ~9.1 µs and the child ~7.1 µs;
one in four evens them at about 8 µs each."""


def _checked_in_part(
    rows: Iterator[tuple[int, list[str]]], layout: Layout, region: str, default_source: str | None, last: int
) -> Iterator[CheckedChunk | list[tuple[int, list[str]]]]:
    """What the pipeline's child sends of a CSV (the rows after row ``last``): each chunk checked
    (a :data:`CheckedChunk`, a tuple), except every :data:`PARENT_CHECKS_EVERY`-th, sent as read (a
    list of rows). The parent checks those with the same :func:`_check_batch_chunk`, so the result is the
    one checking every chunk in either process gives."""
    for index, batch in enumerate(_batched(rows)):
        if index % PARENT_CHECKS_EVERY == PARENT_CHECKS_EVERY - 1:
            yield batch
        else:
            yield _check_batch_chunk(batch, layout, region, default_source, last)
        last = batch[-1][0]


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the rows are read, checked and staged (and so in the
    pipeline's child too), back on after, in a process that runs one thread.

    Why: a chunk keeps some 20,000 lists and tuples alive at a time, so the collector keeps
    walking them, for nothing — rows make no cycles and are freed by their reference counts
    as each chunk goes (memory stays bounded): it cost the reading child ~1.5–3 µs a row. Not
    while other threads run (the TUI imports in its own process): their cycles are theirs to
    collect."""
    if not gc.isenabled() or threading.active_count() != 1:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _can_fork() -> bool:
    """Whether the pipeline's child can be forked safely: the platform forks, and this process
    runs one thread (forking a process with other threads can copy a lock one of them holds —
    the TUI, with Textual's threads, imports in one process) and is not itself a daemon."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


_Item = TypeVar("_Item")


def _in_child(items: Iterator[_Item], name: str) -> Iterator[_Item]:
    """The rest of ``items``, computed by a forked child and received in order through a pipe.

    Why fork: the child starts in milliseconds with the reader exactly where it is (file
    offsets, buffers, an XLSX's shared strings), nothing is pickled but what it sends back, and
    nothing is imported again. Memory stays bounded: the pipe holds little, and the child
    blocks in ``send`` until this process has taken the item before. An error in the child
    (an :class:`ImportFileError` found half-way, say) is sent over and raised here as it was;
    a child that dies (killed) is an :class:`ImportFileError`; this process stopping (an error
    while staging, Ctrl-C) closes the pipe and kills the child. Either way nothing is written:
    the transaction comes after.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_send_from_child, args=(items, receiver, sender), name="callscript import reader", daemon=True
    )
    child.start()
    sender.close()
    finished = False
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                child.join()
                raise ImportFileError(
                    f"{name}: the process reading the file stopped (exit code {child.exitcode}); nothing imported",
                    ImportErrorCode.FILE_UNREADABLE,
                ) from None
            if message is None:
                finished = True
                return
            if isinstance(message, BaseException):
                raise message
            yield message
    finally:
        receiver.close()
        if not finished:
            child.kill()
        child.join()


def _send_from_child(items: Iterator[object], receiver: Connection, sender: Connection) -> None:
    """The pipeline's child: send each item, then None (or the error that stopped it)."""
    receiver.close()
    try:
        try:
            for item in items:
                sender.send(item)
        except BrokenPipeError:
            return  # the parent has stopped listening
        except BaseException as exc:  # sent to the parent, raised there
            try:
                sender.send(exc)
            except BrokenPipeError:
                return
            except Exception:  # an error that does not pickle: its text
                sender.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
            return
        sender.send(None)
    except BrokenPipeError:
        return
    finally:
        sender.close()


# ---------------------------------------------------------------------------
# Into the database
# ---------------------------------------------------------------------------


def import_leads(
    store: Store,
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    region: str | None = None,
    default_source: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
    data: bytes | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import a lead list into ``store`` (a :class:`callscript.storage.Store`).

    The file is read, checked and staged in chunks (:meth:`Store.stage_leads`: memory does not
    grow with the file), then the new leads go in with one transaction.
    ``strict``: import nothing if any row is rejected (duplicates are still fine).
    ``progress(done, total)`` is called after each batch of inserted rows (inside
    the transaction). Raises :class:`ImportFileError` for a file that cannot be
    imported at all; row problems are in the result.
    """
    started = time.perf_counter()
    opened = _open_file(path, mapping=mapping, encoding=encoding, sheet=sheet, region=region, data=data)
    result = opened.result
    result.dry_run = dry_run
    with store.stage_leads() as staged:
        try:
            with _without_cycle_collection():
                _stage_rows(opened, staged, default_source)
        finally:
            _close(opened.rows)
        if strict and result.rejected:
            first = result.rejected[0]
            raise ImportFileError(
                f"{result.path}: {len(result.rejected)} row(s) rejected, nothing imported (--strict); "
                f"first: row {first.row}: {first.reason}",
                ImportErrorCode.ROWS_REJECTED,
            )
        stored = staged.commit(dry_run=dry_run, progress=progress, now=now)
    result.duplicates = [Duplicate(d.row, d.phone, d.phone_norm, first_row=d.first_row) for d in stored.in_file]
    result.duplicates += [
        Duplicate(k.row, k.phone, k.phone_norm, lead_id=k.lead_id, do_not_call=k.do_not_call) for k in stored.known
    ]
    result.duplicates.sort(key=lambda d: d.row)
    result.imported = stored.inserted
    result.locked_seconds = stored.seconds
    result.seconds = time.perf_counter() - started
    return result


def problems_sheet(result: ImportResult) -> tabular.Sheet:
    """The rows not imported (row, what, reason) as a sheet for the data team to fix.

    Written by the tabular writer, so a rejected cell such as ``=cmd|…`` quoted in a
    reason never runs as a formula when the file is opened in Excel.
    """
    columns = [tabular.Column("row", tabular.INT), tabular.Column("status"), tabular.Column("reason")]
    return tabular.Sheet("problems", columns, result.problems())
