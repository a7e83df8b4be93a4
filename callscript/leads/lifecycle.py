"""A lead's life as the agent sees it, do-not-call, and the lead list.

Storage keeps a lead's ``status`` (``new``, ``retry``, ``callback``, ``mailed``,
``closed``, ``dead``), ``next_call_at``, ``attempts`` and ``last_outcome``, and
moves them in ``Store.finish_call``. This module turns that into the *stages* of
the issue's life cycle, shown in the lead list::

    new → called (an outcome; no answer / busy: call again) → callback due
        → mailed → follow-up due → maintained

plus ``set_aside`` (three no-answers in a row: not again today), ``closed``
(refused, not qualified) and ``dead`` (invalid number). A do-not-call lead has no
stage: it is never listed and never claimed.

The three-no-answers rule lives here (:func:`no_answer_streak`,
:func:`set_aside_until`) and is applied by ``Store.finish_call``.

For the TUI: :func:`lead_list` (the rows of the lead list),
:func:`mark_do_not_call` (the do-not-call key) and :func:`end_call_do_not_call`
(end the call in progress as refused + do-not-call).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # storage imports this module from finish_call: no storage import at module level
    from callscript.storage import Lead, Store

NO_ANSWERS_TO_SET_ASIDE = 3
"""This many ``no_answer`` outcomes in a row (busy does not count) set a lead aside."""

SET_ASIDE_AT = time(9, 0)
"""A lead set aside comes back at this time on the next day."""

STAGE_LABELS: dict[str, str] = {
    "callback_due": "约回电到期",
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

STAGE_ORDER = {name: i for i, name in enumerate(STAGE_LABELS)}
DUE_STAGES = frozenset({"callback_due", "follow_up_due", "retry_due"})
OPEN_STAGES = tuple(s for s in STAGE_LABELS if s not in ("maintained", "closed", "dead"))

DNC_NOTE_PREFIX = "不再拨打"


# ---------------------------------------------------------------------------
# Three no-answers in a row
# ---------------------------------------------------------------------------


def no_answer_streak(conn: sqlite3.Connection, lead_id: int) -> int:
    """How many of the lead's most recent finished calls in a row ended ``no_answer``."""
    return no_answer_streaks(conn, [lead_id]).get(lead_id, 0)


def no_answer_streaks(conn: sqlite3.Connection, lead_ids: Iterable[int]) -> dict[int, int]:
    """:func:`no_answer_streak` for many leads in one query per 500 leads."""
    ids = list(dict.fromkeys(lead_ids))
    streaks: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"""SELECT lead_id, outcome FROM calls
                WHERE lead_id IN ({marks}) AND ended_at IS NOT NULL
                ORDER BY lead_id, ended_at DESC, id DESC""",
            chunk,
        )
        current, counting = None, False
        for lead_id, outcome in rows:
            if lead_id != current:
                current, counting = lead_id, True
                streaks[lead_id] = 0
            if counting:
                if outcome == "no_answer":
                    streaks[lead_id] += 1
                else:
                    counting = False
    return streaks


def set_aside_until(moment: datetime) -> datetime:
    """When a lead set aside at ``moment`` comes back: the next day at :data:`SET_ASIDE_AT`."""
    next_day = (moment + timedelta(days=1)).date()
    return datetime.combine(next_day, SET_ASIDE_AT, tzinfo=moment.tzinfo)


def sets_aside(streak: int) -> bool:
    """True when a no-answer streak of this length sets the lead aside (3, 6, 9, …)."""
    return streak > 0 and streak % NO_ANSWERS_TO_SET_ASIDE == 0


# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------


def lead_stage(
    status: str,
    next_call_at: datetime | None,
    now: datetime,
    *,
    streak: int = 0,
    maintained: bool = False,
) -> str:
    """The life-cycle stage of a lead (see the module docstring)."""
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


@dataclass(frozen=True, slots=True)
class LeadListRow:
    """One line of the lead list."""

    lead: Lead
    stage: str
    due_at: datetime | None
    no_answers: int = 0
    """No-answers in a row so far."""

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def due(self) -> bool:
        return self.stage in DUE_STAGES

    @property
    def marker(self) -> str:
        """``●`` due now · ``○`` scheduled later · ``–`` set aside · blank otherwise."""
        if self.due:
            return "●"
        if self.stage == "set_aside":
            return "–"
        if self.stage in ("callback", "mailed", "called"):
            return "○"
        return ""

    @property
    def attempts(self) -> int:
        return self.lead.attempts

    @property
    def phone_display(self) -> str:
        from callscript.core.phones import dial_form

        return dial_form(self.lead.phone_norm, self.lead.phone)


_SELECT = "SELECT * FROM leads"


