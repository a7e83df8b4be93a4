"""The real app in a pseudo-terminal: a callback time typed key by key, and one committed by
an input method as a single burst, is the time stored in ``callbacks.due_at`` (issue 13,
items 1–2: typing ``17:30`` once booked quick choice 1; ``明天下午3点`` lost its 明)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest

from callscript.core.when import parse_moment
from callscript.storage import Store
from tui.conftest import CTRIP, LEADS
from tui.test_kill import Terminal, wait_until

CTRL_B = "\x02"


def open_callbacks(db_path) -> list:
    with Store.open(db_path, create=False) as store:
        return store.callbacks()


def events_of_open_call(db_path) -> int:
    with Store.open(db_path, create=False) as store:
        calls = store.unfinished_calls()
        return calls[0].events if calls else -1


def start_call_and_open_the_callback_box(term: Terminal, db_path) -> None:
    wait_until(lambda: events_of_open_call(db_path) == 0)  # the call row exists
    term.wait_for_text("开场白")
    for count, key in enumerate("11", start=1):  # 本人接听 · 方便
        term.send(key)
        wait_until(lambda count=count: events_of_open_call(db_path) == count)
    seen = len(term.output)
    term.send(CTRL_B)
    deadline = time.monotonic() + 30
    while "什么时候打过去".encode() not in term.output[seen:]:
        assert time.monotonic() < deadline, "the callback dialog never opened"
        time.sleep(0.02)
    time.sleep(0.2)  # the box takes the focus on mount


@pytest.mark.slow
def test_typed_callback_times_are_stored_as_typed(db_path, tmp_path):
    with Store.open(db_path) as store:
        for lead in LEADS:
            store.add_lead(**lead)
    env = {
        **os.environ,
        "CALLSCRIPT_CONFIG": str(tmp_path / "config.json"),
        "CALLSCRIPT_BUSINESS_HOURS": "00:00-23:59",  # the test may run at any hour
        "TERM": "xterm-256color",
        "PYTHONPATH": str(CTRIP.parents[1]),
    }
    env.pop("CALLSCRIPT_DB", None)
    term = Terminal(["-m", "callscript", "--db", str(db_path), "--agent", "张三", "--script", str(CTRIP)], env)
    try:
        term.wait_for_text("新客户")
        term.send("\r")

        # 1. key by key, as an agent types: 1, 7, :, 3, 0 — never quick choice 1
        start_call_and_open_the_callback_box(term, db_path)
        before = datetime.now().astimezone()
        for char in "17:30":
            term.send(char)
            time.sleep(0.15)  # an agent's pace: each key is handled before the next comes
        term.send("\r")
        wait_until(lambda: len(open_callbacks(db_path)) == 1)
        after = datetime.now().astimezone()
        [first] = open_callbacks(db_path)
        expected = {parse_moment("17:30", before, hours=None), parse_moment("17:30", after, hours=None)}
        assert first.due_at in expected and first.due_at.strftime("%H:%M") == "17:30"

        # 2. one burst, as an input method commits a phrase: 明天下午3点 arrives in one write
        term.wait_for_text("通话小结")
        term.send("\r")  # the next lead
        start_call_and_open_the_callback_box(term, db_path)
        day = datetime.now().astimezone().date()
        term.send("明天下午3点")
        term.send("\r")
        wait_until(lambda: len(open_callbacks(db_path)) == 2)
        second = max(open_callbacks(db_path), key=lambda c: c.id)
        assert second.due_at.strftime("%H:%M") == "15:00"
        assert second.due_at.date() in (day + timedelta(days=1), day + timedelta(days=2))  # (past midnight)
    finally:
        term.kill()
