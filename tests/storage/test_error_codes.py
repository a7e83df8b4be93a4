"""Every refusal carries a stable reason code; callers branch on it, not on the message."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from callscript.storage import (
    CallFinished,
    DuplicateLead,
    ErrorCode,
    LeadUnavailable,
    NotFound,
    StorageError,
)

MONDAY = datetime(2025, 3, 3, 10, 0).astimezone()


def test_codes_are_stable_strings():
    assert {code.value for code in ErrorCode} == {
        "storage_error",
        "no_database",
        "not_wal",
        "schema_too_new",
        "not_open",
        "not_found",
        "duplicate_phone",
        "lead_do_not_call",
        "lead_in_call",
        "lead_claimed_by_other",
        "call_finished",
        "call_has_answers",
        "script_version_mismatch",
        "lead_closed",
        "lead_dead",
        "lead_claimed_by_other_session",
        "not_a_database",
        "database_damaged",
        "disk_full",
        "read_only",
        "cannot_open",
        "io_error",
        "restore_refused",
        "duplicate_account",
        "database_unreachable",
        "call_in_progress",
        "agent_present",
    }
    assert ErrorCode.LEAD_IN_CALL == "lead_in_call"  # a str: match on either
    assert StorageError("x").code == "storage_error"


def test_why_a_lead_cannot_be_taken(store, script):
    sid = store.store_script_version(script)
    dnc = store.add_lead("勿扰", "13800000000", do_not_call=True)
    busy = store.add_lead("通话中", "13800000001")
    held = store.add_lead("已领取", "13800000002")
    store.start_call(busy.id, "甲", sid, now=MONDAY)
    store.claim_lead(held.id, "甲", now=MONDAY)
    for lead, code in ((dnc, "lead_do_not_call"), (busy, "lead_in_call"), (held, "lead_claimed_by_other")):
        with pytest.raises(LeadUnavailable) as refused:
            store.claim_lead(lead.id, "乙", now=MONDAY + timedelta(minutes=1))
        assert refused.value.code == code
        assert str(refused.value)  # the message is still there, for people


def test_not_found_duplicate_and_finished(store, script):
    for attempt in (lambda: store.get_lead(99), lambda: store.get_call(99), lambda: store.get_agent("nobody")):
        with pytest.raises(NotFound) as missing:
            attempt()
        assert missing.value.code == ErrorCode.NOT_FOUND
    lead = store.add_lead("甲", "13800000000")
    with pytest.raises(DuplicateLead) as dup:
        store.add_lead("乙", "138 0000 0000")
    assert (dup.value.code, dup.value.existing_id) == ("duplicate_phone", lead.id)
    call_id = store.start_call(lead.id, "甲", store.store_script_version(script), now=MONDAY)
    store.finish_call(call_id, "refused", now=MONDAY)
    for attempt in (
        lambda: store.finish_call(call_id, "refused"),
        lambda: store.record_event(call_id, {"kind": "choose", "node": "opening", "value": "1"}),
    ):
        with pytest.raises(CallFinished) as finished:
            attempt()
        assert finished.value.code == "call_finished"


def test_the_app_tells_the_agent_by_code():
    from callscript.tui.backend import _taken_message

    for code, words in (
        (ErrorCode.LEAD_DO_NOT_CALL, "不要再打"),
        (ErrorCode.LEAD_IN_CALL, "正在通话"),
        (ErrorCode.LEAD_CLAIMED_BY_OTHER, "其他坐席"),
    ):
        assert words in _taken_message(LeadUnavailable("whatever the wording", code=code))
