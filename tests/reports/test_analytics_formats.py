"""The same numbers in all four formats: the funnel, the version comparison, the market
answers and agent coaching, each read back from the table, CSV, JSON and XLSX.

The documents' cells are checked against the hand-worked numbers elsewhere
(test_funnel, test_versions, test_market); here every format must spell exactly
those cells, by the rules of docs/reports.md (applied by the small functions below,
not by the code under test).
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction as F

import pytest

from callscript.cli.analytics_cmds import describe_changes
from callscript.files.tabular import sheet_title
from callscript.reports.analytics_docs import coaching_document, funnel_document, market_document, versions_document
from callscript.reports.coaching import coaching
from callscript.reports.funnel import funnel
from callscript.reports.market import market
from callscript.reports.render import Document, render
from callscript.reports.versions import compare_versions
from reports.conftest import read_csv, read_json, read_xlsx
from reports.test_funnel import build as build_funnel_db
from reports.test_market import ALIASES
from reports.test_market import store as market_store  # noqa: F401 - a fixture
from reports.test_versions import conn as versions_conn  # noqa: F401 - a fixture


def as_table(value, kind):
    if value is None:
        return ""
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "p":
        return "<0.0001" if value < 0.00005 else f"{value:.4f}"
    if kind == "when":
        return value.strftime("%m-%d")
    return str(value)


def as_csv(value, kind):
    if value is None:
        return ""
    if kind == "rate":
        return f"{float(value):.4f}"
    return value.isoformat() if isinstance(value, date) else str(value)


def as_json(value, kind):
    if value is None:
        return None
    if kind in ("rate", "p"):
        return round(float(value), 4)
    return value.isoformat() if isinstance(value, date) else value


def as_xlsx(value, kind):
    if value is None or value == "":
        return None
    if kind in ("rate", "p"):
        return pytest.approx(round(float(value), 4), abs=1e-12)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def spelled(rows, columns, fn):
    return [[fn(v, c.kind) for v, c in zip(row, columns, strict=True)] for row in rows]


def check_every_format(doc: Document) -> None:
    main = doc.sheets[0]
    everything = main.rows + ([main.total] if main.total is not None else [])
    # CSV: the main sheet, header, rows, total
    csv_rows = read_csv(render(doc, "csv"))
    assert csv_rows[0] == [c.label for c in main.columns]
    assert csv_rows[1:] == spelled(everything, main.columns, as_csv)
    # JSON: every sheet under its key, the total
    data = read_json(render(doc, "json"))
    assert data["report"] == doc.report and [c["key"] for c in data["columns"]] == [c.key for c in main.columns]
    for sheet in doc.sheets:
        keys = [c.key for c in sheet.columns]
        assert data[sheet.key] == [dict(zip(keys, r)) for r in spelled(sheet.rows, sheet.columns, as_json)]
    if main.total is not None:
        assert data["total"] == dict(
            zip([c.key for c in main.columns], spelled([main.total], main.columns, as_json)[0])
        )
    # XLSX: every sheet, header in row 1, the total last
    book = read_xlsx(render(doc, "xlsx"))
    taken: set[str] = set()
    for sheet in doc.sheets:
        rows = book[sheet_title(sheet.name, taken)]
        assert rows[0] == [c.label for c in sheet.columns]
        total = [sheet.total] if sheet.total is not None else []
        assert rows[1:] == spelled(sheet.rows + total, sheet.columns, as_xlsx)
    # the table: every row of every non-empty sheet is a line with its cells, in order
    text = render(doc, "table")
    lines = text.splitlines()
    at = 0
    for index, sheet in enumerate(doc.sheets):
        if not sheet.rows:
            continue
        title = f"{doc.title}  {doc.subtitle}" if index == 0 else sheet.name
        at = next(i for i in range(at, len(lines)) if lines[i].strip() == title.strip()) + 1  # the header
        assert all(label in lines[at] for label in (c.label for c in sheet.columns))
        for row in spelled(sheet.rows, sheet.columns, as_table):
            at += 1
            while set(lines[at].strip()) <= {"━", "─"}:
                at += 1
            line = lines[at]
            pos = 0
            for cell in row:
                if cell:
                    found = line.find(cell, pos)
                    assert found >= 0, f"{cell!r} not in {line!r} after {pos}"
                    pos = found + len(cell)
    for note in doc.notes:  # the notes (the losses in words, the coaching sentences) under the tables
        assert note in text


@pytest.fixture(scope="module")
def funnel_conn(tmp_path_factory):
    from callscript.reports.queries import open_db

    db = open_db(build_funnel_db(tmp_path_factory.mktemp("fmt") / "f.db"))
    yield db.conn
    db.close()


def test_funnel_in_every_format(funnel_conn):
    doc = funnel_document(funnel(funnel_conn))
    greet = doc.sheets[0].rows[0]
    assert greet[:5] == ["开场", "greet", 7, 5, 2] and greet[-5:] == [0, F(0), 0, 6, 30]
    assert doc.sheets[0].total[2:5] == [19, 12, 6] and doc.sheets[0].total[13:16] == [1, 3, F(3, 7)]
    assert [r[2] for r in doc.sheets[1].rows] == ["ask", "star"]  # the top losses
    check_every_format(doc)


def test_coaching_in_every_format(funnel_conn):
    doc = coaching_document(coaching(funnel_conn, "王芳"))
    ask = next(r for r in doc.sheets[0].rows if r[1] == "ask")
    assert ask == ["询问", "ask", 3, 1, F(1, 3), 1, F(1, 3), 2, F(1, 2), F(1, 2), F(1, 3) - F(1, 2)]
    check_every_format(doc)


def test_versions_in_every_format(versions_conn):  # noqa: F811
    doc = versions_document(compare_versions(versions_conn, differ=describe_changes))
    mailed_two = next(r for r in doc.sheets[0].rows if r[1] == 2 and r[6] == "寄卡率")
    assert mailed_two[5:9] == [250, "寄卡率", 75, F(3, 10)] and mailed_two[13:] == [0.0157, "明显更高"]
    assert doc.sheets[1].rows and all(r[0] in (2, 3) for r in doc.sheets[1].rows)
    check_every_format(doc)


def test_market_in_every_format(market_store):  # noqa: F811
    doc = market_document(market(market_store.conn, aliases=ALIASES))
    finance = doc.sheets[0].rows[0]
    assert finance[:9] == ["金融业", 3, F(2, 3), F(0), F(0), F(0), F(1, 3), 3, "艺龙 3"]
    assert ["金融业", "艺龙", 3, F(1)] in doc.sheets[1].rows
    check_every_format(doc)
