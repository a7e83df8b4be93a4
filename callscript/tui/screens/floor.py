"""``b`` on the lead list (supervisors): the live floor board, and acting from it.

One line per agent (:mod:`callscript.floor.render`'s cells, the same as ``callscript floor``):
state, time in it or the call's length, the node the call is at, today's 拨打 / 有效 / 寄卡 /
好 and 寄卡率 against the agent's last 7 working days, calls per hour; above it who is doing what
and the floor's calls against the previous working day at the same time; below it the alerts.

It reads itself again every :data:`~callscript.floor.board.REFRESH_SECONDS`: the snapshot is one
statement on the database thread, laid out there too (``Backend.floor_view``), and the table
redraws only the lines that changed — the event loop does not wait for any of it.

Acting on the agent under the cursor (each through the acting account, refused in storage for a
role without the floor permission, and written to the audit log):

* ``m`` — 优点/缺点/建议 for the agent's day;
* ``a`` — give an absent agent's open callbacks and follow-ups to another agent;
* ``c`` — close one of the agent's unfinished calls with an outcome (refused while the agent is in it);
* Enter — the agent's view: the day's figures (login, logout, talk, wrap-up, pauses, occupancy),
  unfinished calls, open work, the day's remarks, and where their calls end against the others'
  (coaching, the last 30 days).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from callscript.core.cleantext import LIMITS
from callscript.core.outcomes import Outcome
from callscript.core.presence import PAUSE_LABELS
from callscript.floor.board import REFRESH_SECONDS, AgentLine, Board
from callscript.floor.render import WIDE, duration_text, layout, mail_rate_text, node_text, state_text
from callscript.tui.backend import AgentDetail, FloorView, problem_text
from callscript.tui.host import AgentAppHost
from callscript.tui.text import key_hints
from callscript.tui.widgets import ImeInput, KeyBar
from callscript.tui.widgets.lead_table import Column, LeadTable


def _columns(width: int) -> tuple[Column, ...]:
    return tuple(Column(c.label, c.min_width, c.share) for c in layout(width))


class _FloorActions(Screen[None]):
    """What both the board and the agent view do to an agent: remarks, reassignment, closing a call."""

    @property
    def host(self) -> AgentAppHost:
        return cast(AgentAppHost, self.app)

    def acted(self) -> None:
        """Something was written: read what is shown again."""

    @work(exclusive=True, group="floor-action")
    async def write_remarks(self, agent_id: int, name: str, day: date) -> None:
        backend = self.host.backend
        try:
            detail = await backend.run(backend.agent_detail, agent_id, day)
        except Exception as exc:
            self.notify(f"读取失败: {problem_text(exc)}", severity="error")
            return
        written = await self.app.push_screen_wait(RemarksDialog(name, day, detail))
        if written is None:
            return
        try:
            await backend.run(backend.set_remarks, agent_id, day, *written)
        except Exception as exc:
            self.notify(f"没有保存: {problem_text(exc)}", severity="error", timeout=10)
            return
        self.notify(f"{name} {day:%m-%d} 的优点/缺点/建议已保存", title="点评")
        self.acted()

    @work(exclusive=True, group="floor-action")
    async def reassign(self, agent_id: int, name: str) -> None:
        backend = self.host.backend
        try:
            detail = await backend.run(backend.agent_detail, agent_id, self.host.clock().date())
        except Exception as exc:
            self.notify(f"读取失败: {problem_text(exc)}", severity="error")
            return
        if not detail.callbacks and not detail.follow_ups:
            self.notify(f"{name} 没有未完成的回电或回访", title="转交")
            return
        target = await self.app.push_screen_wait(ReassignDialog(name, detail))
        if target is None:
            return
        try:
            moved = await backend.run(backend.reassign_work, agent_id, target)
        except Exception as exc:
            code = str(getattr(exc, "code", ""))
            why = f"{name} 在线, 回电和回访还是 TA 自己的" if code == "agent_present" else problem_text(exc)
            self.notify(f"没有转交: {why}", severity="warning", timeout=10)
            return
        to = dict(detail.agents).get(target, str(target))
        self.notify(f"{name} 的 {moved.callbacks} 个回电、{moved.follow_ups} 个回访已转给 {to}", title="转交")
        self.acted()

    @work(exclusive=True, group="floor-action")
    async def close_call(self, agent_id: int, name: str) -> None:
        from callscript.tui.screens.dialogs import AddressDialog, CallbackDialog, ConfirmDialog, OutcomeDialog

        host = self.host
        backend = host.backend
        try:
            detail = await backend.run(backend.agent_detail, agent_id, host.clock().date())
        except Exception as exc:
            self.notify(f"读取失败: {problem_text(exc)}", severity="error")
            return
        if not detail.unfinished:
            self.notify(f"{name} 没有未完成的通话", title="结束通话")
            return
        call_id = await self.app.push_screen_wait(UnfinishedDialog(name, detail, host.clock()))
        if call_id is None:
            return
        outcome = await self.app.push_screen_wait(OutcomeDialog())
        if outcome is None:
            return
        due: datetime | None = None
        address: str | None = None
        if outcome == Outcome.CALLBACK.value:
            due = await self.app.push_screen_wait(
                CallbackDialog(host.clock(), f"{name} 的通话 {call_id}", host.business_hours)
            )
            if due is None:
                return
        if outcome == Outcome.MAILED.value:
            address = await self.app.push_screen_wait(AddressDialog())
            if not address:
                return
        label = Outcome(outcome).label
        sure = await self.app.push_screen_wait(
            ConfirmDialog(
                f"以「{label}」结束 {name} 的通话 {call_id}?", "事实和评级按已记录的回答计算; 这会记入审计日志。"
            )
        )
        if not sure:
            return
        try:
            record = await backend.run(backend.close_stale_call, call_id, outcome, callback_due=due, address=address)
        except Exception as exc:
            code = str(getattr(exc, "code", ""))
            why = f"{name} 还在这通电话里, 由 TA 自己结束" if code == "call_in_progress" else problem_text(exc)
            self.notify(f"没有结束: {why}", severity="warning", timeout=10)
            return
        grade = f", 评级 {record.grade}" if record.grade else ""
        self.notify(f"通话 {call_id} 已以「{label}」结束{grade}", title="结束通话")
        self.acted()


class FloorScreen(_FloorActions):
    """The board: see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "agent", "坐席详情"),
        Binding("m", "remarks", "点评"),
        Binding("a", "reassign", "转交回电"),
        Binding("c", "close_call", "结束通话"),
        Binding("f5", "reload", "刷新"),
        Binding("escape,q,b", "leave", "返回"),
    ]
    DEFAULT_CSS = """
    #floor-title { height: auto; max-height: 3; padding: 0 1; background: $boost; }
    #floor-table { height: 1fr; }
    #floor-alerts { height: auto; max-height: 6; padding: 0 1; color: $error; }
    """

    def __init__(self, refresh_every: float = REFRESH_SECONDS) -> None:
        super().__init__()
        self.refresh_every = refresh_every
        self.view: FloorView | None = None
        self.reads = 0
        """Boards read so far (tests wait on it)."""
        self._wide = False

    def compose(self) -> ComposeResult:
        yield Static("主管看板: 读取中…", id="floor-title")
        yield LeadTable(_columns(80), id="floor-table")
        yield Static("", id="floor-alerts")
        bar = KeyBar(id="keybar")
        bar.show([("Enter", "详情"), ("m", "点评"), ("a", "转交"), ("c", "结束通话"), ("F5", "刷新"), ("Esc", "返回")])
        yield bar

    def on_mount(self) -> None:
        self.query_one(LeadTable).focus()
        self.reload()
        if self.refresh_every > 0:
            self.set_interval(self.refresh_every, self.reload)

    def on_resize(self, event: Resize) -> None:
        wide = layout(event.size.width) is WIDE
        if wide != self._wide:
            self._wide = wide
            table = self.query_one(LeadTable)
            table.columns = _columns(event.size.width)
            if self.view is not None:
                self._show(self.view)

    @work(exclusive=True, group="floor")
    async def reload(self) -> None:
        backend = self.host.backend
        try:
            view = await backend.run(backend.floor_view)
        except Exception as exc:
            self.query_one("#floor-title", Static).update(Text(f"看板读取失败: {problem_text(exc)}", "bold red"))
            return
        self.reads += 1
        self._show(view)

    def _show(self, view: FloorView) -> None:
        self.view = view
        title = Text(" 主管看板 ", "bold reverse")
        title.append(" " + view.totals)
        self.query_one("#floor-title", Static).update(title, layout=False)
        self.query_one(LeadTable).show(view.wide if self._wide else view.narrow)
        alerts = self.query_one("#floor-alerts", Static)
        alerts.display = bool(view.alerts)
        alerts.update("\n".join(view.alerts))

    def acted(self) -> None:
        self.reload()

    def _selected(self) -> AgentLine | None:
        key = self.query_one(LeadTable).cursor_key
        if self.view is None or key is None:
            return None
        try:
            return self.view.board.agent(key)
        except KeyError:
            return None

    def action_reload(self) -> None:
        self.reload()

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_agent(self) -> None:
        line = self._selected()
        if line is not None and self.view is not None:
            self.app.push_screen(FloorAgentScreen(line, self.view.board))

    @on(LeadTable.Selected)
    def _clicked(self, _message: LeadTable.Selected) -> None:
        self.action_agent()

    def action_remarks(self) -> None:
        line = self._selected()
        if line is not None:
            self.write_remarks(line.agent_id, line.name, self.host.clock().date())

    def action_reassign(self) -> None:
        line = self._selected()
        if line is not None:
            self.reassign(line.agent_id, line.name)

    def action_close_call(self) -> None:
        line = self._selected()
        if line is not None:
            self.close_call(line.agent_id, line.name)


