"""Start of shift (or ``u``): this agent has a call that never got its outcome."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Label, Static

if TYPE_CHECKING:
    from callscript.storage import UnfinishedCall
from callscript.core.when import describe


class ResumeScreen(ModalScreen[int | None]):
    """Offer the unfinished calls, newest first; Enter resumes the first, 1–9 picks one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick(0)", "继续通话"),
        Binding("escape", "later", "稍后"),
    ]

    def __init__(self, calls: list[UnfinishedCall], now: datetime) -> None:
        super().__init__()
        self.calls = calls[:9]
        self._now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Label("有没结束的通话", classes="dialog-title")
            yield Static("上次的通话没有记录结果 (程序被关闭或崩溃)。所有回答都已保存, 可以从中断处继续:")
            lines = Text()
            for i, call in enumerate(self.calls, start=1):
                if i > 1:
                    lines.append("\n")
                lines.append(f" {i} ", "bold reverse")
                lines.append(f" {call.company}", "bold")
                lines.append(f"  开始 {describe(call.started_at, self._now)} · 已记 {call.events} 步", "dim")
            yield Static(lines, id="resume-list")
            keys = Text()
            keys.append(" Enter ", "reverse")
            keys.append(" 继续第一个  ")
            if len(self.calls) > 1:
                keys.append(f" 1–{len(self.calls)} ", "reverse")
                keys.append(" 选择  ")
            keys.append(" Esc ", "reverse")
            keys.append(" 稍后 (列表里按 u)")
            yield Static(keys, classes="dialog-keys")

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.calls):
                event.stop()
                self.action_pick(index)

    def action_pick(self, index: int) -> None:
        self.dismiss(self.calls[index].call_id)

    def action_later(self) -> None:
        self.dismiss(None)
