"""importer.check_batch (a chunk of rows checked column by column, the import's fast path) gives
exactly what importer.prepare_row gives row by row: the same good rows, the same rejections with
the same reasons, the same blank rows — whatever the cells hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callscript.leads import importer
from callscript.leads.importer import check_batch, prepare_row, resolve_header

HEADERS = [
    ["公司", "联系人", "职位", "部门", "电话", "行业", "来源", "备注"],
    ["电话", "公司"],
    ["公司名称", "网址", "手机", "备注", "其他"],  # an unread column between the read ones
    ["公司", "电话", "手机", "备注", "说明"],  # two phone columns, two notes columns: row by row only
    ["电话", "联系人", "公司", "公司"],  # two company columns
]

CELL_TEXTS = [
    "",
    " ",
    "上海测试有限公司",
    "Acme #1",
    "a # b",
    " 前后有空格 ",
    "尾空格 ",
    "\u3000全角空格",
    "tab\there",
    "两行\n备注",
    "ctrl\x1b[2J",
    "13812345678",
    "138 1234 5678",
    "+86-138-1234-5678",
    "0755-2688 1234",
    "010-88886666-801",
    "1381234567",
    "12345",
    "13812345678 / 010-88886666",
    "13812345678；13912345678",
    "电话待补",
    '=HYPERLINK("x")',
    "x" * 300,
    "y" * 2100,
]


def _cell() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CELL_TEXTS), st.text(max_size=12))


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header = draw(st.sampled_from(HEADERS))
    width = len(header)
    count = draw(st.integers(1, 25))
    numbers = sorted(draw(st.sets(st.integers(2, 200), min_size=count, max_size=count)))
    rows = []
    for number in numbers:
        length = draw(st.integers(0, width + 2))
        rows.append((number, [draw(_cell()) for _ in range(length)]))
    return header, rows


def _one_by_one(rows, layout, default_source):
    good, rejected, blank = [], [], 0
    for number, cells in rows:
        prepared = prepare_row(number, list(cells), layout, region="CN", default_source=default_source)
        if prepared is None:
            blank += 1
        elif type(prepared) is tuple:
            good.append(prepared)
        else:
            rejected.append(prepared)
    return good, rejected, blank


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.sampled_from([None, "官网"]))
def test_a_batch_gives_what_each_row_gives(batch, default_source):
    header, rows = batch
    layout = resolve_header(header, {})
    expected = _one_by_one(rows, layout, default_source)
    got = check_batch([(n, list(c)) for n, c in rows], layout, region="CN", default_source=default_source)
    assert got == expected


def test_a_clean_batch_does_not_go_row_by_row(monkeypatch):
    """The fast path is taken: clean rows never reach prepare_row; a row that needs cleaning does."""
    layout = resolve_header(["公司", "联系人", "电话", "备注"], {})
    seen: list[int] = []
    real = importer.prepare_row

    def counting(number, *args, **kwargs):
        seen.append(number)
        return real(number, *args, **kwargs)

    monkeypatch.setattr(importer, "prepare_row", counting)
    rows = [(n, [f"公司{n}", "张三", f"139{n:08d}", ""]) for n in range(2, 102)]
    rows[10][1][3] = " 下午打 "  # row 12: its notes need trimming
    rows[20][1][2] = ""  # row 22: no phone
    good, rejected, blank = check_batch(rows, layout, region="CN")
    assert seen == [12, 22]
    assert len(good) == 99 and [p.row for p in rejected] == [22] and blank == 0
    assert good[10][10] == "下午打" and [g[0] for g in good] == sorted(g[0] for g in good)
