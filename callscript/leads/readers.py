"""Reading a lead list file into rows of cell text: CSV in the encodings Excel in China
writes, and ``.xlsx`` workbooks. No headers, no fields, no database: that is the
importer's (:mod:`callscript.leads.importer`).

A reader gives a :class:`Table` whose ``rows`` yield ``(row number as Excel shows it,
cells as text)``; blank rows may be left out (the importer counts the gap). The
format is told by the bytes, not the file name: an ``.xlsx`` renamed ``.csv`` still
works.

Both readers **stream**: what they hold in memory does not grow with the file (a million-row
list is read in the memory of a thousand-row one), so the import can read, check and stage
rows chunk by chunk.

* CSV: one pass over the bytes first, with an incremental decoder, to settle the encoding
  (UTF-8, else GBK) and to refuse a file that is not text before any row is read; then the rows
  are parsed from the file as it is decoded.
* XLSX: :func:`read_xlsx`, a small reader over :mod:`zipfile`: the sheet's XML is read as it
  is unzipped — by a few regular expressions while it is written as Excel, WPS, LibreOffice,
  openpyxl and XlsxWriter write it, else by expat (:mod:`xml.parsers.expat`), which reads any
  XML — and the shared strings are kept in a temporary file in blocks, a few of which are in
  memory at a time.
  Neither python-calamine (it loads the whole sheet into memory: +700 MB for a million rows)
  nor openpyxl's read-only mode (it streams, but at a fifth of this reader's speed, and keeps
  the shared strings in memory) does both; openpyxl stays for *writing* workbooks, and its
  reading of the same workbooks is what the tests compare this reader with
  (``tests/leads/test_xlsx_reader.py``). :func:`cell_text` spells the values.

The file is read with a cap (:data:`MAX_FILE_BYTES`), not by trusting ``st_size``:
``/dev/zero``, a FIFO or a growing file stops at the cap with an error saying so; a file whose
first megabyte has NUL bytes and is no workbook (or UTF-16 text) is refused at once. A pipe is
copied to a temporary file as it is read (within the cap), since both readers read twice.
"""

from __future__ import annotations

import codecs
import csv
import io
import marshal
import operator
import os
import re
import stat
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.parsers import expat

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

    def __reduce__(self) -> tuple[type[ImportFileError], tuple[str, ImportErrorCode]]:
        # pickled whole (message and code): the import's reading child sends it to the parent
        return type(self), (str(self), self.code)


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
    defer_strings: Callable[[], Callable[[list[tuple[int, list[Any]]]], None]] | None = None
    """A workbook's: from now on, leave shared strings as references in the rows read (an ``int``
    in place of the text), and get the function that puts the texts in (a batch of rows, in
    place). The import's pipeline calls it before its reading child starts, so that the child
    only parses the XML and the parent, with time to spare, looks the texts up: the two cores
    share the work of a workbook more evenly."""


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Open a CSV or XLSX file; raises :class:`ImportFileError` if it cannot be read.

    The rows are read as :attr:`Table.rows` is iterated (an error found there, such as a damaged
    worksheet, is an :class:`ImportFileError` raised from the iteration).
    """
    path = Path(path)
    if path.is_dir():
        raise ImportFileError(f"{path}: is a directory, not a CSV or XLSX file", ImportErrorCode.FILE_UNREADABLE)
    source = _open_source(path)
    try:
        return _read_source(source, str(path), encoding, sheet)
    except BaseException:
        source.close()
        raise


def read_table_bytes(
    data: bytes, *, name: str = "<data>", encoding: str | None = None, sheet: str | None = None
) -> Table:
    """:func:`read_table` for a file's bytes (``name`` is what messages call it)."""
    return _read_source(io.BytesIO(data), name, encoding, sheet)


def _too_big(name: str) -> ImportFileError:
    return ImportFileError(
        f"{name}: more than {MAX_FILE_BYTES // (1024 * 1024)} MB is too big to import at once (split it); "
        f"read stopped there",
        ImportErrorCode.FILE_TOO_BIG,
    )


def _open_source(path: Path) -> IO[bytes]:
    """The file, open for reading from the start, at most :data:`MAX_FILE_BYTES` long.

    A regular file is read where it is (its size is checked again as it is read); anything else
    (a FIFO, ``<(…)``, ``/dev/zero``) is copied to a temporary file as it is read, and stops one
    byte past the cap. The first megabyte is looked at before more is read.
    """
    name = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}", ImportErrorCode.FILE_UNREADABLE) from None
    try:
        first = handle.read(CHUNK)
        _refuse_binary_start(first, name)
        status = os.fstat(handle.fileno())
        if stat.S_ISREG(status.st_mode):
            if status.st_size > MAX_FILE_BYTES:  # read as it is, the CSV pass counts the bytes again
                raise _too_big(name)
            handle.seek(0)
            return handle
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned
        total = 0
        block = first
        while block:
            total += len(block)
            if total > MAX_FILE_BYTES:
                spool.close()
                raise _too_big(name)
            spool.write(block)
            block = handle.read(min(CHUNK, MAX_FILE_BYTES + 1 - total))
        handle.close()
        spool.seek(0)
        return spool
    except OSError as exc:
        handle.close()
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}", ImportErrorCode.FILE_UNREADABLE) from None
    except BaseException:
        handle.close()
        raise


