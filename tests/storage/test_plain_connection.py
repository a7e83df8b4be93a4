"""The Store runs on the plain sqlite3 connection (callscript.storage.backend.SqliteBackend),
not sqlite-utils (docs/storage.md): what sqlite-utils used to give every statement still holds."""

from __future__ import annotations

import subprocess
import sys

import pytest

from callscript.storage import Store


def test_rows_are_dicts_by_column_name_and_a_repeated_name_keeps_both_values(tmp_path):
    with Store.open(tmp_path / "a.db") as store:
        rows = store.backend.rows("SELECT 1 AS id, 2 AS id, 3 AS id_2, 4 AS name")
    assert rows == [{"id": 1, "id_3": 2, "id_2": 3, "name": 4}]  # as sqlite-utils' dedupe_keys names them


@pytest.mark.parametrize("names", [["a"], ["id", "id"], ["id", "id", "id_2"], ["x", "x", "x", "x_2", "x_3"]])
def test_repeated_column_names_are_renamed_as_sqlite_utils_did(names):
    from sqlite_utils.utils import dedupe_keys

    from callscript.storage.backend import _column_keys

    assert _column_keys(names) == dedupe_keys(names)


def test_rows_refuses_a_statement_that_returns_none(tmp_path):
    with Store.open(tmp_path / "a.db") as store, pytest.raises(ValueError):
        store.backend.rows("CREATE TEMP TABLE t (x)")


def test_every_connection_has_recursive_triggers_on_as_sqlite_utils_set_it(tmp_path):
    with Store.open(tmp_path / "a.db") as store:
        assert store.conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_the_sqlite_utils_handle_wraps_the_same_connection_on_request(tmp_path):
    with Store.open(tmp_path / "a.db") as store:
        assert store.db.conn is store.conn
        assert "leads" in store.db.table_names() and store.db["leads"].count == 0


def test_opening_a_store_does_not_import_sqlite_utils(tmp_path):
    code = (
        "import sys\n"
        "from callscript.storage import Store\n"
        f"with Store.open({str(tmp_path / 'b.db')!r}) as store:\n"
        "    store.add_lead('测试公司', '0755-26880001')\n"
        "    assert store.backend.table_names()\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
