"""An idle tab costs (almost) nothing between keys (docs/scaling.md, issue 15's capacity):
presence is written when the screen shows a new state, not polled; the idle lock wakes once
per lock period, not every few seconds, and still locks on time; the script watch reads a
file in a thread only when its stat() changed."""

from __future__ import annotations

import asyncio
import time

import pytest

from callscript.accounts import AccountAdmin
from callscript.core.presence import HEARTBEAT_SECONDS
from callscript.storage import Store
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.login import LockScreen
from callscript.tui.screens.pause import PauseScreen
from tui.helpers import all_saved, keys, settle, wait_for
from tui.test_login import PASSWORD, log_in


@pytest.fixture
def accounts(db_path, clock, seeded):
    with Store.open(db_path, clock=clock) as store:
        AccountAdmin(store, store.actor).add("王芳", "agent", PASSWORD)
    return db_path


async def test_an_idle_call_screen_writes_no_presence_and_a_change_is_written_at_once(make_app, db_path, clock, seeded):
    app = make_app()  # the default heartbeat (10 s): no look timer at all between heartbeats
    assert app.presence_tick == HEARTBEAT_SECONDS >= 10
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        assert isinstance(app.screen, CallScreen)
        await keys(pilot, "1")  # 本人接听: a new node, written at once
        await all_saved(pilot)
        reporter = app.presence
        assert reporter is not None

        def row():
            with Store.open(db_path, clock=clock) as store:
                session = store.get_app_session(app.backend.store.app_session_id)
                return session.state, session.node

        await wait_for(pilot, lambda: row() == ("in_call", app.screen.session.node_id), timeout=2)
        written = reporter.written
        await pilot.pause(1.5)  # idle on the call screen, well inside one heartbeat
        assert reporter.written == written  # nothing written, nothing looked at by a timer
        started = time.monotonic()
        await keys(pilot, "1")  # the next node: on the session row before any heartbeat
        await wait_for(pilot, lambda: row()[1] == app.screen.session.node_id, timeout=2)
        assert time.monotonic() - started < HEARTBEAT_SECONDS / 2


async def test_a_pause_is_written_at_once_without_a_look_timer(make_app, db_path, clock, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        def state():
            with Store.open(db_path, clock=clock) as store:
                session = store.get_app_session(app.backend.store.app_session_id)
                return session.state, session.pause_reason

        await pilot.press("p", "2")  # 2: 午饭 (pressed, not settled: the pause's worker waits for its end)
        await wait_for(pilot, lambda: isinstance(app.screen, PauseScreen), timeout=2)
        shown = time.monotonic()
        await wait_for(pilot, lambda: state() == ("paused", "lunch"), timeout=2)
        assert time.monotonic() - shown < 1.0  # the redraw that showed it wrote it, not a heartbeat
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, PauseScreen), timeout=2)
        back = time.monotonic()
        await wait_for(pilot, lambda: state() == ("ready", None), timeout=2)
        assert time.monotonic() - back < 1.0


async def test_the_idle_lock_wakes_once_per_period_and_locks_on_time(make_app, accounts, seeded):
    lock_after = 0.8
    app = make_app(agent=None, origin="192.0.2.7", idle_lock=lock_after, idle_clock=time.monotonic)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))
        armed = app.idle_checks
        await asyncio.sleep(lock_after / 2)
        await pilot.press("down")  # someone is there: the lock moves on, no new timer for the key
        typed = time.monotonic()
        assert app.idle_checks == armed
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), timeout=5)
        locked_after = time.monotonic() - typed
        assert lock_after - 0.1 <= locked_after <= lock_after + 1.0
        # one check at the first deadline (a key came: armed again for the rest), one at the lock
        assert app.idle_checks - armed <= 2


async def test_the_script_watch_reads_the_file_in_a_thread_only_when_it_changed(make_app, tmp_path, seeded):
    script_file = tmp_path / "ctrip.yaml"
    from tui.conftest import CTRIP

    script_file.write_text(CTRIP.read_text(encoding="utf-8"), encoding="utf-8")
    app = make_app(script=None, script_path=script_file, script_poll=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        follower = app.follower
        assert follower is not None
        await pilot.pause(0.5)  # ten looks at an unchanged file: one stat() each, no thread
        assert follower.thread_checks == 0
        text = script_file.read_text(encoding="utf-8").replace("携程", "携程旅行", 1)
        script_file.write_text(text, encoding="utf-8")
        await wait_for(pilot, lambda: follower.notices, timeout=5)
        assert follower.thread_checks == 1
        assert "新版本" in follower.notices[-1]
