"""Keeping the garbage collector's pauses out of calls — and out of the start.

A full collection of the app's long-lived objects costs 30–50 ms: on an answer, that
is a missed frame. So the app freezes its long-lived objects at start of shift, and the
summary card collects and freezes again between calls (while the agent reads it).

The start itself (imports, Textual's set-up, the first screens) allocates over a million
objects that nearly all stay alive: at the default thresholds the collector ran ~150 times
on the way to the first call (a full pass among them), finding almost nothing.
:func:`pause_for_start` (called when ``callscript.tui`` is imported) raises the thresholds
until :func:`freeze_start_of_shift`; the collector still runs now and then (memory stays
bounded), and a process that never starts a shift (the editor, a test) gets the usual
thresholds back at its first collection after :data:`START_SECONDS`.
"""

from __future__ import annotations

import gc
import time

START_THRESHOLDS = (50_000, 50, 1_000)
"""Collector thresholds during the start (the defaults are 700, 10, 10)."""

START_SECONDS = 5.0
"""The longest the start thresholds stay (a process that never reaches a start of shift)."""

_usual: tuple[int, int, int] | None = None
_until = 0.0


def pause_for_start(seconds: float = START_SECONDS) -> None:
    """Raise the collector's thresholds for the start (see the module docstring); once only."""
    global _usual, _until
    if _usual is not None:
        return
    _usual = gc.get_threshold()
    _until = time.monotonic() + seconds
    gc.set_threshold(*START_THRESHOLDS)
    gc.callbacks.append(_end_when_late)


def end_start_pause() -> None:
    """The usual thresholds again (the start is over)."""
    global _usual
    if _usual is None:
        return
    gc.set_threshold(*_usual)
    _usual = None
    if _end_when_late in gc.callbacks:
        gc.callbacks.remove(_end_when_late)


def _end_when_late(phase: str, _info: dict[str, int]) -> None:
    if phase == "stop" and time.monotonic() > _until:
        end_start_pause()


def settle_garbage() -> None:
    """Collect once and freeze what survives, so the collector's occasional full pass
    during a call has little to walk (between calls: the summary card)."""
    gc.collect()
    gc.freeze()


def freeze_start_of_shift() -> None:
    """Freeze what start-up made (modules, classes, the screens), without collecting first.

    At start of shift the heap holds almost nothing but live objects (imports, Textual's
    set-up), so a full collection finds little and costs 40–50 ms on the way to the first
    call; freezing alone keeps all of it out of every later collection, which is what keeps
    the pauses out of the first call. What garbage start-up left stays frozen (a few
    hundred kilobytes at most); the summary card's :func:`settle_garbage` collects from
    then on. The collector's usual thresholds come back here (:func:`pause_for_start`)."""
    gc.freeze()
    end_start_pause()
