"""Turning session state into display text (rich ``Text``): lines, breadcrumb, facts.

Widths are measured in terminal cells (a Chinese character is two), so nothing is
cut through the middle of a wide character.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

from callscript.script.facts import BUILTIN_FACTS, FactSpec, FactValue
from callscript.script.grading import tri_symbol
from callscript.script.model import Node
from callscript.script.templates import split_markup

if TYPE_CHECKING:
    from callscript.leads import LeadListRow

KEY_WORD_STYLE = "bold red"
SEPARATOR = " › "
ELLIPSIS = "…"


def marked_text(line: str, style: str = "", key_style: str = KEY_WORD_STYLE) -> Text:
    """A rendered line with ``**key words**`` in the red pen's style."""
    text = Text(style=style)
    for run, is_key in split_markup(line):
        text.append(run, key_style if is_key else None)
    return text


Run = tuple[str, str]
"""A piece of text and its rich style name, as the strip-drawn widgets take their lines."""


def marked_runs(line: str, style: str = "", key_style: str = KEY_WORD_STYLE) -> tuple[Run, ...]:
    """:func:`marked_text` as runs: ``**key words**`` in the red pen's style over ``style``."""
    key = f"{style} {key_style}".strip()
    return tuple((run, key if is_key else style) for run, is_key in split_markup(line) if run)


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


NO_LINE_START = frozenset(",.!?;:)]}%，。、；：！？）」』】》〉〕〗〙〛］｝”’．％…‥·・")
"""Closing punctuation that never starts a line (Chinese line-breaking rules, 避头点): a break
before it moves the character before it down too. ``·`` is here so that the side panel's
``王建国 · 行政经理`` never starts a line with its separator."""

NO_LINE_END = frozenset("([{（「『【《〈〔〖〘〚［｛“‘")
"""Opening punctuation that rather not ends a line (避尾点): a break after it is the last resort."""


def _is_word(char: str) -> bool:
    """ASCII kept whole on a line when it fits: a number, a word, ``B2``, ``13918765402``."""
    return "!" <= char <= "~"


def wrap_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Where ``text`` breaks into lines of at most ``width`` terminal cells: (start, end) per line.

    The one home of the line-breaking rules: Chinese breaks between any two characters; a run
    of ASCII (a phone number, a word, ``B2栋`` 's ``B2``) is kept whole when it fits on a line of
    its own, so a number read back to a customer is never split; spaces at a break are dropped
    and no wrapped line starts with one; closing punctuation (:data:`NO_LINE_START`: ``，`` ``。``
    ``!`` ``)`` ``」`` ``·`` …) never starts a wrapped line, the character before it moves down
    with it; opening punctuation rather not ends one. A wide character is never cut. Newlines
    start new lines. Only a run of closing punctuation wider than a line can break these rules.
    """
    width = max(width, 2)  # a wide character needs two cells
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        spans += _wrap_paragraph(paragraph, offset, width)
        offset += len(paragraph) + 1
    return spans


def _wrap_paragraph(text: str, offset: int, width: int) -> list[tuple[int, int]]:
    cells = [cell_len(char) for char in text]
    size = len(text)
    spans: list[tuple[int, int]] = []

    def may_break(at: int, rules: int) -> bool:
        """Whether a line may end before ``text[at]`` (a non-space): ``rules`` 3 keeps words whole
        and opening punctuation off the line's end, 2 keeps words whole, 1 only the closing
        punctuation off the next line's start."""
        char, before = text[at], text[at - 1]
        if char in NO_LINE_START:
            return False
        if rules >= 2 and _is_word(before) and _is_word(char):
            return False
        return not (rules >= 3 and before in NO_LINE_END)

    start = 0
    while True:
        used = 0
        end = start
        while end < size:  # as far as fits; spaces may run past the edge (dropped at a break)
            if text[end] != " " and used + cells[end] > width:
                break
            used += cells[end]
            end += 1
        if end == size:
            line_end = size
            next_start = size
        else:
            candidates = [at for at in range(end, start, -1) if text[at] != " "]
            at = next(
                (at for rules in (3, 2, 1) for at in candidates if may_break(at, rules)),
                end if end > start else start + 1,
            )
            line_end, next_start = at, at
        while line_end > start and text[line_end - 1] == " ":
            line_end -= 1
        spans.append((offset + start, offset + line_end))
        if next_start >= size:
            return spans
        start = next_start
        while start < size and text[start] == " ":
            start += 1
        if start == size:
            return spans


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells (:func:`wrap_spans`)."""
    return [text[start:end] for start, end in wrap_spans(text, width)]


def text_runs(text: Text) -> tuple[Run, ...]:
    """A rich ``Text`` as runs (its style, then its spans' styles over it, as style names)."""
    plain = text.plain
    base = str(text.style) if text.style else ""
    if not text.spans:
        return ((plain, base),) if plain else ()
    cuts = sorted({0, len(plain), *(s.start for s in text.spans), *(s.end for s in text.spans)})
    runs: list[Run] = []
    for start, end in pairwise(cuts):
        names = [base, *(str(s.style) for s in text.spans if s.start <= start and s.end >= end)]
        runs.append((plain[start:end], " ".join(name for name in names if name)))
    return tuple(runs)


def wrap_runs(runs: Sequence[Run], width: int) -> list[tuple[Run, ...]]:
    """Styled runs wrapped as one paragraph by :func:`wrap_spans` (the same breaks as plain
    text: numbers whole, no line starting with ``，``), each line as the runs it holds."""
    plain = "".join(text for text, _ in runs)
    starts: list[int] = []
    at = 0
    for text, _ in runs:
        starts.append(at)
        at += len(text)
    lines: list[tuple[Run, ...]] = []
    for start, end in wrap_spans(plain, width):
        line: list[Run] = []
        for (text, style), run_start in zip(runs, starts):
            run_end = run_start + len(text)
            if run_end <= start or run_start >= end:
                continue
            piece = text[max(start, run_start) - run_start : min(end, run_end) - run_start]
            if piece:
                line.append((piece, style))
        lines.append(tuple(line))
    return lines


class CellWrapped:
    """A rich ``Text`` wrapped by :func:`wrap_spans` (styles kept), for table cells and
    cards: rich's own wrapping treats a Chinese sentence as one long word and either
    cuts it (``…``) or moves it whole below a short prefix such as ``!``.

    ``hang``: cells to indent every line after the first (under a ``! `` prefix)."""

    def __init__(self, text: Text | str, hang: int = 0) -> None:
        self.text = Text(text) if isinstance(text, str) else text
        self.hang = hang

    def lines(self, width: int) -> list[Text]:
        plain = self.text.plain
        first = wrap_spans(plain, width)
        if not self.hang or len(first) <= 1:
            return [self.text[start:end] for start, end in first]
        head_start, head_end = first[0]
        lines = [self.text[head_start:head_end]]
        rest_from = first[1][0]
        for start, end in wrap_spans(plain[rest_from:], width - self.hang):
            line = Text(" " * self.hang)
            line.append_text(self.text[rest_from + start : rest_from + end])
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = options.max_width
        for line in self.lines(width):
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(line) for line in self.text.plain.split("\n")), default=0)
        return Measurement(min(widest, 2 + self.hang), widest)


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


