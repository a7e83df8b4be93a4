"""Helpers for tests that run on both backends (tests/conftest.py's ``backend`` fixture)."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from callscript.config import is_database_url

BACKENDS = ("sqlite", "postgres")
"""The two storage backends a ``backend``-parametrised test runs on."""

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


def copy_of(location: Any, path: Any) -> Any:
    """A writable copy of the database at ``location``: ``shutil.copy`` to ``path`` for a file;
    for PostgreSQL a new database cloned from it (``CREATE DATABASE … TEMPLATE``) in the same
    cluster, its URL (``path`` then only names it)."""
    import re
    import shutil

    if not is_database_url(location):
        shutil.copy(location, path)
        return path
    import psycopg

    from callscript.config import DatabaseUrl

    url = str(location)
    source = re.search(r"/(\w+)\?", url).group(1)  # type: ignore[union-attr]
    name = f"{source}_copy_{next(_copies)}"
    admin = re.sub(r"^postgresql://\w+@/\w+", "postgresql://postgres@/postgres", url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {source} OWNER callscript".encode())
    return DatabaseUrl(url.replace(f"/{source}?", f"/{name}?"))


_copies = itertools.count(1)


def temporary_tables(store: Any) -> list[str]:
    """The store's connection's own temporary tables (the lead import's staging must leave none)."""
    if store.is_postgres:
        sql = "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'"
    else:
        sql = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    return [r[0] for r in store._tuples(sql)]
