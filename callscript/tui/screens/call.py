"""The live-call screen: the line to say, one key per answer, the side panel, nothing lost.

Every action goes to the in-memory :class:`~callscript.script.session.CallSession` first
and the screen is redrawn at once; the event is then queued to the call's
:class:`~callscript.tui.backend.CallRecorder`, which commits it on the database
thread and reports back (``SaveStatusChanged``), so the "saved" mark only shows
what is really on disk.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Key, Resize
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from callscript.core.cleantext import LIMITS
from callscript.core.lifecycle import CallKind
from callscript.core.outcomes import Outcome, outcomes_offered
from callscript.core.when import describe
from callscript.script.grading import tri_symbol
from callscript.script.model import END, INPUT
from callscript.script.session import CallSession, Event, InputRefused, SessionError
from callscript.tui.backend import CallInfo, CallRecorder, FinishInfo, NoteItem, SaveStatus, problem_text
from callscript.tui.clock import elapsed_text
from callscript.tui.host import CallHost
from callscript.tui.screens.fresh import FreshScreen
from callscript.tui.text import Run, fact_display, fact_items, marked_runs, path_titles, tri_style
from callscript.tui.widgets import CallInput, KeyBar, Row, SidePanel, TopBar
from callscript.tui.widgets.script_view import BOX_ROWS, Para, ScriptView

if TYPE_CHECKING:  # the dialogs, help and summary are imported when first shown (off the start-up path)
    from callscript.tui.screens.dialogs import NoteResult

OUTCOME_LABELS = {o.value: o.label for o in Outcome}


W = TypeVar("W", bound=Widget)

PARKED_ROW = 10_000
"""Where the answer box waits, out of view, on a node that takes no text (app.tcss starts it there):
moving it is one layout, hiding it would also take its focus away (widgets/call_input.py)."""
KEY_STYLE = "bold reverse"
CONFIRM_KEY_STYLE = "bold reverse cyan"


def say_paras(lines: tuple[str, ...], tips: tuple[str, ...]) -> tuple[Para, ...]:
    """The line to say: each sentence a paragraph (a blank line between), then the tips."""
    paras: list[Para] = []
    for i, line in enumerate(lines):
        if i:
            paras.append(Para(()))
        paras.append(Para(marked_runs(line, "bold")))
    for i, tip in enumerate(tips):
        if i == 0:
            paras.append(Para(()))
        paras.append(Para(marked_runs(tip, "italic dim"), prefix=(("提示:", "bold yellow"),)))
    return tuple(paras)


def option_paras(options: tuple[tuple[str, str], ...], confirm: str | None = None) -> tuple[Para, ...]:
    """One paragraph per answer, its label wrapping under itself beside the key."""
    paras: list[Para] = []
    if confirm is not None:  # an earlier call already said it: one key confirms it
        paras.append(Para(((confirm, "cyan"),), prefix=((" Enter ", CONFIRM_KEY_STYLE), (" ", "")), hang=True))
    for key, label in options:
        paras.append(Para(marked_runs(label), prefix=((f" {key} ", KEY_STYLE), (" ", "")), hang=True))
    return tuple(paras)


def input_key_paras(skip: str | None, error: str | None, known: str | None = None) -> tuple[Para, ...]:
    """Under the answer box: the refusal, what an earlier call learned, Tab and Backspace."""
    paras: list[Para] = []
    if error:
        paras.append(Para((("✗ " + error, "bold red"),)))
    if known is not None:
        paras.append(Para(((f"确认 ({known})", "cyan"),), prefix=((" Enter ", "reverse cyan"), (" ", "")), hang=True))
    keys: list[Run] = []
    if skip is not None:
        keys += [(" Tab ", "reverse"), (f" 跳过: {skip}   ", "")]
    keys.append(("框空时 ⌫ 回上一步", "dim"))
    paras.append(Para(tuple(keys)))
    return tuple(paras)


class Recorder(Protocol):
    """Where the call screen sends each answer and note: the database (:class:`CallRecorder`)
    or, in the editor's practice pane, memory (``callscript.tui.editor.practice``)."""

    def record(self, event: Event, at: datetime) -> None: ...

    def note(self, text: str, important: bool, node: str | None, at: datetime) -> None: ...

    def retry(self) -> None: ...

    def write_queued(self) -> SaveStatus:
        """Try every queued write now, on the thread the writes run on; the status after."""
        ...


