"""Every cell of 客户维护日表 (the maintenance table), in every format, counted by hand from
the calls and mailings listed in conftest.py.

王芳 (A): c11 (L1 follow-up before its window, reached, materials received), c14 (L7 no
answer), c17 (L8 no answer) on 03-05. 李娜 (B): c16 on 03-03 followed up mailing 6 in its
window (03-03..03-06) at 17:45 — in the slot — materials received, booked on the call;
mailing 3 (window 02-27..03-02) was never followed up.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction as F

from callscript.reports.queries import maintenance
from reports.conftest import D1, D2, D3
from reports.test_tables import check_all_formats

LABELS = [
    "业务员",
    "应回访",
    "已回访",
    "窗口内",
    "窗口内且时段内",
    "逾期未回访",
    "维护通话",
    "接通",
    "确认收到资料",
    "当场预订",
    "平均时长(秒)",
]
KEYS = [
    "agent",
    "due",
    "done",
    "done_in_window",
    "done_in_slot",
    "missed",
    "calls",
    "reached",
    "materials_received",
    "booked_on_call",
    "avg_call_seconds",
]
KINDS = ["text", *["int"] * 9, "seconds"]

D1_ROWS = [["李娜", 1, 1, 1, 1, 0, 1, 1, 1, 1, F(120)]]
D3_ROWS = [["王芳", 0, 0, 0, 0, 0, 3, 1, 1, 0, F(250, 3)]]  # c11 early: not a follow-up done
SUNDAY_ROWS = [["李娜", 1, 0, 0, 0, 1, 0, 0, 0, 0, None]]  # mailing 3's last day: due, and missed
RANGE_ROWS = [
    ["李娜", 2, 1, 1, 1, 1, 1, 1, 1, 1, F(120)],  # due: mailings 3 and 6 (once each, whatever the days)
    ["王芳", 0, 0, 0, 0, 0, 3, 1, 1, 0, F(250, 3)],
]
RANGE_TOTAL = ["合计", 2, 1, 1, 1, 1, 4, 2, 2, 1, F(370, 4)]


def test_maintenance_day_every_cell(conn):
    _, data, _ = check_all_formats(
        maintenance(conn, D1),
        LABELS,
        KEYS,
        KINDS,
        D1_ROWS,
        ["合计", *D1_ROWS[0][1:]],
        sheet_name="客户维护日表 2025-03-03",
    )
    assert (data["report"], data["kind"], data["by"], data["from"]) == (
        "maintenance",
        "maintenance",
        "agent",
        "2025-03-03",
    )
    text, _, _ = check_all_formats(
        maintenance(conn, D3),
        LABELS,
        KEYS,
        KINDS,
        D3_ROWS,
        ["合计", *D3_ROWS[0][1:]],
        sheet_name="客户维护日表 2025-03-05",
    )
    assert text.startswith("客户维护日表  2025-03-05  按业务员")


def test_a_day_with_follow_ups_due_and_missed_but_no_calls(conn):
    check_all_formats(
        maintenance(conn, date(2025, 3, 2)),
        LABELS,
        KEYS,
        KINDS,
        SUNDAY_ROWS,
        ["合计", *SUNDAY_ROWS[0][1:]],
        sheet_name="客户维护日表 2025-03-02",
    )


def test_an_empty_day(conn):
    report = maintenance(conn, D2)
    assert report.rows == [] and report.total.avg_call_seconds is None
    text, _, _ = check_all_formats(
        report, LABELS, KEYS, KINDS, [], ["合计", 0, 0, 0, 0, 0, 0, 0, 0, 0, None], sheet_name="客户维护日表 2025-03-04"
    )
    assert "这一天没有客户维护" in text


def test_maintenance_over_a_range_every_cell(conn):
    report = maintenance(conn, date(2025, 2, 24), D3)
    assert report.title == "客户维护总表"
    check_all_formats(
        report, LABELS, KEYS, KINDS, RANGE_ROWS, RANGE_TOTAL, sheet_name="客户维护总表 2025-02-24 至 2025-03-05"
    )
    # the calls' columns add up over the days; 应回访 is per follow-up, not per day
    days = [maintenance(conn, date(2025, 2, 24) + timedelta(days=n)) for n in range(10)]
    assert sum(d.total.calls for d in days) == report.total.calls
    assert sum(d.total.done for d in days) == report.total.done
    assert sum(d.total.due for d in days) > report.total.due
