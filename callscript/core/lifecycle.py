"""The lead life cycle: every rule about what happens to a lead, in one pure module.

No storage, no SQL, no I/O. Storage applies these rules (``Store.finish_call``, the
claim queue, do-not-call), the lead list shows them (``callscript.leads``), and the
app, the CLI and the demo generator ask here instead of deciding for themselves.

**Status** — what storage keeps on a lead (:data:`LEAD_STATUSES`), moved by
:func:`after_call` when a call ends::

    new ──outcome──▶ retry     no answer / busy: again after a pause (1 h); three
                               no-answers in a row: not again until 09:00 next day
                     callback  at the time the prospect asked for
                     mailed    materials sent; follow-up call due 7–10 days later
                     closed    refused, not qualified, member care done
                     dead      invalid number

A lead waiting on a callback or a follow-up keeps that status through a no-answer
or a busy line (it is retried, and still belongs to its agent).

**Follow-ups** (:meth:`AfterCall.closes_follow_up`): an effective call closes a pending
mail follow-up once the follow-up's window has opened (mailed + 7 days); a call *before*
the window opens closes it only if it settles the lead — refused, or mailed again
(:data:`SETTLES_FOLLOW_UPS`; do-not-call closes them too). A lead whose follow-up is
still pending after such a call keeps waiting for it (status ``mailed``).

**Development or maintenance** (:func:`call_kind`): a call on a lead that already had
materials mailed before the call started is a maintenance call (客户维护); every other call
is a development call (数据开发). Storage marks each call once, when it starts; the reports
count the two apart.

**Who is kept for maintenance** (:func:`greeting_gift`): 好 prospects and the 一般 ones an
agent flagged (an important note, ``!``, on one of the lead's calls), until the lead refuses
or its number dies; they get the holiday greeting list's SMS, and a gift (好) or a card (一般).

**Stage** — what the lead list shows (:data:`STAGE_LABELS`, :func:`lead_stage`):
the status read against the clock (``callback`` → ``callback_due`` once its time has
come), plus ``set_aside`` and ``maintained`` (mailed, followed up, not refused
since). A do-not-call lead has no stage: it is never listed and never claimed.

**Do-not-call** (:func:`on_do_not_call`) closes the lead's open callbacks and
pending follow-ups and releases an unused claim; a call in progress is left for its
agent to finish. Follow-up timing and the calendar live in
:mod:`callscript.core.followup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from callscript.core.followup import follow_up_dates
from callscript.core.outcomes import Outcome

# --------------------------------------------------------------------------- statuses

LEAD_STATUSES: tuple[str, ...] = ("new", "retry", "callback", "mailed", "closed", "dead")
"""new: never called · retry: no answer/busy, call again after a pause · callback: the
prospect asked to be called at ``next_call_at`` · mailed: materials sent, follow-up
due from ``next_call_at`` · closed: refused / not qualified / member care done ·
dead: invalid number."""

CLAIM_TIERS: tuple[str, ...] = ("callback", "mailed", "new", "retry")
"""The statuses the claim queue offers, in this order: due callbacks, due mail
follow-ups (only inside the follow-up window), never-called leads, then retries."""

FINISHED_STATUSES = frozenset({"closed", "dead"})
"""Statuses no call is started on: development is over (closed) or the number is wrong (dead)."""


def is_callable_status(status: str) -> bool:
    """True if a call may be started on a lead with this status (not ``closed``, not ``dead``)."""
    return status not in FINISHED_STATUSES


WAITING_STATUSES = frozenset({"callback", "mailed"})
"""Statuses a no-answer or busy line does not change: the lead still waits for its
callback or follow-up (and stays with its agent); it is only retried sooner."""

RETRY_AFTER = timedelta(hours=1)
"""The usual pause before a no-answer or busy lead is called again (``Store(retry_after=…)``)."""

NO_ANSWERS_TO_SET_ASIDE = 3
"""This many ``no_answer`` outcomes in a row (busy does not count) set a lead aside."""

SET_ASIDE_AT = time(9, 0)
"""A lead set aside comes back at this time on the next day."""

REDIAL_ASKS_WITHIN = timedelta(hours=1)
"""Calling a lead again this soon after its last call asks the agent first (a lead mailed a
minute ago is not called again by a stray Enter)."""

MAINTENANCE_ENDED_BY = frozenset({Outcome.REFUSED.value, Outcome.INVALID_NUMBER.value})
"""A mailed and followed-up lead is *maintained* unless its last outcome is one of these."""

SETTLES_FOLLOW_UPS = frozenset({Outcome.REFUSED, Outcome.MAILED})
"""Outcomes that close a lead's pending follow-ups even before their window opens: the
prospect refused, or was mailed again (the new mailing brings its own follow-up)."""


# --------------------------------------------------------------------------- development or maintenance


class CallKind(StrEnum):
    """What a call is for (BRIEF v2, "Development and maintenance are counted apart")."""

    DEVELOPMENT = "development"
    """数据开发: finding out whether the lead is a prospect (the main script, from 开场白)."""
    MAINTENANCE = "maintenance"
    """客户维护/回访: the lead already had materials mailed (the follow-up script)."""

    @property
    def label(self) -> str:
        return CALL_KIND_LABELS[self]


CALL_KIND_LABELS: dict[CallKind, str] = {CallKind.DEVELOPMENT: "数据开发", CallKind.MAINTENANCE: "客户维护"}


def call_kind(*, mailed_before: bool) -> CallKind:
    """The kind of a call on a lead: maintenance when the lead already had materials
    mailed before the call started (a ``mailings`` row: ``mailed`` or a ``member_care``
    call that posted a card), development otherwise.

    The one home of the rule: ``Store.start_call`` marks each call with it (the reports
    count the two apart) and the app starts a maintenance call on the follow-up script
    and a development call on the main script (``callscript.tui.backend.Backend.start_call``).
    """
    return CallKind.MAINTENANCE if mailed_before else CallKind.DEVELOPMENT


# --------------------------------------------------------------------------- three no-answers in a row


def no_answer_streak(outcomes_newest_first: Iterable[str | None]) -> int:
    """How many of the most recent outcomes in a row are ``no_answer`` (busy or any answer ends it)."""
    streak = 0
    for outcome in outcomes_newest_first:
        if outcome != Outcome.NO_ANSWER.value:
            break
        streak += 1
    return streak


def sets_aside(streak: int) -> bool:
    """True when a no-answer streak of this length sets the lead aside (3, 6, 9, …)."""
    return streak > 0 and streak % NO_ANSWERS_TO_SET_ASIDE == 0


def set_aside_until(moment: datetime) -> datetime:
    """When a lead set aside at ``moment`` comes back: the next day at :data:`SET_ASIDE_AT`."""
    next_day = (moment + timedelta(days=1)).date()
    return datetime.combine(next_day, SET_ASIDE_AT, tzinfo=moment.tzinfo)


def called_recently(last_called_at: datetime | None, now: datetime) -> bool:
    """True when a call to a lead last called at ``last_called_at`` should be confirmed first
    (:data:`REDIAL_ASKS_WITHIN`)."""
    return last_called_at is not None and now - last_called_at < REDIAL_ASKS_WITHIN


# --------------------------------------------------------------------------- after a call


@dataclass(frozen=True, slots=True)
class MailingPlan:
    """Materials to post, and the follow-up window that mailing opens."""

    address: str
    mailed_on: date
    follow_up_from: date
    follow_up_by: date


@dataclass(frozen=True, slots=True)
class AfterCall:
    """Everything a finished call does to its lead (``Store.finish_call`` writes it as it is)."""

    status: str
    next_call_at: datetime | None
    no_answers: int
    """No-answers in a row, this call included."""
    assign_to_caller: bool
    """The lead's next call (a callback, a follow-up) belongs to the agent who made this one."""
    completes_callbacks: bool
    """The lead's open callbacks are done (an effective call)."""
    call_day: date
    """The day the call ended (a follow-up is closed only from its window's first day)."""
    settles_follow_ups: bool = False
    """The outcome closes every pending follow-up, whatever its window (:data:`SETTLES_FOLLOW_UPS`)."""
    callback_due: datetime | None = None
    """A callback to schedule, at this time."""
    mailing: MailingPlan | None = None
    """A mailing to record."""

    def closes_follow_up(self, follow_up_from: date) -> bool:
        """Whether this call closes a pending follow-up whose window opens on ``follow_up_from``:
        an effective call from that day on, or a settling outcome at any time."""
        return self.settles_follow_ups or (self.completes_callbacks and self.call_day >= follow_up_from)


