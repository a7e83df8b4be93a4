"""Days and times as people type them: one grammar for the app's boxes and the command line.

Pure (no clock, no I/O): callers pass ``today`` or ``now``. Every error is a
:class:`WhenError` whose message is for a person (Chinese, with examples), so the
agent's time box and the CLI can show it as it is; nothing else escapes, whatever
the text (huge numbers, year 1, control characters).

Days (:func:`parse_day`)::

    2026-11-25  2026/11/25  2026.11.25  20261125  2026年11月25日
    11-25  11/25  11.25  11月25日          (this year)
    今天 明天 后天 大后天 昨天 前天 大前天  today tomorrow yesterday
    -3  +3                                (three days ago / from now)
    周五 星期五 礼拜五 这周五              (this week, Monday to Sunday)
    下周一 下下周一 上周五                 (next / the week after / last week)

A day as :func:`describe` shows it (``11-28 (周五)``) reads back too; the weekday
must then be the date's.

Moments (:func:`parse_moment`): a day (any form above except ``±N`` and ``11.25``,
which is 11:25 there), a half-day word, a clock — each optional, in that order —
or a span from now::

    15:30  15.30  1530  15点  3点半  3点一刻  十点  下午3点  上午10:30  晚上7点  0:30
    今天 16:00  明天 9:30  明天下午3点  后天 10点  明天上午  今晚  明早
    周五下午  星期五 10:00  下周一上午  11-28 10:00  11月28日10点  2026-11-28T10:00[:00][+08:00]
    30分钟后  半小时后  一个半小时后  2小时后  两个小时后  1.5小时后  2小时30分后  一刻钟后  3天后
    +30m  +2h  +1d

Rules (callbacks, ``future=True``):

* A bare 1–7 o'clock (``3点``, ``3:30``) is the afternoon: nobody books a call for 3 a.m.
  A zero-padded hour (``03:30``, ``0330``) is taken as written.
* Half-day words alone mean :data:`MORNING` 10:00 (上午/早上), :data:`NOON` 12:00 (中午),
  :data:`AFTERNOON` 15:00 (下午) and :data:`EVENING` 19:00 (晚上/傍晚); a day alone means 10:00.
* A bare time (no day) that has passed today means tomorrow; ``周五`` that has passed this
  week means next week's; ``11-25`` that has passed this year means next year's.
  A day given outright (``今天 9:00``, ``2026-11-25``) that has passed is an error.
* A moment outside business hours (:data:`DEFAULT_BUSINESS_HOURS`, 08:30–21:00; callers may
  pass others) is refused, so ``0:30`` never quietly becomes tomorrow 00:30.

Supported years: :data:`FIRST_DAY` to :data:`LAST_DAY` (local time is reliable from 1970 on
every platform; beyond 2999 nothing on a sales floor is meant).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from callscript.core.numerals import NumeralError, parse_int

WEEKDAYS = "一二三四五六日"
"""Weekday names as in 周一…周日, Monday first (``date.weekday()`` order)."""

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)

MORNING = time(10, 0)
NOON = time(12, 0)
AFTERNOON = time(15, 0)
EVENING = time(19, 0)

MAX_TEXT = 64
"""Longer input is not a date a person typed; refuse it before any pattern looks at it."""

OFFICE_PM_HOURS = range(1, 8)
"""A bare 1–7 o'clock means the afternoon (nobody books a call for 3 a.m.)."""

DAY_EXAMPLES = "例如 2026-11-25、11-25、20261125、今天、昨天、-3、周五"
MOMENT_EXAMPLES = "例如 15:30、3点半、明天 10:00、周五下午、半小时后"


