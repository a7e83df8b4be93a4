"""The agent side of the two-process publishing test: the real agent app, headless, driven by keys.

    python tests/workshop/agent_child.py SCRIPT DB CONFIG

Runs :class:`~callscript.tui.app.CallscriptApp` (through ``App.run_test``, so no
terminal is needed) on the script file, exactly as ``callscript`` would load it,
and talks to the test over stdout/stdin, one line at a time:

* ``CALL 1 <sha256>``: call 1 is under way (the contact answered; at the star input);
  then it waits for a line on stdin, printing ``NOTICE <text>`` for every notice
  the app shows the agent meanwhile (the test replaces the file here);
* ``ENDED 1 <sha256>``: call 1 finished on the script its session holds;
* ``CALL 2 <sha256> <title>``: the next call, started from the summary card (Enter);
* ``ENDED 2 <sha256>`` then ``DONE``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from callscript.tui.app import CallscriptApp
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.leads import LeadListScreen
from callscript.tui.screens.summary import SummaryScreen


def say(*parts: object) -> None:
    print(*parts, flush=True)


async def until(pilot, predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting on {pilot.app.screen!r}")
        await pilot.pause(0.01)


async def saved(pilot, screen: CallScreen) -> None:
    await until(pilot, lambda: screen._status.saved == screen._submitted and screen._status.error is None)


async def main(script: Path, db: Path, config: Path) -> None:
    app = CallscriptApp(
        script_path=script,
        db_path=db,
        agent="李四",
        config_file=config,
        cursor_blink=False,
        live_timer=False,
        back_guard=0.0,
        script_poll=0.05,
        store_options={"synchronous": "NORMAL"},
    )
    original_notify = app.notify

    def notify(message, *args, **kwargs):
        say("NOTICE", " ".join(str(message).split()))
        return original_notify(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LeadListScreen) and app.screen.rows)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CallScreen))
        call = app.screen
        await pilot.press("1")  # 本人 → star
        await until(pilot, lambda: call.session.node_id == "star")
        say("CALL", 1, call.session.script.sha256)
        await asyncio.to_thread(sys.stdin.readline)  # the file is replaced meanwhile; the app keeps polling
        await pilot.press("4", "enter", "1", "a", "b", "c", "enter")  # star 4 → 愿意 → address → closing
        await until(pilot, lambda: call.session.finished)
        await saved(pilot, call)
        say("ENDED", 1, call.session.script.sha256, call.session.outcome)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await pilot.press("enter")  # next lead: the next call
        await until(pilot, lambda: isinstance(app.screen, CallScreen) and app.screen is not call)
        second = app.screen
        say("CALL", 2, second.session.script.sha256, second.session.script.title)
        await pilot.press("2")  # 空号
        await until(pilot, lambda: second.session.finished)
        await saved(pilot, second)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        say("ENDED", 2, second.session.script.sha256, second.session.outcome)
    say("DONE")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
