"""Typed fact values (callscript.script.facts): a star typed as 4, 四, 4星 or 四星级 is 4."""

from __future__ import annotations

import pytest

from callscript.script.facts import BUILTIN_FACTS, FactValueError, typed_int

STAR = BUILTIN_FACTS["hotel_star"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("4", 4), ("４", 4), ("四", 4), ("4星", 4), ("四星", 4), ("四星级", 4), ("4 星", 4), (" 五星级 ", 5), ("两星", 2)],
)
def test_a_star_as_agents_type_it(text, value):
    assert STAR.parse_text(text) == value


@pytest.mark.parametrize("text", ["星", "很多", "4.5星", "四到五星", "五星级酒店吧", "abc", ""])
def test_what_is_not_a_star_is_refused(text):
    with pytest.raises(FactValueError, match="请输入整数 1–5"):
        STAR.parse_text(text)


@pytest.mark.parametrize("text", ["6", "六星", "0"])
def test_the_range_still_holds(text):
    with pytest.raises(FactValueError, match="超出范围"):
        STAR.parse_text(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("十五个", 15), ("四十", 40), ("3 次", 3), ("一百二十人", 120), ("两个", 2)],
)
def test_counts_with_a_counting_word(text, value):
    assert typed_int(text) == value


def test_a_numeral_is_never_taken_for_a_unit():
    """四十 is forty, not 4 followed by the unit 十."""
    assert typed_int("四十") == 40
