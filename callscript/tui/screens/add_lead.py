"""``n`` on the lead list: add one lead by hand, checked before it is stored."""

from __future__ import annotations

from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from callscript.core.cleantext import LIMITS
from callscript.tui.backend import LeadRejected
from callscript.tui.host import AgentAppHost
from callscript.tui.widgets import ImeInput

FIELDS: list[tuple[str, str, str]] = [
    ("company", "公司 *", "公司全称"),
    ("contact", "联系人", "姓名"),
    ("title", "职位", "如 行政经理"),
    ("phone", "电话 *", "手机或座机, 如 0755-26881234"),
    ("industry", "行业", "如 电子、贸易"),
]


class AddLeadScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "save", "保存", priority=True),
    ]

    def __init__(self, industries: list[str] | None = None) -> None:
        super().__init__()
        self._industries = industries or []

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-lead"):
            yield Label("添加客户", classes="dialog-title")
            with Grid(id="add-lead-grid"):
                for name, label, placeholder in FIELDS:
                    yield Label(label, classes="field-label")
                    suggester = (
                        SuggestFromList(self._industries, case_sensitive=False)
                        if name == "industry" and self._industries
                        else None
                    )
                    yield ImeInput(
                        placeholder=placeholder, id=f"lead-{name}", suggester=suggester, max_length=LIMITS[name]
                    )
            yield Static("", id="add-lead-error", classes="error")
            keys = Text()
            keys.append(" Enter ", "reverse")
            keys.append(" 下一项 / 保存  ")
            keys.append(" Ctrl+S ", "reverse")
            keys.append(" 保存  ")
            keys.append(" Esc ", "reverse")
            keys.append(" 取消")
            yield Static(keys, classes="dialog-keys")

    def on_mount(self) -> None:
        blink = self.host.cursor_blink
        for box in self.query(Input):
            box.cursor_blink = blink
        self.set_focus(self.query_one("#lead-company", Input))

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#lead-{name}", Input).value for name, _, _ in FIELDS}

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        # Enter moves on to the next empty field; with none left, it saves (so after
        # correcting the phone, Enter saves instead of walking through filled fields).
        ids = [f"lead-{name}" for name, _, _ in FIELDS]
        index = ids.index(event.input.id or "")
        for later in ids[index + 1 :]:
            box = self.query_one(f"#{later}", Input)
            if not box.value.strip():
                self.set_focus(box)  # at once: typing may run ahead
                return
        self.action_save()

    @work(exclusive=True, group="save")
    async def action_save(self) -> None:
        backend = self.host.backend
        values = self.values()
        error = self.query_one("#add-lead-error", Static)
        try:
            lead = await backend.run(
                backend.add_lead,
                values["company"],
                values["phone"],
                contact=values["contact"],
                title=values["title"],
                industry=values["industry"],
            )
        except LeadRejected as exc:
            error.update(Text("✗ " + str(exc), "bold red"))
            self.query_one(f"#lead-{exc.field}", Input).focus()
            return
        except Exception as exc:
            error.update(Text(f"✗ 保存失败: {exc}", "bold red"))
            return
        self.dismiss(lead.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
