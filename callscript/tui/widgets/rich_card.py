"""A card of Rich content (the end-of-call summary) drawn once for each width, not twice.

A ``Static`` holding a Rich renderable renders it in full to learn its height (layout), then
renders it in full again to draw it. The summary card is a table of wrapped cells with a
nested grid for the notes: drawing it twice was about a fifth of the key that ends a call
— the slowest key of a call, and in a browser tab on a busy floor server one of the two
that made the tail of the key → screen figure (bench/bench_serve.py). :class:`RichCard`'s
visual keeps what it drew for the width and style it drew it with; the height is the
number of lines drawn, and the repaint (or a scroll) hands the same lines back.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual
from textual.widget import Widget
from textual.widgets import Static


class DrawnOnce(RichVisual):
    """Textual's visual for a Rich renderable, keeping its last drawing (width, style → lines)."""

    def __init__(self, widget: Widget, renderable: RenderableType) -> None:
        super().__init__(widget, renderable)
        self._drawn: tuple[int, Style, list[Strip]] | None = None

    def _draw(self, width: int, style: Style, options: RenderOptions) -> list[Strip]:
        drawn = self._drawn
        if drawn is None or drawn[0] != width or drawn[1] != style:
            strips = super().render_strips(width, None, style, options)
            drawn = self._drawn = (width, style, strips)
        return drawn[2]

    def get_height(self, rules: RulesMap, width: int) -> int:
        """The height is the number of lines drawn, with the style the repaint will use."""
        widget = self._widget
        return len(self._draw(width, widget.visual_style, RenderOptions(widget._get_style, rules)))

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        strips = self._draw(width, style, options)
        return strips if height is None else strips[:height]


class RichCard(Static):
    """A ``Static`` for one Rich renderable that is costly to draw (see the module docstring)."""

    def __init__(self, renderable: RenderableType, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.update(DrawnOnce(self, renderable))
