"""Wide characters in overlays (a notice, a dialog) are never cut where a widget behind ends.

Textual's compositor builds each screen line from "chops": it cuts every line at every
widget edge (the side panel's border at column 52 on an 80-column call screen) and fills
each chop with the front-most widget there. A notice drawn over that edge is cut too, and
a Chinese character that straddles the cut is replaced by two spaces
(``上次的通话已␣␣复``). Upstream: https://github.com/Textualize/textual/issues/6357 (open
as of textual 8.2.8).

:func:`install` changes two compositor methods so that a widget is cut only where the
widget in front of it changes: neighbouring chops that the same widget wins are kept in
one piece (the first chop holds the piece, the ones it covers hold an empty strip so no
widget behind can claim them), and a partial update's chop ends follow those pieces.
Everything else is Textual's own code path. ``tests/tui/test_layout.py`` renders a notice
across the border and fails if a character goes missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

HELD = Strip([], 0)
"""The empty strip in a chop another chop's piece of the same widget already covers."""

_installed = False


def _render_chops(
    self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]
) -> Sequence[Mapping[int, Strip | None]]:
    """Textual's ``Compositor._render_chops``, cutting a widget's line only where ownership changes."""
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    intersection = Region.intersection
    for region, clip, strips in self._get_renders(crop):
        render_region = intersection(region, clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips, strict=False):
            if not is_rendered_line(y):
                continue
            line = chops[y]
            final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            starts = final_cuts[:-1]
            if not starts:
                continue
            get = line.get
            if len(starts) == 1:  # the widget spans one chop (as in Textual)
                if get(starts[0]) is None:
                    line[starts[0]] = strip.divide([final_cuts[1] - render_x])[0]
                continue
            free = [get(cut) is None for cut in starts]  # painting front to back: the first wins
            if not any(free):
                continue  # hidden behind widgets in front
            if all(free):  # in front everywhere on this line: one piece, nothing cut
                line[starts[0]] = strip.divide([final_cuts[-1] - render_x])[0]
                for cut in starts[1:]:
                    line[cut] = HELD
                continue
            last = len(starts) - 1
            divide_at = [
                final_cuts[i + 1] - render_x for i in range(len(starts)) if i == last or not (free[i] and free[i + 1])
            ]
            pieces = iter(strip.divide(divide_at))
            for i, cut in enumerate(starts):
                if i == 0 or not (free[i - 1] and free[i]):
                    piece = next(pieces)
                    if free[i]:
                        line[cut] = piece
                else:
                    line[cut] = HELD  # inside the piece that starts at an earlier cut
    return chops


def _chop_ends(chops: Sequence[Mapping[int, Strip | None]], cuts: Sequence[Sequence[int]]) -> list[list[int]]:
    """Where each chop's strip really ends: a piece that spans several chops ends where it ends."""
    ends: list[list[int]] = []
    for line, cut_set in zip(chops, cuts, strict=False):
        line_ends = list(cut_set[1:])
        if any(strip is HELD for strip in line.values()):
            line_ends = [
                x + strip.cell_length if strip is not None else end
                for (x, strip), end in zip(line.items(), line_ends, strict=False)
            ]
        ends.append(line_ends)
    return ends


def install() -> None:
    """Patch the compositor (once per process); both apps call it before they run."""
    global _installed
    if _installed:
        return
    original_partial: Callable[[Compositor], ChopsUpdate | None] = Compositor.render_partial_update

    def render_partial_update(self: Compositor) -> ChopsUpdate | None:
        update = original_partial(self)
        if update is not None:
            update.chop_ends = _chop_ends(update.chops, self.cuts)
        return update

    patched: Any = Compositor
    patched._render_chops = _render_chops
    patched.render_partial_update = render_partial_update
    _installed = True
