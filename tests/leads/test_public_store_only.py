"""``callscript/leads`` uses only the public ``Store`` API: no private attributes or the
connection of a store, no storage internals, and no SQL of its own (it lives in storage)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

LEADS = Path(__file__).resolve().parents[2] / "callscript" / "leads"
FILES = sorted(LEADS.glob("*.py"))

ALLOWED_STORAGE_MODULES = {"callscript.storage", "callscript.storage.records", "callscript.storage.timefmt"}
"""The facade, the records it returns, and the stored time format."""

SQL = re.compile(r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|BEGIN\b|ROLLBACK\b)", re.I | re.S)


def _store_names(tree: ast.AST) -> set[str]:
    """Names that hold a store here: ``store`` and any parameter annotated ``Store``."""
    names = {"store"}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None and "Store" in ast.unparse(node.annotation):
            names.add(node.arg)
    return names


def store_misuse(source: str) -> list[str]:
    """Every ``store._x`` / ``store.conn`` / ``store.db`` in ``source``, as ``line: text``."""
    tree = ast.parse(source)
    stores = _store_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            receiver = node.value
            held = (isinstance(receiver, ast.Name) and receiver.id in stores) or (
                isinstance(receiver, ast.Attribute) and receiver.attr in stores
            )
            if held and (node.attr.startswith("_") or node.attr in ("conn", "db")):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_check_catches_what_it_is_for():
    code = "def f(store, s: 'Store', x):\n    store._rows('x'); s.conn.execute('x'); x._y; self.store._tx(g)\n"
    assert sorted(line.split(": ")[1] for line in store_misuse(code)) == ["s.conn", "self.store._tx", "store._rows"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_private_store_access(path):
    assert store_misuse(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_only_the_storage_facade_is_imported(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    storage = {m for m in imported if m == "callscript.storage" or m.startswith("callscript.storage.")}
    assert storage <= ALLOWED_STORAGE_MODULES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_sql_in_leads(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings may talk about SQL
    texts = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]
    assert [t for t in texts if SQL.search(t)] == []
