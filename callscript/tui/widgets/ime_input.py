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
"""

from __future__ import annotations

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
