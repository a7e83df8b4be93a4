"""Kill -9 the real app mid-call (a terminal, a process, a SQLite file); the call resumes
at the same node with the same facts, first on the storage API, then on the app's screen."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from callscript.storage import Store
from callscript.tui.screens.resume import ResumeScreen
from tui.conftest import CTRIP, LEADS
from tui.helpers import call_screen, keys, region_flat, screen_text, script_flat, settle

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """The app in a pseudo-terminal of 80×24; output is drained in the background."""

    def __init__(self, args: list[str], env: dict[str, str]):
        pid, fd = pty.fork()
        if pid == 0:  # child: a terminal of 80×24, then the app
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.chdir(ROOT)
            os.execvpe(sys.executable, [sys.executable, *args], env)
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait_for_text(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output:
            if time.monotonic() > deadline:
                tail = self.output[-2000:].decode(errors="replace")
                raise AssertionError(f"{text!r} never appeared; last output: {tail!r}")
            time.sleep(0.02)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        os.close(self.fd)


def wait_until(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def event_count(db_path: Path) -> int:
    with Store.open(db_path, create=False) as store:
        calls = store.unfinished_calls()
        return calls[0].events if calls else -1


@pytest.mark.slow
async def test_killed_mid_call_resumes_at_the_same_node(make_app, db_path, tmp_path):
    with Store.open(db_path) as store:
        for lead in LEADS:
            store.add_lead(**lead)
    env = {
        **os.environ,
        "CALLSCRIPT_CONFIG": str(tmp_path / "config.json"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CALLSCRIPT_DB", None)
    term = Terminal(["-m", "callscript", "--db", str(db_path), "--agent", "张三", "--script", str(CTRIP)], env)
    try:
        term.wait_for_text("新客户")  # the lead list is on screen
        term.send("\r")  # call the first lead
        wait_until(lambda: event_count(db_path) == 0)  # the call row exists
        term.wait_for_text("开场白")
        for expected, key in enumerate("113", start=1):  # 本人接听 · 方便 · 已经是携程会员
            term.send(key)
            wait_until(lambda count=expected: event_count(db_path) == count)  # committed before the next key
    finally:
        term.kill()  # mid-call: no outcome, no clean shutdown

    with Store.open(db_path) as store:
        [unfinished] = store.unfinished_calls("张三")
        session = store.resume_call(unfinished.call_id)
        assert session.node_id == "member_service"
        assert session.facts == {
            "reached": True,
            "via_receptionist": False,
            "is_member": True,
            "booking_method": "member",
            "books_self": True,
        }
        assert store.check().ok

    app = make_app(clock=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ResumeScreen)
        assert "深圳华强电子科技有限公司" in screen_text(app)
        await keys(pilot, "enter")
        screen = call_screen(app)
        assert screen.session.node_id == "member_service" and screen.session.facts == session.facts
        assert "已是会员:是" in region_flat(app, "#side")
        assert "十分感谢您对我们的信任和支持" in script_flat(app, "say")
        await keys(pilot, "1")  # and the call goes on from there
        assert screen.session.node_id == "member_card"
