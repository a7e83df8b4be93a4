"""Fuzz: random bytes and random CSV shapes never break the importer.

Whatever the input, ``import_leads`` either raises its own ``ImportFileError``
(and writes nothing) or returns a result whose counts add up and match exactly
what was written: never another exception, never a partial import.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callscript.leads.importer import ImportFileError, import_leads
from callscript.storage import Store

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("fuzz") / "fuzz.db") as s:
        yield s


def check(store, data: bytes, **options):
    before = store.count_leads()
    try:
        result = import_leads(store, "fuzz.csv", data=data, **options)
    except ImportFileError as exc:
        assert str(exc)
        assert store.count_leads() == before
        return None
    after = store.count_leads()
    assert after - before == (0 if result.dry_run else result.imported)
    assert result.imported + len(result.duplicates) + len(result.rejected) == result.rows_read
    assert all(p.row > result.header_row and p.reason for p in result.rejected)
    assert store.conn.in_transaction is False
    return result


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(store, data):
    check(store, data)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_after_a_real_header(store, data):
    check(store, "公司,联系人,电话\r\n甲公司,张三,13812345678\r\n".encode() + data)
    check(store, "公司,电话\r\n".encode("gbk") + data, dry_run=True)


_phoneish = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"0\d{2,3}-\d{7,8}", fullmatch=True),
    st.from_regex(r"\+86 ?1\d{2} ?\d{4} ?\d{4}", fullmatch=True),
    st.text(alphabet="0123456789 -+()转ext", max_size=20),
    st.text(max_size=12),
)
_cell = st.one_of(st.text(max_size=15), _phoneish, st.just(""), st.text(alphabet="公司有限电子贸易", max_size=10))
_header = st.lists(
    st.sampled_from(
        [
            "公司",
            "公司名称",
            "company",
            "联系人",
            "contact",
            "职位",
            "电话",
            "手机",
            "phone",
            "行业",
            "来源",
            "备注",
            "notes",
            "网址",
            "",
            "地址",
        ]
    ),
    min_size=1,
    max_size=9,
)


@SETTINGS
@given(
    _header,
    st.lists(st.lists(_cell, max_size=11), max_size=25),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    st.sampled_from([",", "\t", ";"]),
    st.booleans(),
)
def test_random_csv_shapes(store, header, rows, encoding, delimiter, dry_run):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    try:
        data = out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = out.getvalue().encode("utf-8")
    result = check(store, data, dry_run=dry_run)
    has_phone = any(h in ("电话", "手机", "phone") for h in header)
    has_company = any(h in ("公司", "公司名称", "company") for h in header)
    if result is None:
        return
    assert has_phone and has_company


def _legal(value):
    """Text openpyxl can write (a real workbook cannot hold control characters)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


_xlsx_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=15),
    _phoneish.map(_legal),
    st.dates(),
    st.integers(13000000000, 19999999999),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(_header, st.lists(st.lists(_xlsx_value, max_size=10), max_size=15))
def test_random_workbooks(store, header, rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    check(store, out.getvalue())


@pytest.fixture(scope="module")
def workbook_bytes():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["公司", "联系人", "电话"])
    for i in range(20):
        sheet.append([f"公司{i}", f"联系人{i}", 13800000000 + i])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.data())
def test_damaged_workbooks(store, workbook_bytes, data):
    damaged = bytearray(workbook_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(4, len(damaged)))
    check(store, bytes(damaged[:cut]), dry_run=data.draw(st.booleans()))
