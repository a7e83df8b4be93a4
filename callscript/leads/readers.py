"""Reading a lead list file into rows of cell text: CSV in the encodings Excel in China
writes, and ``.xlsx`` workbooks. No headers, no fields, no database: that is the
importer's (:mod:`callscript.leads.importer`).

A reader gives a :class:`Table` whose ``rows`` yield ``(row number as Excel shows it,
cells as text)``; blank rows may be left out (the importer counts the gap). The
format is told by the bytes, not the file name: an ``.xlsx`` renamed ``.csv`` still
works. The XLSX reader is one function, :func:`read_xlsx` (python-calamine, Rust: several
times faster than openpyxl, which stays for *writing* workbooks); :func:`cell_text` spells
the values it hands back.

The file is read with a cap (:data:`MAX_FILE_BYTES`, :func:`callscript.core.reading.read_bounded`),
not by trusting ``st_size``: ``/dev/zero``, a FIFO or a growing file stops at the cap with an
error saying so; a file whose first megabyte has NUL bytes and is no workbook (or UTF-16 text)
is refused at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from callscript.core.reading import FileTooBig, read_bounded

MAX_FILE_BYTES = 200 * 1024 * 1024
"""A bigger file is refused (split it)."""

ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gb18030": "GBK", "utf-16": "UTF-16"}


class ImportErrorCode(StrEnum):
    """Why a whole file cannot be imported (:attr:`ImportFileError.code`); stable values."""

    FILE_UNREADABLE = "file_unreadable"
    """The file cannot be opened or read (missing, no permission, a directory)."""
    FILE_TOO_BIG = "file_too_big"
    OLD_XLS = "old_xls"
    """An old Excel ``.xls`` workbook: save it as ``.xlsx`` or CSV."""
    WRONG_OPTION = "wrong_option"
    """``--encoding`` for a workbook, or ``--sheet`` for a CSV file."""
    UNKNOWN_ENCODING = "unknown_encoding"
    NOT_TEXT = "not_text"
    """A binary file given as CSV."""
    BAD_ENCODING = "bad_encoding"
    """The text is not in the (detected or given) encoding."""
    BAD_CSV = "bad_csv"
    BAD_XLSX = "bad_xlsx"
    """A damaged or unreadable workbook or worksheet."""
    NO_SHEET = "no_sheet"
    """No worksheet, no sheet of that name, or the sheet is a chart."""
    BAD_MAPPING = "bad_mapping"
    """A ``--map`` that is not ``COLUMN=FIELD``, names no field, or a column not in the header."""
    BAD_REGION = "bad_region"
    EMPTY_FILE = "empty_file"
    NO_PHONE_COLUMN = "no_phone_column"
    NO_COMPANY_COLUMN = "no_company_column"
    ROWS_REJECTED = "rows_rejected"
    """``strict``: some rows were rejected, so nothing was imported."""


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, no header, no phone column, …).

    The message is for a person; ``code`` (:class:`ImportErrorCode`) for code. Nothing
    has been written.
    """

    def __init__(self, message: str, code: ImportErrorCode):
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Table:
    format: str
    """``csv`` or ``xlsx``."""
    encoding: str | None
    """How a CSV was decoded (``UTF-8``, ``UTF-8 with BOM``, ``GBK``, ``UTF-16``); None for XLSX."""
    sheet: str | None
    rows: Iterator[tuple[int, list[str]]]
    """(row number as Excel shows it, cells as text)."""
    sheet_note: str | None = None
    """Why this sheet was read when it is not the first (the sheets before it are empty)."""


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Open a CSV or XLSX file; raises :class:`ImportFileError` if it cannot be read."""
    path = Path(path)
    if path.is_dir():
        raise ImportFileError(f"{path}: is a directory, not a CSV or XLSX file", ImportErrorCode.FILE_UNREADABLE)
    try:
        data = read_bounded(path, MAX_FILE_BYTES, check_start=lambda first: _refuse_binary_start(first, str(path)))
    except FileTooBig:
        raise ImportFileError(
            f"{path}: more than {MAX_FILE_BYTES // (1024 * 1024)} MB is too big to import at once (split it); "
            f"read stopped there",
            ImportErrorCode.FILE_TOO_BIG,
        ) from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}", ImportErrorCode.FILE_UNREADABLE) from None
    return read_table_bytes(data, name=str(path), encoding=encoding, sheet=sheet)


def _refuse_binary_start(first: bytes, name: str) -> None:
    """No need to read 200 MB of a binary file (``/dev/zero``) to say it is not a lead list."""
    if first.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in first:
        raise ImportFileError(
            f"{name}: is not a text file (it contains NUL bytes); import a CSV or .xlsx file", ImportErrorCode.NOT_TEXT
        )


def read_table_bytes(
    data: bytes, *, name: str = "<data>", encoding: str | None = None, sheet: str | None = None
) -> Table:
    """:func:`read_table` for a file's bytes (``name`` is what messages call it)."""
    if data.startswith(b"PK\x03\x04"):
        if encoding:
            raise ImportFileError(
                f"{name}: is an .xlsx workbook; --encoding is for CSV files only", ImportErrorCode.WRONG_OPTION
            )
        return read_xlsx(data, name, sheet)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{name}: is an old Excel .xls workbook; save it as .xlsx or CSV and import that", ImportErrorCode.OLD_XLS
        )
    if sheet:
        raise ImportFileError(
            f"{name}: is a CSV file; --sheet is for .xlsx workbooks only", ImportErrorCode.WRONG_OPTION
        )
    text, used = decode_csv_bytes(data, name, encoding)
    return Table("csv", used, None, _csv_rows(text, name))