def _refuse_binary_start(first: bytes, name: str) -> None:
    """No need to read 200 MB of a binary file (``/dev/zero``) to say it is not a lead list."""
    if first.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in first:
        raise ImportFileError(
            f"{name}: is not a text file (it contains NUL bytes); import a CSV or .xlsx file", ImportErrorCode.NOT_TEXT
        )


def _read_source(source: IO[bytes], name: str, encoding: str | None, sheet: str | None) -> Table:
    start = source.read(8)
    source.seek(0)
    if start.startswith(b"PK\x03\x04"):
        if encoding:
            raise ImportFileError(
                f"{name}: is an .xlsx workbook; --encoding is for CSV files only", ImportErrorCode.WRONG_OPTION
            )
        return read_xlsx(source, name, sheet)
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{name}: is an old Excel .xls workbook; save it as .xlsx or CSV and import that", ImportErrorCode.OLD_XLS
        )
    if sheet:
        raise ImportFileError(
            f"{name}: is a CSV file; --sheet is for .xlsx workbooks only", ImportErrorCode.WRONG_OPTION
        )
    codec, used, head, size = _settle_encoding(source, name, encoding)
    return Table("csv", used, None, _csv_rows(source, codec, head, size, name))


# --------------------------------------------------------------------------- CSV

CHUNK = 1 << 20

_SNIFF_CHARS = 1 << 20
"""The delimiter is told from the first non-blank line within this much of the text."""


