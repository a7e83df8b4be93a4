"""Keeping the garbage collector's pauses out of calls.

A full collection of the app's long-lived objects costs 30–50 ms: on an answer, that
is a missed frame. So the app collects once and freezes what survives at start of
shift, and the summary card does it again between calls (while the agent reads it).
"""

from __future__ import annotations

import gc


def settle_garbage() -> None:
    """Collect once and freeze what survives, so the collector's occasional full pass
    during a call has little to walk."""
    gc.collect()
    gc.freeze()
