"""callscript.tui.web_driver: the browser tab's input thread sleeps while idle, and keys —
a lone Escape included — still arrive at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from textual._xterm_parser import XTermParser

from callscript.serve.server import TAB_DRIVER
from callscript.tui.web_driver import IDLE_WAKE_SECONDS, input_wait

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def packet(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def test_the_input_thread_sleeps_unless_an_escape_sequence_is_pending():
    parser = XTermParser()
    assert input_wait(parser, 100.0) == IDLE_WAKE_SECONDS == 1.0  # nothing pending: one wake-up a second
    list(parser.feed("\x1b"))  # a lone Escape, or the start of a sequence: the parser waits to know
    deadline = parser._timeout_time
    assert deadline is not None
    assert abs(input_wait(parser, deadline - 0.02) - 0.02) < 1e-9  # wakes for the parser's deadline
    assert input_wait(parser, deadline + 1) == 0.0  # overdue: at once


def _thread_cpu_wakeups(pid: int) -> int:
    """Voluntary context switches of every thread of ``pid`` (each wake-up from a sleep is one)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches"):
                total += int(line.split()[1])
    return total


def test_a_tab_app_under_the_driver_gets_keys_and_a_lone_escape_promptly_and_sleeps_when_idle(tmp_path):
    keys_out = tmp_path / "keys.txt"
    env = {
        **os.environ,
        "TEXTUAL_DRIVER": TAB_DRIVER,
        "KEYS_OUT": str(keys_out),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
        "COLUMNS": "80",
        "ROWS": "24",
    }
    app = subprocess.Popen(
        [sys.executable, str(HERE / "web_driver_child.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert app.stdin is not None and app.stdout is not None
    try:
        assert app.stdout.readline() == b"__GANGLION__\n"
        time.sleep(1.5)  # started and idle
        before = _thread_cpu_wakeups(app.pid)
        time.sleep(3.0)
        idle_wakeups = _thread_cpu_wakeups(app.pid) - before
        # Textual's own driver wakes its input thread 10 times a second (30 here); ours about once.
        assert idle_wakeups <= 12, idle_wakeups

        sent = time.monotonic()
        app.stdin.write(packet(b"D", b"a"))
        app.stdin.flush()
        app.stdin.write(packet(b"D", b"\x1b"))  # a lone Escape: known only when nothing follows in time
        app.stdin.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = keys_out.read_text().split("\n") if keys_out.exists() else []
            if len([line for line in lines if line]) >= 2:
                break
            time.sleep(0.02)
        got = [line.split() for line in keys_out.read_text().splitlines()]
        assert [key for _, key in got] == ["a", "escape"]
        assert float(got[1][0]) - sent < 0.6  # the escape delay, not the idle second
        app.stdin.write(packet(b"D", b"q"))
        app.stdin.flush()
        assert app.wait(timeout=15) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
