"""Chinese text at 80×24 and 120×40: nothing overflows, nothing is cut through a character,
every answer of every node on the walk is on screen in full."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from callscript.script.templates import strip_markup
from callscript.tui.screens.summary import SummaryScreen
from tui.conftest import LEADS, seed_leads
from tui.helpers import call_screen, keys, region_flat, screen_text, script_flat, settle

LONG_NAME = dict(
    company="中国国际航空股份有限公司深圳分公司华南区客户服务与商务旅行管理中心",
    contact="欧阳娜娜",
    title="商务旅行管理中心高级行政经理",
    phone="0755-88889999",
    industry="航空运输与物流服务",
)

WALK = [
    "1",
    "1",
    "1",
    "1",
    "1",
    "1",
    "1",
    "text:携程商旅与艺龙旅行网联合订房中心",
    "enter",
    "2",
    "1",
    "text:4",
    "enter",
    "1",
    "text:广东省深圳市南山区科技园南区高新南七道数字技术园B1栋",
    "enter",
    "1",
]


def assert_fits(app) -> None:
    width, height = app.size
    strips = app.screen._compositor.render_strips()
    assert len(strips) == height
    for y, strip in enumerate(strips):
        assert strip.cell_length == width, f"row {y} is {strip.cell_length} cells"
        assert "\ufffd" not in strip.text


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_whole_call_fits_and_shows_every_answer(make_app, db_path, clock, size):
    seed_leads(db_path, clock, [LONG_NAME, *LEADS])
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert_fits(app)
        lead_row = next(line for line in screen_text(app).splitlines() if "中国国际航空" in line)
        assert cell_len(lead_row) == size[0] and "…" in lead_row  # cropped with an ellipsis, by cells
        await keys(pilot, "enter")
        screen = call_screen(app)
        seen = 0
        for step in [None, *WALK]:
            if step is not None:
                await keys(pilot, step)
                if step.startswith("text:"):
                    continue
            assert_fits(app)
            node = screen.session.node
            if node.kind == "options":
                options = script_flat(app, "answers")
                for key, label in screen.session.option_labels():
                    assert flat(key + strip_markup(label)) in options
            say_text = flat(strip_markup("".join(screen.session.lines())))
            if app.screen.query_one("#script").max_scroll == 0:  # the whole line is on screen …
                assert say_text in script_flat(app, "say")
            else:  # … or it scrolls, and the start is on screen
                assert say_text[:20] in script_flat(app, "say")
            seen += 1
        assert screen.session.outcome == "mailed" and seen == 15
        side = region_flat(app, "#side")
        assert "中国国际航空股份有限公司深圳分公司" in side
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert_fits(app)
        assert flat("广东省深圳市南山区科技园南区高新南七道数字技术园B1栋") in flat(screen_text(app))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_dialogs_fit(make_app, seeded, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for opener, closer in (("f1", "escape"), ("n", "escape")):
            await keys(pilot, opener)
            assert_fits(app)
            await keys(pilot, closer)
        await keys(pilot, "enter")
        for opener in ("f1", "ctrl+n", "ctrl+b", "ctrl+e"):
            await keys(pilot, opener)
            assert_fits(app)
            text = screen_text(app)
            assert {"f1": "按键说明", "ctrl+n": "备注", "ctrl+b": "约回电", "ctrl+e": "结束通话"}[opener] in text
            await keys(pilot, "escape")
        assert call_screen(app).session.node_id == "opening"


async def test_the_terminal_cursor_follows_wide_characters_in_the_answer_box(make_app, seeded):
    """The IME draws its candidate window at the terminal cursor: it must sit after the
    last character typed, counting a Chinese character as two cells."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", "1", "1", "1", "1", "1", "1", "1")  # → B1 哪个订房中心 (text input)
        box = app.screen.query_one("#answer-input")
        assert app.focused is box
        await keys(pilot, "text:艺龙a")
        region = box.content_region
        assert app.cursor_position.y == region.y
        assert app.cursor_position.x == region.x + cell_len("艺龙a") == region.x + 5  # the insertion point


ADDRESS_60 = (
    "广东省深圳市南山区粤海街道科技园南区高新南七道18号数字技术园B2栋3楼301室行政部李娜女士收(工作日请交前台代收件)"
)
LONG_NOTE = "客户说周五前要报价单,手机13918765402晚上8点后再打,先寄资料给前台小王转交,老板下周去上海出差"