def _settle_encoding(source: IO[bytes], name: str, encoding: str | None) -> tuple[str, str, str, int]:
    """(codec, its name for people, the start of the text, the bytes to read): one pass over
    the whole file with an incremental decoder, so a file that is not text, or not in the
    encoding, is refused before any row is read — and the file's size is known, capped."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ImportFileError(
                f"unknown encoding {encoding!r} (try utf-8, gbk or utf-16)", ImportErrorCode.UNKNOWN_ENCODING
            ) from None
        if codec in ("gbk", "gb2312", "cp936"):
            codec = "gb18030"  # a superset: characters GBK lacks still decode
        if codec == "utf-8" and source.read(3) == codecs.BOM_UTF8:
            codec = "utf-8-sig"
        head, size = _check_decodes(source, codec, name, _not_valid(name, codec))
        return codec, ENCODING_NAMES.get(codec, codec), head, size
    first = source.read(4)
    source.seek(0)
    if first.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-16"
        head, size = _check_decodes(source, codec, name, _not_valid(name, codec))
        return codec, ENCODING_NAMES[codec], head, size
    try:
        head, size = _check_decodes(source, "utf-8", name, None, nul_bytes=True)
        return "utf-8", ENCODING_NAMES["utf-8"], head, size
    except UnicodeDecodeError:
        pass

    def neither(line: int, byte: int) -> str:
        return (
            f"{name}: line {line}: cannot read the text: it is neither UTF-8 nor GBK "
            f"(byte 0x{byte:02x}); save it from Excel as 'CSV UTF-8' or pass --encoding"
        )

    head, size = _check_decodes(source, "gb18030", name, neither, nul_bytes=True)
    return "gb18030", ENCODING_NAMES["gb18030"], head, size


def _not_valid(name: str, codec: str) -> Callable[[int, int], str]:
    return lambda line, byte: f"{name}: line {line}: not valid {ENCODING_NAMES.get(codec, codec)} text"


def _check_decodes(
    source: IO[bytes],
    codec: str,
    name: str,
    error: Callable[[int, int], str] | None,
    *,
    nul_bytes: bool = False,
) -> tuple[str, int]:
    """Decode the whole file (block by block) to check it; the start of its text, and its size.

    ``error(line, byte)`` is the message for bytes that do not decode (None: let the
    ``UnicodeDecodeError`` out, to try another encoding); ``nul_bytes``: a NUL byte means
    "not a text file" (where no BOM says UTF-16).
    """
    source.seek(0)
    decoder = codecs.getincrementaldecoder(codec)()
    head = ""
    lines = size = 0
    while True:
        block = source.read(CHUNK)
        size += len(block)
        if size > MAX_FILE_BYTES:
            raise _too_big(name)
        if nul_bytes and b"\x00" in block:
            raise ImportFileError(
                f"{name}: is not a text file (it contains NUL bytes); import a CSV or .xlsx file",
                ImportErrorCode.NOT_TEXT,
            )
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            source.seek(0)
            if error is None:
                raise
            at = min(max(exc.start, 0), max(len(block) - 1, 0))
            line = lines + block.count(b"\n", 0, at) + 1
            raise ImportFileError(error(line, block[at] if block else 0), ImportErrorCode.BAD_ENCODING) from None
        if "\x00" in text:
            raise ImportFileError(f"{name}: is not a text file (it contains NUL characters)", ImportErrorCode.NOT_TEXT)
        if len(head) < _SNIFF_CHARS:
            head += text[: _SNIFF_CHARS - len(head)]
        lines += block.count(b"\n")
        if not block:
            break
    source.seek(0)
    return head, size


def _sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (",", "\t", ";", "，")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)


class _Capped(io.RawIOBase):
    """The first ``size`` bytes of ``source`` (a file that grows after it was checked gives
    no more than was checked)."""

    def __init__(self, source: IO[bytes], size: int):
        self._source = source
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        data = self._source.read(len(view))
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._source.close()
        super().close()


def _csv_rows(source: IO[bytes], codec: str, head: str, size: int, name: str) -> Iterator[tuple[int, list[str]]]:
    # Python's csv module refuses a field over 131,072 characters with an error for the whole
    # file; a cell that long is the importer's to reject — that row, not the file.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    hint = _SEP_LINE.match(head)
    delimiter = hint.group(1) if hint else _sniff_delimiter(head)
    text = io.TextIOWrapper(io.BufferedReader(_Capped(source, size), CHUNK), encoding=codec, newline="")
    try:
        if hint:  # Excel's "sep=;" first line: not a row Excel shows
            text.read(hint.end())
        reader = csv.reader(text, delimiter=delimiter, strict=False)
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
    finally:
        text.close()


# --------------------------------------------------------------------------- XLSX

MAX_PART_BYTES = 4 * 1024 * 1024 * 1024
"""A worksheet or shared-strings part that unpacks to more than this is refused (a zip bomb:
200 MB of compressed XML can claim hundreds of gigabytes)."""

XML_CHUNK = 256 * 1024
"""Unzipped XML read at a time: with the cells found in it, what the reader holds besides the cached shared strings."""

MAX_SMALL_PART_BYTES = 64 * 1024 * 1024
"""The workbook, its relationships and styles: small parts read whole."""

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML"
)
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
"""Excel's escape for characters XML cannot hold (``_x000D_`` is a carriage return; ``_x005F_`` an
underscore, so ``_x005F_x000D_`` is the text ``_x000D_``)."""


def read_xlsx(source: IO[bytes], name: str, sheet: str | None) -> Table:
    """An ``.xlsx`` workbook's sheet as a :class:`Table`, streamed (see the module's docstring).

    The one XLSX function: ``sheet`` by name, else the first worksheet that has rows (chart
    sheets and empty sheets are passed over, and ``sheet_note`` says so); rows come out as (row
    number as Excel shows it, :func:`cell_text` of each cell from column A on; rows without
    text are left out). A damaged workbook raises :class:`ImportFileError` here or while the
    rows are read.
    """
    try:
        book = _Workbook(source, name)
    except ImportFileError:
        source.close()
        raise
    except Exception as exc:  # zip and XML errors of a damaged file
        source.close()
        raise ImportFileError(
            f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
        ) from None
    try:
        table = book.table(sheet)
    except ImportFileError:
        book.close()
        raise
    except Exception as exc:  # zip and XML errors of a damaged file, found in a part read later
        book.close()
        raise ImportFileError(
            f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
        ) from None
    except BaseException:
        book.close()
        raise
    table.rows = _closing(table.rows, book.close)
    return table


def _closing(rows: Iterator[tuple[int, list[str]]], close: Callable[[], None]) -> Iterator[tuple[int, list[str]]]:
    """``rows``, then ``close()`` — when they are all read, or the reading stops (an error, or
    the generator closed)."""
    try:
        yield from rows
    finally:
        close()


class _Workbook:
    """The parts of a workbook the import needs: its sheets (name → part, worksheet or not),
    the shared strings (read when a sheet is), the date styles and the date system."""

    def __init__(self, source: IO[bytes], name: str):
        self.name = name
        self.source = source
        self.zip = zipfile.ZipFile(source)
        self._names = {n.lower(): n for n in self.zip.namelist()}
        book_part = self._office_document()
        root = _xml(self._read(book_part))
        rels = self._relationships(book_part)
        self.sheets: list[tuple[str, str | None, bool]] = []
        """(name, part, is a worksheet) in the workbook's order."""
        self.date1904 = False
        self.shared_strings_part: str | None = None
        self.styles_part: str | None = None
        for target, kind in rels.values():
            if kind.endswith("/sharedStrings"):
                self.shared_strings_part = target
            elif kind.endswith("/styles"):
                self.styles_part = target
        for element in root.iter():
            local = _local(element.tag)
            if local == "workbookPr":
                self.date1904 = element.get("date1904", "").lower() in ("1", "true")
            elif local == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                target, kind = rels.get(rid or "", ("", ""))
                self.sheets.append((element.get("name", ""), target or None, kind.endswith("/worksheet")))
        self._strings: _SharedStrings | None = None
        self._reader: _SheetReader | None = None

    def close(self) -> None:
        if self._strings is not None:
            self._strings.close()
        self.zip.close()
        self.source.close()

    # ------------------------------------------------------------------ parts

    def _part(self, part: str) -> str | None:
        return self._names.get(part.lower())

    def _read(self, part: str) -> bytes:
        found = self._part(part)
        if found is None:
            raise ImportFileError(f"{self.name}: the workbook has no part {part!r}", ImportErrorCode.BAD_XLSX)
        try:
            with self.zip.open(found) as handle:
                data = handle.read(MAX_SMALL_PART_BYTES + 1)
        except Exception as exc:  # zlib, CRC and zip errors of a damaged file
            raise ImportFileError(
                f"{self.name}: cannot read {part} ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
            ) from None
        if len(data) > MAX_SMALL_PART_BYTES:
            raise ImportFileError(f"{self.name}: {part} is too big", ImportErrorCode.BAD_XLSX)
        return data

    def _office_document(self) -> str:
        rels = self._relationships("")
        for target, kind in rels.values():
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (part it points to, its type), for ``part`` ("" for the package)."""
        folder = PurePosixPath(part).parent if part else PurePosixPath("")
        rels_part = str(folder / "_rels" / (PurePosixPath(part).name + ".rels")) if part else "_rels/.rels"
        if self._part(rels_part) is None:
            return {}
        found = {}
        for element in _xml(self._read(rels_part)).iter():
            if _local(element.tag) == "Relationship" and element.get("TargetMode") != "External":
                target = element.get("Target", "")
                resolved = target.lstrip("/") if target.startswith("/") else _normalise(folder / target)
                found[element.get("Id", "")] = (resolved, element.get("Type", ""))
        return found

    # ------------------------------------------------------------------ sheets

    def table(self, wanted: str | None) -> Table:
        names = [n for n, _, _ in self.sheets]
        worksheets = [(n, part) for n, part, is_sheet in self.sheets if is_sheet and part]
        if wanted is not None:
            chosen = next(((n, part) for n, part in worksheets if n == wanted), None)
            if chosen is None:
                if wanted in names:
                    raise ImportFileError(
                        f"{self.name}: sheet {wanted!r} is a chart, not a table", ImportErrorCode.NO_SHEET
                    )
                raise ImportFileError(
                    f"{self.name}: no sheet {wanted!r} (sheets: {', '.join(names)})", ImportErrorCode.NO_SHEET
                )
            return Table("xlsx", None, wanted, self._rows(chosen[1]), defer_strings=self._defer_strings)
        if not worksheets:
            raise ImportFileError(f"{self.name}: the workbook has no worksheet", ImportErrorCode.NO_SHEET)
        for index, (sheet_name, part) in enumerate(worksheets):  # each read only until one has a row
            rows = self._rows(part)
            first = next(rows, None)
            if first is None and index + 1 < len(worksheets):
                continue
            note = None
            if index:
                skipped = [n for n, _ in worksheets[:index]]
                note = (
                    f"read sheet {sheet_name!r}, the first with rows "
                    f"({', '.join(repr(n) for n in skipped)} {'is' if len(skipped) == 1 else 'are'} empty)"
                )
            if first is None:  # every sheet is empty: the first one, and the importer says so
                return Table("xlsx", None, worksheets[0][0], iter(()), None)
            return Table("xlsx", None, sheet_name, _chain_first(first, rows), note, self._defer_strings)
        raise AssertionError("unreachable")  # pragma: no cover

    def _rows(self, part: str) -> Iterator[tuple[int, list[str]]]:
        found = self._part(part)
        if found is None:
            raise ImportFileError(f"{self.name}: the workbook has no part {part!r}", ImportErrorCode.BAD_XLSX)
        dates, durations = self._date_styles()
        self._reader = _SheetReader(self, found, dates, durations)
        return self._reader.rows()

    def _defer_strings(self) -> Callable[[list[tuple[int, list[Any]]]], None]:
        """:attr:`Table.defer_strings` for the sheet being read."""
        if self._reader is not None:
            self._reader.deferred = True

        def put_texts(rows: list[tuple[int, list[Any]]]) -> None:
            strings = self._strings
            # no shared strings, yet a reference: the error reading it in place would have given
            get = strings.get if strings is not None else (lambda index: self.string(str(index)))
            for _, cells in rows:
                cells[:] = [get(~cell) if type(cell) is int else cell for cell in cells]

        return put_texts

    def _date_styles(self) -> tuple[frozenset[int], frozenset[int]]:
        """The cell styles (``s``) whose number format is a date (or a duration), as openpyxl
        tells them (its :func:`is_date_format`, its built-in formats)."""
        if not self.styles_part or self._part(self.styles_part) is None:
            return frozenset(), frozenset()
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        root = _xml(self._read(self.styles_part))
        custom: dict[int, str] = {}
        styles: list[int] = []
        for element in root:
            local = _local(element.tag)
            if local == "numFmts":
                for fmt in element:
                    if fmt.get("numFmtId", "").isdigit():
                        custom[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
            elif local == "cellXfs":
                for xf in element:
                    number = xf.get("numFmtId", "0")
                    styles.append(int(number) if number.isdigit() else 0)
        dates, durations = set(), set()
        for index, number in enumerate(styles):
            code = custom[number] if number in custom else BUILTIN_FORMATS.get(number)
            if is_date_format(code):
                dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
        return frozenset(dates), frozenset(durations)

    def stream(self, part: str, what: str) -> Iterator[bytes]:
        """A part's bytes as it is unzipped, in blocks; a damaged or oversized part is an
        :class:`ImportFileError`."""
        try:
            with self.zip.open(part) as handle:
                total = 0
                while block := handle.read(XML_CHUNK):
                    total += len(block)
                    if total > MAX_PART_BYTES:
                        raise ImportFileError(
                            f"{self.name}: the {what} unpacks to more than "
                            f"{MAX_PART_BYTES // (1024 * 1024 * 1024)} GB; not read",
                            ImportErrorCode.FILE_TOO_BIG,
                        )
                    yield block
        except ImportFileError:
            raise
        except Exception as exc:  # zlib, CRC and zip errors of a damaged file
            raise ImportFileError(
                f"{self.name}: cannot read the {what} ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
            ) from None

    def strings(self) -> _SharedStrings | None:
        """The shared strings, read the first time a sheet needs them."""
        if self._strings is None and self.shared_strings_part and self._part(self.shared_strings_part):
            self._strings = _SharedStrings(self, self._part(self.shared_strings_part) or "")
        return self._strings

    def string(self, index: str) -> str:
        strings = self.strings()
        if strings is None or not index.isdigit():
            raise ImportFileError(
                f"{self.name}: a cell refers to shared string {index!r}, which the workbook lacks",
                ImportErrorCode.BAD_XLSX,
            )
        return strings.get(int(index))


def _chain_first(
    first: tuple[int, list[str]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield first
    yield from rest


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for piece in path.parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def _xml(data: bytes) -> Any:
    """A small part's XML tree (the workbook, relationships, styles)."""
    from xml.etree import ElementTree

    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ImportFileError(f"not a readable .xlsx workbook (XML: {exc})", ImportErrorCode.BAD_XLSX) from None


