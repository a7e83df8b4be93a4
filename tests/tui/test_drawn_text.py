"""DrawnText (the lead list's title): wrapped by the widget, as tall as its rows; a new text
repaints rows and lays the screen out only when the number of rows changes."""

from __future__ import annotations

from textual.app import App, ComposeResult

from callscript.tui.widgets.drawn import DrawnText


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield DrawnText(pad=1, id="title")


def _rows(widget: DrawnText) -> list[str]:
    return ["".join(text for text, _ in line) for line in widget.lines]


async def test_a_title_wraps_at_the_width_and_the_widget_grows_and_shrinks_with_it():
    app = _One()
    async with app.run_test(size=(40, 10)) as pilot:
        title = app.query_one(DrawnText)
        title.show([(("客户列表", "bold reverse"), ("  回电到期 3 · 新客户 97", "dim"))])
        await pilot.pause()
        assert title.size.height == 1 and _rows(title)[0].startswith(" 客户列表")
        reflows = []
        reflow = app.screen._compositor.reflow
        app.screen._compositor.reflow = lambda *a, **k: (reflows.append(1), reflow(*a, **k))[1]
        title.show([(("客户列表", "bold reverse"), ("  回电到期 4 · 新客户 96", "dim"))])
        await pilot.pause()
        assert "回电到期 4" in _rows(title)[0] and reflows == []  # same height: a repaint only
        long = "坐席 张三 · 携程旅行网   回电到期 4 · 跟进 2 · 新客户 96"
        title.show([(("客户列表", "bold reverse"), (long, ""))])
        await pilot.pause()
        assert title.size.height == 2 and reflows  # two rows now: one layout
        joined = "".join(row.strip() for row in _rows(title))
        assert joined.replace(" ", "") == ("客户列表" + long).replace(" ", "")  # nothing cut
        assert all(row.startswith(" ") for row in _rows(title))  # the margin on every row
        title.show([(("客户列表", ""),)])
        await pilot.pause()
        assert title.size.height == 1
