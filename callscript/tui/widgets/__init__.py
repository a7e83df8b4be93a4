"""Small widgets of the call screen."""

from callscript.tui.widgets.breadcrumb import TopBar
from callscript.tui.widgets.call_input import CallInput
from callscript.tui.widgets.ime_input import ImeInput
from callscript.tui.widgets.keybar import KeyBar
from callscript.tui.widgets.side_panel import Row, SidePanel

__all__ = ["CallInput", "ImeInput", "KeyBar", "Row", "SidePanel", "TopBar"]
