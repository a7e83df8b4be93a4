"""The one place a greeting takes a surname from a full name (core/names.py)."""

from __future__ import annotations

import pytest

from callscript.core.lifecycle import CallKind, call_kind
from callscript.core.names import COMPOUND_SURNAMES, surname
from callscript.core.outcomes import Outcome


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张伟", "张"),
        ("王小明", "王"),
        ("欧阳娜娜", "欧阳"),
        ("司马相如", "司马"),
        ("诸葛亮", "诸葛"),
        ("上官婉儿", "上官"),
        ("东方明", "东方"),
        ("皇甫嵩", "皇甫"),
        ("尉迟恭", "尉迟"),
        ("公孙胜", "公孙"),
        ("慕容复", "慕容"),
        ("长孙无忌", "长孙"),
        ("宇文泰", "宇文"),
        ("司徒雷", "司徒"),
        ("夏侯惇", "夏侯"),
        ("令狐冲", "令狐"),
        ("欧阳", "欧阳"),  # only the surname was written down
        ("欧明", "欧"),  # 欧 alone is a surname too
        ("王", "王"),
        (" 李娜 ", "李"),
        ("", ""),
        (None, ""),
        ("Lily Wang", "Lily Wang"),  # not Chinese: used whole rather than guessed at
    ],
)
def test_surname(name, expected):
    assert surname(name) == expected


def test_the_brief_s_compound_surnames_are_known():
    brief = {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
    }
    assert brief <= COMPOUND_SURNAMES
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)


def test_call_kind_is_maintenance_once_materials_were_mailed():
    assert call_kind(mailed_before=False) is CallKind.DEVELOPMENT
    assert call_kind(mailed_before=True) is CallKind.MAINTENANCE


def test_nobody_on_the_line_for_no_answer_and_busy_only():
    assert {o for o in Outcome if not o.someone_on_the_line} == {Outcome.NO_ANSWER, Outcome.BUSY}
