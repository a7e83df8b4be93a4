"""Two apps on one database: the agent's app is a real second process in a terminal, mid-call
at a known node; the supervisor's board (this process) shows it 通话中 at that node within 3 s,
and 离线 within OFFLINE_AFTER (+ the board's refresh) once the agent's app is killed with SIGKILL
(no clean shutdown)."""

from __future__ import annotations

import os
import time

import pytest

from callscript.core.presence import OFFLINE_AFTER, AgentState
from callscript.storage import Store
from callscript.tui.screens.floor import FloorScreen
from tui.conftest import CTRIP, LEADS
from tui.helpers import keys, screen_text, settle
from tui.test_kill import ROOT, Terminal, event_count, wait_until


async def board_until(pilot, screen: FloorScreen, predicate, timeout: float) -> float:
    """Seconds until the board, as it refreshes by itself, satisfies ``predicate(line)`` for 张三."""
    started = time.monotonic()
    while True:
        view = screen.view
        if view is not None:
            try:
                line = view.board.agent("张三")
            except KeyError:
                line = None
            if line is not None and predicate(line):
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"the board never showed it; screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


@pytest.mark.slow
async def test_the_board_follows_a_real_agent_app_and_sees_it_killed(make_app, db_path, tmp_path):
    with Store.open(db_path) as store:
        for lead in LEADS:
            store.add_lead(**lead)
    env = {
        **os.environ,
        "CALLSCRIPT_CONFIG": str(tmp_path / "agent-config.json"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CALLSCRIPT_DB", None)
    term = Terminal(["-m", "callscript", "--db", str(db_path), "--agent", "张三", "--script", str(CTRIP)], env)
    killed = False
    try:
        term.wait_for_text("新客户")
        board_app = make_app(clock=None, agent="赵主管")
        async with board_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await keys(pilot, "b")
            screen = board_app.screen
            assert isinstance(screen, FloorScreen)

            term.send("\r")  # the agent calls the first lead
            wait_until(lambda: event_count(db_path) == 0)
            term.wait_for_text("开场白")
            for expected, key in enumerate("113", start=1):  # 本人接听 · 方便 · 已经是携程会员
                term.send(key)
                wait_until(lambda count=expected: event_count(db_path) == count)
            # the third answer is in the database: the call is at 已是会员 (member_service)
            took = await board_until(
                pilot,
                screen,
                lambda line: line.state is AgentState.IN_CALL and line.node == "member_service",
                timeout=3.0,
            )
            line = screen.view.board.agent("张三")
            assert (line.node_title, line.company) == ("已是会员", LEADS[0]["company"])
            print(f"board shows 通话中 at the node after {took:.2f} s")
            assert took <= 3.0
            assert "已是会员" in screen_text(board_app)

            term.kill()
            killed = True
            gone_within = OFFLINE_AFTER.total_seconds() + 5.0  # silent that long, then the board's refresh
            took = await board_until(pilot, screen, lambda line: line.state is AgentState.OFFLINE, timeout=gone_within)
            print(f"board shows 离线 after {took:.2f} s")
            assert took <= gone_within
            assert screen.view.board.agent("张三").node is None
    finally:
        if not killed:
            term.kill()
