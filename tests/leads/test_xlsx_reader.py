"""The streaming XLSX reader (callscript/leads/readers.py) reads what openpyxl reads.

Workbooks written by openpyxl (inline strings, ``t="n"``) and by XlsxWriter (shared strings, as
Excel and WPS write them) with random cells, read by the reader — its fast way and its expat
way — and by openpyxl (``read_only=True``, the reference): the same text in the same cell,
through the one :func:`cell_text`. The same workbooks rewritten the ways other programs write
XML (a namespace prefix, attributes in another order, comments, CDATA, an XML declaration in
another spelling) must be read the same, by the expat way.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import zipfile
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callscript.leads import readers
from callscript.leads.readers import ImportFileError, cell_text, read_table_bytes

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

# text a workbook can hold: no control characters (openpyxl refuses them), no surrogates; and no
# "_x0041_"-like runs, which Excel (and this reader, and calamine) decode but openpyxl leaves as they are
# — nor U+FFFE/U+FFFF, which XML cannot hold, so XlsxWriter writes them as such a run ("_xFFFE_"):
# test_a_character_xml_cannot_hold_reads_back_as_written checks those
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=12
).filter(lambda t: not re.search(r"_x[0-9A-Fa-f]{4}_", t))
_value = st.one_of(
    st.none(),
    _text,
    st.sampled_from(["公司", "13812345678", " 138 1234 5678 ", "a&b<c>\"d'", "x\ny", "=1+1", "  "]),
    st.integers(-(10**15), 10**15),
    st.integers(13000000000, 19999999999),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=date(1901, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.times().map(lambda t: t.replace(microsecond=0)),
)
_rows = st.lists(st.lists(_value, max_size=8), min_size=0, max_size=12)


def _openpyxl_bytes(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsxwriter_bytes(rows) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("名单")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    when_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    time_format = book.add_format({"num_format": "hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when_format)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, time(0)), date_format)
            elif isinstance(value, time):
                sheet.write_datetime(r, c, value, time_format)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()
    return out.getvalue()


def _by_openpyxl(data: bytes, sheet: str | None = None) -> dict[tuple[int, int], str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    found = {}
    worksheet = book[sheet] if sheet else book.worksheets[0]
    for r, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        for c, value in enumerate(row):
            text = cell_text(value)
            if text:
                found[(r, c)] = text
    book.close()
    return found


def _by_reader(data: bytes, sheet: str | None = None) -> dict[tuple[int, int], str]:
    table = read_table_bytes(data, name="t.xlsx", sheet=sheet)
    return {(r, c): text for r, cells in table.rows for c, text in enumerate(cells) if text}


@pytest.fixture(params=["fast", "expat"])
def way(request, monkeypatch):
    """Read every workbook both ways: the fast one (falling back when it must) and expat only."""
    if request.param == "expat":

        def never(*args, **kwargs):
            raise readers._NotSimple

        monkeypatch.setattr(readers, "_simple_parts", never)
    return request.param


@SETTINGS
@given(rows=_rows)
def test_openpyxl_workbooks_read_as_openpyxl_reads_them(way, rows):
    data = _openpyxl_bytes(rows)
    assert _by_reader(data) == _by_openpyxl(data)


@SETTINGS
@given(rows=_rows)
def test_excel_style_workbooks_read_as_openpyxl_reads_them(way, rows):
    """XlsxWriter writes as Excel does: shared strings, styles with number formats, dates as serials."""
    data = _xlsxwriter_bytes(rows)
    assert _by_reader(data, "名单") == _by_openpyxl(data, "名单")


def _rewrite(data: bytes, change) -> bytes:
    """The workbook with each sheet's and the shared strings' XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/") or item.filename == "xl/sharedStrings.xml":
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(item.filename, content)
    return out.getvalue()