def _unescape(text: str) -> str:
    return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _names_in(namespaces: tuple[str, ...], local: str) -> frozenset[str]:
    """An element's name as expat gives it with namespace processing, in each namespace (and in none)."""
    return frozenset([local, *(f"{ns}}}{local}" for ns in namespaces)])


_C, _V, _T, _IS, _ROW, _RPH, _SI = (_names_in(_MAIN_NAMESPACES, n) for n in ("c", "v", "t", "is", "row", "rPh", "si"))


class _NotSimple(Exception):
    """The fast reading of a part met something it does not read (see :func:`_simple_parts`)."""


_MAIN = _MAIN_NAMESPACES[0]
_PROLOGUE = re.compile(
    r'\ufeff?(?:<\?xml(?:\s+version="1\.0")?(?:\s+encoding="(?i:utf-8)")?(?:\s+standalone="(?:yes|no)")?\s*\?>)?\s*'
    r"<(?P<root>worksheet|sst)(?P<attrs>(?:\s+[\w:]+\s*=\s*\"[^\"<]*\")*)\s*>"
)
_DEFAULT_NS = re.compile(r'\sxmlns\s*=\s*"([^"]*)"')
_ROW_TOKENS = re.compile(
    r"(\s*(?:"
    r'<row(?: r="(\d+)")?(?:\s+(?!r=|xmlns)[\w:]+="[^"<&]*")*\s*/?>'
    r"|</row>"
    r'|<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?\s*'
    r"(?:/>|>(?:<f(?:\s[^<>]*)?(?:/>|>[^<]*</f>))?"
    r'(?:<v>([^<]*)</v>|<v/>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|<is><t/></is>)?</c>)'
    r"))"
)
_SI_TOKENS = re.compile(r'(\s*<si>(?:<t(?: xml:space="preserve")?>([^<]*)</t>|<t/>)</si>)')
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    if match.group(1):
        return _NAMED[match.group(1)]
    code = int(match.group(2)) if match.group(2) else int(match.group(3), 16)
    if not (
        code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    ):
        raise _NotSimple  # not a character XML allows: expat's error, not ours
    return chr(code)


