"""Small modal dialogs of the call screen: note, callback time, outcome, address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from callscript.core.cleantext import LIMITS
from callscript.core.outcomes import Outcome
from callscript.core.when import DEFAULT_BUSINESS_HOURS, BusinessHours, QuickChoice, describe, quick_choices
from callscript.core.when import WhenError as TimeParseError
from callscript.core.when import parse_moment as parse_callback_time
from callscript.tui.host import CallHost
from callscript.tui.text import key_hints
from callscript.tui.widgets import ImeInput


@dataclass(frozen=True, slots=True)
class NoteResult:
    text: str
    important: bool


def parse_note(raw: str) -> NoteResult | None:
    """``!`` (or ``!``) at the start flags the note as important; empty means no note."""
    text = raw.strip()
    important = text.startswith(("!", "!"))
    if important:
        text = text[1:].strip()
    return NoteResult(text, important) if text else None


class NoteDialog(ModalScreen[NoteResult | None]):
    """Ctrl+N: a timestamped note; ``!`` first flags it as important."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, stamp: str) -> None:
        super().__init__(classes="dialog-screen")
        self._stamp = stamp

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog"):
            yield Label(f"备注 ({self._stamp})", classes="dialog-title")
            yield ImeInput(placeholder="写下要记住的事; 以 ! 开头 = 重点", id="note-input", max_length=LIMITS["note"])
            yield Static(key_hints(("Enter", "保存"), ("Esc", "取消")), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(parse_note(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CallbackDialog(ModalScreen[datetime | None]):
    """Ctrl+B / a callback ending: when to call back — a time as the prospect said it, or a
    quick choice.

    The time box has the focus from the start, so every character typed goes into it (the
    first one too, and a whole phrase an input method commits at once), and the input
    method's window sits where the text goes. A quick choice is a digit 1–3 *alone* in
    the box: the line under the box says what it books, and Enter books it, exactly as
    Enter books a typed time — so ``17:30`` typed key by key is 17:30, never choice 1, and
    nothing is booked before Enter. Times are read by :mod:`callscript.core.when` within
    the configured business hours (``CallHost.business_hours``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, now: datetime, reason: str = "", hours: BusinessHours = DEFAULT_BUSINESS_HOURS) -> None:
        super().__init__(classes="dialog-screen")
        self._now = now
        self._reason = reason
        self._hours = hours
        self._choices = {choice.key: choice for choice in quick_choices(now, hours)}

    @property
    def host(self) -> CallHost:
        return cast(CallHost, self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="callback-dialog"):
            yield Label("约回电: 什么时候打过去?", classes="dialog-title")
            if self._reason:
                yield Static(self._reason, classes="dialog-note")
            lines = Text()
            for choice in self._choices.values():
                if lines:
                    lines.append("\n")
                if choice.due is None:
                    lines.append(f" {choice.key} ", "dim reverse")
                    lines.append(f" {choice.label} (已过)", "dim")
                else:
                    lines.append(f" {choice.key} ", "bold reverse")
                    lines.append(f" {choice.label}  ")
                    lines.append(describe(choice.due, self._now), "bold")
            lines.append("\n或直接输入客户说的时间:", "dim")
            yield Static(lines, id="callback-choices")
            yield ImeInput(placeholder="17:30 · 明天下午3点 · 周五 10:00 · 半小时后", id="callback-input")
            yield Static("", id="callback-preview", classes="error")
            yield Static(
                key_hints(("1–3 Enter", "快选"), ("Enter", "确定输入的时间"), ("Esc", "取消")), classes="dialog-keys"
            )

    def on_mount(self) -> None:
        box = self.query_one("#callback-input", Input)
        box.cursor_blink = self.host.cursor_blink
        box.focus()  # typing goes to the box from the first key (and the IME window with it)

    def on_key(self, event: Key) -> None:
        """A character typed while the box lost the focus (a mouse click) still goes in the box."""
        box = self.query_one("#callback-input", Input)
        if box.has_focus or event.character is None or not event.is_printable:
            return
        event.stop()
        box.focus()
        box.insert_text_at_cursor(event.character)

    def _choice(self, text: str) -> QuickChoice | None:
        """The quick choice a digit alone in the box names (None: the text is a time)."""
        return self._choices.get(text.strip())

    def _read(self, text: str) -> datetime:
        """What Enter would book for ``text`` (WhenError with a message for the agent otherwise)."""
        choice = self._choice(text)
        if choice is not None:
            if choice.due is None:
                raise TimeParseError(f"{choice.key} {choice.label}已经过了, 请输入时间")
            return choice.due
        return parse_callback_time(text, self._now, hours=self._hours)

    @on(Input.Changed, "#callback-input")
    def _typing(self, event: Input.Changed) -> None:
        event.stop()
        preview = self.query_one("#callback-preview", Static)
        if not event.value.strip():
            preview.update("")
            return
        try:
            due = self._read(event.value)
        except TimeParseError:
            preview.update("")
            return
        choice = self._choice(event.value)
        line = Text("→ ", "green")
        if choice is not None:
            line.append(f"{choice.label} ", "green")
        line.append(describe(due, self._now), "bold green")
        line.append("  (Enter 确定)", "dim")
        preview.update(line)

    @on(Input.Submitted, "#callback-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            due = self._read(event.value)
        except TimeParseError as exc:
            self.query_one("#callback-preview", Static).update(Text(str(exc), "bold red"))
            return
        self.dismiss(due)

    def action_cancel(self) -> None:
        self.dismiss(None)


OUTCOME_KEYS: list[tuple[str, Outcome]] = [(str(i), outcome) for i, outcome in enumerate(Outcome, start=1)]
"""Each outcome keeps its key whether or not it is offered (7 is always 寄资料)."""


class OutcomeDialog(ModalScreen[str | None]):
    """Ctrl+E: end the call here with one of the BRIEF's outcomes (those still true:
    :func:`callscript.core.outcomes.outcomes_offered`)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, offered: Iterable[Outcome] = tuple(Outcome)) -> None:
        super().__init__(classes="dialog-screen")
        wanted = set(offered)
        self._keys = [(key, outcome) for key, outcome in OUTCOME_KEYS if outcome in wanted]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="outcome-dialog"):
            yield Label("结束通话: 结果是?", classes="dialog-title")
            lines = Text()
            for key, outcome in self._keys:
                if lines:
                    lines.append("\n")
                lines.append(f" {key} ", "bold reverse")
                lines.append(f" {outcome.label}")
                if outcome == Outcome.CALLBACK:
                    lines.append("  (再选时间)", "dim")
            yield Static(lines, id="outcome-choices")
            span = f"{self._keys[0][0]}–{self._keys[-1][0]}" if self._keys else ""
            yield Static(key_hints((span, "选择"), ("Esc", "取消")), classes="dialog-keys")

    def on_key(self, event: Key) -> None:
        for key, outcome in self._keys:
            if event.character == key:
                event.stop()
                self.dismiss(outcome.value)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddressDialog(ModalScreen[str | None]):
    """寄资料 chosen by hand before the address was asked: ask for it now."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="address-dialog"):
            yield Label("寄资料: 寄送地址", classes="dialog-title")
            yield ImeInput(placeholder="地址 (读给客户核对)", id="address-input", max_length=LIMITS["address"])
            yield Static("", id="address-error", classes="error")
            yield Static(key_hints(("Enter", "确定"), ("Esc", "取消")), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.query_one("#address-error", Static).update(Text("地址不能为空", "bold red"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: Enter or y = yes, Esc or n = no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "否"),
        Binding("enter,y", "answer(True)", "是"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._question, classes="dialog-title")
            if self._detail:
                yield Static(self._detail, classes="dialog-note")
            yield Static(key_hints(("Enter", "是"), ("Esc", "否")), classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class QuitDialog(ConfirmDialog):
    """Ctrl+Q during a call (the agents' app): every answer is saved, but ask."""

    def __init__(self) -> None:
        super().__init__("通话还没结束, 要退出吗?", "回答都已保存; 下次打开时可以从中断的地方继续。 再按 ^Q 也是退出。")