def _prefixed(xml: str) -> str:
    """Every element of the main namespace under the prefix ``x:`` (as some generators write)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = re.sub(r"<(/?)(?!\?)([A-Za-z]\w*)([\s/>])", r"<\1x:\2\3", xml)
    return xml.replace(f'xmlns="{main}"', f'xmlns:x="{main}"', 1)


def _reordered(xml: str) -> str:
    return re.sub(r'<c r="([A-Z]+\d+)"((?: [st]="[^"]*")+)', lambda m: f'<c{m.group(2)} r="{m.group(1)}"', xml)


def _commented(xml: str) -> str:
    return xml.replace("</row>", "<!-- </row> --></row>", 3).replace("<v>", "<v><![CDATA[]]>", 2)


def _declared(xml: str) -> str:
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", xml)
    return "<?xml version='1.0' encoding='utf-8'?>\n" + body


@SETTINGS
@given(rows=_rows, change=st.sampled_from([_prefixed, _reordered, _commented, _declared]))
def test_other_spellings_of_the_xml_read_the_same(rows, change):
    for data, sheet in ((_openpyxl_bytes(rows), None), (_xlsxwriter_bytes(rows), "名单")):
        expected = _by_openpyxl(data, sheet)
        assert _by_reader(_rewrite(data, change), sheet) == expected


def test_a_character_xml_cannot_hold_reads_back_as_written(way):
    """XlsxWriter (as Excel) writes U+FFFE as ``_xFFFE_``; the reader gives the character back, both ways
    (openpyxl would give the escape itself)."""
    data = _xlsxwriter_bytes([["h"], ["\ufffe", "a\uffffb"]])
    assert _by_reader(data, "名单") == {(1, 0): "h", (2, 0): "\ufffe", (2, 1): "a\uffffb"}


def test_an_escaped_character_is_decoded_as_excel_does():
    """``_x000D_`` is a carriage return, ``_x005F_`` an underscore (Excel's escapes; openpyxl keeps them)."""
    data = _openpyxl_bytes([["A_x0041_B", "_x005F_x0041_", "a_x000D_b"]])  # openpyxl writes them as they are
    assert _by_reader(data) == {(1, 0): "AAB", (1, 1): "_x0041_", (1, 2): "a\rb"}
    written = _xlsxwriter_bytes([["A_x0041_B"]])  # XlsxWriter escapes the text: it reads back as written
    assert _by_reader(written, "名单") == {(1, 0): "A_x0041_B"}


def test_a_long_shared_string_table_is_read_through_its_blocks():
    """More strings than a few cached blocks hold, used out of order: still the right ones."""
    rows = [[f"公司{i}", f"联系人{i}"] for i in range(30_000)]
    rows += [[f"公司{i}"] for i in range(0, 30_000, 977)]  # early strings again, after many blocks
    data = _xlsxwriter_bytes(rows)
    got = _by_reader(data, "名单")
    assert got[(1, 0)] == "公司0" and got[(30_000, 1)] == "联系人29999"
    assert got[(30_001, 0)] == "公司0" and got[(30_031, 0)] == f"公司{30 * 977}"
    assert len(got) == 60_000 + 31


@pytest.fixture
def strings_read_down(monkeypatch):
    """A table of 20,000 shared strings (ten blocks) with room for two blocks, read from the top
    to the end, as a sheet is; then (texts, the table, the blocks loaded from now on)."""
    texts = [f"公司{i}" for i in range(20_000)]
    book = readers._Workbook(io.BytesIO(_xlsxwriter_bytes([[text] for text in texts])), "t.xlsx")
    strings = book.strings()
    assert strings is not None and strings.count == len(texts)
    monkeypatch.setattr(strings, "CACHED_BLOCKS", 2)
    assert [strings.get(i) for i in range(len(texts))] == texts
    loads: list[int] = []
    load = strings._load
    monkeypatch.setattr(strings, "_load", lambda number: loads.append(number) or load(number))
    yield texts, strings, loads
    book.close()


def test_a_string_far_behind_the_newest_block_is_read_by_its_piece(strings_read_down):
    """Strings asked for again at random (duplicate rows far below their first use): read 64 at
    a time, not by loading their whole blocks again; what is cached stays bounded."""
    texts, strings, loads = strings_read_down
    order = random.Random(7).sample(range(len(texts) - strings.BLOCK), 1_000)
    assert [strings.get(i) for i in order] == [texts[i] for i in order]
    assert loads == []
    assert len(strings._cache) <= 2 and 0 < len(strings._pieces) <= strings.CACHED_PIECES


def test_a_block_used_all_over_is_loaded_whole_again(strings_read_down):
    """A block whose strings keep being asked for (contact names used all over a list) goes back
    among the cached blocks after :data:`RELOAD_AFTER` look-ups by the piece, not one per row."""
    texts, strings, loads = strings_read_down
    for _ in range(strings.RELOAD_AFTER * 3):
        assert strings.get(5) == texts[5]
    assert loads == [0]
    assert 0 in strings._cache


def test_a_damaged_sheet_is_a_file_error_whichever_way():
    data = _rewrite(_xlsxwriter_bytes([["甲", 1]] * 5), lambda xml: xml.replace("</row>", "</rowx>", 1))
    with pytest.raises(ImportFileError) as failed:
        _by_reader(data, "名单")
    assert failed.value.code == "bad_xlsx" and "cannot read the worksheet" in str(failed.value)


def test_a_missing_shared_string_is_a_file_error():
    data = _rewrite(_xlsxwriter_bytes([["甲", "乙"]]), lambda xml: xml.replace("<v>1</v>", "<v>99</v>"))
    with pytest.raises(ImportFileError) as failed:
        _by_reader(data, "名单")
    assert failed.value.code == "bad_xlsx" and "shared string 99" in str(failed.value)


@pytest.mark.parametrize("change", ["rows", "rows and cells"])
def test_rows_and_cells_without_their_numbers_are_counted(way, change):
    """``<row>`` without ``r`` is the row after the last; ``<c>`` without ``r`` the column after the last."""
    data = _openpyxl_bytes([["公司", "电话"], ["甲", 13812345678], ["乙", "13912345678", "备注"]])

    def strip(xml: str) -> str:
        xml = re.sub(r'<row r="\d+"', "<row", xml)
        return re.sub(r'<c r="[A-Z]+\d+"', "<c", xml) if change == "rows and cells" else xml

    changed = _rewrite(data, strip)
    assert _by_reader(changed) == _by_openpyxl(data)
    assert _by_reader(changed) == {(1, 0): "公司", (1, 1): "电话", (2, 0): "甲", (2, 1): "13812345678"} | {
        (3, 0): "乙",
        (3, 1): "13912345678",
        (3, 2): "备注",
    }


@pytest.fixture(scope="module")
def excel_style_bytes():
    return _xlsxwriter_bytes(
        [["公司", "联系人", "电话"]] + [[f"公司{i}", f"联系人{i}", 13800000000 + i] for i in range(30)]
    )


@SETTINGS
@given(data=st.data())
def test_damaged_excel_style_workbooks_are_file_errors(excel_style_bytes, data):
    """Bytes changed anywhere (the shared strings, the styles, the sheet, the zip itself): the
    reader gives rows or an ``ImportFileError``, never another exception."""
    damaged = bytearray(excel_style_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    try:
        _by_reader(bytes(damaged[: data.draw(st.integers(4, len(damaged)))]))
    except ImportFileError as exc:  # bad_xlsx, no_sheet, or (the signature hit) not a CSV either
        assert str(exc) and exc.code


def _by_reader_deferred(
    data: bytes, sheet: str | None = None, after: int = 1, references: list[int] | None = None
) -> dict[tuple[int, int], str]:
    """The rows read with the shared strings left as references after ``after`` rows (as the
    import's reading child does; the rows of the piece of XML already parsed keep their texts),
    then put in as they come (as its parent does, while the file is still open); ``references``
    gets how many there were."""
    table = read_table_bytes(data, name="t.xlsx", sheet=sheet)
    assert table.defer_strings is not None
    rows = [(r, list(cells)) for r, cells in itertools.islice(table.rows, after)]
    put_texts = table.defer_strings()
    for r, cells in table.rows:
        if references is not None:
            references.append(sum(type(c) is int for c in cells))
        put_texts([(r, cells)])
        rows.append((r, cells))
    return {(r, c): text for r, cells in rows for c, text in enumerate(cells) if text}


@SETTINGS
@given(rows=_rows, after=st.integers(0, 3))
def test_shared_strings_put_in_later_read_the_same(rows, after):
    data = _xlsxwriter_bytes(rows)
    assert _by_reader_deferred(data, "名单", after) == _by_reader(data, "名单")


def test_shared_strings_put_in_later_through_their_blocks():
    rows = [[f"公司{i}", f"联系人{i}"] for i in range(30_000)] + [[f"公司{i}"] for i in range(0, 30_000, 977)]
    data = _xlsxwriter_bytes(rows)
    references: list[int] = []
    assert _by_reader_deferred(data, "名单", 10, references) == _by_reader(data, "名单")
    assert sum(references) > 50_000  # all but the first piece's rows came as references


def test_a_missing_shared_string_put_in_later_is_a_file_error():
    data = _rewrite(_xlsxwriter_bytes([["甲", "乙"]] * 3), lambda xml: xml.replace("<v>1</v>", "<v>99</v>"))
    with pytest.raises(ImportFileError) as failed:
        _by_reader_deferred(data, "名单", 0)
    assert failed.value.code == "bad_xlsx" and "shared string 99" in str(failed.value)
