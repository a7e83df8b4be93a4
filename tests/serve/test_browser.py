"""A real browser on the floor server: headless Chromium (Debian's ``chromium``) driven by
Playwright opens ``callscript serve`` on a free port, logs in, answers a whole call with key
presses through to 寄资料, and the rows are checked in the database.

Every request the page makes is recorded: all of them (the websocket too) go to the server.
What the app draws is followed in the websocket's frames (the terminal output, UTF-8), so
the test types only when the screen it types into is showing. A screenshot of the summary
card is saved in the test's tmp dir.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from callscript.storage import Store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "b1-Mailed-ok"
FAILED_SHOT: Path | None = None
"""Where a screenshot goes when the test times out waiting (set per test)."""

pytestmark = pytest.mark.slow


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI needs Debian's chromium (.ci/run installs it): apt-get install chromium fonts-wqy-zenhei")
    pytest.skip("no /usr/bin/chromium here (apt-get install chromium fonts-wqy-zenhei)")


class Server:
    """``callscript serve --port 0`` in a child process; its address read from its first line."""

    def __init__(self, db_path: Path, tmp_path: Path):
        env = {**os.environ, "CALLSCRIPT_CONFIG": str(tmp_path / "config.json"), "PYTHONUNBUFFERED": "1"}
        env.pop("CALLSCRIPT_REMOTE_ADDR", None)
        self.log = tmp_path / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callscript", "--db", str(db_path), "serve", "--port", "0"]
            + ["--script", str(ROOT / "scripts" / "ctrip.yaml")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while not any("http://" in line for line in self.lines):
            assert self.process.poll() is None, "serve exited:\n" + "".join(self.lines)
            assert time.monotonic() < deadline, "serve did not start:\n" + "".join(self.lines)
            time.sleep(0.05)
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", "".join(self.lines))
        assert match is not None
        self.port = int(match.group(1))
        self.base = f"http://127.0.0.1:{self.port}/"

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("w", encoding="utf-8") as log:
            for raw in self.process.stdout:
                line = raw.decode("utf-8", "replace")
                self.lines.append(line)
                log.write(line)
                log.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)


class Screen:
    """What the app has drawn so far, from the websocket's binary frames."""

    def __init__(self) -> None:
        self._frames: list[bytes] = []
        self._lock = threading.Lock()

    def received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            with self._lock:
                self._frames.append(payload)

    def mark(self) -> int:
        with self._lock:
            return len(self._frames)

    def text_since(self, mark: int) -> str:
        with self._lock:
            data = b"".join(self._frames[mark:])
        return data.decode("utf-8", "replace")


def events_of(db_path: Path) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM call_events").fetchone()[0]
    finally:
        conn.close()


def wait_until(page, predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            page.screenshot(path=str(FAILED_SHOT) if FAILED_SHOT else None)
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def test_a_browser_logs_in_and_answers_a_call_to_mailed(tmp_path):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    global FAILED_SHOT
    FAILED_SHOT = tmp_path / "browser-timed-out.png"

    db_path = tmp_path / "floor.db"
    for name, role in (("王芳", "agent"), ("管理员", "admin")):
        result = subprocess.run(
            [sys.executable, "-m", "callscript", "--db", str(db_path), "users", "add", name, "--role", role]
            + ["--password-stdin"],
            input=f"{PASSWORD}\n".encode(),
            capture_output=True,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr.decode()
    with Store.open(db_path) as store:
        store.add_lead("深圳华强电子科技有限公司", "0755-26881234", contact="王建国", title="行政经理", industry="电子")

    server = Server(db_path, tmp_path)
    requests: list[str] = []
    sockets: list[str] = []
    screen = Screen()
    shot = tmp_path / "browser-summary.png"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda request: requests.append(request.url))

            def on_socket(ws) -> None:
                sockets.append(ws.url)
                ws.on("framereceived", screen.received)

            page.on("websocket", on_socket)
            mark = screen.mark()
            page.goto(server.base)
            wait_until(page, lambda: "密码" in screen.text_since(mark), "the login screen")
            page.focus("textarea.xterm-helper-textarea")  # the keyboard, not a click on some cell

            mark = screen.mark()
            page.keyboard.type("王芳")
            wait_until(page, lambda: "王芳" in screen.text_since(mark), "the name in its box")
            typed = screen.mark()
            page.keyboard.press("Enter")  # to the password box: wait for the focus to be drawn there,
            wait_until(page, lambda: screen.mark() > typed, "the focus in the password box")  # as a person would
            mark = screen.mark()
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            wait_until(page, lambda: "深圳华强" in screen.text_since(mark), "the lead list with its lead")

            def answer(*keys: str, text: str | None = None) -> None:
                """Press keys (or type text, then Enter) and wait until the answer is in the database."""
                before = events_of(db_path)
                if text is not None:
                    page.keyboard.type(text)
                    page.keyboard.press("Enter")
                for key in keys:
                    page.keyboard.press(key)
                wait_until(page, lambda: events_of(db_path) > before, f"the answer {keys or text} on disk")

            mark = screen.mark()
            page.keyboard.press("Enter")  # call the lead
            wait_until(page, lambda: "开场白" in screen.text_since(mark), "the call screen")
            # 本人接听 → 方便 → 经常出差 → 都自己订 → 有接待 → 会 → B1 → 艺龙 → 会员 → 好 → 4星 → 愿意 → 地址 → 无误
            for key in ("1", "1", "1", "1", "1", "1", "1"):
                answer(key)
            answer(text="艺龙")
            answer("2")
            answer("1")
            answer(text="4")
            answer("1")
            answer(text="深圳市南山区科技园南区1栋")
            mark = screen.mark()
            answer("1")  # 地址无误 → 结束语
            wait_until(page, lambda: "800" in screen.text_since(mark), "the closing line")
            mark = screen.mark()
            page.keyboard.press("Enter")  # finish: the summary card
            wait_until(page, lambda: "寄资料" in screen.text_since(mark), "the summary card")
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot))
            browser.close()
    finally:
        server.stop()

    assert shot.stat().st_size > 10_000
    with Store.open(db_path) as store:
        [call] = store.list_calls()
        assert (call.outcome, call.grade, call.grade_rule_index, call.qualified) == ("mailed", "好", 1, True)
        assert store.get_agent(call.agent_id).name == "王芳"
        assert call.facts["other_center_name"] == "艺龙" and call.facts["hotel_star"] == 4
        [mailing] = store.mailings()
        assert mailing.address == "深圳市南山区科技园南区1栋"
        assert store.get_lead(call.lead_id).status == "mailed"
        audit = [(e.action, e.actor, e.origin) for e in store.audit_entries() if e.actor == "王芳"]
    assert audit[0] == ("login", "王芳", "127.0.0.1")
    assert ("logout", "王芳", "127.0.0.1") in audit  # the server closed the tab's app cleanly

    # Nothing from outside the host: every request, the websocket too, went to the server.
    assert requests and all(url.startswith(server.base) for url in requests), requests
    assert len(sockets) == 1 and sockets[0].startswith(f"ws://127.0.0.1:{server.port}/ws?width="), sockets
    assert any(url.endswith("/static/js/textual.js") for url in requests)
    log = server.log.read_text(encoding="utf-8")
    assert PASSWORD not in log and "argon2" not in log
    if os.environ.get("CALLSCRIPT_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["CALLSCRIPT_KEEP_SCREENSHOT"])