def _xml_text(raw: str) -> str:
    """Text between tags as written → the text an XML parser gives (line ends made ``\n``,
    the five entities and character references replaced)."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        if "&" in _ENTITY.sub("", raw):
            raise _NotSimple  # an entity XML does not define: expat will say so
        raw = _ENTITY.sub(_entity, raw)
    return raw


def _simple_parts(book: _Workbook, part: str, what: str, list_tag: str, closing: str) -> Iterator[str]:
    """A part's list (the worksheet's ``<sheetData>``, the shared strings' ``<sst>``) as text, in
    pieces that end at a ``closing`` tag, as it is unzipped.

    The fast reading of a worksheet or of the shared strings (a few regular expressions over
    each piece, in C, instead of a Python call per XML event) reads what Excel, WPS,
    LibreOffice, openpyxl and XlsxWriter write: UTF-8, the main namespace as the default one,
    the usual attributes in the usual order. The callers check that their patterns account for
    every character of every piece; anything else (another encoding, prefixes, comments, CDATA,
    rich text, attributes in another order …) raises :class:`_NotSimple`, and the part is read
    again by expat, which reads any XML, from the start.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = ""
    started = False
    stop = f"</{list_tag}>"
    for block in book.stream(part, what):
        try:
            text += decoder.decode(block)
        except UnicodeDecodeError:
            raise _NotSimple from None
        if not started:
            prologue = _PROLOGUE.match(text)
            if prologue is None:
                if len(text) > CHUNK:
                    raise _NotSimple
                continue
            declared = _DEFAULT_NS.search(prologue.group("attrs"))
            if declared is None or declared.group(1) != _MAIN:
                raise _NotSimple
            if prologue.group("root") == list_tag:
                text = text[prologue.end() :]
            else:
                at = text.find(f"<{list_tag}", prologue.end())
                if at < 0:
                    if len(text) > CHUNK:
                        raise _NotSimple
                    continue
                after = at + len(list_tag) + 1
                if text.startswith("/>", after):
                    return  # an empty list
                if not text.startswith(">", after):
                    raise _NotSimple
                text = text[after + 1 :]
            started = True
        end = text.find(stop)
        if end >= 0:
            yield text[:end]
            return
        cut = text.rfind(closing)
        if cut >= 0:
            cut += len(closing)
            yield text[:cut]
            text = text[cut:]
    raise _NotSimple  # the part ended early: expat says how


_first = operator.itemgetter(0)


def _all_read(consumed: int, piece: str) -> bool:
    """The tokens found in ``piece`` (each with the blanks before it) cover all of it: nothing
    was skipped over (trailing blanks aside)."""
    return consumed == len(piece) or consumed == len(piece.rstrip())


