"""The live-call screen: the line to say, one key per answer, the side panel, nothing lost.

Every action goes to the in-memory :class:`~callscript.session.CallSession` first
and the screen is redrawn at once; the event is then queued to the call's
:class:`~callscript.tui.backend.CallRecorder`, which commits it on the database
thread and reports back (``SaveStatusChanged``), so the "saved" mark only shows
what is really on disk.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...model import END, INPUT
from ...outcomes import Outcome
from ...session import CallSession, Event, InputRefused, SessionError
from ..backend import CallInfo, CallRecorder, NoteItem, SaveStatus
from ..clock import elapsed_text
from ..text import fact_rows, hanging, marked_text, path_titles, tri_table
from ..timeparse import describe
from ..widgets import Breadcrumb, CallInput
from .dialogs import AddressDialog, CallbackDialog, ConfirmDialog, NoteDialog, NoteResult, OutcomeDialog
from .help import HelpScreen

OUTCOME_LABELS = {o.value: o.label for o in Outcome}


class SaveStatusChanged(Message):
    """Posted from the database thread after each write (thread-safe)."""

    def __init__(self, status: SaveStatus) -> None:
        super().__init__()
        self.status = status


class CallScreen(Screen[None]):
    """One call, from the greeting to the outcome."""

    BINDINGS = [
        Binding("backspace", "back", "上一步", key_display="⌫"),
        Binding("tab", "skip", "跳过", key_display="Tab", priority=True),
        Binding("enter", "finish", "完成通话", key_display="Enter"),
        Binding("ctrl+n", "note", "备注", key_display="^N", priority=True),
        Binding("ctrl+b", "callback", "约回电", key_display="^B", priority=True),
        Binding("ctrl+e", "end_call", "结束", key_display="^E", priority=True),
        Binding("ctrl+r", "retry_save", "重试保存", key_display="^R", priority=True),
        Binding("escape", "discard", "放弃", show=False),
        Binding("f1", "help", "帮助", key_display="F1", priority=True),
    ]

    def __init__(self, info: CallInfo, session: CallSession) -> None:
        super().__init__()
        self.info = info
        self.session = session
        self.recorder: CallRecorder | None = None
        self.notes: list[NoteItem] = list(info.notes)
        self.callback_due: datetime | None = None
        self.manual_address: str | None = None
        self._submitted = len(session.events)  # events already on disk (a resumed call)
        self._status = SaveStatus(0, self._submitted)
        self._finishing = False
        # forward steps still undoable, so Backspace back into an input node can refill the box
        self._undo: list[Event] = []
        for event in session.events:
            if event.kind == "back":
                if self._undo:
                    self._undo.pop()
            else:
                self._undo.append(event)

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Breadcrumb(id="crumbs")
            yield Static("", id="timer")
            yield Static("", id="saved")
        with Horizontal(id="call-body"):
            with Vertical(id="call-main"):
                with VerticalScroll(id="say-box"):
                    yield Static("", id="say")
                    yield Static("", id="tips")
                with Vertical(id="answers"):
                    yield Static("", id="options")
                    yield CallInput(id="answer-input", select_on_focus=False)
                    yield Static("", id="input-error")
                    yield Static("", id="input-keys")
                    yield Static("", id="end-panel")
            with VerticalScroll(id="side"):
                yield Static("", id="contact", classes="card")
                yield Static("", id="grade", classes="card")
                yield Static("", id="conditions", classes="card")
                yield Static("", id="facts", classes="card")
                yield Static("", id="notes", classes="card")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        app = self.app
        box = self.query_one(CallInput)
        box.cursor_blink = getattr(app, "cursor_blink", True)
        box.back_guard = getattr(app, "back_guard", CallInput.back_guard)
        self.recorder = CallRecorder(app.backend, self.info.call_id, self._post_status)  # type: ignore[attr-defined]
        self._render_contact()
        self._render_notes()
        self.show_node()
        self._tick()
        if getattr(app, "live_timer", True):
            self.set_interval(1.0, self._tick)
        if self.info.resumed:
            self.notify("上次的通话已恢复, 从中断的地方继续", title="继续通话")

    def _post_status(self, status: SaveStatus) -> None:
        self.post_message(SaveStatusChanged(status))  # called on the database thread

    # -- drawing --------------------------------------------------------------
    def show_node(self, refill: str | None = None) -> None:
        """Redraw everything that depends on the session (one synchronous pass)."""
        session = self.session
        node = session.node
        script = session.script
        self.query_one(Breadcrumb).titles = tuple(path_titles(script.nodes, session.path))

        say = Text()
        for i, line in enumerate(session.lines()):
            if i:
                say.append("\n\n")
            say.append_text(marked_text(line))
        self.query_one("#say", Static).update(say)
        tips = session.tips()
        tip_text = Text()
        for i, tip in enumerate(tips):
            if i:
                tip_text.append("\n")
            tip_text.append("提示:", "bold yellow")
            tip_text.append_text(marked_text(tip, style="italic"))
        tips_widget = self.query_one("#tips", Static)
        tips_widget.update(tip_text)
        tips_widget.display = bool(tips)
        self.query_one("#say-box").scroll_home(animate=False)

        options = self.query_one("#options", Static)
        box = self.query_one(CallInput)
        error = self.query_one("#input-error", Static)
        keys = self.query_one("#input-keys", Static)
        end_panel = self.query_one("#end-panel", Static)
        error.update("")
        kind = node.kind
        options.display = kind not in (INPUT, END)
        box.display = error.display = keys.display = kind == INPUT
        end_panel.display = kind == END
        if kind == INPUT and node.input is not None:
            box.placeholder = node.input.hint or node.input.fact.label
            known = session.facts.get(node.input.fact.name)
            box.set_value(refill if refill is not None else "" if known is None else str(known))
            hint = Text()
            hint.append(" Enter ", "reverse")
            hint.append(" 确认  ")
            if node.skip is not None:
                hint.append(" Tab ", "reverse")
                hint.append(f" 跳过:{node.skip.label}  ")
            hint.append(" ⌫ ", "reverse")
            hint.append(" 空时返回", "dim")
            keys.update(hint)
            box.focus()
        elif kind == END:
            self.set_focus(None)
            end_panel.update(self._end_text())
        else:
            self.set_focus(None)
            lines = Text()
            for i, (key, label) in enumerate(session.option_labels()):
                if i:
                    lines.append("\n")
                lines.append(f" {key} ", "bold reverse")
                lines.append(" ")
                lines.append_text(marked_text(label))
            options.update(lines)
        self._render_grade()
        self._render_saved()
        self.refresh_bindings()

    def _end_text(self) -> Text:
        session = self.session
        outcome = session.outcome or ""
        text = Text()
        text.append("通话结束 ", "bold")
        text.append(OUTCOME_LABELS.get(outcome, outcome), "bold reverse")
        address = self.manual_address or session.facts.get("address")
        if outcome == Outcome.MAILED.value and address:
            text.append("\n寄送地址 (再核对一遍): ", "bold")
            text.append(str(address), "bold cyan")
        if outcome == Outcome.CALLBACK.value:
            text.append("\n回电时间: ", "bold")
            if self.callback_due is not None:
                text.append(describe(self.callback_due, self.app.clock()), "bold cyan")  # type: ignore[attr-defined]
            else:
                text.append("未选 (按 Enter 选时间)", "bold red")
        text.append("\n等对方先挂断电话, 再轻轻放回电话。", "yellow")
        text.append("\n")
        text.append(" Enter ", "reverse")
        text.append(" 完成并看小结   ")
        text.append(" ⌫ ", "reverse")
        text.append(" 返回上一步", "dim")
        return text

    def _render_contact(self) -> None:
        lead = self.info.lead
        text = Text()
        text.append(lead.company, "bold")
        contact = " · ".join(x for x in (lead.contact, lead.title) if x)
        if contact:
            text.append("\n" + contact)
        text.append("\n" + lead.phone)
        if lead.industry:
            text.append(" · " + lead.industry, "dim")
        if lead.attempts:
            text.append(f"\n第 {lead.attempts + 1} 次通话", "dim")
        self.query_one("#contact", Static).update(text)

    def _render_grade(self) -> None:
        session = self.session
        result = session.grade()
        grade = Text()
        grade.append(" 评级 ", "bold reverse")
        grade.append(" ")
        if result.grade:
            style = {"好": "bold green", "一般": "bold yellow", "勉强": "bold magenta"}.get(result.grade, "bold")
            grade.append(f" {result.grade} ", style + " reverse")
            grade.append(f"\n规则{result.rule_index}:{result.rule_label}", "dim")
        elif result.excluded_by:
            grade.append("不评级", "bold red")
            grade.append(f"\n{result.excluded_by}", "dim")
        else:
            grade.append("暂无", "dim")
        self.query_one("#grade", Static).update(grade)

        title = Text(" 准客户条件 ", "bold reverse")
        if result.qualified:
            title.append(" ✓ 是准客户", "bold green")
        items = [(result.conditions.get(c.name), c.label) for c in session.script.grading.conditions]
        self.query_one("#conditions", Static).update(Group(title, tri_table(items)))

        facts = Text()
        facts.append(" 已了解 ", "bold reverse")
        rows = fact_rows(session.facts, session.script.facts)
        if not rows:
            facts.append("\n(还没有)", "dim")
        for label, value in rows:
            facts.append(f"\n{label}:", "dim")
            facts.append(value)
        self.query_one("#facts", Static).update(facts)

    def _render_notes(self) -> None:
        widget = self.query_one("#notes", Static)
        widget.display = bool(self.notes)
        if not self.notes:
            return
        text = Text()
        rows = []
        for note in self.notes[-4:]:
            body = Text()
            if note.important:
                body.append("! ", "bold red")
            body.append(note.text, "bold" if note.important else "")
            rows.append((Text(note.at.strftime("%H:%M"), "dim"), body))
        widget.update(Group(Text(" 备注 ", "bold reverse"), hanging(rows)))

    def _tick(self) -> None:
        now = self.app.clock()  # type: ignore[attr-defined]
        seconds = (now - self.info.started_at).total_seconds()
        self.query_one("#timer", Static).update(Text(f" ⏱ {elapsed_text(seconds)} ", "bold"))

    def _render_saved(self) -> None:
        status = self._status
        widget = self.query_one("#saved", Static)
        pending = self._submitted - status.saved
        if status.error:
            widget.update(Text(f" ✗ 未保存 {pending} 步 · Ctrl+R 重试 ", "bold white on red"))
            widget.tooltip = status.error
        elif pending > 0:
            widget.update(Text(" … 保存中 ", "bold black on yellow"))
        else:
            widget.update(Text(" ✓ 已保存 ", "bold green"))

    # -- recording ------------------------------------------------------------
    def _record(self, event: Event) -> None:
        self._submitted += 1
        if self.recorder is not None:
            self.recorder.record(event, self.app.clock())  # type: ignore[attr-defined]

    @on(SaveStatusChanged)
    def _save_status(self, message: SaveStatusChanged) -> None:
        was_error = self._status.error
        self._status = message.status
        self._render_saved()
        if message.status.error and not was_error:
            self.notify(f"答案没有保存到数据库: {message.status.error}\n按 Ctrl+R 重试", title="保存失败", severity="error", timeout=10)
            self.set_timer(3.0, self._auto_retry)
        elif was_error and not message.status.error:
            self.notify("已重新保存", title="保存成功")
        self.refresh_bindings()

    def _auto_retry(self) -> None:
        if self._status.error and self.recorder is not None and self.is_attached:
            self.recorder.retry()
            self.set_timer(5.0, self._auto_retry)

    # -- answering ------------------------------------------------------------
    def on_key(self, event: Key) -> None:
        session = self.session
        if session.finished or session.node.kind != "options" or event.character is None:
            return
        if event.character in session.node.by_key:
            event.stop()
            event.prevent_default()
            self.answer(event.character)

    def answer(self, key: str) -> None:
        """Choose the option on ``key`` (the screen redraws before anything touches the disk)."""
        try:
            event = self.session.choose(key)
        except SessionError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._stepped(event)

    @on(CallInput.Submitted, "#answer-input")
    def _input_submitted(self, message: CallInput.Submitted) -> None:
        message.stop()
        if self.session.finished or self.session.node.kind != INPUT:
            return
        try:
            event = self.session.enter(message.value)
        except InputRefused as exc:
            self.query_one("#input-error", Static).update(Text("✗ " + str(exc), "bold red"))
            return
        self._stepped(event)

    @on(CallInput.BackRequested)
    def _input_back(self, message: CallInput.BackRequested) -> None:
        message.stop()
        self.action_back()

    def _stepped(self, event: Event) -> None:
        self._undo.append(event)
        self.show_node()
        self._record(event)
        if self.session.finished and self.session.outcome == Outcome.CALLBACK.value and self.callback_due is None:
            self.ask_callback_time()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.session
        if action == "skip":
            return session.node.kind == INPUT and session.node.skip is not None and not session.finished
        if action == "finish":
            return session.finished
        if action == "back":
            return session.can_go_back
        if action in ("end_call", "callback"):
            return not session.finished
        if action == "retry_save":
            return self._status.error is not None
        if action == "discard":
            return not session.events
        return True

    def action_skip(self) -> None:
        try:
            event = self.session.skip()
        except SessionError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._stepped(event)

    def action_back(self) -> None:
        if self._finishing:
            return
        try:
            event = self.session.back()
        except SessionError:
            self.notify("已经是第一步了", severity="warning")
            return
        undone = self._undo.pop() if self._undo else None
        if undone is not None and undone.kind == "end":
            self.callback_due = None
            self.manual_address = None
        refill = undone.value if undone is not None and undone.kind == "enter" else None
        self.show_node(refill=refill)
        self._record(event)

    def action_retry_save(self) -> None:
        if self.recorder is not None:
            self.recorder.retry()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    # -- notes ----------------------------------------------------------------
    def action_note(self) -> None:
        now = self.app.clock()  # type: ignore[attr-defined]

        def done(result: NoteResult | None) -> None:
            if result is None:
                return
            self.notes.append(NoteItem(now, result.text, result.important))
            self._render_notes()
            self._submitted += 1
            if self.recorder is not None:
                self.recorder.note(result.text, result.important, self.session.node_id, now)
            self._render_saved()

        self.app.push_screen(NoteDialog(now.strftime("%H:%M")), done)

    # -- ending ---------------------------------------------------------------
    def ask_callback_time(self, then_finish: bool = False) -> None:
        def chosen(due: datetime | None) -> None:
            if due is None:
                self.show_node()
                return
            self.callback_due = due
            self.show_node()
            if then_finish:
                self.finish()

        self.app.push_screen(CallbackDialog(self.app.clock()), chosen)  # type: ignore[attr-defined]

    def action_callback(self) -> None:
        """Ctrl+B: end the call as a callback; ask when."""
        if self.session.finished:
            return

        def chosen(due: datetime | None) -> None:
            if due is None or self.session.finished:
                return
            self.callback_due = due
            self._end_with(Outcome.CALLBACK.value)

        self.app.push_screen(CallbackDialog(self.app.clock(), "通话会以「约回电」结束"), chosen)  # type: ignore[attr-defined]

    def action_end_call(self) -> None:
        """Ctrl+E: end the call here with an outcome."""
        if self.session.finished:
            return

        def chosen(outcome: str | None) -> None:
            if outcome is None or self.session.finished:
                return
            if outcome == Outcome.CALLBACK.value:
                self.action_callback()
                return
            if outcome == Outcome.MAILED.value and not self.session.facts.get("address"):
                def with_address(address: str | None) -> None:
                    if address:
                        self.manual_address = address
                        self._end_with(outcome)

                self.app.push_screen(AddressDialog(), with_address)
                return
            self._end_with(outcome)

        self.app.push_screen(OutcomeDialog(), chosen)

    def _end_with(self, outcome: str) -> None:
        try:
            event = self.session.end(outcome)
        except SessionError as exc:
            self.notify(str(exc), severity="error")
            return
        self._undo.append(event)
        self.show_node()
        self._record(event)
        self.finish()

    def action_finish(self) -> None:
        if not self.session.finished:
            return
        if self.session.outcome == Outcome.CALLBACK.value and self.callback_due is None:
            self.ask_callback_time(then_finish=True)
            return
        self.finish()

    def action_discard(self) -> None:
        """Esc before the first answer: the call was opened by mistake."""
        if self.session.events:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._discard()

        self.app.push_screen(ConfirmDialog("放弃这个通话?", "还没有记录任何回答; 客户会回到列表里。"), answer)

    @work(exclusive=True, group="finish")
    async def _discard(self) -> None:
        backend = self.app.backend  # type: ignore[attr-defined]
        try:
            await backend.run(backend.discard_call, self.info.call_id, self.info.lead.id, self.info.agent_id)
        except Exception as exc:  # noqa: BLE001
            self.notify(f"放弃失败: {exc}", severity="error")
            return
        self.dismiss(None)

    @work(exclusive=True, group="finish")
    async def finish(self) -> None:
        """Store the outcome (after every queued answer), then show the summary card."""
        if self._finishing:
            return
        self._finishing = True
        app = self.app
        backend = app.backend  # type: ignore[attr-defined]
        try:
            assert self.recorder is not None
            import asyncio

            status = await asyncio.wrap_future(self.recorder.flushed())
            if status.error:
                self.notify(f"还有 {status.pending} 步没保存, 不能结束: {status.error}", title="保存失败", severity="error", timeout=10)
                return
            info = await backend.run(
                backend.finish_call, self.info.call_id, self.session,
                callback_due=self.callback_due, address=self.manual_address, now=app.clock(),  # type: ignore[attr-defined]
            )
        except Exception as exc:  # noqa: BLE001 - shown to the agent, the call stays open
            self.notify(f"通话结果没有保存: {type(exc).__name__}: {exc}", title="保存失败", severity="error", timeout=10)
            return
        finally:
            self._finishing = False
        from .summary import SummaryScreen

        self.app.switch_screen(SummaryScreen(replace(self.info, notes=tuple(self.notes)), self.session, info))
