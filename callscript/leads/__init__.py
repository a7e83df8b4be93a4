"""Leads in, mailings out: import lists, do-not-call, the lead list's life cycle, exports.

No Textual, no terminal: the CLI (``callscript leads …``, ``callscript export …``)
and the TUI use these functions. See docs/leads.md.
"""

from callscript.leads.importer import ImportFileError, ImportResult, import_leads, parse_mapping
from callscript.leads.lifecycle import (
    STAGE_LABELS,
    LeadListRow,
    clear_do_not_call,
    end_call_do_not_call,
    lead_list,
    lead_stage,
    mark_do_not_call,
    mark_phone_do_not_call,
)

__all__ = [
    "STAGE_LABELS",
    "ImportFileError",
    "ImportResult",
    "LeadListRow",
    "clear_do_not_call",
    "end_call_do_not_call",
    "import_leads",
    "lead_list",
    "lead_stage",
    "mark_do_not_call",
    "mark_phone_do_not_call",
    "parse_mapping",
]
