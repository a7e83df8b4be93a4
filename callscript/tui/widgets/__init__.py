"""Small widgets of the call screen."""

from .breadcrumb import TopBar
from .call_input import CallInput
from .ime_input import ImeInput
from .keybar import KeyBar, keys_text
from .side_panel import Row, SidePanel

__all__ = ["TopBar", "CallInput", "ImeInput", "KeyBar", "Row", "SidePanel", "keys_text"]