class FloorAgentScreen(_FloorActions):
    """Enter on the board: one agent's day, open work, remarks and coaching."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "remarks", "点评"),
        Binding("a", "reassign", "转交回电"),
        Binding("c", "close_call", "结束通话"),
        Binding("escape,q", "leave", "返回看板"),
    ]
    DEFAULT_CSS = """
    #agent-view { padding: 0 1; }
    """

    def __init__(self, line: AgentLine, board: Board) -> None:
        super().__init__()
        self.line = line
        self.board = board
        self.detail: AgentDetail | None = None
        self.coaching: list[str] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="agent-box"):
            yield Static("读取中…", id="agent-view")
        bar = KeyBar(id="keybar")
        bar.show([("m", "点评"), ("a", "转交回电/回访"), ("c", "结束未完成通话"), ("Esc", "返回看板")])
        yield bar

    def on_mount(self) -> None:
        self.load()
        self.load_coaching()

    def acted(self) -> None:
        self.load()

    @work(exclusive=True, group="agent")
    async def load(self) -> None:
        backend = self.host.backend
        try:
            self.detail = await backend.run(backend.agent_detail, self.line.agent_id, self.host.clock().date())
        except Exception as exc:
            self.query_one("#agent-view", Static).update(Text(f"读取失败: {problem_text(exc)}", "bold red"))
            return
        self._draw()

    @work(thread=True, exclusive=True, group="coaching", exit_on_error=False)
    def load_coaching(self) -> None:
        from callscript.floor.coaching_view import coaching_lines

        host = self.host
        actor = host.actor
        if actor is None:
            return
        try:
            lines = coaching_lines(host.db_path, self.line.name, host.clock().date(), actor)
        except Exception as exc:
            lines = [f"辅导数据读取失败: {type(exc).__name__}: {exc}"]
        try:
            self.app.call_from_thread(self._coached, lines)
        except RuntimeError:  # the app is closing
            pass

    def _coached(self, lines: list[str]) -> None:
        self.coaching = lines
        self._draw()

    def _draw(self) -> None:
        line, detail = self.line, self.detail
        now = self.host.clock()
        text = Text()
        text.append(f" {line.name} ", "bold reverse")
        text.append(f"  {state_text(line)}  {duration_text(line, now)}  {node_text(line, self.board)}\n\n")
        t = line.today
        text.append("今天 ", "bold")
        text.append(f"拨打 {t.leads} · 有效 {t.effective} · 寄卡 {t.mailed} · 好 {t.good} · 寄卡率 ")
        text.append(mail_rate_text(line, with_average=True))
        if line.average.days:
            per_day = line.average.per_day("leads") or 0
            text.append(f"  (近 {line.average.days} 个工作日平均每天拨打 {per_day:.0f})", "dim")
        text.append("\n")
        if line.alerts:
            for alert in line.alerts:
                text.append(f"⚠ {alert.label}: {alert.text}\n", "bold red")
        if detail is not None:
            text.append("\n")
            text.append(" 今天的工作时间 ", "bold reverse")
            text.append("\n")
            f = detail.figures
            if f is None:
                text.append("今天没有登录\n", "dim")
            else:
                text.append(f"登录 {f.login:%H:%M}" if f.login else "登录 —")
                text.append(f" · 退出 {f.logout:%H:%M}" if f.logout else " · 仍在线")
                text.append(f" · 在线 {_hm(f.logged_in)} · 通话 {_hm(f.talk)} · 整理 {_hm(f.wrap_up)}")
                occupancy = "—" if f.occupancy is None else f"{f.occupancy:.0%}"
                text.append(f" · 利用率 {occupancy}\n")
                pauses = " · ".join(f"{PAUSE_LABELS[r]} {_hm(s)}" for r, s in f.paused.items() if s)
                text.append(
                    f"暂停 {_hm(f.pause_total)}" + (f" ({pauses})" if pauses else "") + f" · 锁定 {_hm(f.locked)}\n"
                )
            text.append("\n")
            text.append(" 未完成的工作 ", "bold reverse")
            text.append(f"\n回电 {detail.callbacks} 个 · 回访 {detail.follow_ups} 个\n")
            for u in detail.unfinished:
                text.append(
                    f"未完成通话 {u.call_id}: {u.company} · {u.started_at:%m-%d %H:%M} 开始 · "
                    f"最后操作 {u.last_activity:%H:%M} · {u.events} 步\n"
                )
            text.append("\n")
            text.append(f" {detail.day:%m-%d} 优点/缺点/建议 ", "bold reverse")
            text.append("\n")
            review = detail.review
            if review is None:
                text.append("还没有写 (按 m)\n", "dim")
            else:
                for label, value in (
                    ("优点", review.strengths),
                    ("缺点", review.weaknesses),
                    ("建议", review.suggestions),
                ):
                    text.append(f"{label}: ", "bold")
                    text.append(f"{value or '—'}\n")
        text.append("\n")
        text.append(" 辅导: 在哪些节点丢掉客户 (和其他人比) ", "bold reverse")
        text.append("\n")
        if self.coaching is None:
            text.append("读取中…\n", "dim")
        else:
            for sentence in self.coaching:
                text.append(sentence + "\n")
        self.query_one("#agent-view", Static).update(text)

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_remarks(self) -> None:
        self.write_remarks(self.line.agent_id, self.line.name, self.host.clock().date())

    def action_reassign(self) -> None:
        self.reassign(self.line.agent_id, self.line.name)

    def action_close_call(self) -> None:
        self.close_call(self.line.agent_id, self.line.name)


def _hm(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}小时{minutes % 60:02d}分" if minutes >= 60 else f"{minutes}分"


# --------------------------------------------------------------------------- dialogs


class RemarksDialog(ModalScreen[tuple[str, str, str] | None]):
    """优点/缺点/建议 for an agent's day (what is written is shown first, to edit)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "save", "保存", priority=True),
    ]
    FIELDS = (("strengths", "优点"), ("weaknesses", "缺点"), ("suggestions", "建议"))

    def __init__(self, agent: str, day: date, detail: AgentDetail) -> None:
        super().__init__(classes="dialog-screen")
        self.agent = agent
        self.day = day
        self.detail = detail

    def compose(self) -> ComposeResult:
        review = self.detail.review
        with Vertical(classes="dialog", id="remarks-dialog"):
            yield Label(f"{self.agent} {self.day:%m-%d} 的优点/缺点/建议", classes="dialog-title")
            for name, label in self.FIELDS:
                value = (getattr(review, name, None) or "") if review is not None else ""
                yield Static(label, classes="field-label")
                yield ImeInput(value=value, placeholder=label, id=f"remark-{name}", max_length=LIMITS["remark"])
            yield Static(
                key_hints(("Enter", "下一项/保存"), ("Ctrl+S", "保存"), ("Esc", "取消")), classes="dialog-keys"
            )

    def on_mount(self) -> None:
        self.query_one(f"#remark-{self.FIELDS[0][0]}", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        names = [name for name, _ in self.FIELDS]
        current = (event.input.id or "").removeprefix("remark-")
        if current in names and names.index(current) < len(names) - 1:
            self.query_one(f"#remark-{names[names.index(current) + 1]}", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        values = tuple(self.query_one(f"#remark-{name}", Input).value.strip() for name, _ in self.FIELDS)
        self.dismiss((values[0], values[1], values[2]))

    def action_cancel(self) -> None:
        self.dismiss(None)


class _PickDialog(ModalScreen[int | None]):
    """A list to pick one id from (Enter), or Esc for none: the board's reassign and close dialogs."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReassignDialog(_PickDialog):
    """Whom the absent agent's open callbacks and follow-ups go to."""

    def __init__(self, agent: str, detail: AgentDetail) -> None:
        super().__init__(classes="dialog-screen")
        self.agent = agent
        self.detail = detail

    def compose(self) -> ComposeResult:
        d = self.detail
        with Vertical(classes="dialog", id="reassign-dialog"):
            yield Label(f"把 {self.agent} 的 {d.callbacks} 个回电、{d.follow_ups} 个回访转给:", classes="dialog-title")
            options = [Option(name, id=str(agent_id)) for agent_id, name in d.agents if agent_id != d.agent_id]
            yield OptionList(*options, id="reassign-to")
            yield Static(key_hints(("↑↓", "选择"), ("Enter", "转交"), ("Esc", "取消")), classes="dialog-keys")


class UnfinishedDialog(_PickDialog):
    """Which of the agent's unfinished calls to close."""

    def __init__(self, agent: str, detail: AgentDetail, now: datetime) -> None:
        super().__init__(classes="dialog-screen")
        self.agent = agent
        self.detail = detail
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unfinished-dialog"):
            yield Label(f"{self.agent} 的未完成通话: 结束哪一个?", classes="dialog-title")
            options = []
            for u in self.detail.unfinished:
                idle = int((self.now - u.last_activity).total_seconds() // 60)
                options.append(
                    Option(
                        f"{u.call_id} · {u.company} · {u.started_at:%m-%d %H:%M} · {idle} 分钟没有操作",
                        id=str(u.call_id),
                    )
                )
            yield OptionList(*options, id="unfinished-calls")
            yield Static(key_hints(("↑↓", "选择"), ("Enter", "下一步: 结果"), ("Esc", "取消")), classes="dialog-keys")