# --------------------------------------------------------------------------- the lead list

STAGE_STYLES = {
    "callback_due": "bold red",
    "follow_up_due": "bold yellow",
    "new": "",
    "retry_due": "cyan",
    "callback": "dim",
    "mailed": "dim",
    "called": "dim",
    "set_aside": "dim",
}
"""How each life-cycle stage (``callscript.core.lifecycle.STAGE_LABELS``) is drawn; due work stands out."""

FOLLOW_UP_STAGES = frozenset({"follow_up_due", "mailed"})
"""Stages whose time is the first *day* of a follow-up window (stored as its midnight)."""


def short_day(day: datetime, now: datetime) -> str:
    """今天 · 明天 · 昨天 · 11-28."""
    days = (day.date() - now.date()).days
    return {0: "今天", 1: "明天", -1: "昨天"}.get(days, day.strftime("%m-%d"))


def short_time(moment: datetime, now: datetime) -> str:
    """A due time in at most 11 cells: 09:30 · 明天 09:30 · 11-28 09:30."""
    clock = moment.strftime("%H:%M")
    day = short_day(moment, now)
    return clock if day == "今天" else f"{day} {clock}"


def due_text(stage: str, due_at: datetime | None, now: datetime) -> str:
    """The lead list's 时间 cell: when a callback or retry is due, or the day a follow-up
    window opens (``12-02 起``; never its midnight ``00:00``); blank for a new lead."""
    if due_at is None or stage == "new":
        return ""
    if stage in FOLLOW_UP_STAGES:
        return f"{short_day(due_at, now)}起"
    return short_time(due_at, now)


@dataclass(frozen=True, slots=True)
class TableRow:
    """A line of the lead table (:class:`callscript.tui.widgets.lead_table.LeadTable`)."""

    key: int
    cells: tuple[str, ...]
    style: str = ""
    """Style of the cells up to ``styled`` (the stage and its time: due work stands out)."""
    styled: int = 2


def lead_table_row(row: LeadListRow, now: datetime) -> TableRow:
    """One line of the lead list as the table draws it (made on the database thread)."""
    lead = row.lead
    cells = (
        row.stage_label,
        due_text(row.stage, row.due_at, now),
        lead.company,
        lead.contact or "",
        row.phone_display or lead.phone,
        lead.industry or "",
    )
    return TableRow(lead.id, cells, STAGE_STYLES.get(row.stage, ""))


def key_hints(*pairs: tuple[str, str]) -> Text:
    """A dialog's key hints (`` Enter  保存   Esc  取消``): each key reversed, then its label."""
    text = Text()
    for i, (key, label) in enumerate(pairs):
        if i:
            text.append("  ")
        text.append(f" {key} ", "reverse")
        text.append(f" {label}")
    return text
