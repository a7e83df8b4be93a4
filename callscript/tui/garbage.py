"""Keeping the garbage collector's pauses out of calls.

A full collection of the app's long-lived objects costs 30–50 ms: on an answer, that
is a missed frame. So the app freezes its long-lived objects at start of shift, and the
summary card collects and freezes again between calls (while the agent reads it).
"""

from __future__ import annotations

import gc


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
    then on."""
    gc.freeze()
