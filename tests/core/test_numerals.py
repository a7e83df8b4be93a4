"""Whole numbers as people type them (callscript.core.numerals): digits, full-width digits,
Chinese numerals; everything else refused with a message for a person."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callscript.core.numerals import NumeralError, parse_int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4", 4),
        ("４", 4),  # an input method's full-width digit
        (" 12 ", 12),
        ("零", 0),
        ("〇", 0),
        ("四", 4),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("二十三", 23),
        ("一百", 100),
        ("一百零五", 105),
        ("一百五", 150),  # the digit takes the next unit down
        ("三千零五十", 3050),
        ("一千零十", 1010),
        ("两万五", 25_000),
        ("两万五千", 25_000),
        ("五百万", 5_000_000),
        ("一万零一", 10_001),
    ],
)
def test_reads(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "  ", "-1", "+2", "1.5", "3十", "十十", "一二", "五五", "百", "千百", "万", "万五", "很多"]
)
def test_refuses_with_a_message(text):
    with pytest.raises(NumeralError) as caught:
        parse_int(text)
    assert str(caught.value)  # a message for the agent


def test_refuses_a_digit_string_no_one_types():
    with pytest.raises(NumeralError, match="太长"):
        parse_int("9" * 13)


_CN_DIGITS = "零一二三四五六七八九"


def _spoken(n: int) -> str:
    """How 1–9999 is written in full (一千零五, 二十, 十五 written as 一十五 is also read)."""
    parts = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit:
            if zero and parts:
                parts.append("零")
            parts.append(_CN_DIGITS[digit] + name)
            zero = False
        else:
            zero = True
    return "".join(parts)


@given(st.integers(min_value=1, max_value=9999))
def test_every_written_number_reads_back(n):
    assert parse_int(_spoken(n)) == n
    assert parse_int(str(n)) == n