def check_outcome(
    outcome: Outcome | str, *, callback_due: datetime | None = None, address: str | None = None
) -> Outcome:
    """The outcome as an :class:`Outcome`, refusing what cannot be recorded: a callback
    needs its time (and only a callback has one); ``mailed`` needs the address read back.
    ValueError otherwise (the message is for a person)."""
    outcome = Outcome(outcome)
    if outcome is Outcome.CALLBACK and callback_due is None:
        raise ValueError("a callback outcome needs callback_due (when to call back)")
    if outcome is not Outcome.CALLBACK and callback_due is not None:
        raise ValueError("callback_due is only for the callback outcome")
    if outcome is Outcome.MAILED and not (address or "").strip():
        raise ValueError("a mailed outcome needs the address as read back")
    return outcome


def after_call(
    status: str,
    outcome: Outcome | str,
    moment: datetime,
    *,
    callback_due: datetime | None = None,
    address: str | None = None,
    no_answers_before: int = 0,
    retry_after: timedelta = RETRY_AFTER,
    pending_follow_up_from: date | None = None,
) -> AfterCall:
    """What a call that ended with ``outcome`` at ``moment`` does to a lead in ``status``.

    ``no_answers_before`` is the lead's no-answer streak before this call
    (:func:`no_answer_streak`); ``address`` the address read back (a ``mailed`` call
    needs one; a ``member_care`` call that took one posts a new card or materials for
    friends, with the same follow-up); ``pending_follow_up_from`` the first day of the
    earliest follow-up window still open on the lead (None: none pending) — a call that
    does not close it leaves the lead waiting for it. See the module docstring for the rules.
    """
    outcome = check_outcome(outcome, callback_due=callback_due, address=address)
    mail_to = (address or "").strip()
    no_answers = no_answers_before + 1 if outcome is Outcome.NO_ANSWER else 0
    next_call_at: datetime | None = None
    if outcome is Outcome.INVALID_NUMBER:
        new_status = "dead"
    elif outcome in (Outcome.NO_ANSWER, Outcome.BUSY):
        new_status = status if status in WAITING_STATUSES else "retry"
        next_call_at = set_aside_until(moment) if sets_aside(no_answers) else moment + retry_after
    elif outcome is Outcome.CALLBACK:
        new_status, next_call_at = "callback", callback_due
    elif outcome is Outcome.MAILED:
        new_status = "mailed"
    else:
        new_status = "closed"
    settles = outcome in SETTLES_FOLLOW_UPS
    if (
        new_status == "closed"  # not qualified / member care (refused settles) …
        and pending_follow_up_from is not None
        and not settles
        and moment.date() < pending_follow_up_from  # … before the follow-up's window opened
    ):
        new_status = "mailed"
        next_call_at = datetime.combine(pending_follow_up_from, time(0, 0), tzinfo=moment.tzinfo)
    mailing = None
    if outcome is Outcome.MAILED or (outcome is Outcome.MEMBER_CARE and mail_to):
        mailed_on = moment.date()
        first, last = follow_up_dates(mailed_on)
        mailing = MailingPlan(mail_to, mailed_on, first, last)
        if outcome is Outcome.MAILED:
            next_call_at = datetime.combine(first, time(0, 0), tzinfo=moment.tzinfo)
    return AfterCall(
        status=new_status,
        next_call_at=next_call_at,
        no_answers=no_answers,
        assign_to_caller=outcome in (Outcome.CALLBACK, Outcome.MAILED),
        completes_callbacks=outcome.effective,
        call_day=moment.date(),
        settles_follow_ups=settles,
        callback_due=callback_due if outcome is Outcome.CALLBACK else None,
        mailing=mailing,
    )


