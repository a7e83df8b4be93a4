"""Reading what the terminal shows (plain text, row by row) during a Pilot test."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App


def screen_lines(app: App) -> list[str]:
    """The visible rows as text, including dialogs over the screen below."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    text = console.export_text(styles=False)
    return text.split("\n")[:height]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))


def squash(text: str) -> str:
    """The screen text without line breaks and padding, for finding wrapped lines."""
    return "".join(line.strip() for line in text.split("\n"))


async def settle(pilot, delay: float = 0.0) -> None:
    """Let queued messages, workers and database replies run."""
    from textual.worker import WorkerCancelled

    await pilot.pause(delay)
    try:
        await pilot.app.workers.wait_for_complete()
    except WorkerCancelled:
        pass
    await pilot.pause()
