"""Helpers for tests that run on both backends (tests/conftest.py's ``backend`` fixture)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from callscript.config import is_database_url

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
"""For a test about the file itself (pages, PRAGMAs, the WAL, writing past the constraints):
it runs on SQLite alone rather than being collected for PostgreSQL and skipped."""

postgres_only = pytest.mark.parametrize("backend", ["postgres"])


@contextlib.contextmanager
def peek(location: Any) -> Iterator[Any]:
    """A second connection to the database, as another process would have: sees only what is
    committed. ``execute`` takes the app's ``?`` placeholders on both backends."""
    if is_database_url(location):
        from callscript.storage.backend import pg_connect

        conn: Any = pg_connect(str(location))
    else:
        conn = sqlite3.connect(location)
    try:
        yield conn
    finally:
        conn.close()
