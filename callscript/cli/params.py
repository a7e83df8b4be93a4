"""Click parameter types: every day, time, count, limit and number of hours the CLI takes.

Each type turns the text into a value at parse time, before a command opens a
database or writes a file, and a value it cannot use becomes click's usage error
(``Error: Invalid value for '--date': …``, exit 2) with the reason in words — never
a traceback from ``int()``, ``timedelta`` or SQLite further down. Days and times go
through :mod:`callscript.core.when`, the one grammar the app's boxes use too.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import click

from callscript import config
from callscript.core.when import BusinessHours, WhenError, parse_day, parse_moment

SQLITE_MAX_INT = 2**63 - 1
"""The largest row id SQLite stores; a bigger id cannot name a row."""


def _local_now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


class DayParam(click.ParamType):
    """A calendar day as a person types it (``2026-11-25``, ``11-25``, ``昨天``, ``-3``, ``周五`` …)."""

    name = "day"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return parse_day(str(value), _local_now().date())
        except WhenError as exc:
            self.fail(str(exc), param, ctx)


class MomentParam(click.ParamType):
    """A moment (``2026-11-25 15:00``, ``明天 10:00``, ``周五下午`` …), as aware local time.

    ``future``: read it forward from now and refuse the past (as the app's callback box does);
    ``business_hours``: refuse moments outside the configured business hours
    (``$CALLSCRIPT_BUSINESS_HOURS``, default 08:30–21:00) — for callback times.
    """

    name = "time"

    def __init__(self, *, future: bool = False, business_hours: bool = False) -> None:
        self.future = future
        self.business_hours = business_hours

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            hours: BusinessHours | None = config.business_hours() if self.business_hours else None
            return parse_moment(str(value), _local_now(), future=self.future, hours=hours)
        except WhenError as exc:
            self.fail(str(exc), param, ctx)


class Count(click.IntRange):
    """A whole number between ``min`` and ``max`` (both included), with the bounds in the message.

    click's own ``IntRange`` already refuses out-of-range numbers; this one always
    has an upper bound, so a count never reaches SQLite or ``timedelta`` too big for
    them, and says what a count is for (``--limit``: ``at most 100000 rows``).
    """

    name = "count"

    def __init__(self, min: int, max: int, unit: str = "") -> None:
        super().__init__(min=min, max=max)
        self.unit = unit

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and len(value.strip()) > 30:  # int() of a huge string is slow; no count is that long
            self.fail(f"{value[:20]}… is not a number between {self.min} and {self.max}", param, ctx)
        return super().convert(value, param, ctx)

    def _describe_range(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"from {self.min} to {self.max}{unit}"


class Amount(click.FloatRange):
    """A finite number between ``min`` and ``max`` (hours, days): ``nan`` and ``inf`` are refused."""

    name = "number"

    def __init__(self, min: float, max: float, unit: str = "") -> None:
        super().__init__(min=min, max=max)
        self.unit = unit

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number (give one {self._describe_range()})", param, ctx)
        return super().convert(number, param, ctx)

    def _describe_range(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"from {self.min:g} to {self.max:g}{unit}"


DAY = DayParam()
"""A day; today is the machine's local date when the command runs."""

ROW_ID = Count(1, SQLITE_MAX_INT)
"""A database id (a call, a lead)."""

LIMIT = Count(1, 100_000, "rows")
"""How many rows a listing prints."""

HOURS = Amount(0, 24 * 366, "hours")
"""How long (idle calls): up to a year."""

DAYS_BACK = Count(0, 3660, "days")
"""How far back a listing reaches (overdue follow-ups): up to ten years."""

SEED = Count(0, SQLITE_MAX_INT)
"""A random seed."""
