"""Time stamps as stored: ISO-8601 *local* time with seconds and the UTC offset.

``2025-11-25T20:10:05+08:00`` — readable in Datasette, the first ten characters
are the local calendar day the reports group by, and the offset keeps the value
unambiguous. Text comparison orders time stamps correctly as long as they share
one offset (one team, one time zone, no DST in China); see docs/storage.md.
Calendar days (mailings) are stored as ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date, datetime


def now_local() -> datetime:
    """The current local time, timezone-aware, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


def to_local(moment: datetime) -> datetime:
    """``moment`` as aware local time (a naive datetime is taken to be local already)."""
    return moment.astimezone().replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """Format a datetime for storage (``None`` stays ``None``)."""
    if moment is None:
        return None
    return to_local(moment).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    """Parse a stored time stamp back into an aware datetime."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.astimezone()


def iso_day(day: date | datetime | str) -> str:
    """A calendar day as ``YYYY-MM-DD`` (a datetime gives its local day)."""
    if isinstance(day, str):
        return date.fromisoformat(day[:10]).isoformat()
    if isinstance(day, datetime):
        return to_local(day).date().isoformat()
    return day.isoformat()


def parse_day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
