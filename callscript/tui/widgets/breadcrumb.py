"""The call screen's top line: the path of node titles, the call timer, the saved mark.

One widget drawn straight to a strip (a repaint per answer, never a layout): the breadcrumb
(开场白 › 预订方式 › B3 › …) takes what the timer and the saved mark leave,
dropping its oldest titles first and never cutting through a wide character.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from callscript.tui.text import SEPARATOR, Run, fit_breadcrumb, text_runs
from callscript.tui.widgets.drawn import DrawnLines, Line


def top_line(titles: tuple[str, ...], right: tuple[Run, ...], width: int) -> Line:
    """The breadcrumb (the current node in bold), then ``right`` (timer, saved mark) at the right edge."""
    right_cells = sum(cell_len(text) for text, _ in right)
    fitted = fit_breadcrumb(list(titles), max(1, width - right_cells - 2))
    parts = fitted.split(SEPARATOR)
    runs: list[Run] = [(" ", "")]
    for i, part in enumerate(parts):
        if i:
            runs.append((SEPARATOR, "dim"))
        runs.append((part, "bold" if i == len(parts) - 1 else ""))
    used = sum(cell_len(text) for text, _ in runs)
    runs.append((" " * max(1, width - used - right_cells), ""))
    runs.extend(right)
    return tuple(runs)


class TopBar(DrawnLines):
    DEFAULT_CSS = """
    TopBar { height: 1; width: 100%; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.titles: tuple[str, ...] = ()
        self.timer: tuple[Run, ...] = ()
        self.saved: tuple[Run, ...] = ()

    def set(
        self, *, titles: tuple[str, ...] | None = None, timer: Text | None = None, saved: Text | None = None
    ) -> None:
        changed = False
        if titles is not None and titles != self.titles:
            self.titles = titles
            changed = True
        for name, value in (("timer", timer), ("saved", saved)):
            if value is not None and (runs := text_runs(value)) != getattr(self, name):
                setattr(self, name, runs)
                changed = True
        if changed:
            self.redraw()

    def lay_out(self, width: int, height: int) -> list[Line]:
        return [top_line(self.titles, (*self.timer, (" ", ""), *self.saved), width)]
