"""An Input whose terminal cursor sits at the insertion point, for Chinese input methods.

The IME draws its candidate window at the terminal's cursor. Textual's Input puts
that cursor one cell *past* the block it draws when the caret is at the end of
the text (``_cursor_offset`` adds 1 there), so candidates would appear one cell
to the right of where the next character goes. This subclass reports the cell of
the insertion point itself; wide characters count two cells (Textual's own
``_position_to_cell``). Drawing is unchanged.

It also keeps control characters out of what is typed or pasted; each box sets
``max_length`` from :data:`callscript.core.cleantext.LIMITS`, so storage never refuses a
text the agent was allowed to type.
Textual places the terminal cursor when the box gets the focus and when the caret moves.
A box that is shown and focused in the same pass (the call screen's answer box on a new
node, a dialog's box on open) has no place on screen yet at that moment, so the cursor
would stay where it was — in the breadcrumb — until the first key. :meth:`place_cursor`
runs again once the box is laid out (after the focus, on resize, and whenever the screen
asks after moving it).
"""

from __future__ import annotations

from textual.events import Focus, Resize
from textual.geometry import Offset
from textual.widgets import Input

from callscript.core.cleantext import strip_controls


class ImeInput(Input):
    @property
    def cursor_screen_offset(self) -> Offset:
        x, y, _width, _height = self.content_region
        scroll_x, _ = self.scroll_offset
        return Offset(x + self._position_to_cell(self.cursor_position) - scroll_x, y)

    def replace(self, text: str, start: int, end: int) -> None:
        """Every insertion — a key, a paste — goes through here: control characters never get
        into the box (a pasted ``\\e]0;…\a`` would otherwise reach the screen and the database;
        callscript/core/cleantext.py is the rule)."""
        super().replace(strip_controls(text, keep_newlines=False), start, end)

    def place_cursor(self) -> None:
        """Put the terminal cursor (and the IME's candidate window) at the insertion point."""
        if self.has_focus and self.is_mounted:
            self.app.cursor_position = self.cursor_screen_offset

    def on_focus(self, event: Focus) -> None:
        self.call_after_refresh(self.place_cursor)  # once the box has its place on screen

    def on_resize(self, event: Resize) -> None:
        self.place_cursor()
