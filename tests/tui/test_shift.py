"""Start of shift: the agent's name, the lead list, adding a lead, resuming an unfinished call."""

from __future__ import annotations

import json
from datetime import datetime

from callscript.storage import Store
from callscript.tui.screens.add_lead import AddLeadScreen
from callscript.tui.screens.agent import AgentNameScreen
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.reports import ReportsScreen
from callscript.tui.screens.resume import ResumeScreen
from tui.helpers import all_saved, call_screen, flat, keys, region_flat, screen_text, settle, squash


async def test_agent_name_is_asked_once_and_remembered(make_app, seeded, tmp_path):
    config = tmp_path / "config.json"
    app = make_app(agent=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AgentNameScreen)
        await keys(pilot, "enter")
        assert "请输入姓名" in screen_text(app)
        await keys(pilot, "text:李四", "enter", "enter")  # name, then company left empty
        await settle(pilot)
        assert isinstance(app.screen, LeadListScreen)
        assert "坐席 李四" in screen_text(app)
    assert json.loads(config.read_text(encoding="utf-8"))["agent_name"] == "李四"

    again = make_app(agent=None)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, LeadListScreen)  # not asked again
        await keys(pilot, "enter")
        assert "我姓李" in squash(screen_text(again))


async def test_lead_list_puts_due_callbacks_first_and_filters(make_app, seeded, db_path, clock):
    with Store.open(db_path, clock=clock) as store:  # a callback that fell due at 09:30, made by 张三
        store.ensure_agent("张三")
        lead = store.claim_lead(seeded[2], "张三", now=datetime(2025, 11, 24, 9, 0).astimezone())
        script_id = store.store_script_version(
            __import__("callscript.script.loader", fromlist=["x"]).load_script(
                __import__("tests.tui.conftest", fromlist=["x"]).CTRIP
            )
        )
        call_id = store.start_call(lead.id, "张三", script_id, {}, now=datetime(2025, 11, 24, 9, 0).astimezone())
        store.finish_call(
            call_id,
            "callback",
            {},
            callback_due=datetime(2025, 11, 25, 9, 30).astimezone(),
            now=datetime(2025, 11, 24, 9, 5).astimezone(),
        )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        lines = [line for line in screen_text(app).splitlines() if "有限公司" in line or "五金" in line]
        assert "回电到期" in lines[0] and "东莞长安五金制品厂" in lines[0] and "09:30" in lines[0]
        assert all("新客户" in line for line in lines[1:])
        assert "回电到期 1 · 新客户 3" in screen_text(app)

        await keys(pilot, "enter")  # the due callback is first: the call opens on it
        assert call_screen(app).info.lead.company == "东莞长安五金制品厂"
        assert "第2次通话" in region_flat(app, "#side")
        await keys(pilot, "escape", "enter")  # nothing said yet: give the lead back
        assert isinstance(app.screen, LeadListScreen)

        await keys(pilot, "i")  # industries cycle: 全部 → 制造 → 家具 → …
        assert "行业 制造" in screen_text(app)
        rows = [line for line in screen_text(app).splitlines() if line.strip().startswith(("新客户", "回电到期"))]
        assert len(rows) == 1 and "东莞长安五金制品厂" in rows[0]
        await keys(pilot, "i", "i", "i", "i")  # back round to 全部
        assert "行业 全部" in screen_text(app)

        await keys(pilot, "slash", "text:白云")
        await settle(pilot, 0.05)
        table_text = screen_text(app)
        assert "广州白云贸易有限公司" in table_text and "深圳华强" not in table_text
        await keys(pilot, "enter", "enter")  # leave the search box, call the lead found
        assert call_screen(app).info.lead.company == "广州白云贸易有限公司"


