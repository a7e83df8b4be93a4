"""The app's clock: one callable returning aware local time, injectable for tests.

Snapshot tests pass a :class:`FixedClock` so the call timer and every "due" time
render the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, local, aware, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


class FixedClock:
    """A clock that stands still until moved (``advance``)."""

    def __init__(self, moment: datetime):
        if moment.tzinfo is None:
            moment = moment.astimezone()
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment = self.moment + timedelta(**delta)


def elapsed_text(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` past an hour) for the call timer."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"
