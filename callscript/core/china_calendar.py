"""China's official calendar: which days are rest days, which holiday a day belongs to,
and when the next holiday comes.

The BRIEF (v2): "weekend" and "holiday" mean China's official calendar with its 调休 — a
Saturday that is a working day is a working day, a Monday that is a holiday is a rest day.
Follow-up windows (:mod:`callscript.core.followup`), the due list, the demo floor and the
holiday greeting list all ask here.

**Source.** The ``holidays`` package (``holidays.China``, names in ``zh_CN``): the State
Council's published schedule — public holidays, 补假 and the weekend working days of 调休 —
for every year it has data for (2001–2026 in release 0.109), and for any year up to 2100 the
fixed and lunar holidays (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节) it computes,
with its own rule for a holiday on a weekend (补假 on the next working day). We chose it over
``chinese-calendar``, which has data for 2004–2026 only and raises ``NotImplementedError``
for 2027 or 2030 (see pyproject.toml).

**Read from a committed table, not the library.** Asking ``holidays.China`` imports all of the
library's ~250 country modules (~100 ms warm, most of a first start's compile time), on the
agent's way to the first call screen (the follow-up window asks whether today is a rest day).
So the library's answer for every year it covers (1950–2100) is generated into
:mod:`callscript.core.china_calendar_table` by :mod:`callscript.core.china_calendar_source`
(rerun it after upgrading ``holidays``; a test compares the two, year by year). Only a year
outside the table asks the library itself, importing it then.

**Years beyond the published data** (:func:`is_estimated`): the schedule is announced each
November for the next year, so a year after :func:`official_through` is *estimated*: the
library's computed holidays, Saturdays and Sundays as rest days, and no 调休 working
Saturday (nobody can know them yet). Everything that shows such a day says so
(:func:`estimate_note`); a newer ``holidays`` release, and the table generated again, bring
the real schedule.

Pure: no storage, no I/O. Each year is read once and cached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from callscript.core import china_calendar_table as table

FESTIVALS: tuple[str, ...] = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
"""The public holidays every year has, in calendar order (what ``--holiday`` takes)."""

ALIASES: dict[str, str] = {
    "新年": "元旦",
    "除夕": "春节",
    "农历除夕": "春节",
    "过年": "春节",
    "春节延长假期": "春节",
    "五一": "劳动节",
    "十一": "国庆节",
    "清明": "清明节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆": "国庆节",
    "劳动": "劳动节",
}
"""Other names people use for a festival (and the library's 除夕, which opens the 春节 break)."""

SEARCH_DAYS = 400
"""How far ahead :func:`next_holiday` and :func:`find_holiday` look (a year and a bit)."""

_REST_DAY_PREFIX = "休息日"
"""The library's name for a weekday off in exchange for a working weekend day (调休)."""


# --------------------------------------------------------------------------- the table, one year at a time


@dataclass(frozen=True, slots=True)
class _Year:
    names: dict[date, str]  # every day off the calendar names (holidays, 补假, 调休 rest days)
    working_weekend_days: frozenset[date]  # Saturdays / Sundays that are working days (调休)


@cache
def _year(year: int) -> _Year:
    if table.FIRST_YEAR <= year <= table.LAST_YEAR:
        names = {_day(year, entry): entry[5:] for entry in table.DAYS_OFF[year]}
        working = frozenset(_day(year, entry) for entry in table.WORKING_WEEKEND_DAYS.get(year, ()))
        return _Year(names, working)
    from callscript.core.china_calendar_source import library_year  # imports the library: see the module docstring

    return _Year(*library_year(year))


def _day(year: int, entry: str) -> date:
    """The date of a table entry (``MMDD`` first)."""
    return date(year, int(entry[:2]), int(entry[2:4]))


def official_through() -> int:
    """The last year whose official schedule (with its 调休) the calendar has."""
    return table.OFFICIAL_THROUGH


def _official_from() -> int:
    return table.OFFICIAL_FROM


def is_estimated(day_or_year: date | int) -> bool:
    """True for a year the library has no published schedule for (see the module docstring)."""
    year = day_or_year if isinstance(day_or_year, int) else day_or_year.year
    return not _official_from() <= year <= official_through()


def estimate_note(day_or_year: date | int) -> str | None:
    """What to tell a person about an estimated year (None for a year with the official schedule)."""
    year = day_or_year if isinstance(day_or_year, int) else day_or_year.year
    if not is_estimated(year):
        return None
    return f"{year}年的放假安排还没有收录: 节日按公历/农历推算, 周六周日休息, 没有调休上班日。"


# --------------------------------------------------------------------------- one day


def is_rest_day(day: date) -> bool:
    """A day off: a public holiday, its 补假 or 调休 rest day, or a weekend day that is not a 调休 working day."""
    year = _year(day.year)
    if day in year.names:
        return True
    if day in year.working_weekend_days:
        return False
    return day.weekday() >= 5


def is_working_day(day: date) -> bool:
    return not is_rest_day(day)


def is_adjusted_working_day(day: date) -> bool:
    """A Saturday or Sunday that is a working day (调休上班)."""
    return day in _year(day.year).working_weekend_days


def holiday_name(day: date) -> str | None:
    """The calendar's name for a day off: ``国庆节``, ``春节（补假）``, ``休息日（由 2026-02-14 调休）``;
    None for a working day or a plain weekend."""
    return _year(day.year).names.get(day)


def festival_of(day: date) -> str | None:
    """The festival a named day off belongs to by its own name (``春节（补假）`` → 春节, 除夕 → 春节);
    None for a 调休 rest day (it belongs to the break around it) and for days without a name."""
    name = holiday_name(day)
    if name is None or name.startswith(_REST_DAY_PREFIX):
        return None
    base = name.split("（", 1)[0].strip()
    return ALIASES.get(base, base)


def day_label(day: date) -> str:
    """How a day reads beside a time slot: the festival (``国庆节``), ``调休上班``, ``周末`` or ``工作日``."""
    if is_rest_day(day):
        return _break_name(day) or "周末"
    return "调休上班" if is_adjusted_working_day(day) else "工作日"


# --------------------------------------------------------------------------- breaks (consecutive days off around a festival)


@dataclass(frozen=True, slots=True)
class Holiday:
    """A holiday break: the consecutive rest days around one or more festivals
    (国庆节 2026: 10-01 to 10-07, with the weekend and the 调休 days)."""

    names: tuple[str, ...]
    first: date
    last: date
    estimated: bool

    @property
    def name(self) -> str:
        return "、".join(self.names)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def describe(self) -> str:
        """``国庆节 10-01 至 10-07 (7天)`` (``(推算)`` when estimated)."""
        span = f"{self.first:%m-%d}" if self.first == self.last else f"{self.first:%m-%d} 至 {self.last:%m-%d}"
        return f"{self.name} {span} ({self.days}天)" + (" (推算)" if self.estimated else "")


def _break_around(day: date) -> Holiday | None:
    """The break ``day`` is in (None when it is a working day or a weekend with no festival in it)."""
    if not is_rest_day(day):
        return None
    first = last = day
    while is_rest_day(first - timedelta(days=1)):
        first -= timedelta(days=1)
    while is_rest_day(last + timedelta(days=1)):
        last += timedelta(days=1)
    names: list[str] = []
    estimated = False
    current = first
    while current <= last:
        festival = festival_of(current)
        if festival is not None and festival not in names:
            names.append(festival)
        estimated = estimated or is_estimated(current)
        current += timedelta(days=1)
    if not names:
        return None
    return Holiday(tuple(names), first, last, estimated)


def _break_name(day: date) -> str | None:
    found = _break_around(day)
    return found.name if found else None


def holidays_from(day: date, *, days: int = SEARCH_DAYS) -> Iterator[Holiday]:
    """Holiday breaks that end on or after ``day``, in order, looking ``days`` ahead."""
    current, end = day, day + timedelta(days=days)
    while current <= end:
        found = _break_around(current)
        if found is not None:
            yield found
            current = found.last + timedelta(days=1)
        else:
            current += timedelta(days=1)


def holidays_between(start: date, end: date) -> list[Holiday]:
    """Breaks overlapping ``start``..``end`` (both included)."""
    return [h for h in holidays_from(start, days=(end - start).days) if h.first <= end]


def next_holiday(day: date) -> Holiday | None:
    """The break ``day`` is in, else the next one."""
    return next(holidays_from(day), None)


def resolve_festival(name: str) -> str | None:
    """A festival's name as :data:`FESTIVALS` spells it (``国庆`` → 国庆节, ``五一`` → 劳动节); None if unknown."""
    text = name.strip()
    for candidate in (text, ALIASES.get(text), text + "节"):
        if candidate in FESTIVALS:
            return candidate
    return None


def find_holiday(name: str, today: date) -> Holiday | None:
    """The next break (or the current one) that holds the festival ``name`` (see :func:`resolve_festival`)."""
    festival = resolve_festival(name)
    if festival is None:
        return None
    return next((h for h in holidays_from(today) if festival in h.names), None)
