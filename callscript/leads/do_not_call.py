"""Do-not-call by phone number, and ending a call as "refused, never call again".

Both are thin wrappers over the one way to mark a lead, ``Store.mark_do_not_call``
(which closes the lead's callbacks and follow-ups and releases its claim, as the life
cycle's :func:`~callscript.core.lifecycle.on_do_not_call` says). What they add: the
number read in any spelling for a region (``callscript leads dnc PHONE``), and the
order of the two writes at the end of a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callscript.core.phones import parse_phone

if TYPE_CHECKING:
    from callscript.storage import CallRecord, Lead, Store


def mark_phone_do_not_call(
    store: Store,
    phone: str,
    reason: str | None = None,
    *,
    company: str | None = None,
    agent: str | None = None,
    region: str | None = None,
    now: datetime | None = None,
) -> tuple[Lead, bool]:
    """Do-not-call by number: the lead with this number, in any spelling, is marked; a
    number not yet known is added as a do-not-call lead so a later import skips it.
    Returns (lead, created). Raises ``PhoneError`` for an invalid number."""
    parsed = parse_phone(phone, region)
    return store.mark_do_not_call_by_phone(
        phone, reason, company=company, agent=agent, phone_norm=parsed.norm, phone_kind=parsed.kind, now=now
    )


def clear_phone_do_not_call(
    store: Store, phone: str, *, agent: str | None = None, region: str | None = None, now: datetime | None = None
) -> Lead | None:
    """Undo a do-not-call by number (a mistake): the lead, or None if no lead has this number.
    Raises ``PhoneError`` for an invalid number."""
    lead = store.find_lead_by_norm(parse_phone(phone, region).norm)
    return None if lead is None else store.clear_do_not_call(lead.id, agent=agent, now=now)


def end_call_do_not_call(
    store: Store,
    call_id: int,
    reason: str | None = None,
    *,
    facts: Mapping[str, Any] | None = None,
    grade_result: Any = None,
    agent: str | None = None,
    now: datetime | None = None,
) -> CallRecord:
    """The outcome "refused, do not call again": mark the call's lead do-not-call, then
    finish the call as ``refused`` (facts and grade as learned). The mark comes first,
    so a crash in between leaves an unfinished call on a lead that is already safe.
    """
    call = store.get_call(call_id)
    store.mark_do_not_call(call.lead_id, reason, agent=agent, now=now)
    return store.finish_call(call_id, "refused", facts or {}, grade_result, now=now)