# --------------------------------------------------------------------------- do-not-call

DNC_NOTE_PREFIX = "不再拨打"


@dataclass(frozen=True, slots=True)
class DoNotCallEffects:
    """What marking a lead do-not-call closes, besides the mark itself."""

    closes_callbacks: bool
    closes_follow_ups: bool
    releases_claim: bool


def on_do_not_call(*, in_call: bool) -> DoNotCallEffects:
    """Marking closes the lead's open callbacks and pending mail follow-ups at once and
    gives back an unused claim; a call in progress keeps its lead (the agent ends it,
    as ``refused``), so the claim of a lead ``in_call`` stays."""
    return DoNotCallEffects(closes_callbacks=True, closes_follow_ups=True, releases_claim=not in_call)


def do_not_call_note(existing: str | None, reason: str | None, agent: str | None, day: date) -> str:
    """The lead's notes with the mark appended: ``[不再拨打 2026-11-25 王芳] 客户要求``."""
    line = f"[{DNC_NOTE_PREFIX} {day.isoformat()}{' ' + agent if agent else ''}]"
    if reason and reason.strip():
        line += " " + reason.strip()
    return f"{existing}\n{line}" if existing else line


def undo_do_not_call_note(existing: str | None, agent: str | None, day: date) -> str:
    """The lead's notes with the undo appended (the original mark stays): ``[撤销不再拨打 …]``."""
    line = f"[撤销{DNC_NOTE_PREFIX} {day.isoformat()}{' ' + agent if agent else ''}]"
    return f"{existing}\n{line}" if existing else line


