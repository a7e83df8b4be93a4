"""Finding one's way in a real script: go to a line (Ctrl+G), search (Ctrl+F, F3 / Shift+F3), jump
to a node by its id or title (Ctrl+T).

The pure parts (:func:`find_matches`, :func:`next_match`, :func:`node_line`, :func:`matching_nodes`)
work on the text and the last valid script; the dialogs and the search bar are small Textual
pieces the editor screen (:mod:`callscript.tui.editor.screen`) shows.

* **Search** is plain text, case-insensitive for Latin letters, one line at a time; the bar
  says ``3/17`` (which match, how many). Typing finds the first match from the cursor; Enter or
  F3 the next, Shift+Enter or Shift+F3 the previous (many terminals send Shift+Enter as Enter:
  F3/Shift+F3 always work, also once the bar is closed); it wraps around the end. Esc closes
  the bar and leaves the match selected in the text.
* **A node** is found by its id (``ask_star``) or any part of its title (``星级``); its line is
  looked up in the current text (``  ask_star:`` under ``nodes:``), so it is right even while
  the text has errors and the script cannot be loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from callscript.tui.text import key_hints

Match = tuple[int, int]
"""(row, column) of a match's first character, both from 0."""


def find_matches(lines: Sequence[str], query: str) -> list[Match]:
    """Every place ``query`` occurs, in order (case-insensitive; overlapping matches counted once)."""
    if not query:
        return []
    needle = query.casefold()
    width = len(needle)
    out: list[Match] = []
    for row, line in enumerate(lines):
        folded = line.casefold()
        if len(folded) != len(line):  # casefold changed the length (ß → ss): search as typed
            folded, needle_here = line, query
        else:
            needle_here = needle
        start = folded.find(needle_here)
        while start >= 0:
            out.append((row, start))
            start = folded.find(needle_here, start + max(1, width))
    return out


def next_match(matches: Sequence[Match], cursor: Match, *, backwards: bool = False, here: bool = False) -> int | None:
    """The index of the match after ``cursor`` (``here``: at or after it), or before it; wraps around."""
    if not matches:
        return None
    if backwards:
        for i in range(len(matches) - 1, -1, -1):
            if matches[i] < cursor:
                return i
        return len(matches) - 1
    for i, match in enumerate(matches):
        if match > cursor or (here and match == cursor):
            return i
    return 0


def node_line(lines: Sequence[str], node_id: str) -> int | None:
    """The 1-based line of ``node_id:`` under ``nodes:`` in the text, or None."""
    key = re.compile(rf"^\s+{re.escape(node_id)}\s*:\s*(#.*)?$")
    in_nodes = False
    for number, line in enumerate(lines, start=1):
        if re.match(r"^nodes\s*:", line):
            in_nodes = True
            continue
        if in_nodes and line[:1] not in ("", " ", "\t", "#"):
            in_nodes = False  # the next top-level key
        if in_nodes and key.match(line):
            return number
    return None


def matching_nodes(nodes: Iterable[tuple[str, str]], query: str) -> list[tuple[str, str]]:
    """(id, title) pairs whose id or title contains ``query`` (case-insensitive); an exact id first."""
    wanted = query.strip().casefold()
    pairs = list(nodes)
    if not wanted:
        return pairs
    exact = [p for p in pairs if p[0].casefold() == wanted]
    rest = [p for p in pairs if p not in exact and (wanted in p[0].casefold() or wanted in p[1].casefold())]
    return exact + rest


class GoToLineDialog(ModalScreen[int | None]):
    """Ctrl+G: a line number."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, current: int, last: int) -> None:
        super().__init__(classes="dialog-screen")
        self.current = current
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="goto-dialog"):
            yield Label(f"跳到第几行? (1–{self.last}, 现在第 {self.current} 行)", classes="dialog-title")
            yield Input(placeholder="行号", id="goto-line", restrict=r"\d*")
            yield Static("", id="goto-error", classes="error")
            yield Static(key_hints(("Enter", "跳过去"), ("Esc", "取消")), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text.isdigit():
            self.query_one("#goto-error", Static).update("请输入行号 (数字)")
            return
        self.dismiss(max(1, min(int(text), self.last)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class NodeJumpDialog(ModalScreen[str | None]):
    """Ctrl+T: a node by id or title; the list narrows as you type, Enter jumps to the first (or the chosen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("down", "to_list", "选择", show=False),
    ]

    def __init__(self, nodes: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.nodes = list(nodes)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="node-dialog"):
            yield Label("跳到节点: 输入节点 id 或标题的一部分", classes="dialog-title")
            yield Input(placeholder="ask_star · 星级", id="node-query")
            yield OptionList(*self._options(""), id="node-list")
            yield Static(
                key_hints(("Enter", "跳到第一个"), ("↓", "在列表里选"), ("Esc", "取消")), classes="dialog-keys"
            )

    def _options(self, query: str) -> list[Option]:
        return [Option(f"{node_id}  {title}", id=node_id) for node_id, title in matching_nodes(self.nodes, query)]

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#node-query")
    def _typing(self, event: Input.Changed) -> None:
        event.stop()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))

    @on(Input.Submitted, "#node-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        found = matching_nodes(self.nodes, event.value)
        if found:
            self.dismiss(found[0][0])
        else:
            self.notify("没有这样的节点", severity="warning")

    @on(OptionList.OptionSelected, "#node-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_to_list(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    def action_cancel(self) -> None:
        self.dismiss(None)


class SearchBar(Horizontal):
    """The search box over the status line (Ctrl+F); the screen does the finding."""

    DEFAULT_CSS = """
    SearchBar { display: none; height: 1; background: $boost; }
    SearchBar.shown { display: block; }
    SearchBar > #search-label { width: auto; padding: 0 1; }
    SearchBar > #search-query { width: 1fr; height: 1; border: none; padding: 0; }
    SearchBar > #search-count { width: auto; padding: 0 1; color: $text-muted; }
    """

    class Closed(Message):
        """Esc in the bar: back to the text."""

    class Find(Message):
        """Find ``query`` from the cursor (``step``: 0 from here, 1 the next, -1 the previous)."""

        def __init__(self, query: str, step: int) -> None:
            super().__init__()
            self.query = query
            self.step = step

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("shift+enter", "find(-1)", "上一个", show=False),
        Binding("escape", "close", "关闭", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(Text("查找", "bold"), id="search-label")
        yield Input(placeholder="要找的文字 · Enter 下一个 · Shift+Enter/Shift+F3 上一个 · Esc 关闭", id="search-query")
        yield Static("", id="search-count")

    @property
    def query_text(self) -> str:
        return self.query_one("#search-query", Input).value

    def open(self) -> None:
        self.add_class("shown")
        box = self.query_one("#search-query", Input)
        box.focus()
        box.select_all()

    def show_count(self, index: int | None, total: int) -> None:
        text = "" if not self.query_text else ("没有找到" if not total else f"{(index or 0) + 1}/{total}")
        self.query_one("#search-count", Static).update(text)

    @on(Input.Changed, "#search-query")
    def _typing(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Find(event.value, 0))

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Find(event.value, 1))

    def action_find(self, step: int) -> None:
        self.post_message(self.Find(self.query_text, step))

    def action_close(self) -> None:
        self.remove_class("shown")
        self.post_message(self.Closed())