class SaveStatusChanged(Message):
    """Posted from the database thread after each write (thread-safe)."""

    def __init__(self, status: SaveStatus) -> None:
        super().__init__()
        self.status = status


class CallScreen(FreshScreen):
    """One call, from the greeting to the outcome."""

    AUTO_FOCUS = ""  # focus follows the node: the answer box on input nodes, nothing otherwise
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual repaints the whole screen when the focus moves; here the focus moves on every
    answer that enters or leaves an input node, and only the answer box (which repaints itself
    as it gains or loses the focus) looks different."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("backspace", "back", "上一步", key_display="⌫"),
        Binding("tab", "skip", "跳过", key_display="Tab", priority=True),
        Binding("enter", "enter", "确认/完成通话", key_display="Enter"),
        Binding("ctrl+n", "note", "备注", key_display="^N", priority=True),
        Binding("ctrl+b", "callback", "约回电", key_display="^B", priority=True),
        Binding("ctrl+e", "end_call", "结束", key_display="^E", priority=True),
        Binding("ctrl+r", "retry_save", "重试保存", key_display="^R", priority=True),
        Binding("escape", "discard", "放弃", show=False),
        Binding("pageup", "scroll_line(-1)", "上翻", show=False, priority=True),
        Binding("pagedown", "scroll_line(1)", "下翻", show=False, priority=True),
        Binding("f1", "help", "帮助", key_display="F1", priority=True),
    ]

    def __init__(self, info: CallInfo, session: CallSession, *, recorder: Recorder | None = None) -> None:
        super().__init__()
        self.info = info
        self.session = session
        # None: the call's database recorder, made on mount. The script editor's practice
        # pane passes an in-memory one (callscript.tui.editor.practice): nothing is stored.
        self.recorder: Recorder | None = recorder
        self.notes: list[NoteItem] = list(info.notes)
        self.callback_due: datetime | None = None
        self._submitted = 0  # writes handed to the recorder by this screen (a resumed call's log is on disk)
        self._status = SaveStatus(0, 0)
        self._finishing = False
        self._binding_state: tuple[object, ...] | None = None
        self._saved_shown: tuple[str, int] | None = None
        self._shown: dict[str, object] = {}
        self._widgets: dict[str, Widget] = {}
        self._say: tuple[object, tuple[Para, ...]] = ((), ())
        self._box_row: int | None = None
        self._error: str | None = None
        # forward steps still undoable, so Backspace back into an input node can refill the box
        self._undo: list[Event] = []
        for event in session.events:
            if event.kind == "back":
                if self._undo:
                    self._undo.pop()
            else:
                self._undo.append(event)

    @property
    def host(self) -> CallHost:
        """The app showing this call (the agents' app, or the editor's practice)."""
        return cast(CallHost, self.app)

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Every widget has a fixed size: an answer repaints the rows that changed and never
        # lays the screen out. Only the answer box appearing, leaving or moving (input nodes)
        # costs a layout.
        yield TopBar(id="topbar")
        with Vertical(id="left"):
            yield ScriptView(id="script")
            yield CallInput(id="answer-input", select_on_focus=False, max_length=LIMITS["fact_text"])
        yield SidePanel(id="side")
        yield KeyBar(id="keybar")

    def on_resize(self, event: Resize) -> None:
        width = event.size.width
        side = max(28, min(44, width * 36 // 100))
        self.styles.grid_columns = f"1fr {side}"
        # The answer box sits over the script view one cell in from each side (a margin would
        # narrow the script view too: Textual's vertical layout gives every child the widest margin).
        self._widget("#answer-input", CallInput).styles.width = max(1, width - side - 2)

    def on_mount(self) -> None:
        host = self.host
        box = self.query_one(CallInput)
        box.cursor_blink = False  # parked until an input node: show_node starts the caret there
        box.back_guard = host.back_guard
        if self.recorder is None:
            self.recorder = CallRecorder(host.backend, self.info.call_id, self._post_status)
        self.show_node()
        self._tick()
        if host.live_timer:
            self.set_interval(1.0, self._tick)
        if self.info.resumed:
            self.notify("上次的通话已恢复, 从中断的地方继续", title="继续通话")

    def _post_status(self, status: SaveStatus) -> None:
        self.post_message(SaveStatusChanged(status))  # called on the database thread

    # -- drawing --------------------------------------------------------------
    def _widget(self, selector: str, kind: type[W]) -> W:
        """A widget of this screen, looked up once (a query per answer costs a DOM walk)."""
        found = self._widgets.get(selector)
        if found is None:
            found = self._widgets[selector] = self.query_one(selector, kind)
        return cast(W, found)

    def show_node(self, refill: str | None = None) -> None:
        """Redraw everything that depends on the session (one synchronous pass)."""
        session = self.session
        node = session.node
        script = session.script
        self._widget("#topbar", TopBar).set(titles=tuple(path_titles(script.nodes, session.path)))

        box = self._widget("#answer-input", CallInput)
        kind = node.kind
        self._error = None
        accepting = kind == INPUT and node.input is not None
        if box.accepting != accepting:
            box.accepting = accepting
            blink = accepting and self.host.cursor_blink
            if box.cursor_blink != blink:
                box.cursor_blink = blink  # a parked box has no caret timer
        self._render_script()
        if accepting and node.input is not None:
            hint = node.input.hint or node.input.fact.label
            if box.placeholder != hint:
                box.placeholder = hint
            known = session.facts.get(node.input.fact.name)
            box.set_value(refill if refill is not None else "" if known is None else str(known))
            self.call_after_refresh(box.place_cursor)  # the IME window goes where the box now is
        if self.focused is not box:
            # The box holds the focus for the whole call (widgets/call_input.py): set once, never
            # moved per answer, so no answer restyles the screen. Now, not after the queue: a
            # digit typed right away goes in the box.
            self.set_focus(box, scroll_visible=False)
        self._render_panel()
        self._render_saved()
        self._render_keys()

    def _render_script(self) -> None:
        """The line to say and, under it, the numbered answers, or the input's keys and error,
        or the ending (one widget: a repaint of the rows that changed)."""
        session = self.session
        lines_and_tips = (tuple(session.lines()), tuple(session.tips()))
        if self._say[0] != lines_and_tips:
            self._say = (lines_and_tips, say_paras(*lines_and_tips))
        node = session.node
        if node.kind == END:
            answers = self._end_paras()
        elif node.kind == INPUT:
            answers = input_key_paras(
                node.skip.label if node.skip is not None else None, self._error, self._known_input()
            )
        else:
            answers = option_paras(tuple(session.option_labels()), self._confirm_text())
        row = self._widget("#script", ScriptView).show(self._say[1], answers, BOX_ROWS if node.kind == INPUT else 0)
        self._place_box(row)

    def _place_box(self, row: int | None) -> None:
        """The answer box over the rows the script view left for it, or parked out of view
        (``None``: a node that takes no text). A layout only when it moves."""
        target = PARKED_ROW if row is None else row
        if target != self._box_row:
            self._box_row = target
            self._widget("#answer-input", CallInput).styles.offset = (1, target)

    @on(ScriptView.GapMoved)
    def _gap_moved(self, message: ScriptView.GapMoved) -> None:
        message.stop()
        self._place_box(message.row)
        self.call_after_refresh(self._widget("#answer-input", CallInput).place_cursor)

    def _confirm_text(self) -> str | None:
        """「确认 (已知: 经常出差 · 来自 11-25 的通话)」 when an earlier call's facts answer this node."""
        session = self.session
        option = session.confirmable()
        if option is None:
            return None
        catalogue = session.script.facts
        known = " · ".join(fact_display(name, value, catalogue)[1] for name, value in option.sets)
        sources = [fact.source() for name, _ in option.sets if (fact := session.from_earlier_call(name))]
        return f"确认 (已知: {known}" + (f" · {sources[0]}" if sources else "") + ")"

    def _known_input(self) -> str | None:
        """「已知: 4 · 来自 11-25 的通话」 at an input whose fact an earlier call learned."""
        session = self.session
        spec = session.node.input.fact if session.node.input is not None else None
        carried = session.from_earlier_call(spec.name) if spec is not None else None
        if spec is None or carried is None:
            return None
        return f"已知: {spec.display(carried.value)} · {carried.source()}"

    def _end_paras(self) -> tuple[Para, ...]:
        session = self.session
        outcome = session.outcome or ""
        paras = [Para((("通话结束 ", "bold"), (OUTCOME_LABELS.get(outcome, outcome), "bold reverse")))]
        address = session.facts.get("address")
        if outcome == Outcome.MAILED.value and address:
            paras.append(Para((("寄送地址 (再核对一遍): ", "bold"), (str(address), "bold cyan"))))
        if outcome == Outcome.CALLBACK.value:
            if self.callback_due is not None:
                due: Run = (describe(self.callback_due, self.host.clock()), "bold cyan")
            else:
                due = ("未选 (按 Enter 选时间)", "bold red")
            paras.append(Para((("回电时间: ", "bold"), due)))
        on_the_line = outcome in OUTCOME_LABELS and Outcome(outcome).someone_on_the_line
        if on_the_line and not any("挂断" in tip for tip in session.tips()):  # the script's own tip says it already
            paras.append(Para((("等对方先挂断电话, 再轻轻放回电话。", "yellow"),)))
        keys = ((" Enter ", "reverse"), (" 完成并看小结   ", ""), (" ⌫ ", "reverse"), (" 返回上一步", "dim"))
        paras.append(Para(keys))
        return tuple(paras)

    def _render_keys(self) -> None:
        """The key bar for the node (Textual's binding state follows ``check_action``)."""
        session = self.session
        node = session.node
        pairs: list[tuple[str, str]] = []
        if session.finished:
            pairs.append(("Enter", "完成"))
        elif node.kind == "options":
            if session.confirmable() is not None:
                pairs.append(("Enter", "确认已知"))
            keys = [o.key for o in node.options]
            span = f"{keys[0]}–{keys[-1]}" if len(keys) > 1 else keys[0] if keys else ""
            if span:
                pairs.append((span, "选择"))
        else:
            pairs.append(("Enter", "确认"))
            if node.skip is not None:
                pairs.append(("Tab", "跳过"))
        if session.can_go_back:
            pairs.append(("⌫", "上一步"))
        pairs.append(("^N", "备注"))
        if not session.finished:
            pairs += [("^B", "约回电"), ("^E", "结束")]
        if self._status.error:
            pairs.append(("^R", "重试保存"))
        pairs.append(("F1", "帮助"))
        self._widget("#keybar", KeyBar).show(pairs)
        state = (
            session.finished,
            node.kind,
            node.skip is not None,
            session.can_go_back,
            bool(self._status.error),
            not session.events,
            session.confirmable() is not None,
        )
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def _render_panel(self) -> None:
        """Contact card, grade and why, the three conditions, facts from earlier calls,
        facts learned on this call, notes (one widget)."""
        session = self.session
        result = session.grade()
        key = (
            result.grade,
            result.rule_index,
            result.excluded_by,
            result.standing,
            tuple(result.conditions.items()),
            result.qualified,
            tuple(session.facts.items()),
            session.learned,
            len(self.notes),
        )
        if self._shown.get("panel") == key:
            return
        self._shown["panel"] = key
        lead = self.info.lead
        contact: list[Row] = [Row(lead.company, "bold")]
        who = " · ".join(x for x in (lead.contact, lead.title) if x)
        if who:
            contact.append(Row(who))
        contact.append(Row(lead.phone + (f" · {lead.industry}" if lead.industry else "")))
        if lead.attempts:
            contact.append(Row(f"第 {lead.attempts + 1} 次通话", "dim"))
        if self.info.kind == CallKind.MAINTENANCE:
            contact.append(Row("客户维护 · 回访 (已寄过资料)", "bold cyan"))

        # grading v2: 暂定 while the call runs (or after a callback), nothing before the
        # contact is reached, the grade for good once the call ended its development
        provisional: tuple[tuple[str, str], ...] = ((" 暂定", "bold yellow"),) if result.provisional else ()
        head_runs: tuple[tuple[str, str], ...] = ((" 评级 ", "bold reverse"), (" ", ""))
        if result.grade:
            style = {"好": "bold green", "一般": "bold yellow", "勉强": "bold magenta"}.get(result.grade, "bold")
            grade = [
                Row(prefix=(*head_runs, (f" {result.grade} ", style + " reverse"), *provisional)),
                Row(f"规则{result.rule_index}:{result.rule_label}", "dim"),
            ]
        elif result.excluded_by and (result.final or result.provisional):
            grade = [
                Row(prefix=(*head_runs, ("不评级", "bold red"), *provisional)),
                Row(result.excluded_by, "dim"),
            ]
        else:
            grade = [Row(prefix=(*head_runs, ("暂无", "dim")))]

        head: tuple[tuple[str, str], ...] = ((" 准客户条件 ", "bold reverse"),)
        if result.qualified:
            head += ((" ✓ 是准客户", "bold green"),)
        conditions = [Row(prefix=head)]
        for condition in session.script.grading.conditions:
            value = result.conditions.get(condition.name)
            conditions.append(Row(condition.label, prefix=((tri_symbol(value), tri_style(value)), (" ", ""))))

        catalogue = session.script.facts
        earlier: list[Row] = []
        facts = [Row(prefix=((" 已了解 ", "bold reverse"),))]
        for name, label, now_shown in fact_items(session.facts, catalogue):
            carried = session.carried.get(name)
            if session.from_earlier_call(name) is not None and carried is not None:
                earlier.append(Row(f"{now_shown} ({carried.source()})", "cyan", ((f"{label}:", "dim"),)))
            elif carried is not None and (was := fact_display(name, carried.value, catalogue)[1]) != now_shown:
                facts.append(Row(f"{now_shown} (原 {was})", "", ((f"{label}:", "dim"),)))  # corrected on this call
            else:
                facts.append(Row(now_shown, "", ((f"{label}:", "dim"),)))
        if len(facts) == 1:
            facts.append(Row("(还没有)", "dim"))

        blocks = [tuple(contact), tuple(grade), tuple(conditions)]
        if earlier:  # what earlier calls on the lead learned, not yet confirmed or corrected
            blocks.append((Row(prefix=((" 之前通话已知 ", "bold reverse cyan"),)), *earlier))
        if self.notes:
            notes = [Row(prefix=((" 备注 ", "bold reverse"),))]
            for note in self.notes[-4:]:
                prefix: tuple[tuple[str, str], ...] = ((note.at.strftime("%H:%M") + " ", "dim"),)
                if note.important:
                    prefix += (("! ", "bold red"),)
                notes.append(Row(note.text, "bold" if note.important else "", prefix))
            blocks.append(tuple(notes))
        blocks.append(tuple(facts))  # last: the block that is compacted when the panel is full
        self._widget("#side", SidePanel).set_blocks(tuple(blocks))

    def _tick(self) -> None:
        now = self.host.clock()
        seconds = (now - self.info.started_at).total_seconds()
        self._widget("#topbar", TopBar).set(timer=Text(f"⏱ {elapsed_text(seconds)}", "bold"))

    def _render_saved(self) -> None:
        status = self._status
        pending = self._submitted - status.saved
        if status.error:
            state, text = "error", Text(f" ✗ 未保存 {pending} 步 ^R重试 ", "bold white on red")
        elif pending > 0:
            state, text = "pending", Text(" … 保存中 ", "bold black on yellow")
        else:
            state, text = "ok", Text(" ✓ 已保存 ", "bold green")
        if (state, pending if status.error else 0) != self._saved_shown:
            self._saved_shown = (state, pending if status.error else 0)
            self._widget("#topbar", TopBar).set(saved=text)

    def _show_saved_again(self) -> None:
        """The save indicator as the answers' state has it (after 结束中 came to nothing)."""
        self._saved_shown = None
        self._render_saved()

    # -- recording ------------------------------------------------------------
    def _record(self, event: Event) -> None:
        self._submitted += 1
        if self.recorder is not None:
            self.recorder.record(event, self.host.clock())

    @on(SaveStatusChanged)
    def _save_status(self, message: SaveStatusChanged) -> None:
        was_error = self._status.error
        self._status = message.status
        self._render_saved()
        if message.status.error and not was_error:
            self.notify(
                f"答案没有保存到数据库: {message.status.error}\n按 Ctrl+R 重试",
                title="保存失败",
                severity="error",
                timeout=10,
            )
            self.set_timer(3.0, self._auto_retry)
            self._render_keys()
        elif was_error and not message.status.error:
            self.notify("已重新保存", title="保存成功")
            self._render_keys()

    def _auto_retry(self) -> None:
        if self._status.error and self.recorder is not None and self.is_attached:
            self.recorder.retry()
            self.set_timer(5.0, self._auto_retry)

    # -- answering ------------------------------------------------------------
    def on_key(self, event: Key) -> None:
        session = self.session
        if session.finished or event.character is None:
            return
        if session.node.kind == INPUT:
            box = self._widget("#answer-input", CallInput)
            if not box.has_focus and event.is_printable:  # typed before the box had focus: keep it
                event.stop()
                self.set_focus(box)
                box.insert_text_at_cursor(event.character)
            return
        if session.node.kind != "options":
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
            self._error = str(exc)
            self._render_script()
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
        if action == "enter":
            return session.finished or session.confirmable() is not None
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
        refill = undone.value if undone is not None and undone.kind == "enter" else None
        self.show_node(refill=refill)
        self._record(event)

    def action_scroll_line(self, direction: int) -> None:
        """PgUp/PgDn: scroll a line too long for the screen (80×24, the company introduction)."""
        self._widget("#script", ScriptView).page_say(direction)

    def action_retry_save(self) -> None:
        if self.recorder is not None:
            self.recorder.retry()

    def action_help(self) -> None:
        from callscript.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    # -- notes ----------------------------------------------------------------
    def action_note(self) -> None:
        from callscript.tui.screens.dialogs import NoteDialog

        now = self.host.clock()

        def done(result: NoteResult | None) -> None:
            if result is None:
                return
            self.notes.append(NoteItem(now, result.text, result.important))
            self._render_panel()
            self._submitted += 1
            if self.recorder is not None:
                self.recorder.note(result.text, result.important, self.session.node_id, now)
            self._render_saved()

        self.app.push_screen(NoteDialog(now.strftime("%H:%M")), done)

    # -- ending ---------------------------------------------------------------
    def ask_callback_time(self, then_finish: bool = False) -> None:
        from callscript.tui.screens.dialogs import CallbackDialog

        def chosen(due: datetime | None) -> None:
            if due is None:
                self.show_node()
                return
            self.callback_due = due
            self.show_node()
            if then_finish:
                self.finish()

        self.app.push_screen(CallbackDialog(self.host.clock(), hours=self.host.business_hours), chosen)

    def action_callback(self) -> None:
        """Ctrl+B: end the call as a callback; ask when."""
        from callscript.tui.screens.dialogs import CallbackDialog

        if self.session.finished:
            return

        def chosen(due: datetime | None) -> None:
            if due is None or self.session.finished:
                return
            self.callback_due = due
            self._end_with(Outcome.CALLBACK.value)

        host = self.host
        self.app.push_screen(CallbackDialog(host.clock(), "通话会以「约回电」结束", host.business_hours), chosen)

    def action_end_call(self) -> None:
        """Ctrl+E: end the call here with an outcome."""
        from callscript.tui.screens.dialogs import AddressDialog, OutcomeDialog

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
                        self._end_with(outcome, address=address)

                self.app.push_screen(AddressDialog(), with_address)
                return
            self._end_with(outcome)

        self.app.push_screen(OutcomeDialog(outcomes_offered(answered=self.session.answered)), chosen)

    def _end_with(self, outcome: str, *, address: str | None = None) -> None:
        try:
            event = self.session.end(outcome, address=address)
        except SessionError as exc:
            self.notify(str(exc), severity="error")
            return
        self._undo.append(event)
        self.show_node()
        self._record(event)
        self.finish()

    def action_enter(self) -> None:
        """Enter: finish a call that has ended, or confirm what an earlier call learned."""
        if self.session.finished:
            self.action_finish()
            return
        option = self.session.confirmable()
        if option is not None:
            self.answer(option.key)

    def action_finish(self) -> None:
        if not self.session.finished:
            return
        if self.session.outcome == Outcome.CALLBACK.value and self.callback_due is None:
            self.ask_callback_time(then_finish=True)
            return
        self.finish()

    def action_discard(self) -> None:
        """Esc before the first answer: the call was opened by mistake."""
        from callscript.tui.screens.dialogs import ConfirmDialog

        if self.session.events:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._discard()

        self.app.push_screen(ConfirmDialog("放弃这个通话?", "还没有记录任何回答; 客户会回到列表里。"), answer)

    @work(exclusive=True, group="finish")
    async def _discard(self) -> None:
        backend = self.host.backend
        try:
            await backend.run(backend.discard_call, self.info.call_id, self.info.lead.id, self.info.agent_id)
        except Exception as exc:
            self.notify(f"放弃失败: {exc}", severity="error")
            return
        self.dismiss(None)

    @work(exclusive=True, group="finish")
    async def finish(self) -> None:
        """Store the outcome (after every queued answer), then show the summary card."""
        if self._finishing:
            return
        self._finishing = True
        # The key is answered at once, in the save indicator: storing the call waits for the
        # answers still queued and for the database (a busy floor server, a PostgreSQL across
        # the network), and only then can the card be drawn.
        self._widget("#topbar", TopBar).set(saved=Text(" … 结束中 ", "bold black on yellow"))
        host = self.host
        backend = host.backend
        try:
            assert self.recorder is not None
            status, info = await backend.run(
                backend.finish_after,
                self.recorder.write_queued,
                self.info.call_id,
                self.session,
                callback_due=self.callback_due,
                now=host.clock(),
            )
            if info is None:
                self._show_saved_again()
                self.notify(
                    f"还有 {status.pending} 步没保存, 不能结束: {status.error}",
                    title="保存失败",
                    severity="error",
                    timeout=10,
                )
                return
        except Exception as exc:
            self._show_saved_again()
            self.notify(f"通话结果没有保存: {problem_text(exc)}", title="保存失败", severity="error", timeout=10)
            return
        finally:
            self._finishing = False
        self.app.switch_screen(self.summary_screen(replace(self.info, notes=tuple(self.notes)), info))

    def summary_screen(self, info: CallInfo, finish: FinishInfo) -> Screen[None]:
        """The end-of-call card shown in this screen's place."""
        from callscript.tui.screens.summary import SummaryScreen

        return SummaryScreen(info, self.session, finish)
