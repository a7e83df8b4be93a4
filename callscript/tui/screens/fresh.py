"""Screens made anew for each call skip Textual's restyle of the whole screen when first shown.

Textual sends a screen a ``ScreenResume`` each time it becomes the current screen, and by
default the screen then works its CSS out again for every widget in it (the styles could
have changed while it was hidden: a theme, a focus elsewhere). A screen shown for the first
time was never hidden: its widgets were styled moments before, as they were mounted. For
the call screen and the end-of-call card, made for every call, that second pass was about
a fifth of the key that shows them (the next lead's call screen, the summary card) — the
slowest keys of a call, and in a browser tab on a busy floor server the ones that made the
tail of the key → screen figure (bench/bench_serve.py, docs/scaling.md).

Only the first resume skips the restyle, and only if the app's CSS has not changed since
the screen was made (``App._css_update_count``, which a theme change or a CSS reload
moves); every later resume (the screen shown again after a dialog or another screen) is
Textual's own.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen


class FreshScreen(Screen[Any]):
    """A screen whose first ``ScreenResume`` does not restyle the widgets it has just styled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._styled_with: int | None = None
        """The app's CSS generation when this screen's widgets were styled (on mount)."""

    # Textual dispatches an event to the handler of every class in the MRO, subclass first:
    # these run before Screen's own (no super() call, or Screen's would run twice).
    def _on_mount(self, event: events.Mount) -> None:
        self._styled_with = self.app._css_update_count

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        styled_with, self._styled_with = self._styled_with, None
        if styled_with is not None and styled_with == self.app._css_update_count:
            event.refresh_styles = False  # first shown: styled as mounted, nothing changed since
