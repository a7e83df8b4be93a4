"""Leads in, mailings out: import lists, the lead list, do-not-call by number, exports.

No Textual, no terminal: the CLI (``callscript leads …``, ``callscript export …``)
and the TUI use these functions, which use only the public ``Store`` API (no SQL
here). The life-cycle rules they show are :mod:`callscript.core.lifecycle`'s.
See docs/leads.md.
"""

from callscript.leads.do_not_call import clear_phone_do_not_call, end_call_do_not_call, mark_phone_do_not_call
from callscript.leads.importer import ImportResult, import_leads, parse_mapping
from callscript.leads.lead_list import LeadListRow, lead_list
from callscript.leads.readers import ImportFileError
from callscript.leads.watch import DueAlert, ListWatch, Look

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
