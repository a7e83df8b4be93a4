"""Market answers by industry, and the booking centres' alias list.

Leads and the facts their finished calls recorded (day 1 = 2025-03-03):

lead  industry    day  facts
1     金融业      1    B1, centre 艺龙网, 4 stars, 300-500元, reimbursed
1     金融业      3    member (the later call: its booking answer replaces B1; the rest stand)
2     金融业      1    B1, centre eLong, 3 stars, 200元左右
3     金融业      1    B1, centre "ＥＬＯＮＧ " (full-width, a space), 5 stars, 700元以上, self-paid
4     医药保健业  1    B1, centre 同程, price 三四百 (no digits: unreadable)
5     医药保健业  1    B1, centre 不详 (means "not said"), 2 stars, 100元以下
6     (none)      1    B2, hotel_star 9 (not a star)
7     金融业      1    unfinished call with facts: not counted
8     金融业      1    no_answer, no facts
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from callscript.reports.aliases import AliasError, load_aliases, match_key, parse_aliases
from callscript.reports.market import PRICE_TOP, PRICE_UNREADABLE, market, price_band
from callscript.reports.rebuild import analytics_differences
from callscript.storage import Store

ROOT = Path(__file__).resolve().parents[2]
ALIASES = load_aliases(ROOT / "data" / "centre_aliases.yaml")
D1, D3 = "2025-03-03", "2025-03-05"
B1 = "other_center"
LEADS = {1: "金融业", 2: "金融业", 3: "金融业", 4: "医药保健业", 5: "医药保健业", 6: None, 7: "金融业", 8: "金融业"}
CALLS = [  # lead, day, outcome (None: unfinished), facts
    (1, D1, "mailed", {"booking_method": B1, "other_center_name": "艺龙网", "hotel_star": 4, "price_range": "300-500元", "expense": "reimbursed"}),
    (1, D3, "member_care", {"booking_method": "member", "is_member": True}),
    (2, D1, "mailed", {"booking_method": B1, "other_center_name": "eLong", "hotel_star": 3, "price_range": "200元左右"}),
    (3, D1, "refused", {"booking_method": B1, "other_center_name": "ＥＬＯＮＧ ", "hotel_star": 5, "price_range": "700元以上", "expense": "self_paid"}),
    (4, D1, "mailed", {"booking_method": B1, "other_center_name": "同程", "price_range": "三四百"}),
    (5, D1, "not_qualified", {"booking_method": B1, "other_center_name": "不详", "hotel_star": 2, "price_range": "100元以下"}),
    (6, D1, "refused", {"booking_method": "agreement", "hotel_star": 9}),
    (7, D1, None, {"booking_method": "ad_hoc"}),
    (8, D1, "no_answer", {}),
]  # fmt: skip


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "m.db", synchronous="OFF")
    c = s.conn
    c.execute("BEGIN")
    c.execute("INSERT INTO agents (id, name, created_at) VALUES (1, '王芳', 'x')")
    c.execute("INSERT INTO scripts (id, name, sha256, source_text, first_seen_at) VALUES (1, 's', 'h', 't', 'x')")
    for lead, industry in LEADS.items():
        c.execute(
            "INSERT INTO leads (id, company, phone, phone_norm, industry, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 'x', 'x')",
            (lead, f"公司{lead}", str(lead), str(lead), industry),
        )
    for lead, day, outcome, facts in CALLS:
        ended = f"{day}T10:05:00+08:00" if outcome else None
        c.execute(
            "INSERT INTO calls (lead_id, agent_id, script_id, started_at, ended_at, outcome, facts) VALUES (?, 1, 1, ?, ?, ?, ?)",
            (lead, f"{day}T10:00:00+08:00", ended, outcome, json.dumps(facts, ensure_ascii=False)),
        )
    c.execute("COMMIT")
    yield s
    s.close()


def test_each_company_counts_once_with_its_latest_answer(store):
    report = market(store.conn, aliases=ALIASES)
    assert [r.industry for r in report.rows] == ["金融业", "医药保健业", "未分类"]
    finance = report.row("金融业")
    assert finance.booking == Counter({B1: 2, "member": 1})  # lead 1's later call said member
    assert finance.centres == {"艺龙": 3}  # 艺龙网, eLong, ＥＬＯＮＧ: one centre
    assert finance.stars == Counter({3: 1, 4: 1, 5: 1})
    assert finance.prices == Counter({"201-400元": 1, "101-200元": 1, PRICE_TOP: 1})
    assert finance.expense == Counter({"reimbursed": 1, "self_paid": 1})
    medicine = report.row("医药保健业")
    assert medicine.centres == {"同程": 1} and medicine.centres_named == 1  # 不详 is "not said"
    assert medicine.prices == Counter({PRICE_UNREADABLE: 1, "≤100元": 1})
    none = report.row("未分类")
    assert none.booking == Counter({"agreement": 1}) and none.stars_answered == 0 and none.unreadable_stars == 1
    assert report.total.booking_answered == 6 and report.total.centres == {"艺龙": 3, "同程": 1}


def test_a_range_selects_the_companies_by_when_they_last_answered(store):
    later = market(store.conn, date(2025, 3, 4), aliases=ALIASES)
    assert [(r.industry, dict(r.booking), r.centres) for r in later.rows] == [("金融业", {"member": 1}, {})]
    first_day = market(store.conn, date(2025, 3, 3), date(2025, 3, 3), aliases=ALIASES)
    assert first_day.row("金融业").booking == Counter({B1: 2})  # lead 1's latest booking answer is not that day's


def test_industry_edits_and_later_calls_keep_the_counts_exact(store):
    c = store.conn
    c.execute("UPDATE leads SET industry = '学校' WHERE id = 2")
    c.execute(
        "UPDATE calls SET ended_at = '2025-03-05T11:00:00+08:00', outcome = 'mailed' WHERE lead_id = 7"
    )  # the unfinished call finishes: its answer counts now
    report = market(c, aliases=ALIASES)
    assert report.row("金融业").centres == {"艺龙": 2} and report.row("学校").centres == {"艺龙": 1}
    assert report.row("金融业").booking == Counter({B1: 1, "member": 1, "ad_hoc": 1})
    c.execute("DELETE FROM calls WHERE lead_id = 1 AND started_at LIKE '2025-03-05%'")  # the member call
    assert market(c, aliases=ALIASES).row("金融业").booking == Counter({B1: 2, "ad_hoc": 1})
    assert analytics_differences(c) == []


def test_without_an_alias_list_names_count_as_typed_but_spelled_alike_are_one(store):
    report = market(store.conn)
    assert report.row("金融业").centres == {"艺龙网": 1, "eLong": 2}  # eLong and ＥＬＯＮＧ match
    assert report.row("医药保健业").centres == {"同程": 1, "不详": 1}


# --------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    "text, band",
    [
        ("100元以下", "≤100元"),
        ("100", "≤100元"),
        ("150元左右", "101-200元"),
        ("100-200元", "101-200元"),
        ("200-400元", "201-400元"),
        ("300-500元/晚", "201-400元"),
        ("４００元", "201-400元"),  # full-width digits
        ("400-700元", "401-700元"),
        ("700元以上", PRICE_TOP),
        ("1000", PRICE_TOP),
        ("三四百", PRICE_UNREADABLE),
        ("", PRICE_UNREADABLE),
    ],
)
def test_price_bands(text, band):
    assert price_band(text) == band


# --------------------------------------------------------------------------- the alias list


def test_the_shipped_list_merges_the_issues_example():
    assert {ALIASES.normalise(n) for n in ("艺龙", "艺龙网", "eLong", "ELONG", "e long", "ｅＬｏｎｇ")} == {"艺龙"}
    assert ALIASES.normalise("不详") is None and ALIASES.normalise("  ") is None
    assert ALIASES.normalise(" 某某订房网 ") == "某某订房网"
    assert match_key("Ｅ Long") == match_key("elong")


def test_an_edited_list_is_read_as_written():
    aliases = parse_aliases("centres:\n  携程: [Ctrip]\n  360: 三六零\nunknown: 没说\n")
    assert aliases.normalise("ctrip") == "携程" and aliases.normalise("三六零") == "360"
    assert aliases.normalise("没说") is None
    assert parse_aliases("").normalise("x") == "x"  # an empty file: names as typed


@pytest.mark.parametrize(
    "text, message",
    [
        ("centres:\n  艺龙: [eLong]\n  易龙: [ELONG]\n", "already a spelling of '艺龙' (line 2)"),
        ("centres:\n  艺龙: [[a, b]]\n", "a name must be text, not a list"),
        ("centres:\n  艺龙: [yes]\n", "a name must be text, not a boolean"),
        ("centers:\n  艺龙: [eLong]\n", "unknown section 'centers'"),
        ("centres: [艺龙]\n", "'centres:' maps each name to a list of spellings"),
        ("- 艺龙\n", "a mapping with 'centres:'"),
        ("centres:\n  艺龙: [不详]\nunknown: [不详]\n", "both a centre and an 'unknown' spelling"),
        ("centres: {艺龙: [eLong\n", ":1:"),
        ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
         "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n", "alias bomb"),
    ],
)  # fmt: skip
def test_a_bad_list_says_where(text, message):
    with pytest.raises(AliasError) as caught:
        parse_aliases(text, "aliases.yaml")
    assert message in str(caught.value), str(caught.value)
    assert str(caught.value).startswith("aliases.yaml:")


def test_files_missing_too_big_or_not_utf8(tmp_path):
    missing = load_aliases(tmp_path / "none.yaml")
    assert missing.canonical == {} and "missing" in missing.source
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(AliasError, match="larger than"):
        load_aliases(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("centres:\n  艺龙: [eLong]\n".encode("gbk"))
    with pytest.raises(AliasError, match="not UTF-8"):
        load_aliases(latin)
