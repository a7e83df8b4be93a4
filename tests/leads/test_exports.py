"""Exports: the mail room's list and the supervisor's call sheet, written and parsed back."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from callscript.leads.exports import (
    CARD_AND_MATERIALS,
    calls_table,
    mailings_table,
    what_to_send,
    write_table,
)
from leads.helpers import MONDAY, call, mobile

GOOD_FACTS = {
    "reached": True,
    "travel": "often",
    "books_self": True,
    "booking_method": "on_arrival",
    "hotel_star": 4,
    "accepts": "yes",
    "expense": "reimbursed",
    "address": "上海市长宁区金钟路968号 A座 12楼",
}


@pytest.fixture
def day(store, script):
    """A day of calls: two mailings, a member's replacement card, a refusal; a mailing the next day."""
    leads = [
        store.add_lead("广州恒信贸易有限公司", "020-3888 1234", contact="王建华", title="采购部经理", industry="贸易"),
        store.add_lead('=HYPERLINK("http://evil")', mobile(1), contact="-2+3", title="@x", industry="电子"),
        store.add_lead(
            "杭州西溪网络科技有限公司", "137 5710 4422", contact="赵磊", title="行政经理", industry="IT/软件"
        ),
        store.add_lead("北京瑞丰医药科技有限公司", "010-6552 8803", contact="刘芳", industry="制药"),
        store.add_lead("次日公司", mobile(2), contact="钱七", industry="物流"),
    ]
    grading = script.grading
    call(store, script, leads[0].id, "王芳", "mailed", facts=GOOD_FACTS, grade=grading.evaluate(GOOD_FACTS))
    store.add_note(store.list_calls(lead_id=leads[0].id)[0].id, "!下午三点后方便")
    facts = {"accepts": "later", "address": "深圳市南山区科技园"}
    call(
        store,
        script,
        leads[1].id,
        "李娜",
        "mailed",
        facts=facts,
        grade=grading.evaluate(facts),
        now=MONDAY + timedelta(hours=1),
    )
    member = {
        "is_member": True,
        "booking_method": "member",
        "new_card": True,
        "refers_friends": True,
        "address": "杭州市西湖区文三路 90 号",
    }
    call(
        store,
        script,
        leads[2].id,
        "王芳",
        "member_care",
        facts=member,
        grade=grading.evaluate(member),
        now=MONDAY + timedelta(hours=2),
    )
    call(
        store,
        script,
        leads[3].id,
        "王芳",
        "refused",
        facts={"reached": True, "accepts": "no"},
        now=MONDAY + timedelta(hours=3),
    )
    call(store, script, leads[4].id, "李娜", "mailed", facts={"address": "天津市"}, now=MONDAY + timedelta(days=1))
    return MONDAY.date()


def parse_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in data
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def parse_xlsx(data: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_mailings_for_a_day_as_csv(store, day):
    table = mailings_table(store, since=day, until=day)
    out = io.BytesIO()
    write_table(table, "csv", out)
    rows = parse_csv(out.getvalue())
    assert [r["公司"] for r in rows] == [
        "广州恒信贸易有限公司",
        '\'=HYPERLINK("http://evil")',
        "杭州西溪网络科技有限公司",
    ]
    first = rows[0]
    assert first == {
        "寄出日期": day.isoformat(),
        "联系人": "王建华",
        "职位": "采购部经理",
        "公司": "广州恒信贸易有限公司",
        "地址": "上海市长宁区金钟路968号 A座 12楼",
        "寄送内容": CARD_AND_MATERIALS,
        "业务员": "王芳",
        "电话": "020 3888 1234",
        "行业": "贸易",
        "评级": "好",
        "回访日期": f"{day + timedelta(days=7)}~{day + timedelta(days=10)}",
        "通话编号": "1",
    }
    assert (rows[1]["联系人"], rows[1]["职位"]) == ("'-2+3", "'@x")  # never a formula in Excel
    assert rows[2]["寄送内容"] == "补寄会员卡、新会员资料+新卡(转送朋友)"
    # a member-care call that took an address is a mailing too, with its 7–10 day follow-up
    assert rows[2]["地址"] == "杭州市西湖区文三路 90 号"
    assert rows[2]["回访日期"] == f"{day + timedelta(days=7)}~{day + timedelta(days=10)}"


def test_mailings_as_xlsx_masked_and_in_english(store, day):
    table = mailings_table(store, since=day, until=day + timedelta(days=1), mask_phones=True, lang="en")
    out = io.BytesIO()
    write_table(table, "xlsx", out, lang="en")
    rows = parse_xlsx(out.getvalue())
    assert len(rows) == 4
    assert rows[0]["phone"] == "020 **** 1234" and rows[1]["phone"] == "139 **** 0001"
    assert rows[1]["company"] == '=HYPERLINK("http://evil")'  # kept as text, not a formula
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet["D3"].data_type == "s"
    assert rows[3]["mailed_on"] == datetime.combine(day + timedelta(days=1), time())  # a date cell, not text
    assert sheet["A5"].number_format == "yyyy-mm-dd"


def test_mailings_date_ranges(store, day):
    assert len(mailings_table(store, since=day + timedelta(days=1), until=day + timedelta(days=1)).rows) == 1
    assert len(mailings_table(store).rows) == 4
    assert mailings_table(store, since=day + timedelta(days=5)).rows == []


def test_calls_with_facts_and_grade(store, day):
    table = calls_table(store, since=day, until=day)
    out = io.BytesIO()
    write_table(table, "csv", out)
    rows = parse_csv(out.getvalue())
    assert [r["结果"] for r in rows] == ["寄资料", "寄资料", "会员回访", "拒绝"]
    first = rows[0]
    assert (first["业务员"], first["评级"], first["准客户"], first["有效"]) == ("王芳", "好", "是", "是")
    assert first["评级依据"].startswith("出差或接待机会多")
    assert (first["出差频率"], first["酒店星级"], first["预订方式"]) == ("经常出差", "4", "到当地再找")
    conditions = ["必须有经常出差或是接待客户", "预定的方式必须与我司配匹", "必须住二星或以上的酒店"]
    assert list(first)[list(first).index("准客户") + 1 :][:3] == conditions  # the script's labels
    assert [first[c] for c in conditions] == ["是", "是", "是"]
    assert first["备注"] == "!下午三点后方便" and first["号码类型"] == "座机"
    assert rows[3]["评级"] == "" and rows[3]["是否接受"] == "不要"
    assert rows[2]["补寄新卡"] == "是"  # a fact the script declares, under its label


def test_calls_in_english_parse_back_to_raw_values(store, day):
    table = calls_table(store, since=day, until=day + timedelta(days=1), lang="en", agent="李娜")
    out = io.BytesIO()
    write_table(table, "xlsx", out, lang="en")
    rows = parse_xlsx(out.getvalue())
    assert [r["outcome"] for r in rows] == ["mailed", "mailed"]
    assert rows[0]["accepts"] == "later" and rows[0]["grade"] == "勉强" and rows[0]["effective"] == "true"
    assert rows[0]["travel_or_host"] is None and rows[0]["hotel_2star"] is None  # unknown: empty, not false
    assert rows[0]["phone"] == "139 0000 0001"


def test_what_to_send():
    assert what_to_send({}) == CARD_AND_MATERIALS
    assert what_to_send({"is_member": True}) == "会员资料"
    assert what_to_send({"is_member": True, "new_card": True}) == "补寄会员卡"