def lead_list(
    store: Store,
    *,
    agent: Any = None,
    industry: str | None = None,
    search: str | None = None,
    stages: Sequence[str] | None = None,
    include_closed: bool = False,
    limit: int = 500,
    now: datetime | None = None,
) -> list[LeadListRow]:
    """The lead list: due work first (callbacks due, follow-ups due), new leads, retries,
    then leads scheduled later; never a do-not-call lead.

    ``agent`` (id, name or Agent): leave out callbacks/follow-ups assigned to another
    agent and leads another agent holds. ``include_closed`` adds maintained, closed
    and dead leads at the end. ``stages`` keeps only those stages. At most ``limit``
    rows; each stage is read from the ``leads_claimable`` index in order, so the
    list is quick on a million leads.
    """
    from callscript.storage.timefmt import iso

    moment = store._now(now)
    stamp = iso(moment)
    common = ["do_not_call = 0", "active_call_id IS NULL"]
    params: list[Any] = []
    if agent is not None:
        agent_id = store._agent_id(agent, create=False)
        common.append("(assigned_agent_id IS NULL OR assigned_agent_id = ?)")
        common.append("(claimed_by IS NULL OR claimed_by = ? OR claim_expires_at <= ?)")
        params += [agent_id, agent_id, stamp]
    if industry:
        common.append("industry = ?")
        params.append(industry)
    if search:
        like = f"%{search.strip()}%"
        clauses = ["company LIKE ?", "contact LIKE ?", "phone LIKE ?", "phone_norm LIKE ?"]
        extra = [like, like, like, like]
        digits = "".join(ch for ch in search if ch.isdigit())
        if len(digits) >= 7:
            from callscript.core.phones import phone_norm

            norm = phone_norm(search)
            if norm:
                clauses.append("phone_norm = ?")
                extra.append(norm)
        common.append("(" + " OR ".join(clauses) + ")")
        params += extra
    where = " AND ".join(common)
    wanted = set(stages) if stages else None

    tiers: list[tuple[str, str, list[Any]]] = [
        ("callback_due", "status = 'callback' AND next_call_at <= ? ORDER BY next_call_at, id", [stamp]),
        ("follow_up_due", "status = 'mailed' AND next_call_at <= ? ORDER BY next_call_at, id", [stamp]),
        ("new", "status = 'new' ORDER BY next_call_at, id", []),
        (
            "retry_due",
            "status = 'retry' AND (next_call_at IS NULL OR next_call_at <= ?) ORDER BY next_call_at, id",
            [stamp],
        ),
        ("later", "status IN ('callback', 'mailed', 'retry') AND next_call_at > ? ORDER BY next_call_at, id", [stamp]),
    ]
    finished = {"maintained", "closed", "dead"}
    if include_closed or (wanted is not None and wanted & finished):
        tiers.append(("finished", "status IN ('closed', 'dead') ORDER BY updated_at DESC, id DESC", []))
    produces = {"later": {"callback", "mailed", "called", "set_aside"}, "finished": finished}

    leads: list[Lead] = []
    from callscript.storage import Lead as LeadRecord

    for name, condition, extra in tiers:
        if wanted is not None and not (produces.get(name, {name}) & wanted):
            continue
        room = limit - len(leads)
        if room <= 0:
            break
        rows = store._rows(f"{_SELECT} WHERE {where} AND {condition} LIMIT ?", [*params, *extra, room])
        leads += [LeadRecord.from_row(r) for r in rows]

    retry_ids = [l.id for l in leads if l.status == "retry" and l.last_outcome == "no_answer"]
    with store._lock:
        streaks = no_answer_streaks(store.conn, retry_ids) if retry_ids else {}
    closed_ids = [l.id for l in leads if l.status == "closed"]
    maintained = _maintained(store, closed_ids) if closed_ids else set()
    result = []
    for lead in leads:
        stage = lead_stage(
            lead.status, lead.next_call_at, moment, streak=streaks.get(lead.id, 0), maintained=lead.id in maintained
        )
        if wanted is not None and stage not in wanted:
            continue
        result.append(LeadListRow(lead, stage, lead.next_call_at, streaks.get(lead.id, 0)))
    result.sort(key=lambda r: STAGE_ORDER[r.stage])  # stable: each stage keeps the query's order
    return result


