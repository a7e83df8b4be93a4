"""Start of shift with a broken published script (issue 13, item 4): the app starts on the
last good version the database keeps, with the running apps' one-line notice; it exits
non-zero only when no good version exists at all."""

from __future__ import annotations

import os
import time

import pytest

from callscript.script.loader import load_script
from callscript.storage import Store
from callscript.tui.app import ErrorScreen
from callscript.tui.screens.leads import LeadListScreen
from tui.conftest import CTRIP, LEADS
from tui.helpers import call_screen, keys, screen_text, settle, wait_for
from tui.test_kill import Terminal

GOOD = CTRIP.read_text(encoding="utf-8")
BROKEN = GOOD.replace("next: ask_accept", "next: nowhere", 1)


@pytest.fixture
def script_file(tmp_path):
    path = tmp_path / "scripts" / "ctrip.yaml"
    path.parent.mkdir()
    path.write_text(GOOD, encoding="utf-8")
    return path


async def test_starts_on_the_last_good_version_with_the_floor_notice(make_app, seeded, db_path, clock, script_file):
    with Store.open(db_path, clock=clock) as store:  # yesterday's shift used the good text
        good = load_script(script_file)
        good_id = store.store_script_version(good)
    script_file.write_text(BROKEN, encoding="utf-8")  # then a bad publish, by hand
    app = make_app(script=None, script_path=script_file, script_poll=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LeadListScreen)
        assert app.script is not None and app.script.sha256 == good.sha256
        [notice] = [n.message for n in app._notifications if "未启用" in n.message]
        # the running apps' notice, which names the file (the main script or the follow-up one)
        assert notice.startswith(f"{script_file.name}: 话术文件有 1 处错误, 未启用; 继续使用版本 " + good.sha256[:8])
        assert "未启用" in screen_text(app)
        await keys(pilot, "enter")
        call = call_screen(app)
        assert call.session.script.sha256 == good.sha256
    with Store.open(db_path, clock=clock) as store:
        [row] = store.list_calls()
        assert row.script_id == good_id


async def test_a_fixed_file_is_used_from_the_next_call(make_app, seeded, db_path, clock, script_file):
    with Store.open(db_path, clock=clock) as store:
        store.store_script_version(load_script(script_file))
    script_file.write_text(BROKEN, encoding="utf-8")
    app = make_app(script=None, script_path=script_file, script_poll=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        fixed = GOOD.replace("title: 携程", "title: 携程 (修好)", 1)
        assert fixed != GOOD
        script_file.write_text(fixed, encoding="utf-8")
        await keys(pilot, "enter")
        await wait_for(pilot, lambda: call_screen(app) is not None)
        assert call_screen(app).session.script.sha256 != load_script(CTRIP).sha256
        assert any("新版本话术已启用" in n.message for n in app._notifications)


async def test_a_broken_file_with_no_good_version_stops_with_a_non_zero_exit(make_app, seeded, script_file):
    script_file.write_text(BROKEN, encoding="utf-8")
    app = make_app(script=None, script_path=script_file, script_poll=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        text = screen_text(app)
        assert "脚本有错误" in text and "没有这个话术的旧版本" in text
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 1


@pytest.mark.slow
def test_the_process_exits_non_zero_when_it_cannot_start(db_path, tmp_path, script_file):
    with Store.open(db_path) as store:
        for lead in LEADS:
            store.add_lead(**lead)
    script_file.write_text(BROKEN, encoding="utf-8")
    env = {**os.environ, "CALLSCRIPT_CONFIG": str(tmp_path / "config.json"), "TERM": "xterm-256color"}
    env["PYTHONPATH"] = str(CTRIP.parents[1])
    env.pop("CALLSCRIPT_DB", None)
    term = Terminal(["-m", "callscript", "--db", str(db_path), "--agent", "张三", "--script", str(script_file)], env)
    try:
        term.wait_for_text("脚本有错误")
        term.send("q")
        deadline = time.monotonic() + 30
        while True:
            pid, status = os.waitpid(term.pid, os.WNOHANG)
            if pid:
                break
            assert time.monotonic() < deadline, "the app did not exit"
            time.sleep(0.05)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1
    finally:
        try:
            os.kill(term.pid, 9)
            os.waitpid(term.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(term.fd)
