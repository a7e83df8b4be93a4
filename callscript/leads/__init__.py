"""Leads in, mailings out: import lists, the lead list, do-not-call by number, exports.

No Textual, no terminal: the CLI (``callscript leads …``, ``callscript export …``)
and the TUI use these functions, which use only the public ``Store`` API (no SQL
here). The life-cycle rules they show are :mod:`callscript.core.lifecycle`'s.
See docs/leads.md.

The names below are imported from their modules when first asked for (PEP 562): the
agent's app reads the lead list and watches it on its way to the first call, and must not
pay there for the importer and its file readers, which only ``callscript leads import``
and the add-lead form use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Imported now, not lazily: the function shares its module's name, and a lazy lookup would
# find the submodule that importing it binds here (the agent's app needs it at once anyway).
from callscript.leads.lead_list import LeadListRow, lead_list

if TYPE_CHECKING:
    from callscript.leads.do_not_call import clear_phone_do_not_call, end_call_do_not_call, mark_phone_do_not_call
    from callscript.leads.importer import ImportResult, import_leads, parse_mapping
    from callscript.leads.readers import ImportFileError
    from callscript.leads.watch import DueAlert, ListWatch, Look

_HOMES = {
    "clear_phone_do_not_call": "do_not_call",
    "end_call_do_not_call": "do_not_call",
    "mark_phone_do_not_call": "do_not_call",
    "ImportResult": "importer",
    "import_leads": "importer",
    "parse_mapping": "importer",
    "ImportFileError": "readers",
    "DueAlert": "watch",
    "ListWatch": "watch",
    "Look": "watch",
}
"""Each lazily imported public name and the module of this package it lives in."""

__all__ = [
    "DueAlert",
    "ImportFileError",
    "ImportResult",
    "LeadListRow",
    "ListWatch",
    "Look",
    "clear_phone_do_not_call",
    "end_call_do_not_call",
    "import_leads",
    "lead_list",
    "mark_phone_do_not_call",
    "parse_mapping",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # asked once: a plain attribute from then on
    return value
