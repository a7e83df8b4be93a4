"""The lead list: due callbacks and follow-ups first, then new leads; Enter calls."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from callscript.tui.host import AgentAppHost
from callscript.tui.screens.help import HelpScreen
from callscript.tui.text import crop_cells
from callscript.tui.widgets import KeyBar

if TYPE_CHECKING:  # the lead list (and storage) is loaded on the database thread
    from callscript.leads import LeadListRow

#: How each life-cycle stage (callscript.core.lifecycle.STAGE_LABELS) is drawn; due work stands out.
STAGE_STYLES = {
    "callback_due": "bold red",
    "follow_up_due": "bold yellow",
    "new": "",
    "retry_due": "cyan",
    "callback": "dim",
    "mailed": "dim",
    "called": "dim",
    "set_aside": "dim",
}

#: (label, minimum width in cells, share of the spare width)
COLUMNS: list[tuple[str, int, int]] = [
    ("状态", 8, 0),
    ("时间", 10, 0),
    ("公司", 14, 4),
    ("联系人", 6, 1),
    ("电话", 14, 0),  # "0769 8533 1234": a 4-digit area code in dial form
    ("行业", 4, 1),
]


def short_time(moment: datetime, now: datetime) -> str:
    """A due time in at most 10 cells: 09:30 · 明天 09:30 · 11-28 09:30."""
    days = (moment.date() - now.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return clock
    if days == 1:
        return f"明天 {clock}"
    if days == -1:
        return f"昨天 {clock}"
    return moment.strftime("%m-%d %H:%M")


def column_widths(total: int) -> list[int]:
    """Widths that fill ``total`` cells (DataTable pads each cell by one on each side)."""
    base = [w for _, w, _ in COLUMNS]
    spare = total - sum(base) - 2 * len(COLUMNS) - 2  # cell padding, scrollbar
    shares = sum(s for _, _, s in COLUMNS)
    if spare > 0:
        extra = [spare * s // shares for _, _, s in COLUMNS]
        base = [b + e for b, e in zip(base, extra, strict=False)]
    return base


class LeadListScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "call", "打电话", show=True),
        Binding("n", "add_lead", "添加客户"),
        Binding("slash", "search", "搜索", key_display="/"),
        Binding("i", "industry", "行业"),
        Binding("u", "resume", "继续通话"),
        Binding("r", "reports", "日报"),
        Binding("f5", "refresh", "刷新"),
        Binding("f1", "help", "帮助"),
        Binding("q", "quit", "退出"),
        Binding("escape", "leave_search", "返回列表", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[LeadListRow] = []
        self.industries: list[str] = []
        self.industry: str | None = None
        self.search = ""
        self.unfinished = 0
        self._select_lead: int | None = None
        self._resumed_once = False

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="list-title")
        with Horizontal(id="list-filters"):
            yield Input(placeholder="/ 搜索公司、联系人、电话", id="search")
            yield Static("", id="industry-filter")
        yield DataTable(id="leads", cursor_type="row", zebra_stripes=True)
        yield Static("", id="list-empty")
        yield KeyBar(id="keybar")

    def on_mount(self) -> None:
        search = self.query_one("#search", Input)
        search.cursor_blink = self.host.cursor_blink
        self._setup_columns()
        self._render_title()
        self.reload()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        if self._resumed_once:  # back from a call or a dialog (the first resume follows the mount)
            self.reload()
        self._resumed_once = True

    def _setup_columns(self) -> None:
        table = self.query_one(DataTable)
        width = self.size.width or self.app.size.width
        table.clear(columns=True)
        for (label, _, _), w in zip(COLUMNS, column_widths(width), strict=False):
            table.add_column(label, width=w, key=label)
        self._widths = column_widths(width)
        self._fill()

    def on_resize(self, event: Resize) -> None:
        if getattr(self, "_widths", None) != column_widths(event.size.width):
            self._setup_columns()

    def _render_keys(self) -> None:
        pairs = [("Enter", "打电话"), ("n", "添加"), ("/", "搜索"), ("i", "行业")]
        if self.unfinished:
            pairs.append(("u", "继续通话"))
        pairs += [("r", "日报"), ("F5", "刷新"), ("F1", "帮助"), ("q", "退出")]
        self.query_one(KeyBar).show(pairs)

    def _render_title(self) -> None:
        host = self.host
        text = Text()
        text.append(" 客户列表 ", "bold reverse")
        text.append(f"  坐席 {host.agent_name}", "bold")
        company = host.company
        if company:
            text.append(f" · {company}")
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.stage_label] = counts.get(row.stage_label, 0) + 1
        if counts:
            text.append("   " + " · ".join(f"{k} {v}" for k, v in counts.items()), "dim")
        if self.unfinished:
            text.append(f"\n ⚠ 有 {self.unfinished} 个未完成的通话, 按 u 继续", "bold red")
        self.query_one("#list-title", Static).update(text)
        label = Text("行业 ", "dim")
        label.append(self.industry or "全部", "bold")
        label.append(" (i)", "dim")
        self.query_one("#industry-filter", Static).update(label)
        self._render_keys()

    @work(exclusive=True, group="reload")
    async def reload(self) -> None:
        host = self.host
        backend = host.backend
        try:
            rows = await backend.run(backend.lead_rows, host.agent_id, industry=self.industry, search=self.search)
            self.industries = await backend.run(backend.industries)
            self.unfinished = len(await backend.run(backend.unfinished_calls, host.agent_id))
        except Exception as exc:
            self.notify(f"读取客户列表失败: {exc}", severity="error")
            return
        self.rows = rows
        self._fill()
        self._render_title()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = self._select_lead
        if keep is None and table.row_count and 0 <= table.cursor_row < len(self.rows):
            try:
                keep = int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
            except Exception:
                keep = None
        table.clear()
        widths = getattr(self, "_widths", column_widths(self.app.size.width))
        now = self.host.clock()
        target = 0
        for index, row in enumerate(self.rows):
            lead = row.lead
            due = short_time(row.due_at, now) if row.due_at is not None and row.stage != "new" else ""
            cells = [
                row.stage_label,
                due,
                lead.company,
                lead.contact or "",
                row.phone_display or lead.phone,
                lead.industry or "",
            ]
            style = STAGE_STYLES.get(row.stage, "")
            table.add_row(
                *[
                    Text(crop_cells(c, w), style=style if i < 2 else "", no_wrap=True)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=False))
                ],
                key=str(lead.id),
            )
            if keep is not None and lead.id == keep:
                target = index
        if self.rows:
            table.move_cursor(row=target, animate=False)
        self._select_lead = None
        empty = self.query_one("#list-empty", Static)
        empty.display = not self.rows
        if not self.rows:
            if self.search or self.industry:
                empty.update("没有符合条件的客户 (Esc 清除搜索, i 切换行业)")
            else:
                empty.update("还没有客户。按 n 手动添加, 或用 `callscript leads import 文件.xlsx` 导入。")

    def selected(self) -> LeadListRow | None:
        table = self.query_one(DataTable)
        if not self.rows or not (0 <= table.cursor_row < len(self.rows)):
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        for row in self.rows:
            if str(row.lead.id) == key:
                return row
        return None

    # -- actions --------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_call()

    def action_call(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.query_one(DataTable).focus()
            return
        row = self.selected()
        if row is None:
            self.notify("列表是空的; 按 n 添加客户", severity="warning")
            return
        self._start(row.lead.id)

    @work(exclusive=True, group="call")
    async def _start(self, lead_id: int) -> None:
        await self.host.open_call(lead_id)

    def action_add_lead(self) -> None:
        from callscript.tui.screens.add_lead import AddLeadScreen

        def added(lead_id: int | None) -> None:
            if lead_id is not None:
                self._select_lead = lead_id
                self.notify("客户已添加")
                self.reload()

        self.app.push_screen(AddLeadScreen(self.industries), added)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
        self.query_one(DataTable).focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.search = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def action_industry(self) -> None:
        choices: list[str | None] = [None, *self.industries]
        try:
            index = choices.index(self.industry)
        except ValueError:
            index = 0
        self.industry = choices[(index + 1) % len(choices)]
        self._render_title()
        self.reload()

    def action_resume(self) -> None:
        self.host.offer_resume()

    def action_reports(self) -> None:
        from callscript.tui.screens.reports import ReportsScreen

        self.app.push_screen(ReportsScreen(actor=self.host.actor))

    def action_refresh(self) -> None:
        self.reload()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        search_focused = self.is_mounted and self.query_one("#search", Input).has_focus
        if action in ("add_lead", "industry", "reports", "quit", "search") and search_focused:
            return False  # letters typed into the search box
        if action == "resume":
            return bool(self.unfinished) and not search_focused
        return True
