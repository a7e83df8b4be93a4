"""The lead list during a shift (issue 13, items 6, 7, 8, 9): it refreshes itself, due
callbacks rise to the top with a notice and the bell (mid-call too), the cursor goes to
the next item after a call, a redial within the hour asks, numbers are never cut, a
follow-up shows its day, and an empty database offers the sample leads."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.cells import cell_len

from callscript.config import sample_leads_path
from callscript.script.loader import load_script
from callscript.storage import Store
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.dialogs import ConfirmDialog
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.summary import SummaryScreen
from callscript.tui.widgets.lead_table import LeadTable
from tui.conftest import CTRIP, T0, seed_leads
from tui.helpers import all_saved, call_screen, keys, screen_text, settle, wait_for


def table(app) -> LeadTable:
    return app.screen.query_one(LeadTable)


def list_lines(app) -> list[str]:
    """The table's rows as shown (the seeded leads are 有限公司 or 五金制品厂)."""
    return [line for line in screen_text(app).splitlines() if "有限公司" in line or "五金制品厂" in line]


def book_callback(db_path, clock, lead_id: int, due: datetime, agent: str = "张三") -> None:
    """A call made earlier today that asked for a callback at ``due``."""
    earlier = T0 - timedelta(hours=1)
    with Store.open(db_path, clock=clock) as store:
        store.ensure_agent(agent)
        script_id = store.store_script_version(load_script(CTRIP))
        store.claim_lead(lead_id, agent, now=earlier)
        call_id = store.start_call(lead_id, agent, script_id, {}, now=earlier)
        store.finish_call(call_id, "callback", {"reached": True}, callback_due=due, now=earlier)


async def mail_the_lead_under_the_cursor(pilot, *moves: str) -> int:
    app = pilot.app
    await keys(pilot, *moves)
    lead_id = table(app).cursor_key
    await keys(pilot, "enter", "1", "1", "ctrl+e", "7", "text:北京市朝阳区建国路88号", "enter")
    assert isinstance(app.screen, SummaryScreen)
    return lead_id