# --------------------------------------------------------------------------- CSV


def decode_csv_bytes(data: bytes, name: str = "<data>", encoding: str | None = None) -> tuple[str, str]:
    """The file's text and a name for its encoding. Detects BOMs, UTF-8, then GBK (as GB18030)."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ImportFileError(
                f"unknown encoding {encoding!r} (try utf-8, gbk or utf-16)", ImportErrorCode.UNKNOWN_ENCODING
            ) from None
        if codec in ("gbk", "gb2312", "cp936"):
            codec = "gb18030"  # a superset: characters GBK lacks still decode
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        return _decode(data, codec, name), ENCODING_NAMES.get(codec, codec)
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data, "utf-8-sig", name), ENCODING_NAMES["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", name), ENCODING_NAMES["utf-16"]
    if b"\x00" in data:
        raise ImportFileError(
            f"{name}: is not a text file (it contains NUL bytes); import a CSV or .xlsx file", ImportErrorCode.NOT_TEXT
        )
    try:
        return data.decode("utf-8"), ENCODING_NAMES["utf-8"]
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), ENCODING_NAMES["gb18030"]
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"{name}: line {line}: cannot read the text: it is neither UTF-8 nor GBK "
            f"(byte 0x{data[exc.start]:02x}); save it from Excel as 'CSV UTF-8' or pass --encoding",
            ImportErrorCode.BAD_ENCODING,
        ) from None


def _decode(data: bytes, codec: str, name: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"{name}: line {line}: not valid {ENCODING_NAMES.get(codec, codec)} text", ImportErrorCode.BAD_ENCODING
        ) from None
    if "\x00" in text:
        raise ImportFileError(f"{name}: is not a text file (it contains NUL characters)", ImportErrorCode.NOT_TEXT)
    return text


def _sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (",", "\t", ";", "，")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    # Python's csv module refuses a field over 131,072 characters with an error for the whole
    # file; a cell that long is the importer's to reject — that row, not the file.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    hint = _SEP_LINE.match(text)
    if hint:  # Excel's "sep=;" first line: not a row Excel shows
        delimiter, text = hint.group(1), text[hint.end() :]
    else:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                f"{name}: row {row + 1}: cannot read the CSV: {exc}", ImportErrorCode.BAD_CSV
            ) from None
        row += 1
        yield row, cells


# --------------------------------------------------------------------------- XLSX


def read_xlsx(data: bytes, name: str, sheet: str | None) -> Table:
    """An ``.xlsx`` workbook's sheet as a :class:`Table`, through python-calamine.

    The one XLSX function: ``sheet`` by name, else the first worksheet that has rows (chart
    sheets and empty sheets are passed over, and ``sheet_note`` says so); rows come out as
    (row number as Excel shows it, :func:`cell_text` of each cell, cells before the first
    filled column padded with ``""``). A damaged workbook raises :class:`ImportFileError`
    here or while the rows are read. (calamine holds the sheet's cells in Rust while the rows
    are read; Python sees one row at a time.)
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
    except Exception as exc:  # CalamineError, zip and XML errors of a damaged file
        raise ImportFileError(
            f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
        ) from None
    worksheets = [m.name for m in metadata if m.typ == SheetTypeEnum.WorkSheet]
    note = None
    try:
        if sheet is not None:
            if sheet not in workbook.sheet_names:
                raise ImportFileError(
                    f"{name}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheet_names)})", ImportErrorCode.NO_SHEET
                )
            if sheet not in worksheets:
                raise ImportFileError(f"{name}: sheet {sheet!r} is a chart, not a table", ImportErrorCode.NO_SHEET)
            chosen = workbook.get_sheet_by_name(sheet)
        else:
            if not worksheets:
                raise ImportFileError(f"{name}: the workbook has no worksheet", ImportErrorCode.NO_SHEET)
            first = chosen = workbook.get_sheet_by_name(worksheets[0])  # all empty: the importer says so
            for candidate in worksheets:  # each sheet is parsed once, and only until one has rows
                found = first if candidate == worksheets[0] else workbook.get_sheet_by_name(candidate)
                if found.start is not None:
                    chosen = found
                    break
            if chosen.name != worksheets[0]:
                skipped = worksheets[: worksheets.index(chosen.name)]
                note = (
                    f"read sheet {chosen.name!r}, the first with rows "
                    f"({', '.join(repr(n) for n in skipped)} {'is' if len(skipped) == 1 else 'are'} empty)"
                )
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            f"{name}: cannot read the worksheet ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
        ) from None
    pad = [""] * (chosen.start[1] if chosen.start else 0)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            # calamine yields rows from the sheet's first row, cells from its first filled column
            for index, values in enumerate(chosen.iter_rows()):
                cells = [cell_text(v) for v in values]
                if any(cells):
                    yield index + 1, pad + cells
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(
                f"{name}: cannot read the worksheet ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
            ) from None

    return Table("xlsx", None, chosen.name, rows(), note)


def cell_text(value: Any) -> str:
    """A workbook cell's value as the text a person typed: a phone typed into a number
    cell (``13812345678.0``) gives its digits, a date its ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))  # 13812345678.0: a phone typed into a number cell
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
