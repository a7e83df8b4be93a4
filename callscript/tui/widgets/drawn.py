"""Widgets that draw lines of styled runs straight to strips, repainting only the rows that change.

Textual's Static turns its text into Content, wraps it and measures its height on every
update; on the call screen that was most of a keypress. A :class:`DrawnLines` widget has a
size fixed by CSS, lays its content out itself (:meth:`DrawnLines.lay_out`, by terminal
cells) and, when the content changes, compares the new lines with those on screen and
marks only the rows that differ as dirty: the compositor then re-renders those rows and
takes every other row from Textual's line cache.

A style name starting with ``.`` is one of the widget's component classes (so a theme's
colours apply, e.g. ``.script-view--rule``); any other is a rich style (``bold red``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from callscript.tui.text import Run, wrap_runs

Line = tuple[Run, ...]


@lru_cache(maxsize=512)
def rich_style(name: str) -> Style:
    return Style.parse(name) if name else Style()


class DrawnLines(Widget):
    """Base class: subclasses say what they show in :meth:`lay_out` and call :meth:`redraw`
    when it changed."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: tuple[Line, ...] = ()
        self._laid_out_at: tuple[int, int] | None = None
        self._strips: dict[int, tuple[Line, Style, Strip]] = {}
        self._base: Style | None = None
        self._drawn_with: tuple[object, ...] | None = None
        self._components: dict[str, Style] = {}
        """Component styles by name. Textual's own cache of them is emptied by every
        ``refresh()``, and working one out walks the CSS (~0.3 ms): a redraw of the call
        screen asked for them some fifteen times per answer. They change only with the
        styles (:meth:`notify_style_update`) or the colours behind the widget."""

    def lay_out(self, width: int, height: int) -> Sequence[Line]:
        """The widget's lines at ``width`` × ``height`` (its content size; rows past the list are blank)."""
        raise NotImplementedError

    @property
    def lines(self) -> tuple[Line, ...]:
        """The lines on screen (laid out for the current size)."""
        if self._laid_out_at != tuple(self.content_size):
            self.redraw()
        return self._lines

    def redraw(self) -> None:
        """Lay the content out again and mark the rows that changed for repainting."""
        width, height = self.content_size
        if not width or not height:
            return
        new = tuple(self.lay_out(width, height))
        old = self._lines
        resized = self._laid_out_at != (width, height)
        self._lines = new
        self._laid_out_at = (width, height)
        if resized or len(old) != len(new):
            self.refresh()
            return
        changed = [Region(0, y, width, 1) for y, (was, now) in enumerate(zip(old, new)) if was != now]
        if changed:
            self.refresh(*changed)

    @property
    def text_region(self) -> Region:
        """Where the text is on screen: the content region, less any edge the widget draws itself."""
        return self.content_region

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self.redraw()

    def _plain_box(self) -> bool:
        """No border, padding, outline, tint or opacity: the lines are the whole widget."""
        styles = self.styles
        return (
            not styles.gutter
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and self.opacity == 1.0
            and styles.text_opacity == 1.0
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in ``crop``. Textual's compositor asks every widget it repaints for all of
        its rows; a row that has not changed is handed back as the strip made last time (already
        through the app's line filters), so only changed rows cost anything. With CSS that
        draws around the content (a border, padding), Textual's own styled path is taken."""
        base = self._base = self.rich_style  # once per repaint: it walks every ancestor's styles
        try:
            if not self._plain_box():
                return super().render_lines(crop)
            _, background = self.background_colors
            filters = tuple(self.get_line_filters())
            if (base, background, filters) != self._drawn_with:
                self._drawn_with = (base, background, filters)
                self._strips.clear()
                self._components.clear()
            lines = self.lines
            width = self.size.width
            strips = []
            for y in crop.line_range:
                strip = self._strip(lines, y, width, base)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                strips.append(strip)
            if crop.column_span != (0, width):
                x1, x2 = crop.column_span
                strips = [strip.crop(x1, x2) for strip in strips]
            return strips
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        """One content row (Textual's styled path, when the widget has a border or padding)."""
        base = self.rich_style if self._base is None else self._base
        return self._strip(self.lines, y, self.content_size.width, base)

    def _strip(self, lines: tuple[Line, ...], y: int, width: int, base: Style) -> Strip:
        if not 0 <= y < len(lines):
            return Strip.blank(width, base)
        line = lines[y]
        cached = self._strips.get(y)
        if cached is not None and cached[0] == line and cached[1] == base:
            return cached[2]
        segments = [Segment(text, base + self._style(style)) for text, style in line if text]
        strip = Strip(segments).adjust_cell_length(width, base)
        self._strips[y] = (line, base, strip)
        return strip

    def _style(self, name: str) -> Style:
        if name.startswith("."):
            found = self._components.get(name)
            if found is None:  # (not partial: its colour blended over the background)
                found = self._components[name] = self.get_component_rich_style(name[1:])
            return found
        return rich_style(name)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._components.clear()
        self._strips.clear()


class DrawnText(DrawnLines):
    """A few lines of styled runs, wrapped to the widget's width (Chinese line breaking:
    :func:`callscript.tui.text.wrap_runs`) and as tall as the wrapped lines. A new text
    repaints the rows that changed and lays the screen out only when the number of rows
    changes. (A ``Static`` re-renders its Content — parse, wrap, measure — on every update:
    the lead list's title was most of the list's self-refresh.)"""

    DEFAULT_CSS = """
    DrawnText { height: 1; width: 100%; }
    """

    def __init__(self, *, pad: int = 0, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text: tuple[Line, ...] = ()
        self._pad: Line = ((" " * pad, ""),) if pad else ()
        """Cells left blank each side (drawn, not CSS padding, which would leave the fast path)."""

    @property
    def text(self) -> tuple[Line, ...]:
        return self._text

    def show(self, lines: Sequence[Line]) -> None:
        lines = tuple(lines)
        if lines != self._text:
            self._text = lines
            self.redraw()

    def lay_out(self, width: int, height: int) -> Sequence[Line]:
        pad = self._pad
        inner = max(2, width - 2 * len(pad[0][0])) if pad else width
        wrapped = [(*pad, *row) for line in self._text for row in (wrap_runs(line, inner) or [()])]
        rows = max(1, len(wrapped))
        if rows != height:
            self.styles.height = rows  # (a layout: only when the number of rows changes)
        return wrapped
