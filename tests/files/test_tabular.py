"""The one spreadsheet writer: formula-looking text, numbers, dates, rates, empty cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from callscript.files.tabular import (
    DECIMAL,
    INT,
    RATE,
    TEXT,
    WHEN,
    Column,
    Sheet,
    csv_bytes,
    csv_text,
    looks_like_formula,
    xlsx_bytes,
)

HOSTILE = [
    '=HYPERLINK("http://r","x")',
    "=1+1",
    "+86 138 0000 0001",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\u3000=1+1",  # an ideographic space first
    "\n@x",
]
HARMLESS = ["甲公司", "a=b", "1+1", "", "x-1", "'quoted"]
CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_looking_text(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text(text):
    assert not looks_like_formula(text)


def sheet(rows, kinds=(TEXT,), total=None) -> Sheet:
    return Sheet("表", [Column(f"c{i}", kind) for i, kind in enumerate(kinds)], rows, total)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # BOM and CRLF: Excel on Chinese Windows
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def test_csv_prefixes_formula_text_and_keeps_numbers():
    rows = [[t] for t in HOSTILE + HARMLESS] + [[-3], [2.5], [0]]
    got = [r[0] for r in read_csv(csv_bytes(sheet(rows)))[1:]]
    assert got[: len(HOSTILE)] == ["'" + t for t in HOSTILE]
    assert got[len(HOSTILE) : -3] == HARMLESS
    assert got[-3:] == ["-3", "2.5", "0"]  # real numbers stay numbers, negative ones too


def test_xlsx_writes_formula_text_as_strings_and_numbers_as_numbers():
    rows = [[t] for t in HOSTILE] + [[-3], [2.5]]
    ws = read_xlsx(xlsx_bytes([sheet(rows)]))
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(rows))]
    for cell, text in zip(cells, HOSTILE, strict=False):
        assert cell.data_type == "s"  # text, not a formula
        assert cell.value == text.replace("\r", "\n")  # (XML reads a carriage return back as a line feed)
    assert [(c.value, c.data_type) for c in cells[-2:]] == [(-3, "n"), (2.5, "n")]


def test_kinds_in_both_formats():
    moment = datetime(2026, 3, 2, 10, 15, tzinfo=CST)
    row = [Fraction(1, 3), 83.46, 12, date(2026, 3, 2), moment, "2026-03-02T10:15:00+08:00", None, ""]
    kinds = (RATE, DECIMAL, INT, WHEN, WHEN, WHEN, RATE, TEXT)
    data = sheet([row], kinds)
    assert read_csv(csv_bytes(data))[1] == [
        "0.3333",
        "83.5",
        "12",
        "2026-03-02",
        "2026-03-02T10:15:00+08:00",
        "2026-03-02T10:15:00+08:00",
        "",
        "",
    ]
    ws = read_xlsx(xlsx_bytes([data]))
    cells = next(iter(ws.iter_rows(min_row=2, values_only=False)))
    assert [c.value for c in cells] == [
        0.3333,
        83.5,
        12,
        datetime(2026, 3, 2),
        datetime(2026, 3, 2, 10, 15),
        datetime(2026, 3, 2, 10, 15),
        None,
        None,
    ]
    assert [c.number_format for c in cells[:6]] == [
        "0.0%",
        "0.0",
        "General",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm",
        "yyyy-mm-dd hh:mm",
    ]


def test_header_total_and_sheet_names():
    data = Sheet("a/b:c*d?[e]" + "长" * 40, [Column("=公司"), Column("数", INT)], [["甲", 1]], ["合计", 1])
    rows = read_csv(csv_bytes(data))
    assert rows == [["'=公司", "数"], ["甲", "1"], ["合计", "1"]]
    book = load_workbook(io.BytesIO(xlsx_bytes([data, data])))
    assert [len(ws.title) <= 31 for ws in book.worksheets] == [True, True]
    assert book.worksheets[0].title != book.worksheets[1].title
    ws = book.worksheets[0]
    assert ws["A1"].font.bold and ws["A3"].font.bold and not ws["A2"].font.bold
    assert ws.freeze_panes == "A2"


def test_control_characters_xml_cannot_hold_do_not_fail_the_workbook():
    ws = read_xlsx(xlsx_bytes([sheet([["a\x00b\x1b[2Jc"]])]))
    assert ws["A2"].value == "ab[2Jc"


def test_terminal_csv_has_no_byte_order_mark():
    assert not csv_text(sheet([["甲"]])).startswith("\ufeff")


@given(st.lists(st.one_of(st.text(max_size=20), st.integers(-(10**12), 10**12), st.none()), min_size=1, max_size=6))
def test_no_cell_ever_reads_back_as_a_formula(values):
    data = sheet([[v] for v in values])
    for (got,), value in zip(read_csv(csv_bytes(data))[1:], values, strict=True):
        if isinstance(value, str) and value:
            assert not looks_like_formula(got) or got.startswith("'")
    ws = read_xlsx(xlsx_bytes([data]))
    for (cell,) in ws.iter_rows(min_row=2):
        assert cell.data_type != "f"