# --------------------------------------------------------------------------- stages

STAGE_LABELS: dict[str, str] = {
    "callback_due": "回电到期",
    "follow_up_due": "回访到期",
    "new": "新客户",
    "retry_due": "重拨",
    "callback": "已约回电",
    "mailed": "已寄资料",
    "called": "已拨打",
    "set_aside": "另日再拨",
    "maintained": "维护中",
    "closed": "已结束",
    "dead": "空号",
}
"""Stages in the order the lead list shows them: due work first, finished leads last."""

STAGE_ORDER: dict[str, int] = {name: i for i, name in enumerate(STAGE_LABELS)}
DUE_STAGES = frozenset({"callback_due", "follow_up_due", "retry_due"})
LATER_STAGES = frozenset({"callback", "mailed", "called"})
FINISHED_STAGES = frozenset({"maintained", "closed", "dead"})

LIST_TIERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("callback_due", frozenset({"callback_due"})),
    ("follow_up_due", frozenset({"follow_up_due"})),
    ("new", frozenset({"new"})),
    ("retry_due", frozenset({"retry_due"})),
    ("later", LATER_STAGES | {"set_aside"}),
    ("finished", FINISHED_STAGES),
)
"""How the lead list reads leads: one storage query per tier, in this order, each
tier giving leads of these stages (``Store.leads_in_tier``). Due work first."""


def lead_stage(
    status: str,
    next_call_at: datetime | None,
    now: datetime,
    *,
    streak: int = 0,
    maintained: bool = False,
) -> str:
    """The stage of a lead in ``status`` at ``now`` (``streak``: its no-answers in a row;
    ``maintained``: a closed lead that was mailed and followed up, see :data:`MAINTENANCE_ENDED_BY`)."""
    due = next_call_at is None or next_call_at <= now
    if status == "new":
        return "new"
    if status == "callback":
        return "callback_due" if due else "callback"
    if status == "mailed":
        return "follow_up_due" if due else "mailed"
    if status == "retry":
        if due:
            return "retry_due"
        return "set_aside" if sets_aside(streak) else "called"
    if status == "dead":
        return "dead"
    return "maintained" if maintained else "closed"


def stage_marker(stage: str) -> str:
    """``●`` due now · ``○`` scheduled later · ``–`` set aside · blank otherwise."""
    if stage in DUE_STAGES:
        return "●"
    if stage == "set_aside":
        return "–"
    if stage in LATER_STAGES:
        return "○"
    return ""


# --------------------------------------------------------------------------- kept for maintenance: the holiday greeting

GIFT, CARD = "礼品", "贺卡"


def greeting_gift(grade: str | None, *, flagged: bool, last_outcome: str | None, do_not_call: bool) -> str | None:
    """What a lead gets before a holiday, or None when it is not kept for maintenance.

    The seed (客户维护的分类): the 好 prospects, and the 一般 ones an agent marked during
    development (着重标识; here: an important note on one of the lead's calls). A 好 prospect
    gets a small gift (小礼品), a flagged 一般 one a card (贺卡); both get the SMS. A lead that
    refused since, whose number died, or that asked not to be called is not greeted.
    ``grade`` is the lead's latest final grade.
    """
    if do_not_call or (last_outcome in MAINTENANCE_ENDED_BY):
        return None
    if grade == "好":
        return GIFT
    if grade == "一般" and flagged:
        return CARD
    return None
