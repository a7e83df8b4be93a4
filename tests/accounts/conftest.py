from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher

from callscript.core.access import system_actor
from callscript.storage import Store

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""argon2id with toy parameters: the rules are the same, the tests do not spend 0.16 s a check."""

T0 = datetime(2025, 11, 25, 10, 0, 0).astimezone()


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_location, clock):
    """A fresh store on each backend (tests/conftest.py: ``sqlite`` and ``postgres``)."""
    with Store.open(db_location, clock=clock, actor=system_actor("cli:test@host")) as s:
        yield s
