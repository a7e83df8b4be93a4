"""StagedLeads.add holds every staged text to callscript.core.cleantext's rule, whoever made the
rows (its check of a whole chunk at once must let nothing through that the rule would change)."""

from __future__ import annotations

import pytest

from callscript.core.cleantext import TextTooLong

HOSTILE = (
    2,
    "公司\x1b]0;PWNED\x07",
    "张三\t",
    None,
    None,
    "13812345678",
    "+8613812345678",
    "mobile",
    None,
    None,
    "两行\r\n备注\x00",
)
CLEAN = (3, "好公司", None, None, None, "13912345678", "+8613912345678", "mobile", "贸易", None, None)


def _staged(store, rows) -> list[tuple]:
    with store.stage_leads() as staged:
        staged.add(rows)
        staged.commit()
    return [(lead.company, lead.contact, lead.notes) for lead in store.list_leads()]


def test_unchecked_rows_are_cleaned_when_staged(store):
    assert _staged(store, [HOSTILE, CLEAN]) == [("公司]0;PWNED", "张三", "两行\n备注"), ("好公司", None, None)]


def test_a_text_too_long_is_refused_either_way(store):
    too_long = (CLEAN[0], "公" * 10_000, *CLEAN[2:])
    with pytest.raises(TextTooLong), store.stage_leads() as staged:
        staged.add([too_long])
