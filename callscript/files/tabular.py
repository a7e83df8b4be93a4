"""CSV and XLSX: the one writer for every table the product hands to a spreadsheet.

Reports (:mod:`callscript.reports.render`), lead exports (:mod:`callscript.leads.exports`)
and import problem files (``leads import --problems``) describe their tables as
:class:`Sheet` s of typed :class:`Column` s; this module alone decides how a value is
spelled, so one rule holds everywhere:

* **Formula-looking text** (a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return, also after leading whitespace) is never run by a spreadsheet: CSV
  prefixes it with ``'`` (OWASP's advice for CSV injection), XLSX stores it as a string
  cell, never a formula. Real numbers (``int``/``float`` values) stay numbers, negative
  ones too.
* **Dates** (kind ``when``): ISO 8601 in CSV — ``2026-03-02`` for a day,
  ``2026-03-02T10:15:00+08:00`` for a moment (the storage's own stamp); real date cells in
  XLSX shown ``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm`` (local wall time: Excel has no time zones).
  A value may be a ``date``, a ``datetime`` or ISO text as storage keeps it.
* **Percentages** (kind ``rate``, a fraction such as ``Fraction(1, 3)``): ``0.3333`` in CSV
  (four decimals, a number any program reads), the number ``0.3333`` shown ``33.3%`` in XLSX.
* **Empty** (``None``, ``""``): an empty CSV field, an empty XLSX cell — never 0.
* **CSV** is UTF-8 with a byte-order mark and CRLF line ends (RFC 4180; what Excel on Chinese
  Windows needs to show the Chinese) — the rule the lead exports had. Text meant for a
  terminal or a pipe (:func:`csv_text`) has no byte-order mark.
* Text cells lose the control characters a terminal or a program could act on (ESC, NUL, DEL,
  C1 …; :func:`callscript.core.cleantext.without_escapes`) — XLSX could not hold most of them
  anyway; tab, CR and LF stay.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import IO, Any

from callscript.core.cleantext import without_escapes

TEXT = "text"
INT = "int"
DECIMAL = "decimal"  # one decimal place (seconds)
RATE = "rate"
WHEN = "when"
KINDS = (TEXT, INT, DECIMAL, RATE, WHEN)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes as the start of a formula (or, for tab and CR, of a field trick)."""

XLSX_NUMBER_FORMATS = {RATE: "0.0%", DECIMAL: "0.0"}
XLSX_DAY_FORMAT = "yyyy-mm-dd"
XLSX_MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 8, 40

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    kind: str = TEXT
    width: int | None = None
    """XLSX width in characters; None: fit the content (8–40)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind is one of {', '.join(KINDS)}, not {self.kind!r}")


@dataclass(slots=True)
class Sheet:
    """One table: a header of column labels, the rows, and an optional total row (bold in XLSX)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    total: Sequence[Any] | None = None

    def all_rows(self) -> Iterable[Sequence[Any]]:
        yield from self.rows
        if self.total is not None:
            yield self.total


# --------------------------------------------------------------------------- the text rule


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet would run: ``=1+1``, ``-2+3``, ``@SUM(A1)``, `` =HYPERLINK(…)``."""
    return text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START)


def csv_safe_text(text: str) -> str:
    """``text`` as a CSV field a spreadsheet shows as text (a leading ``'`` when it looks like a formula)."""
    return "'" + text if looks_like_formula(text) else text


# --------------------------------------------------------------------------- values by kind


def _as_when(value: Any) -> date | datetime | None:
    """A date/datetime from a date, a datetime or ISO text (None when the text is not ISO)."""
    if isinstance(value, date):  # datetime is a date too
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)


def csv_cell(value: Any, kind: str = TEXT) -> str:
    """How a value is spelled in a CSV field (see the module docstring)."""
    if value is None or value == "":
        return ""
    if kind == RATE and _is_number(value):
        return f"{float(value):.4f}"
    if kind == DECIMAL and _is_number(value):
        return f"{float(value):.1f}"
    if kind == INT and _is_number(value):
        return str(int(value))
    if kind == WHEN:
        moment = _as_when(value)
        if isinstance(moment, datetime):
            return moment.isoformat(timespec="seconds")
        if moment is not None:
            return moment.isoformat()
    if _is_number(value):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return csv_safe_text(without_escapes(str(value)))


