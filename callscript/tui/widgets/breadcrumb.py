"""The path of node titles (开场白 › 预订方式 › B3 › …), fitted to its width in cells."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..text import fit_breadcrumb


class Breadcrumb(Widget):
    DEFAULT_CSS = """
    Breadcrumb { height: 1; width: 1fr; }
    """

    titles: reactive[tuple[str, ...]] = reactive(tuple)

    def render(self) -> Text:
        fitted = fit_breadcrumb(list(self.titles), max(1, self.size.width))
        parts = fitted.split(" › ")
        text = Text(no_wrap=True, overflow="crop")
        for i, part in enumerate(parts):
            if i:
                text.append(" › ", "dim")
            text.append(part, "bold" if i == len(parts) - 1 else "")
        return text
