"""The lead list's table: rows drawn straight to strips, only the ones on screen.

Textual's DataTable builds every row when it is filled (20–50 ms for 500 leads on the build
machine), and the list now fills itself every time something changes on the floor. Here
filling is handing over the rows' cells (made on the database thread); a frame draws the
twenty-odd rows in view. Cells are cut by terminal cells (:func:`callscript.tui.text.crop_cells`:
never through a Chinese character, ``…`` where cut), and the phone column is as wide as the
widest number shown, so a number is never cut while the company name has room to give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from callscript.tui.text import TableRow, crop_cells


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    min_width: int
    share: int = 0
    """Share of the spare width (0: exactly what the content needs, at least ``min_width``)."""
    fit: bool = False
    """Widen to the widest cell shown (up to ``max_width``) before spare width is shared."""
    max_width: int = 0
    comfort: int = 0
    """Width this column gets before a ``fit`` column grows (the company name comes first)."""


def column_widths(columns: Sequence[Column], total: int, widest: Sequence[int] = ()) -> list[int]:
    """Widths (cells, without the one-cell padding each side) that fill ``total`` cells.

    Spare width goes first to columns below their ``comfort`` width, then to ``fit`` columns
    up to their widest cell (``widest``), then by ``share``. Never below ``min_width``.
    """
    widths = [c.min_width for c in columns]
    spare = total - sum(widths) - 2 * len(columns) - 2  # cell padding, scrollbar

    def grow(i: int, want: int) -> None:
        nonlocal spare
        step = min(spare, max(0, want - widths[i]))
        widths[i] += step
        spare -= step

    for i, column in enumerate(columns):
        if column.comfort:
            grow(i, column.comfort)
    for i, column in enumerate(columns):
        if column.fit and i < len(widest):
            grow(i, min(widest[i], column.max_width or widest[i]))
    shares = sum(c.share for c in columns)
    if spare > 0 and shares:
        widths = [w + spare * c.share // shares for w, c in zip(widths, columns, strict=True)]
    return widths


STRIP_CACHE_ROWS = 100
"""Lines kept laid out (a few screens' worth); the cache is dropped when it grows past 4×."""


class LeadTable(ScrollView, can_focus=True):
    """A header line and rows; ↑↓ PgUp PgDn Home End move the cursor, a click selects."""

    DEFAULT_CSS = """
    LeadTable { background: $surface; color: $foreground; height: 1fr; overflow-x: hidden; overflow-y: auto; }
    LeadTable > .lead-table--header { text-style: bold; background: $panel; color: $foreground; }
    LeadTable > .lead-table--even { background: $surface-lighten-1 50%; }
    LeadTable > .lead-table--cursor {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
    }
    LeadTable:focus > .lead-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "lead-table--header",
        "lead-table--even",
        "lead-table--cursor",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(-1)", show=False),
        Binding("end", "edge(1)", show=False),
    ]

    class Selected(Message):
        """A row was clicked while it held the cursor (Enter is the screen's own key)."""

        def __init__(self, key: int) -> None:
            super().__init__()
            self.key = key

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self.rows: tuple[TableRow, ...] = ()
        self._widest: tuple[int, ...] = ()
        self._widths: list[int] = [c.min_width for c in self.columns]
        self._fitted_width = -1
        """The width ``_widths`` were fitted to (rows shown before the first layout are fitted
        again when drawn: the compositor may draw the table before its Resize is handled)."""
        self._components: dict[str, Style] = {}
        self._strips: dict[tuple[object, ...], Strip] = {}
        self._base: Style | None = None
        self.cursor = 0
        """The row the cursor is on (index into ``rows``)."""

    # -- data ------------------------------------------------------------------
    def show(self, rows: Sequence[TableRow], widest: Sequence[int] = (), *, cursor_key: int | None = None) -> None:
        """Show ``rows`` (cells already made); the cursor goes to ``cursor_key`` (when shown),
        else stays on the lead it was on, else on the same line. Only the lines on screen
        that changed are drawn again (a refresh that moved one lead repaints two lines)."""
        keep = cursor_key if cursor_key is not None else self.cursor_key
        old_rows, old_cursor, old_widths = self.rows, self.cursor, self._widths
        old_top = round(self.scroll_offset.y)
        self.rows = tuple(rows)
        self._widest = tuple(widest)
        self._fit_columns()
        index = next((i for i, row in enumerate(self.rows) if row.key == keep), None) if keep is not None else None
        if len(self.rows) != len(old_rows):
            self.virtual_size = Size(0, len(self.rows) + 1)
        self._move_cursor(index if index is not None else min(self.cursor, max(0, len(self.rows) - 1)), repaint=False)
        top = round(self.scroll_offset.y)
        if self._widths != old_widths or top != old_top or len(self.rows) != len(old_rows):
            self.refresh()
            return
        for line in range(1, self.size.height):
            i = top + line - 1
            old = old_rows[i] if i < len(old_rows) else None
            new = self.rows[i] if i < len(self.rows) else None
            if old != new or (i in (old_cursor, self.cursor) and old_cursor != self.cursor):
                self.refresh(Region(0, line, self.size.width, 1))

    @property
    def cursor_key(self) -> int | None:
        return self.rows[self.cursor].key if 0 <= self.cursor < len(self.rows) else None

    @property
    def widths(self) -> list[int]:
        return list(self._widths)

    def set_cursor(self, index: int) -> None:
        self._move_cursor(index)

    def _move_cursor(self, index: int, *, repaint: bool = True) -> None:
        index = max(0, min(index, len(self.rows) - 1)) if self.rows else 0
        old, top = self.cursor, round(self.scroll_offset.y)
        self.cursor = index
        self._scroll_to_cursor()
        if repaint and index != old:
            if round(self.scroll_offset.y) != top:
                self.refresh()
            else:  # the two lines whose look changed
                for row in (old, index):
                    self.refresh(Region(0, row - top + 1, self.size.width, 1))

    def _fit_columns(self) -> None:
        self._widths = column_widths(self.columns, self.size.width, self._widest)
        self._fitted_width = self.size.width

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()
        self.virtual_size = Size(0, len(self.rows) + 1)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        rows_in_view = max(1, self.size.height - 1)
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows_in_view:
            self.scroll_to(y=self.cursor - rows_in_view + 1, animate=False, immediate=True)

    # -- keys and mouse -------------------------------------------------------
    def action_move(self, step: int) -> None:
        self.set_cursor(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.set_cursor(self.cursor + step * max(1, self.size.height - 2))

    def action_edge(self, step: int) -> None:
        self.set_cursor(0 if step < 0 else len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = round(self.scroll_offset.y) + event.y - 1
        if not 0 <= index < len(self.rows):
            return
        if index == self.cursor:
            self.post_message(self.Selected(self.rows[index].key))
        else:
            self.set_cursor(index)

    # -- drawing ---------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        if self._fitted_width != self.size.width:
            self._fit_columns()
        self._base = self.rich_style  # once per repaint: it walks every ancestor's styles
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style if self._base is None else self._base
        if y == 0:
            style = base + self._component("lead-table--header")
            return self._strip(tuple(c.label for c in self.columns), "", 0, style, width)
        index = round(self.scroll_offset.y) + y - 1
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        cursor = index == self.cursor
        style = base
        if index % 2:
            style = style + self._component("lead-table--even")
        if cursor:
            style = style + self._component("lead-table--cursor")
        return self._strip(row.cells, "" if cursor else row.style, row.styled, style, width)

    def _component(self, name: str) -> Style:
        """A component style, looked up once per style change (render_line runs for every row shown)."""
        found = self._components.get(name)
        if found is None:
            found = self._components[name] = self.get_component_rich_style(name)
        return found

    def _strip(self, cells: tuple[str, ...], lead: str, styled: int, style: Style, width: int) -> Strip:
        """One line; a row that did not change since the last frame is not laid out again."""
        key = (cells, lead, styled, style, width, tuple(self._widths))
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        lead_style = style + Style.parse(lead) if lead else style
        segments: list[Segment] = []
        for i, (cell, cell_width) in enumerate(zip(cells, self._widths, strict=False)):
            text = crop_cells(cell, cell_width)
            pad = cell_width - cell_len(text)
            segments.append(Segment(" " + text + " " * (pad + 1), lead_style if i < styled else style))
        strip = Strip(segments).adjust_cell_length(width, style)
        if len(self._strips) > 4 * STRIP_CACHE_ROWS:
            self._strips.clear()
        self._strips[key] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._components.clear()
        self.refresh()
