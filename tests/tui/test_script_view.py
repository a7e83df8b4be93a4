"""The call screen's left column (ScriptView): laid out by the widget itself, so an answer
repaints rows and never lays the screen out; a line too long for the screen scrolls."""

from __future__ import annotations

from rich.cells import cell_len

from callscript.tui.screens.call import input_key_paras, option_paras, say_paras
from callscript.tui.widgets.script_view import BOX_ROWS, lay_out
from tui.helpers import call_screen, keys, screen_text, script_flat, settle


def texts(lines) -> list[str]:
    return ["".join(text for text, _ in line) for line in lines]


def test_an_answer_wraps_under_its_own_label_not_under_its_key():
    options = option_paras((("1", "没有用过携程,是艺龙的会员,也常用去哪儿订机票"), ("2", "不需要")))
    layout = lay_out(say_paras(("您好!",), ()), options, 0, 30, 24, say_max=14)
    rows = texts(layout.lines)[layout.answers_start :]
    assert rows[0].startswith("  1  没有用过携程")
    assert rows[1].startswith("     ") and not rows[1][5:].startswith(" ")  # under the label's first character
    assert all(cell_len(row) <= 30 for row in rows)
    assert "".join(row.strip() for row in rows[:3]).startswith("1  没有用过携程,是艺龙的会员,也常用去哪儿订机票")


def test_the_view_is_exactly_its_height_and_leaves_rows_for_the_answer_box():
    layout = lay_out(
        say_paras(("请问您贵姓?",), ("提示:记下全名",)), input_key_paras("不详", None), BOX_ROWS, 40, 20, 12
    )
    rows = texts(layout.lines)
    assert len(rows) == 20
    assert layout.gap_row is not None and set(rows[layout.gap_row - 1]) == {"─"}  # the rule, then the box
    assert rows[layout.gap_row : layout.gap_row + BOX_ROWS] == [""] * BOX_ROWS
    assert "跳过: 不详" in rows[layout.answers_start]


def test_a_line_taller_than_its_share_scrolls_and_the_rule_says_how_much_is_left():
    say = say_paras(tuple(f"第{i}句话,我们公司的服务非常好。" for i in range(12)), ())
    top = lay_out(say, option_paras((("1", "好"),)), 0, 40, 24, say_max=14)
    assert top.max_scroll > 0 and top.say_rows == 13
    rule = texts(top.lines)[top.say_rows]
    assert f"下面还有 {top.max_scroll} 行" in rule and cell_len(rule) == 40
    end = lay_out(say, option_paras((("1", "好"),)), 0, 40, 24, say_max=14, scroll=10_000)
    assert end.scroll == end.max_scroll and "回到开头" in texts(end.lines)[end.say_rows]
    assert "第11句话" in "".join(texts(end.lines)) and "1  好" in "".join(texts(end.lines))


