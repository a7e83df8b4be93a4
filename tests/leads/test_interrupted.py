"""An import killed with SIGKILL half-way leaves nothing written."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from callscript.storage import Store
from leads.helpers import ROOT, csv_bytes

pytestmark = pytest.mark.slow

ROWS = 30_000


def _file(tmp_path):
    path = tmp_path / "big.csv"
    rows = [["公司", "联系人", "电话", "行业"]]
    rows += [[f"测试公司{i}", f"联系人{i}", f"139 {i // 10000:04d} {i % 10000:04d}", "贸易"] for i in range(ROWS)]
    path.write_bytes(csv_bytes(rows, encoding="utf-8-sig"))
    return path


def _child(db, source, flag, mode):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.leads.import_child", str(db), str(source), str(flag), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _count(db) -> tuple[int, str]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM leads").fetchone()[0], conn.execute(
            "PRAGMA integrity_check"
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "leads.db"
    with Store.open(path) as store:
        store.add_lead("已有客户", "13800000001")
    return path


def test_killed_inside_the_transaction_leaves_nothing(tmp_path, db):
    source, flag = _file(tmp_path), tmp_path / "flag"
    child = _child(db, source, flag, "pause")
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() or not flag.read_text():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never reached the first batch"
            time.sleep(0.02)
        done, total = map(int, flag.read_text().split("/"))
        assert 0 < done < total == ROWS  # rows are in the (uncommitted) transaction
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert _count(db) == (1, "ok")
    # and the same file imports whole afterwards
    with Store.open(db) as store:
        from callscript.leads.importer import import_leads

        assert import_leads(store, source).imported == ROWS
    assert _count(db) == (ROWS + 1, "ok")


def test_killed_at_random_moments_all_or_nothing(tmp_path, db):
    source = _file(tmp_path)
    rng = random.Random(7)
    outcomes = []
    for _ in range(3):
        child = _child(db, source, tmp_path / "unused", "run")
        time.sleep(rng.uniform(0.3, 1.6))  # start-up, parsing or inserting
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        count, check = _count(db)
        assert check == "ok"
        assert count in (1, ROWS + 1), f"a partial import: {count - 1} of {ROWS} rows"
        outcomes.append(count)
        if count != 1:
            break
