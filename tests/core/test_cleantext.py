"""The one rule for text that enters the database (callscript/core/cleantext.py; issue 14, item 8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callscript.core.cleantext import (
    LIMITS,
    TextTooLong,
    clean_line,
    clean_optional,
    clean_text,
    for_display,
    without_escapes,
)

PWNED = "\x1b]0;PWNED\x07\x1b[2J"
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]


def is_control(ch: str) -> bool:
    return ch in CONTROLS


def test_escape_sequences_lose_their_teeth():
    assert clean_line(f"甲公司{PWNED}") == "甲公司]0;PWNED[2J"
    assert clean_line("a\x00b\x9bc\x7fd") == "abcd"


def test_one_line_and_several_lines():
    assert clean_line(" 北京\t朝阳\r\n建国路\n1号 ") == "北京 朝阳  建国路 1号"
    assert clean_text("第一行\r\n第二行\r第三行\u2028第四行\t完") == "第一行\n第二行\n第三行\n第四行 完"
    assert clean_line("全角\u3000空格") == "全角\u3000空格"  # ordinary (ideographic) spaces stay


def test_limits_refuse_rather_than_cut():
    assert clean_line("张" * 64, "agent_name") == "张" * 64
    with pytest.raises(TextTooLong) as too_long:
        clean_line("张" * 65, "agent_name")
    assert str(too_long.value) == "agent name: too long (65 characters, at most 64)"
    with pytest.raises(ValueError):
        clean_text("x" * 5000, "note")
    assert clean_text("x" * 2000 + "\x1b" * 100, "note") == "x" * 2000  # measured after cleaning
    assert LIMITS["company"] == 200 and LIMITS["address"] == 500 and LIMITS["note"] == 2000


def test_optional_fields():
    assert clean_optional(None, "contact") is None
    assert clean_optional(" \x1b ", "contact") is None
    assert clean_optional("张三", "contact") == "张三"


def test_display_and_spreadsheet_variants():
    assert for_display(f"a{PWNED}\nb") == "a]0;PWNED[2J\nb"
    assert for_display(None) is None
    assert without_escapes(f"\t=1{PWNED}\r\n") == "\t=1]0;PWNED[2J\r\n"


@given(st.text())
def test_clean_line_never_leaves_a_control_or_a_line_break(text):
    cleaned = clean_line(text)
    assert not any(map(is_control, cleaned))
    assert "\u2028" not in cleaned and "\u2029" not in cleaned
    assert cleaned == cleaned.strip()
    assert clean_line(cleaned) == cleaned  # idempotent: storage may clean twice


@given(st.text())
def test_clean_text_keeps_only_newlines(text):
    cleaned = clean_text(text)
    assert not any(is_control(ch) and ch != "\n" for ch in cleaned)
    assert clean_text(cleaned) == cleaned
