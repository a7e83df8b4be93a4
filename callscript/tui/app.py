"""The agent's app: start of shift → lead list → calls → summary, over one Backend.

``run()`` is what ``callscript`` (no subcommand) calls. Tests build
:class:`CallscriptApp` directly with a tmp database, a tmp config file and a
fixed clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from callscript.config import AgentConfig, business_hours, default_script_path, resolve_db_path, sample_leads_path
from callscript.core.when import BusinessHours
from callscript.script.model import Script
from callscript.script.problems import ScriptError
from callscript.tui import wide_chars
from callscript.tui.backend import Backend, LeadTaken
from callscript.tui.clock import Clock, system_clock
from callscript.tui.garbage import settle_garbage
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.script_updates import POLL_SECONDS, ScriptFollower
from callscript.tui.widgets import CallInput

if TYPE_CHECKING:  # the screens a start of shift may not need are imported when shown
    from callscript.leads import DueAlert, ListWatch
    from callscript.storage import UnfinishedCall
    from callscript.tui.host import AgentAppHost
    from callscript.tui.screens.agent import AgentAnswer

WATCH_SECONDS = 3.0
"""How often the app looks for changes on the floor and for callbacks coming due (a look
that finds nothing costs a few microseconds on the database thread: callscript.leads.watch)."""

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
        cursor_blink: bool = True,
        live_timer: bool = True,
        back_guard: float | None = None,
        hours: BusinessHours | None = None,
        store_options: Mapping[str, Any] | None = None,
        script_poll: float = POLL_SECONDS,
        watch_seconds: float = WATCH_SECONDS,
        sample_leads: Path | None = _DEFAULT,
    ) -> None:
        super().__init__()
        wide_chars.install()  # notices over a widget's edge keep every Chinese character
        self.script_path = Path(script_path) if script_path else default_script_path()
        self.db_path = resolve_db_path(db_path)
        self.agent_arg = agent.strip() if agent else None
        self.clock: Clock = clock or system_clock
        self.config_file = Path(config_file) if config_file else None
        self.script: Script | None = script
        # Follows the script file (when the app loads it) so a newly published version
        # is used from the next call on: callscript/tui/script_updates.py.
        self.script_poll = script_poll
        self.follower: ScriptFollower | None = None
        self.cursor_blink = cursor_blink
        self.live_timer = live_timer
        self.back_guard: float = back_guard if back_guard is not None else CallInput.back_guard
        # Read once, here, and passed down (screens see it as CallHost.business_hours).
        self.business_hours: BusinessHours = hours if hours is not None else business_hours()
        self.backend = Backend(self.db_path, clock=self.clock, store_options=dict(store_options or {}))
        self.agent_name = ""
        self.company = ""
        self.agent_id = 0
        self.ready = False
        self.sample_leads: Path | None = sample_leads_path() if sample_leads is _DEFAULT else sample_leads
        self.watch_seconds = watch_seconds
        self.lead_watch: ListWatch | None = None
        self.alerts: list[DueAlert] = []
        """Every due-callback alert shown this shift, in order."""

    def compose(self) -> ComposeResult:
        yield Static("callscript 正在打开…", id="boot")

    def on_mount(self) -> None:
        self.startup()

    def on_unmount(self) -> None:
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
        broken: str | None = None  # why the script file cannot be loaded
        if self.script is None:
            try:
                self.follower = ScriptFollower.load(self, self.script_path, self.script_poll)
                self.script = self.follower.in_use
            except ScriptError as exc:
                broken = str(exc)
            except OSError as exc:
                broken = f"{self.script_path}: {exc.strerror or exc}"
        if self.script is None:
            # A broken file (a bad publish, a crash mid-edit) must not keep agents from working:
            # start on the last good version the database keeps, as running apps do.
            try:
                await backend.run(backend.open)
                stored = await backend.run(backend.last_good_script, self.script_path)
            except Exception as exc:
                await self.push_screen(ErrorScreen("打不开数据库", f"{self.db_path}: {type(exc).__name__}: {exc}"))
                return
            if stored is None:
                detail = (
                    f"{broken}\n\n数据库里也没有这个话术的旧版本可用。请主管修好话术文件 (callscript edit) 再打开。"
                )
                await self.push_screen(ErrorScreen(f"脚本有错误: {self.script_path}", detail))
                return
            self.script = stored
            self.follower = ScriptFollower.from_stored(self, self.script_path, stored, self.script_poll)
            await self.follower.check_now()  # the running apps' notice: N 处错误, 未启用; 继续使用版本 …
        assert self.script is not None
        config = AgentConfig.load(self.config_file)
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
            await backend.run(backend.open, self.script)
            self.agent_id = await backend.run(backend.ensure_agent, name)
            unfinished = await backend.run(backend.unfinished_calls, self.agent_id)
        except Exception as exc:
            await self.push_screen(ErrorScreen("打不开数据库", f"{self.db_path}: {type(exc).__name__}: {exc}"))
            return
        self.lead_watch = await backend.run(backend.new_watch, self.agent_id)
        await self.push_screen(LeadListScreen())
        self.ready = True
        settle_garbage()
        if self.follower is not None:
            self.follower.start()
        if self.watch_seconds > 0:
            self.set_interval(self.watch_seconds, self.look_for_changes, name="lead-watch")
        if unfinished:
            await self._offer_resume(unfinished)

    # -- the floor moves on ---------------------------------------------------------
    @work(exclusive=True, group="watch", exit_on_error=False)
    async def look_for_changes(self) -> None:
        """One look (callscript.leads.ListWatch): refresh the lead list when something changed;
        tell the agent when a callback has come due — a notice and the terminal bell, over
        whatever screen is in front (a call included), without taking the focus."""
        watch = self.lead_watch
        if watch is None:
            return
        backend = self.backend
        try:
            look = await backend.run(backend.look_for_changes, watch)
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
                if isinstance(screen, LeadListScreen):
                    screen.refresh_rows()

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
        """Claim ``lead_id`` (None: the next due lead) and show its call screen."""
        assert self.script is not None
        if self.follower is not None:  # between calls: a newly published version starts here
            self.script = await self.follower.script_for_next_call()
        backend = self.backend
        try:
            started = await backend.run(backend.start_call, lead_id, self.agent_id, self.script, self.variables())
        except LeadTaken as exc:
            self.notify(str(exc), severity="warning")
            return False
        except Exception as exc:
            self.notify(f"开始通话失败: {type(exc).__name__}: {exc}", severity="error", timeout=10)
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


if TYPE_CHECKING:

    def _gives_its_screens_what_they_read(app: CallscriptApp) -> AgentAppHost:
        return app  # mypy: the app satisfies the screens' view of it (callscript/tui/host.py)


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
