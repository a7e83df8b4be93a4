"""When a mail follow-up is due, and when a follow-up call may be made.

The seed (客户维护的时间安排): after materials are mailed, the follow-up call goes
7 to 10 days later, in the 17:30–18:00 window on working days, or at any time on a
rest day. Pure: no storage, no I/O.

*Rest day* is the one calendar rule here, :func:`is_rest_day`: for now Saturday and
Sunday. The brief (v2) asks for China's official calendar with its 调休 (a Saturday
that is a working day is a working day; public holidays are rest days). That change
replaces this one function; everything that asks whether a day is a rest day — the
claim queue (:func:`in_follow_up_window`), the due list's next slot
(``callscript.reports.due``) and the demo floor (``callscript.reports.demo``) — follows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

FOLLOW_UP_AFTER_DAYS = (7, 10)
"""A mail follow-up is due from 7 to 10 days after the materials were mailed (BRIEF)."""

FOLLOW_UP_WINDOW = (time(17, 30), time(18, 0))
"""On a working day, follow-up calls go between these times (start inclusive, end exclusive)."""


def is_rest_day(day: date) -> bool:
    """True for a day off (today: Saturday and Sunday). The calendar's one home; see the module docstring."""
    return day.weekday() >= 5


def in_follow_up_window(moment: datetime) -> bool:
    """True when a follow-up call may be made now: any time on a rest day, else 17:30–18:00."""
    if is_rest_day(moment.date()):
        return True
    start, end = FOLLOW_UP_WINDOW
    return start <= moment.time() < end


def follow_up_dates(mailed_on: date) -> tuple[date, date]:
    """The first and last day of the follow-up window for materials mailed on ``mailed_on``."""
    first, last = FOLLOW_UP_AFTER_DAYS
    return mailed_on + timedelta(days=first), mailed_on + timedelta(days=last)