class WhenError(ValueError):
    """The text is not a day or time we understand; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """The part of the day callbacks may be booked in (both ends included)."""

    start: time = time(8, 30)
    end: time = time(21, 0)

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise WhenError(f"上班时间的开始要早于结束: {self}")

    def __contains__(self, moment: object) -> bool:
        if isinstance(moment, datetime):
            moment = moment.time()
        if not isinstance(moment, time):
            return False
        return self.start <= moment.replace(tzinfo=None) <= self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @classmethod
    def parse(cls, text: str) -> BusinessHours:
        """``08:30-21:00`` (also with ``–``, ``~`` or ``至``)."""
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*(?:-|–|~|至)\s*(\d{1,2}):(\d{2})", _normalize(text))
        if not match:
            raise WhenError(f"看不懂上班时间 “{text}”: 例如 08:30-21:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise WhenError(f"没有这个时间: {text}")
        return cls(time(h1, m1), time(h2, m2))


DEFAULT_BUSINESS_HOURS = BusinessHours()


@dataclass(frozen=True, slots=True)
class QuickChoice:
    key: str
    label: str
    due: datetime | None  # None: not offered now (e.g. "this afternoon" after 15:00)


# --------------------------------------------------------------------------- numbers

_CN = "零〇一二两三四五六七八九十"
_NUM = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"


def _number(text: str) -> int:
    """``15``, ``十五``, ``二十三``, ``两``: 0–99 (the patterns never pass longer text)."""
    try:
        return parse_int(text)
    except NumeralError as exc:
        raise WhenError(str(exc)) from None


# --------------------------------------------------------------------------- text


def _normalize(text: str) -> str:
    """Full-width digits and punctuation (an input method's ``１５：３０``) become ASCII."""
    if not isinstance(text, str):
        raise WhenError("请输入日期或时间")
    if len(text) > MAX_TEXT:
        raise WhenError(f"太长了 ({len(text)} 个字), 不像是日期或时间")
    value = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", value)


def _checked_day(year: int, month: int, day: int, shown: str) -> date:
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise WhenError(f"年份 {year} 超出范围 ({FIRST_DAY.year}–{LAST_DAY.year})")
    try:
        return date(year, month, day)
    except ValueError:
        raise WhenError(f"没有这一天: {shown}") from None


def _in_range(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise WhenError(f"日期超出范围 ({FIRST_DAY.year}–{LAST_DAY.year} 年)")
    return day


def _shift(day: date, days: int) -> date:
    """``day`` + ``days``, or a WhenError when that leaves the supported years."""
    if abs(days) > (LAST_DAY - FIRST_DAY).days:
        raise WhenError(f"日期超出范围 ({FIRST_DAY.year}–{LAST_DAY.year} 年)")
    try:
        return _in_range(day + timedelta(days=days))
    except OverflowError:
        raise WhenError(f"日期超出范围 ({FIRST_DAY.year}–{LAST_DAY.year} 年)") from None


# --------------------------------------------------------------------------- days

_DAY_WORDS: tuple[tuple[str, int], ...] = (
    ("大后天", 3),
    ("大前天", -3),
    ("今天", 0),
    ("明天", 1),
    ("后天", 2),
    ("昨天", -1),
    ("前天", -2),
    ("tomorrow", 1),
    ("yesterday", -1),
    ("today", 0),
)
_DAY_PERIOD_WORDS: tuple[tuple[str, int, str], ...] = (
    ("今晚", 0, "eve"),
    ("今早", 0, "am"),
    ("明早", 1, "am"),
    ("明晚", 1, "eve"),
)
_WEEKDAY = re.compile(r"(下下|下|上|这|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
_WEEK_SHIFT = {None: 0, "这": 0, "本": 0, "上": -1, "下": 1, "下下": 2}
_YMD = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})(?!\d)|年(\d{1,2})月(\d{1,2})[日号]?)")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})(?!\d)")
_MD = re.compile(r"(\d{1,2})(?:([-/])(\d{1,2})(?!\d)|月(\d{1,2})[日号]?)")
_DOT_MD = re.compile(r"(\d{1,2})\.(\d{1,2})")
_SHOWN_WEEKDAY = re.compile(r" ?\((?:周|星期)([一二三四五六日天])\)")


@dataclass(frozen=True, slots=True)
class _Day:
    day: date
    rest: str
    period: str | None = None  # 今晚, 明早: the word carries a half-day


def _weekday_index(char: str) -> int:
    if char.isdigit():
        return int(char) - 1
    return 6 if char == "天" else WEEKDAYS.index(char)