async def test_an_answer_repaints_rows_and_never_lays_the_screen_out(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        screen = call_screen(app)
        reflows = []
        reflow = screen._compositor.reflow

        def counted(*args, **kwargs):
            reflows.append(screen.session.node_id)
            return reflow(*args, **kwargs)

        screen._compositor.reflow = counted
        for _ in range(4):  # 本人接听 → 方便 → 经常出差 → 酒店和机票都自己订: options nodes only
            before = screen.session.node_id
            await keys(pilot, "1")
            assert screen.session.node_id != before
        assert reflows == []
        view = screen.query_one("#script")
        size = view.size
        await keys(pilot, "1", "1", "1")  # … 预订方式 → B1 哪个订房中心: the answer box appears
        assert screen.session.node.kind == "input" and reflows  # (which is a layout: the count works)
        assert view.size == size  # the box lies over the view: the view keeps every row
        assert "".join(strip.replace("**", "") for strip in screen.session.lines())[:10] in script_flat(app, "say")


async def test_page_down_scrolls_a_long_line_and_page_up_brings_its_start_back(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(64, 16)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        screen = call_screen(app)
        view = screen.query_one("#script")
        for _ in range(8):  # along the walk to the company introduction, too long for 64×16
            if view.max_scroll:
                break
            await keys(pilot, "1")
        assert view.max_scroll, screen_text(app)
        start = script_flat(app, "say")
        await keys(pilot, "pagedown")
        scrolled = script_flat(app, "say")
        assert scrolled != start and scrolled[-6:] not in start  # further down the line
        assert "回到开头" in screen_text(app) or "下面还有" in screen_text(app)
        await keys(pilot, "pageup")
        assert script_flat(app, "say") == start


async def test_the_answer_box_keeps_the_focus_and_costs_one_layout_in_and_one_out(make_app, seeded):
    """Into and out of an input node the box moves (one layout each way) but the focus never
    does (a focus change restyles the screen), and typing in the box lays nothing out
    (Textual's Input asks for a layout of the whole screen per character)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        screen = call_screen(app)
        box = screen.query_one("#answer-input")
        assert app.focused is box  # from the first node on, an options node included
        reflows: list[str] = []
        reflow = screen._compositor.reflow

        def counted(*args, **kwargs):
            reflows.append(screen.session.node_id)
            return reflow(*args, **kwargs)

        screen._compositor.reflow = counted
        focus_changes: list[object] = []
        set_focus = screen.set_focus
        screen.set_focus = lambda widget, *a, **k: (focus_changes.append(widget), set_focus(widget, *a, **k))[1]

        await keys(pilot, "1", "1", "1", "1", "1", "1", "1")  # … → B1 哪个订房中心 (text input)
        assert screen.session.node.kind == "input" and len(reflows) == 1  # the box moved in: one layout
        assert app.focused is box and box.region.y > 1  # over the rows the view left for it
        await keys(pilot, "text:艺龙会员中心")
        assert box.value == "艺龙会员中心" and len(reflows) == 1  # typing: repaints only
        await keys(pilot, "enter")
        assert screen.session.node.kind != "input" and len(reflows) == 2  # parked again: one layout
        assert box.region.y > app.size.height  # out of view
        assert focus_changes == [] and app.focused is box
        before = screen.session.node_id
        await keys(pilot, "1")  # a digit on an options node answers: the parked box lets it through
        assert screen.session.node_id != before and box.value == "艺龙会员中心"


async def test_component_styles_are_worked_out_once_and_again_when_the_theme_changes(make_app, seeded):
    """Textual empties a widget's component-style cache on every refresh; the drawn widgets keep
    their own (working one out walks the CSS), emptied when the styles change."""
    from textual.geometry import Region

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        screen = call_screen(app)
        view = screen.query_one("#script")

        def rule_colour():
            row = view.rows("say").stop  # the rule under the line to say
            strip = view.render_lines(Region(0, row, view.size.width, 1))[0]
            return next(seg.style.color for seg in strip if seg.text.strip("─") == "" and seg.text)

        asked = []
        original = view.get_component_rich_style
        view.get_component_rich_style = lambda *a, **k: (asked.append(a), original(*a, **k))[1]
        before = rule_colour()
        for _ in range(3):
            await keys(pilot, "1")
        rule_colour()
        assert asked == []  # redraws and answers: from the widget's own cache
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        assert rule_colour() != before and asked  # a new theme: worked out again, new colour


async def test_the_parked_box_has_no_caret_timer(make_app, seeded):
    """The box keeps the focus on every node, but its caret blinks (a timer, a repaint twice a
    second, in every browser tab) only where it takes text."""
    app = make_app(cursor_blink=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        screen = call_screen(app)
        box = screen.query_one("#answer-input")
        assert screen.session.node.kind != "input" and app.focused is box
        assert box.cursor_blink is False and not box._blink_timer._active.is_set()
        await keys(pilot, "1", "1", "1", "1", "1", "1", "1")  # → B1 哪个订房中心 (text input)
        assert box.cursor_blink is True and box._blink_timer._active.is_set()
        await keys(pilot, "text:艺龙", "enter")
        assert screen.session.node.kind != "input"
        assert box.cursor_blink is False and not box._blink_timer._active.is_set()
