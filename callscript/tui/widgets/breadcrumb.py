"""The call screen's top line: the path of node titles, the call timer, the saved mark.

One widget (a repaint per answer, never a layout): the breadcrumb
(开场白 › 预订方式 › B3 › …) takes what the timer and the saved mark leave,
dropping its oldest titles first and never cutting through a wide character.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from callscript.tui.text import fit_breadcrumb


class TopBar(Widget):
    DEFAULT_CSS = """
    TopBar { height: 1; width: 100%; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.titles: tuple[str, ...] = ()
        self.timer = Text()
        self.saved = Text()

    def set(
        self, *, titles: tuple[str, ...] | None = None, timer: Text | None = None, saved: Text | None = None
    ) -> None:
        changed = False
        for name, value in (("titles", titles), ("timer", timer), ("saved", saved)):
            if value is not None and value != getattr(self, name):
                setattr(self, name, value)
                changed = True
        if changed:
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        right = Text()
        right.append_text(self.timer)
        right.append(" ")
        right.append_text(self.saved)
        room = max(1, width - cell_len(right.plain) - 2)
        fitted = fit_breadcrumb(list(self.titles), room)
        parts = fitted.split(" › ")
        text = Text(" ", no_wrap=True, overflow="crop")
        for i, part in enumerate(parts):
            if i:
                text.append(" › ", "dim")
            text.append(part, "bold" if i == len(parts) - 1 else "")
        gap = width - cell_len(text.plain) - cell_len(right.plain)
        text.append(" " * max(1, gap))
        text.append_text(right)
        return text
