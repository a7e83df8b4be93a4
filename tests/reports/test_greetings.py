"""The holiday greeting list: who is on it, what they get, the SMS text, every format."""

from __future__ import annotations

from datetime import date

import pytest
from backends import copy_of

from callscript.core.china_calendar import find_holiday
from callscript.core.lifecycle import CARD, GIFT, greeting_gift
from callscript.reports.greetings import greeting_list, sms_text
from callscript.reports.queries import open_db
from callscript.reports.render import greetings_document, render, to_csv, to_data, to_xlsx
from reports.conftest import build_known_db, read_csv, read_xlsx

QINGMING_2025 = find_holiday("清明", date(2025, 3, 5))


def test_the_rule_good_gets_a_gift_a_flagged_fair_one_a_card():
    assert greeting_gift("好", flagged=False, last_outcome="member_care", do_not_call=False) == GIFT
    assert greeting_gift("一般", flagged=True, last_outcome="mailed", do_not_call=False) == CARD
    assert greeting_gift("一般", flagged=False, last_outcome="mailed", do_not_call=False) is None
    assert greeting_gift("勉强", flagged=True, last_outcome="mailed", do_not_call=False) is None
    assert greeting_gift("好", flagged=False, last_outcome="refused", do_not_call=False) is None  # refused since
    assert greeting_gift("好", flagged=False, last_outcome="invalid_number", do_not_call=False) is None
    assert greeting_gift("好", flagged=True, last_outcome=None, do_not_call=True) is None


def test_who_is_on_the_list(conn):
    """L1, L3, L7, L8: latest final grade 好 (L1's is its follow-up's); L2: 一般 with an important
    note on c4; L6 (勉强, an ordinary note) and L9 (no grade) are not."""
    assert QINGMING_2025 is not None and (QINGMING_2025.first, QINGMING_2025.last) == (
        date(2025, 4, 4),
        date(2025, 4, 6),
    )
    g = greeting_list(conn, QINGMING_2025, QINGMING_2025.first, company="测试公司")
    rows = [(i.agent, i.company, i.grade, i.gift, i.address, i.flag_note) for i in g.items]
    assert rows == [
        ("李娜", "丙", "好", GIFT, "地址3", None),
        ("李娜", "辛", "好", GIFT, "地址6", None),
        ("李娜", "乙", "一般", CARD, "地址2", "有协议酒店, 但愿意参考我们, 重点维护"),
        ("王芳", "庚", "好", GIFT, "地址7", None),
        ("王芳", "甲", "好", GIFT, "地址1", None),  # the last mailing's address (mailing 1, 03-03)
    ]
    landline = next(i for i in g.items if i.company == "丙")
    assert landline.mobile is None and landline.sms is None  # a landline gets no SMS
    first = next(i for i in g.items if i.company == "甲")
    assert first.mobile == "13800000001"
    assert (
        first.sms
        == "甲经理您好!清明节将至,测试公司的王芳祝您假期出行平安顺利!出差订房订机票,随时找我。【测试公司 王芳】"
    )
    assert [
        i.company for i in greeting_list(conn, QINGMING_2025, date(2025, 4, 4), company="x", agent="王芳").items
    ] == [
        "庚",
        "甲",
    ]


def test_sms_names_the_agent_and_the_company_and_wishes_by_festival():
    spring = find_holiday("春节", date(2026, 12, 1))
    assert spring is not None
    text = sms_text("王总", spring, "李娜", "携程旅行网")
    assert text.startswith("王总您好!春节将至") and "新春快乐" in text and text.endswith("【携程旅行网 李娜】")
    assert sms_text(None, None, "李娜", "携程旅行网").startswith("您好!节日将至")


def test_refused_since_and_do_not_call_leave_the_list(tmp_path):
    path = build_known_db(tmp_path / "g.db")
    db = open_db(path)
    db.conn.execute("UPDATE leads SET last_outcome = 'refused' WHERE id = 7")
    db.conn.execute("UPDATE leads SET do_not_call = 1 WHERE id = 8")
    g = greeting_list(db.conn, QINGMING_2025, date(2025, 4, 4), company="测试公司")
    assert {i.company for i in g.items} == {"丙", "乙", "甲"}
    db.close()


@pytest.mark.parametrize("part", ["all", "sms", "mail"])
def test_greetings_in_every_format(conn, part):
    g = greeting_list(conn, QINGMING_2025, date(2025, 4, 4), company="测试公司")
    doc = greetings_document(g, part)
    data = to_data(doc)
    assert data["report"] == "greetings" and data["holiday"] == "清明节" and data["part"] == part
    assert (data["from"], data["to"]) == ("2025-04-04", "2025-04-06")
    csv_rows = read_csv(to_csv(doc))
    book = read_xlsx(to_xlsx(doc))
    assert (
        list(book)
        == {
            "all": ["节日问候名单", "短信平台", "寄送清单"],
            "sms": ["短信平台", "节日问候名单", "寄送清单"],
            "mail": ["寄送清单", "节日问候名单", "短信平台"],
        }[part]
    )
    if part == "sms":  # mobiles only, for the SMS platform
        assert csv_rows[0] == ["手机号码", "短信内容", "业务员"]
        assert [r[0] for r in csv_rows[1:]] == ["13800000008", "13800000002", "13800000007", "13800000001"]
        assert len(data["rows"]) == 4 and len(data["everyone"]) == 5
    elif part == "mail":  # the mail room: who gets a gift or a card, where
        assert csv_rows[0] == ["收件人", "公司", "地址", "电话", "寄送", "业务员"]
        assert [(r[1], r[4]) for r in csv_rows[1:]] == [
            ("丙", GIFT),
            ("辛", GIFT),
            ("乙", CARD),
            ("庚", GIFT),
            ("甲", GIFT),
        ]
    else:
        assert csv_rows[0][-3:] == ["赠送", "地址", "短信内容"] and len(csv_rows) == 6
        assert csv_rows[1][-1] == "(座机, 不能发短信)"
        text = render(g, "table")
        assert text.startswith("节日问候名单  清明节 04-04 至 04-06 (3天)  测试公司") and "礼品 4 份, 贺卡 1 张" in text


def test_an_estimated_year_says_so(conn):
    mid_autumn = find_holiday("中秋", date(2030, 1, 1))
    assert mid_autumn is not None and mid_autumn.estimated
    text = render(greeting_list(conn, mid_autumn, mid_autumn.first, company="x"), "table")
    assert "2030年的放假安排还没有收录" in text


def test_cli_greetings(known_db, tmp_path):
    from click.testing import CliRunner

    from callscript.cli.main import cli

    def run(*args: str):
        return CliRunner().invoke(cli, ["report", "greetings", "--db", str(known_db), *args], catch_exceptions=False)

    result = run("--holiday", "清明", "--date", "2025-03-05")
    assert result.exit_code == 2 and "not both" in result.output
    out = tmp_path / "sms.csv"
    copy = copy_of(known_db, tmp_path / "k.db")
    result = CliRunner().invoke(
        cli,
        ["report", "greetings", "--db", str(copy), "--date", "2025-03-20", "--company", "测试公司", "--for", "sms"]
        + ["--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes().decode("utf-8-sig"))
    assert rows[0][0] == "手机号码" and "清明节将至" in rows[1][1]
    again = CliRunner().invoke(cli, ["report", "greetings", "--db", str(copy), "--out", str(out)])
    assert again.exit_code == 2  # an existing file is not overwritten without --force
    unknown = run("--holiday", "圣诞")
    assert unknown.exit_code == 2 and "春节" in unknown.output
