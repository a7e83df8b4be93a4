"""A one-line key bar the screen fills itself (Textual's Footer recomposes on every
binding change, which costs a frame's worth of work per answer on the call screen);
drawn straight to a strip, cut with ``…`` when the keys do not fit."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len

from callscript.tui.text import ELLIPSIS, Run, crop_cells
from callscript.tui.widgets.drawn import DrawnLines, Line


def key_runs(pairs: Iterable[tuple[str, str]]) -> tuple[Run, ...]:
    runs: list[Run] = []
    for i, (key, label) in enumerate(pairs):
        if i:
            runs.append((" ", ""))
        runs.append((f" {key} ", "bold reverse"))
        runs.append((f" {label}", ""))
    return tuple(runs)


def fit_runs(runs: tuple[Run, ...], width: int) -> Line:
    """``runs`` cut to ``width`` cells (``…`` at the cut, never through a wide character)."""
    if sum(cell_len(text) for text, _ in runs) <= width:
        return runs
    out: list[Run] = []
    room = width
    for text, style in runs:
        cells = cell_len(text)
        if cells < room:
            out.append((text, style))
            room -= cells
            continue
        out.append((crop_cells(text + ELLIPSIS, room), style))  # always cut here: what follows is gone
        break
    return tuple(out)


class KeyBar(DrawnLines):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; width: 100%; background: $panel; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[tuple[str, str], ...] = ()
        self._runs: tuple[Run, ...] = ()

    def show(self, pairs: Iterable[tuple[str, str]]) -> None:
        pairs = tuple(pairs)
        if pairs != self._shown:
            self._shown = pairs
            self._runs = key_runs(pairs)
            self.redraw()

    def lay_out(self, width: int, height: int) -> list[Line]:
        return [fit_runs(self._runs, width)]
