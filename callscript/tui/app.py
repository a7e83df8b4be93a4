"""The agent's app: start of shift → lead list → calls → summary, over one Backend.

``run()`` is what ``callscript`` (no subcommand) calls. Tests build
:class:`CallscriptApp` directly with a tmp database, a tmp config file and a
fixed clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from callscript.config import (
    AgentConfig,
    app_origin,
    business_hours,
    default_script_path,
    followup_script_path,
    idle_lock_minutes,
    in_browser,
    resolve_db_path,
    sample_leads_path,
)
from callscript.core.access import Actor, AuditAction, PermissionDenied
from callscript.core.lifecycle import CallKind
from callscript.core.presence import HEARTBEAT_SECONDS
from callscript.core.when import BusinessHours
from callscript.script.model import Script
from callscript.script.problems import ScriptError
from callscript.tui import wide_chars
from callscript.tui.backend import Backend, LeadTaken, problem_text
from callscript.tui.clock import Clock, system_clock
from callscript.tui.garbage import freeze_start_of_shift
from callscript.tui.presence import PresenceReporter, app_presence
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.script_updates import POLL_SECONDS, ScriptFollower
from callscript.tui.widgets import CallInput
from callscript.workshop.publishing import ScriptSet

if TYPE_CHECKING:  # the screens a start of shift may not need are imported when shown
    from callscript.leads import DueAlert, ListWatch
    from callscript.storage import UnfinishedCall
    from callscript.tui.host import AgentAppHost
    from callscript.tui.screens.agent import AgentAnswer

WATCH_SECONDS = 3.0
"""How often the app looks for changes on the floor and for callbacks coming due (a look
that finds nothing costs a few microseconds on the database thread: callscript.leads.watch)."""

IDLE_CHECK_SLACK = 0.05
"""The shortest wait before the next idle-lock check (a check due now runs on the next turn)."""

_DEFAULT: Any = object()


class ErrorScreen(Screen[None]):
    """Something stops the app from starting (no usable script, unreadable database): the
    agent reads why, and the app exits non-zero (``callscript`` in a shell script or a
    supervisor's launcher sees that it did not start)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q,escape,enter", "leave", "退出")]

    EXIT_CODE = 1

    def __init__(self, title: str, detail: str) -> None:
        super().__init__()
        self._title = title
        self._detail = detail

    def action_leave(self) -> None:
        self.app.exit(return_code=self.EXIT_CODE)

    def compose(self) -> ComposeResult:
        yield Static(Text(self._title, "bold red"), id="error-title")
        yield Static(self._detail, id="error-detail")
        yield Static(Text("按 q 退出", "dim"))


class CallscriptApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "callscript"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "request_quit", "退出", show=False, priority=True)]

    def __init__(
        self,
        script_path: Path | None = None,
        db_path: Path | None = None,
        agent: str | None = None,
        *,
        clock: Clock | None = None,
        config_file: Path | None = None,
        script: Script | None = None,
        followup_script: Script | None = None,
        cursor_blink: bool = True,
        live_timer: bool = True,
        back_guard: float | None = None,
        store_options: Mapping[str, Any] | None = None,
        script_poll: float = POLL_SECONDS,
        browser: bool | None = None,
        origin: str | None = None,
        idle_lock: float | None = None,
        idle_clock: Callable[[], float] = time.monotonic,
        idle_check_every: float | None = None,
        hours: BusinessHours | None = None,
        watch_seconds: float = WATCH_SECONDS,
        sample_leads: Path | None = _DEFAULT,
        presence_tick: float = HEARTBEAT_SECONDS,
    ) -> None:
        super().__init__()
        wide_chars.install()  # notices over a widget's edge keep every Chinese character
        self.script_path = Path(script_path) if script_path else default_script_path()
        self.db_path = resolve_db_path(db_path)
        self.agent_arg = agent.strip() if agent else None
        self.clock: Clock = clock or system_clock
        self.config_file = Path(config_file) if config_file else None
        self.script: Script | None = script
        """The main (development) script: the greeting's company, the script registered at start."""
        self.followup_script: Script | None = followup_script
        """The follow-up script maintenance calls use (None: every call uses ``script``)."""
        # Follows the script file (when the app loads it) so a newly published version
        # is used from the next call on: callscript/tui/script_updates.py.
        self.script_poll = script_poll
        self.follower: ScriptFollower | None = None
        self.cursor_blink = cursor_blink
        self.live_timer = live_timer
        self.back_guard: float = back_guard if back_guard is not None else CallInput.back_guard
        self.backend = Backend(self.db_path, clock=self.clock, store_options=dict(store_options or {}))
        self.agent_name = ""
        self.company = ""
        self.agent_id = 0
        self.ready = False
        # Who is at the keyboard (docs/agent-app.md, "Login and the idle lock").
        self.browser = in_browser() if browser is None else browser
        """A browser tab of ``callscript serve``: login required, the host's config file is not read."""
        self.origin = origin or app_origin()
        self.actor: Actor | None = None
        self.idle_lock = idle_lock if idle_lock is not None else idle_lock_minutes() * 60
        """Seconds without a key or a click before the app asks for the password again."""
        self._idle_clock = idle_clock
        self._idle_check_every = idle_check_every
        self._idle_timer: Timer | None = None
        self.idle_checks = 0
        """How many idle-lock checks were armed (a test counts the app's wake-ups with it)."""
        self._last_input = idle_clock()
        self.locked = False
        self.session_ended = False
        # Read once, here, and passed down (screens see it as CallHost.business_hours).
        self.business_hours: BusinessHours = hours if hours is not None else business_hours()
        self.sample_leads: Path | None = sample_leads_path() if sample_leads is _DEFAULT else sample_leads
        self.watch_seconds = watch_seconds
        self.presence_tick = presence_tick
        """Seconds between heartbeats (0: none); a change of state is written after the redraw that shows it."""
        self.presence: PresenceReporter | None = None
        """Writes this app's state to its session row (docs/floor.md); started with the session."""
        self.floor_allowed = False
        self.lead_watch: ListWatch | None = None
        self.alerts: list[DueAlert] = []
        """Every due-callback alert shown this shift, in order."""

    def compose(self) -> ComposeResult:
        yield Static("callscript 正在打开…", id="boot")

    def on_mount(self) -> None:
        self.backend.on_account_disabled = self._account_disabled
        self.startup()

    class AccountDisabled(Message):
        """The account was disabled since the login (posted from any thread)."""

    def _account_disabled(self, _refused: PermissionDenied) -> None:
        self.post_message(self.AccountDisabled())  # thread-safe; handled on the event loop

    def on_callscript_app_account_disabled(self, _message: AccountDisabled) -> None:
        self.end_session("账号已停用, 请找管理员。")

    def on_unmount(self) -> None:
        self.backend.submit(self.backend.log_out)  # audited before the database closes
        self.backend.shutdown()

    # -- quitting ---------------------------------------------------------------
    def action_request_quit(self) -> None:
        """Ctrl+Q: quit — after asking when a call is in progress (every answer is saved and
        the call can be resumed, but a slip of the finger should not hang up the screen).
        Ctrl+Q again on the question quits."""
        from callscript.tui.screens.dialogs import QuitDialog

        if isinstance(self.screen, QuitDialog):
            self.exit()
            return
        if not any(isinstance(screen, CallScreen) for screen in self.screen_stack):
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(QuitDialog(), answered)

    # -- start of shift -------------------------------------------------------
    @work(exclusive=True, group="startup")
    async def startup(self) -> None:
        backend = self.backend
        broken: str | None = None  # why a script file cannot be loaded
        followup = followup_script_path(self.script_path)
        if self.script is None:
            try:
                self.follower = ScriptFollower.load(self, self.script_path, self.script_poll, followup)
            except ScriptError as exc:
                broken = str(exc)
            except OSError as exc:
                broken = f"{exc.filename or self.script_path}: {exc.strerror or exc}"
        try:
            await backend.run(backend.open)
            if broken is not None:
                # A broken file (a bad publish, a crash mid-edit) must not keep agents from
                # working: start on the last good version the database keeps, as running apps do.
                stored: dict[CallKind, Script] = {}
                if not await asyncio.to_thread(_loads, self.script_path):
                    good = await backend.run(backend.last_good_script, self.script_path)
                    if good is None:
                        detail = f"{broken}\n\n数据库里也没有这个话术的旧版本可用。请主管修好话术文件 (callscript edit) 再打开。"
                        await self.push_screen(ErrorScreen(f"脚本有错误: {self.script_path}", detail))
                        return
                    stored[CallKind.DEVELOPMENT] = good
                follow: Path | None = followup if followup.is_file() else None
                if follow is not None and not await asyncio.to_thread(_loads, follow):
                    good = await backend.run(backend.last_good_script, follow)
                    if good is None:
                        follow = None  # no good follow-up version anywhere: the main script serves every call
                    else:
                        stored[CallKind.MAINTENANCE] = good
                self.follower = ScriptFollower.from_stored(self, self.script_path, follow, stored, self.script_poll)
                await self.follower.check_now()  # the running apps' notice: N 处错误, 未启用; 继续使用版本 …
            if self.follower is not None:
                self.script = self.follower.in_use.development
                self.followup_script = self.follower.in_use.maintenance
            assert self.script is not None
            await backend.run(backend.script_id, self.script)
            with_accounts = await backend.run(backend.has_accounts)
        except Exception as exc:
            await self.push_screen(ErrorScreen("打不开数据库", f"{self.db_path}: {problem_text(exc)}"))
            return
        # The host user's config file belongs to the terminal, never to a browser tab.
        config = AgentConfig() if self.browser else AgentConfig.load(self.config_file)
        if with_accounts:
            from callscript.tui.screens.login import LoginScreen

            self.actor = await self.push_screen_wait(LoginScreen(self.agent_arg or config.agent_name))
            name, company = self.actor.name, config.company
        elif self.browser:
            await self.push_screen(ErrorScreen("还没有账号", NO_ACCOUNTS))
            return
        else:  # no account yet: one person at one terminal, as before accounts existed
            name = self.agent_arg or config.agent_name
            company = config.company
            if not name:
                from callscript.tui.screens.agent import AgentNameScreen

                answer: AgentAnswer = await self.push_screen_wait(AgentNameScreen(self.script.company))
                name, company = answer.name, answer.company or config.company
            if name != config.agent_name or company != config.company:
                config.agent_name, config.company = name, company
                try:
                    config.save(self.config_file)
                except OSError as exc:
                    self.notify(f"没能保存设置: {exc}", severity="warning")
        self.agent_name = name
        self.company = company or self.script.company
        try:
            if self.actor is None:
                await backend.run(backend.act_locally, name, self.origin)
                self.actor = backend.acting.actor if backend.acting else None
            assert self.actor is not None and self.actor.agent_id is not None
            self.agent_id = self.actor.agent_id
            others = await backend.run(backend.start_app_session, self.agent_id)
            self.floor_allowed = await backend.run(backend.may_see_floor)
            unfinished = await backend.run(backend.unfinished_calls, self.agent_id)
            self.lead_watch = await backend.run(backend.new_watch, self.agent_id)
            first_read = await backend.run(backend.first_list_read, self.agent_id)
        except Exception as exc:
            await self.push_screen(ErrorScreen("打不开数据库", f"{self.db_path}: {problem_text(exc)}"))
            return
        if with_accounts:
            self._last_input = self._idle_clock()
            self._arm_idle_check(self.idle_lock)
        await self.push_screen(LeadListScreen(first_read))
        if others:
            where = "; ".join(f"{s.host} 进程 {s.pid}, {s.started_at:%m-%d %H:%M} 起" for s in others)
            self.notify(
                f"{name} 已在另一个窗口登录 ({where})。两个窗口都可以用, 但不会拿到同一个客户。",
                title="另一个窗口",
                severity="warning",
                timeout=15,
            )
        self.ready = True
        freeze_start_of_shift()
        if self.follower is not None:
            self.follower.start()
        if self.watch_seconds > 0:
            self.set_interval(self.watch_seconds, self.look_for_changes, name="lead-watch")
        self.presence = PresenceReporter(backend, lambda: app_presence(self, locked=self.locked))
        self.presence.tick()  # 就绪, from now on
        if self.presence_tick > 0:
            self.set_interval(self.presence_tick, self.presence.beat, name="presence")
        if unfinished:
            await self._offer_resume(unfinished)

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        """Textual counts the screen under the current one as possibly showing through it, and
        forwards every repaint of that screen to the one on top. The lead list under a call
        repainted (its own timers, a refresh) and the whole call screen was drawn again with it,
        in every browser tab. An opaque screen on top hides what is under it: nothing is
        forwarded; a dialog with a see-through background keeps Textual's behaviour."""
        if self._screen_stack and self.screen.styles.background.a == 1:
            return []
        return super()._background_screens

    def post_display_hook(self) -> None:
        """After every redraw: has the agent's state changed? (callscript.tui.presence: a state
        is always something on screen, so a look here sees every change without a timer.)"""
        if self.presence is not None:
            self.presence.tick()

    # -- the floor moves on ---------------------------------------------------------
    @work(exclusive=True, group="watch", exit_on_error=False)
    async def look_for_changes(self) -> None:
        """One look (callscript.leads.ListWatch): refresh the lead list when something changed;
        tell the agent when a callback has come due — a notice and the terminal bell, over
        whatever screen is in front (a call included), without taking the focus."""
        watch = self.lead_watch
        if watch is None or self.locked or self.session_ended:
            return
        backend = self.backend
        front = self.screen if isinstance(self.screen, LeadListScreen) else None
        shown = front.list_query() if front is not None else None
        try:
            look, view = await backend.run(backend.look_for_changes, watch, shown)
        except Exception as exc:
            self.log.error(f"lead watch failed: {type(exc).__name__}: {exc}")
            return
        if look.came_due:
            self.alerts += look.came_due
            self.bell()
            self.notify(
                "\n".join(alert.text for alert in look.came_due), title="回电到期", severity="warning", timeout=20
            )
        if look.stale:
            for screen in self.screen_stack:
                if not isinstance(screen, LeadListScreen):
                    continue
                if screen is front and shown is not None:
                    screen.rows_read(shown, view)  # read in the same trip as the look
                else:
                    screen.refresh_rows()

    # -- the idle lock and the end of a session ----------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = self._idle_clock()  # a key, a click, the mouse moving: someone is there
        await super().on_event(event)

    def check_idle_lock(self) -> None:
        """Lock the app once nobody has touched it for ``idle_lock`` seconds (logged-in sessions
        only). Not a poll: each check arms the next one for the moment the lock would fall due
        if no key came meanwhile — one wake-up per ``idle_lock`` while someone types, none more,
        and the lock comes on the second it is due (``idle_check_every``, when given, is the
        longest wait between two checks: tests move a fake clock)."""
        self._idle_timer = None
        if self.locked or self.session_ended or self.actor is None or self.actor.is_system:
            return  # a lock re-arms the check when it is lifted
        remaining = self.idle_lock - (self._idle_clock() - self._last_input)
        if remaining <= 0:
            self.lock()
        else:
            self._arm_idle_check(remaining)

    def _arm_idle_check(self, delay: float) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
        wait = max(IDLE_CHECK_SLACK, delay)
        if self._idle_check_every is not None:
            wait = min(wait, self._idle_check_every)
        self.idle_checks += 1
        self._idle_timer = self.set_timer(wait, self.check_idle_lock, name="idle-lock")

    @work(exclusive=True, group="lock")
    async def lock(self) -> None:
        """Ask for the password over whatever is showing; the screen underneath (a call) is untouched."""
        if self.locked or self.actor is None:
            return
        self.locked = True
        backend = self.backend
        try:
            await backend.run(backend.audit_session, AuditAction.IDLE_LOCK)
        except PermissionDenied:
            return  # disabled meanwhile: end_session has been called
        from callscript.tui.screens.login import LockScreen

        ended = await self.push_screen_wait(LockScreen(self.actor.name, self.idle_lock / 60))
        self.locked = False
        self._last_input = self._idle_clock()
        if self.presence is not None:
            self.presence.tick()  # unlocked: the redraw came before the flag changed
        if ended:
            self.end_session(ended)
        else:
            self._arm_idle_check(self.idle_lock)

    def end_session(self, reason: str) -> None:
        """The account was disabled or locked out: say why, audit it, and close at the next key."""
        if self.session_ended:
            return
        self.session_ended = True
        from callscript.tui.screens.login import SessionEndedScreen

        self.backend.submit(self.backend.audit_session, AuditAction.SESSION_ENDED)
        self.push_screen(SessionEndedScreen(reason))

    def variables(self) -> dict[str, str]:
        values = {"agent_name": self.agent_name}
        if self.company:
            values["our_company"] = self.company
        return values

    # -- calls ----------------------------------------------------------------
    @work(exclusive=True, group="resume")
    async def offer_resume(self) -> None:
        backend = self.backend
        unfinished = await backend.run(backend.unfinished_calls, self.agent_id)
        if not unfinished:
            self.notify("没有未完成的通话")
            return
        await self._offer_resume(unfinished)

    async def _offer_resume(self, unfinished: list[UnfinishedCall]) -> None:
        from callscript.tui.screens.resume import ResumeScreen

        call_id = await self.push_screen_wait(ResumeScreen(unfinished, self.clock()))
        if call_id is not None:
            await self.resume_call(call_id)

    async def resume_call(self, call_id: int) -> bool:
        backend = self.backend
        try:
            info, session = await backend.run(backend.resume_call, call_id)
        except Exception as exc:
            self.notify(f"恢复通话失败: {type(exc).__name__}: {exc}", severity="error", timeout=10)
            return False
        await self.push_screen(CallScreen(info, session))
        return True

    async def open_call(self, lead_id: int | None, *, replace: Screen[Any] | None = None) -> bool:
        """Claim ``lead_id`` (None: the next due lead) and show its call screen: on the main
        script, or on the follow-up script when the lead already had materials mailed."""
        assert self.script is not None
        if self.follower is not None:  # between calls: a newly published version starts here
            scripts = await self.follower.script_for_next_call()
            self.script, self.followup_script = scripts.development, scripts.maintenance
        scripts = ScriptSet(self.script, self.followup_script)
        backend = self.backend
        try:
            started = await backend.run(backend.start_call, lead_id, self.agent_id, scripts, self.variables())
        except LeadTaken as exc:
            self.notify(str(exc), severity="warning")
            return False
        except Exception as exc:
            self.notify(f"开始通话失败: {problem_text(exc)}", severity="error", timeout=10)
            return False
        if started is None:
            self.notify("现在没有要打的客户了", title="客户列表")
            if replace is not None:
                replace.dismiss(None)
            return False
        info, session = started
        screen = CallScreen(info, session)
        if replace is not None:
            self.switch_screen(screen)  # not awaited: `replace`'s own worker is calling us
        else:
            await self.push_screen(screen)
        return True

    async def next_call(self, replace: Screen[Any] | None = None) -> bool:
        return await self.open_call(None, replace=replace)


NO_ACCOUNTS = (
    "浏览器里使用需要账号。请先在服务器上创建一个管理员账号:\n\n"
    "    callscript users add 名字 --role admin\n\n"
    "(No account exists yet: create an admin with `callscript users add NAME --role admin` first.)"
)

if TYPE_CHECKING:

    def _gives_its_screens_what_they_read(app: CallscriptApp) -> AgentAppHost:
        return app  # mypy: the app satisfies the screens' view of it (callscript/tui/host.py)


def _loads(path: Path) -> bool:
    """Whether the script file at ``path`` exists and loads (used once, when a start of shift
    found a broken file and must tell which of the two is fine)."""
    from callscript.script.loader import load_script

    try:
        load_script(path)
    except (ScriptError, OSError):
        return False
    return True


def run(
    script_path: Path | None = None,
    db_path: Path | None = None,
    agent: str | None = None,
    hours: BusinessHours | None = None,
) -> None:
    """``uv run callscript``: the app, then its exit code (non-zero when it could not start)."""
    app = CallscriptApp(script_path=script_path, db_path=db_path, agent=agent, hours=hours)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
