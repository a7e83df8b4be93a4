"""The funnel on the script: F9 in the editor, tab 4 on the reports screen (through the Pilot)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import TabbedContent

from callscript.reports.funnel import NodeStats
from callscript.script.loader import load_script
from callscript.script.session import CallSession
from callscript.storage import Store
from callscript.tui.clock import FixedClock
from callscript.tui.screens.reports import ReportsScreen
from callscript.tui.widgets.funnel_tree import FEW, FunnelTree, heat_style
from workshop.conftest import MINI
from workshop.test_editor import editor, make_app, until

T0 = datetime(2025, 11, 25, 10, 0, 0).astimezone()
MINI_TEXT = MINI.read_text(encoding="utf-8")
# (steps, outcome): 6 calls reach 星级, 2 of them refuse at 是否接受; 4 wrong numbers
WALKS = [
    ([("choose", "1"), ("enter", "4"), ("choose", "1"), ("enter", "上海")], "mailed"),
    ([("choose", "1"), ("enter", "3"), ("choose", "1"), ("enter", "北京")], "mailed"),
    ([("choose", "1"), ("skip", None), ("choose", "2")], "refused"),
    ([("choose", "1"), ("enter", "5"), ("choose", "2")], "refused"),
    ([("choose", "1"), ("enter", "2"), ("choose", "1"), ("enter", "广州")], "mailed"),
    ([("choose", "1"), ("enter", "4"), ("choose", "1"), ("enter", "深圳")], "mailed"),
    *[([("choose", "2")], "invalid_number")] * 4,
]


def fill(db_path: Path, script_path: Path) -> None:
    script = load_script(script_path)
    with Store.open(db_path, synchronous="OFF") as store:
        store.add_leads([{"company": f"公司{i}", "phone": f"1380000{i:04d}"} for i in range(len(WALKS))], now=T0)
        script_id = store.store_script_version(script, now=T0)
        t = T0
        for lead, (steps, outcome) in zip(sorted(store.list_leads(), key=lambda x: x.id), WALKS, strict=True):
            call = store.start_call(lead.id, "王芳", script_id, now=t)
            session = CallSession(script)
            for action, argument in steps:
                t += timedelta(seconds=7)
                method = getattr(session, action)
                store.record_event(call, method(argument) if argument is not None else method(), now=t)
            store.finish_call(call, outcome, session.facts, session.grade(), now=t, address="上海")
            t += timedelta(minutes=5)


def label_text(tree: FunnelTree, node_id: str) -> str:
    label = tree.lines_for[node_id].label
    return label.plain if isinstance(label, Text) else str(label)


@pytest.fixture
def mini_file(tmp_path) -> Path:
    path = tmp_path / "scripts" / "mini.yaml"
    path.parent.mkdir()
    path.write_text(MINI_TEXT, encoding="utf-8")
    return path


async def test_f9_shows_the_edited_scripts_tree_with_each_nodes_numbers(mini_file, tmp_path):
    fill(tmp_path / "calls.db", mini_file)
    app = make_app(mini_file, tmp_path, clock=FixedClock(T0 + timedelta(days=1)))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = editor(app)
        await until(pilot, lambda: screen.check is not None)
        panel = screen.funnel_panel
        assert not panel.display
        await pilot.press("f9")
        await until(pilot, lambda: screen.funnel_view is not None and panel.lines_for)
        assert panel.display and "版本 #1" in str(panel.root.label) and "近30天" in str(panel.root.label)
        assert "到达 10 · 结束 40.0% · 流失 0.0% (0)" in label_text(panel, "hello")
        assert "到达 6 · 结束 33.3% · 流失 33.3% (2)" in label_text(panel, "accept")
        # the cursor's node is followed: two lines under `accept:` is inside 是否接受
        screen.text_area.move_cursor((MINI_TEXT.splitlines().index("  accept:") + 2, 0))
        await pilot.pause()
        assert panel.cursor_node is panel.lines_for["accept"]
        # a node added in the text has no numbers yet
        extra = (
            '  extra:\n    title: 新问题\n    say: 还有吗?\n    options:\n      - {key: "1", label: 好, next: bye}\n'
        )
        edited = MINI_TEXT.replace("nodes:\n", "nodes:\n" + extra, 1).replace(
            "        next: bye\n", "        next: extra\n", 1
        )
        screen.text_area.load_text(edited)
        await until(pilot, lambda: "extra" in panel.lines_for, timeout=10)
        assert "新节点, 还没有数据" in label_text(panel, "extra")
        await pilot.press("f9")
        assert not panel.display


async def test_f9_without_a_database_says_so(mini_file, tmp_path):
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = editor(app)
        await until(pilot, lambda: screen.check is not None)
        await pilot.press("f9")
        await until(pilot, lambda: screen.funnel_view is not None)
        assert str(screen.funnel_panel.root.label) == "还没有数据库: 没有通话, 没有漏斗"
        assert "hello" in screen.funnel_panel.lines_for  # the tree of the text, without numbers
        assert "没有到达" in label_text(screen.funnel_panel, "hello")


def test_the_heat_colour_follows_the_loss_rate():
    def stats(arrivals: int, refused: int) -> NodeStats:
        node = NodeStats("x", "x", arrivals=arrivals)
        node.ended["refused"] = refused
        return node

    assert heat_style(stats(FEW - 1, 10)) == "dim"
    assert [heat_style(stats(100, n)) for n in (1, 3, 7, 15, 40)] == [
        "black on green",
        "black on yellow",
        "black on dark_orange",
        "white on red",
        "bold white on dark_red",
    ]


class Host(App[None]):
    def __init__(self, screen: ReportsScreen) -> None:
        super().__init__()
        self.report_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.report_screen)


async def test_tab_4_of_the_reports_screen_shows_the_funnel_and_the_losses_in_words(mini_file, tmp_path):
    fill(tmp_path / "calls.db", mini_file)
    screen = ReportsScreen(tmp_path / "calls.db", FixedClock(T0 + timedelta(hours=8)))
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        deadline = time.monotonic() + 10
        while screen.loads < 1:
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        await pilot.press("5")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "tab-funnel"
        tree = screen.query_one("#funnel-tree", FunnelTree)
        assert "到达 6 · 结束 33.3% · 流失 33.3% (2)" in label_text(tree, "accept")
        losses = str(screen.query_one("#funnel-losses").content)
        assert losses.startswith("1. 「是否接受」: 到达 6 次, 2 次在这里流失")
