"""The driver a browser tab's app runs with (``callscript serve`` names it in ``TEXTUAL_DRIVER``).

Textual's :class:`~textual.drivers.web_driver.WebDriver` reads the server's pipe on a thread
that wakes every 0.1 s whether or not anything came (``InputReader``'s select timeout), only
so that a lone Escape is told from the start of an escape sequence once its delay has
passed. On a floor of fifty tabs that is five hundred wake-ups a second of threads that each
need the GIL of a process that has nothing to do — a share of the two cores the tabs' keys
then wait for (docs/scaling.md).

:class:`FloorWebDriver` is that driver with one change: its input thread waits as long as
nothing is pending — until the next byte from the server, or :data:`IDLE_WAKE_SECONDS` so
that it still sees the app closing — and only while the parser holds an unfinished escape
sequence does it wake in time for the parser's own deadline. Everything else (the packets,
the meta messages, the output) is Textual's.
"""

from __future__ import annotations

import os
import selectors
import sys
from codecs import getincrementaldecoder
from typing import Any

from textual import log
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers._byte_stream import ByteStream
from textual.drivers.web_driver import WebDriver, _ExitInput

IDLE_WAKE_SECONDS = 1.0
"""How long the input thread sleeps when no escape sequence is pending (it looks whether the
app is closing at least this often)."""
PENDING_WAKE_SECONDS = 0.1
"""Textual's own wake-up, kept while a sequence is pending but the parser names no deadline."""


def input_wait(parser: Any, now: float) -> float:
    """Seconds the input thread may sleep: up to the parser's deadline for an unfinished escape
    sequence (``Parser._timeout_time`` in textual 8), else :data:`IDLE_WAKE_SECONDS`."""
    try:
        deadline = parser._timeout_time
    except AttributeError:  # another textual: its parser may need the old steady ticks
        return PENDING_WAKE_SECONDS
    if deadline is None:
        return IDLE_WAKE_SECONDS
    return max(0.0, min(IDLE_WAKE_SECONDS, deadline - now))


class FloorWebDriver(WebDriver):
    """Textual's web driver whose input thread sleeps while nothing is pending."""

    def run_input_thread(self) -> None:
        """Textual's ``WebDriver.run_input_thread`` with :func:`input_wait` as the select timeout."""
        parser = XTermParser(debug=self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        byte_stream = ByteStream()
        assert sys.__stdin__ is not None
        fileno = sys.__stdin__.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fileno, selectors.EVENT_READ)
        exit_event = self.exit_event
        try:
            while not exit_event.is_set():
                for _key, mask in selector.select(input_wait(parser, get_time())):
                    if mask & selectors.EVENT_READ:
                        data = os.read(fileno, 1024)
                        if not data:
                            return
                        for packet_type, payload in byte_stream.feed(data):
                            if packet_type == "D":
                                for event in parser.feed(decode(payload)):
                                    self.process_message(event)
                            else:
                                self._on_meta(packet_type, payload)
                for event in parser.tick():
                    self.process_message(event)
        except _ExitInput:
            pass
        except Exception:
            from traceback import format_exc

            log(format_exc())
        finally:
            selector.close()
