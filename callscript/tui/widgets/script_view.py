"""The call screen's left column as one widget: the line to say, a rule, the answers.

Drawn as Textual Statics of automatic height, every answer changed two heights and
Textual laid the whole screen out again (2.7 layouts per answer, most of a keypress).
This widget's size is fixed by the screen (the whole column): new content is a repaint of the rows
that changed, never a layout. It wraps its own lines by terminal cells
(:func:`callscript.tui.text.wrap_runs`: a wide character is never split, a number is never
broken, ``，`` never starts a line), an answer's label wraps under itself, not under its key.

The say part is at most :data:`SAY_SHARE` of the terminal's height; a longer line scrolls
(PgUp/PgDn, the mouse wheel) and the rule under it says so. On input nodes the view leaves
:data:`BOX_ROWS` blank rows between the rule and the keys; the call screen places its answer
box (a real ``Input``: the IME, editing and paste are Textual's) over them, at
:attr:`ScriptView.gap_row`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.message import Message

from callscript.tui.text import Run, wrap_runs
from callscript.tui.widgets.drawn import DrawnLines, Line

SAY_SHARE = 0.6
"""The most of the terminal's height the line to say takes (rule included); the rest is the answers'."""
BOX_ROWS = 3
"""Rows the answer box needs (Textual's ``Input`` with its tall border)."""
RULE = ".script-view--rule"
"""The rule under the line is drawn in the widget's ``script-view--rule`` component style."""
MORE_STYLE = "bold yellow"


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph: ``prefix`` starts the first line; with ``hang`` the body wraps under its own
    first character (an answer's label beside its key), else from the left edge (a tip).
    ``Para(())`` is a blank line."""

    body: tuple[Run, ...]
    prefix: tuple[Run, ...] = ()
    hang: bool = False


@dataclass(frozen=True, slots=True)
class ScriptLayout:
    lines: tuple[Line, ...]
    """Exactly the view's height of lines."""
    say_rows: int
    """Rows the line to say takes on screen (its blank line above and below included)."""
    scroll: int
    """The first row of the line shown (0 unless it is too long and was scrolled)."""
    max_scroll: int
    gap_row: int | None
    """The first of the rows left for the answer box, or None when there is none."""
    answers_start: int


def wrap_paras(paras: tuple[Para, ...], width: int) -> list[Line]:
    """Every paragraph wrapped to ``width`` cells."""
    out: list[Line] = []
    for para in paras:
        if not para.body and not para.prefix:
            out.append(())
            continue
        if not para.hang or not para.prefix:
            out.extend(wrap_runs((*para.prefix, *para.body), width) or [()])
            continue
        indent = sum(cell_len(text) for text, _ in para.prefix)
        body = wrap_runs(para.body, max(2, width - indent)) or [()]
        out.append((*para.prefix, *body[0]))
        out.extend(((" " * indent, ""), *line) for line in body[1:])
    return out


def _more_label(scroll: int, max_scroll: int) -> str:
    if scroll < max_scroll:
        return f" PgDn ↓ 下面还有 {max_scroll - scroll} 行 "
    return " PgUp ↑ 回到开头 "


def lay_out(
    say: tuple[Para, ...],
    answers: tuple[Para, ...],
    box_rows: int,
    width: int,
    height: int,
    say_max: int,
    scroll: int = 0,
) -> ScriptLayout:
    """The view's lines at ``width`` × ``height``: the line to say (a blank line above and below,
    at most ``say_max`` rows with the rule, scrolled to ``scroll``), the rule, ``box_rows`` blank
    rows for the answer box, the answers. One cell of padding each side."""
    inner = max(2, width - 2)
    pad: Run = (" ", "")
    said: list[Line] = [(), *wrap_paras(say, inner)]
    if len(said) < say_max - 1:
        said.append(())  # the blank line under it, when there is room (never a reason to scroll)
    window = max(1, min(len(said), say_max - 1))
    max_scroll = len(said) - window
    scroll = max(0, min(scroll, max_scroll))
    lines: list[Line] = [(pad, *line) if line else () for line in said[scroll : scroll + window]]
    rule = "─" * max(0, width)
    if max_scroll:
        label = _more_label(scroll, max_scroll)
        keep = max(0, width - cell_len(label) - 2)
        lines.append(((rule[:keep], RULE), (label, MORE_STYLE), (rule[: max(0, width - keep - cell_len(label))], RULE)))
    else:
        lines.append(((rule, RULE),))
    say_rows = window
    gap_row = len(lines) if box_rows else None
    lines.extend(() for _ in range(box_rows))
    answers_start = len(lines)
    lines.extend((pad, *line) if line else () for line in wrap_paras(answers, inner))
    lines = lines[:height] + [()] * max(0, height - len(lines))
    return ScriptLayout(tuple(lines), say_rows, scroll, max_scroll, gap_row, answers_start)


class ScriptView(DrawnLines):
    """The line to say and the answers, wrapped by the widget and drawn straight to strips.

    Fixed size (set by the screen's CSS): new content repaints only the rows that changed.
    Its height is ``100%`` of the column, not ``1fr``: Textual's vertical layout takes an
    absolutely placed sibling's height (the answer box) out of the fractions, so ``1fr``
    shrank the view by three rows, and laid it out again, whenever the box appeared.
    """

    COMPONENT_CLASSES = {"script-view--rule"}
    DEFAULT_CSS = """
    ScriptView { width: 100%; height: 100%; }
    ScriptView > .script-view--rule { color: $primary 50%; }
    """

    class GapMoved(Message):
        """The rows for the answer box moved (the terminal was resized)."""

        def __init__(self, row: int | None) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.say: tuple[Para, ...] = ()
        self.answers: tuple[Para, ...] = ()
        self.box_rows = 0
        self._scroll = 0
        self._layout: ScriptLayout | None = None
        self._showing = False

    # -- content ------------------------------------------------------------------
    def show(self, say: tuple[Para, ...], answers: tuple[Para, ...], box_rows: int = 0) -> int | None:
        """Show new content; a new line to say starts at its top. Returns :attr:`gap_row`."""
        if say != self.say:
            self.say = say
            self._scroll = 0
        self.answers = answers
        self.box_rows = box_rows
        self._showing = True  # the caller places the box from the answer: no GapMoved
        try:
            self.redraw()
        finally:
            self._showing = False
        return self.gap_row

    def scroll_say(self, rows: int) -> None:
        """Scroll the line to say by ``rows`` (negative: up)."""
        layout = self._layout
        if layout is None or not layout.max_scroll:
            return
        self._scroll = max(0, min(layout.max_scroll, layout.scroll + rows))
        self.redraw()

    def page_say(self, pages: int) -> None:
        """PgDn (1) / PgUp (-1): a screenful of the line, keeping one row of the last."""
        layout = self._layout
        if layout is not None:
            self.scroll_say(pages * max(1, layout.say_rows - 1))

    @property
    def gap_row(self) -> int | None:
        return self._layout.gap_row if self._layout is not None else None

    @property
    def max_scroll(self) -> int:
        """How far the line to say scrolls (0: it is on screen in full)."""
        return self._layout.max_scroll if self._layout is not None else 0

    def rows(self, part: str) -> range:
        """Rows of ``say`` (the line, without the rule) or ``answers`` in the view."""
        layout = self._layout
        if layout is None:
            return range(0)
        if part == "say":
            return range(0, layout.say_rows)
        if part == "answers":
            return range(layout.answers_start, len(layout.lines))
        raise ValueError(part)

    # -- layout -------------------------------------------------------------------
    def lay_out(self, width: int, height: int) -> tuple[Line, ...]:
        say_max = max(3, int(self.app.size.height * SAY_SHARE))
        had = self.gap_row
        layout = lay_out(self.say, self.answers, self.box_rows, width, height, say_max, self._scroll)
        self._layout = layout
        self._scroll = layout.scroll
        if layout.gap_row != had and not self._showing:
            self.post_message(self.GapMoved(layout.gap_row))
        return layout.lines

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if event.y < self.rows("say").stop:
            event.stop()
            self.scroll_say(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if event.y < self.rows("say").stop:
            event.stop()
            self.scroll_say(-3)
