"""Who is due a call: callbacks due today or overdue, and mail follow-ups due.

The seed (客户维护的时间安排): a follow-up after mailing goes 7 days to 10 days
after the materials were mailed (storage keeps ``follow_up_from``/``follow_up_by``
on each mailing), in the 17:30–18:00 window on working days or in business hours on
rest days — China's official calendar, with its holidays and 调休
(:mod:`callscript.core.followup`). Each follow-up gets the next such slot inside its
window as a suggestion, and says whether *now* is one; once its last slot has passed it
says 窗口已过 instead of suggesting a time after it. A callback is due at the time the
prospect asked for.

``now`` may be in the past (``report due --at``): the list is what was due then — the
callbacks already asked for and not yet made at that moment, the mailings already sent
and not yet followed up then.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from callscript.core.access import Actor
from callscript.core.followup import (
    FollowUpSlot,
    in_follow_up_window,
    next_follow_up_slot,
)
from callscript.core.phones import dial_form
from callscript.storage.timefmt import parse_iso

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

DEFAULT_OVERDUE_DAYS = 14
"""Follow-ups whose window closed longer ago than this are no longer listed."""

CALLBACK, FOLLOW_UP = "callback", "follow_up"
KIND_LABELS = {CALLBACK: "回电", FOLLOW_UP: "回访"}
OVERDUE, TODAY, DUE, LAST_DAY = "overdue", "today", "due", "last_day"
STATUS_LABELS = {OVERDUE: "逾期", TODAY: "今天", DUE: "到期", LAST_DAY: "最后一天"}
WINDOW_CLOSED = "窗口已过"
"""What a follow-up whose window has closed shows instead of a time to call."""


def _day_label(day: date, today: date) -> str:
    if day == today:
        return "今天"
    if day == today + timedelta(days=1):
        return "明天"
    return f"{WEEKDAYS_ZH[day.weekday()]} {day:%m-%d}"


def slot_label(slot: FollowUpSlot, now: datetime) -> str:
    """How the due list says a slot: ``现在 17:30-18:00``, ``今天 17:30-18:00``, ``明天 全天 (周末)``,
    ``周三 10-01 全天 (国庆节)``, ``周六 02-14 17:30-18:00 (调休上班)``."""
    if slot.contains(now):
        return f"现在 ({slot.label})" if slot.rest_day else "现在 17:30-18:00"
    when = _day_label(slot.day, now.date())
    if slot.rest_day:
        return f"{when} 全天 ({slot.label})"
    adjusted = " (调休上班)" if slot.label == "调休上班" else ""
    return f"{when} {slot.start:%H:%M}-{slot.end:%H:%M}{adjusted}"


def next_follow_up_label(now: datetime, first: date, last: date) -> tuple[str, bool]:
    """The slot to call a follow-up due ``first``..``last`` in, as the list says it, and whether
    ``now`` is in it; :data:`WINDOW_CLOSED` once the window has no slot left."""
    slot = next_follow_up_slot(now, first, last)
    if slot is None:
        return WINDOW_CLOSED, False
    return slot_label(slot, now), slot.contains(now)


@dataclass(frozen=True, slots=True)
class DueItem:
    kind: str  # callback / follow_up
    status: str  # overdue / today (callbacks); due / last_day / overdue (follow-ups)
    due: datetime | date  # callback: the time asked for; follow-up: first day of its window
    due_by: date | None  # follow-up: last day of its window
    slot: str  # when to call: the callback time, or the next follow-up slot
    in_window_now: bool  # follow-up: now is inside a follow-up slot (17:30-18:00, or a rest day)
    agent: str
    company: str
    contact: str | None
    phone: str
    """As a person dials it (``138 0000 0002``, :func:`callscript.core.phones.dial_form`)."""
    industry: str | None
    grade: str | None  # grade of the call that scheduled it / mailed the materials
    note: str | None  # callback reason, or the address mailed to
    lead_id: int
    ref_id: int  # callbacks.id / mailings.id

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True, slots=True)
class DueList:
    now: datetime
    items: list[DueItem]
    title = "待办: 回电与回访"

    @property
    def callbacks(self) -> list[DueItem]:
        return [i for i in self.items if i.kind == CALLBACK]

    @property
    def follow_ups(self) -> list[DueItem]:
        return [i for i in self.items if i.kind == FOLLOW_UP]

    @property
    def in_window_now(self) -> bool:
        return in_follow_up_window(self.now)


_GRADE_ORDER = {"好": 0, "一般": 1, "勉强": 2}


def due_list(
    conn: sqlite3.Connection,
    now: datetime,
    *,
    agent: str | None = None,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    actor: Actor | None = None,
) -> DueList:
    """Callbacks open at ``now`` and due by the end of its day (overdue first), then follow-ups
    pending at ``now`` whose window has opened (good prospects first, then by deadline). A
    follow-up whose window has closed — also on its last day once the last slot is over — is
    overdue and says :data:`WINDOW_CLOSED`."""
    if now.tzinfo is None:
        now = now.astimezone()
    today = now.date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0, 0), now.tzinfo)
    epoch = int(now.timestamp())  # stamps compared as moments: --at may carry another offset than the file
    agent_sql: str = ""
    agent_params: dict[str, str | int] = {}
    if agent is not None:
        agent_sql, agent_params = " AND a.name = :agent", {"agent": agent.strip()}
    scope = None if actor is None else actor.agent_scope()
    if scope is not None:  # an agent sees their own callbacks and follow-ups only
        agent_sql += " AND a.id = :scope"
        agent_params["scope"] = scope
    items: list[DueItem] = []
    for row in conn.execute(
        f"""SELECT cb.id, cb.due_at, cb.reason, a.name, l.id, l.company, l.contact, l.phone, l.phone_norm,
                   l.industry, c.grade
            FROM callbacks cb JOIN agents a ON a.id = cb.agent_id JOIN leads l ON l.id = cb.lead_id
            LEFT JOIN calls c ON c.id = cb.call_id
            WHERE unixepoch(cb.created_at) <= :now AND (cb.done_at IS NULL OR unixepoch(cb.done_at) > :now)
              AND unixepoch(cb.due_at) < :tomorrow{agent_sql}
            ORDER BY cb.due_at, cb.id""",
        {"now": epoch, "tomorrow": int(tomorrow.timestamp()), **agent_params},
    ):
        cb_id, due_at, reason, name, lead_id, company, contact, phone, phone_norm, industry, grade = row
        due = parse_iso(due_at)
        assert due is not None  # callbacks.due_at is NOT NULL
        overdue = due < now
        slot = f"{due:%H:%M}" if due.date() == today else f"{due:%m-%d %H:%M}"
        items.append(
            DueItem(
                CALLBACK,
                OVERDUE if overdue else TODAY,
                due,
                None,
                slot,
                False,
                name,
                company,
                contact,
                dial_form(phone_norm, phone),
                industry,
                grade,
                reason,
                lead_id,
                cb_id,
            )
        )
    oldest = today - timedelta(days=overdue_days)
    follow_ups: list[DueItem] = []
    for row in conn.execute(
        f"""SELECT m.id, m.follow_up_from, m.follow_up_by, m.address, a.name, l.id, l.company, l.contact,
                   l.phone, l.phone_norm, l.industry, c.grade
            FROM mailings m JOIN agents a ON a.id = m.agent_id JOIN leads l ON l.id = m.lead_id
            LEFT JOIN calls c ON c.id = m.call_id
            WHERE (m.follow_up_done_at IS NULL OR unixepoch(m.follow_up_done_at) > :now)
              AND (c.ended_at IS NULL OR unixepoch(c.ended_at) <= :now) AND m.mailed_on <= :today
              AND m.follow_up_from <= :today AND m.follow_up_by >= :oldest{agent_sql}""",
        {"now": epoch, "today": today.isoformat(), "oldest": oldest.isoformat(), **agent_params},
    ):
        m_id, first, last, address, name, lead_id, company, contact, phone, phone_norm, industry, grade = row
        first, last = date.fromisoformat(first), date.fromisoformat(last)
        slot, now_ok = next_follow_up_label(now, first, last)
        status = OVERDUE if slot == WINDOW_CLOSED else LAST_DAY if last == today else DUE
        follow_ups.append(
            DueItem(
                FOLLOW_UP,
                status,
                first,
                last,
                slot,
                now_ok,
                name,
                company,
                contact,
                dial_form(phone_norm, phone),
                industry,
                grade,
                address,
                lead_id,
                m_id,
            )
        )
    follow_ups.sort(key=lambda i: (_GRADE_ORDER.get(i.grade or "", 3), i.due_by, i.agent, i.ref_id))
    return DueList(now, items + follow_ups)
