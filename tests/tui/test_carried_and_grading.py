"""The call screen with grading v2 and carried facts (Pilot): nothing graded before the
contact is reached, 暂定 while the call runs, facts from earlier calls shown apart with
the call they came from and confirmed with Enter, the follow-up script for a lead already
mailed, no 「等对方先挂断电话」 when nobody picked up, a refusal from the end menu ungraded."""

from __future__ import annotations

from datetime import timedelta

from callscript.script.loader import load_script
from callscript.storage import Store
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.summary import SummaryScreen
from tui.conftest import ROOT, T0, seed_leads
from tui.helpers import all_saved, call_screen, keys, region_flat, script_flat, settle

FOLLOWUP = ROOT / "scripts" / "ctrip-followup.yaml"
YESTERDAY = T0 - timedelta(days=1)
# what yesterday's call on the first lead learned before the contact asked to be called back
LEARNED = {
    "reached": True,
    "via_receptionist": False,
    "travel": "often",
    "books_self": True,
    "needs": "both",
    "hotel_star": 4,
}


def earlier_call(db_path, clock, ctrip_script, outcome: str, **finish) -> None:
    with Store.open(db_path, clock=clock) as store:
        sid = store.store_script_version(ctrip_script)
        store.claim_lead(1, "张三", now=YESTERDAY)
        call_id = store.start_call(1, "张三", sid, {}, now=YESTERDAY)
        store.finish_call(call_id, outcome, LEARNED, now=YESTERDAY + timedelta(minutes=5), **finish)


async def first_call(pilot):
    await settle(pilot)
    assert isinstance(pilot.app.screen, LeadListScreen)
    await keys(pilot, "enter")
    return call_screen(pilot.app)


async def test_nothing_graded_before_the_contact_is_reached_then_provisional(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await first_call(pilot)
        side = region_flat(app, "#side")
        assert "评级暂无" in side and "勉强" not in side  # no 勉强 at 开场白
        await keys(pilot, "1")  # 本人接听: reached
        side = region_flat(app, "#side")
        assert "评级勉强暂定" in side and "规则12" in side
        assert screen.session.grade().provisional


async def test_a_callback_call_starts_knowing_what_the_first_call_learned(
    make_app, seeded, db_path, clock, ctrip_script
):
    earlier_call(db_path, clock, ctrip_script, "callback", callback_due=T0 - timedelta(minutes=30))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await first_call(pilot)
        assert screen.info.lead.id == 1
        side = region_flat(app, "#side")
        assert "之前通话已知" in side
        assert "酒店星级:4(来自11-24的通话)" in side and "出差频率:经常出差(来自11-24的通话)" in side
        assert "联系人接听" not in side  # who answered yesterday is not carried
        await keys(pilot, "1", "1")  # 本人接听 → 方便 → 是否出差
        assert screen.session.node_id == "ask_travel"
        assert "Enter确认(已知:经常出差·来自11-24的通话)" in script_flat(app, "answers")
        await keys(pilot, "enter")  # confirmed with one key
        assert screen.session.node_id == "ask_books_self"
        assert "出差频率:经常出差(来自" not in region_flat(app, "#side")  # confirmed: now learned on this call
        await keys(pilot, "enter")  # 酒店和机票都自己订, as known
        assert screen.session.node_id == "ask_hosts"
        assert "Enter确认" not in script_flat(app, "answers")  # never learned: asked as usual
        await keys(pilot, "1", "1", "4", "1")  # 有接待 → 会 → B4 → 好
        assert screen.session.node_id == "ask_star"
        assert "确认(已知:4·来自11-24的通话)" in script_flat(app, "answers")
        await keys(pilot, "enter")  # the box holds the known 4: Enter keeps it
        assert screen.session.node_id == "ask_accept" and screen.session.facts["hotel_star"] == 4
        await keys(pilot, "1", "text:上海市长宁区金钟路968号", "enter", "1")
        assert screen.session.outcome == "mailed"
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
    with Store.open(db_path, clock=clock) as store:
        later = store.list_calls(lead_id=1)[-1]
        assert later.carried["hotel_star"]["value"] == 4
        assert (later.grade, later.grade_rule_index) == ("好", 1)  # from the facts as they stand at its end
        assert later.facts["travel"] == "often" and later.facts["hotel_star"] == 4


async def test_a_correction_shows_what_it_replaced(make_app, seeded, db_path, clock, ctrip_script):
    earlier_call(db_path, clock, ctrip_script, "callback", callback_due=T0 - timedelta(minutes=30))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await first_call(pilot)
        await keys(pilot, "1", "1", "enter", "4")  # … 不用,由公司/同事安排: books_self corrected
        assert screen.session.facts["books_self"] is False
        assert "自己预订酒店机票:否(原是)" in region_flat(app, "#side")


async def test_a_lead_already_mailed_gets_the_follow_up_script(make_app, seeded, db_path, clock, ctrip_script):
    earlier_call(db_path, clock, ctrip_script, "mailed", address="深圳市南山区")
    followup = load_script(FOLLOWUP)
    app = make_app(followup_script=followup)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.open_call(1)
        await settle(pilot)
        screen = call_screen(app)
        assert screen.session.script is followup and screen.info.kind == "maintenance"
        assert "客户维护·回访" in region_flat(app, "#side")
        await keys(pilot, "1", "1")  # 本人接听 → 方便
        assert screen.session.node_id == "ask_received"  # 确认客户是否收到资料
        assert "收到" in script_flat(app, "say")
    # a lead never mailed still gets the main script
    app = make_app(followup_script=followup)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.open_call(2)
        await settle(pilot)
        screen = call_screen(app)
        assert screen.session.script.name == "ctrip" and screen.info.kind == "development"


async def test_no_hang_up_line_when_nobody_picked_up(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await first_call(pilot)
        await keys(pilot, "3")  # 无人接听
        assert screen.session.outcome == "no_answer"
        assert "挂断" not in script_flat(app, "answers") and "挂断" not in script_flat(app, "say")
        await keys(pilot, "backspace", "4")  # 占线
        assert screen.session.outcome == "busy"
        assert "挂断" not in script_flat(app, "answers")
        await keys(pilot, "backspace", "5")  # 空号/错号: someone answered ("打错了")
        assert "等对方先挂断电话" in script_flat(app, "answers")


async def test_a_refusal_from_the_end_menu_has_no_grade(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await first_call(pilot)
        await keys(pilot, "1", "1", "1", "1", "1", "1", "4", "1", "text:4", "enter")  # … 四星
        assert screen.session.node_id == "ask_accept"
        await keys(pilot, "ctrl+e", "5")  # 结束: 拒绝
        assert screen.session.outcome == "refused"
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
    with Store.open(db_path, clock=clock) as store:
        [call] = store.list_calls()
        assert (call.outcome, call.grade, call.facts["accepts"]) == ("refused", None, "no")


async def test_the_opening_asks_by_department_and_says_a_compound_surname(make_app, db_path, clock):
    seed_leads(
        db_path,
        clock,
        [
            dict(
                company="广州白云贸易有限公司", contact="诸葛明", title="经理", department="市场部", phone="13812345678"
            )
        ],
    )
    app = make_app(agent="欧阳娜娜")
    async with app.run_test(size=(100, 30)) as pilot:
        await first_call(pilot)
        say = script_flat(app, "say")
        assert "我姓欧阳。" in say  # 复姓: not 我姓欧
        assert "请问市场部的诸葛明先生/小姐在吗?" in say  # the seed's 「请问XX部的XXX先生/小姐在吗?」
