"""The shipped script, scripts/ctrip.yaml: it loads, its graph is sound, its grading
is the BRIEF's, and calls through every branch of the seed script end with the
outcome, facts and grade a person reading the seed would give.

Paths are written like a replay answers file: a key ("1"), {"enter": text},
"skip" or "back".
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
import yaml

from callscript.core.outcomes import OUTCOME_VALUES
from callscript.script.facts import BOOL, BUILTIN_FACTS, ENUM
from callscript.script.loader import load_script, validate_file
from callscript.script.session import CallSession

ROOT = Path(__file__).resolve().parents[1]
SCRIPT_PATH = ROOT / "scripts" / "ctrip.yaml"
ANSWERS_DIR = ROOT / "scripts" / "answers"

VARIABLES = {
    "agent_name": "王小明",
    "contact_name": "张伟",
    "contact_title": "行政部",
    "lead_company": "广州某贸易公司",
}
ADDR = "广州市天河区体育西路100号8楼 张伟收"

# Common prefixes.
OPEN = ["1", "1"]  # 本人接听 → 方便
# 经常出差 → 酒店机票都自己订 → 没有接待客户 → 介绍公司: 会 → 预订方式
OFTEN = OPEN + ["1", "1", "2", "1"]
# 经常出差 → 公司/同事安排 → 没有接待 → 会 → 预订方式
OFTEN_COMPANY_BOOKS = OPEN + ["1", "4", "2", "1"]
# 不经常出差 → 没有接待 → 介绍公司: 不经常出差 → 一个月出差几次?
NOT_OFTEN = OPEN + ["2", "2", "2"]
ADDRESS = [{"enter": ADDR}, "1"]  # 询问地址 → 地址无误


@pytest.fixture(scope="module")
def script():
    return load_script(SCRIPT_PATH)


def walk(script, answers, variables=VARIABLES) -> CallSession:
    session = CallSession(script, variables)
    for answer in answers:
        if answer == "skip":
            session.skip()
        elif answer == "back":
            session.back()
        elif isinstance(answer, dict):
            session.enter(str(answer["enter"]))
        else:
            session.choose(answer)
    return session


def ended(script, answers, outcome: str) -> CallSession:
    session = walk(script, answers)
    assert session.finished, f"call stopped at {session.node_id}"
    assert session.outcome == outcome
    return session


def assert_grade(session: CallSession, grade: str | None, label: str | None = None) -> None:
    result = session.grade()
    assert (result.grade, result.rule_label) == (grade, label)


# ── the file and its graph ─────────────────────────────────────────────────


def test_validates_without_errors():
    script, problems = validate_file(SCRIPT_PATH)
    assert script is not None, "\n".join(p.format(str(SCRIPT_PATH)) for p in problems)
    assert not [p for p in problems if p.is_error]
    # Only the two endings where nobody is on the line say no goodbye.
    warnings = sorted(p.message for p in problems if not p.is_error)
    assert all("says no thanks or goodbye" in w for w in warnings), warnings
    assert len(warnings) <= 2


def test_parses_as_plain_yaml():
    data = yaml.safe_load(SCRIPT_PATH.read_text(encoding="utf-8"))
    assert data["script"]["start"] == "opening"


def test_every_node_is_reachable_and_every_node_can_end(script):
    reachable = {script.start}
    queue = deque([script.start])
    while queue:
        for target in script.nodes[queue.popleft()].successors():
            assert target in script.nodes
            if target not in reachable:
                reachable.add(target)
                queue.append(target)
    assert reachable == set(script.nodes)

    can_end = {node.id for node in script.endings}
    changed = True
    while changed:
        changed = False
        for node in script.nodes.values():
            if node.id not in can_end and any(t in can_end for t in node.successors()):
                can_end.add(node.id)
                changed = True
    assert can_end == set(script.nodes)


def test_endings_cover_every_outcome_and_say_goodbye_when_someone_listens(script):
    outcomes = {node.end for node in script.endings}
    assert outcomes == set(OUTCOME_VALUES)
    silent = {"no_answer", "busy"}
    for node in script.endings:
        if node.end not in silent:
            text = "".join(t.source for t in node.say)
            assert "谢" in text or "再见" in text, node.id


def test_option_keys_are_numbered_from_one(script):
    for node in script.nodes.values():
        keys = [o.key for o in node.options]
        assert keys == [str(i) for i in range(1, len(keys) + 1)], node.id


def test_every_builtin_fact_and_enum_value_can_be_learned(script):
    learned: dict[str, set] = {}
    for node in script.nodes.values():
        for option in node.options:
            for name, value in option.sets:
                learned.setdefault(name, set()).add(value)
        if node.input is not None:
            learned.setdefault(node.input.fact.name, set()).add("<typed>")
    for name, spec in BUILTIN_FACTS.items():
        assert name in learned, f"no option or input sets {name}"
        if spec.type == ENUM:
            assert set(spec.values) <= learned[name], (name, set(spec.values) - learned[name])
        if spec.type == BOOL and name not in ("booked_on_call",):
            assert learned[name] >= {True}, name
    assert learned["booked_on_call"] == {True, False}


def test_input_nodes(script):
    star = script.nodes["ask_star"]
    assert star.input.fact.name == "hotel_star" and (star.input.min, star.input.max) == (1, 5)
    assert star.skip is not None  # 问不到消费标准
    assert script.nodes["b1_which"].input.fact.name == "other_center_name"
    assert script.nodes["b3_price"].input.fact.name == "price_range"
    for node_id in ("ask_address", "member_address"):
        assert script.nodes[node_id].input.fact.name == "address"
    for node_id in ("confirm_address", "member_confirm_address"):
        node = script.nodes[node_id]
        assert any("{address}" in t.source for t in node.say)
        assert any("重复核对地址" in t.source for t in node.tips)
    closing = script.nodes["closing"]
    assert closing.end == "mailed"
    assert any("{hotline}" in t.source for t in closing.say)
    assert any("一定要等对方挂断电话后" in t.source for t in closing.tips)
    assert script.nodes["member_closing"].end == "member_care"


# ── grading: exactly the BRIEF's rules ─────────────────────────────────────

BRIEF_RULES = [
    ("好", "出差或接待机会多,愿意接受,消费能力在三星以上"),
    ("好", "是会员乐意推荐"),
    ("好", "当场预订的客户"),
    ("好", "是其它订房中心的会员,愿意接受我司服务"),
    ("一般", "有协议愿意参考的客户"),
    ("一般", "只订机票或酒店的客户"),
    ("一般", "是目标对象,但勉强接受"),
    ("一般", "接线者转送,但能问到是否出差和消费能力"),
    ("一般", "出差少消费高"),
    ("一般", "出差多消费低"),
    ("一般", "出差少但会经常旅游"),
    ("勉强", "问不到消费标准或消费能力"),
    ("勉强", "客户说寄过来再说"),
    ("勉强", "很少出差,但偶尔有旅游机会"),
]


def test_grading_declares_the_brief_rules_in_order(script):
    grading = script.grading
    assert grading.grades == ("好", "一般", "勉强")
    assert [c.name for c in grading.conditions] == ["travel_or_host", "booking_match", "hotel_2star"]
    assert len(grading.exclusions) == 1
    assert [(r.grade, r.label) for r in grading.rules] == BRIEF_RULES


# Minimal facts that reach each rule (hotel_star known unless the rule is about it being unknown).
RULE_FACTS = [
    ({"travel": "often", "accepts": "yes", "hotel_star": 3}, 1),
    ({"hosts_clients": True, "accepts": "yes", "hotel_star": 5}, 1),
    ({"is_member": True, "refers_friends": True}, 2),
    ({"booked_on_call": True, "hotel_star": 1}, 3),
    ({"other_center_member": True, "accepts": "yes", "hotel_star": 2}, 4),
    ({"booking_method": "agreement", "accepts": "yes", "hotel_star": 2}, 5),
    ({"needs": "hotel_only", "hotel_star": 2}, 6),
    ({"needs": "flight_only"}, 6),
    ({"accepts": "reluctant", "hotel_star": 2}, 7),
    ({"via_receptionist": True, "travel": "never", "hotel_star": 2}, 8),
    ({"travel": "rarely", "hotel_star": 3}, 9),
    ({"travel": "often", "hotel_star": 2, "accepts": "yes"}, 10),
    ({"travel": "rarely", "leisure_travel": "often", "hotel_star": 2}, 11),
    ({"travel": "often"}, 12),
    ({"accepts": "later", "hotel_star": 4}, 13),
    ({"travel": "never", "leisure_travel": "sometimes", "hotel_star": 2}, 14),
    ({"travel": "rarely", "leisure_travel": "sometimes", "hotel_star": 2}, 14),
]


@pytest.mark.parametrize("facts,index", RULE_FACTS)
def test_each_rule_matches_first_where_the_brief_says(script, facts, index):
    result = script.grading.evaluate(facts)
    assert (result.grade, result.rule_label) == BRIEF_RULES[index - 1]


def test_exclusion_and_its_member_exception(script):
    refused = script.grading.evaluate({"travel": "often", "accepts": "no", "hotel_star": 5, "booked_on_call": True})
    assert refused.grade is None and refused.excluded_by
    member = script.grading.evaluate({"accepts": "no", "is_member": True, "refers_friends": True})
    assert (member.grade, member.rule_label) == ("好", "是会员乐意推荐")
    # No rule at all: a never-traveller with a known star who accepted.
    assert script.grading.evaluate({"travel": "never", "hotel_star": 3, "accepts": "yes"}).grade is None


def test_conditions_are_three_valued(script):
    result = script.grading.evaluate({"travel": "rarely", "hotel_star": 2})
    assert result.conditions == {"travel_or_host": None, "booking_match": None, "hotel_2star": True}
    assert not result.qualified
    result = script.grading.evaluate({"travel": "rarely", "hosts_clients": False, "books_self": True, "hotel_star": 1})
    assert result.conditions == {"travel_or_host": False, "booking_match": True, "hotel_2star": False}


# ── 开场白 ──────────────────────────────────────────────────────────────────


def test_opening_says_company_before_own_name_and_confirms_the_contact(script):
    session = CallSession(script, VARIABLES)
    first = session.lines()[0]
    assert first.index("携程旅行网") < first.index("我姓王")
    assert "请问行政部**张伟**先生/小姐在吗?" in session.lines()[1]  # no department: the title
    session.choose("1")
    assert session.node_id == "convenient"
    assert "您现在方便讲电话吗" in "".join(session.lines())


def test_opening_asks_for_the_contact_by_department(script):
    # the seed: 「请问XX部的XXX先生/小姐在吗?」
    session = CallSession(script, {**VARIABLES, "contact_title": "经理", "contact_department": "市场部"})
    assert session.lines()[1] == "请问市场部的**张伟**先生/小姐在吗?"
    bare = CallSession(script, {"agent_name": "王小明", "contact_name": "张伟"})
    assert bare.lines()[1] == "请问**张伟**先生/小姐在吗?"  # neither: no 〔部门〕 placeholder


def test_two_character_surnames_are_greeted_whole(script):
    session = CallSession(script, {"agent_name": "司马相如", "contact_name": "诸葛明"})
    assert "我姓司马。" in session.lines()[0]
    session = walk(script, OFTEN, {"agent_name": "司马相如", "contact_name": "诸葛明"})
    assert session.node_id == "ask_booking_method"
    assert session.lines()[0].startswith("那太好了,诸葛先生/小姐")


@pytest.mark.parametrize(
    "key,outcome",
    [("3", "no_answer"), ("4", "busy"), ("5", "invalid_number")],
)
def test_unreached_endings_from_the_first_node(script, key, outcome):
    session = ended(script, [key], outcome)
    assert session.path == ["opening", f"bye_{outcome}"]
    assert session.facts == {"reached": False}


def test_callback_path(script):
    session = ended(script, ["1", "2", "1"], "callback")
    assert session.path == ["opening", "convenient", "ask_callback_time", "bye_callback"]
    assert session.facts == {"reached": True, "via_receptionist": False}


def test_mobile_offers_landline_then_calls_back(script):
    session = ended(script, ["1", "3", "1"], "callback")
    assert session.path[-2:] == ["landline", "bye_callback"]
    # No landline: carry on on the mobile.
    session = walk(script, ["1", "3", "2"])
    assert session.node_id == "ask_travel"


def test_not_convenient_and_no_callback_is_a_refusal(script):
    session = ended(script, ["1", "2", "2"], "refused")
    assert session.path[-1] == "bye_refused" and session.facts["reached"] is True


# ── 前台 ────────────────────────────────────────────────────────────────────


def test_receptionist_transfers_to_the_booker(script):
    # 前台 → 说了负责预定的同事 (李娜, 市场部) → 转接成功 → 方便 → 经常出差 → 酒店机票都自己订
    # → 没有接待 → 会 → B4 → 好 → 二星 → 愿意接受 → 地址
    answers = ["2", "1", {"enter": "李娜"}, {"enter": "市场部"}, "1", "1", "1", "1", "2", "1", "4", "1"]
    answers += [{"enter": "2"}, "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert session.path[:6] == [
        "opening",
        "receptionist",
        "booker_name",
        "booker_department",
        "booker_transfer",
        "convenient",
    ]
    facts = session.facts
    assert facts["via_receptionist"] is True and facts["reached"] is True
    assert facts["contact_name"] == "李娜" and facts["contact_department"] == "市场部"
    assert facts["travel"] == "often" and facts["hotel_star"] == 2
    assert_grade(session, "一般", "接线者转送,但能问到是否出差和消费能力")
    assert session.grade().qualified


def test_receptionist_names_the_booker_and_the_script_greets_them(script):
    """At 前台 the agent notes the colleague who books; every line after greets that colleague."""
    session = walk(script, ["2", "1", {"enter": "欧阳娜娜"}])
    assert session.node_id == "booker_department"
    assert session.lines()[0] == "请问欧阳娜娜是**哪个部门**的呢?"
    session.enter("市场部")
    assert "转接**一下市场部的欧阳娜娜先生/小姐" in session.lines()[0]
    session.choose("1")  # 转接成功
    assert session.node_id == "convenient"
    greeting = "".join(session.lines())
    assert greeting.startswith("欧阳娜娜先生/小姐,您好!") and "张伟" not in greeting
    for key in ("1", "1", "1", "2", "1"):  # 方便 → 经常出差 → 都自己订 → 没有接待 → 会
        session.choose(key)
    assert session.node_id == "ask_booking_method"
    assert session.lines()[0].startswith("那太好了,欧阳先生/小姐")  # 复姓: 欧阳, not 欧


def test_receptionist_asks_for_a_callback(script):
    session = ended(script, ["2", "3", "1"], "callback")
    assert session.facts == {"reached": False, "via_receptionist": True}


def test_receptionist_is_the_booker(script):
    session = walk(script, ["2", "2"])
    assert session.node_id == "receptionist_name"
    session.enter("王芳")
    assert session.node_id == "ask_travel"
    assert session.facts["via_receptionist"] is True and session.facts["reached"] is True
    for key in ("1", "1", "2", "1"):
        session.choose(key)
    assert session.lines()[0].startswith("那太好了,王先生/小姐")


def test_a_named_booker_without_department_drops_the_leads_title(script):
    # the lead's title (行政部) belongs to 张伟, not to the colleague the receptionist named
    session = walk(script, ["2", "1", {"enter": "赵敏"}, "skip"])
    assert session.node_id == "booker_transfer"
    assert "转接**一下赵敏先生/小姐" in session.lines()[0]


# ── B1 其它订房中心 ─────────────────────────────────────────────────────────


def test_b1_other_center_member_not_tried_us(script):
    # B1 → 艺龙 → 没用过携程,是艺龙的会员 → 好 → 二星 → 愿意接受 → 地址
    answers = OFTEN + ["1", {"enter": "艺龙"}, "2", "1", {"enter": "2"}, "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert session.path[-8:] == [
        "b1_which",
        "b1_tried",
        "b1_not_tried",
        "ask_star",
        "ask_accept",
        "ask_address",
        "confirm_address",
        "closing",
    ]
    facts = session.facts
    assert facts["booking_method"] == "other_center"
    assert facts["other_center_name"] == "艺龙"
    assert facts["other_center_member"] is True
    assert facts["accepts"] == "yes" and facts["hotel_star"] == 2
    assert facts["address"] == ADDR
    assert_grade(session, "好", "是其它订房中心的会员,愿意接受我司服务")
    assert session.grade().qualified


def test_b1_line_names_the_other_center(script):
    session = walk(script, OFTEN + ["1", {"enter": "艺龙"}])
    assert session.node_id == "b1_tried"
    assert session.lines()[0].startswith("艺龙是一个非常不错的订房中心")
    assert ("2", "没有用过携程,是艺龙的会员") in session.option_labels()


def test_b1_used_us_and_refers_friends(script):
    answers = OFTEN + ["1", {"enter": "艺龙"}, "3", "1", "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert "b1_referral" in session.path
    assert session.facts["is_member"] is True and session.facts["refers_friends"] is True
    assert_grade(session, "好", "是会员乐意推荐")


def test_b1_not_tried_and_refuses(script):
    session = ended(script, OFTEN + ["1", {"enter": "艺龙"}, "1", "2"], "refused")
    assert session.facts["accepts"] == "no"
    result = session.grade()
    assert result.grade is None and result.excluded_by


# ── B2 协议酒店/办事处/固定接待 ─────────────────────────────────────────────


def test_b2_agreement_with_uncovered_cities(script):
    # 公司安排 → B2 → 有些城市需要自己安排住宿 → 二星 → 愿意接受
    answers = OFTEN_COMPANY_BOOKS + ["2", "1", {"enter": "2"}, "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    facts = session.facts
    assert facts["booking_method"] == "agreement"
    assert facts["books_self"] is True  # uncovered cities: they book those themselves
    assert_grade(session, "一般", "有协议愿意参考的客户")
    assert session.grade().qualified


def test_b2_flights_only(script):
    # B2 → 都有协议 → 有订机票的需求 → 寄过来再说
    answers = OFTEN_COMPANY_BOOKS + ["2", "2", "1", "3"] + ADDRESS
    session = ended(script, answers, "mailed")
    facts = session.facts
    assert facts["books_self"] is False and facts["needs"] == "flight_only" and facts["accepts"] == "later"
    assert_grade(session, "一般", "只订机票或酒店的客户")
    assert session.grade().conditions["booking_match"] is False
    assert not session.grade().qualified


def test_b2_no_need_at_all_thanks_and_ends(script):
    session = ended(script, OFTEN_COMPANY_BOOKS + ["2", "2", "2"], "not_qualified")
    assert session.facts["needs"] == "none"


# ── B3 去到目的地再找酒店 ───────────────────────────────────────────────────


def test_b3_on_arrival_hosts_clients(script):
    # 不经常出差 → 有接待客户 → 会 → B3 → 报销 → 300-500元 → 三星 → 愿意接受
    answers = OPEN + ["2", "1", "1", "3", "1", {"enter": "300-500元"}, {"enter": "3"}, "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    facts = session.facts
    assert "travel" not in facts
    assert facts["hosts_clients"] is True
    assert facts["booking_method"] == "on_arrival" and facts["books_self"] is True
    assert facts["expense"] == "reimbursed" and facts["price_range"] == "300-500元"
    assert_grade(session, "好", "出差或接待机会多,愿意接受,消费能力在三星以上")
    assert session.grade().qualified


def test_b3_does_not_fit_thanks_and_ends(script):
    # B3 → 自费 → 100元以下 → 一星 → 不符合条件,感谢道别
    answers = OFTEN + ["3", "2", {"enter": "100元以下"}, {"enter": "1"}, "6"]
    session = ended(script, answers, "not_qualified")
    assert session.facts["expense"] == "self_paid"
    assert_grade(session, "一般", "出差多消费低")
    assert session.grade().conditions["hotel_2star"] is False


# ── B4 没有固定的方法 ───────────────────────────────────────────────────────


def test_b4_ad_hoc_reluctant(script):
    answers = OFTEN + ["4", "1", {"enter": "4"}, "2"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert session.facts["booking_method"] == "ad_hoc" and session.facts["accepts"] == "reluctant"
    assert_grade(session, "一般", "是目标对象,但勉强接受")


def test_b4_books_on_the_call(script):
    # 星级问不到 → 价位 500元左右 → 当场预订
    answers = OFTEN + ["4", "1", "skip", {"enter": "500元左右"}, "4"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert "hotel_star" not in session.facts
    assert session.facts["price_range"] == "500元左右" and session.facts["booked_on_call"] is True
    assert_grade(session, "好", "当场预订的客户")


def test_b4_refuses(script):
    session = ended(script, OFTEN + ["4", "2"], "refused")
    assert session.grade().grade is None


def test_hotel_star_unknown(script):
    answers = OFTEN + ["4", "1", "skip", "skip", "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert_grade(session, "勉强", "问不到消费标准或消费能力")


def test_hotel_star_input_is_checked(script):
    from callscript.script.session import InputRefused

    session = walk(script, OFTEN + ["4", "1"])
    assert session.node_id == "ask_star"
    for bad in ("6", "0", "六星", "很多"):  # (三 and 三星 are 3: agents type stars that way)
        with pytest.raises(InputRefused):
            session.enter(bad)
    assert session.node_id == "ask_star"


# ── 已是会员 ────────────────────────────────────────────────────────────────


def test_member_no_service_gap_refers_friends(script):
    # 经常出差? 已经是携程会员 → 暂时没有 → 卡在 → 有使用 → 有朋友需要 → 地址
    answers = OPEN + ["3", "1", "1", "1", "1"] + ADDRESS
    session = ended(script, answers, "member_care")
    assert session.path[-7:] == [
        "member_service",
        "member_card",
        "member_used",
        "member_refer",
        "member_address",
        "member_confirm_address",
        "member_closing",
    ]
    facts = session.facts
    assert facts["is_member"] is True and facts["booking_method"] == "member"
    assert facts["refers_friends"] is True and facts["complaint"] is False
    assert_grade(session, "好", "是会员乐意推荐")


def test_member_lost_card_not_used_gets_a_new_card(script):
    # 介绍公司: 已经是会员 → 暂时没有 → 卡丢了 (地址, 核对) → 没有使用 → 有潜力 → 不推荐,补寄新卡
    answers = OPEN + ["1", "1", "2", "3", "1", "2"] + ADDRESS + ["2", "1", "3"] + ADDRESS
    session = ended(script, answers, "member_care")
    assert "member_why" in session.path
    facts = session.facts
    assert facts["new_card"] is True and facts["refers_friends"] is False
    assert facts["address"] == ADDR


def _member_paths_from_lost_card(script):
    """Every way on from 「丢失了(寄新卡)」 to an ending, each answered the first way offered
    (inputs get the address), so no path that says 寄新卡 is left out."""
    start = walk(script, OPEN + ["3", "1", "2"])
    assert start.node_id == "member_new_card_address"
    paths = []
    stack = [[]]
    while stack:
        answers = stack.pop()
        session = walk(script, OPEN + ["3", "1", "2"] + answers)
        if session.finished:
            paths.append((answers, session))
            continue
        node = session.node
        if node.input is not None:
            stack.append([*answers, {"enter": ADDR}])
        else:
            for option in node.options:
                if answers.count(option.key) < 4:  # loops (核对地址 → 重新询问) once round
                    stack.append([*answers, option.key])
    return paths


def test_every_path_that_says_new_card_mails_it(script):
    """A member whose card was lost gets a new card mailed — the address asked and read back —
    on every path that says 寄新卡 and ends as member care (refusing later is refusing)."""
    paths = _member_paths_from_lost_card(script)
    assert len(paths) > 10
    for answers, session in paths:
        if session.outcome == "refused":
            continue
        assert session.outcome == "member_care", answers
        assert session.facts.get("address") == ADDR and session.facts.get("new_card") is True, answers
        assert "member_new_card_confirm" in session.path  # read back
    # and any option that says 寄新卡 leads to the address
    for node in script.nodes.values():
        for option in node.options:
            if "寄新卡" in option.label.source:
                assert script.nodes[option.next].input is not None, (node.id, option.key)
                assert script.nodes[option.next].input.fact.name == "address"


DECLINE_EXEMPT = {
    "opening",  # nobody on the line yet
    "confirm_address",  # read-backs: the prospect has agreed to the mailing already
    "member_confirm_address",
    "member_new_card_confirm",
}


def test_every_node_where_the_prospect_can_decline_has_a_decline_key(script):
    """No Ctrl+E needed to record a refusal: the last key of every options node where the
    prospect answers ends the call as refused (with accepts = no)."""
    for node in script.nodes.values():
        if node.kind != "options" or node.id in DECLINE_EXEMPT:
            continue
        refusals = [o for o in node.options if script.nodes[o.next].end == "refused"]
        assert refusals, f"{node.id} has no decline key"
        # last, but for the agent's own judgement (不符合条件,感谢道别) after it at 是否接受
        after = node.options[node.options.index(refusals[-1]) + 1 :]
        assert all(script.nodes[o.next].end == "not_qualified" for o in after), node.id
        assert ("accepts", "no") in refusals[-1].sets, node.id


def test_member_not_used_no_potential_thanks(script):
    session = ended(script, OPEN + ["3", "1", "1", "2", "2"], "member_care")
    assert session.path[-1] == "member_bye"


def test_member_complaint_then_refers_friends(script):
    # 确实有做得不好的地方 → 客户能接受 → 卡有保留 → 有朋友需要
    answers = OPEN + ["3", "2", "1", "1", "1"] + ADDRESS
    session = ended(script, answers, "member_care")
    assert session.path[3:7] == ["member_service", "member_complaint", "member_card_kept", "member_refer"]
    assert session.facts["complaint"] is True
    assert_grade(session, "好", "是会员乐意推荐")


def test_member_complaint_card_not_kept_gets_a_new_card(script):
    session = ended(script, OPEN + ["3", "2", "1", "2"] + ADDRESS, "member_care")
    assert session.facts["new_card"] is True and "member_refer" not in session.path


def test_member_via_booking_question(script):
    session = walk(script, OFTEN + ["5"])
    assert session.node_id == "member_service"
    assert session.facts["booking_method"] == "member"


# ── 出差频率 ────────────────────────────────────────────────────────────────


def test_rarely_books_self_spends_high(script):
    # 一年就一两次 → 有自己订的需求 → 好,经常外出旅游 → 四星 → 愿意接受
    answers = NOT_OFTEN + ["2", "1", "2", {"enter": "4"}, "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert session.path[5:8] == ["ask_frequency", "freq_rarely", "freq_rarely_card"]
    facts = session.facts
    assert facts["travel"] == "rarely" and facts["books_self"] is True and facts["leisure_travel"] == "often"
    assert_grade(session, "一般", "出差少消费高")
    assert session.grade().conditions["travel_or_host"] is False


def test_rarely_but_travels_for_leisure(script):
    answers = NOT_OFTEN + ["2", "1", "2", "skip", "skip", "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert_grade(session, "一般", "出差少但会经常旅游")


def test_rarely_no_own_need_friends_need(script):
    # 一年就一两次 → 没有 → 家人朋友同事有需求 → 寄资料
    answers = NOT_OFTEN + ["2", "2", "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert "freq_friends" in session.path
    assert session.facts["books_self"] is False and session.facts["refers_friends"] is True
    assert_grade(session, "勉强", "问不到消费标准或消费能力")


def test_hardly_travels_sometimes_on_holiday(script):
    # 几乎不出差 → 偶尔有旅游机会 → 三星 → 愿意接受
    answers = NOT_OFTEN + ["3", "2", {"enter": "3"}, "1"] + ADDRESS
    session = ended(script, answers, "mailed")
    assert session.facts["travel"] == "never" and session.facts["leisure_travel"] == "sometimes"
    assert_grade(session, "勉强", "很少出差,但偶尔有旅游机会")


def test_hardly_travels_no_one_needs_it(script):
    session = ended(script, NOT_OFTEN + ["3", "3", "2"], "not_qualified")
    assert session.facts["leisure_travel"] == "never" and session.facts["refers_friends"] is False


def test_frequency_often_goes_to_booking_method(script):
    session = walk(script, NOT_OFTEN + ["1"])
    assert session.node_id == "ask_booking_method" and session.facts["travel"] == "often"


# ── 地址 · 结束语 ───────────────────────────────────────────────────────────


def test_address_is_read_back_and_can_be_corrected(script):
    session = walk(script, OFTEN + ["4", "1", {"enter": "3"}, "1", {"enter": "天河路1号"}])
    assert session.node_id == "confirm_address"
    assert "**天河路1号**" in session.lines()[0]
    session.choose("2")  # 地址有误,重新询问
    session.enter(ADDR)
    assert ADDR in session.lines()[0]
    session.choose("1")
    assert session.outcome == "mailed" and session.facts["address"] == ADDR
    assert "800免费电话" in "".join(session.lines())


def test_back_restores_facts(script):
    session = walk(script, OFTEN + ["3", "1"])
    assert session.facts["expense"] == "reimbursed"
    session.back()
    assert session.node_id == "b3_on_arrival" and "expense" not in session.facts


# ── dead ends where nothing about the prospect was learned ─────────────────
# A person reading the seed gives no grade to a call that never reached anyone
# or ended before qualifying, but the BRIEF's catch-all rule 12 (`hotel_star`
# unknown → 勉强) matches every such call. Reported to the lead; when grading
# (or the session/storage) stops grading these calls, drop the xfail marker.

NOT_REACHED = [
    pytest.param(["3"], "no_answer", id="no_answer"),
    pytest.param(["4"], "busy", id="busy"),
    pytest.param(["5"], "invalid_number", id="invalid_number"),
]


@pytest.mark.parametrize("answers,outcome", NOT_REACHED)
def test_calls_that_reached_nobody_get_no_grade(script, answers, outcome):
    # Nobody was talked to, so "hotel_star unknown → 勉强" must not class this call.
    session = ended(script, answers, outcome)
    result = session.grade()
    assert (result.grade, result.rule_label, result.qualified, result.final) == (None, None, False, True)
    session.back()
    # back at 开场白: nothing is shown before the contact is reached (v2: no 勉强 at 开场白)
    result = session.grade()
    assert (result.grade, result.provisional, result.final) == (None, False, False)


def test_provisional_grade_from_the_moment_the_contact_is_reached(script):
    session = CallSession(script, VARIABLES)
    assert session.grade().grade is None and not session.grade().provisional
    session.choose("1")  # 本人接听: reached
    result = session.grade()
    assert (result.grade, result.provisional, result.final) == ("勉强", True, False)
    session.choose("1")
    session.choose("1")  # 经常出差
    assert session.grade().provisional


def test_callback_keeps_no_final_grade(script):
    session = ended(script, ["1", "2", "1"], "callback")
    result = session.grade()
    assert (result.grade, result.provisional, result.final) == ("勉强", True, False)


def test_refused_from_the_end_menu_sets_accepts_no_and_has_no_grade(script):
    # 经常出差, 都自己订, 有接待, 会, B4, 好, 四星 — then the agent ends the call: 拒绝 (Ctrl+E)
    session = walk(script, OFTEN + ["4", "1", {"enter": "4"}])
    assert session.grade().grade == "勉强" or session.grade().provisional
    session.end("refused")
    assert session.facts["accepts"] == "no"
    result = session.grade()
    assert (result.grade, result.final) == (None, True)
    session.back()
    assert "accepts" not in session.facts  # undoing the ending undoes what it settled


# Reached but ended before the needs were learned: the BRIEF's rule 12 (star and price
# unknown → 勉强, 问不到消费标准) still classes them; that is the contract as written.
DEAD_ENDS = [
    pytest.param(OFTEN_COMPANY_BOOKS + ["2", "2", "2"], "not_qualified", id="b2_no_need"),
    pytest.param(NOT_OFTEN + ["3", "3", "2"], "not_qualified", id="never_no_need"),
]


def test_receptionist_who_says_nobody_travels_gives_no_grade(script):
    session = ended(script, ["2", "4"], "not_qualified")
    result = session.grade()
    assert (result.grade, result.final) == (None, True)


def test_no_callback_wanted_is_a_refusal_without_grade(script):
    session = ended(script, ["1", "2", "2"], "refused")
    assert session.facts["accepts"] == "no"
    assert_grade(session, None)


@pytest.mark.parametrize("answers,outcome", DEAD_ENDS)
def test_reached_dead_ends_follow_the_brief_rules(script, answers, outcome):
    session = ended(script, answers, outcome)
    assert_grade(session, "勉强", "问不到消费标准或消费能力")


# ── the example answers files in scripts/answers/ ─────────────────────────


def answer_files():
    return sorted(ANSWERS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", answer_files(), ids=lambda p: p.stem)
def test_example_answers_replay(script, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    session = walk(script, data["answers"])
    expect = data["expect"]
    assert session.outcome == expect["outcome"]
    if "grade" in expect:
        result = session.grade()
        assert (result.grade, result.rule_label) == (expect["grade"], expect.get("rule"))
