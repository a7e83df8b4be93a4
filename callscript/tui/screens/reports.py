"""``r`` on the lead list: the day's tables (issue 6 fills this screen in).

Kept as its own module so the reports work plugs in here without touching the
lead list: :class:`ReportsScreen` is what ``r`` pushes.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static


class ReportsScreen(Screen[None]):
    BINDINGS = [Binding("escape,q,r", "close", "返回")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("日报 · 数据情况日分析表", "bold"))
            yield Static("报表还没有接入这个界面。可以先在命令行查看: callscript report --help")
        yield Footer(compact=True, show_command_palette=False)

    def action_close(self) -> None:
        self.dismiss(None)