def _day_prefix(text: str, today: date, *, future: bool) -> _Day | None:
    """The day ``text`` starts with and what follows, or None when it starts with no day."""
    for word, offset, period in _DAY_PERIOD_WORDS:
        if text.startswith(word):
            return _Day(_shift(today, offset), text[len(word) :], period)
    for word, offset in _DAY_WORDS:
        if text.startswith(word):
            return _Day(_shift(today, offset), text[len(word) :])
    match = _WEEKDAY.match(text)
    if match:
        qualifier, name = match.group(1), match.group(2)
        monday = today - timedelta(days=today.weekday())
        day = _shift(monday, 7 * _WEEK_SHIFT[qualifier] + _weekday_index(name))
        if future and qualifier is None and day < today:
            day = _shift(day, 7)
        return _Day(day, text[match.end() :])
    match = _YMD.match(text)
    if match:
        year = int(match.group(1))
        month, dom = (match.group(3), match.group(4)) if match.group(2) else (match.group(5), match.group(6))
        day = _checked_day(year, int(month), int(dom), match.group(0))
        return _Day(day, _shown_weekday(text[match.end() :], day))
    match = _COMPACT_DAY.match(text)
    if match:
        year, month, dom = (int(g) for g in match.groups())
        day = _checked_day(year, month, dom, match.group(0))
        return _Day(day, _shown_weekday(text[match.end() :], day))
    match = _MD.match(text)
    if match:
        month, dom = int(match.group(1)), int(match.group(3) or match.group(4))
        day = _checked_day(today.year, month, dom, match.group(0))
        if future and day < today:
            day = _checked_day(today.year + 1, month, dom, match.group(0))
        return _Day(day, _shown_weekday(text[match.end() :], day))
    return None


def _shown_weekday(rest: str, day: date) -> str:
    """Drop a ``(周五)`` after a date (as :func:`describe` shows it), if it is that date's weekday."""
    match = _SHOWN_WEEKDAY.match(rest)
    if not match:
        return rest
    if _weekday_index(match.group(1)) != day.weekday():
        raise WhenError(f"{day:%m-%d} 是周{WEEKDAYS[day.weekday()]}, 不是周{match.group(1)}")
    return rest[match.end() :]


def parse_day(text: str, today: date) -> date:
    """The calendar day ``text`` names (see the module docstring), or :class:`WhenError`."""
    value = _normalize(text)
    if not value:
        raise WhenError(f"请输入日期, {DAY_EXAMPLES}")
    offset = re.fullmatch(r"([+-])(\d{1,9})", value)
    if offset:
        days = int(offset.group(2))
        return _shift(today, -days if offset.group(1) == "-" else days)
    dotted = _DOT_MD.fullmatch(value)
    if dotted:
        return _checked_day(today.year, int(dotted.group(1)), int(dotted.group(2)), value)
    found = _day_prefix(value, today, future=False)
    if found is None or found.rest.strip() or found.period:
        raise WhenError(f"看不懂日期 “{text.strip()}”: {DAY_EXAMPLES}")
    return _in_range(found.day)


# --------------------------------------------------------------------------- moments

_PERIODS: tuple[tuple[str, str], ...] = (
    ("上午", "am"),
    ("早上", "am"),
    ("早晨", "am"),
    ("早", "am"),
    ("中午", "noon"),
    ("下午", "pm"),
    ("傍晚", "eve"),
    ("晚上", "eve"),
    ("晚", "eve"),
)
_PERIOD_DEFAULT = {"am": MORNING, "noon": NOON, "pm": AFTERNOON, "eve": EVENING}

_CLOCK_COLON = re.compile(
    r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?(?P<tz>z|[+-]\d{2}:?\d{2})?",
)
_CLOCK_COMPACT = re.compile(r"(?P<h>\d{2})(?P<m>\d{2})")
_CLOCK_WORDS = re.compile(
    rf"(?P<h>{_NUM})(?:点钟?|时)(?:(?P<half>半)|(?P<quarter>一刻|三刻)|(?P<m>{_NUM})分?)?",
)
_CLOCK_HOUR = re.compile(r"(?P<h>\d{1,2})")

