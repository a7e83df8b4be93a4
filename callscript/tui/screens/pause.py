"""``p`` on the lead list: a pause with a reason (休息 · 午饭 · 培训 · 会议 · 其他).

The reason dialog shows each reason's maximum as the supervisor set it (``callscript floor
set pause_max_lunch 45``); the pause screen then stays up — the floor board shows the agent as
暂停·午饭 since the moment it opened (``callscript.tui.presence`` reads ``pause_reason`` off this
screen) — with the time paused, turning red past the maximum, until Enter ends it. Ctrl+Q still
quits; the idle lock may come over it and the pause goes on underneath.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from callscript.core.floor_settings import FloorSettings
from callscript.core.presence import PAUSE_LABELS, PauseReason
from callscript.tui.clock import elapsed_text
from callscript.tui.host import AgentAppHost

PAUSE_KEYS: tuple[tuple[str, PauseReason], ...] = tuple((str(i), r) for i, r in enumerate(PauseReason, start=1))


class PauseReasonDialog(ModalScreen[PauseReason | None]):
    """Why the agent steps away (1–5), each with its maximum."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, settings: FloorSettings) -> None:
        super().__init__(classes="dialog-screen")
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pause-dialog"):
            yield Label("暂停: 为什么离开?", classes="dialog-title")
            lines = Text()
            for key, reason in PAUSE_KEYS:
                if lines:
                    lines.append("\n")
                lines.append(f" {key} ", "bold reverse")
                lines.append(f" {PAUSE_LABELS[reason]}")
                lines.append(f"  (最长 {self.settings.pause_minutes(reason)} 分钟)", "dim")
            yield Static(lines, id="pause-choices")
            keys = Text()
            keys.append(" 1–5 ", "reverse")
            keys.append(" 选择  ")
            keys.append(" Esc ", "reverse")
            keys.append(" 取消")
            yield Static(keys, classes="dialog-keys")

    def on_key(self, event: Key) -> None:
        for key, reason in PAUSE_KEYS:
            if event.character == key:
                event.stop()
                self.dismiss(reason)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)


class PauseScreen(Screen[None]):
    """The agent is away: 暂停中 · 午饭, since when, for how long; Enter ends the pause."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "resume", "回来了, 继续工作")]

    DEFAULT_CSS = """
    PauseScreen { align: center middle; }
    #pause-box { width: 56; max-width: 100%; height: auto; border: round $warning; padding: 1 2; }
    """

    def __init__(self, reason: PauseReason, started: datetime, max_minutes: int) -> None:
        super().__init__()
        self.pause_reason = reason
        """What the presence reporter reads: while this screen is up the agent is 暂停 for this reason."""
        self.started = started
        self.max_minutes = max_minutes

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="pause-box")

    def on_mount(self) -> None:
        self._tick()
        if self.host.live_timer:
            self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        seconds = (self.host.clock() - self.started).total_seconds()
        over = seconds >= self.max_minutes * 60
        text = Text()
        text.append(" 暂停中 ", "bold reverse yellow")
        text.append(f"  {PAUSE_LABELS[self.pause_reason]}\n\n", "bold")
        text.append(f"{self.started:%H:%M} 开始, 已经 ")
        text.append(elapsed_text(seconds), "bold red" if over else "bold")
        text.append(f"  (最长 {self.max_minutes} 分钟)\n", "dim")
        if over:
            text.append("已超过最长时间, 主管的看板上会提醒。\n", "bold red")
        text.append("\n")
        text.append(" Enter ", "bold reverse")
        text.append(" 回来了, 继续工作")
        self.query_one("#pause-box", Static).update(text)

    def action_resume(self) -> None:
        self.dismiss(None)
