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

from rich.cells import cell_len
from textual.geometry import Region

from callscript.tui.text import Run, wrap_cells
from callscript.tui.widgets.drawn import DrawnLines, Line


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


class SidePanel(DrawnLines):
    """Rows in blocks, wrapped by the widget itself and drawn straight to strips.

    Fixed size (set by CSS): new content repaints the rows that changed, never lays the
    screen out. The panel draws its own left edge (a line in the ``side-panel--edge`` style
    and a cell of space each side of the text), so no CSS border or padding sends its rows
    through Textual's styled path.
    """

    COMPONENT_CLASSES = {"side-panel--edge"}
    DEFAULT_CSS = """
    SidePanel { height: 1fr; width: 1fr; }
    SidePanel > .side-panel--edge { color: $primary 50%; }
    """

    EDGE: tuple[Run, ...] = (("│", ".side-panel--edge"), (" ", ""))
    EDGE_CELLS = 3
    """The edge, the space after it and the space at the right end."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.blocks: tuple[Block, ...] = ()

    def set_blocks(self, blocks: tuple[Block, ...]) -> None:
        if blocks != self.blocks:
            self.blocks = blocks
            self.redraw()

    @property
    def text_region(self) -> Region:
        region = self.content_region
        inset = sum(cell_len(text) for text, _ in self.EDGE)
        return Region(region.x + inset, region.y, max(0, region.width - self.EDGE_CELLS), region.height)

    def text_lines(self, width: int, height: int) -> list[list[Run]]:
        """The rows as laid out inside the edge, for a panel ``width`` × ``height``."""
        return fit_rows(self.blocks, max(1, width - self.EDGE_CELLS), height)

    def lay_out(self, width: int, height: int) -> list[Line]:
        lines: list[Line] = [(*self.EDGE, *runs) for runs in self.text_lines(width, height)]
        lines.extend(self.EDGE for _ in range(height - len(lines)))
        return lines
