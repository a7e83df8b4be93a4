"""Start of the first shift: the agent's name (and company), asked once and remembered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from callscript.core.cleantext import LIMITS
from callscript.tui.host import AgentAppHost
from callscript.tui.widgets import ImeInput


@dataclass(frozen=True, slots=True)
class AgentAnswer:
    name: str
    company: str


class AgentNameScreen(Screen[AgentAnswer]):
    """Asked when neither ``--agent`` nor the config file names the agent."""

    def __init__(self, company_default: str = "") -> None:
        super().__init__()
        self._company_default = company_default

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="agent-dialog"):
            yield Label("欢迎使用 callscript", classes="dialog-title")
            yield Static("你的姓名 (开场白里会说「我姓…」):")
            yield ImeInput(placeholder="例如 张三", id="agent-name", max_length=LIMITS["agent_name"])
            yield Static(f"公司名称 (留空 = {self._company_default}):")
            yield ImeInput(placeholder=self._company_default, id="agent-company", max_length=LIMITS["company"])
            yield Static("", id="agent-error", classes="error")
            yield Static(Text("Enter 确定 · 下次启动会记住", "dim"))

    def on_mount(self) -> None:
        blink = self.host.cursor_blink
        for box in self.query(Input):
            box.cursor_blink = blink
        self.query_one("#agent-name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#agent-name", Input).value.strip()
        if not name:
            self.query_one("#agent-error", Static).update(Text("请输入姓名", "bold red"))
            self.query_one("#agent-name", Input).focus()
            return
        if event.input.id == "agent-name":
            self.set_focus(self.query_one("#agent-company", Input))  # at once: typing may run ahead
            return
        self.dismiss(AgentAnswer(name, self.query_one("#agent-company", Input).value.strip()))
