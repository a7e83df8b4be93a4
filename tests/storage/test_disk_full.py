"""The disk fills up during an import and during a call (issue 14, fault test).

A small file system is mounted for the database (tmpfs, 16 MB, then filled) when the test may mount (root,
as in CI; ``CALLSCRIPT_TEST_NO_MOUNT=1`` to try the other way); otherwise the child processes
run under ``RLIMIT_FSIZE``, which makes the database's
files unable to grow the same way (SQLite then reports a write error instead of "full"). The
import is all-or-nothing, every answer the store acknowledged survives, and what the user is
told says what happened.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from leads.helpers import csv_bytes

from callscript.storage import Store
from storage.helpers import lead_rows

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


class SmallDisk:
    """A directory where files cannot grow past a few megabytes, and a way to make room again."""

    def __init__(self, path: Path):
        self.path = path
        self.mounted = False
        self.limit: int | None = None

    def mount(self) -> SmallDisk:
        self.path.mkdir()
        if os.geteuid() == 0 and shutil.which("mount") and not os.environ.get("CALLSCRIPT_TEST_NO_MOUNT"):
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(self.path)],
                capture_output=True,
                check=False,
            )
            self.mounted = done.returncode == 0
        return self

    def fill(self, leave: int) -> None:
        """Take all the space but ``leave`` bytes (tmpfs), or cap every file's growth (rlimit)."""
        if self.mounted:
            free = shutil.disk_usage(self.path).free
            with open(self.path / "filler", "wb") as handle:
                handle.write(b"\0" * max(0, free - leave))
        else:
            biggest = max(p.stat().st_size for p in self.path.iterdir() if p.is_file())
            self.limit = biggest + leave

    def make_room(self) -> None:
        if self.mounted:
            (self.path / "filler").unlink(missing_ok=True)
        self.limit = None

    def run(self, args: list[str]) -> subprocess.CompletedProcess:
        limit = self.limit

        def limited() -> None:
            if limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        return subprocess.run(
            args, capture_output=True, text=True, cwd=TESTS, env=env, preexec_fn=limited, check=False, timeout=300
        )

    def unmount(self) -> None:
        if self.mounted:
            if subprocess.run(["umount", str(self.path)], capture_output=True, check=False).returncode != 0:
                subprocess.run(["umount", "-l", str(self.path)], capture_output=True, check=False)
            self.mounted = False


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path / "small").mount()
    try:
        yield disk
    finally:
        disk.unmount()


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_an_import_that_fills_the_disk_imports_nothing_and_says_so(small_disk, tmp_path):
    db = small_disk.path / "floor.db"
    with Store.open(db) as store:
        store.add_leads(lead_rows(20))
    rows = [["公司", "联系人", "电话", "备注"]]
    rows += [[f"公司{i:05d}有限公司", f"联系人{i}", f"139{i:08d}", "备注" * 40] for i in range(10_000)]
    source = tmp_path / "big.csv"
    source.write_bytes(csv_bytes(rows))
    small_disk.fill(leave=256 * 1024)
    result = small_disk.run([sys.executable, "-m", "callscript", "leads", "import", str(source), "--db", str(db)])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was imported" in result.stderr
    if small_disk.mounted:
        assert "the disk is full" in result.stderr
    small_disk.make_room()
    with Store.open(db) as store:
        assert store.count_leads() == 20  # all or nothing: nothing
    assert integrity(db) == "ok"
    done = small_disk.run([sys.executable, "-m", "callscript", "leads", "import", str(source), "--db", str(db)])
    if small_disk.mounted:  # with room made, the same import goes through whole
        assert done.returncode == 0, done.stderr
        with Store.open(db) as store:
            assert store.count_leads() == 10_020


def test_a_call_that_fills_the_disk_keeps_every_acknowledged_answer(small_disk):
    db = small_disk.path / "floor.db"
    with Store.open(db) as store:
        store.add_leads(lead_rows(3))
    small_disk.fill(leave=400 * 1024)
    result = small_disk.run([sys.executable, "-m", "storage.fault_child", str(db)])
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    acknowledged = outcome["acknowledged"]
    assert len(acknowledged) >= 2, outcome  # answers were saved before the disk filled
    assert outcome["code"] in ("disk_full", "io_error"), outcome
    if small_disk.mounted:
        assert outcome["code"] == "disk_full"
        assert "磁盘已满, 这一步没有保存" in outcome["said"]  # what the agent's app shows
    assert outcome["finish_failed"] is True  # the outcome could not be written either …
    small_disk.make_room()
    with Store.open(db) as store:  # … and nothing acknowledged was lost
        call_id = outcome["call_id"]
        stored = [e.seq for e in store.call_events(call_id)]
        assert stored[: len(acknowledged)] == acknowledged
        assert len(stored) in (len(acknowledged), len(acknowledged) + 1)  # at most the one in flight
        session = store.resume_call(call_id)  # the call carries on where it stopped
        assert len(session.events) == len(stored)
        store.finish_call(call_id, "busy")
        assert store.check().ok
    assert integrity(db) == "ok"
