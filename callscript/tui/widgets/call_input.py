"""The answer box of an input node: Backspace on an empty box means "go back one step".

A held-down Backspace must not clear the text and then keep undoing answers, so
"back" needs the box to have been empty for a moment (``back_guard`` seconds)
before the key arrived; a fresh, separate press works at once.
"""

from __future__ import annotations

import time

from textual.message import Message

from callscript.tui.widgets.ime_input import ImeInput


class CallInput(ImeInput):
    class BackRequested(Message):
        """Backspace on an empty box."""

    back_guard: float = 0.35

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._emptied_at = 0.0

    def set_value(self, value: str) -> None:
        """Set the text programmatically (a new node, or a value restored by undo); an
        unchanged value is not set again (each set repaints and moves the caret)."""
        if self.value != value:
            self.value = value
        if self.cursor_position != len(value):
            self.cursor_position = len(value)
        self._emptied_at = 0.0

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if not value:
            self._emptied_at = time.monotonic()

    def action_delete_left(self) -> None:
        if self.value or self.selection.start != self.selection.end:
            super().action_delete_left()
            return
        if self._emptied_at and time.monotonic() - self._emptied_at < self.back_guard:
            return  # the tail of a held-down Backspace that just cleared the box
        self.post_message(self.BackRequested())
