"""Reading what the terminal shows (plain text, row by row) and driving the app by keys."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App
from textual.worker import WorkerCancelled

TO_THE_ENDING = [
    "1",
    "1",
    "1",
    "1",
    "1",
    "1",
    "4",
    "1",
    "text:4",
    "enter",
    "1",
    "text:深圳市南山区科技园1号",
    "enter",
    "1",
]
"""A call's answers from 开场白 (B4, four stars, an address) to the closing line of 寄资料."""


def screen_lines(app: App) -> list[str]:
    """The visible rows as text, including dialogs over the screen below."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    text = console.export_text(styles=False)
    return text.split("\n")[:height]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))


def squash(text: str) -> str:
    """Screen text without line breaks, side-panel borders and padding, for finding wrapped lines."""
    return "".join(part.strip() for line in text.split("\n") for part in line.split("│"))


def region_text(app: App, selector: str) -> str:
    """What the screen shows inside one widget's region (cell-exact, wide characters whole)."""
    widget = app.screen.query_one(selector)
    region = getattr(widget, "text_region", widget.content_region)  # inside an edge the widget draws itself
    strips = app.screen._compositor.render_strips()
    rows = []
    for y in range(region.y, region.bottom):
        rows.append(strips[y].crop(region.x, region.right).text.rstrip())
    return "\n".join(rows)


def region_flat(app: App, selector: str) -> str:
    return "".join(region_text(app, selector).split())


def script_flat(app: App, part: str) -> str:
    """The call screen's line to say (``"say"``) or what is under it (``"answers"``), as the
    screen shows it, spaces and line breaks removed."""
    view = app.screen.query_one("#script")
    region = view.content_region
    strips = app.screen._compositor.render_strips()
    rows = (strips[region.y + y].crop(region.x, region.right).text for y in view.rows(part))
    return "".join("".join(rows).split())


def flat(app) -> str:
    """The screen's text with every space and line break removed."""
    return "".join(squash(screen_text(app)).split())


async def settle(pilot, delay: float = 0.0) -> None:
    """Let queued messages, workers and database replies run."""
    import asyncio

    await pilot.pause(delay)
    app = pilot.app

    async def quick_workers() -> None:
        # The start-up, resume, idle-lock and board-action workers wait on dialogs the test has yet
        # to answer: skip them (waiting would time out and cancel them).
        waiting = ("startup", "resume", "lock", "floor-action")
        quick = [w for w in app.workers if w.group not in waiting and not w.is_finished]
        if quick:
            try:
                await asyncio.wait_for(app.workers.wait_for_complete(quick), timeout=10)
            except WorkerCancelled:
                pass

    await quick_workers()
    if not getattr(app, "ready", True) and not isinstance(app.screen, _WAITING_SCREENS()):
        await wait_for(pilot, lambda: app.ready or isinstance(app.screen, _WAITING_SCREENS()))
        await quick_workers()  # what the first screen started meanwhile (the lead list's first read)
    await pilot.pause()


def _WAITING_SCREENS():
    from callscript.tui.app import ErrorScreen
    from callscript.tui.screens.agent import AgentNameScreen
    from callscript.tui.screens.login import LoginScreen

    return (AgentNameScreen, ErrorScreen, LoginScreen)


async def keys(pilot, *seq: str) -> None:
    """Press keys; ``"text:…"`` types each character of the text."""
    for item in seq:
        if item.startswith("text:"):
            for char in item[5:]:
                await pilot.press("space" if char == " " else char)
        else:
            await pilot.press(item)
    await settle(pilot)


async def wait_for(pilot, predicate, timeout: float = 5.0) -> None:
    """Pause until ``predicate()`` holds (database replies come from another thread)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            import sys

            print("TIMEOUT", time.monotonic(), file=sys.stderr)
            raise AssertionError(f"timed out waiting; {pilot.app.screen_stack} screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.01)


def call_screen(app):
    from callscript.tui.screens.call import CallScreen

    screen = app.screen
    assert isinstance(screen, CallScreen), f"expected the call screen, got {type(screen).__name__}"
    return screen


async def all_saved(pilot) -> None:
    """Wait until the call screen's recorder reports every step on disk."""
    screen = call_screen(pilot.app)
    await wait_for(pilot, lambda: screen._status.saved == screen._submitted and screen._status.error is None)
