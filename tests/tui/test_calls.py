"""Whole calls through scripts/ctrip.yaml, by keys, checking the screen and the database."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest
from textual import events

from callscript.storage import Store
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.dialogs import CallbackDialog
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.summary import SummaryScreen
from tui.helpers import all_saved, call_screen, keys, region_flat, screen_text, script_flat, settle, squash


async def start_first_call(pilot) -> CallScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, LeadListScreen)
    await keys(pilot, "enter")
    return call_screen(pilot.app)


def db(db_path, clock) -> Store:
    return Store.open(db_path, clock=clock)


async def test_b1_call_ends_mailed_with_a_grade(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start_first_call(pilot)
        text = squash(screen_text(app))
        assert "我是携程旅行网电话销售部的,我姓张" in text  # agent surname filled, company first
        assert "深圳华强电子科技有限公司" in text  # contact card
        # 本人接听 → 方便 → 经常出差 → 酒店和机票都自己订 → 有接待客户 → 会 → B1
        await keys(pilot, "1", "1", "1", "1", "1", "1")
        assert screen.session.node_id == "ask_booking_method"
        assert "预订方式" in screen_text(app)
        await keys(pilot, "1")
        assert screen.session.node_id == "b1_which"
        await keys(pilot, "text:艺龙", "enter")
        assert "艺龙是一个非常不错的订房中心" in squash(screen_text(app))
        await keys(pilot, "2")  # 没有用过携程, 是艺龙的会员
        await keys(pilot, "1")  # 好 → 酒店星级
        assert screen.session.node_id == "ask_star"
        await keys(pilot, "text:4", "enter")
        assert "✓必须住二星或以上的酒店" in region_flat(app, "#side")
        await keys(pilot, "1")  # 愿意接受
        assert "评级好暂定规则1:出差或接待机会多" in region_flat(app, "#side")  # v2: 暂定 while the call runs
        assert screen.session.node_id == "ask_address"
        await keys(pilot, "text:深圳市南山区科技园南区1栋", "enter")
        assert screen.session.node_id == "confirm_address"
        assert "我跟您核对一下地址:深圳市南山区科技园南区1栋,对吗?" in squash(screen_text(app))
        await keys(pilot, "1")  # 地址无误 → 结束语
        assert screen.session.finished and screen.session.outcome == "mailed"
        end = squash(screen_text(app))
        assert "800免费电话" in end and "等对方挂断电话" in end
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        summary = squash(screen_text(app))
        assert "寄资料" in summary and "好" in summary and "规则1" in summary
        assert "深圳市南山区科技园南区1栋" in summary
        assert "12-02(周二)–12-05(周五)" in summary.replace(" ", "")
        grade = screen.session.grade()
        assert grade.grade == "好" and grade.qualified

    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "mailed" and call.grade == "好" and call.grade_rule_index == 1
        assert call.qualified is True
        assert call.facts["other_center_name"] == "艺龙" and call.facts["hotel_star"] == 4
        assert call.conditions == {"travel_or_host": True, "booking_match": True, "hotel_2star": True}
        events = store.call_events(call.id)
        assert (events[-1].kind, events[-1].node, events[-1].value) == ("choose", "confirm_address", "1")
        assert [(e.kind, e.node, e.value) for e in events][:2] == [
            ("choose", "opening", "1"),
            ("choose", "convenient", "1"),
        ]
        assert ("enter", "ask_star", "4") in [(e.kind, e.node, e.value) for e in events]
        [mailing] = store.mailings()
        assert mailing.address == "深圳市南山区科技园南区1栋"
        assert mailing.follow_up_from == date(2025, 12, 2) and mailing.follow_up_by == date(2025, 12, 5)
        assert store.get_lead(call.lead_id).status == "mailed"


async def test_b2_no_need_ends_not_qualified(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1", "1", "4", "2", "1")  # 经常出差, 公司安排, 不接待, 会
        await keys(pilot, "2")  # B2 协议酒店
        assert screen.session.node_id == "b2_agreement"
        await keys(pilot, "2")  # 没有, 都有协议/接待
        await keys(pilot, "2")  # 完全没有 (机票)
        assert screen.session.outcome == "not_qualified"
        assert "不符合" in screen_text(app)
        conditions = screen.session.grade().conditions
        assert conditions["booking_match"] is False and conditions["hotel_2star"] is None
        await all_saved(pilot)
        await keys(pilot, "enter")
        summary = squash(screen_text(app))
        assert "不符合,致谢道别" in summary
        assert "✗预定的方式必须与我司配匹" in summary.replace(" ", "")
        assert "不是准客户" in summary

    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "not_qualified" and call.qualified is False
        assert call.facts["booking_method"] == "agreement" and call.facts["needs"] == "none"
        assert call.conditions["booking_match"] is False and call.conditions["hotel_2star"] is None
        assert store.get_lead(call.lead_id).status == "closed"


async def test_not_convenient_ends_callback_with_due_time(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "2")  # 本人 → 不方便
        assert screen.session.node_id == "ask_callback_time"
        await keys(pilot, "1")  # 约好了回电时间 → the time dialog opens by itself
        assert isinstance(app.screen, CallbackDialog)
        assert "今天下午" in screen_text(app)
        await keys(pilot, "text:明天 9:30")  # the box has the focus: typed straight in
        assert "→ 明天 09:30" in screen_text(app)
        await keys(pilot, "enter")
        assert app.screen is screen and screen.callback_due == datetime(2025, 11, 26, 9, 30).astimezone()
        assert "回电时间: 明天 09:30" in squash(screen_text(app))
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert "回电 明天 09:30" in screen_text(app)

    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "callback" and call.callback_due == datetime(2025, 11, 26, 9, 30).astimezone()
        [callback] = store.callbacks()
        assert callback.due_at == call.callback_due and callback.lead_id == call.lead_id
        lead = store.get_lead(call.lead_id)
        assert lead.status == "callback" and lead.next_call_at == call.callback_due


async def test_ctrl_b_ends_as_callback_with_a_quick_choice(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1")
        await keys(pilot, "ctrl+b")
        assert isinstance(app.screen, CallbackDialog)
        await keys(pilot, "1")  # 一小时后: shown, not booked yet
        assert isinstance(app.screen, CallbackDialog)
        assert "→ 一小时后 今天 11:00" in screen_text(app)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert "回电 今天 11:00" in screen_text(app)
        assert screen.session.outcome == "callback"
    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "callback" and call.callback_due == datetime(2025, 11, 25, 11, 0).astimezone()
        assert store.call_events(call.id)[-1].kind == "end"


async def test_receptionist_call(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "2")  # 前台接听
        assert screen.session.node_id == "receptionist"
        assert "一般酒店和机票是由哪位同事负责预定的呢" in squash(screen_text(app))
        await keys(pilot, "1")  # 说了负责预定的同事 → 同事姓名
        assert screen.session.node_id == "booker_name"
        await keys(pilot, "text:李娜", "enter", "text:市场部", "enter")  # the colleague who books
        assert "转接一下市场部的李娜先生/小姐" in script_flat(app, "say")
        await keys(pilot, "1")  # 转接成功 → 是否方便: the script greets 李娜, not the lead's contact
        assert screen.session.node_id == "convenient"
        assert "李娜先生/小姐,您好!" in script_flat(app, "say")
        assert screen.info.lead.contact not in script_flat(app, "say")
        await keys(pilot, "1", "2", "2", "2")  # 方便, 不经常出差, 不接待, 不经常出差
        assert screen.session.node_id == "ask_frequency"
        await keys(pilot, "2", "1", "1")  # 一年一两次, 有自己订, 好
        await keys(pilot, "text:3", "enter")  # 三星
        await keys(pilot, "3")  # 寄过来再说
        grade = screen.session.grade()
        # 好: none; 一般 rule 8: 接线者转送, 但能问到是否出差和消费能力 (before 出差少消费高)
        assert grade.grade == "一般" and grade.rule_index == 8
        assert "规则8" in screen_text(app)
        await keys(pilot, "text:广州市天河区体育西路1号", "enter", "1")
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert "一般" in screen_text(app)
    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "mailed" and call.grade == "一般" and call.grade_rule_index == 8
        assert call.facts["via_receptionist"] is True and call.facts["travel"] == "rarely"
        assert (call.facts["contact_name"], call.facts["contact_department"]) == ("李娜", "市场部")


async def test_member_call(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1", "3")  # 已经是携程会员
        assert screen.session.node_id == "member_service"
        await keys(pilot, "1", "1", "1")  # 暂时没有不到位, 卡还在, 有使用
        assert screen.session.node_id == "member_refer"
        await keys(pilot, "1")  # 有朋友/同事需要
        grade = screen.session.grade()
        assert grade.grade == "好" and grade.rule_label == "是会员乐意推荐"
        await keys(pilot, "text:佛山市顺德区大良街道", "enter")
        assert "我跟您核对一下地址:佛山市顺德区大良街道,对吗?" in squash(screen_text(app))
        await keys(pilot, "1")
        assert screen.session.outcome == "member_care"
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert "会员回访" in screen_text(app)
    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "member_care" and call.grade == "好"
        assert call.facts["is_member"] is True and call.facts["refers_friends"] is True


async def test_backspace_undoes_and_refills_typed_values(make_app, seeded, db_path, clock):
    app = make_app(back_guard=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1", "1", "1", "1", "1", "3", "1")  # … B3 报销 → 费用标准 (input)
        assert screen.session.node_id == "b3_price"
        await keys(pilot, "text:300元", "enter")
        assert screen.session.node_id == "ask_star"
        await keys(pilot, "backspace")  # options? no: ask_star is an input, empty → back
        assert screen.session.node_id == "b3_price"
        box = screen.query_one("#answer-input")
        assert box.value == "300元"  # the undone value is back in the box to correct
        await keys(pilot, "backspace")  # edits the text, does not go back
        assert box.value == "300" and screen.session.node_id == "b3_price"
        await keys(pilot, "text:-500元", "enter")
        assert screen.session.facts["price_range"] == "300-500元"
        await keys(pilot, "tab")  # skip 星级 (问不到星级)
        assert screen.session.node_id == "ask_price"
        await keys(pilot, "ctrl+a", "ctrl+k")  # (the box may be refilled; clear it)
        await keys(pilot, "backspace")
        assert screen.session.node_id == "ask_star"
        await all_saved(pilot)
    with db(db_path, clock) as store:
        [call] = store.list_calls(finished=False)
        kinds = [(e.kind, e.node, e.value) for e in store.call_events(call.id)]
        assert ("back", "ask_star", None) in kinds and ("skip", "ask_star", None) in kinds
        session = store.resume_call(call.id)
        assert session.node_id == "ask_star" and session.facts["price_range"] == "300-500元"


async def test_bad_input_is_refused_under_the_box(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1", "1", "1", "1", "1", "4", "1")  # B4 → 好 → 酒店星级
        assert screen.session.node_id == "ask_star"
        saved_before = len(screen.session.events)
        await keys(pilot, "text:7", "enter")
        assert screen.session.node_id == "ask_star" and len(screen.session.events) == saved_before
        assert "✗ 超出范围: 1–5" in screen_text(app)
        await keys(pilot, "backspace", "text:很多", "enter")
        assert "✗ 请输入整数" in screen_text(app)
        await keys(pilot, "backspace", "backspace", "text:3", "enter")
        assert screen.session.node_id == "ask_accept" and screen.session.facts["hotel_star"] == 3
        assert "超出范围" not in screen_text(app)


async def test_a_star_typed_in_chinese_is_taken(make_app, seeded):
    """四, 四星, 4星 are what agents type for a four-star hotel (issue 13, item 8)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        for typed in ("四", "四星", "4星"):
            await keys(pilot, "1", "1", "1", "1", "1", "1", "4", "1")  # B4 → 好 → 酒店星级
            assert screen.session.node_id == "ask_star"
            await keys(pilot, f"text:{typed}", "enter")
            assert screen.session.node_id == "ask_accept" and screen.session.facts["hotel_star"] == 4, typed
            assert "请输入整数" not in screen_text(app)
            while screen.session.can_go_back:  # back to the start for the next spelling
                screen.action_back()
            await settle(pilot)


