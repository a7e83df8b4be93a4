"""The lead list: due callbacks and follow-ups first, then new leads; Enter calls.

The rows come from the one lead-list model (:func:`callscript.leads.lead_list`, read and laid
out on the database thread: ``Backend.lead_list_view``). The list keeps itself current: the
app looks for changes every few seconds (:class:`callscript.leads.ListWatch`) and calls
:meth:`LeadListScreen.refresh_rows` when something changed; a refresh that finds the same
rows redraws nothing. After a call the cursor goes to the next item to call (the top of the
list); calling a lead again within the hour asks first (``callscript.core.lifecycle``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static

from callscript.core.lifecycle import called_recently
from callscript.core.outcomes import OUTCOME_VALUES, Outcome
from callscript.tui.backend import ListQuery
from callscript.tui.host import AgentAppHost
from callscript.tui.text import Run, short_time
from callscript.tui.widgets import KeyBar
from callscript.tui.widgets.drawn import DrawnText
from callscript.tui.widgets.keybar import key_runs
from callscript.tui.widgets.lead_table import Column, LeadTable

if TYPE_CHECKING:  # the lead list (and storage) is loaded on the database thread
    from callscript.leads import LeadListRow
    from callscript.tui.backend import LeadListView

COLUMNS: tuple[Column, ...] = (
    Column("状态", 8),
    Column("时间", 11),
    Column("公司", 14, share=4, comfort=20),
    Column("联系人", 6, share=1),
    Column("电话", 13, fit=True, max_width=24),  # as wide as the widest number shown: never cut
    Column("行业", 4, share=1),
)


class LeadListScreen(Screen[None]):
    AUTO_FOCUS = "#leads"
    """The table has the focus from the first frame (Textual's default, the first focusable
    widget, is the search box: an Enter pressed as the list appears went to it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "call", "打电话", show=True),
        Binding("n", "add_lead", "添加客户"),
        Binding("slash", "search", "搜索", key_display="/"),
        Binding("i", "industry", "行业"),
        Binding("u", "resume", "继续通话"),
        Binding("r", "reports", "日报"),
        Binding("p", "pause", "暂停"),
        Binding("b", "floor", "看板", show=False),
        Binding("s", "sample_leads", "示例客户", show=False),
        Binding("f5", "refresh", "刷新"),
        Binding("f1", "help", "帮助"),
        Binding("q", "quit", "退出"),
        Binding("escape", "leave_search", "返回列表", show=False),
    ]

    def __init__(self, first_read: tuple[LeadListView | None, list[str]] | None = None) -> None:
        """``first_read``: the list and the industries already read (the app's start of shift
        reads them while it waits on the database anyway): the screen's first frame shows the
        rows, instead of an empty table laid out and drawn once before them."""
        super().__init__()
        self._first_read = first_read
        self.view: LeadListView | None = None
        self.rows: tuple[LeadListRow, ...] = ()
        self.industries: list[str] = []
        self.industry: str | None = None
        self.search = ""
        self.unfinished = 0
        self.empty_database = False
        self._select_lead: int | None = None
        self._to_top = False  # back from a call: the cursor goes to the next item to call
        self._resumed_once = False
        self._stale = False  # the app saw a change while another screen was in front
        self._title_shown: tuple[object, ...] | None = None
        self._empty_shown: object = None
        self._bindings_shown: tuple[int, bool] | None = None

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def compose(self) -> ComposeResult:
        yield DrawnText(pad=1, id="list-title")
        with Horizontal(id="list-filters"):
            yield Input(placeholder="/ 搜索公司、联系人、电话", id="search")
            yield Static("", id="industry-filter")
        yield LeadTable(COLUMNS, id="leads")
        yield Static("", id="list-empty")
        yield KeyBar(id="keybar")

    def on_mount(self) -> None:
        search = self.query_one("#search", Input)
        search.cursor_blink = self.host.cursor_blink
        self._render_title()
        if self._first_read is not None:
            view, self.industries = self._first_read
            self._first_read = None
            if view is not None:
                self._show(view)
        else:
            self.reload()
        self.query_one(LeadTable).focus()

    def on_screen_resume(self) -> None:
        if self._resumed_once:  # back from a call or a dialog (the first resume follows the mount)
            self.reload()
        self._resumed_once = True

    # -- reading -----------------------------------------------------------------
    def refresh_rows(self) -> None:
        """Something changed on the floor (the app's watch saw it): read the list again, cheaply."""
        if self.is_current:
            self.reload(full=False)
        else:
            self._stale = True  # read when this screen is back (on_screen_resume does)

    def list_query(self) -> ListQuery | None:
        """What the app's watch may read again with its look (None: not on screen, or a move of
        the cursor is pending — then :meth:`refresh_rows` reads it the usual way)."""
        if not self.is_current or self._to_top or self._select_lead is not None:
            return None
        return ListQuery(self.host.agent_id, self.industry, self.search, self.view)

    def rows_read(self, shown: ListQuery, view: LeadListView | None) -> None:
        """The list as the watch read it again with its look (``view`` None: the same as shown).
        If the list moved on meanwhile (a new filter, a read of its own), read it the usual way."""
        now = self.list_query()
        if now is None or now.previous is not shown.previous or now[:3] != shown[:3]:
            self.refresh_rows()  # (the views compared by identity: equal rows cost a walk of them)
            return
        self._stale = False
        if view is not None:
            self._show(view)

    @work(exclusive=True, group="reload")
    async def reload(self, full: bool = True) -> None:
        """Read the list (and, ``full``, the industries) on the database thread; show it if it changed."""
        host = self.host
        backend = host.backend
        previous = None if full or self._to_top or self._select_lead is not None else self.view
        try:
            view = await backend.run(
                backend.lead_list_view,
                host.agent_id,
                industry=self.industry,
                search=self.search,
                previous=previous,
            )
            if full:
                self.industries = await backend.run(backend.industries)
        except Exception as exc:
            self.notify(f"读取客户列表失败: {exc}", severity="error")
            return
        self._stale = False
        if view is not None:
            self._show(view)

    def _show(self, view: LeadListView) -> None:
        self.view = view
        self.rows = view.rows
        self.unfinished = view.unfinished
        self.empty_database = view.leads_in_database == 0
        table = self.query_one(LeadTable)
        cursor_key = self._select_lead
        if self._to_top and view.table:
            cursor_key = view.table[0].key
        table.show(view.table, view.widest, cursor_key=cursor_key)
        self._select_lead = None
        self._to_top = False
        self._render_title()
        self._render_empty()

    def _render_empty(self) -> None:
        offers = self._offers_samples()
        key = (bool(self.rows), bool(self.search or self.industry), offers)
        if key == self._empty_shown:
            return
        self._empty_shown = key
        empty = self.query_one("#list-empty", Static)
        empty.display = not self.rows
        if self.rows:
            return
        if self.search or self.industry:
            empty.update("没有符合条件的客户 (Esc 清除搜索, i 切换行业)")
        elif offers and self.host.sample_leads is not None:
            text = Text("数据库里还没有客户。\n\n")
            text.append(" s ", "bold reverse")
            text.append(" 载入示例客户 ", "bold")
            text.append(f"({self.host.sample_leads.name}), 马上就能试打一通电话。\n\n", "")
            text.append("或按 n 手动添加, 或用 `callscript leads import 文件.xlsx` 导入。", "dim")
            empty.update(text)
        else:
            empty.update("现在没有要打的客户。按 n 手动添加, 或用 `callscript leads import 文件.xlsx` 导入。")

    # -- drawing -------------------------------------------------------------------
    def _render_keys(self) -> None:
        pairs = [("Enter", "打电话"), ("n", "添加"), ("/", "搜索"), ("i", "行业")]
        if self.unfinished:
            pairs.append(("u", "继续通话"))
        if self._offers_samples():
            pairs.insert(0, ("s", "载入示例客户"))
        pairs += [("r", "日报"), ("p", "暂停")]
        if self.host.floor_allowed:
            pairs.append(("b", "看板"))
        pairs += [("F5", "刷新"), ("F1", "帮助"), ("q", "退出")]
        # a narrow terminal drops the hints whose keys F1 lists anyway, so 帮助 and 退出 stay in sight
        width = self.size.width or 80
        for spare in (("F5", "刷新"), ("b", "看板")):
            if sum(cell_len(text) for text, _ in key_runs(pairs)) > width and spare in pairs:
                pairs.remove(spare)
        self.query_one(KeyBar).show(pairs)

    def on_resize(self) -> None:
        self._render_keys()

    def _render_title(self) -> None:
        """The title line(s), the industry filter and the keys — each drawn only when it changed,
        and without a layout of the screen unless the title's height changed (a refresh of the
        list must not repaint the whole screen: the title is drawn runs, not a Static)."""
        host = self.host
        counts = self.view.stage_counts if self.view is not None else ()
        key = (host.agent_name, host.company, counts, self.unfinished, self.industry)
        if key == self._title_shown:
            return
        before = self._title_shown
        self._title_shown = key
        title: list[Run] = [(" 客户列表 ", "bold reverse"), (f"  坐席 {host.agent_name}", "bold")]
        company = host.company
        if company:
            title.append((f" · {company}", ""))
        if counts:
            title.append(("   " + " · ".join(f"{k} {v}" for k, v in counts), "dim"))
        lines: list[tuple[Run, ...]] = [tuple(title)]
        if self.unfinished:
            lines.append(((f"⚠ 有 {self.unfinished} 个未完成的通话, 按 u 继续", "bold red"),))
        self.query_one("#list-title", DrawnText).show(lines)
        if before is None or before[4] != self.industry:
            label = Text("行业 ", "dim")
            label.append(self.industry or "全部", "bold")
            label.append(" (i)", "dim")
            self.query_one("#industry-filter", Static).update(label, layout=False)
        self._render_keys()  # (the bar redraws only if its keys changed)
        bindings = (self.unfinished, self._offers_samples())  # u and s come and go with these
        if bindings != self._bindings_shown:
            self._bindings_shown = bindings
            self.refresh_bindings()

    def selected(self) -> LeadListRow | None:
        key = self.query_one(LeadTable).cursor_key
        return next((row for row in self.rows if row.lead.id == key), None)

    # -- actions --------------------------------------------------------------
    @on(LeadTable.Selected)
    def _row_clicked(self, event: LeadTable.Selected) -> None:
        event.stop()
        self.action_call()

    def action_call(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.query_one(LeadTable).focus()
            return
        row = self.selected()
        if row is None:
            self.notify("列表是空的; 按 n 添加客户", severity="warning")
            return
        lead = row.lead
        now = self.host.clock()
        if called_recently(lead.last_called_at, now):
            assert lead.last_called_at is not None
            outcome = Outcome(lead.last_outcome).label if lead.last_outcome in OUTCOME_VALUES else "已拨打"
            question = f"{short_time(lead.last_called_at, now)} 刚打过这个客户 ({outcome}), 还要再打吗?"

            def answered(yes: bool | None) -> None:
                if yes:
                    self._start(lead.id)

            from callscript.tui.screens.dialogs import ConfirmDialog

            self.app.push_screen(ConfirmDialog(question, f"{lead.company} {lead.contact or ''}".strip()), answered)
            return
        self._start(lead.id)

    @work(exclusive=True, group="call")
    async def _start(self, lead_id: int) -> None:
        self._to_top = True
        if not await self.host.open_call(lead_id):
            self._to_top = False

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
        self.query_one(LeadTable).focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.search = event.value.strip()
        self.reload(full=False)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(LeadTable).focus()

    def action_industry(self) -> None:
        choices: list[str | None] = [None, *self.industries]
        try:
            index = choices.index(self.industry)
        except ValueError:
            index = 0
        self.industry = choices[(index + 1) % len(choices)]
        self._render_title()
        self.reload(full=False)

    def action_resume(self) -> None:
        self._to_top = True
        self.host.offer_resume()

    def action_reports(self) -> None:
        from callscript.tui.screens.reports import ReportsScreen

        self.app.push_screen(ReportsScreen(actor=self.host.actor))

    def action_floor(self) -> None:
        """``b``: the floor board (supervisors; storage refuses anyone else, the key is not offered)."""
        if not self.host.floor_allowed:
            return
        from callscript.tui.screens.floor import FloorScreen

        self.app.push_screen(FloorScreen())

    @work(exclusive=True, group="pause")
    async def action_pause(self) -> None:
        """``p``: a pause with a reason (docs/agent-app.md, "Pauses"); Enter on the pause screen ends it."""
        from callscript.tui.screens.pause import PauseReasonDialog, PauseScreen

        host = self.host
        backend = host.backend
        try:
            settings = await backend.run(backend.floor_settings)
        except Exception as exc:
            self.notify(f"暂停失败: {exc}", severity="error")
            return
        reason = await self.app.push_screen_wait(PauseReasonDialog(settings))
        if reason is None:
            return
        await self.app.push_screen_wait(PauseScreen(reason, host.clock(), settings.pause_minutes(reason)))

    def _offers_samples(self) -> bool:
        return self.empty_database and self.host.sample_leads is not None

    def action_sample_leads(self) -> None:
        sample = self.host.sample_leads
        if self._offers_samples() and sample is not None:
            self._load_samples(sample)

    @work(exclusive=True, group="samples")
    async def _load_samples(self, path: Path) -> None:
        backend = self.host.backend
        try:
            count = await backend.run(backend.import_sample_leads, path)
        except Exception as exc:
            self.notify(f"没能载入示例客户: {exc}", severity="error")
            return
        self.notify(f"已载入 {count} 个示例客户; Enter 打第一个", title="示例客户")
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def action_help(self) -> None:
        from callscript.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        search_focused = self.is_mounted and self.query_one("#search", Input).has_focus
        if action in ("add_lead", "industry", "reports", "quit", "search", "sample_leads") and search_focused:
            return False  # letters typed into the search box
        if action == "resume":
            return bool(self.unfinished) and not search_focused
        if action == "sample_leads":
            return self._offers_samples()
        return True
