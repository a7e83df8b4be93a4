"""The call screen and the summary card skip Textual's restyle when first shown (callscript.tui.screens.fresh):
the restyle is not done, and not doing it changes no widget's styles; later showings and a
CSS change in between still restyle."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.fresh import FreshScreen
from callscript.tui.screens.summary import SummaryScreen
from tui.helpers import TO_THE_ENDING, all_saved, call_screen, keys, settle


def restyles(monkeypatch) -> list[Screen]:
    """Every screen whose widgets Textual styles again as a whole (``update_node_styles``)."""
    seen: list[Screen] = []
    original = Screen.update_node_styles

    def spy(self: Screen, animate: bool = True) -> None:
        seen.append(self)
        original(self, animate)

    monkeypatch.setattr(Screen, "update_node_styles", spy)
    return seen


def styles_of(screen: Screen) -> dict[int, tuple[object, ...]]:
    """Each node's CSS rules and its component classes' (what a restyle would set)."""
    return {
        id(node): (
            tuple(node.styles.base.css_lines),
            {name: tuple(styles.base.css_lines) for name, styles in node._component_styles.items()},
        )
        for node in screen.walk_children(with_self=True)
    }


def assert_restyle_changes_nothing(screen: Screen) -> None:
    before = styles_of(screen)
    screen.update_node_styles(animate=False)
    assert styles_of(screen) == before


async def test_a_call_and_its_summary_are_not_restyled_when_first_shown(make_app, seeded, monkeypatch):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        seen = restyles(monkeypatch)
        await keys(pilot, "enter")
        first = call_screen(app)
        assert first not in seen
        assert_restyle_changes_nothing(first)
        await keys(pilot, *TO_THE_ENDING)
        await all_saved(pilot)
        await keys(pilot, "enter")
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        assert summary not in seen
        assert_restyle_changes_nothing(summary)
        await keys(pilot, "enter")  # the next lead: a new call screen
        second = call_screen(app)
        assert second is not first and second not in seen
        assert_restyle_changes_nothing(second)


class Probe(FreshScreen):
    def compose(self) -> ComposeResult:
        yield Static("probe", id="probe")


class CssChangedBeforeShown(Probe):
    def _on_screen_resume(self) -> None:  # runs before FreshScreen's (Textual walks the MRO)
        self.app._css_update_count += 1  # as a theme change or a CSS reload between mount and first showing


async def test_later_showings_and_a_css_change_still_restyle(monkeypatch):
    app = App()
    async with app.run_test() as pilot:
        seen = restyles(monkeypatch)
        probe = Probe()
        app.install_screen(probe, "probe")
        app.install_screen(Screen(), "other")
        await app.push_screen("probe")
        await pilot.pause()
        assert probe not in seen
        await app.switch_screen("other")
        await app.switch_screen("probe")  # shown again: Textual's own restyle
        await pilot.pause()
        assert probe in seen

        changed = CssChangedBeforeShown()
        await app.push_screen(changed)
        await pilot.pause()
        assert changed in seen
        assert isinstance(app.screen, CssChangedBeforeShown)


def test_the_screens_made_for_every_call_are_fresh_screens():
    assert issubclass(CallScreen, FreshScreen) and issubclass(SummaryScreen, FreshScreen)
