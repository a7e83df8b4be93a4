"""The call screen's answer box: it keeps the focus for the whole call.

Moving the focus restyles the widgets around it (Textual re-applies the CSS of the focused
and the blurred widget's subtrees) and a box shown and hidden with ``display`` loses the
focus each time it is hidden: on an answer into or out of an input node that was most of
the keypress. So the box is focused once, when the call starts, and stays focused; on a node
that takes no text it is *parked* (moved out of view by the screen, :attr:`accepting` off)
and lets every key through: a digit reaches the screen as an answer, Enter finishes,
Backspace goes back — the box's own bindings say they do not apply (:meth:`check_action`),
so Textual goes on to the screen's.

Backspace on an empty box means "go back one step". A held-down Backspace must not clear
the text and then keep undoing answers, so "back" needs the box to have been empty for a
moment (``back_guard`` seconds) before the key arrived; a fresh, separate press works at once.
"""

from __future__ import annotations

import time
from typing import Self

from textual import events
from textual.geometry import Region
from textual.message import Message

from callscript.tui.widgets.ime_input import ImeInput


class CallInput(ImeInput):
    class BackRequested(Message):
        """Backspace on an empty box."""

    back_guard: float = 0.35

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._emptied_at = 0.0
        self._value_changing = False
        self.accepting = False
        """True on an input node: keys edit the box. False: the box is parked and passes keys on."""

    def set_value(self, value: str) -> None:
        """Set the text programmatically (a new node, or a value restored by undo); an
        unchanged value is not set again (each set repaints and moves the caret)."""
        if self.value != value:
            self.value = value
        if self.cursor_position != len(value):
            self.cursor_position = len(value)
        self._emptied_at = 0.0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.accepting:
            return False  # parked: the screen's binding for the same key applies (Enter, Backspace, …)
        return super().check_action(action, parameters)

    async def _on_key(self, event: events.Key) -> None:
        if self.accepting:
            await super()._on_key(event)
        else:
            event.prevent_default()  # not Input's typing; not stopped: the key bubbles on to the screen

    def _on_paste(self, event: events.Paste) -> None:
        if self.accepting:
            super()._on_paste(event)
        else:
            event.prevent_default()

    def on_mount(self) -> None:
        # The box moves by its offset (a layout, no Resize, no Focus event): after each layout
        # the IME's cursor goes where the box now is, before the first key.
        self.screen.screen_layout_refresh_signal.subscribe(self, self._laid_out, immediate=True)

    def _laid_out(self, _screen: object) -> None:
        if self.accepting and self.has_focus:
            before = self.app.cursor_position
            self.place_cursor()
            if self.app.cursor_position != before:
                self.refresh()  # a frame (of this box only) that takes the cursor there

    def place_cursor(self) -> None:
        if self.accepting:
            super().place_cursor()

    def _watch_value(self, value: str) -> None:
        # Textual's Input sets its virtual size to the text's width on every change, and the
        # virtual size is a layout reactive: one layout of the whole screen per typed character.
        # The box's size never depends on its text (the screen sets it), so a repaint of the box
        # is all a new text needs; horizontal scrolling reads the virtual size as set.
        self._value_changing = True
        try:
            super()._watch_value(value)
        finally:
            self._value_changing = False
        if not value:
            self._emptied_at = time.monotonic()

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if layout and self._value_changing:
            layout, repaint = False, True
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def action_delete_left(self) -> None:
        if self.value or self.selection.start != self.selection.end:
            super().action_delete_left()
            return
        if self._emptied_at and time.monotonic() - self._emptied_at < self.back_guard:
            return  # the tail of a held-down Backspace that just cleared the box
        self.post_message(self.BackRequested())
