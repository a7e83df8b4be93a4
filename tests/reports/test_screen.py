"""The summary screen in a Pilot: open it, change the date, switch grouping, read the cells."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from backends import copy_of
from textual.app import App
from textual.widgets import Input, Static, TabbedContent

from callscript.tui.clock import FixedClock
from callscript.tui.screens.reports import ReportsScreen
from reports.test_tables import (
    COUNT_KINDS,
    COUNT_LABELS,
    DAILY_D1_AGENT,
    DAILY_D1_INDUSTRY,
    DAILY_D3_INDUSTRY,
    REMARK_LABELS,
    TOTAL_D1,
    TOTAL_D3,
    TOTAL_EMPTY,
    as_table,
    spell,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2025, 3, 5, 14, 0, tzinfo=CST)  # Wednesday afternoon, the known database's third day


class Host(App[None]):
    def __init__(self, screen: ReportsScreen) -> None:
        super().__init__()
        self.report_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.report_screen)


async def loaded(pilot, screen: ReportsScreen, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while screen.loads < count:
        assert time.monotonic() < deadline, "the report did not load"
        await pilot.pause(0.02)
    await pilot.pause()


def legend_lines(screen: ReportsScreen) -> list[str]:
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(screen.query_one("#chart-legend", Static).content)
    return [line for line in console.file.getvalue().splitlines() if line.strip()]


def expected(rows, total, kinds):
    return spell(rows, kinds, as_table) + spell([total], kinds, as_table)


async def test_open_change_date_switch_grouping(known_db):
    screen = ReportsScreen(known_db, FixedClock(NOW))
    async with Host(screen).run_test(size=(160, 40)) as pilot:
        await loaded(pilot, screen, 1)
        title = str(screen.query_one("#report-title", Static).render())
        assert "2025-03-05 周三 (今天)" in title and "按行业" in title
        kinds = ["text", *COUNT_KINDS]
        assert screen.table_labels() == ["行业", *COUNT_LABELS]
        assert screen.table_cells() == expected(DAILY_D3_INDUSTRY, ["合计", *TOTAL_D3], kinds)

        # two days back: the day of the lead called twice
        await pilot.press("left_square_bracket", "left_square_bracket")
        await loaded(pilot, screen, 2)
        assert screen.day.isoformat() == "2025-03-03"
        assert screen.table_cells() == expected(DAILY_D1_INDUSTRY, ["合计", *TOTAL_D1], kinds)
        remarks = str(screen.query_one("#report-remarks", Static).render())
        assert "王芳" in remarks and "开场白清楚" in remarks and "明天补上" in remarks

        # by agent: the remarks move into the rows
        await pilot.press("g")
        await loaded(pilot, screen, 3)
        assert screen.table_labels() == ["业务员", *COUNT_LABELS, *REMARK_LABELS]
        agent_kinds = ["text", *COUNT_KINDS, "text", "text", "text"]
        assert screen.table_cells() == expected(DAILY_D1_AGENT, ["合计", *TOTAL_D1, None, None, None], agent_kinds)
        assert "按业务员" in str(screen.query_one("#report-title", Static).render())

        # a day forward: no calls, empty rates, and a note
        await pilot.press("right_square_bracket")
        await loaded(pilot, screen, 4)
        assert screen.table_cells() == expected([], ["合计", *TOTAL_EMPTY, None, None, None], agent_kinds)
        assert "没有通话记录" in str(screen.query_one("#report-empty", Static).render())

        # back by industry, then type a date
        await pilot.press("g")
        await loaded(pilot, screen, 5)
        await pilot.press("d")
        await pilot.pause()
        dialog_input = pilot.app.screen.query_one("#date-input", Input)
        dialog_input.value = "03-05"
        await pilot.press("enter")
        await loaded(pilot, screen, 6)
        assert screen.day.isoformat() == "2025-03-05"
        assert screen.table_cells() == expected(DAILY_D3_INDUSTRY, ["合计", *TOTAL_D3], kinds)

        # t: back to today after wandering
        await pilot.press("left_square_bracket", "t")
        await loaded(pilot, screen, 8)
        assert screen.day.isoformat() == "2025-03-05"


async def test_due_tab_and_chart(known_db):
    screen = ReportsScreen(known_db, FixedClock(NOW), day=NOW.date().replace(day=3))
    async with Host(screen).run_test(size=(160, 40)) as pilot:
        await loaded(pilot, screen, 1)
        await pilot.press("2")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-due"
        assert screen.table_labels("due-table")[:5] == ["类型", "状态", "应办", "截止", "建议时段"]
        cells = screen.table_cells("due-table")
        assert [row[:5] for row in cells] == [
            ["回电", "逾期", "03-04 10:00", "", "03-04 10:00"],
            ["回电", "今天", "03-05 15:00", "", "15:00"],
            ["回访", "逾期", "02-27", "03-02", "窗口已过"],
        ]
        assert "回电 2 个 · 回访 1 个" in str(screen.query_one("#due-note", Static).render())
        await pilot.press("3")
        await pilot.pause()
        legend = [" ".join(line.split()) for line in legend_lines(screen)]
        # the day's industries with leads, numbered as the bars are, rates and 总个数
        assert legend == [
            "行业 寄卡率 好客户率 总个数",
            "1 金融业 100.0% 50.0% 2",
            "2 临时组织 0.0% 0.0% 2",
            "3 医药保健业 0.0% 0.0% 1",
            "4 未分类 0.0% 0.0% 1",
        ]
        plot_text = screen.query_one("#chart").plt.build()
        assert "█" in plot_text  # the bars were drawn


async def test_k_switches_to_the_maintenance_table_and_4_shows_the_greetings(known_db):
    from reports.test_maintenance import D1_ROWS, KINDS, LABELS

    screen = ReportsScreen(known_db, FixedClock(NOW), day=NOW.date().replace(day=3), company="测试公司")
    async with Host(screen).run_test(size=(160, 40)) as pilot:
        await loaded(pilot, screen, 1)
        await pilot.press("k")
        await loaded(pilot, screen, 2)
        assert "客户维护日表  2025-03-03" in str(screen.query_one("#report-title", Static).render())
        assert screen.table_labels() == LABELS
        assert screen.table_cells() == expected(D1_ROWS, ["合计", *D1_ROWS[0][1:]], KINDS)
        await pilot.press("g")  # per agent only: nothing to switch
        await pilot.pause()
        assert screen.by == "industry" and screen.loads == 2
        await pilot.press("k")
        await loaded(pilot, screen, 3)
        assert screen.table_labels()[0] == "行业"
        await pilot.press("4")
        await loaded(pilot, screen, 4)
        assert screen.query_one(TabbedContent).active == "tab-greetings"
        cells = screen.table_cells("greetings-table")
        assert [row[1] for row in cells] == ["丙", "辛", "乙", "庚", "甲"]  # next holiday from 03-03: 清明
        assert "清明节 04-04 至 04-06" in str(screen.query_one("#greetings-note", Static).render())
        assert "测试公司的王芳" in cells[-1][-1]


async def test_lead_list_key_opens_it_on_the_apps_database(known_db, tmp_path, monkeypatch):
    """Pushed with no arguments (as the lead list's ``r`` does), it uses the app's db_path and clock."""

    class AppLike(App[None]):
        db_path = known_db
        clock = FixedClock(NOW)

        def on_mount(self) -> None:
            self.push_screen(ReportsScreen())

    app = AppLike()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await loaded(pilot, screen, 1)
        assert screen.table_cells()[-1][:2] == ["合计", "3"]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReportsScreen)


async def test_r_on_the_agents_lead_list_opens_it(known_db, tmp_path, monkeypatch):
    """The real app: start of shift on the known database, ``r`` on the lead list, back with Esc."""
    from callscript.reports.demo import demo_script_path
    from callscript.script.loader import load_script
    from callscript.tui.app import CallscriptApp
    from callscript.tui.screens.leads import LeadListScreen

    monkeypatch.setenv("CALLSCRIPT_CONFIG", str(tmp_path / "config.json"))
    path = copy_of(known_db, tmp_path / "app.db")
    app = CallscriptApp(
        db_path=path,
        agent="王芳",
        clock=FixedClock(NOW),
        config_file=tmp_path / "config.json",
        script=load_script(demo_script_path()),
        cursor_blink=False,
        live_timer=False,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        deadline = time.monotonic() + 10
        # the app is ready (start of shift done, the list mounted and focused), not just pushed:
        # a key pressed in between goes to a screen that is not there yet
        while not (isinstance(app.screen, LeadListScreen) and app.ready and app.screen.is_mounted):
            assert time.monotonic() < deadline, "the lead list did not open"
            await pilot.pause(0.05)
        await pilot.pause()
        await pilot.press("r")
        deadline = time.monotonic() + 10  # (under a loaded test run the screen may take a moment to mount)
        while not isinstance(app.screen, ReportsScreen):
            assert time.monotonic() < deadline, "r did not open the reports"
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await loaded(pilot, screen, 1)
        assert screen.db_path == path and screen.day.isoformat() == "2025-03-05"
        assert screen.table_cells()[-1] == [
            "合计",
            "3",
            "3",
            "2",
            "2",
            "0",
            "0",
            "66.7%",
            "100.0%",
            "66.7%",
            "3",
            "200.0",
            "0",
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LeadListScreen)
