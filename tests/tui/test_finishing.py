"""Enter on the ending: the key is answered at once (结束中 in the save indicator) while the call
is stored, the card follows; a failure puts the indicator back and keeps the call on screen."""

from __future__ import annotations

import threading

from callscript.tui.backend import Backend
from callscript.tui.screens.summary import SummaryScreen
from callscript.tui.widgets import TopBar
from tui.helpers import TO_THE_ENDING, all_saved, call_screen, keys, settle, wait_for


def saved_text(app) -> str:
    return "".join(text for text, _ in call_screen(app).query_one("#topbar", TopBar).saved)


async def test_finishing_shows_at_once_and_the_card_follows(make_app, seeded, monkeypatch):
    release = threading.Event()
    original = Backend.finish_call

    def slow_finish(self, *args, **kwargs):  # a busy database: the card must wait for it
        release.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Backend, "finish_call", slow_finish)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", *TO_THE_ENDING)
        await all_saved(pilot)
        assert "已保存" in saved_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert "结束中" in saved_text(app)  # the key answered before the database did
        assert "结束中" in "".join(strip.text for strip in app.screen._compositor.render_strips())
        release.set()
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen))


async def test_a_failed_finish_puts_the_indicator_back(make_app, seeded, monkeypatch):
    def failing_finish(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Backend, "finish_call", failing_finish)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", *TO_THE_ENDING)
        await all_saved(pilot)
        await keys(pilot, "enter")
        await wait_for(pilot, lambda: "已保存" in saved_text(app))
        assert "结束中" not in saved_text(app)
        assert not isinstance(app.screen, SummaryScreen)


async def test_the_call_is_not_finished_while_an_answer_is_not_on_disk(make_app, seeded, monkeypatch):
    """The answers and the outcome go in one trip to the database thread (Backend.finish_after):
    a queued answer that cannot be written stops the finish, and nothing is stored as finished."""
    from callscript.storage.acting import ActingStore

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await keys(pilot, "enter", *TO_THE_ENDING[:-1])
        await all_saved(pilot)
        original = ActingStore.record_event
        failing = {"on": True}

        def record_event(self, *args, **kwargs):
            if failing["on"]:
                raise OSError("disk full")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(ActingStore, "record_event", record_event)
        await keys(pilot, TO_THE_ENDING[-1])  # the last answer: its write fails
        screen = call_screen(app)
        await wait_for(pilot, lambda: screen._status.error is not None)
        await keys(pilot, "enter")
        await pilot.pause(0.2)
        assert call_screen(app) is screen  # not finished: no card
        assert app.backend.acting.get_call(screen.info.call_id).ended_at is None
        failing["on"] = False
        await keys(pilot, "ctrl+r")
        await wait_for(pilot, lambda: screen._status.error is None)
        await keys(pilot, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen))
        assert app.backend.acting.get_call(screen.info.call_id).ended_at is not None
