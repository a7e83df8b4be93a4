"""A minimal Textual app run under callscript's web driver (tests/tui/test_web_driver.py):
writes each key it gets, and the time it got it, to ``$KEYS_OUT``; quits on "q"."""

from __future__ import annotations

import os
import time

from textual import events
from textual.app import App


class KeyLogger(App[None]):
    def on_key(self, event: events.Key) -> None:
        with open(os.environ["KEYS_OUT"], "a", encoding="utf-8") as fh:
            fh.write(f"{time.monotonic()} {event.key}\n")
        if event.key == "q":
            self.exit()


if __name__ == "__main__":
    KeyLogger().run()
