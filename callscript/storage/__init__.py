"""Storage: every answer in SQLite the moment it is given (docs/storage.md).

No Textual, no terminal: the TUI, CLI, reports and lead import all go through
:class:`Store`. Import from here::

    from callscript.storage import Store, resolve_db_path
"""

from callscript.storage.db import StorageError, connect, immediate
from callscript.storage.location import ENV_VAR, resolve_db_path
from callscript.storage.records import (
    LEAD_STATUSES,
    Agent,
    Callback,
    CallRecord,
    CheckReport,
    DayReview,
    EventRecord,
    ImportSummary,
    Lead,
    Mailing,
    RejectedRow,
    ScriptVersion,
    UnfinishedCall,
)
from callscript.storage.schema import SCHEMA_VERSION
from callscript.storage.store import (
    CLAIM_TIERS,
    CallFinished,
    DuplicateLead,
    LeadUnavailable,
    NotFound,
    Store,
    digits_only,
    in_follow_up_window,
)

__all__ = [
    "CLAIM_TIERS",
    "ENV_VAR",
    "LEAD_STATUSES",
    "SCHEMA_VERSION",
    "Agent",
    "CallFinished",
    "CallRecord",
    "Callback",
    "CheckReport",
    "DayReview",
    "DuplicateLead",
    "EventRecord",
    "ImportSummary",
    "Lead",
    "LeadUnavailable",
    "Mailing",
    "NotFound",
    "RejectedRow",
    "ScriptVersion",
    "StorageError",
    "Store",
    "UnfinishedCall",
    "connect",
    "digits_only",
    "immediate",
    "in_follow_up_window",
    "resolve_db_path",
]