class _SharedStrings:
    """The workbook's shared strings, kept in a temporary file in blocks of :data:`BLOCK`
    (``marshal``ed lists), a few blocks in memory at a time.

    Excel, WPS, LibreOffice and openpyxl write the table in the order the strings are first
    used, so a sheet read from the top asks for them nearly in order: the blocks it asks for
    are mostly the newest. A string asked for again far below its first use (the company of a
    duplicate row, a contact name used all over the list) is in a block read long ago and since
    dropped: for that, only its :data:`PIECE` of 64 strings is read (a block is stored as its
    pieces, one after the other), into a cache of its own — unless its block is asked for that
    way over and over (:data:`RELOAD_AFTER`), when it is loaded whole again. Loading the whole 2,048-string block
    for it (and dropping a newer one to make room) cost ~0.4 ms a time, which at a million rows
    with 1% duplicates made the reader a third slower than at 100,000.
    """

    BLOCK_BITS = 11
    BLOCK = 1 << BLOCK_BITS
    """Strings per block: 2,048."""
    CACHED_BLOCKS = 16
    """Blocks in memory at most: about 32,000 strings (a few megabytes), whatever the table's size."""
    PIECE_BITS = 6
    PIECE = 1 << PIECE_BITS
    """Strings per piece: 64 (what a look-up behind the newest block reads)."""
    CACHED_PIECES = 256
    """Pieces in memory at most: 16,384 strings."""
    RELOAD_AFTER = 256
    """Look-ups by the piece in one block (since it was last loaded) after which the block is
    loaded whole again: a block whose strings are used all over the list (the contact names, the
    industries) costs ~1 µs a look-up by the piece, ~0.3 ms to load whole and then ~0.1 µs."""

    def __init__(self, book: _Workbook, part: str):
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._offsets = array("q", [0])
        """Where each piece ends in the file (after a leading 0): a block is pieces ``32 b … 32 b + 31``."""
        self._cache: dict[int, list[str]] = {}
        self._pieces: dict[int, list[str]] = {}
        self._by_piece: dict[int, int] = {}
        """Block → look-ups by the piece since it was last loaded (:data:`RELOAD_AFTER`)."""
        self._newest = -1
        """The furthest block loaded whole: a block beyond it is loaded whole, one before it by the piece."""
        self.count = 0
        try:
            try:
                self._read_simple(book, part)
            except _NotSimple:
                self._file.seek(0)
                self._file.truncate()
                self._offsets = array("q", [0])
                self.count = 0
                self._read_any(book, part)
            self._file.flush()  # read back with os.pread, under the buffer
        except BaseException:
            self.close()
            raise

    def _read_simple(self, book: _Workbook, part: str) -> None:
        pending: list[str] = []
        for piece in _simple_parts(book, part, "shared strings", "sst", "</si>"):
            found = _SI_TOKENS.findall(piece)
            if not _all_read(sum(map(len, map(_first, found))), piece):
                raise _NotSimple
            for _, raw in found:
                text = _xml_text(raw) if ("&" in raw or "\r" in raw) else raw
                pending.append(_unescape(text) if "_x" in text else text)
                if len(pending) == self.BLOCK:
                    self._write(pending)
                    pending.clear()
        if pending:
            self._write(pending)

    def _read_any(self, book: _Workbook, part: str) -> None:
        pending: list[str] = []
        pieces: list[str] = []
        depth = {"si": 0, "t": 0, "rph": 0}

        def start(tag: str, attrs: Any) -> None:
            if tag in _T:
                depth["t"] += 1
            elif tag in _SI:
                depth["si"] += 1
                pieces.clear()
            elif tag in _RPH:
                depth["rph"] += 1

        def end(tag: str) -> None:
            if tag in _T:
                depth["t"] -= 1
            elif tag in _SI:
                depth["si"] -= 1
                pending.append(_unescape("".join(pieces)))
                if len(pending) == self.BLOCK:
                    self._write(pending)
                    pending.clear()
            elif tag in _RPH:
                depth["rph"] -= 1

        def text(data: str) -> None:
            if depth["t"] and depth["si"] and not depth["rph"]:
                pieces.append(data)

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        try:
            for block in book.stream(part, "shared strings"):
                parser.Parse(block, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise ImportFileError(
                f"{book.name}: cannot read the shared strings (XML: {exc})", ImportErrorCode.BAD_XLSX
            ) from None
        if pending:
            self._write(pending)

    def _write(self, strings: list[str]) -> None:
        """A block (the last may be short), as its pieces one after the other."""
        offsets = self._offsets
        end = offsets[-1]
        data = []
        for start in range(0, len(strings), self.PIECE):
            piece = marshal.dumps(strings[start : start + self.PIECE])
            data.append(piece)
            end += len(piece)
            offsets.append(end)
        self._file.write(b"".join(data))
        self.count += len(strings)

    def get(self, index: int) -> str:
        block = self._cache.get(index >> self.BLOCK_BITS)
        if block is None or index >= self.count:
            return self._miss(index)
        return block[index & (self.BLOCK - 1)]

    def _miss(self, index: int) -> str:
        """A string not in a cached block: its block loaded whole if it is at or past the newest
        read so far (reading on down the sheet), else only its piece."""
        if not 0 <= index < self.count:
            raise ImportFileError(
                f"a cell refers to shared string {index}, but the workbook has {self.count}", ImportErrorCode.BAD_XLSX
            )
        number = index >> self.BLOCK_BITS
        if number >= self._newest:
            return self._load(number)[index & (self.BLOCK - 1)]
        used = self._by_piece.get(number, 0) + 1
        if used >= self.RELOAD_AFTER:  # used all over: worth its place among the blocks again
            return self._load(number)[index & (self.BLOCK - 1)]
        if len(self._by_piece) >= self.CACHED_PIECES:
            self._by_piece.clear()  # bounded; a block used often enough counts up again soon
        self._by_piece[number] = used
        at = index >> self.PIECE_BITS
        piece = self._pieces.get(at)
        if piece is None:
            piece = self._read_pieces(at, at + 1)
            if len(self._pieces) >= self.CACHED_PIECES:
                del self._pieces[next(iter(self._pieces))]  # the piece loaded longest ago
            self._pieces[at] = piece
        return piece[index & (self.PIECE - 1)]

    def _load(self, number: int) -> list[str]:
        per_block = self.BLOCK // self.PIECE
        block = self._read_pieces(number * per_block, min((number + 1) * per_block, len(self._offsets) - 1))
        if len(self._cache) >= self.CACHED_BLOCKS:
            del self._cache[next(iter(self._cache))]  # the block loaded longest ago
        self._cache[number] = block
        self._by_piece.pop(number, None)
        self._newest = max(self._newest, number)
        return block

    def _read_pieces(self, first: int, end: int) -> list[str]:
        """Pieces ``first`` to ``end - 1``, their strings in one list."""
        offsets = self._offsets
        start = offsets[first]
        # pread, not seek and read: after the import's fork the parent and its reading child share
        # this file's offset, and either may load a block
        data = memoryview(os.pread(self._file.fileno(), offsets[end] - start, start))
        if end == first + 1:
            found: list[str] = marshal.loads(data)
            return found
        strings: list[str] = []
        for at in range(first, end):
            strings += marshal.loads(data[offsets[at] - start : offsets[at + 1] - start])
        return strings

    def close(self) -> None:
        self._file.close()


_COLUMN_CACHE: dict[str, int] = {}


def _column(ref: str) -> int:
    """``"C12"`` or ``"C"`` → 2 (columns from 0); ``-1`` if ``ref`` is not a cell reference."""
    letters = ref.rstrip("0123456789")
    found = _COLUMN_CACHE.get(letters)
    if found is None:
        if not letters or not letters.isascii() or not letters.isalpha() or len(letters) > 3:
            return -1
        found = 0
        for letter in letters.upper():
            found = found * 26 + ord(letter) - 64
        found -= 1
        _COLUMN_CACHE[letters] = found
    return found


class _SheetReader:
    """One worksheet's rows, read as the part is unzipped: the fast way
    (:func:`_simple_parts`) while the XML is as the usual writers write it, else by expat.

    Cell values are told as openpyxl tells them (``t``: shared string, inline string, number,
    boolean, error, formula string, ISO date; a number in a date style is a date), so the same
    workbook gives the same text through either (the tests check, both ways of reading).
    """

    def __init__(self, book: _Workbook, part: str, dates: frozenset[int], durations: frozenset[int]):
        self.book = book
        self.part = part
        self.dates = dates
        self.durations = durations
        self.deferred = False
        """Leave shared strings as references (``~index``, an ``int``: never 0) for
        :attr:`Table.defer_strings`'s function to put in; the fast reading only (expat's puts the texts in)."""

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        given = 0
        try:
            for found in self._simple_rows():
                given += 1
                yield found
            return
        except _NotSimple:
            pass
        for index, found in enumerate(self._any_rows()):  # from the start; the rows given are not given again
            if index >= given:
                yield found

    def _simple_rows(self) -> Iterator[tuple[int, list[str]]]:
        book = self.book
        strings = book.strings()
        cached = strings._cache if strings is not None else {}
        count = strings.count if strings is not None else 0
        bits, mask = _SharedStrings.BLOCK_BITS, _SharedStrings.BLOCK - 1
        value_of = self._value
        dates, durations, date1904 = self.dates, self.durations, book.date1904
        date_styles = {str(style) for style in dates}
        row = width = 0
        cells: list[Any] = []
        text: str | int
        for piece in _simple_parts(book, self.part, "worksheet", "sheetData", "</row>"):
            done: list[tuple[int, list[Any]]] = []
            found = _ROW_TOKENS.findall(piece)
            if not _all_read(sum(map(len, map(_first, found))), piece):
                raise _NotSimple
            deferred = self.deferred
            for whole, number, letters, style, kind, value, inline in found:
                if letters:  # a cell
                    if deferred and kind == "s" and value.isdigit():
                        text = ~int(value)  # the text is looked up later (Table.defer_strings)
                    elif kind == "s" and value:
                        index = int(value)
                        block = cached.get(index >> bits)  # SharedStrings.get, inline: the hot path
                        text = block[index & mask] if block is not None and index < count else book.string(value)
                    elif (
                        value.isdigit()
                        and value.isascii()
                        and (not kind or kind == "n")
                        and (not style or style not in date_styles)
                        and value[0] != "0"
                    ):
                        text = value  # a whole number in a number cell (a phone): its digits
                    elif kind == "inlineStr":
                        text = _xml_text(inline) if ("&" in inline or "\r" in inline) else inline
                        text = _unescape(text) if "_x" in text else text
                    elif value:
                        if "&" in value or "\r" in value:
                            value = _xml_text(value)
                        text = value_of(kind or "n", style or None, value, dates, durations, date1904)
                    else:
                        continue
                    if text:
                        at = _COLUMN_CACHE.get(letters)
                        if at is None:
                            at = _column(letters)
                        if at == width:
                            cells.append(text)
                            width += 1
                        else:
                            if at > width:
                                cells.extend([""] * (at - width + 1))
                                width = at + 1
                            cells[at] = text
                elif whole.endswith("</row>"):
                    if cells:
                        done.append((row, cells))
                        cells = []
                        width = 0
                else:  # a row starts
                    row = int(number) if number else row + 1
                    cells = []
                    width = 0
            yield from done
        if cells:
            raise _NotSimple  # a row without its end tag

    def _any_rows(self) -> Iterator[tuple[int, list[str]]]:
        book = self.book
        done: list[tuple[int, list[str]]] = []
        cells: list[str] = []
        pieces: list[str] = []
        # the cell being read: [column, type, style]; the row's number; depths of is/rPh
        cell: list[Any] = [0, "n", None]
        row = [0]
        column = [-1]
        depth = {"is": 0, "rph": 0}
        dates, durations = self.dates, self.durations
        date1904 = book.date1904

        def text(data: str) -> None:
            pieces.append(data)

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag in _C:
                ref = attrs.get("r")
                at = _column(ref) if ref else -1
                column[0] = at if at >= 0 else column[0] + 1
                cell[0] = column[0]
                cell[1] = attrs.get("t", "n")
                cell[2] = attrs.get("s")
                pieces.clear()
            elif tag in _V:
                if cell[1] != "inlineStr":  # openpyxl reads an inline string from <is> only
                    parser.CharacterDataHandler = text
            elif tag in _T:
                if depth["is"] and not depth["rph"] and cell[1] == "inlineStr":
                    parser.CharacterDataHandler = text
            elif tag in _ROW:
                number = attrs.get("r")
                row[0] = int(number) if number and number.isdigit() else row[0] + 1
                column[0] = -1
                cells.clear()
            elif tag in _IS:
                depth["is"] += 1
            elif tag in _RPH:
                depth["rph"] += 1

        def end(tag: str) -> None:
            if tag in _V:
                parser.CharacterDataHandler = None
            elif tag in _C:
                raw = "".join(pieces)
                pieces.clear()
                if cell[1] == "inlineStr":
                    value = _unescape(raw)
                else:
                    value = self._value(cell[1], cell[2], raw, dates, durations, date1904) if raw else ""
                if value:
                    at = cell[0]
                    if at >= len(cells):
                        cells.extend([""] * (at - len(cells) + 1))
                    cells[at] = value
            elif tag in _ROW:
                if cells:
                    done.append((row[0], cells[:]))
                    cells.clear()
            elif tag in _T:
                parser.CharacterDataHandler = None
            elif tag in _IS:
                depth["is"] -= 1
            elif tag in _RPH:
                depth["rph"] -= 1

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        try:
            for block in book.stream(self.part, "worksheet"):
                parser.Parse(block, False)
                if done:
                    yield from done
                    done.clear()
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise ImportFileError(
                f"{book.name}: cannot read the worksheet (XML: {exc})", ImportErrorCode.BAD_XLSX
            ) from None
        except (ValueError, OverflowError, IndexError) as exc:
            raise ImportFileError(
                f"{book.name}: cannot read the worksheet ({type(exc).__name__}: {exc})", ImportErrorCode.BAD_XLSX
            ) from None
        yield from done

    def _value(
        self, kind: str, style: str | None, raw: str, dates: frozenset[int], durations: frozenset[int], date1904: bool
    ) -> str:
        """A cell's text from its type and raw value (openpyxl's ``parse_cell``, then :func:`cell_text`)."""
        if kind == "s":
            return self.book.string(raw)
        if kind == "n":
            try:
                number = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            except ValueError:
                raise ImportFileError(
                    f"{self.book.name}: the worksheet has a number cell holding {raw[:30]!r}", ImportErrorCode.BAD_XLSX
                ) from None
            if style and dates and style.isdigit() and int(style) in dates:
                return cell_text(_from_excel(number, date1904, int(style) in durations))
            return cell_text(number)
        if kind == "b":
            return "TRUE" if raw.strip() not in ("0", "") else "FALSE"
        if kind == "d":
            return cell_text(_from_iso(raw))
        return raw  # "str" (a formula's text), "e" (an error such as #N/A)


def _from_excel(value: float, date1904: bool, duration: bool) -> datetime | time | timedelta | str:
    """An Excel serial as openpyxl reads it (``openpyxl.utils.datetime.from_excel``); a serial
    outside the dates Python has is ``#VALUE!``, as there."""
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    try:
        found: datetime | time | timedelta = from_excel(
            value, MAC_EPOCH if date1904 else WINDOWS_EPOCH, timedelta=duration
        )
    except (OverflowError, ValueError):
        return "#VALUE!"
    return found


def _from_iso(raw: str) -> Any:
    from openpyxl.utils.datetime import from_ISO8601

    try:
        return from_ISO8601(raw)
    except ValueError:
        return raw


def cell_text(value: Any) -> str:
    """A workbook cell's value as the text a person typed: a phone typed into a number
    cell (``13812345678.0``) gives its digits, a date its ISO form (without a time at midnight)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))  # 13812345678.0: a phone typed into a number cell
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
