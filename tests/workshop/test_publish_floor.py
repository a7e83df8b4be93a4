"""Publishing to a running floor, with two processes: the agent's app (a child process running the
real CallscriptApp headless) is mid-call while this process replaces the script file — first by a
new valid version, then by an invalid one written by hand. The call finishes on its version, the next
call uses the new valid one, the invalid one is never loaded; the database says so."""

from __future__ import annotations

import hashlib
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from callscript.storage import Store
from callscript.workshop.publishing import publish_atomically
from workshop.conftest import MINI, ROOT

V1 = MINI.read_text(encoding="utf-8")
V2 = V1.replace("title: 小脚本", "title: 小脚本 第二版").replace("您一般住几星级的酒店?", "请问您一般住几星级的酒店?")
V3_BROKEN = V2.replace("title: 小脚本 第二版", "title: 小脚本 第三版").replace("next: star", "next: nowhere")
CHILD = Path(__file__).with_name("agent_child.py")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Child:
    """The agent app's process; its stdout lines arrive on a queue."""

    def __init__(self, *args: Path):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CALLSCRIPT_CONFIG": str(args[2])}
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), *map(str, args)],
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("<EOF>")

    def expect(self, prefix: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.fail(f"no line starting {prefix!r} within {timeout}s")
            self.seen.append(line)
            if line == "<EOF>":
                self.fail(f"the agent app ended before {prefix!r}")
            if line.startswith(prefix):
                return line

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def fail(self, why: str) -> None:
        self.proc.kill()
        _, err = self.proc.communicate(timeout=10)
        pytest.fail(f"{why}\nstdout so far: {self.seen}\nstderr: {err[-3000:]}")


@pytest.mark.slow
def test_agent_app_mid_call_keeps_its_version_next_call_takes_the_new_one_invalid_never_loads(tmp_path):
    script = tmp_path / "scripts" / "mini.yaml"
    script.parent.mkdir()
    script.write_text(V1, encoding="utf-8")
    db = tmp_path / "floor.db"
    with Store.open(db, synchronous="OFF") as store:
        store.add_lead("深圳华强电子科技有限公司", "0755-26881234", contact="王建国", industry="电子")
        store.add_lead("广州白云贸易有限公司", "13812345678", contact="李娜", industry="贸易")

    child = Child(script, db, tmp_path / "config.json")
    try:
        assert child.expect("CALL 1").split()[2] == sha(V1)

        # the supervisor publishes a new valid version (as the editor's Ctrl+S does) …
        publish_atomically(script, V2)
        notice = child.expect("NOTICE")
        assert "新版本话术已启用" in notice and sha(V2)[:8] in notice
        # … and then someone breaks the file by hand (in place, not atomically)
        script.write_text(V3_BROKEN, encoding="utf-8")
        notice = child.expect("NOTICE")
        assert "错误" in notice and "未启用" in notice and sha(V2)[:8] in notice

        child.send("go on")
        ended = child.expect("ENDED 1").split()
        assert ended[2] == sha(V1) and ended[3] == "mailed"  # the call in progress kept its version
        call2 = child.expect("CALL 2").split(maxsplit=3)
        assert call2[2] == sha(V2) and call2[3] == "小脚本 第二版"  # the next call: the new valid version
        assert child.expect("ENDED 2").split()[2] == sha(V2)
        child.expect("DONE")
        assert child.proc.wait(timeout=30) == 0
    finally:
        if child.proc.poll() is None:
            child.proc.kill()

    with Store.open(db) as store:
        rows = store.conn.execute(
            "SELECT c.id, s.sha256, s.title, c.outcome FROM calls c JOIN scripts s ON s.id = c.script_id ORDER BY c.id"
        ).fetchall()
        versions = [v.sha256 for v in store.script_versions()]
    assert [tuple(r) for r in rows] == [
        (1, sha(V1), "小脚本", "mailed"),
        (2, sha(V2), "小脚本 第二版", "invalid_number"),
    ]
    assert sha(V3_BROKEN) not in versions and versions == [sha(V1), sha(V2)]  # the broken text was never loaded
    notices = [line for line in child.seen if line.startswith("NOTICE")]
    assert sum("新版本话术已启用" in n for n in notices) == 1  # one notice per change, not one per poll
    assert sum("未启用" in n for n in notices) == 1
