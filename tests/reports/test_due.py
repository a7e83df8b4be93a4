"""The due list: callbacks due today/overdue, follow-ups 7–10 days after mailing, their slots."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from callscript.reports.due import WINDOW_CLOSED, due_list, next_follow_up_label
from callscript.reports.render import render
from reports.conftest import read_csv, read_json, read_table, read_xlsx

CST = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


LABELS = ["类型", "状态", "应办", "截止", "建议时段", "业务员", "公司", "联系人", "电话", "行业", "评级", "备注"]


def test_callbacks_due_today_and_overdue(conn):
    due = due_list(conn, at("2025-03-05T14:00:00"))
    assert [(i.kind, i.status, i.ref_id) for i in due.callbacks] == [
        ("callback", "overdue", 3),  # due 03-04 10:00
        ("callback", "today", 2),  # due 03-05 15:00; #4 (tomorrow) and #1 (done) are not listed
    ]
    overdue, today = due.callbacks
    assert (overdue.slot, today.slot) == ("03-04 10:00", "15:00")
    assert (today.agent, today.company, today.industry, today.grade, today.note) == (
        "王芳",
        "己",
        None,
        "勉强",
        "回电2",
    )
    # mailing 3's window (02-27..03-02) has closed: overdue; the others' windows have not opened yet
    assert [(i.ref_id, i.status) for i in due.follow_ups] == [(3, "overdue")]


def test_follow_ups_in_their_window_and_overdue_ones(conn):
    due = due_list(conn, at("2025-03-11T10:00:00"))  # Tuesday morning
    ups = due.follow_ups
    # 好 first (mailing 1: 03-10..03-13), then 一般 (mailing 2: 03-08..03-11, last day), then
    # mailing 3 (好, window closed 03-02: overdue 9 days) sorted by grade first.
    assert [(i.ref_id, i.status, i.grade) for i in ups] == [
        (3, "overdue", "好"),
        (1, "due", "好"),
        (2, "last_day", "一般"),
    ]
    assert [i.slot for i in ups] == [WINDOW_CLOSED, "今天 17:30-18:00", "今天 17:30-18:00"]  # never a slot after it
    assert not any(i.in_window_now for i in ups)
    assert ups[1].due == date(2025, 3, 10) and ups[1].due_by == date(2025, 3, 13)
    assert ups[1].note == "地址1"  # the address mailed to
    # mailing 4 closed 28 days ago (over 14) and mailing 5 was followed up: neither is listed
    assert {i.ref_id for i in ups} == {1, 2, 3}
    assert [i.ref_id for i in due_list(conn, at("2025-03-11T10:00:00"), overdue_days=60).follow_ups] == [4, 3, 1, 2]


def test_agent_filter(conn):
    due = due_list(conn, at("2025-03-11T10:00:00"), agent="李娜")
    assert {i.agent for i in due.items} == {"李娜"}
    assert [i.ref_id for i in due.follow_ups] == [3, 2]


@pytest.mark.parametrize(
    ("now", "first", "last", "slot", "now_ok"),
    [
        ("2025-03-11T10:00:00", "2025-03-10", "2025-03-13", "今天 17:30-18:00", False),  # Tue morning
        ("2026-03-12T17:59:00", "2026-03-09", "2026-03-12", "现在 17:30-18:00", True),  # the last day's last slot
        ("2026-03-12T18:05:00", "2026-03-09", "2026-03-12", WINDOW_CLOSED, False),  # … over: closed, no suggestion
        ("2026-03-08T21:30:00", "2026-03-05", "2026-03-08", WINDOW_CLOSED, False),  # a Sunday, after hours
        ("2026-02-14T10:00:00", "2026-02-13", "2026-02-16", "今天 17:30-18:00 (调休上班)", False),  # 调休 Saturday
        ("2026-02-14T17:45:00", "2026-02-13", "2026-02-16", "现在 17:30-18:00", True),
        ("2026-02-13T19:00:00", "2026-02-13", "2026-02-16", "明天 17:30-18:00 (调休上班)", False),  # Sat works
        ("2026-02-14T18:30:00", "2026-02-13", "2026-02-16", "明天 全天 (春节)", False),  # Sunday 02-15: 春节
        ("2026-02-16T10:00:00", "2026-02-13", "2026-02-16", "现在 (春节)", True),  # 春节 (除夕): any time
        ("2026-09-30T19:00:00", "2026-09-28", "2026-10-02", "明天 全天 (国庆节)", False),  # 国庆
        ("2026-10-09T19:00:00", "2026-10-05", "2026-10-10", "明天 17:30-18:00 (调休上班)", False),  # Sat 10-10
        ("2025-03-11T17:45:00", "2025-03-10", "2025-03-13", "现在 17:30-18:00", True),  # in the window
        ("2025-03-11T18:30:00", "2025-03-10", "2025-03-13", "明天 17:30-18:00", False),  # missed today's
        ("2025-03-14T18:30:00", "2025-03-10", "2025-03-17", "明天 全天 (周末)", False),  # Friday evening → Saturday
        ("2025-03-15T09:00:00", "2025-03-10", "2025-03-17", "现在 (周末)", True),  # Saturday
        ("2025-03-05T10:00:00", "2025-03-12", "2025-03-15", "周三 03-12 17:30-18:00", False),  # not open yet
        ("2025-03-13T19:00:00", "2025-03-03", "2025-03-06", WINDOW_CLOSED, False),  # late: no slot after the window
    ],
)
def test_next_follow_up_slot(now, first, last, slot, now_ok):
    assert next_follow_up_label(at(now), date.fromisoformat(first), date.fromisoformat(last)) == (slot, now_ok)


def test_weekend_marks_every_follow_up_as_now(conn):
    due = due_list(conn, at("2025-03-08T10:00:00"))  # Saturday: mailing 2's window opened today
    assert due.in_window_now
    assert [(i.ref_id, i.slot, i.in_window_now) for i in due.follow_ups] == [
        (3, WINDOW_CLOSED, False),  # its window closed on 03-02
        (2, "现在 (周末)", True),
    ]


def test_due_list_in_every_format(conn):
    due = due_list(conn, at("2025-03-11T10:00:00"), agent="李娜")
    expected = [
        [
            "回电",
            "逾期",
            "2025-03-04T10:00:00+08:00",
            None,
            "03-04 10:00",
            "李娜",
            "丙",
            "丙经理",
            "138 0000 0003",
            "医药保健业",
            None,
            "回电3",
        ],
        [
            "回访",
            "逾期",
            "2025-02-27",
            "2025-03-02",
            WINDOW_CLOSED,
            "李娜",
            "丙",
            "丙经理",
            "138 0000 0003",
            "医药保健业",
            "好",
            "地址3",
        ],
        [
            "回访",
            "最后一天",
            "2025-03-08",
            "2025-03-11",
            "今天 17:30-18:00",
            "李娜",
            "乙",
            "乙经理",
            "138 0000 0002",
            "金融业",
            "一般",
            "地址2",
        ],
    ]
    keys = [
        "kind",
        "status",
        "due",
        "due_by",
        "slot",
        "agent",
        "company",
        "contact",
        "phone",
        "industry",
        "grade",
        "note",
    ]
    data = read_json(render(due, "json"))
    assert data["report"] == "due" and data["now"] == "2025-03-11T10:00:00+08:00" and data["in_window_now"] is False
    assert data["rows"] == [dict(zip(keys, row)) for row in expected]
    assert read_csv(render(due, "csv")) == [LABELS] + [["" if v is None else v for v in row] for row in expected]
    sheet = read_xlsx(render(due, "xlsx"))["待办"]
    assert sheet[0] == LABELS
    assert sheet[1][2] == datetime(2025, 3, 4, 10, 0) and sheet[2][2] == datetime(2025, 2, 27)
    assert [row[4:] for row in sheet[1:]] == [row[4:] for row in expected]
    rows, total = read_table(render(due, "table"), LABELS, set())
    assert total is None
    assert rows == [
        ["回电", "逾期", "03-04", "", "03-04", "李娜", "丙", "丙经理", "138", "医药保健业", "", "回电3"],
        [
            "回访",
            "逾期",
            "02-27",
            "03-02",
            WINDOW_CLOSED,
            "李娜",
            "丙",
            "丙经理",
            "138",
            "医药保健业",
            "好",
            "地址3",
        ],
        [
            "回访",
            "最后一天",
            "03-08",
            "03-11",
            "今天",
            "李娜",
            "乙",
            "乙经理",
            "138",
            "金融业",
            "一般",
            "地址2",
        ],
    ]  # (the table parser reads up to the first space: "03-04 10:00" → "03-04", "138 0000 0003" → "138")
    table = render(due, "table")
    assert "138 0000 0003" in table and "138 0000 0002" in table  # as dialled, not as stored
    assert "13800000003" not in table


def test_nothing_due(conn):
    due = due_list(conn, at("2025-01-01T10:00:00"))
    assert due.items == []
    assert "没有到期的回电或回访" in render(due, "table")


def test_due_at_a_past_moment_shows_what_was_due_then(conn):
    """``report due --at`` in the past: callbacks asked for by then and not yet made then,
    follow-ups mailed by then and not yet done then — not today's state."""
    morning = due_list(conn, at("2025-03-03T10:00:00"))
    # mailing 6 (window 03-03..03-06) was followed up at 17:47 that day: at 10:00 it was due;
    # callback 1 was asked for at 10:02: not yet
    assert [(i.ref_id, i.status, i.slot) for i in morning.follow_ups] == [(6, "due", "今天 17:30-18:00")]
    assert morning.callbacks == []
    afternoon = due_list(conn, at("2025-03-03T15:00:00"))
    assert [(i.ref_id, i.status) for i in afternoon.callbacks] == [(1, "today")]  # made at 16:06 by c4
    evening = due_list(conn, at("2025-03-03T18:00:00"))
    assert evening.callbacks == [] and evening.follow_ups == []
    # mailing 7 (c13, 2025-03-05) did not exist on 03-03; on 03-12 it is due
    assert 7 in {i.ref_id for i in due_list(conn, at("2025-03-12T10:00:00")).follow_ups}
