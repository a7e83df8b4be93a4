"""Callback times: the quick choices and what an agent may type (no Textual here).

Typed forms (all local time; a bare time that has passed today means tomorrow)::

    15:30   1530   15点   3点半 (1–7点 = 下午)   下午3点   上午10:30   晚上7点
    今天 16:00   明天 9:30   后天 10点   明天上午   明天下午
    11-28 10:00   11/28 10:00   2025-11-28 10:00
    30分钟后   2小时后   +30m   +2h   +1d
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

WEEKDAYS = "一二三四五六日"


class TimeParseError(ValueError):
    """The typed time could not be understood; the message is for the agent."""


@dataclass(frozen=True, slots=True)
class QuickChoice:
    key: str
    label: str
    due: datetime | None  # None: not offered now (e.g. "this afternoon" after 15:00)


AFTERNOON = time(15, 0)
MORNING = time(10, 0)


def _at(day: datetime, moment: time) -> datetime:
    return day.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)


def quick_choices(now: datetime) -> list[QuickChoice]:
    """The dialog's numbered choices, computed from ``now``."""
    in_hour = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    afternoon = _at(now, AFTERNOON)
    tomorrow = _at(now + timedelta(days=1), MORNING)
    return [
        QuickChoice("1", "一小时后", in_hour),
        QuickChoice("2", "今天下午", afternoon if afternoon > now + timedelta(minutes=10) else None),
        QuickChoice("3", "明天上午", tomorrow),
    ]


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


_RELATIVE = re.compile(r"^\+?\s*(\d+)\s*(m|min|分钟|分|h|小时|个小时|钟头|d|天)\s*(后|以后|之后)?$")
_DAY_WORDS = {"今天": 0, "今晚": 0, "明天": 1, "明早": 1, "明晚": 1, "后天": 2}
_PERIODS = {
    "上午": "am",
    "早上": "am",
    "早": "am",
    "中午": "noon",
    "下午": "pm",
    "傍晚": "eve",
    "晚上": "eve",
    "晚": "eve",
}
_PERIOD_DEFAULT = {"am": time(10, 0), "noon": time(12, 0), "pm": time(15, 0), "eve": time(19, 0)}
OFFICE_PM_HOURS = range(1, 8)
"""A bare 1–7 o'clock means the afternoon (nobody books a call for 3 a.m.)."""
_CLOCK = re.compile(r"^(\d{1,2})(?:[:：.](\d{2})|点(半|(\d{1,2})分?)?|时)?$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})$")
_DATE = re.compile(r"^(?:(\d{4})[-/年])?(\d{1,2})[-/月](\d{1,2})日?$")


def _clock(text: str, period: str | None) -> time:
    match = _COMPACT.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
    else:
        match = _CLOCK.match(text)
        if not match:
            raise TimeParseError(f"看不懂时间 “{text}”: 例如 15:30、3点半、明天 10:00")
        hour = int(match.group(1))
        if match.group(2):
            minute = int(match.group(2))
        elif match.group(3) == "半":
            minute = 30
        elif match.group(4):
            minute = int(match.group(4))
        else:
            minute = 0
    if (period in ("pm", "eve") and hour < 12) or (period is None and hour in OFFICE_PM_HOURS and not _COMPACT.match(text)) or (period == "noon" and hour < 6):
        hour += 12
    if hour > 23 or minute > 59:
        raise TimeParseError(f"没有这个时间: {text}")
    return time(hour, minute)


def parse_callback_time(text: str, now: datetime) -> datetime:
    """The moment ``text`` means, after ``now``; :class:`TimeParseError` otherwise."""
    raw = re.sub(r"\s+", " ", text.strip().replace("　", " "))
    if not raw:
        raise TimeParseError("请输入回电时间, 例如 15:30 或 明天 10:00")
    compact = raw.replace(" ", "")
    relative = _RELATIVE.match(compact.lower())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        if amount <= 0:
            raise TimeParseError("时间要在以后")
        delta = {"m": "minutes", "min": "minutes", "分钟": "minutes", "分": "minutes", "d": "days", "天": "days"}.get(
            unit, "hours"
        )
        return (now + timedelta(**{delta: amount})).replace(second=0, microsecond=0)

    day_offset: int | None = None
    day: datetime | None = None
    rest = compact
    for word, offset in _DAY_WORDS.items():
        if rest.startswith(word):
            day_offset, rest = offset, rest[len(word) :]
            if word in ("今晚", "明晚"):
                rest = "晚" + rest if rest else "晚"
            elif word == "明早":
                rest = "早" + rest if rest else "早"
            break
    else:
        # a date, separated from the time by a space (11-28 10:00) or glued to 日 (11月28日10点)
        parts = raw.split(" ", 1)
        date_text, time_text = (parts[0], parts[1].replace(" ", "")) if len(parts) == 2 else (raw, "")
        if not time_text and "日" in compact and not compact.endswith("日"):
            date_text, time_text = compact.split("日", 1)
        match = _DATE.match(date_text)
        if match:
            year = int(match.group(1)) if match.group(1) else now.year
            try:
                day = now.replace(year=year, month=int(match.group(2)), day=int(match.group(3)))
            except ValueError:
                raise TimeParseError(f"没有这一天: {date_text}") from None
            if not match.group(1) and day.date() < now.date():
                day = day.replace(year=now.year + 1)
            rest = time_text

    period: str | None = None
    for word, value in _PERIODS.items():
        if rest.startswith(word):
            period, rest = value, rest[len(word) :]
            break
    if rest:
        moment = _clock(rest, period)
    elif period is not None:
        moment = _PERIOD_DEFAULT[period]
    elif day is not None or day_offset not in (None, 0):
        moment = MORNING
    else:
        raise TimeParseError(f"看不懂时间 “{text}”: 例如 15:30、3点半、明天 10:00")

    if day is None:
        base = now + timedelta(days=day_offset or 0)
        due = _at(base, moment)
        if day_offset is None and due <= now:
            due += timedelta(days=1)  # a bare time that has passed: tomorrow
    else:
        due = _at(day, moment)
    if due <= now:
        raise TimeParseError(f"{describe(due, now)} 已经过去了")
    return due
