"""``r`` on the lead list: the end-of-day summary (issue 6).

One screen, four tabs:

* 日分析表 — 数据情况日分析表 for a day (today at first): development calls, by
  industry or by agent (``g``), the 合计 row, the agents' 优点/缺点/建议; ``k`` switches
  to 客户维护日表 (maintenance: follow-ups due and done, per agent) and back;
  ``[`` / ``]`` step a day, ``t`` back to today, ``d`` type a date;
* 待办 — callbacks due today or overdue, follow-ups due (mailed 7–10 days ago),
  with the 17:30–18:00 / rest-day slot of China's calendar, or 窗口已过;
* 图表 — 寄卡率 and 好客户率 by industry for the day (textual-plotext). Plotext
  counts a Chinese character as one cell, so the bars are numbered and the
  industry names are in a legend beside the chart, laid out by rich;
* 节日问候 — the greeting list for the next holiday from the day shown: who gets an
  SMS, a card or a gift (read only when the tab is opened: it reads every graded call).
* 话术漏斗 (tab 5) — the script's tree with each node's arrivals and losses over the 30 days
  up to the day (the newest version with calls then), heat-coloured, and the top
  five places prospects are lost in words (:mod:`callscript.tui.widgets.funnel_tree`).

Self-contained: it takes the database path and a clock (defaults: the app's
``db_path`` and ``clock``) and reads through :mod:`callscript.reports` in a
thread worker on its own short-lived connection, so the event loop never waits
for SQLite and the lead list's backend thread is not involved. The cells are the
same strings as the CLI's table format (:func:`callscript.reports.render.text_cell`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from callscript.config import resolve_db_path
from callscript.core.access import Actor
from callscript.core.china_calendar import next_holiday
from callscript.core.when import parse_day
from callscript.reports.due import DueList, due_list
from callscript.reports.greetings import GreetingList, greeting_list
from callscript.reports.queries import BY_LABELS, KIND_LABELS, MaintenanceSummary, Summary, daily, maintenance, open_db
from callscript.reports.render import Document, document, text_cell
from callscript.tui.clock import Clock
from callscript.tui.host import AgentAppHost, ReportsHost
from callscript.tui.widgets.funnel_tree import FunnelTree, FunnelView, load_funnel

WEEKDAYS = "一二三四五六日"
CHART_LIMIT = 12
"""The chart shows the industries with the most leads that day, at most this many."""
CHART_COLORS = ("blue", "green")


@dataclass(frozen=True, slots=True)
class ReportData:
    day: date
    by: str
    kind: str
    summary: Summary | MaintenanceSummary
    by_industry: Summary
    due: DueList
    greetings: GreetingList | None = None
    funnel: FunnelView | None = None


def load_report(
    db_path: Path,
    day: date,
    by: str,
    now: datetime,
    actor: Actor | None = None,
    *,
    kind: str = "development",
    greetings_for: str | None = None,
) -> ReportData:
    """Everything the screen shows (runs in a worker thread, on its own connection), as
    ``actor`` may see it: an agent's own figures and due list, a supervisor's every agent's.
    ``greetings_for``: the company the greeting list is signed with (None: not read)."""
    db = open_db(db_path)
    try:
        by_industry = daily(db.conn, day, "industry", actor=actor)
        summary: Summary | MaintenanceSummary
        if kind == "maintenance":
            summary = maintenance(db.conn, day, actor=actor)
        else:
            summary = by_industry if by == "industry" else daily(db.conn, day, by, actor=actor)
        greetings = None
        if greetings_for is not None:
            holiday = next_holiday(day)
            greetings = greeting_list(
                db.conn, holiday, holiday.first if holiday else day, company=greetings_for, actor=actor
            )
        due = due_list(db.conn, now, actor=actor)
    finally:
        db.close()
    # the script's funnel is the floor's (every agent's calls): a supervisor's view
    floor_view = actor is None or actor.sees_every_agent
    funnel = load_funnel(db_path, None, day) if floor_view else FunnelView(None, "话术漏斗是全组的数字: 主管可见")
    return ReportData(day, by, kind, summary, by_industry, due, greetings, funnel)


class DateDialog(ModalScreen[date | None]):
    """``d``: type a day (2025-11-25, 11-25, 昨天, -3)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, today: date, current: date) -> None:
        super().__init__()
        self.today = today
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="date-dialog"):
            yield Static("查看哪一天?", classes="dialog-title")
            yield Input(value=self.current.isoformat(), placeholder="2025-11-25 · 11-25 · 昨天 · -3", id="date-input")
            yield Static("", id="date-error", classes="error")
            yield Static(Text("Enter 确定  Esc 取消", "dim"), classes="dialog-keys")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_day(event.value, self.today))
        except ValueError:
            self.query_one("#date-error", Static).update("看不懂这个日期; 例如 2025-11-25、11-25、昨天、-3")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportsScreen(Screen[None]):
    """The day's tables, the due list and the chart."""

    DEFAULT_CSS = """
    ReportsScreen #report-title { height: auto; padding: 0 1; }
    ReportsScreen TabbedContent { height: 1fr; }
    ReportsScreen TabPane { padding: 0; }
    ReportsScreen #report-table, ReportsScreen #due-table { height: 1fr; }
    ReportsScreen #report-remarks { height: auto; max-height: 8; padding: 0 1; color: $text-muted; }
    ReportsScreen #due-note, ReportsScreen #report-empty { height: auto; padding: 0 1; color: $text-muted; }
    ReportsScreen #chart-box { height: 1fr; }
    ReportsScreen #chart { width: 1fr; height: 1fr; }
    ReportsScreen #chart-legend { width: 42; padding: 0 0 0 1; }
    ReportsScreen #date-dialog { width: 50; }
    ReportsScreen #greetings-table { height: 1fr; }
    ReportsScreen #greetings-note { height: auto; padding: 0 1; color: $text-muted; }
    ReportsScreen #funnel-losses { height: auto; max-height: 7; padding: 0 1; }
    ReportsScreen #funnel-tree { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,r", "close", "返回"),
        Binding("left_square_bracket,comma", "step(-1)", "前一天", key_display="["),
        Binding("right_square_bracket,full_stop", "step(1)", "后一天", key_display="]"),
        Binding("t", "today", "今天"),
        Binding("d", "pick_date", "日期"),
        Binding("g", "toggle_by", "行业/业务员"),
        Binding("k", "toggle_kind", "开发/维护"),
        Binding("1", "tab('tab-daily')", "日报", show=False),
        Binding("2", "tab('tab-due')", "待办", show=False),
        Binding("3", "tab('tab-chart')", "图表", show=False),
        Binding("4", "tab('tab-greetings')", "问候", show=False),
        Binding("5", "tab('tab-funnel')", "话术漏斗", show=False),
    ]

    def __init__(
        self,
        db_path: Path | None = None,
        clock: Clock | None = None,
        *,
        day: date | None = None,
        by: str = "industry",
        kind: str = "development",
        company: str | None = None,
        actor: Actor | None = None,
    ) -> None:
        super().__init__()
        self.actor = actor
        """Whose report: an agent sees their own rows; None (no app account) is the owner's every row."""
        self._db_path = resolve_db_path(db_path) if db_path is not None else None
        self._clock = clock
        self._company = company
        self.day = day
        self.by = by
        self.kind = kind
        self.want_greetings = False  # the greeting list is read once its tab has been opened
        self.data: ReportData | None = None
        self.loads = 0  # finished loads (tests wait on it)

    # -- set-up ---------------------------------------------------------------
    @property
    def host(self) -> ReportsHost:
        return cast(ReportsHost, self.app)

    @property
    def db_path(self) -> Path:
        return self._db_path if self._db_path is not None else resolve_db_path(self.host.db_path)

    @property
    def clock(self) -> Clock:
        return self._clock or self.host.clock

    @property
    def company(self) -> str:
        """Who the greeting SMS is signed for: as given, else the agent app's company."""
        if self._company is not None:
            return self._company
        return (self.app.company if isinstance(self.app, AgentAppHost) else "") or "我司"

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title")
        with TabbedContent(initial="tab-daily"):
            with TabPane("1 日分析表", id="tab-daily"):
                yield DataTable(id="report-table", zebra_stripes=True, cursor_type="row")
                yield Static("", id="report-empty")
                yield Static("", id="report-remarks")
            with TabPane("2 待办", id="tab-due"):
                yield Static("", id="due-note")
                yield DataTable(id="due-table", zebra_stripes=True, cursor_type="row")
            with TabPane("3 图表", id="tab-chart"):
                yield Static("", id="chart-title")
                with Horizontal(id="chart-box"):
                    from textual_plotext import PlotextPlot

                    yield PlotextPlot(id="chart")
                    yield Static("", id="chart-legend")
            with TabPane("4 节日问候", id="tab-greetings"):
                yield Static("切换到这一页时读取。", id="greetings-note")
                yield DataTable(id="greetings-table", zebra_stripes=True, cursor_type="row")
            with TabPane("5 话术漏斗", id="tab-funnel"):
                yield Static("", id="funnel-losses")
                yield FunnelTree(id="funnel-tree")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.clock().date()
        self._render_title()
        self.reload()

    # -- loading --------------------------------------------------------------
    @work(thread=True, exclusive=True, group="report")
    def reload(self) -> None:
        day, by, kind, now = self.day, self.by, self.kind, self.clock()
        assert day is not None
        company = self.company if self.want_greetings else None
        try:
            data = load_report(self.db_path, day, by, now, self.actor, kind=kind, greetings_for=company)
        except Exception as exc:
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._show, data)

    def _failed(self, message: str) -> None:
        self.loads += 1
        self.notify(f"读取报表失败: {message}", severity="error", timeout=10)

    def _show(self, data: ReportData) -> None:
        if (data.day, data.by, data.kind) != (self.day, self.by, self.kind):  # a newer request is on its way
            return
        self.data = data
        self._render_title()
        self._fill_table(document(data.summary))
        self._fill_due(document(data.due), data.due)
        self._fill_chart(data.by_industry)
        if data.greetings is not None:
            self._fill_greetings(document(data.greetings), data.greetings)
        if data.funnel is not None:
            self._fill_funnel(data.funnel)
        self.loads += 1

    # -- rendering ------------------------------------------------------------
    def _render_title(self) -> None:
        day = self.day
        assert day is not None
        text = Text()
        text.append(" 日报 ", "bold reverse")
        name = "数据情况日分析表" if self.kind == "development" else "客户维护日表"
        text.append(f"  {name}  {day.isoformat()} 周{WEEKDAYS[day.weekday()]}", "bold")
        if day == self.clock().date():
            text.append(" (今天)", "bold")
        text.append(f"  {BY_LABELS[self.by] if self.kind == 'development' else BY_LABELS['agent']}", "bold")
        text.append(f"  [{KIND_LABELS[self.kind]}]", "dim")
        self.query_one("#report-title", Static).update(text)

    def _fill_table(self, doc: Document) -> None:
        sheet = doc.sheets[0]
        table = self.query_one("#report-table", DataTable)
        table.clear(columns=True)
        for col in sheet.columns:
            table.add_column(col.label, key=col.key)
        numeric = [c.kind in ("int", "rate", "seconds", "rank") for c in sheet.columns]
        for row in sheet.rows:
            table.add_row(
                *(
                    Text(text_cell(v, c.kind), justify="right" if n else "left")
                    for v, c, n in zip(row, sheet.columns, numeric, strict=False)
                )
            )
        if sheet.total is not None:
            table.add_row(
                *(
                    Text(text_cell(v, c.kind), style="bold", justify="right" if n else "left")
                    for v, c, n in zip(sheet.total, sheet.columns, numeric, strict=False)
                ),
                key="total",
            )
        empty = self.query_one("#report-empty", Static)
        empty.update("\n".join(doc.notes) if not sheet.rows else "")
        empty.display = not sheet.rows
        remarks = self.query_one("#report-remarks", Static)
        lines = Text()
        for extra in doc.sheets[1:]:
            for _day, agent, *parts in extra.rows:
                if lines:
                    lines.append("\n")
                lines.append(f"{agent}  ", "bold")
                for label, part in zip(("优点", "缺点", "建议"), parts, strict=False):
                    if part:
                        lines.append(f"{label}: ", "bold")
                        lines.append(f"{part}  ")
        remarks.update(lines)
        remarks.display = bool(lines)

    def _fill_due(self, doc: Document, due: DueList) -> None:
        sheet = doc.sheets[0]
        table = self.query_one("#due-table", DataTable)
        table.clear(columns=True)
        for col in sheet.columns:
            table.add_column(col.label, key=col.key)
        for item, row in zip(due.items, sheet.rows, strict=False):
            style = "bold red" if item.status == "overdue" else "bold" if item.in_window_now else ""
            table.add_row(
                *(
                    Text(text_cell(v, c.kind), style=style if i < 2 else "")
                    for i, (v, c) in enumerate(zip(row, sheet.columns, strict=False))
                )
            )
        note = Text(f"回电 {len(due.callbacks)} 个 · 回访 {len(due.follow_ups)} 个   ", "bold")
        note.append("  ".join(doc.notes), "dim")
        self.query_one("#due-note", Static).update(note)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-due").label = f"2 待办 ({len(due.items)})"

    def _fill_greetings(self, doc: Document, greetings: GreetingList) -> None:
        sheet = doc.sheets[0]
        table = self.query_one("#greetings-table", DataTable)
        table.clear(columns=True)
        for col in sheet.columns:
            table.add_column(col.label, key=col.key)
        for row in sheet.rows:
            table.add_row(*(Text(text_cell(v, c.kind)) for v, c in zip(row, sheet.columns, strict=False)))
        note = Text(f"{greetings.title}  {doc.subtitle}  ", "bold")
        note.append("  ".join(doc.notes), "dim")
        self.query_one("#greetings-note", Static).update(note)
        self.query_one(TabbedContent).get_tab("tab-greetings").label = f"4 节日问候 ({len(greetings.items)})"

    def _fill_chart(self, summary: Summary) -> None:
        from textual_plotext import PlotextPlot

        rows = [r for r in summary.rows if r.counts.leads][:CHART_LIMIT]
        chart = self.query_one("#chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        title = Text(f"寄卡率 / 好客户率 (%)  {summary.start.isoformat()}  按行业", "bold")
        self.query_one("#chart-title", Static).update(title)
        legend = Table.grid(padding=(0, 1))
        legend.add_column(justify="right", no_wrap=True, min_width=2)
        legend.add_column(justify="left", no_wrap=True, max_width=16, overflow="ellipsis")
        for _ in range(3):
            legend.add_column(justify="right", no_wrap=True)
        legend.add_row(
            "",
            "行业",
            Text("寄卡率", f"bold {CHART_COLORS[0]}"),
            Text("好客户率", f"bold {CHART_COLORS[1]}"),
            Text("总个数", "dim"),
        )
        if rows:
            labels = [str(i) for i in range(1, len(rows) + 1)]
            mail = [round(float(r.counts.mail_rate or 0) * 100, 1) for r in rows]
            good = [round(float(r.counts.good_rate or 0) * 100, 1) for r in rows]
            # One colour per series: plotext takes a list here; textual-plotext's stub says one colour only.
            plt.multiple_bar(labels, [mail, good], color=list(CHART_COLORS))  # type: ignore[arg-type]
            plt.ylim(0, max(10.0, max(mail + good) * 1.1))
            for i, r in enumerate(rows, 1):
                legend.add_row(
                    str(i),
                    r.industry,
                    Text(text_cell(r.counts.mail_rate, "rate"), CHART_COLORS[0]),
                    Text(text_cell(r.counts.good_rate, "rate"), CHART_COLORS[1]),
                    Text(str(r.counts.leads), "dim"),
                )
        else:
            legend.add_row("", Text("这一天没有通话记录。", "dim"), "", "", "")
        self.query_one("#chart-legend", Static).update(legend)
        chart.refresh()

    def _fill_funnel(self, view: FunnelView) -> None:
        self.query_one("#funnel-tree", FunnelTree).show(None, view)
        lines = Text()
        sentences = view.funnel.loss_sentences() if view.funnel is not None else []
        for sentence in sentences:
            if lines:
                lines.append("\n")
            lines.append(sentence)
        losses = self.query_one("#funnel-losses", Static)
        losses.update(lines)
        losses.display = bool(lines)

    # -- actions --------------------------------------------------------------
    def _go(self, day: date) -> None:
        self.day = day
        self._render_title()
        self.reload()

    def action_step(self, days: int) -> None:
        assert self.day is not None
        self._go(self.day + timedelta(days=days))

    def action_today(self) -> None:
        self._go(self.clock().date())

    def action_toggle_by(self) -> None:
        if self.kind == "maintenance":
            self.notify("客户维护日表按业务员统计。", timeout=3)
            return
        self.by = "agent" if self.by == "industry" else "industry"
        self._render_title()
        self.reload()

    def action_toggle_kind(self) -> None:
        self.kind = "maintenance" if self.kind == "development" else "development"
        self._render_title()
        self.reload()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-greetings" and not self.want_greetings:
            self.want_greetings = True
            self.reload()

    @work(exclusive=True, group="date-dialog")
    async def action_pick_date(self) -> None:
        assert self.day is not None
        chosen = await self.app.push_screen_wait(DateDialog(self.clock().date(), self.day))
        if chosen is not None:
            self._go(chosen)

    def action_close(self) -> None:
        self.dismiss(None)

    # -- reading what is shown (for tests and for the curious) ------------------
    def table_cells(self, table_id: str = "report-table") -> list[list[str]]:
        table = self.query_one(f"#{table_id}", DataTable)
        return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]

    def table_labels(self, table_id: str = "report-table") -> list[str]:
        table = self.query_one(f"#{table_id}", DataTable)
        return [str(col.label) for col in table.ordered_columns]
