"""The one home of line breaking (``callscript.tui.text.wrap_spans``): Chinese rules, by cells.

QA at 80×24 saw ``想了解一下`` / ``,`` and ``谢谢`` / ``!``: closing punctuation at the start of a
line, and the side panel's ``· `` separator starting a line. These properties hold for any text
and width, except where a run of closing punctuation is itself wider than a line (then no
break can keep it off a line's start).
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from callscript.tui.text import NO_LINE_START, wrap_cells, wrap_runs, wrap_spans

PIECES = st.sampled_from(
    [
        *"想了解一下谢谢您好出差酒店王建国行政经理",
        *sorted(NO_LINE_START),
        *"（「《“(",
        " ",
        "  ",
        " · ",
        "13918765402",
        "B2",
        "OK",
        "hello",
        "\n",
    ]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)
WIDTHS = st.integers(min_value=1, max_value=40)

_CLOSING_RUNS = re.compile("[" + re.escape("".join(sorted(NO_LINE_START))) + " ]+")


def closing_runs_fit(text: str, width: int) -> bool:
    """Every run of closing punctuation (and spaces among it) leaves room for a character before it."""
    return all(cell_len(run.group()) <= max(width, 2) - 2 for run in _CLOSING_RUNS.finditer(text))


def wrapped_starts(text: str, width: int) -> list[str]:
    """The first character of every line a wrap began (not the text's start, not after a newline)."""
    starts = []
    for start, end in wrap_spans(text, width):
        if start and text[start - 1] != "\n" and end > start:
            starts.append(text[start])
    return starts


@settings(max_examples=400, deadline=None)
@given(TEXTS, WIDTHS)
@example("是这样子的,我今天是特意打电话过来问候您,想了解一下,您平时出差多吗?", 22)
@example("好的, 谢谢!", 8)
@example("王建国 · 行政经理", 8)
def test_no_wrapped_line_starts_with_closing_punctuation(text, width):
    assume(closing_runs_fit(text, width))
    assert not [char for char in wrapped_starts(text, width) if char in NO_LINE_START or char == " "]


@settings(max_examples=400, deadline=None)
@given(TEXTS, WIDTHS)
def test_no_line_is_wider_than_the_width(text, width):
    assert all(cell_len(line) <= max(width, 2) for line in wrap_cells(text, width))


@settings(max_examples=400, deadline=None)
@given(TEXTS, WIDTHS)
def test_joining_the_lines_gives_the_text_back(text, width):
    spans = wrap_spans(text, width)
    assert spans[0][0] == 0 and text[spans[-1][1] :].strip(" ") == ""
    for (_, end), (start, _) in pairwise(spans):
        assert set(text[end:start]) <= {" ", "\n"}  # only the spaces at a break, or a newline
        assert text[end:start].count("\n") <= 1
    assert "".join(text[start:end] for start, end in spans).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    if " " not in text and "\n" not in text:
        assert "".join(wrap_cells(text, width)) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXTS, st.sampled_from(["", "bold", "red"])), max_size=6), WIDTHS)
def test_styled_runs_break_where_the_plain_text_does(runs, width):
    plain = "".join(text for text, _ in runs)
    assume("\n" not in plain)
    lines = wrap_runs(runs, width)
    assert ["".join(text for text, _ in line) for line in lines] == wrap_cells(plain, width)


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("我今天特意打电话想了解一下,您平时出差多吗", 26, ["我今天特意打电话想了解一", "下,您平时出差多吗"]),
        ("好的谢谢!", 8, ["好的谢", "谢!"]),
        ("好的谢谢!!", 8, ["好的谢", "谢!!"]),
        ("王建国 · 行政经理", 8, ["王建国 ·", "行政经理"]),
        ("手机13918765402晚上打", 12, ["手机", "13918765402", "晚上打"]),
        ("请看《携程》", 6, ["请看", "《携", "程》"]),  # 《 rather not ends a line
    ],
)
def test_known_breaks(text, width, lines):
    assert wrap_cells(text, width) == lines
