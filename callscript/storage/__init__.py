"""Storage: every answer in SQLite the moment it is given (docs/storage.md).

No Textual, no terminal: the TUI, CLI, reports and lead import all go through
:class:`Store`. Import from here::

    from callscript.storage import Store, resolve_db_path

The life-cycle names re-exported here (``CLAIM_TIERS``, ``LEAD_STATUSES``,
``in_follow_up_window``) are defined in :mod:`callscript.core.lifecycle` and
:mod:`callscript.core.followup`.
"""

from callscript.core.followup import in_follow_up_window
from callscript.core.lifecycle import CLAIM_TIERS, LEAD_STATUSES
from callscript.storage.acting import ActingStore
from callscript.storage.agents import AgentRef
from callscript.storage.db import connect, immediate
from callscript.storage.errors import (
    CallFinished,
    DatabaseProblem,
    DuplicateAccount,
    DuplicateLead,
    ErrorCode,
    LeadUnavailable,
    NotFound,
    StorageError,
)
from callscript.storage.history import (
    HistoryBatch,
    HistoryCall,
    HistoryCallback,
    HistoryEvent,
    HistoryLead,
    HistoryMailing,
    HistoryReview,
    LeadState,
    NextIds,
)
from callscript.storage.lead_import import FileDuplicate, KnownPhone, NewLeadsResult, StagedLeads, StagedRow
from callscript.storage.location import ENV_VAR, resolve_db_path
from callscript.storage.normalise import digits_only
from callscript.storage.records import (
    Account,
    Agent,
    AppSession,
    AuditEntry,
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
from callscript.storage.store import Store

__all__ = [
    "CLAIM_TIERS",
    "ENV_VAR",
    "LEAD_STATUSES",
    "SCHEMA_VERSION",
    "Account",
    "ActingStore",
    "Agent",
    "AgentRef",
    "AppSession",
    "AuditEntry",
    "CallFinished",
    "CallRecord",
    "Callback",
    "CheckReport",
    "DatabaseProblem",
    "DayReview",
    "DuplicateAccount",
    "DuplicateLead",
    "ErrorCode",
    "EventRecord",
    "FileDuplicate",
    "HistoryBatch",
    "HistoryCall",
    "HistoryCallback",
    "HistoryEvent",
    "HistoryLead",
    "HistoryMailing",
    "HistoryReview",
    "ImportSummary",
    "KnownPhone",
    "Lead",
    "LeadState",
    "LeadUnavailable",
    "Mailing",
    "NewLeadsResult",
    "NextIds",
    "NotFound",
    "RejectedRow",
    "ScriptVersion",
    "StagedLeads",
    "StagedRow",
    "StorageError",
    "Store",
    "UnfinishedCall",
    "connect",
    "digits_only",
    "immediate",
    "in_follow_up_window",
    "resolve_db_path",
]
