"""Turning session state into display text (rich ``Text``): lines, breadcrumb, facts.

Widths are measured in terminal cells (a Chinese character is two), so nothing is
cut through the middle of a wide character.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.cells import cell_len
from rich.text import Text

from callscript.script.facts import BUILTIN_FACTS, FactSpec, FactValue
from callscript.script.grading import tri_symbol
from callscript.script.model import Node
from callscript.script.templates import split_markup

KEY_WORD_STYLE = "bold red"
SEPARATOR = " › "
ELLIPSIS = "…"


def marked_text(line: str, style: str = "", key_style: str = KEY_WORD_STYLE) -> Text:
    """A rendered line with ``**key words**`` in the red pen's style."""
    text = Text(style=style)
    for run, is_key in split_markup(line):
        text.append(run, key_style if is_key else None)
    return text


def crop_cells(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, never through a wide character, ``…`` if cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        w = cell_len(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + ELLIPSIS


def fit_breadcrumb(titles: Sequence[str], width: int) -> str:
    """The path's titles joined with › , oldest dropped first (``… › ``) to fit ``width``."""
    if not titles:
        return ""
    full = SEPARATOR.join(titles)
    if cell_len(full) <= width:
        return full
    kept: list[str] = []
    used = cell_len(ELLIPSIS)
    for title in reversed(titles):
        need = cell_len(title) + cell_len(SEPARATOR)
        if used + need > width:
            break
        kept.insert(0, title)
        used += need
    if not kept:
        return crop_cells(titles[-1], width)
    return SEPARATOR.join([ELLIPSIS, *kept])


def path_titles(nodes: Mapping[str, Node], path: Iterable[str]) -> list[str]:
    """Node titles along the path, collapsing immediate repeats (a node revisited)."""
    titles: list[str] = []
    for node_id in path:
        node = nodes.get(node_id)
        title = (node.title if node is not None else None) or node_id
        if not titles or titles[-1] != title:
            titles.append(title)
    return titles


def fact_rows(facts: Mapping[str, FactValue | None], catalogue: Mapping[str, FactSpec]) -> list[tuple[str, str]]:
    """(Chinese label, display value) for every known fact, in the order they were learned."""
    return [(label, value) for _, label, value in fact_items(facts, catalogue)]


def fact_items(facts: Mapping[str, FactValue | None], catalogue: Mapping[str, FactSpec]) -> list[tuple[str, str, str]]:
    """(fact name, Chinese label, display value) for every known fact, in the order they were learned."""
    specs = {**BUILTIN_FACTS, **catalogue}
    rows: list[tuple[str, str, str]] = []
    for name, value in facts.items():
        if value is None:
            continue
        rows.append((name, *fact_display(name, value, specs)))
    return rows


def fact_display(name: str, value: FactValue, catalogue: Mapping[str, FactSpec]) -> tuple[str, str]:
    """(Chinese label, display value) of one fact: 「酒店星级」, 「4」; 「出差频率」, 「经常出差」."""
    spec = catalogue.get(name) or BUILTIN_FACTS.get(name)
    return (spec.label, spec.display(value)) if spec else (name, str(value))


def tri_text(value: bool | None, label: str) -> Text:
    """``✓ label`` for one line (a wrapped label would start under the symbol)."""
    text = Text()
    text.append(tri_symbol(value), tri_style(value))
    text.append(" " + label)
    return text


def tri_style(value: bool | None) -> str:
    return "bold green" if value is True else "bold red" if value is False else "yellow"