_REL_UNITS = {
    "小时": "hours",
    "钟头": "hours",
    "h": "hours",
    "hr": "hours",
    "hour": "hours",
    "hours": "hours",
    "分钟": "minutes",
    "分": "minutes",
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "天": "days",
    "d": "days",
    "day": "days",
    "days": "days",
}
_RELATIVE = re.compile(
    r"\+?(?:(?P<n>\d{1,6}(?:\.\d{1,2})?|[" + _CN + r"]{1,3})(?P<ge>个)?)?(?P<half>半)?"
    r"(?P<unit>小时|钟头|分钟|分|天|hours?|hr|minutes?|mins?|days?|h|m|d)"
    r"(?:(?P<n2>" + _NUM + r")(?:分钟|分|m|min))?"
    r"(?:后|以后|之后)?",
)
_QUARTERS = re.compile(r"(?P<n>[一三]|[13])刻钟?(?:后|以后|之后)?")


def _relative(text: str) -> timedelta | None:
    """A span from now (``2小时后``, ``半小时后``, ``+30m``), or None when ``text`` is not one."""
    quarters = _QUARTERS.fullmatch(text)
    if quarters:
        return timedelta(minutes=15 * _number(quarters.group("n")))
    match = _RELATIVE.fullmatch(text)
    if not match or (match.group("n") is None and match.group("half") is None):
        return None
    unit = _REL_UNITS[match.group("unit")]
    if match.group("ge") and unit != "hours":  # 两个小时, 一个半小时; not 两个分钟
        return None
    if match.group("half") and unit != "hours":
        return None
    if match.group("n2") and unit != "hours":
        return None
    amount_text = match.group("n")
    if amount_text is None:
        amount = 0.0
    elif amount_text[0].isdigit():
        amount = float(amount_text)
    else:
        amount = float(_number(amount_text))
    if match.group("half"):
        amount += 0.5
    minutes = amount * {"minutes": 1, "hours": 60, "days": 24 * 60}[unit]
    if match.group("n2"):
        minutes += _number(match.group("n2"))
    return timedelta(minutes=round(minutes))


def _clock(text: str, period: str | None) -> tuple[time, timezone | None]:
    """``15:30``, ``3点半``, ``十点`` … as a time of day (with a UTC offset only when written)."""
    tz: timezone | None = None
    second = 0
    padded = False
    match = _CLOCK_COLON.fullmatch(text)
    if match:
        hour, minute = int(match.group("h")), int(match.group("m"))
        padded = len(match.group("h")) == 2 and match.group("h").startswith("0")
        if match.group("s"):
            second = int(match.group("s"))
        if match.group("tz"):
            tz = _offset(match.group("tz"))
    elif (match := _CLOCK_COMPACT.fullmatch(text)) is not None:
        hour, minute = int(match.group("h")), int(match.group("m"))
        padded = True  # 1530, 0830: always the 24-hour clock
    elif (match := _CLOCK_WORDS.fullmatch(text)) is not None:
        hour = _number(match.group("h"))
        if match.group("half"):
            minute = 30
        elif match.group("quarter"):
            minute = 15 if match.group("quarter") == "一刻" else 45
        elif match.group("m"):
            minute = _number(match.group("m"))
        else:
            minute = 0
    elif (match := _CLOCK_HOUR.fullmatch(text)) is not None:
        hour, minute = int(match.group("h")), 0
        padded = len(match.group("h")) == 2 and match.group("h").startswith("0")
    else:
        raise WhenError(f"看不懂时间 “{text}”: {MOMENT_EXAMPLES}")
    if hour > 23 or minute > 59 or second > 59:
        raise WhenError(f"没有这个时间: {text}")
    if period == "am" and hour > 12:
        raise WhenError(f"上午没有 {hour} 点")
    if period in ("pm", "eve") and hour < 12:
        hour += 12
    elif period == "eve" and hour == 12:
        hour = 0
    elif (period == "noon" and hour < 6) or (period is None and hour in OFFICE_PM_HOURS and not padded):
        hour += 12
    return time(hour, minute, second), tz


def _offset(text: str) -> timezone:
    if text == "z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise WhenError(f"没有这个时区: {text}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _period(text: str) -> tuple[str | None, str]:
    for word, value in _PERIODS:
        if text.startswith(word):
            return value, text[len(word) :]
    return None, text


