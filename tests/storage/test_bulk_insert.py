"""Backend.bulk_insert, what the lead import stages its rows with: all of a batch or none of it,
and on SQLite without holding the database's write lock (agents keep writing while a list is
staged)."""

from __future__ import annotations

import sqlite3

import pytest

from callscript.storage import Store, db


def _scratch_table(store: Store) -> str:
    backend = store.backend
    table = f"{backend.temp_schema}.bulk_scratch"
    backend.execute("CREATE TEMPORARY TABLE bulk_scratch (n INTEGER NOT NULL)")
    return table


def test_a_batch_that_fails_part_way_leaves_none_of_its_rows(store):
    table = _scratch_table(store)
    store.backend.bulk_insert(table, ["n"], [(1,), (2,)])
    with pytest.raises(Exception):  # the backend's own error for a NOT NULL violation
        store.backend.bulk_insert(table, ["n"], [(3,), (4,), (None,), (5,)])
    assert sorted(store.backend.column(f"SELECT n FROM {table}")) == [1, 2]


def test_a_batch_inside_a_transaction_joins_it(store):
    table = _scratch_table(store)

    def work() -> None:
        store.backend.bulk_insert(table, ["n"], [(1,), (2,)])
        raise RuntimeError("roll it all back")

    with pytest.raises(RuntimeError):
        store._tx(work)
    assert store.backend.column(f"SELECT n FROM {table}") == []


def test_staging_on_sqlite_takes_no_write_lock(tmp_path):
    """The batch's transaction touches only the ``temp`` schema: another connection takes the
    write lock (without waiting) while it is open."""
    path = tmp_path / "callscript.db"
    with Store.open(path) as store:
        conn = store.backend.conn
        conn.execute("CREATE TEMPORARY TABLE bulk_scratch (n INTEGER NOT NULL)")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with db.scratch_batch(conn):
                conn.executemany("INSERT INTO temp.bulk_scratch VALUES (?)", [(1,), (2,)])
                assert conn.in_transaction
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE agents SET name = name")
                other.execute("COMMIT")
        finally:
            other.close()
        assert not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM temp.bulk_scratch").fetchone() == (2,)
