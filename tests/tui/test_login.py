"""Accounts in the agent's app: the login screen, wrong passwords, the lockout, the idle
lock mid-call (the call resumes, nothing recorded while locked), a disabled account's
session ending at its next action, and the browser tab that refuses to run without accounts."""

from __future__ import annotations

import pytest

from callscript.accounts import AccountAdmin
from callscript.storage import Store
from callscript.tui.app import ErrorScreen
from callscript.tui.screens.agent import AgentNameScreen
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.login import LockScreen, LoginScreen, SessionEndedScreen
from callscript.tui.screens.reports import ReportsScreen
from callscript.tui.screens.summary import SummaryScreen
from tui.helpers import all_saved, call_screen, keys, screen_text, settle, squash, wait_for

PASSWORD = "s3cret-Pw!"


@pytest.fixture
def accounts(db_path, clock, seeded):
    with Store.open(db_path, clock=clock) as store:
        admin = AccountAdmin(store, store.actor)
        admin.add("王芳", "agent", PASSWORD)
        admin.add("李明", "agent", PASSWORD)
        admin.add("赵主管", "supervisor", PASSWORD)
    return db_path


class IdleClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def idle() -> IdleClock:
    return IdleClock()


@pytest.fixture
def make_web_app(make_app, idle):
    def make(**kwargs):
        options = dict(agent=None, origin="192.0.2.7", idle_lock=600, idle_clock=idle, idle_check_every=0.02)
        options.update(kwargs)
        return make_app(**options)

    return make


async def log_in(pilot, name="王芳", password=PASSWORD):
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
    screen = app.screen
    before = screen.attempts
    name_box = screen.query_one("#login-name")
    if name_box.value != name:  # the first attempt: the name, Enter, the password, Enter
        name_box.value = ""
        name_box.focus()
        await keys(pilot, f"text:{name}", "enter")
    # after a refusal the name stays and the cursor waits in the (emptied) password box
    assert screen.focused is screen.query_one("#login-password")
    await keys(pilot, f"text:{password}", "enter")
    await wait_for(pilot, lambda: screen.attempts > before, timeout=10)
    await settle(pilot)


def audit(db_path, clock):
    with Store.open(db_path, clock=clock) as store:
        return store.audit_entries()


async def test_with_accounts_the_app_starts_at_the_login_screen(make_web_app, accounts, db_path, clock):
    app = make_web_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        assert "账号" in text and "密码" in text and "登录" in text
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))
        assert app.actor.name == "王芳" and app.agent_name == "王芳"
        assert "坐席 王芳" in screen_text(app)
        assert PASSWORD not in screen_text(app)
    entries = audit(db_path, clock)
    assert [(e.action, e.actor, e.origin) for e in entries[-2:]] == [
        ("login", "王芳", "192.0.2.7"),
        ("logout", "王芳", "192.0.2.7"),
    ]


async def test_wrong_password_is_refused_and_five_lock_the_account(make_web_app, accounts, db_path, clock):
    app = make_web_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, password="wrong-one")
        assert isinstance(app.screen, LoginScreen)
        assert "账号或密码不对" in screen_text(app)
        assert app.screen.query_one("#login-password").value == ""  # never kept in the box
        for _ in range(4):
            await log_in(pilot, password="wrong-one")
        assert "账号已锁定, 请在 10:15 以后再试" in screen_text(app)
        await log_in(pilot)  # the right password, while locked
        assert isinstance(app.screen, LoginScreen) and "账号已锁定" in screen_text(app)
    actions = [e.action for e in audit(db_path, clock)]
    assert actions.count("login_failed") == 5 and actions.count("lockout") == 1 and "login" not in actions


async def test_the_lockout_ends_after_fifteen_minutes(make_web_app, accounts, db_path, clock):
    app = make_web_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(5):
            await log_in(pilot, password="wrong-one")
        clock.advance(minutes=15)
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))


