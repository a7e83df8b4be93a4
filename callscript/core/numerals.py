"""Whole numbers as people type them: ``4``, ``４`` (an input method's full-width digit),
``四``, ``两``, ``十五``, ``二十三``, ``一百零五``, ``三千``, ``两万五千``.

Pure (no I/O). One home for Chinese numerals: the facts layer reads typed counts with it
(``hotel_star`` typed as ``四``), the day/time grammar (:mod:`callscript.core.when`)
reads ``十点`` and ``两个小时`` with it. Every failure is a :class:`NumeralError` whose
message is for a person.
"""

from __future__ import annotations

import unicodedata

DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
"""Chinese digits (两 is 二 as said before a unit: 两个, 两万)."""

UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
"""Units inside a section of four digits."""

MYRIAD = "万"
"""A section of four digits times 10,000 (``两万五千`` = 25,000)."""

NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + MYRIAD
"""Every character a Chinese whole number is written with (for patterns)."""

MAX_DIGITS = 12
"""Longer digit strings are not a count a person typed."""


class NumeralError(ValueError):
    """Not a whole number we can read; the message says why, for a person."""


def parse_int(text: str) -> int:
    """``text`` as a whole number ≥ 0: ASCII or full-width digits, or Chinese numerals.

    Raises :class:`NumeralError` for anything else (signs, fractions, mixed digits and
    numerals such as ``3十``, numerals out of order such as ``十十``).
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        raise NumeralError("请输入数字")
    if value.isascii() and value.isdigit():
        if len(value) > MAX_DIGITS:
            raise NumeralError(f"数字太长: {value}")
        return int(value)
    if all(char in NUMERAL_CHARS for char in value):
        return _chinese(value)
    raise NumeralError(f"看不懂数字 “{text.strip()}”")


def _chinese(text: str) -> int:
    """Chinese numerals up to 九千九百九十九万九千九百九十九."""
    high, sep, low = text.partition(MYRIAD)
    if sep:
        if MYRIAD in low or not high:
            raise NumeralError(f"看不懂数字 “{text}”")
        if len(low) == 1 and DIGITS.get(low):  # 两万五 is 25,000 (the digit takes 千)
            return _section(high, text) * 10_000 + DIGITS[low] * 1000
        return _section(high, text) * 10_000 + (_section(low, text) if low else 0)
    return _section(text, text)


def _section(text: str, whole: str) -> int:
    """Up to four digits with 十/百/千: ``三千零五``, ``十五`` (a leading 十 is 一十)."""
    if len(text) == 1 and text in DIGITS:
        return DIGITS[text]
    total = 0
    pending: int | None = None  # a digit waiting for its unit
    last_unit = 10_000
    zero_seen = False
    for char in text:
        if char in DIGITS:
            if pending is not None:  # two digits in a row (一二) is not a number
                raise NumeralError(f"看不懂数字 “{whole}”")
            pending = DIGITS[char]
            if pending == 0:
                zero_seen, pending = True, None
            continue
        unit = UNITS[char]
        if unit >= last_unit:  # units must fall: 千 … 百 … 十
            raise NumeralError(f"看不懂数字 “{whole}”")
        if pending is None:
            if unit != 10 or (total and not zero_seen):  # a bare 十 leads (十五) or follows 零 (一千零十)
                raise NumeralError(f"看不懂数字 “{whole}”")
            pending = 1
        total += pending * unit
        pending, last_unit, zero_seen = None, unit, False
    if pending is not None:
        if total and last_unit > 10 and not zero_seen:
            # 一百五 is 150 (the digit takes the next unit down), 一百零五 is 105
            pending *= last_unit // 10
        total += pending
    return total
