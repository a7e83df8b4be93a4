"""The end-of-call card: outcome, grade and why, conditions, address, next follow-up."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, cast

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll

from callscript.core.outcomes import Outcome
from callscript.core.when import WEEKDAYS, describe
from callscript.script.grading import NOT_REACHED
from callscript.script.session import CallSession
from callscript.tui.backend import CallInfo, FinishInfo
from callscript.tui.clock import elapsed_text
from callscript.tui.garbage import settle_garbage
from callscript.tui.host import AgentAppHost
from callscript.tui.screens.fresh import FreshScreen
from callscript.tui.screens.help import HelpScreen
from callscript.tui.text import CellWrapped, fact_rows, tri_text
from callscript.tui.widgets import KeyBar
from callscript.tui.widgets.rich_card import RichCard


def _day(day: date) -> str:
    return f"{day.strftime('%m-%d')} (周{WEEKDAYS[day.weekday()]})"


def summary_table(info: CallInfo, session: CallSession, finish: FinishInfo, now: datetime) -> Table:
    record = finish.record
    outcome = Outcome(record.outcome) if record.outcome else None
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()  # values wrap by cells (CellWrapped): the address and notes are read back whole
    lead = info.lead
    who = " ".join(x for x in (lead.company, lead.contact) if x)
    table.add_row("客户", CellWrapped(who))
    result = Text(outcome.label if outcome else "?", "bold reverse")
    if outcome is not None:
        result.append("  有效" if outcome.effective else "  无效", "green" if outcome.effective else "dim")
    table.add_row("结果", result)
    if record.ended_at is not None:
        table.add_row("通话时长", elapsed_text((record.ended_at - record.started_at).total_seconds()))

    grade = session.grade()
    hang = 0  # a wrapped rule continues under itself, not under the grade
    if grade.excluded_by == NOT_REACHED:  # grade_call: a call that reached nobody is not graded
        line = Text("不计", "bold")
        line.append("  (无效通话不评级)", "dim")
    elif not grade.final:  # grading v2: a callback keeps no grade; the later call grades the prospect
        line = Text("不定级", "bold")
        line.append("  (约回电: 下次通话再定级" + (f"; 暂定 {grade.grade}" if grade.grade else "") + ")", "dim")
    elif grade.grade:
        line = Text(f" {grade.grade} ", "bold reverse")
        line.append(f"  规则{grade.rule_index}: {grade.rule_label}")
        hang = cell_len(f" {grade.grade} ") + 2
    elif grade.excluded_by:
        line = Text("不评级", "bold")
        line.append(f"  ({grade.excluded_by})", "dim")
    else:
        line = Text("无评级 (没有规则符合)", "dim")
    table.add_row("评级", CellWrapped(line, hang=hang))

    conds = Text()
    for i, condition in enumerate(session.script.grading.conditions):
        if i:
            conds.append("\n")
        conds.append_text(tri_text(grade.conditions.get(condition.name), condition.label))
    if session.script.grading.conditions:
        conds.append("\n")
        conds.append(
            "准客户 ✓" if grade.qualified else "不是准客户 (三个条件缺一不可)",
            "bold green" if grade.qualified else "dim",
        )
        table.add_row("条件", conds)

    address = record.facts.get("address") if record.facts else None
    if outcome is Outcome.MAILED:
        table.add_row("寄送地址", CellWrapped(Text(str(address or "?"), "bold")))
    elif address:
        table.add_row("地址", CellWrapped(str(address)))

    next_text: Text | str
    if outcome is Outcome.CALLBACK and record.callback_due is not None:
        next_text = Text("回电 " + describe(record.callback_due, now), "bold cyan")
    elif outcome is Outcome.MAILED and finish.follow_up_from and finish.follow_up_by:
        next_text = Text(f"跟进电话 {_day(finish.follow_up_from)} – {_day(finish.follow_up_by)}", "bold cyan")
        next_text.append("\n(17:30–18:00 或周末)", "dim")
    elif finish.lead.next_call_at is not None and finish.lead.status == "retry":
        next_text = Text("重拨 " + describe(finish.lead.next_call_at, now), "cyan")
    else:
        next_text = Text("无", "dim")
    table.add_row("下次跟进", next_text)

    facts = fact_rows(session.facts, session.script.facts)
    shown = [f"{label}: {value}" for label, value in facts if label != "寄送地址"]
    if shown:
        table.add_row("已了解", CellWrapped(" · ".join(shown)))
    if info.notes:
        notes = Table.grid()
        notes.add_column()
        for note in info.notes:
            line = Text()
            if note.important:
                line.append("! ", "bold red")
            line.append(note.text)
            notes.add_row(CellWrapped(line, hang=2 if note.important else 0))
        table.add_row("备注", notes)
    return table


class SummaryScreen(FreshScreen):
    """Shown when a call has been stored; Enter claims the next lead."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next_lead", "下一个客户"),
        Binding("escape", "to_list", "客户列表"),
        Binding("f1", "help", "帮助"),
    ]

    def __init__(self, info: CallInfo, session: CallSession, finish: FinishInfo) -> None:
        super().__init__()
        self.info = info
        self.session = session
        self.finish = finish

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-box"):
            card = RichCard(summary_table(self.info, self.session, self.finish, self.host.clock()), id="summary-card")
            card.border_title = "通话小结"
            yield card
        bar = KeyBar(id="keybar")
        bar.show([("Enter", "下一个客户"), ("Esc", "回到客户列表"), ("F1", "帮助")])
        yield bar

    def on_mount(self) -> None:
        self.call_after_refresh(settle_garbage)  # between calls: the agent reads the card

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_to_list(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="next")
    async def action_next_lead(self) -> None:
        await self.host.next_call(replace=self)
