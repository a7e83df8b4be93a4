"""Reading a lead list file into rows of cell text: CSV in the encodings Excel in China
writes, and ``.xlsx`` workbooks. No headers, no fields, no database: that is the
importer's (:mod:`callscript.leads.importer`).

A reader gives a :class:`Table` whose ``rows`` yield ``(row number as Excel shows it,
cells as text)``; blank rows may be left out (the importer counts the gap). The
format is told by the bytes, not the file name: an ``.xlsx`` renamed ``.csv`` still
works. The XLSX reader is one function, :func:`read_xlsx` (openpyxl today; swapping
in python-calamine replaces that function only, keeping :func:`cell_text` for the
values it hands back).
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


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Open a CSV or XLSX file; raises :class:`ImportFileError` if it cannot be read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}", ImportErrorCode.FILE_UNREADABLE) from None
    if path.is_dir():
        raise ImportFileError(f"{path}: is a directory, not a CSV or XLSX file", ImportErrorCode.FILE_UNREADABLE)
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"{path}: {size // (1024 * 1024)} MB is too big to import at once (split it)", ImportErrorCode.FILE_TOO_BIG
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}", ImportErrorCode.FILE_UNREADABLE) from None
    return read_table_bytes(data, name=str(path), encoding=encoding, sheet=sheet)


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
    """An ``.xlsx`` workbook's first sheet (or ``sheet``) as a :class:`Table`, through openpyxl.

    The one XLSX function: rows come out as (row number, :func:`cell_text` of each
    cell, cells before the first filled one padded with ``""``); a damaged workbook
    raises :class:`ImportFileError` here or while the rows are read.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many things on a damaged file (BadZipFile, KeyError, …)
        raise ImportFileError(
            f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
        ) from None
    if sheet is None:
        if not workbook.worksheets:
            raise ImportFileError(f"{name}: the workbook has no worksheet", ImportErrorCode.NO_SHEET)
        worksheet = workbook.worksheets[0]
    elif sheet in workbook.sheetnames:
        worksheet = workbook[sheet]
    else:
        raise ImportFileError(
            f"{name}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})", ImportErrorCode.NO_SHEET
        )
    if not hasattr(worksheet, "iter_rows"):
        raise ImportFileError(f"{name}: sheet {worksheet.title!r} is a chart, not a table", ImportErrorCode.NO_SHEET)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            worksheet.reset_dimensions()  # a wrong <dimension> in the file must not hide rows
            for row in worksheet.iter_rows():
                cells = [c for c in row if getattr(c, "row", None) is not None]
                if not cells:
                    continue
                values: list[str] = []
                for cell in cells:
                    column = cell.column or 0
                    while len(values) < column - 1:
                        values.append("")
                    values.append(cell_text(cell.value))
                yield cells[0].row or 0, values
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(
                f"{name}: cannot read the worksheet ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
            ) from None
        finally:
            workbook.close()

    return Table("xlsx", None, worksheet.title, rows())


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