def xlsx_value(value: Any, kind: str = TEXT) -> tuple[Any, str | None]:
    """The cell value and its number format (None: general) for an XLSX cell."""
    if value is None or value == "":
        return None, None
    if kind == RATE and _is_number(value):
        return round(float(value), 4), XLSX_NUMBER_FORMATS[RATE]
    if kind == DECIMAL and _is_number(value):
        return round(float(value), 1), XLSX_NUMBER_FORMATS[DECIMAL]
    if kind == INT and _is_number(value):
        return int(value), None
    if kind == WHEN:
        moment = _as_when(value)
        if isinstance(moment, datetime):
            return moment.replace(tzinfo=None), XLSX_MOMENT_FORMAT  # local wall time; Excel has no time zones
        if moment is not None:
            return moment, XLSX_DAY_FORMAT
    if _is_number(value):
        return (float(value) if isinstance(value, Fraction) else value), None
    if isinstance(value, bool):
        return value, None
    return _XML_ILLEGAL.sub("", without_escapes(str(value))), None


def _shown_width(value: Any, kind: str) -> int:
    """Roughly how many characters the cell shows (a CJK character counts two)."""
    text = csv_cell(value, kind)
    if kind == RATE and text:
        text = f"{float(text) * 100:.1f}%"
    elif kind == WHEN and "T" in text:
        text = text[:16]
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


# --------------------------------------------------------------------------- writers


def csv_text(sheet: Sheet) -> str:
    """The sheet as CSV text (header, rows, total), CRLF line ends, no byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe_text(c.label) for c in sheet.columns])
    for row in sheet.all_rows():
        writer.writerow([csv_cell(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)])
    return buffer.getvalue()


def write_csv(sheet: Sheet, out: IO[bytes]) -> None:
    """The sheet as a CSV file's bytes: UTF-8 with a byte-order mark (Excel in China reads it right)."""
    out.write(csv_text(sheet).encode("utf-8-sig"))


def csv_bytes(sheet: Sheet) -> bytes:
    buffer = io.BytesIO()
    write_csv(sheet, buffer)
    return buffer.getvalue()


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (≤ 31 characters, no ``[]:*?/\\``), unique in the workbook."""
    clean = "".join(ch for ch in _XML_ILLEGAL.sub("", name) if ch not in "[]:*?/\\")[:31].strip("'") or "Sheet"
    title, n = clean, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def write_xlsx(sheets: Sequence[Sheet], out: IO[bytes], *, title: str | None = None) -> None:
    """A workbook with one worksheet per sheet: header in row 1 (bold, frozen), the total bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    workbook = Workbook(write_only=True)
    if title:
        workbook.properties.title = _XML_ILLEGAL.sub("", title)
    taken: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.name, taken))
        columns = list(sheet.columns)
        rows: Iterable[Sequence[Any]] = sheet.rows
        if any(c.width is None for c in columns):
            rows = list(rows)  # fitting the widths needs the rows first
        for index, column in enumerate(columns, start=1):
            width = column.width
            if width is None:
                cells = [
                    _shown_width(row[index - 1], column.kind) + 2
                    for row in [*rows, *([sheet.total] if sheet.total else [])]
                ]
                width = min(max(XLSX_MIN_WIDTH, len(column.label) * 2, *cells), XLSX_MAX_WIDTH)
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"

        worksheet.append(_cells(worksheet, columns, [c.label for c in columns], bold))
        for row in rows:
            worksheet.append(_cells(worksheet, columns, row, None))
        if sheet.total is not None:
            worksheet.append(_cells(worksheet, columns, sheet.total, bold))
    if not sheets:
        workbook.create_sheet("Sheet")
    workbook.save(out)


def _cells(worksheet: Any, columns: Sequence[Column], values: Sequence[Any], font: Any) -> list[Any]:
    """One row of write-only cells: text is a string cell (never a formula), numbers keep their format."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value, column in zip(values, columns, strict=True):
        shown, number_format = xlsx_value(value, column.kind)
        cell = WriteOnlyCell(worksheet, value=shown)
        if isinstance(shown, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        if number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        row.append(cell)
    return row


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer, title=title)
    return buffer.getvalue()