async def test_after_a_call_the_cursor_is_on_the_next_item_to_call(make_app, seeded):
    """Esc from the summary used to leave the cursor on the lead just finished (and Enter
    redialled it): now it is on the top of the list, the next due item."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        finished = await mail_the_lead_under_the_cursor(pilot, "down", "down")
        assert finished == seeded[2]
        await keys(pilot, "escape")
        assert isinstance(app.screen, LeadListScreen)
        rows = app.screen.rows
        assert table(app).cursor == 0 and table(app).cursor_key == rows[0].lead.id != finished
        assert table(app).scroll_offset.y == 0


async def test_redialling_a_lead_called_within_the_hour_asks_first(make_app, seeded, clock):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        finished = await mail_the_lead_under_the_cursor(pilot)
        await keys(pilot, "escape")
        screen = app.screen
        assert isinstance(screen, LeadListScreen)
        table(app).set_cursor(next(i for i, row in enumerate(screen.rows) if row.lead.id == finished))
        await keys(pilot, "enter")
        assert isinstance(app.screen, ConfirmDialog)
        assert "10:00 刚打过这个客户 (寄资料), 还要再打吗?" in screen_text(app)
        await keys(pilot, "escape")  # no
        assert app.screen is screen
        await keys(pilot, "enter", "enter")  # yes: the call opens
        assert call_screen(app).info.lead.id == finished
        await keys(pilot, "escape", "enter")  # give it back (nothing said)
        clock.advance(hours=1)
        table(app).set_cursor(next(i for i, row in enumerate(screen.rows) if row.lead.id == finished))
        await keys(pilot, "enter")  # an hour later: no question
        assert call_screen(app).info.lead.id == finished


async def test_the_list_refreshes_itself(make_app, seeded, db_path, clock):
    app = make_app(watch_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "珠海横琴" not in screen_text(app)
        with Store.open(db_path, clock=clock) as other:  # a colleague imports a lead
            other.add_lead("珠海横琴软件园信息技术有限公司", "0756-3359887", contact="董婷婷", industry="IT")
        await wait_for(pilot, lambda: "珠海横琴" in screen_text(app))


async def test_a_callback_coming_due_rises_to_the_top_with_a_notice_and_the_bell(
    make_app, seeded, db_path, clock, monkeypatch
):
    book_callback(db_path, clock, seeded[2], T0 + timedelta(minutes=30))
    app = make_app(watch_seconds=0)  # looks are driven by the test
    bells = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.look_for_changes()
        await settle(pilot)
        assert "已约回电" in list_lines(app)[-1] and "东莞长安五金制品厂" in list_lines(app)[-1]
        clock.advance(minutes=31)
        app.look_for_changes()
        await settle(pilot)
        top = list_lines(app)[0]
        assert "回电到期" in top and "东莞长安五金制品厂" in top and "10:30" in top
        assert bells == [1]
        assert any("回电时间到: 东莞长安五金制品厂 陈志强 (约好 10:30)" in n.message for n in app._notifications)
        assert "回电时间到" in screen_text(app)
        app.look_for_changes()
        await settle(pilot)
        assert bells == [1]  # once


async def test_a_look_that_finds_the_list_stale_reads_it_in_the_same_trip(
    make_app, seeded, db_path, clock, monkeypatch
):
    """The list on screen is read again with the look itself (one hand-over to the database
    thread, not a second worker and trip)."""
    book_callback(db_path, clock, seeded[2], T0 + timedelta(minutes=30))
    app = make_app(watch_seconds=0)
    monkeypatch.setattr(app, "bell", lambda: None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.look_for_changes()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeadListScreen)
        reloads = []
        monkeypatch.setattr(screen, "reload", lambda *a, **k: reloads.append(k))
        clock.advance(minutes=31)
        app.look_for_changes()
        await settle(pilot)
        assert "回电到期" in list_lines(app)[0] and "东莞长安五金制品厂" in list_lines(app)[0]
        assert reloads == []  # shown from the look's own read


async def test_the_alert_comes_mid_call_without_taking_the_focus(make_app, seeded, db_path, clock, monkeypatch):
    book_callback(db_path, clock, seeded[2], T0 + timedelta(minutes=30))
    app = make_app(watch_seconds=0)
    bells = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.look_for_changes()
        await settle(pilot)
        await keys(pilot, "enter", "1", "1", "1", "1", "1", "1", "1")  # → the B1 input box
        call = call_screen(app)
        box = call.query_one("#answer-input")
        assert app.focused is box
        clock.advance(minutes=31)
        app.look_for_changes()
        await settle(pilot)
        assert app.screen is call and app.focused is box and bells == [1]
        assert "回电时间到" in screen_text(app)
        await keys(pilot, "text:艺龙")  # typing goes on where it was
        assert box.value == "艺龙"
        await keys(pilot, "escape")
        await all_saved(pilot)
        assert isinstance(app.screen, CallScreen)


async def test_phone_numbers_are_never_cut_at_100_columns(make_app, db_path, clock):
    seed_leads(
        db_path,
        clock,
        [
            dict(company="海口椰城旅游贸易有限公司", contact="吴海燕", phone="0898-6678 2231 转 806", industry="贸易"),
            dict(company="上海浦江软件技术有限公司", contact="陈志强", phone="+86 139-1876-5402", industry="IT/软件"),
        ],
    )
    for width in (100, 120):
        app = make_app()
        async with app.run_test(size=(width, 30)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "0898 6678 2231 转 806" in text and "139 1876 5402" in text
            assert all(cell_len(line) <= width for line in text.splitlines())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:  # at 80 the company name keeps 20 cells
        await settle(pilot)
        assert "海口椰城旅游贸易有…" in screen_text(app) and "139 1876 5402" in screen_text(app)


async def test_a_follow_up_due_shows_its_day_not_midnight(make_app, seeded, db_path, clock):
    mailed = T0 - timedelta(days=8)
    with Store.open(db_path, clock=clock) as store:
        store.ensure_agent("张三")
        script_id = store.store_script_version(load_script(CTRIP))
        store.claim_lead(seeded[1], "张三", now=mailed)
        call_id = store.start_call(seeded[1], "张三", script_id, {}, now=mailed)
        store.finish_call(call_id, "mailed", {"reached": True}, address="广州市白云区", now=mailed)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        [row] = [line for line in screen_text(app).splitlines() if "广州白云贸易" in line]
        assert "回访到期" in row and "昨天起" in row and "00:00" not in row  # the window opened yesterday


async def test_first_start_on_an_empty_database_offers_the_sample_leads(make_app):
    assert sample_leads_path() is not None  # shipped in data/
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "s  载入示例客户" in screen_text(app)
        await keys(pilot, "s")
        await wait_for(pilot, lambda: len(app.screen.rows) > 30)
        assert "广州恒信贸易有限公司" in screen_text(app)
        assert "载入示例客户" not in screen_text(app)
        await keys(pilot, "enter")
        assert call_screen(app).info.lead.company == "广州恒信贸易有限公司"
        assert "开场白" in screen_text(app)


async def test_the_lists_first_frame_shows_the_rows_with_the_table_focused(make_app, seeded):
    """Start of shift reads the list before showing its screen: the screen's first frame has the
    rows (no empty table laid out and drawn before them), and the table has the focus in that
    frame — an Enter pressed as the list appears calls the lead under the cursor (it went to the
    search box before)."""
    app = make_app()
    first: list[tuple[int, object]] = []
    original = app._display

    def display(screen, renderable):
        if isinstance(screen, LeadListScreen) and renderable is not None and not first:  # (None: nothing drawn)
            first.append((len(screen.rows), app.focused))
        return original(screen, renderable)

    app._display = display
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(first))
        rows, focused = first[0]
        assert rows == len(seeded)
        assert isinstance(focused, LeadTable)
