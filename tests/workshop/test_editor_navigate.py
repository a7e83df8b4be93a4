"""Finding one's way in a real script in the editor: Ctrl+G go to a line, Ctrl+F search with
next/previous (Enter/F3, Shift+Enter/Shift+F3), Ctrl+T jump to a node by id or title."""

from __future__ import annotations

from callscript.tui.editor.navigate import find_matches, matching_nodes, next_match, node_line
from workshop.conftest import MINI
from workshop.test_editor import checked, editor, make_app, mini_file  # noqa: F401 - the fixture

LINES = MINI.read_text(encoding="utf-8").splitlines()


def test_matches_are_found_case_insensitively_and_stepped_through_with_wrap_around():
    assert find_matches(["Next: a", "x next next"], "NEXT") == [(0, 0), (1, 2), (1, 7)]
    matches = [(0, 0), (1, 2), (1, 7)]
    assert next_match(matches, (1, 2), here=True) == 1
    assert next_match(matches, (1, 2)) == 2
    assert next_match(matches, (1, 7)) == 0  # wraps to the first
    assert next_match(matches, (0, 0), backwards=True) == 2  # and back to the last
    assert next_match([], (0, 0)) is None


def test_a_node_is_found_by_id_or_title_and_its_line_under_nodes():
    assert node_line(LINES, "star") == 21
    assert node_line(LINES, "nowhere") is None
    assert matching_nodes([("hello", "开场白"), ("star", "星级"), ("st", "地址")], "st") == [
        ("st", "地址"),
        ("star", "星级"),
    ]
    assert matching_nodes([("hello", "开场白"), ("star", "星级")], "星级") == [("star", "星级")]


async def test_ctrl_g_goes_to_a_line(mini_file, tmp_path):  # noqa: F811
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await checked(pilot)
        await pilot.press("ctrl+g", "2", "1", "enter")
        await pilot.pause()
        assert screen.text_area.cursor_location == (20, 0)


async def test_ctrl_f_searches_and_enter_f3_shift_step_through_the_matches(mini_file, tmp_path):  # noqa: F811
    app = make_app(mini_file, tmp_path)
    matches = find_matches(LINES, "next:")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await checked(pilot)
        area = screen.text_area

        def selected():
            return area.selection.start, area.selection.end

        def at(i):
            row, col = matches[i]
            return (row, col), (row, col + len("next:"))

        await pilot.press("ctrl+f", *"next:")
        await pilot.pause()
        assert selected() == at(0)  # found as it is typed
        await pilot.press("enter")
        await pilot.pause()
        assert selected() == at(1)
        await pilot.press("shift+enter")
        await pilot.pause()
        assert selected() == at(0)
        await pilot.press("escape")  # the bar closes; F3 still steps through the last search
        await pilot.pause()
        assert area.has_focus
        await pilot.press("f3", "f3")
        await pilot.pause()
        assert selected() == at(2)
        await pilot.press("shift+f3")
        await pilot.pause()
        assert selected() == at(1)
        assert area.text == mini_file.read_text(encoding="utf-8")  # searching changes nothing


async def test_ctrl_t_jumps_to_a_node_by_its_title(mini_file, tmp_path):  # noqa: F811
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = editor(app)
        await checked(pilot)
        await pilot.press("ctrl+t", *"星级", "enter")
        await pilot.pause()
        assert screen.text_area.cursor_location == (20, 2)  # `  star:` on line 21