async def test_idle_lock_mid_call_keeps_the_call_and_records_nothing(make_web_app, accounts, db_path, clock, idle):
    app = make_web_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))
        await keys(pilot, "enter")
        screen = call_screen(app)
        await keys(pilot, "1", "1")  # 本人接听 → 方便
        await all_saved(pilot)
        node, events = screen.session.node_id, len(screen.session.events)
        idle.t += 599
        await pilot.pause(0.1)
        assert not isinstance(app.screen, LockScreen)  # not yet
        idle.t += 1
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen))
        await settle(pilot)
        assert "已锁屏" in screen_text(app) and "通话不会丢失" in screen_text(app)
        lock = app.screen
        await keys(pilot, "1", "2", "enter")  # not the password: it does not reach the call
        await wait_for(pilot, lambda: lock.attempts == 1)
        assert "密码不对" in screen_text(app)
        await keys(pilot, "escape")
        assert app.screen is lock
        assert (screen.session.node_id, len(screen.session.events)) == (node, events)
        with Store.open(db_path, clock=clock) as store:
            [call] = store.list_calls(finished=False)
            assert len(store.call_events(call.id)) == events
        await keys(pilot, f"text:{PASSWORD}", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.session.node_id == node
        # the call goes on to 寄资料: 经常出差 → 都自己订 → 有接待 → 会 → B1 艺龙 → 会员 → 好 → 4星 → 愿意 → 地址
        await keys(pilot, "1", "1", "1", "1", "1", "text:艺龙", "enter", "2", "1", "text:4", "enter", "1")
        await keys(pilot, "text:深圳市南山区科技园", "enter", "1")
        assert screen.session.outcome == "mailed"
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
    with Store.open(db_path, clock=clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "mailed" and call.grade == "好"
        assert store.get_agent(call.agent_id).name == "王芳"
        actions = [e.action for e in store.audit_entries()]
    assert actions[-4:] == ["idle_lock", "login_failed", "unlock", "logout"]


async def test_five_wrong_passwords_at_the_idle_lock_end_the_session(make_web_app, accounts, db_path, clock, idle):
    app = make_web_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))
        idle.t += 601
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen))
        lock = app.screen
        for attempt in range(1, 6):
            await keys(pilot, "text:wrong-one", "enter")
            await wait_for(pilot, lambda attempt=attempt: lock.attempts == attempt or app.screen is not lock)
        await wait_for(pilot, lambda: isinstance(app.screen, SessionEndedScreen))
        assert "账号已锁定" in screen_text(app)
    assert [e.action for e in audit(db_path, clock)][-3:] == ["lockout", "session_ended", "logout"]


async def test_a_disabled_accounts_session_ends_at_its_next_action(make_web_app, accounts, db_path, clock):
    app = make_web_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))
        await keys(pilot, "enter")
        screen = call_screen(app)
        await keys(pilot, "1")
        await all_saved(pilot)
        with Store.open(db_path, clock=clock) as store:
            AccountAdmin(store, store.actor).set_disabled("王芳")
        await keys(pilot, "1")  # the next answer: refused in storage
        await wait_for(pilot, lambda: isinstance(app.screen, SessionEndedScreen))
        assert "账号已停用" in squash(screen_text(app))
        assert screen.session.node_id != "opening"  # the screen moved on, the log did not
        exits = []
        app.exit = lambda *args, **kwargs: exits.append(args)  # (a real exit would end run_test mid-test)
        await pilot.press("x")  # any key closes the app
        assert exits == [()]
    with Store.open(db_path, clock=clock) as store:
        [call] = store.list_calls(finished=False)
        assert len(store.call_events(call.id)) == 1  # nothing after the disable
    assert "session_ended" in [e.action for e in audit(db_path, clock)]


async def test_a_browser_tab_refuses_to_run_without_accounts(make_web_app, seeded):
    app = make_web_app(browser=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "callscript users add" in squash(screen_text(app))


async def test_a_terminal_without_accounts_asks_a_name_as_before(make_web_app, seeded):
    app = make_web_app(browser=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AgentNameScreen)


async def test_the_reports_screen_is_the_logged_in_agents(make_web_app, accounts):
    app = make_web_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen))
        await keys(pilot, "r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen))
        assert app.screen.actor == app.actor and app.actor.role == "agent"


def burst(app, text: str) -> None:
    """Keys as a terminal delivers a fast typist's or a password manager's burst: all queued
    at the app before it handles the first (``\\t`` Tab, ``\\x1b[Z`` Shift+Tab, ``\\r`` Enter)."""
    from textual import events
    from textual.keys import _character_to_key

    i = 0
    while i < len(text):
        if text.startswith("\x1b[Z", i):
            app.post_message(events.Key("shift+tab", None))
            i += 3
            continue
        char = text[i]
        key = {"\t": "tab", "\r": "enter"}.get(char) or _character_to_key(char)
        app.post_message(events.Key(key, char))
        i += 1


@pytest.mark.parametrize(
    "prefill, typed",
    [
        pytest.param("", f"王芳\t{PASSWORD}\r", id="name-tab-password"),
        pytest.param("", f"王芳\r{PASSWORD}\r", id="name-enter-password"),
        pytest.param("李明", f"\x1b[Z王芳\t{PASSWORD}\r", id="another-name-over-the-remembered-one"),
    ],
)
async def test_a_burst_typed_ahead_lands_in_the_right_boxes(make_web_app, accounts, db_path, clock, prefill, typed):
    app = make_web_app(agent=prefill or None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await settle(pilot)
        burst(app, typed)
        await wait_for(pilot, lambda: isinstance(app.screen, LeadListScreen), timeout=10)
        await settle(pilot)
        assert app.actor.name == "王芳"
    assert [e.action for e in audit(db_path, clock) if e.action == "login_failed"] == []