async def test_add_a_lead_by_hand_with_validation(make_app, db_path, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "还没有客户" in screen_text(app)
        await keys(pilot, "n")
        assert isinstance(app.screen, AddLeadScreen)
        await keys(pilot, "ctrl+s")
        assert "公司名称不能为空" in screen_text(app)
        await keys(
            pilot,
            "text:珠海格力物流有限公司",
            "enter",
            "text:赵敏",
            "enter",
            "text:经理",
            "enter",
            "text:12345",
            "enter",
            "text:物流",
            "enter",
        )
        assert isinstance(app.screen, AddLeadScreen)
        assert "✗" in screen_text(app)  # the phone is refused, the form stays
        assert app.focused.id == "lead-phone"
        await keys(pilot, "ctrl+a", "ctrl+k", "text:0756-8881234", "ctrl+s")
        await settle(pilot, 0.05)
        assert isinstance(app.screen, LeadListScreen)
        assert "珠海格力物流" in screen_text(app)
        await keys(pilot, "n", "text:另一家公司", "enter", "enter", "enter", "text:0756 888 1234", "ctrl+s")
        assert "已经在客户列表里了" in screen_text(app)  # same number, other spelling
        await keys(pilot, "escape")
    with Store.open(db_path, clock=clock) as store:
        [lead] = store.list_leads()
        assert (lead.company, lead.contact, lead.title, lead.industry) == (
            "珠海格力物流有限公司",
            "赵敏",
            "经理",
            "物流",
        )
        assert lead.source == "手动添加"


async def test_r_opens_the_reports_screen(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "r")
        assert isinstance(app.screen, ReportsScreen)
        await keys(pilot, "escape")
        assert isinstance(app.screen, LeadListScreen)


async def test_an_unfinished_call_is_offered_first_and_resumes_where_it_stopped(make_app, seeded, db_path, clock):
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", "1", "1", "1", "1", "1", "1", "3", "1")  # … B3 报销 → 费用标准
        screen = call_screen(first)
        await keys(pilot, "text:300-500元", "enter")  # → 酒店星级
        await keys(pilot, "ctrl+n", "text:!周五前寄到", "enter")
        await keys(pilot, "text:4")  # typed but not confirmed: not an answer
        node, facts = screen.session.node_id, screen.session.facts
        await all_saved(pilot)
        # the app goes away mid-call (window closed, crash): no outcome recorded
    assert node == "ask_star"

    clock.advance(minutes=3)
    second = make_app()
    async with second.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(second.screen, ResumeScreen)  # before anything else
        text = screen_text(second)
        assert "深圳华强电子科技有限公司" in text and "已记 10 步" in text  # 9 answers and the note
        await keys(pilot, "enter")
        resumed = call_screen(second)
        assert resumed.info.resumed and resumed.session.node_id == node and resumed.session.facts == facts
        side = region_flat(second, "#side")
        assert "!周五前寄到" in side and "价位/费用标准:300-500元" in side  # newest facts first when the panel is full
        assert "⏱03:00" in "".join(screen_text(second).split())  # the timer counts from the call's start
        await keys(pilot, "text:4", "enter", "1", "text:深圳市福田区1号", "enter", "1")
        await all_saved(pilot)
        await keys(pilot, "enter")
        assert "寄资料" in screen_text(second)
    with Store.open(db_path, clock=clock) as store:
        [call] = store.list_calls()
        assert call.outcome == "mailed" and call.facts["hotel_star"] == 4 and call.facts["price_range"] == "300-500元"
        assert store.unfinished_calls() == []


async def test_resume_can_wait(make_app, seeded, db_path, clock):
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", "1")
        await all_saved(pilot)
    second = make_app()
    async with second.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(second.screen, ResumeScreen)
        await keys(pilot, "escape")
        await settle(pilot)
        assert isinstance(second.screen, LeadListScreen)
        assert "有 1 个未完成的通话, 按 u 继续" in screen_text(second)
        await keys(pilot, "u")
        assert isinstance(second.screen, ResumeScreen)
        await keys(pilot, "1")
        assert call_screen(second).session.node_id == "convenient"


async def test_a_second_app_of_the_same_agent_is_told_and_never_gets_the_same_lead(make_app, seeded, db_path, clock):
    """Issue 14, item 7: the agent's other window is a notice, not a refusal; its held claim stays its own."""
    with Store.open(db_path, clock=clock) as other_window:
        other_window.open_app_session("张三")
        held = other_window.claim_next_lead("张三")
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LeadListScreen)
            notices = [n.message for n in app._notifications]
            assert any("已在另一个窗口登录" in text for text in notices), notices
            assert await app.open_call(None)
            await settle(pilot)
            assert app.screen.info.lead.id != held.id  # type: ignore[attr-defined]
            assert not await app.open_call(held.id)
            await settle(pilot)
            assert any("另一个窗口里领取" in n.message for n in app._notifications), [
                n.message for n in app._notifications
            ]


async def test_stored_escapes_and_pasted_controls_never_reach_the_screen(make_app, seeded, db_path):
    """Issue 14, item 8: a company stored with an escape sequence (an old file) is shown without it,
    and a paste with control characters into the add-lead form loses them before anything is saved."""
    import sqlite3

    from textual import events

    pwned = "\x1b]0;PWNED\x07\x1b[2J"
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE leads SET company = ? WHERE id = ?", (f"坏{pwned}公司", seeded[0]))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        strips = app.screen._compositor.render_strips()
        text = "".join(segment.text for strip in strips for segment in strip)
        assert "坏]0;PWNED[2J公司" in text.replace(" ", "") or "坏]0;PWNED" in text
        assert "\x1b" not in text and "\x07" not in text
        await keys(pilot, "n")
        assert isinstance(app.screen, AddLeadScreen)
        box = app.screen.query_one("#lead-company")
        box.focus()
        box.post_message(events.Paste(f"粘贴{pwned}公司\x00名"))
        await settle(pilot)
        assert box.value == "粘贴]0;PWNED[2J公司名"
        assert box.max_length == 200


async def test_a_file_that_is_not_a_database_is_said_so_in_the_agents_words(make_app, db_path):
    """Issue 14, item 3: the app does not start on ``echo hello > calls.db``; it says why, in Chinese."""
    from callscript.tui.app import ErrorScreen

    db_path.write_text("hello\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        text = screen_text(app)
        assert "打不开数据库" in text and "这个文件不是callscript的数据库" in flat(app)
    assert db_path.read_text() == "hello\n"
