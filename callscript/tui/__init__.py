"""The agent's Textual app: start of shift, lead list, the live-call screen, summary.

Only this package imports Textual. It talks to storage through
:mod:`callscript.tui.backend` (one module, one thread) and never runs SQL itself.
"""

from callscript.tui.bytecode import compile_ahead
from callscript.tui.garbage import pause_for_start

compile_ahead()  # a first start after an install: compile on the other core (one stat() otherwise)
pause_for_start()  # the start allocates what stays: fewer collector passes until the start of shift
