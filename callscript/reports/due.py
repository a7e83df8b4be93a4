"""Who is due a call: callbacks due today or overdue, and mail follow-ups due.

The seed (客户维护的时间安排): a follow-up after mailing goes 7 days to 10 days
after the materials were mailed (storage keeps ``follow_up_from``/``follow_up_by``
on each mailing), in the 17:30–18:00 window or at weekends. Each follow-up gets
the next such slot inside its window as a suggestion, and says whether *now* is
one. A callback is due at the time the prospect asked for.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from callscript.core.followup import FOLLOW_UP_WINDOW, in_follow_up_window, is_rest_day
from callscript.core.phones import dial_form
from callscript.storage.timefmt import iso, parse_iso

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

DEFAULT_OVERDUE_DAYS = 14
"""Follow-ups whose window closed longer ago than this are no longer listed."""

CALLBACK, FOLLOW_UP = "callback", "follow_up"
KIND_LABELS = {CALLBACK: "回电", FOLLOW_UP: "回访"}
OVERDUE, TODAY, DUE, LAST_DAY = "overdue", "today", "due", "last_day"
STATUS_LABELS = {OVERDUE: "逾期", TODAY: "今天", DUE: "到期", LAST_DAY: "最后一天"}


def _day_label(day: date, today: date) -> str:
    if day == today:
        return "今天"
    if day == today + timedelta(days=1):
        return "明天"
    return f"{WEEKDAYS_ZH[day.weekday()]} {day:%m-%d}"


def next_follow_up_slot(now: datetime, first: date, last: date) -> tuple[str, bool]:
    """The next 17:30-18:00 window or weekend day from ``now``, inside ``first``..``last``
    if possible (else the next one at all: the follow-up is late). Returns (label, now_is_a_slot)."""
    today = now.date()
    if in_follow_up_window(now):
        return ("现在 (周末)" if is_rest_day(today) else "现在 17:30-18:00"), True
    day = max(today, first)
    limit = max(last, today) + timedelta(days=7)
    while day <= limit:
        if is_rest_day(day):
            return f"{_day_label(day, today)} 全天 (周末)", False
        if day > today or now.time() < FOLLOW_UP_WINDOW[1]:
            return f"{_day_label(day, today)} 17:30-18:00", False
        day += timedelta(days=1)
    return "", False  # not reached: a week always has a weekend


@dataclass(frozen=True, slots=True)
class DueItem:
    kind: str  # callback / follow_up
    status: str  # overdue / today (callbacks); due / last_day / overdue (follow-ups)
    due: datetime | date  # callback: the time asked for; follow-up: first day of its window
    due_by: date | None  # follow-up: last day of its window
    slot: str  # when to call: the callback time, or the next follow-up slot
    in_window_now: bool  # follow-up: now is 17:30-18:00 or a weekend
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
) -> DueList:
    """Open callbacks due by the end of ``now``'s day (overdue first), then pending
    follow-ups whose window has opened (good prospects first, then by deadline)."""
    if now.tzinfo is None:
        now = now.astimezone()
    today = now.date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0, 0), now.tzinfo)
    agent_sql: str = ""
    agent_params: tuple[str, ...] = ()
    if agent is not None:
        agent_sql, agent_params = " AND a.name = ?", (agent.strip(),)
    items: list[DueItem] = []
    for row in conn.execute(
        f"""SELECT cb.id, cb.due_at, cb.reason, a.name, l.id, l.company, l.contact, l.phone, l.phone_norm,
                   l.industry, c.grade
            FROM callbacks cb JOIN agents a ON a.id = cb.agent_id JOIN leads l ON l.id = cb.lead_id
            LEFT JOIN calls c ON c.id = cb.call_id
            WHERE cb.done_at IS NULL AND cb.due_at < ?{agent_sql}
            ORDER BY cb.due_at, cb.id""",
        (iso(tomorrow), *agent_params),
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
            WHERE m.follow_up_done_at IS NULL AND m.follow_up_from <= ? AND m.follow_up_by >= ?{agent_sql}""",
        (today.isoformat(), oldest.isoformat(), *agent_params),
    ):
        m_id, first, last, address, name, lead_id, company, contact, phone, phone_norm, industry, grade = row
        first, last = date.fromisoformat(first), date.fromisoformat(last)
        status = OVERDUE if last < today else LAST_DAY if last == today else DUE
        slot, now_ok = next_follow_up_slot(now, first, last)
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
