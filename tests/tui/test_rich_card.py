"""RichCard (the summary card): drawn once per width, and drawn exactly as a Static draws it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.visual import RichVisual
from textual.widgets import Static

from callscript.tui.text import CellWrapped
from callscript.tui.widgets.rich_card import DrawnOnce, RichCard


def card_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("客户", CellWrapped("深圳市某某科技有限公司 王经理"))
    table.add_row("寄送地址", CellWrapped(Text("广东省深圳市南山区科技园南区高新南七道数字技术园B1栋" * 2, "bold")))
    notes = Table.grid()
    notes.add_column()
    notes.add_row(CellWrapped(Text("! 客户说下周三以后再打 13918765402", "red"), hang=2))
    table.add_row("备注", notes)
    return table


class CardApp(App[None]):
    CSS = "#card { border: round $primary; padding: 0 1; }"

    def __init__(self, kind: type[Static]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.kind(card_table(), id="card")


async def drawn_lines(kind: type[Static], size: tuple[int, int]) -> list[str]:
    app = CardApp(kind)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_card_looks_as_a_static_would_draw_it():
    for size in [(80, 24), (40, 30)]:
        assert await drawn_lines(RichCard, size) == await drawn_lines(Static, size)


async def test_the_card_is_drawn_once_per_width(monkeypatch):
    drawn: list[int] = []  # the width of each drawing of the table (Textual's own visual does the drawing)
    draw = RichVisual.render_strips

    def counted(self, width, height, style, options):
        drawn.append(width)
        return draw(self, width, height, style, options)

    monkeypatch.setattr(RichVisual, "render_strips", counted)
    app = CardApp(RichCard)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        card = app.query_one("#card", RichCard)
        visual = card.visual
        assert isinstance(visual, DrawnOnce)
        assert len(drawn) == 1  # laid out and painted from one drawing
        card.refresh()
        await pilot.pause()
        assert len(drawn) == 1  # a repaint hands the same lines back
        await pilot.resize_terminal(50, 24)
        await pilot.pause()
        assert len(drawn) == 2 and drawn[1] < drawn[0]  # a new width: drawn again, once
        assert "13918765402" in "".join(strip.text for strip in app.screen._compositor.render_strips())