def parse_moment(
    text: str,
    now: datetime,
    *,
    future: bool = True,
    hours: BusinessHours | None = DEFAULT_BUSINESS_HOURS,
) -> datetime:
    """The moment ``text`` names, in ``now``'s time zone, to the minute (seconds only when written).

    ``future=True`` (a callback): read forward from ``now`` (see the module docstring) and
    refuse what has passed. ``future=False`` (``report due --at``): take the text as written.
    ``hours``: refuse moments outside them (None: any time of day).
    """
    value = _normalize(text)
    if not value:
        raise WhenError(f"请输入时间, {MOMENT_EXAMPLES}")
    try:
        return _parse_moment(text, value, now, future=future, hours=hours)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, WhenError):
            raise
        raise WhenError(f"时间超出范围: {text.strip()}") from None


def _parse_moment(text: str, value: str, now: datetime, *, future: bool, hours: BusinessHours | None) -> datetime:
    span = _relative(value.replace(" ", ""))
    if span is not None:
        if span <= timedelta(0):
            raise WhenError("时间要在以后")
        if span > LAST_DAY - FIRST_DAY:
            raise WhenError(f"时间超出范围: {text.strip()}")
        due = (now + span).replace(second=0, microsecond=0)
        return _finish(due, now, future=future, hours=hours)

    found = _day_prefix(value, now.date(), future=future)
    rest = value if found is None else found.rest
    rest = rest[1:] if rest.startswith(("t", " ")) and found is not None else rest
    period = found.period if found is not None else None
    rest = rest.replace(" ", "")
    if period is None:
        period, rest = _period(rest)
    tz: timezone | None = None
    if rest:
        moment, tz = _clock(rest, period)
    elif period is not None:
        moment = _PERIOD_DEFAULT[period]
    elif found is not None:
        moment = MORNING
    else:
        raise WhenError(f"看不懂时间 “{text.strip()}”: {MOMENT_EXAMPLES}")

    day = now.date() if found is None else _in_range(found.day)
    if tz is not None:
        due = datetime.combine(day, moment, tzinfo=tz)
        due = due.astimezone(now.tzinfo) if now.tzinfo is not None else due.replace(tzinfo=None)
    else:
        due = datetime.combine(day, moment, tzinfo=now.tzinfo)
    if future and found is None and due <= now:
        due = due + timedelta(days=1)  # a bare time that has passed: tomorrow
    return _finish(due, now, future=future, hours=hours)


def _finish(due: datetime, now: datetime, *, future: bool, hours: BusinessHours | None) -> datetime:
    _in_range(due.date())
    if hours is not None and due not in hours:
        raise WhenError(f"{due:%H:%M} 不在上班时间 ({hours}), 请换个时间")
    if future and due <= now:
        raise WhenError(f"{describe(due, now)} 已经过去了")
    return due


# --------------------------------------------------------------------------- showing


def describe(due: datetime, now: datetime) -> str:
    """A due time as an agent says it: 今天 15:00 · 明天 10:00 · 11-28 (周五) 10:00."""
    days = (due.date() - now.date()).days
    clock = due.strftime("%H:%M")
    if days == 0:
        return f"今天 {clock}"
    if days == 1:
        return f"明天 {clock}"
    if days == 2:
        return f"后天 {clock}"
    prefix = due.strftime("%m-%d") if due.year == now.year else due.strftime("%Y-%m-%d")
    return f"{prefix} (周{WEEKDAYS[due.weekday()]}) {clock}"


def quick_choices(now: datetime, hours: BusinessHours | None = DEFAULT_BUSINESS_HOURS) -> list[QuickChoice]:
    """The callback dialog's numbered choices from ``now``; a choice outside ``hours`` is not offered."""

    def offered(due: datetime, after: datetime) -> datetime | None:
        if due <= after or (hours is not None and due not in hours):
            return None
        return due

    in_hour = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    afternoon = datetime.combine(now.date(), AFTERNOON, tzinfo=now.tzinfo)
    tomorrow = datetime.combine(now.date() + timedelta(days=1), MORNING, tzinfo=now.tzinfo)
    return [
        QuickChoice("1", "一小时后", offered(in_hour, now)),
        QuickChoice("2", "今天下午", offered(afternoon, now + timedelta(minutes=10))),
        QuickChoice("3", "明天上午", offered(tomorrow, now)),
    ]
