"""callscript.core.followup: the follow-up dates, the window, and the calendar's one rule."""

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


def test_rest_days_are_saturday_and_sunday_for_now():
    week = [MONDAY.replace(day=MONDAY.day + i) for i in range(7)]
    assert [is_rest_day(d) for d in week] == [False] * 5 + [True, True]


def test_the_window_asks_the_calendar(monkeypatch):
    """A swapped-in official calendar (a holiday on a Monday) is what the window follows."""
    holiday = date(2026, 10, 5)
    monkeypatch.setattr(followup, "is_rest_day", lambda day: day == holiday)
    assert in_follow_up_window(datetime(2026, 10, 5, 10, 0))
    assert not in_follow_up_window(datetime(2026, 10, 10, 10, 0))  # a Saturday made a working day (调休)
