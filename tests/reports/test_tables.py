"""Every cell of the daily, cumulative and yield tables, in every format.

The expected numbers are worked out by hand from the calls listed in conftest.py.
Rates are exact fractions here; each format's spelling is applied by the small
functions below (not by the code under test).
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction as F

import pytest

from callscript.reports.queries import cumulative, daily, yield_table
from callscript.reports.render import render
from reports.conftest import D1, D2, D3, read_csv, read_json, read_table, read_xlsx

COUNT_LABELS = [
    "总个数",
    "有效数",
    "寄卡量",
    "好",
    "一般",
    "勉强",
    "寄卡率",
    "有效率",
    "好客户率",
    "通话数",
    "平均时长(秒)",
    "回电数",
]
COUNT_KEYS = [
    "leads",
    "effective",
    "mailed",
    "good",
    "fair",
    "marginal",
    "mail_rate",
    "effective_rate",
    "good_rate",
    "calls",
    "avg_call_seconds",
    "callbacks_made",
]
COUNT_KINDS = ["int"] * 6 + ["rate"] * 3 + ["int", "seconds", "int"]
REMARK_LABELS, REMARK_KEYS = ["优点", "缺点", "建议"], ["strengths", "weaknesses", "suggestions"]

# ---------------------------------------------------------------------------- expected tables

# Development only (docs/reports.md): c11, c12, c14, c16 and c17 are maintenance calls.
DAILY_D1_INDUSTRY = [
    ["金融业", 2, 2, 2, 1, 1, 0, F(1), F(1), F(1, 2), 4, F(820, 4), 1],
    ["临时组织", 2, 0, 0, 0, 0, 0, F(0), F(0), F(0), 2, F(25, 2), 0],
    # L3: refused at 11:00 (有效), busy at 17:00 — still 有效: any development call that day
    ["医药保健业", 1, 1, 0, 0, 0, 0, F(0), F(1), F(0), 2, F(120, 2), 0],
    ["未分类", 1, 1, 0, 0, 0, 1, F(0), F(1), F(0), 1, F(180), 0],
]  # 学校: only c16, a follow-up — not here
TOTAL_D1 = [6, 4, 2, 1, 1, 1, F(1, 3), F(2, 3), F(1, 6), 9, F(1145, 9), 1]

DAILY_D1_AGENT = [
    ["张伟", 0, 0, 0, 0, 0, 0, None, None, None, 0, None, 0, None, "没有打电话", "明天补上"],
    ["李娜", 1, 1, 1, 0, 1, 0, F(1), F(1), F(0), 3, F(570, 3), 1, None, None, None],
    ["王芳", 5, 3, 1, 1, 0, 1, F(1, 5), F(3, 5), F(1, 5), 6, F(575, 6), 0, "开场白清楚", "语速太快", None],
]

DAILY_D1_BOTH = [
    ["李娜", "金融业", 1, 1, 1, 0, 1, 0, F(1), F(1), F(0), 2, F(480, 2), 1],
    ["李娜", "医药保健业", 0, 0, 0, 0, 0, 0, None, None, None, 1, F(90), 0],
    ["王芳", "临时组织", 2, 0, 0, 0, 0, 0, F(0), F(0), F(0), 2, F(25, 2), 0],
    ["王芳", "金融业", 1, 1, 1, 1, 0, 0, F(1), F(1), F(1), 2, F(340, 2), 0],
    ["王芳", "医药保健业", 1, 1, 0, 0, 0, 0, F(0), F(1), F(0), 1, F(30), 0],
    ["王芳", "未分类", 1, 1, 0, 0, 0, 1, F(0), F(1), F(0), 1, F(180), 0],
]

TOTAL_EMPTY = [0, 0, 0, 0, 0, 0, None, None, None, 0, None, 0]

DAILY_D3_INDUSTRY = [
    # L3 mailed 好 (c10); L9 a callback: 有效, no grade
    ["医药保健业", 2, 2, 1, 1, 0, 0, F(1, 2), F(1), F(1, 2), 2, F(300, 2), 0],
    # L7 mailed 好 at 10:30 and not answered at 15:30 (a maintenance call): still 寄卡 and 好;
    # L1's follow-up (c11, 好) is not here
    ["金融业", 1, 1, 1, 1, 0, 0, F(1), F(1), F(1), 1, F(300), 0],
]
TOTAL_D3 = [3, 3, 2, 2, 0, 0, F(2, 3), F(1), F(2, 3), 3, F(600, 3), 0]

RANGE_INDUSTRY = [
    ["金融业", 3, 3, 3, 2, 1, 0, F(1), F(1), F(2, 3), 5, F(1120, 5), 1],
    ["医药保健业", 3, 3, 1, 1, 0, 0, F(1, 3), F(1), F(1, 3), 4, F(420, 4), 0],
    ["临时组织", 2, 0, 0, 0, 0, 0, F(0), F(0), F(0), 2, F(25, 2), 0],
    ["未分类", 1, 1, 0, 0, 0, 1, F(0), F(1), F(0), 1, F(180), 0],
]
RANGE_AGENT = [
    ["李娜", 3, 3, 2, 1, 1, 0, F(2, 3), F(1), F(1, 3), 5, F(870, 5), 1],
    ["王芳", 6, 4, 2, 2, 0, 1, F(1, 3), F(2, 3), F(1, 3), 7, F(875, 7), 0],
]
TOTAL_RANGE = [9, 7, 4, 3, 1, 1, F(4, 9), F(7, 9), F(1, 3), 12, F(1745, 12), 1]
REMARKS_D1 = [[D1, "张伟", None, "没有打电话", "明天补上"], [D1, "王芳", "开场白清楚", "语速太快", None]]

YIELD_LABELS = [
    "行业",
    "总个数",
    "寄卡量",
    "寄卡率",
    "寄卡率排名",
    "好",
    "好客户率",
    "好客户率排名",
    "有效数",
    "有效率",
    "样本",
]
YIELD_KEYS = [
    "industry",
    "leads",
    "mailed",
    "mail_rate",
    "mail_rank",
    "good",
    "good_rate",
    "good_rank",
    "effective",
    "effective_rate",
    "sample",
]
YIELD_KINDS = ["text", "int", "int", "rate", "rank", "int", "rate", "rank", "int", "rate", "text"]
# All time: D1, D3 and 2025-02-24 (c15: L8 学校 mailed 一般).
YIELD_MIN2 = [
    ["金融业", 3, 3, F(1), 1, 2, F(2, 3), 1, 3, F(1), None],
    ["医药保健业", 3, 1, F(1, 3), 2, 1, F(1, 3), 2, 3, F(1), None],
    ["临时组织", 2, 0, F(0), 3, 0, F(0), 3, 0, F(0), None],
    ["学校", 1, 1, F(1), None, 0, F(0), None, 1, F(1), "样本少(<2)"],
    ["未分类", 1, 0, F(0), None, 0, F(0), None, 1, F(1), "样本少(<2)"],
]
YIELD_TOTAL = ["合计", 10, 5, F(1, 2), None, 3, F(3, 10), None, 8, F(4, 5), None]
YIELD_DEFAULT = [  # min 30: every industry is a low sample, none ranked; still ordered by 寄卡率, 好客户率, 总个数
    ["金融业", 3, 3, F(1), None, 2, F(2, 3), None, 3, F(1), "样本少(<30)"],
    ["学校", 1, 1, F(1), None, 0, F(0), None, 1, F(1), "样本少(<30)"],
    ["医药保健业", 3, 1, F(1, 3), None, 1, F(1, 3), None, 3, F(1), "样本少(<30)"],
    ["临时组织", 2, 0, F(0), None, 0, F(0), None, 0, F(0), "样本少(<30)"],
    ["未分类", 1, 0, F(0), None, 0, F(0), None, 1, F(1), "样本少(<30)"],
]
YIELD_D1_TIE = [  # three industries with 寄卡率 and 好客户率 0%: they share rank 2
    ["金融业", 2, 2, F(1), 1, 1, F(1, 2), 1, 2, F(1), None],
    ["临时组织", 2, 0, F(0), 2, 0, F(0), 2, 0, F(0), None],
    ["医药保健业", 1, 0, F(0), 2, 0, F(0), 2, 1, F(1), None],
    ["未分类", 1, 0, F(0), 2, 0, F(0), 2, 1, F(1), None],
]
YIELD_D1_TOTAL = ["合计", 6, 2, F(1, 3), None, 1, F(1, 6), None, 4, F(2, 3), None]

# ---------------------------------------------------------------------------- spellings


def as_table(value, kind):
    if value is None:
        return ""
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "seconds":
        return f"{float(value):.1f}"
    if kind == "when":
        return value.strftime("%m-%d")
    return str(value)


def as_csv(value, kind):
    if value is None:
        return ""
    if kind == "rate":
        return f"{float(value):.4f}"
    if kind == "seconds":
        return f"{float(value):.1f}"
    return value.isoformat() if isinstance(value, date) else str(value)


def as_json(value, kind):
    if value is None:
        return None
    if kind == "rate":
        return round(float(value), 4)
    if kind == "seconds":
        return round(float(value), 1)
    return value.isoformat() if isinstance(value, date) else value


def as_xlsx(value, kind):
    if value is None or value == "":
        return None
    if kind == "rate":
        return pytest.approx(round(float(value), 4), abs=1e-12)
    if kind == "seconds":
        return pytest.approx(round(float(value), 1), abs=1e-12)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def spell(rows, kinds, fn):
    return [[fn(v, k) for v, k in zip(row, kinds)] for row in rows]


def check_all_formats(report, labels, keys, kinds, rows, total, *, sheet_name, extra=None):
    """Assert ``rows`` and ``total`` (None: no total) in all four formats; ``extra``:
    (json key, xlsx sheet name, labels, keys, kinds, rows) of a second sheet."""
    numeric = {label for label, k in zip(labels, kinds) if k in ("int", "rate", "seconds", "rank")}
    # table
    text = render(report, "table")
    got_rows, got_total = read_table(text, labels, numeric)
    assert got_rows == spell(rows, kinds, as_table)
    assert got_total == (spell([total], kinds, as_table)[0] if total is not None else None)
    # csv
    csv_rows = read_csv(render(report, "csv"))
    assert csv_rows[0] == labels
    assert csv_rows[1:] == spell(rows + ([total] if total is not None else []), kinds, as_csv)
    # json
    data = read_json(render(report, "json"))
    assert [c["label"] for c in data["columns"]] == labels and [c["key"] for c in data["columns"]] == keys
    assert data["rows"] == [dict(zip(keys, r)) for r in spell(rows, kinds, as_json)]
    if total is not None:
        assert data["total"] == dict(zip(keys, spell([total], kinds, as_json)[0]))
    # xlsx
    book = read_xlsx(render(report, "xlsx"))
    sheet = book[sheet_name]
    assert sheet[0] == labels
    assert sheet[1:] == spell(rows + ([total] if total is not None else []), kinds, as_xlsx)
    if extra is not None:
        key, name, e_labels, e_keys, e_kinds, e_rows = extra
        assert data[key] == [dict(zip(e_keys, r)) for r in spell(e_rows, e_kinds, as_json)]
        assert book[name][0] == e_labels
        assert book[name][1:] == spell(e_rows, e_kinds, as_xlsx)
        e_numeric = {label for label, k in zip(e_labels, e_kinds) if k in ("int", "rate", "seconds", "rank")}
        if e_rows:
            second = text[text.index(name) :]
            got, _ = read_table(second, e_labels, e_numeric)
            assert got == spell(e_rows, e_kinds, as_table)
        else:  # an empty second sheet is not printed
            assert name not in text
    return text, data, book


REMARK_SHEET_LABELS = ["日期", "业务员", "优点", "缺点", "建议"]
REMARK_SHEET_KEYS = ["day", "agent", "strengths", "weaknesses", "suggestions"]
REMARK_SHEET_KINDS = ["when", "text", "text", "text", "text"]


def remarks_sheet(rows):
    return ("remarks", "优点缺点建议", REMARK_SHEET_LABELS, REMARK_SHEET_KEYS, REMARK_SHEET_KINDS, rows)


# ---------------------------------------------------------------------------- daily


def test_daily_by_industry_every_cell(conn):
    report = daily(conn, D1, "industry")
    text, data, _ = check_all_formats(
        report,
        ["行业", *COUNT_LABELS],
        ["industry", *COUNT_KEYS],
        ["text", *COUNT_KINDS],
        DAILY_D1_INDUSTRY,
        ["合计", *TOTAL_D1],
        sheet_name="日分析表 2025-03-03",
        extra=remarks_sheet(REMARKS_D1),
    )
    assert (data["report"], data["from"], data["to"], data["by"]) == ("daily", "2025-03-03", "2025-03-03", "industry")
    assert text.startswith("数据情况日分析表  2025-03-03  按行业")


def test_daily_by_agent_has_the_remarks_in_the_rows(conn):
    report = daily(conn, D1, "agent")
    _, data, book = check_all_formats(
        report,
        ["业务员", *COUNT_LABELS, *REMARK_LABELS],
        ["agent", *COUNT_KEYS, *REMARK_KEYS],
        ["text", *COUNT_KINDS, "text", "text", "text"],
        DAILY_D1_AGENT,
        ["合计", *TOTAL_D1, None, None, None],
        sheet_name="日分析表 2025-03-03",
    )
    assert "remarks" not in data and list(book) == ["日分析表 2025-03-03"]


def test_daily_by_agent_and_industry(conn):
    report = daily(conn, D1, "both")
    check_all_formats(
        report,
        ["业务员", "行业", *COUNT_LABELS],
        ["agent", "industry", *COUNT_KEYS],
        ["text", "text", *COUNT_KINDS],
        DAILY_D1_BOTH,
        ["合计", "", *TOTAL_D1],
        sheet_name="日分析表 2025-03-03",
        extra=remarks_sheet(REMARKS_D1),
    )


def test_the_lead_called_twice_counts_once(conn):
    report = daily(conn, D1, "industry")
    assert report.row(industry="金融业").counts.leads == 2  # L1 twice, L2 twice: two leads, four calls
    assert report.row(industry="金融业").counts.calls == 4
    # L3: refused by 李娜 at 11:00, then busy for 王芳 at 17:00 → one lead, 王芳's (the last
    # development call's agent), effective (the refusal reached the company)
    by_agent = daily(conn, D1, "both")
    assert by_agent.row("王芳", "医药保健业").counts.leads == 1
    assert by_agent.row("王芳", "医药保健业").counts.effective == 1
    assert by_agent.row("李娜", "医药保健业").counts.leads == 0
    assert by_agent.row("李娜", "医药保健业").counts.mail_rate is None


def test_a_day_with_no_calls_has_empty_rates(conn):
    for by in ("industry", "agent", "both"):
        report = daily(conn, D2, by)
        assert report.rows == []
        keys = {"industry": 1, "agent": 1, "both": 2}[by]
        labels = {"industry": ["行业"], "agent": ["业务员"], "both": ["业务员", "行业"]}[by]
        remark_cols = REMARK_LABELS if by == "agent" else []
        total = ["合计", *([""] if keys == 2 else []), *TOTAL_EMPTY, *([None] * len(remark_cols))]
        kinds = ["text"] * keys + COUNT_KINDS + ["text"] * len(remark_cols)
        text, data, _ = check_all_formats(
            report,
            [*labels, *COUNT_LABELS, *remark_cols],
            [
                *({"industry": ["industry"], "agent": ["agent"], "both": ["agent", "industry"]}[by]),
                *COUNT_KEYS,
                *(REMARK_KEYS if remark_cols else []),
            ],
            kinds,
            [],
            total,
            sheet_name="日分析表 2025-03-04",
        )
        assert data["total"]["mail_rate"] is None and data["total"]["good_rate"] is None
        assert "这一天没有通话记录" in text


def test_daily_on_the_third_day_leaves_out_the_unfinished_call(conn):
    report = daily(conn, D3, "industry")
    check_all_formats(
        report,
        ["行业", *COUNT_LABELS],
        ["industry", *COUNT_KEYS],
        ["text", *COUNT_KINDS],
        DAILY_D3_INDUSTRY,
        ["合计", *TOTAL_D3],
        sheet_name="日分析表 2025-03-05",
        extra=remarks_sheet([]),
    )


# ---------------------------------------------------------------------------- cumulative


def test_cumulative_by_industry_every_cell(conn):
    report = cumulative(conn, D1, D3, "industry")
    text, data, _ = check_all_formats(
        report,
        ["行业", *COUNT_LABELS],
        ["industry", *COUNT_KEYS],
        ["text", *COUNT_KINDS],
        RANGE_INDUSTRY,
        ["合计", *TOTAL_RANGE],
        sheet_name="日分析总表 2025-03-03 至 2025-03-05",
    )
    assert data["report"] == "range" and text.startswith("数据情况日分析总表  2025-03-03 至 2025-03-05  按行业")
    assert "remarks" not in data and "优点" not in text  # remarks belong to the daily table


def test_cumulative_by_agent_every_cell(conn):
    report = cumulative(conn, D1, D3, "agent")
    check_all_formats(
        report,
        ["业务员", *COUNT_LABELS],
        ["agent", *COUNT_KEYS],
        ["text", *COUNT_KINDS],
        RANGE_AGENT,
        ["合计", *TOTAL_RANGE],
        sheet_name="日分析总表 2025-03-03 至 2025-03-05",
    )


def test_cumulative_is_the_sum_of_the_daily_tables(conn):
    days = [daily(conn, d, "both") for d in (D1, D2, D3)]
    whole = cumulative(conn, D1, D3, "both")
    assert sum((d.total for d in days[1:]), days[0].total) == whole.total


def test_cumulative_over_the_empty_day_only(conn):
    report = cumulative(conn, D2, D2, "industry")
    assert report.rows == [] and report.total.mail_rate is None


# ---------------------------------------------------------------------------- yield


def test_yield_every_cell_with_a_low_sample(conn):
    report = yield_table(conn, min_leads=2)
    text, data, _ = check_all_formats(
        report, YIELD_LABELS, YIELD_KEYS, YIELD_KINDS, YIELD_MIN2, YIELD_TOTAL, sheet_name="数据产出分析表"
    )
    assert (data["report"], data["from"], data["to"], data["min_leads"]) == ("yield", None, None, 2)
    assert "样本少(<2)" in text and "不参加排名" in text


def test_yield_default_threshold_ranks_nobody_here(conn):
    report = yield_table(conn)
    check_all_formats(
        report, YIELD_LABELS, YIELD_KEYS, YIELD_KINDS, YIELD_DEFAULT, YIELD_TOTAL, sheet_name="数据产出分析表"
    )


def test_yield_over_a_range_shares_tied_ranks(conn):
    report = yield_table(conn, D1, D1, min_leads=1)
    _, data, _ = check_all_formats(
        report, YIELD_LABELS, YIELD_KEYS, YIELD_KINDS, YIELD_D1_TIE, YIELD_D1_TOTAL, sheet_name="数据产出分析表"
    )
    assert (data["from"], data["to"]) == ("2025-03-03", "2025-03-03")


def test_yield_industry_with_only_invalid_numbers(conn):
    row = yield_table(conn, min_leads=1).row("临时组织")
    assert (row.counts.leads, row.counts.effective, row.counts.mailed) == (2, 0, 0)
    assert row.counts.mail_rate == 0 and row.counts.effective_rate == 0  # 0%, not empty: two leads were called