def _maintained(store: Store, lead_ids: Sequence[int]) -> set[int]:
    """Closed leads kept for maintenance: materials mailed and the follow-up call made,
    not refused since."""
    found: set[int] = set()
    for start in range(0, len(lead_ids), 500):
        chunk = list(lead_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = store._rows(
            f"""SELECT DISTINCT m.lead_id FROM mailings m JOIN leads l ON l.id = m.lead_id
                WHERE m.lead_id IN ({marks}) AND m.follow_up_done_at IS NOT NULL
                  AND COALESCE(l.last_outcome, '') NOT IN ('refused', 'invalid_number')""",
            chunk,
        )
        found.update(r["lead_id"] for r in rows)
    return found


# ---------------------------------------------------------------------------
# Do-not-call
# ---------------------------------------------------------------------------


def _dnc_note(existing: str | None, reason: str | None, agent: str | None, moment: datetime) -> str:
    line = f"[{DNC_NOTE_PREFIX} {moment.date().isoformat()}{' ' + agent if agent else ''}]"
    if reason and reason.strip():
        line += " " + reason.strip()
    return f"{existing}\n{line}" if existing else line


def mark_do_not_call(
    store: Store,
    lead_id: int,
    reason: str | None = None,
    *,
    agent: str | None = None,
    now: datetime | None = None,
) -> Lead:
    """Never call this lead again (the customer asked; a refusal "不要再打了").

    In one transaction: ``do_not_call`` set, the reason appended to the lead's notes
    (``[不再拨打 2026-11-25 王芳] 客户要求``), its open callbacks and pending mail
    follow-ups closed, any unused claim released. A call in progress on the lead is
    left for the agent to finish (with ``refused``). Import never clears the flag.
    Idempotent: marking twice keeps the first note.
    """
    from callscript.storage import NotFound
    from callscript.storage.timefmt import iso

    moment = store._now(now)
    stamp = iso(moment)

    def work() -> None:
        row = store._row("SELECT do_not_call, notes FROM leads WHERE id = ?", (lead_id,))
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        if row["do_not_call"]:
            return
        store.conn.execute(
            """UPDATE leads SET do_not_call = 1, notes = ?, updated_at = ?,
                   claimed_by = CASE WHEN active_call_id IS NULL THEN NULL ELSE claimed_by END,
                   claimed_at = CASE WHEN active_call_id IS NULL THEN NULL ELSE claimed_at END,
                   claim_expires_at = CASE WHEN active_call_id IS NULL THEN NULL ELSE claim_expires_at END
               WHERE id = ?""",
            (_dnc_note(row["notes"], reason, agent, moment), stamp, lead_id),
        )
        store.conn.execute("UPDATE callbacks SET done_at = ? WHERE lead_id = ? AND done_at IS NULL", (stamp, lead_id))
        store.conn.execute(
            "UPDATE mailings SET follow_up_done_at = ? WHERE lead_id = ? AND follow_up_done_at IS NULL",
            (stamp, lead_id),
        )

    store._tx(work)
    return store.get_lead(lead_id)


def end_call_do_not_call(
    store: Store,
    call_id: int,
    reason: str | None = None,
    *,
    facts: Any = None,
    grade_result: Any = None,
    agent: str | None = None,
    now: datetime | None = None,
):
    """The outcome "refused, do not call again": mark the call's lead do-not-call, then
    finish the call as ``refused`` (facts and grade as learned). The mark comes first,
    so a crash in between leaves an unfinished call on a lead that is already safe.
    Returns the finished ``CallRecord``.
    """
    call = store.get_call(call_id)
    mark_do_not_call(store, call.lead_id, reason, agent=agent, now=now)
    return store.finish_call(call_id, "refused", facts or {}, grade_result, now=now)


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
    """Do-not-call by number (``callscript leads dnc PHONE``): the lead with this number,
    in any spelling, is marked; a number not yet known is added as a do-not-call lead so
    a later import skips it. Returns (lead, created). Raises ``PhoneError`` for an invalid number.
    """
    from callscript.core.phones import parse_phone
    from callscript.storage.timefmt import iso

    parsed = parse_phone(phone, region)
    moment = store._now(now)

    def work() -> tuple[int, bool]:
        row = store._row("SELECT id FROM leads WHERE phone_norm = ?", (parsed.norm,))
        if row is not None:
            return row["id"], False
        stamp = iso(moment)
        cursor = store.conn.execute(
            """INSERT INTO leads (company, phone, phone_norm, phone_kind, notes, do_not_call, status,
                                  created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, 1, 'closed', ?, ?)""",
            (
                (company or "").strip() or "(不再拨打)",
                phone.strip(),
                parsed.norm,
                parsed.kind,
                _dnc_note(None, reason, agent, moment),
                stamp,
                stamp,
            ),
        )
        return cursor.lastrowid, True

    lead_id, created = store._tx(work)
    if not created:
        return mark_do_not_call(store, lead_id, reason, agent=agent, now=now), False
    return store.get_lead(lead_id), True


def clear_do_not_call(store: Store, lead_id: int, *, agent: str | None = None, now: datetime | None = None) -> Lead:
    """Undo a do-not-call marked by mistake (supervisor). The note stays, with a line saying it was undone."""
    from callscript.storage import NotFound
    from callscript.storage.timefmt import iso

    moment = store._now(now)

    def work() -> None:
        row = store._row("SELECT do_not_call, notes FROM leads WHERE id = ?", (lead_id,))
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        if not row["do_not_call"]:
            return
        line = f"[撤销{DNC_NOTE_PREFIX} {moment.date().isoformat()}{' ' + agent if agent else ''}]"
        notes = f"{row['notes']}\n{line}" if row["notes"] else line
        store.conn.execute(
            "UPDATE leads SET do_not_call = 0, notes = ?, updated_at = ? WHERE id = ?", (notes, iso(moment), lead_id)
        )

    store._tx(work)
    return store.get_lead(lead_id)


def do_not_call_leads(store: Store, *, limit: int | None = None) -> list[Lead]:
    """The do-not-call list (for ``callscript leads list --dnc``), most recently marked first."""
    from callscript.storage import Lead as LeadRecord

    rows = store._rows(
        "SELECT * FROM leads WHERE do_not_call = 1 ORDER BY updated_at DESC, id DESC LIMIT ?",
        (-1 if limit is None else limit,),
    )
    return [LeadRecord.from_row(r) for r in rows]