async def test_the_summary_card_shows_the_whole_address_and_note_at_80x24(make_app, seeded):
    """What the agent reads back must be on the card in full: a 60-character address and a
    long note wrap (never ``…``), a number is never split, the ``!`` stays with its note
    (issue 13, item 5)."""
    assert len(ADDRESS_60) == 60 and cell_len(ADDRESS_60) > 100  # wider than the card at 80 columns
    walk = [*WALK[:-3], f"text:{ADDRESS_60}", "enter", "1"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", *walk[:4])
        await keys(pilot, "ctrl+n", f"text:!{LONG_NOTE}", "enter")
        await keys(pilot, *walk[4:])
        assert call_screen(app).session.outcome == "mailed"
        await keys(pilot, "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert_fits(app)
        text = screen_text(app)
        assert "…" not in text
        squashed = "".join(part.strip() for line in text.splitlines() for part in line.strip("│ ").split("│"))
        assert ADDRESS_60 in flat(squashed)
        assert flat(LONG_NOTE) in flat(squashed)
        assert any("13918765402" in line for line in text.splitlines())  # read back in one piece
        note_line = next(line for line in text.splitlines() if "!" in line)
        assert "! 客户说" in note_line


@pytest.mark.parametrize("shift", ["", "a", "ab", "abc"])
async def test_a_notice_over_the_side_panel_border_keeps_every_character(make_app, seeded, shift):
    """The resume notice crossed the side panel's border and lost 恢 (上次的通话已␣␣复):
    a wide character is never cut where a widget behind the notice ends (issue 13, item 8)."""
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        message = shift + "上次的通话已恢复, 从中断的地方继续"
        app.notify(message, title="继续通话")
        await settle(pilot)
        assert_fits(app)
        side = app.screen.query_one("#side").region
        rows = [line for line in screen_text(app).splitlines() if "上次的通话" in line or "中断的地方" in line]
        assert rows and any(cell_len(line) > side.x for line in rows)  # the notice does cross the border
        assert flat(message) in flat("".join(line.split("▌")[-1] for line in rows))


async def test_a_partial_update_ends_each_chop_where_its_strip_ends(make_app, seeded):
    """After the fix a notice's piece may span several chops; a partial repaint must draw it whole."""
    from callscript.tui.wide_chars import HELD

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        app.notify("上次的通话已恢复, 从中断的地方继续")
        await settle(pilot)
        compositor = app.screen._compositor
        compositor._dirty_regions.add(app.screen.region)
        update = compositor.render_partial_update()
        assert update is not None
        held = 0
        for line, ends in zip(update.chops, update.chop_ends, strict=False):
            for (x, strip), end in zip(line.items(), ends, strict=False):
                if strip is HELD:
                    held += 1
                    assert end == x
                elif strip is not None:
                    assert end == x + strip.cell_length
        assert held  # the notice spans a cut somewhere


async def test_the_terminal_cursor_is_in_the_answer_box_before_the_first_key(make_app, seeded):
    """The IME window opens at the terminal cursor: on a new input node it must already be in
    the box, not in the breadcrumb (issue 13, item 8)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", "1", "1", "1", "1", "1", "1", "1")  # → B1 哪个订房中心 (text input)
        box = app.screen.query_one("#answer-input")
        assert app.focused is box
        region = box.content_region
        assert region.y > 1 and tuple(app.cursor_position) == (region.x, region.y)
        await keys(pilot, "ctrl+b")  # the callback box, on open
        dialog_box = app.screen.query_one("#callback-input")
        assert app.focused is dialog_box
        assert tuple(app.cursor_position) == (dialog_box.content_region.x, dialog_box.content_region.y)


async def test_help_says_how_to_close_it(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", "f1")
        top = "\n".join(screen_text(app).splitlines()[:12])
        assert "Esc 或 F1 关闭" in top  # visible without scrolling
        await keys(pilot, "f1")
        assert call_screen(app)


async def test_a_card_taller_than_the_screen_scrolls_with_the_keys(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", "1", "1")
        for i in range(8):
            await keys(pilot, "ctrl+n", f"text:第{i}条备注: {LONG_NOTE}", "enter")
        await keys(pilot, "ctrl+e", "7", f"text:{ADDRESS_60}", "enter")
        assert isinstance(app.screen, SummaryScreen)
        box = app.screen.query_one("#summary-box")
        assert box.max_scroll_y > 0 and box.scroll_y == 0
        await keys(pilot, "pagedown")
        assert box.scroll_y > 0
        await keys(pilot, "end")
        assert "第7条备注" in screen_text(app)


async def test_a_repaint_of_the_list_under_a_call_does_not_redraw_the_call(make_app, seeded):
    """Textual forwards every repaint of the screen under the current one to the current one
    (in case it shows through); the call screen is opaque, so the lead list under it must
    cost it nothing — it was a full redraw every ~2 s in every idle browser tab."""
    from callscript.tui.screens.leads import LeadListScreen
    from callscript.tui.widgets.lead_table import LeadTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        call = call_screen(app)
        under = next(screen for screen in app.screen_stack if isinstance(screen, LeadListScreen))
        await pilot.pause()
        updates: list[bool] = []
        render_update = call._compositor.render_update

        def counted(*args, **kwargs):
            result = render_update(*args, **kwargs)
            updates.append(result is not None)
            return result

        call._compositor.render_update = counted
        under.query_one(LeadTable).refresh()
        under.query_one("#list-title").refresh()
        await pilot.pause(0.2)
        assert not any(updates)  # nothing of the call screen drawn again
        await keys(pilot, "ctrl+q")  # a see-through dialog still shows the call under it
        assert "通话还没结束" in screen_text(app) and "结束" in screen_text(app)
        await keys(pilot, "escape")
        assert app.screen is call
