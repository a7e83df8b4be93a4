"""Small widgets of the call screen."""

from .breadcrumb import Breadcrumb
from .call_input import CallInput

__all__ = ["Breadcrumb", "CallInput"]
