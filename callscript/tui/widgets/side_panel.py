"""The call screen's side panel as one widget that wraps its own lines.

Contact card, grade, the three conditions, facts and notes change on almost every
answer. Drawn as separate Statics (and rich Tables for the hanging indents) they
cost a dozen height measurements per key; here one widget wraps plain rows by
terminal cells (:func:`callscript.tui.text.wrap_cells`: a wide character is never split,
a number is never broken across lines when it fits on one), and a wrapped label continues
under its own first character, not under the ✓ in front of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from callscript.tui.text import wrap_cells

Run = tuple[str, str]  # (text, style)


@dataclass(frozen=True, slots=True)
class Row:
    """``prefix`` stays on the first line; ``body`` wraps under itself."""

    body: str = ""
    style: str = ""
    prefix: tuple[Run, ...] = ()


Block = tuple[Row, ...]


def layout_rows(blocks: tuple[Block, ...], width: int) -> list[list[Run]]:
    """Every row wrapped to ``width`` cells, as runs of (text, style) per screen line;
    blocks are separated by a blank line."""
    out: list[list[Run]] = []
    for b, block in enumerate(blocks):
        if b and block:
            out.append([])
        for row in block:
            prefix_cells = sum(cell_len(t) for t, _ in row.prefix)
            first: list[Run] = list(row.prefix)
            if prefix_cells > width // 2 and row.body and prefix_cells + cell_len(row.body) > width:
                # a long prefix and a body that does not fit beside it: body on the lines below
                out.append(first)
                first, indent = [], 0
            else:
                indent = prefix_cells
            pieces = wrap_cells(row.body, max(1, width - indent)) if row.body else [""]
            first.append((pieces[0], row.style))
            out.append(first)
            for piece in pieces[1:]:
                out.append([(" " * indent, ""), (piece, row.style)])
    return out


@lru_cache(maxsize=256)
def _style(name: str) -> Style:
    return Style.parse(name) if name else Style()


def fit_rows(blocks: tuple[Block, ...], width: int, height: int) -> list[list[Run]]:
    """The blocks laid out to fit ``height`` lines.

    Too long (80×24 late in a call): drop the blank lines between blocks, then run
    the last block's rows (the facts) together as one flowing line, newest first,
    then cut the oldest off (``…``). Never more than ``height`` lines.
    """
    lines = layout_rows(blocks, width)
    if height <= 0 or len(lines) <= height:
        return lines
    lines = [line for line in lines if line]
    if len(lines) <= height or not blocks:
        return lines[:height]
    *head, last = [b for b in blocks if b]
    title, *rows = last
    flowing = Row(" · ".join(f"{_plain(r.prefix)}{r.body}" for r in reversed(rows)), "")
    compact = [line for line in layout_rows((*head, (title, flowing)), width) if line]
    if len(compact) <= height:
        return compact
    cut = compact[: max(0, height - 1)]
    cut.append([("…", "dim")])
    return cut


def _plain(runs: tuple[Run, ...]) -> str:
    return "".join(text for text, _ in runs)


class SidePanel(Widget):
    """Rows in blocks, wrapped by the widget itself and drawn straight to strips.

    Fixed size (set by CSS): new content is a repaint, never a layout of the screen.
    """

    DEFAULT_CSS = """
    SidePanel { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.blocks: tuple[Block, ...] = ()
        self._lines: tuple[int, int, tuple[Block, ...], list[list[Run]]] | None = None
        self._strips: tuple[int, int, tuple[Block, ...], Style, list[Strip]] | None = None
        self._base: Style | None = None

    def set_blocks(self, blocks: tuple[Block, ...]) -> None:
        if blocks != self.blocks:
            self.blocks = blocks
            self.refresh()

    def lines(self, width: int, height: int = 0) -> list[list[Run]]:
        cache = self._lines
        if cache is not None and cache[:2] == (width, height) and cache[2] is self.blocks:
            return cache[3]
        lines = fit_rows(self.blocks, width, height)
        self._lines = (width, height, self.blocks, lines)
        return lines

    def plain(self, width: int, height: int = 0) -> str:
        return "\n".join("".join(text for text, _ in runs) for runs in self.lines(width, height))

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style  # once per repaint: it walks every ancestor's styles
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size
        base = self.rich_style if self._base is None else self._base
        cache = self._strips
        if cache is None or cache[:2] != (width, height) or cache[2] is not self.blocks or cache[3] != base:
            strips = [
                Strip([Segment(text, base + _style(style)) for text, style in runs if text]).adjust_cell_length(
                    width, base
                )
                for runs in self.lines(width, height)
            ]
            cache = self._strips = (width, height, self.blocks, base, strips)
        strips = cache[4]
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, base)
