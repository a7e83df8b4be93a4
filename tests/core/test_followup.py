"""callscript.core.followup: the follow-up dates, the window and its slots on China's calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from callscript.core import followup
from callscript.core.followup import FOLLOW_UP_AFTER_DAYS, follow_up_dates, in_follow_up_window, is_rest_day

MONDAY = date(2026, 3, 2)


def test_follow_up_is_due_7_to_10_days_after_mailing():
    assert FOLLOW_UP_AFTER_DAYS == (7, 10)
    assert follow_up_dates(MONDAY) == (date(2026, 3, 9), date(2026, 3, 12))
    assert follow_up_dates(date(2026, 12, 28)) == (date(2027, 1, 4), date(2027, 1, 7))  # over the new year


@pytest.mark.parametrize(
    "moment, inside",
    [
        (datetime(2026, 3, 2, 17, 29, 59), False),
        (datetime(2026, 3, 2, 17, 30), True),
        (datetime(2026, 3, 2, 17, 59, 59), True),
        (datetime(2026, 3, 2, 18, 0), False),
        (datetime(2026, 3, 2, 10, 0), False),
        (datetime(2026, 3, 7, 10, 0), True),  # Saturday: any time
        (datetime(2026, 3, 8, 21, 0), True),  # Sunday
    ],
)
def test_window_is_17_30_to_18_00_on_working_days_and_any_time_on_rest_days(moment, inside):
    assert in_follow_up_window(moment.astimezone()) is inside


def test_an_ordinary_week_rests_on_saturday_and_sunday():
    week = [MONDAY.replace(day=MONDAY.day + i) for i in range(7)]
    assert [is_rest_day(d) for d in week] == [False] * 5 + [True, True]


def test_the_window_asks_the_calendar(monkeypatch):
    """A swapped-in official calendar (a holiday on a Monday) is what the window follows."""
    holiday = date(2026, 10, 5)
    monkeypatch.setattr(followup, "is_rest_day", lambda day: day == holiday)
    assert in_follow_up_window(datetime(2026, 10, 5, 10, 0))
    assert not in_follow_up_window(datetime(2026, 10, 10, 10, 0))  # a Saturday made a working day (调休)


@pytest.mark.parametrize(
    "moment, inside",
    [
        (datetime(2026, 2, 14, 10, 0), False),  # 调休 Saturday: a working day, so only 17:30-18:00
        (datetime(2026, 2, 14, 17, 45), True),
        (datetime(2026, 2, 17, 10, 0), True),  # 春节, a Tuesday: any time in business hours
        (datetime(2026, 10, 5, 20, 59), True),  # 国庆 (补假), a Monday
        (datetime(2026, 10, 5, 21, 30), False),  # … but not after business hours
        (datetime(2026, 10, 5, 8, 0), False),  # … nor before
    ],
)
def test_the_window_follows_chinas_calendar(moment, inside):
    assert in_follow_up_window(moment.astimezone()) is inside


def test_rest_day_slots_use_the_business_hours_given():
    from callscript.core.when import BusinessHours

    sunday = datetime(2026, 3, 8, 9, 0).astimezone()
    assert in_follow_up_window(sunday)
    assert not in_follow_up_window(sunday, BusinessHours.parse("10:00-20:00"))


def test_the_next_slot_stays_inside_the_window():
    from callscript.core.followup import next_follow_up_slot, slot_on, window_closed

    first, last = date(2026, 3, 9), date(2026, 3, 12)  # Monday to Thursday
    before = next_follow_up_slot(datetime(2026, 3, 5, 10, 0).astimezone(), first, last)
    assert before is not None and (before.day, before.start.isoformat()) == (first, "17:30:00")
    evening = datetime(2026, 3, 12, 18, 0).astimezone()  # the last day, the window's end
    assert next_follow_up_slot(evening, first, last) is None and window_closed(evening, last)
    assert not window_closed(datetime(2026, 3, 12, 17, 59).astimezone(), last)
    weekend = slot_on(date(2026, 3, 14))
    assert weekend.rest_day and weekend.label == "周末"
    holiday = slot_on(date(2026, 10, 2))
    assert holiday.rest_day and holiday.label == "国庆节"
    assert slot_on(date(2026, 10, 10)).label == "调休上班"
