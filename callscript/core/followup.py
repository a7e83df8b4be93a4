"""When a mail follow-up is due, and when a follow-up call may be made.

The seed (客户维护的时间安排): after materials are mailed, the follow-up call goes
7 to 10 days later, in the 17:30–18:00 window on working days, or at any time (in business
hours) on a rest day. Pure: no storage, no I/O.

*Rest day* is China's official calendar (:mod:`callscript.core.china_calendar`): public
holidays and their 调休 rest days are rest days, a Saturday made a working day (调休上班)
is a working day. :func:`is_rest_day` is the one hook everything here calls — the claim
queue (:func:`in_follow_up_window`), the due list's next slot (:func:`next_follow_up_slot`),
the mark a call gets when it starts inside a slot (storage) and the demo floor.

A follow-up's *window* is its days (:func:`follow_up_dates`: mailed + 7 … mailed + 10);
its *slots* are the times inside those days when the call may be made. Once the last slot
of the last day has passed the window is closed: :func:`next_follow_up_slot` says None
rather than suggest a time after it (the due list shows 窗口已过).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from callscript.core import china_calendar
from callscript.core.when import DEFAULT_BUSINESS_HOURS, BusinessHours

FOLLOW_UP_AFTER_DAYS = (7, 10)
"""A mail follow-up is due from 7 to 10 days after the materials were mailed (BRIEF)."""

FOLLOW_UP_WINDOW = (time(17, 30), time(18, 0))
"""On a working day, follow-up calls go between these times (start inclusive, end exclusive)."""


def is_rest_day(day: date) -> bool:
    """True for a day off in China's official calendar (:func:`callscript.core.china_calendar.is_rest_day`)."""
    return china_calendar.is_rest_day(day)


@dataclass(frozen=True, slots=True)
class FollowUpSlot:
    """A time a follow-up call may be made: one day's 17:30–18:00, or a rest day's business hours."""

    day: date
    start: time
    end: time
    rest_day: bool

    @property
    def label(self) -> str:
        """What kind of day: the festival (``国庆节``), ``周末``, ``调休上班`` or ``工作日``."""
        return china_calendar.day_label(self.day)

    def contains(self, moment: datetime) -> bool:
        """``moment`` is inside the slot (a working day's end is exclusive, business hours' end inclusive)."""
        if moment.date() != self.day:
            return False
        clock = moment.time().replace(tzinfo=None)
        return self.start <= clock <= self.end if self.rest_day else self.start <= clock < self.end

    def over_by(self, moment: datetime) -> bool:
        """The slot has passed at ``moment``."""
        if moment.date() != self.day:
            return moment.date() > self.day
        clock = moment.time().replace(tzinfo=None)
        return clock > self.end if self.rest_day else clock >= self.end


def slot_on(day: date, hours: BusinessHours = DEFAULT_BUSINESS_HOURS) -> FollowUpSlot:
    """The follow-up slot of ``day``: business hours on a rest day, else 17:30–18:00."""
    rest = is_rest_day(day)
    start, end = (hours.start, hours.end) if rest else FOLLOW_UP_WINDOW
    return FollowUpSlot(day, start, end, rest)


def in_follow_up_window(moment: datetime, hours: BusinessHours = DEFAULT_BUSINESS_HOURS) -> bool:
    """True when a follow-up call may be made now: business hours on a rest day, else 17:30–18:00."""
    return slot_on(moment.date(), hours).contains(moment)


def follow_up_dates(mailed_on: date) -> tuple[date, date]:
    """The first and last day of the follow-up window for materials mailed on ``mailed_on``."""
    first, last = FOLLOW_UP_AFTER_DAYS
    return mailed_on + timedelta(days=first), mailed_on + timedelta(days=last)


def next_follow_up_slot(
    now: datetime, first: date, last: date, hours: BusinessHours = DEFAULT_BUSINESS_HOURS
) -> FollowUpSlot | None:
    """The slot a follow-up due ``first``..``last`` should be called in, seen at ``now``: the
    current one if ``now`` is inside a slot, else the next one — never one after ``last``.
    None when the window has closed (its last slot is over)."""
    day = max(now.date(), first)
    while day <= last:
        slot = slot_on(day, hours)
        if not slot.over_by(now):
            return slot
        day += timedelta(days=1)
    return None


def window_closed(now: datetime, last: date, hours: BusinessHours = DEFAULT_BUSINESS_HOURS) -> bool:
    """The follow-up window ending on ``last`` has no slot left at ``now`` (窗口已过)."""
    return now.date() > last or slot_on(last, hours).over_by(now)