async def test_notes_are_timestamped_and_flagged(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await start_first_call(pilot)
        await keys(pilot, "1")
        await keys(pilot, "ctrl+n", "text:!老板下周出差", "enter")
        clock.advance(minutes=2)
        await keys(pilot, "ctrl+n", "text:声音很小", "enter")
        text = screen_text(app)
        assert "10:00 ! 老板下周出差" in text and "10:02 声音很小" in text
        await all_saved(pilot)
    with db(db_path, clock) as store:
        [call] = store.list_calls(finished=False)
        notes = [e for e in store.call_events(call.id) if e.is_note]
        assert [(n.value, n.important, n.node) for n in notes] == [
            ("老板下周出差", True, "convenient"),
            ("声音很小", False, "convenient"),
        ]
        assert notes[1].at == datetime(2025, 11, 25, 10, 2).astimezone()


async def test_ctrl_e_ends_with_an_outcome(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_first_call(pilot)
        await keys(pilot, "ctrl+e")
        text = screen_text(app)
        for label in ("空号/错号", "无人接听", "占线", "约回电", "拒绝", "不符合,致谢道别", "寄资料", "会员回访"):
            assert label in text
        await keys(pilot, "2")  # 无人接听
        assert isinstance(app.screen, SummaryScreen)
        summary = squash(screen_text(app))
        assert "无人接听" in summary and "无效" in summary and "重拨今天11:00" in summary.replace(" ", "")
        assert "不计" in summary  # a call that did not reach the company is not graded
    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "no_answer"
        lead = store.get_lead(call.lead_id)
        assert lead.status == "retry"


async def test_enter_on_summary_starts_the_next_lead(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        first = await start_first_call(pilot)
        await keys(pilot, "5")  # 空号/错号
        assert first.session.outcome == "invalid_number"
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        await keys(pilot, "enter")
        second = call_screen(app)
        assert second is not first and second.info.lead.id != first.info.lead.id
        assert second.info.lead.company in screen_text(app)
        await keys(pilot, "escape")  # nothing answered: offer to give the lead back
        await keys(pilot, "enter")
        assert isinstance(app.screen, LeadListScreen)
    with db(db_path, clock) as store:
        calls = store.list_calls()
        assert [c.outcome for c in calls] == ["invalid_number"]  # the second call was discarded
        assert store.get_lead(calls[0].lead_id).status == "dead"


async def test_failed_write_is_shown_unsaved_and_retried(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        store = app.backend.store
        real = store.record_event
        failing = {"on": True}

        def flaky(*args, **kwargs):
            if failing["on"]:
                raise OSError("disk I/O error")
            return real(*args, **kwargs)

        store.record_event = flaky
        await keys(pilot, "1", "1")
        await pilot.pause(0.05)
        await settle(pilot)
        assert "未保存 2 步" in screen_text(app)
        assert screen.session.node_id == "ask_travel"  # the call goes on
        await keys(pilot, "enter")  # not at an ending: nothing happens
        failing["on"] = False
        await keys(pilot, "ctrl+r")
        await all_saved(pilot)
        assert "✓ 已保存" in screen_text(app)
        await keys(pilot, "1")
        await all_saved(pilot)
    with db(db_path, clock) as s:
        [call] = s.list_calls(finished=False)
        assert [(e.seq, e.node) for e in s.call_events(call.id)] == [
            (1, "opening"),
            (2, "convenient"),
            (3, "ask_travel"),
        ]


async def test_an_unreachable_database_server_is_said_at_once_and_the_call_goes_on(make_app, seeded, db_path, clock):
    """PostgreSQL down (issue 18): the agent is told at once — the save mark and a notice in
    their words — the answers wait in order, and once the server is back they are saved by
    the automatic retry, no key needed."""
    from callscript.storage import ErrorCode, StorageError

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await start_first_call(pilot)
        store = app.backend.store
        real = store.record_event
        down = {"on": True}

        def unreachable(*args, **kwargs):
            if down["on"]:
                raise StorageError("the database server cannot be reached", code=ErrorCode.DATABASE_UNREACHABLE)
            return real(*args, **kwargs)

        store.record_event = unreachable
        await keys(pilot, "1", "1")
        await pilot.pause(0.05)
        await settle(pilot)
        assert "未保存 2 步" in screen_text(app)
        assert any("连不上数据库服务器" in n.message for n in app._notifications)
        assert screen.session.node_id == "ask_travel"  # the call goes on
        down["on"] = False
        deadline = time.monotonic() + 10
        while "✓ 已保存" not in screen_text(app):  # the automatic retry, every few seconds
            assert time.monotonic() < deadline, "the queued answers were not saved once the server was back"
            await pilot.pause(0.2)
    with db(db_path, clock) as s:
        [call] = s.list_calls(finished=False)
        assert [(e.seq, e.node) for e in s.call_events(call.id)] == [(1, "opening"), (2, "convenient")]


async def test_finish_waits_for_failed_writes(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        store = app.backend.store
        real = store.record_event
        store.record_event = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
        await keys(pilot, "5")  # 空号 → ending
        await keys(pilot, "enter")
        await settle(pilot, 0.05)
        assert app.screen is screen  # not finished: the answer is not on disk
        assert "未保存" in screen_text(app)
        store.record_event = real
        await keys(pilot, "enter")
        await settle(pilot, 0.05)
        assert isinstance(app.screen, SummaryScreen)
    with db(db_path, clock) as s:
        [call] = s.list_calls()
        assert call.outcome == "invalid_number"


ADDRESS_60 = (
    "广东省深圳市南山区粤海街道科技园南区高新南七道18号数字技术园B2栋3楼301室行政部李娜女士收(工作日请交前台代收件)"
)


async def test_ctrl_e_mailed_keeps_the_address_it_asked_for(make_app, seeded, db_path, clock):
    """Ctrl+E → 7 寄资料 before the script asked for the address: the address typed in the
    dialog is a fact of the call — on the card, in calls.facts, in the mailing and in
    ``export calls`` (issue 13, item 3)."""
    from callscript.leads.exports import calls_table

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1")  # 本人接听 · 方便
        await keys(pilot, "ctrl+e", "7")
        await keys(pilot, f"text:{ADDRESS_60}", "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert screen.session.facts["address"] == ADDRESS_60
        card = squash(screen_text(app))
        assert "寄送地址?" not in card.replace(" ", "")
        assert ADDRESS_60 in card.replace(" ", "")

    with db(db_path, clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "mailed" and call.facts["address"] == ADDRESS_60
        [mailing] = store.mailings()
        assert mailing.address == ADDRESS_60
        [end] = [e for e in store.call_events(call.id) if e.kind == "end"]
        assert end.event_dict()["address"] == ADDRESS_60  # in the log: a resumed call keeps it
        table = calls_table(store)
        [row] = table.rows
        assert row["fact:address"] == ADDRESS_60


async def test_backspace_after_ctrl_e_mailed_forgets_the_typed_address(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "1")
        screen.session.end("mailed", address="北京市朝阳区建国路88号")
        assert screen.session.facts["address"] == "北京市朝阳区建国路88号"
        screen.session.back()
        assert "address" not in screen.session.facts and not screen.session.finished


async def _ctrl_b(pilot) -> CallScreen:
    screen = await start_first_call(pilot)
    await keys(pilot, "1", "1", "ctrl+b")
    assert isinstance(pilot.app.screen, CallbackDialog)
    return screen


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("17:30", datetime(2025, 11, 25, 17, 30)),  # starts with 1: once it booked choice 1
        ("2小时后", datetime(2025, 11, 25, 12, 0)),  # starts with 2: once it booked choice 2
        ("明天下午3点", datetime(2025, 11, 26, 15, 0)),  # its first character was lost
        ("周五下午", datetime(2025, 11, 28, 15, 0)),
        ("星期五 10:00", datetime(2025, 11, 28, 10, 0)),
        ("半小时后", datetime(2025, 11, 25, 10, 30)),
        ("2", datetime(2025, 11, 25, 15, 0)),  # a lone digit names its quick choice: 今天下午
        ("3", datetime(2025, 11, 26, 10, 0)),  # 明天上午
    ],
)
async def test_the_callback_time_typed_is_the_time_booked(make_app, seeded, db_path, clock, typed, due):
    """Typing a time in the callback box never picks a quick choice by its first digit and
    never loses its first character: what is typed is what is stored (issue 13, items 1–2)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ctrl_b(pilot)
        for char in typed:  # key by key, as an agent types
            await pilot.press("space" if char == " " else char)
            assert isinstance(app.screen, CallbackDialog), f"{typed!r} booked something at {char!r}"
        await settle(pilot)
        assert app.screen.query_one("#callback-input").value == typed
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen) and screen.callback_due == due.astimezone()
    with db(db_path, clock) as store:
        [callback] = store.callbacks()
        assert callback.due_at == due.astimezone()


async def test_a_phrase_committed_at_once_is_booked_whole(make_app, seeded, db_path, clock):
    """An input method commits 明天下午3点 as one burst of characters: all of it reaches the box."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _ctrl_b(pilot)
        for char in "明天下午3点":  # posted together, before the app handles any of them
            app.post_message(events.Key(char, char))
        await settle(pilot)
        assert app.screen.query_one("#callback-input").value == "明天下午3点"
        assert "→ 明天 15:00" in screen_text(app)
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
    with db(db_path, clock) as store:
        [callback] = store.callbacks()
        assert callback.due_at == datetime(2025, 11, 26, 15, 0).astimezone()


async def test_a_time_outside_business_hours_is_refused_in_the_box(make_app, seeded):
    """0:30 is not quietly tomorrow 00:30; the configured hours apply (CALLSCRIPT_BUSINESS_HOURS)."""
    from callscript.core.when import BusinessHours

    app = make_app(hours=BusinessHours.parse("09:00-18:00"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _ctrl_b(pilot)
        await keys(pilot, "text:0:30", "enter")
        assert isinstance(app.screen, CallbackDialog)
        assert "00:30 不在上班时间 (09:00–18:00)" in screen_text(app)
        await keys(pilot, *["backspace"] * 4, "text:19:00", "enter")  # open by default, not here
        assert "19:00 不在上班时间 (09:00–18:00)" in screen_text(app)
        await keys(pilot, *["backspace"] * 5, "text:17:00", "enter")
        assert isinstance(app.screen, SummaryScreen)


async def test_a_quick_choice_that_has_passed_says_so(make_app, seeded, clock):
    clock.advance(hours=6)  # 16:00: 今天下午 (15:00) has passed
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _ctrl_b(pilot)
        assert "今天下午 (已过)" in screen_text(app)
        await keys(pilot, "2", "enter")
        assert isinstance(app.screen, CallbackDialog)
        assert "今天下午已经过了" in screen_text(app)


async def test_the_end_menu_drops_not_reached_outcomes_once_the_contact_answered(make_app, seeded):
    """空号/无人接听/占线 are offered at the opening; once the contact answered questions they
    are not true any more and are not offered (their keys are not taken by others)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "ctrl+e")
        opening = screen_text(app)
        assert all(label in opening for label in ("空号/错号", "无人接听", "占线"))
        await keys(pilot, "escape", "1", "1")  # 本人接听 · 方便: reached
        assert screen.session.answered
        await keys(pilot, "ctrl+e")
        text = screen_text(app)
        assert not any(label in text for label in ("空号/错号", "无人接听", "占线"))
        assert "7  寄资料" in text and "4  约回电" in text  # the keys agents know stay as they were
        await keys(pilot, "2")  # no longer an outcome here
        assert not screen.session.finished
        await keys(pilot, "5")  # 拒绝
        assert screen.session.outcome == "refused"


async def test_receptionist_answers_count_as_answered(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "2")  # 前台/其他人接听: not the contact, nothing answered yet
        assert not screen.session.answered
        await keys(pilot, "1")  # the receptionist answers a question
        assert screen.session.answered


async def test_no_one_to_wait_for_after_no_answer(make_app, seeded):
    """The closing reminder to let the other side hang up first is for calls where someone answered."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "3")  # 无人接听
        assert screen.session.outcome == "no_answer"
        assert "挂断" not in squash(screen_text(app))


async def test_wait_for_the_other_side_to_hang_up_after_a_conversation(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1", "2", "1")  # 不方便 → 约好了回电时间
        await keys(pilot, "text:明天 9:30", "enter")
        assert screen.session.outcome == "callback"
        assert "等对方先挂断电话" in squash(screen_text(app))


async def test_ctrl_q_mid_call_asks_first(make_app, seeded, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await keys(pilot, "1")
        await keys(pilot, "ctrl+q")
        assert app.is_running and "通话还没结束, 要退出吗?" in screen_text(app)
        await keys(pilot, "escape")  # no: back to the call, where it was
        assert app.screen is screen and screen.session.node_id != "opening"
        await keys(pilot, "ctrl+q", "ctrl+q")  # ^Q again on the question: quit
        assert not app.is_running


async def test_ctrl_q_on_the_list_quits_at_once(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
