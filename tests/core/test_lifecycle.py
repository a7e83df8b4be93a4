"""callscript.core.lifecycle: every rule on its own, and a property test that the stage
the lead list shows agrees with the state a call leaves the lead in."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscript.core.lifecycle import (
    CLAIM_TIERS,
    DUE_STAGES,
    FINISHED_STAGES,
    LATER_STAGES,
    LEAD_STATUSES,
    LIST_TIERS,
    MAINTENANCE_ENDED_BY,
    RETRY_AFTER,
    STAGE_LABELS,
    STAGE_ORDER,
    CallKind,
    MailingPlan,
    after_call,
    call_kind,
    check_outcome,
    do_not_call_note,
    lead_stage,
    no_answer_streak,
    on_do_not_call,
    set_aside_until,
    sets_aside,
    stage_marker,
    undo_do_not_call_note,
)
from callscript.core.outcomes import Outcome

CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=CST)


# --------------------------------------------------------------------------- three no-answers


def test_no_answer_streak_counts_from_the_newest_call_back():
    assert no_answer_streak([]) == 0
    assert no_answer_streak(["no_answer", "no_answer", "busy", "no_answer"]) == 2
    assert no_answer_streak(["busy", "no_answer"]) == 0
    assert no_answer_streak(["no_answer"] * 4 + ["mailed"]) == 4
    assert no_answer_streak(iter(["no_answer", None])) == 1


def test_every_third_no_answer_sets_aside_until_9_next_morning():
    assert [n for n in range(10) if sets_aside(n)] == [3, 6, 9]
    assert set_aside_until(datetime(2026, 3, 2, 23, 50, tzinfo=CST)) == datetime(2026, 3, 3, 9, 0, tzinfo=CST)
    assert set_aside_until(datetime(2026, 3, 3, 8, 0, tzinfo=CST)) == datetime(2026, 3, 4, 9, 0, tzinfo=CST)


# --------------------------------------------------------------------------- after a call


def test_invalid_number_is_dead_and_waits_for_nothing():
    after = after_call("new", Outcome.INVALID_NUMBER, MONDAY)
    assert (after.status, after.next_call_at, after.completes_callbacks) == ("dead", None, False)


@pytest.mark.parametrize("outcome", ["no_answer", "busy"])
def test_no_answer_or_busy_retries_after_the_pause(outcome):
    after = after_call("new", outcome, MONDAY)
    assert (after.status, after.next_call_at) == ("retry", MONDAY + RETRY_AFTER)
    assert after_call("retry", outcome, MONDAY, retry_after=timedelta(minutes=20)).next_call_at == MONDAY + timedelta(
        minutes=20
    )
    assert not after.completes_callbacks and not after.assign_to_caller


@pytest.mark.parametrize("status", ["callback", "mailed"])
def test_a_lead_waiting_for_a_callback_or_follow_up_keeps_waiting_through_a_no_answer(status):
    after = after_call(status, Outcome.NO_ANSWER, MONDAY)
    assert (after.status, after.next_call_at) == (status, MONDAY + RETRY_AFTER)


def test_the_third_no_answer_in_a_row_sets_the_lead_aside_and_busy_breaks_the_streak():
    second = after_call("retry", "no_answer", MONDAY, no_answers_before=1)
    assert (second.no_answers, second.next_call_at) == (2, MONDAY + RETRY_AFTER)
    third = after_call("retry", "no_answer", MONDAY, no_answers_before=2)
    assert (third.no_answers, third.next_call_at) == (3, datetime(2026, 3, 3, 9, 0, tzinfo=CST))
    busy = after_call("retry", "busy", MONDAY, no_answers_before=2)
    assert (busy.no_answers, busy.next_call_at) == (0, MONDAY + RETRY_AFTER)


def test_a_callback_is_due_when_asked_and_belongs_to_its_agent():
    due = MONDAY + timedelta(hours=4)
    after = after_call("new", "callback", MONDAY, callback_due=due)
    assert (after.status, after.next_call_at, after.callback_due) == ("callback", due, due)
    assert after.assign_to_caller and after.completes_callbacks


def test_mailed_opens_the_follow_up_window_from_day_7_at_midnight():
    after = after_call("callback", "mailed", MONDAY, address=" 上海市长宁区 ")
    assert after.status == "mailed" and after.assign_to_caller
    assert after.mailing == MailingPlan("上海市长宁区", date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 12))
    assert after.next_call_at == datetime(2026, 3, 9, 0, 0, tzinfo=CST)


def test_member_care_mails_only_when_it_took_an_address():
    assert after_call("mailed", "member_care", MONDAY).mailing is None
    plan = after_call("mailed", "member_care", MONDAY, address="北京").mailing
    assert plan is not None and (plan.follow_up_from, plan.follow_up_by) == (date(2026, 3, 9), date(2026, 3, 12))
    after = after_call("mailed", "member_care", MONDAY, address="北京")
    assert (after.status, after.next_call_at, after.assign_to_caller) == ("closed", None, False)


@pytest.mark.parametrize("outcome", ["refused", "not_qualified", "member_care"])
def test_the_other_reached_outcomes_close_the_lead_and_its_open_work(outcome):
    after = after_call("callback", outcome, MONDAY)
    assert (after.status, after.next_call_at, after.callback_due, after.completes_callbacks) == (
        "closed",
        None,
        None,
        True,
    )


# --------------------------------------------------------------------------- follow-ups and the kind of call


def test_a_call_on_a_lead_mailed_before_is_a_maintenance_call():
    assert call_kind(mailed_before=True) is CallKind.MAINTENANCE and CallKind.MAINTENANCE.label == "客户维护"
    assert call_kind(mailed_before=False) is CallKind.DEVELOPMENT and CallKind.DEVELOPMENT.label == "数据开发"


WINDOW_OPENS = date(2026, 3, 9)  # mailed on Monday 03-02


@pytest.mark.parametrize("outcome", ["member_care", "not_qualified", "callback"])
def test_a_call_before_the_window_opens_does_not_close_the_follow_up(outcome):
    due = MONDAY + timedelta(hours=2) if outcome == "callback" else None
    early = after_call(
        "mailed", outcome, MONDAY + timedelta(days=2), callback_due=due, pending_follow_up_from=WINDOW_OPENS
    )
    assert not early.closes_follow_up(WINDOW_OPENS) and early.completes_callbacks
    if outcome != "callback":  # the lead keeps waiting for its follow-up
        assert (early.status, early.next_call_at) == ("mailed", datetime(2026, 3, 9, 0, 0, tzinfo=CST))
    in_window = after_call("mailed", outcome, MONDAY + timedelta(days=8), callback_due=due and due + timedelta(days=8))
    assert in_window.closes_follow_up(WINDOW_OPENS)


@pytest.mark.parametrize("outcome", ["refused", "mailed"])
def test_a_settling_call_closes_the_follow_up_whatever_the_window(outcome):
    after = after_call(
        "mailed", outcome, MONDAY + timedelta(days=1), address="北京", pending_follow_up_from=WINDOW_OPENS
    )
    assert after.settles_follow_ups and after.closes_follow_up(WINDOW_OPENS)
    assert after.status == ("closed" if outcome == "refused" else "mailed")


@pytest.mark.parametrize("outcome", ["no_answer", "busy", "invalid_number"])
def test_a_call_that_reached_nobody_closes_nothing(outcome):
    after = after_call("mailed", outcome, MONDAY + timedelta(days=8), pending_follow_up_from=WINDOW_OPENS)
    assert not after.closes_follow_up(WINDOW_OPENS) and not after.completes_callbacks


def test_what_cannot_be_recorded_is_refused():
    with pytest.raises(ValueError, match="callback_due"):
        check_outcome("callback")
    with pytest.raises(ValueError, match="only for the callback"):
        check_outcome("refused", callback_due=MONDAY)
    with pytest.raises(ValueError, match="address"):
        after_call("new", "mailed", MONDAY, address="  ")
    with pytest.raises(ValueError):
        check_outcome("hung_up")
    assert check_outcome("busy") is Outcome.BUSY


# --------------------------------------------------------------------------- do-not-call


def test_do_not_call_closes_callbacks_and_follow_ups_and_frees_an_unused_claim_only():
    idle = on_do_not_call(in_call=False)
    assert (idle.closes_callbacks, idle.closes_follow_ups, idle.releases_claim) == (True, True, True)
    assert not on_do_not_call(in_call=True).releases_claim


def test_do_not_call_notes():
    day = date(2026, 11, 25)
    assert do_not_call_note(None, " 客户要求 ", "王芳", day) == "[不再拨打 2026-11-25 王芳] 客户要求"
    assert do_not_call_note("老客户", None, None, day) == "老客户\n[不再拨打 2026-11-25]"
    assert undo_do_not_call_note("[不再拨打 2026-11-25]", "张主管", day).endswith("\n[撤销不再拨打 2026-11-25 张主管]")


# --------------------------------------------------------------------------- stages


def test_stages_of_each_status():
    later, earlier = MONDAY + timedelta(hours=1), MONDAY - timedelta(hours=1)
    assert lead_stage("new", None, MONDAY) == "new"
    assert (lead_stage("callback", later, MONDAY), lead_stage("callback", earlier, MONDAY)) == (
        "callback",
        "callback_due",
    )
    assert (lead_stage("mailed", later, MONDAY), lead_stage("mailed", MONDAY, MONDAY)) == ("mailed", "follow_up_due")
    assert lead_stage("retry", later, MONDAY, streak=2) == "called"
    assert lead_stage("retry", later, MONDAY, streak=3) == "set_aside"
    assert lead_stage("retry", None, MONDAY) == "retry_due"
    assert lead_stage("dead", None, MONDAY) == "dead"
    assert (lead_stage("closed", None, MONDAY), lead_stage("closed", None, MONDAY, maintained=True)) == (
        "closed",
        "maintained",
    )


def test_labels_order_and_markers():
    assert list(STAGE_LABELS)[:4] == ["callback_due", "follow_up_due", "new", "retry_due"]
    assert STAGE_LABELS["callback_due"] == "回电到期" and STAGE_LABELS["set_aside"] == "另日再拨"
    assert {stage_marker(s) for s in DUE_STAGES} == {"●"}
    assert {stage_marker(s) for s in LATER_STAGES} == {"○"}
    assert stage_marker("set_aside") == "–" and stage_marker("new") == stage_marker("closed") == ""


def test_list_tiers_cover_every_stage_once_in_the_lists_order():
    produced = [stage for _, stages in LIST_TIERS for stage in sorted(stages, key=STAGE_ORDER.__getitem__)]
    assert sorted(produced) == sorted(STAGE_LABELS)
    firsts = [min(STAGE_ORDER[s] for s in stages) for _, stages in LIST_TIERS]
    assert firsts == sorted(firsts)  # each tier's stages come after the tier before's


def test_the_claim_queue_offers_statuses_that_have_a_due_stage():
    assert set(CLAIM_TIERS) <= set(LEAD_STATUSES)
    now = MONDAY
    for status in CLAIM_TIERS:
        assert lead_stage(status, now, now) in DUE_STAGES | {"new"}
    assert {"refused", "invalid_number"} == MAINTENANCE_ENDED_BY


# --------------------------------------------------------------------------- the property


@settings(max_examples=400, deadline=None)
@given(
    status=st.sampled_from(LEAD_STATUSES),
    outcome=st.sampled_from(list(Outcome)),
    minutes=st.integers(0, 60 * 24 * 400),
    streak=st.integers(0, 20),
    due_in=st.integers(1, 60 * 24 * 30),
    address=st.sampled_from([None, "上海市长宁区金钟路968号"]),
    pending_in=st.one_of(st.none(), st.integers(-12, 12)),
)
def test_the_stage_shown_agrees_with_the_state_a_call_leaves(
    status, outcome, minutes, streak, due_in, address, pending_in
):
    """Right after a call the lead is never shown as due; at its next call time it is; the
    claim queue can offer it then; set aside shows exactly when three no-answers set it
    aside; a lead with no next call is finished."""
    moment = MONDAY + timedelta(minutes=minutes)
    callback_due = moment + timedelta(minutes=due_in) if outcome is Outcome.CALLBACK else None
    if outcome is Outcome.MAILED:
        address = address or "北京"
    pending = None if pending_in is None else (moment + timedelta(days=pending_in)).date()
    after = after_call(
        status,
        outcome,
        moment,
        callback_due=callback_due,
        address=address,
        no_answers_before=streak,
        pending_follow_up_from=pending,
    )
    if pending is not None:  # a pending follow-up is closed by an effective call from its first day, or settled
        early = moment.date() < pending
        assert after.closes_follow_up(pending) == (
            outcome in (Outcome.REFUSED, Outcome.MAILED) or (outcome.effective and not early)
        )
    now_stage = lead_stage(after.status, after.next_call_at, moment, streak=after.no_answers)

    assert after.no_answers == (streak + 1 if outcome is Outcome.NO_ANSWER else 0)
    assert after.completes_callbacks == outcome.effective
    if after.next_call_at is None:
        assert now_stage in FINISHED_STAGES
        assert after.status in ("closed", "dead")
    else:
        assert after.next_call_at > moment
        assert now_stage in LATER_STAGES | {"set_aside"}
        due_stage = lead_stage(after.status, after.next_call_at, after.next_call_at, streak=after.no_answers)
        assert due_stage in DUE_STAGES
        assert after.status in CLAIM_TIERS
    set_aside = after.status == "retry" and outcome is Outcome.NO_ANSWER and sets_aside(after.no_answers)
    assert (now_stage == "set_aside") == set_aside
    if set_aside:
        assert after.next_call_at == set_aside_until(moment)
    assert (after.mailing is not None) == (
        outcome is Outcome.MAILED or (outcome is Outcome.MEMBER_CARE and address is not None)
    )
