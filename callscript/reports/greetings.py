"""The holiday greeting list (节日问候): who gets an SMS, a card or a gift before a holiday.

The seed (客户维护): 好 prospects and the 一般 ones an agent marked during development are kept
for maintenance; "节日时" they get a small gift or a card, and an SMS greeting that carries the
agent's own name and the company's ("发短信记得写上自己的名字和公司的名字"). Who is on the list and
what they get is the life cycle's rule (:func:`callscript.core.lifecycle.greeting_gift`); the
holiday is China's official calendar (:mod:`callscript.core.china_calendar`).

A lead is *flagged* (着重标识) when one of its calls has an important note (``!`` at the start
of a note, Ctrl+N in a call): the list shows that note, so the supervisor sees why. Its grade is
its latest final grade; its agent the one who made that call; its address the last one mail
went to (else the ``address`` fact of that call).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date

from callscript.core.access import Actor
from callscript.core.china_calendar import Holiday
from callscript.core.lifecycle import CARD, GIFT, greeting_gift

BLESSINGS: dict[str, str] = {
    "元旦": "新年快乐、万事如意",
    "春节": "新春快乐、阖家幸福",
    "清明节": "假期出行平安顺利",
    "劳动节": "节日快乐、假期愉快",
    "端午节": "端午安康",
    "中秋节": "中秋快乐、阖家团圆",
    "国庆节": "国庆快乐、假期愉快",
}
"""What the SMS wishes, by festival (清明 is no day for 快乐)."""

DEFAULT_BLESSING = "节日快乐、工作顺利"

_CANDIDATES_SQL = """
    SELECT g.lead_id, g.grade, g.facts, a.name, l.company, l.contact, l.phone, l.phone_norm, l.phone_kind,
           l.industry, l.last_outcome, l.do_not_call,
           (SELECT e.value FROM call_events e JOIN calls c ON c.id = e.call_id
             WHERE c.lead_id = g.lead_id AND e.kind = 'note' AND e.important = 1
             ORDER BY e.at DESC, e.id DESC LIMIT 1) AS flag_note,
           (SELECT m.address FROM mailings m WHERE m.lead_id = g.lead_id
             ORDER BY m.mailed_on DESC, m.id DESC LIMIT 1) AS mailed_to
    FROM (
        SELECT c.lead_id, c.agent_id, c.grade, c.facts,
               ROW_NUMBER() OVER (PARTITION BY c.lead_id ORDER BY c.started_at DESC, c.id DESC) AS rn
        FROM calls c WHERE c.grade IS NOT NULL AND c.ended_at IS NOT NULL
    ) g
    JOIN leads l ON l.id = g.lead_id
    JOIN agents a ON a.id = g.agent_id
    WHERE g.rn = 1 AND g.grade IN ('好', '一般') AND l.do_not_call = 0 {agent_filter}
    ORDER BY a.name, g.grade DESC, l.company, g.lead_id
"""
"""Every lead's latest final grade, when it is 好 or 一般, with what the list shows about it."""


@dataclass(frozen=True, slots=True)
class Greeting:
    lead_id: int
    agent: str
    company: str
    contact: str | None
    phone: str
    mobile: str | None  # the 11-digit number an SMS platform takes; None for a landline
    industry: str | None
    grade: str
    flag_note: str | None  # the important note that flags a 一般 prospect (着重标识)
    gift: str  # 礼品 (好) or 贺卡 (flagged 一般)
    address: str | None  # where the card or gift goes; None: SMS only
    sms: str | None  # the SMS text (None: no mobile number)


@dataclass(frozen=True, slots=True)
class GreetingList:
    """节日问候名单 for one holiday (or a day with no holiday: the greeting says 节日)."""

    holiday: Holiday | None
    day: date
    company: str
    items: list[Greeting]

    title = "节日问候名单"

    @property
    def occasion(self) -> str:
        return self.holiday.name if self.holiday is not None else "节日"

    @property
    def gifts(self) -> list[Greeting]:
        return [g for g in self.items if g.gift == GIFT]

    @property
    def cards(self) -> list[Greeting]:
        return [g for g in self.items if g.gift == CARD]


def sms_text(contact: str | None, holiday: Holiday | None, agent: str, company: str) -> str:
    """The greeting: the contact, the holiday, the wish — signed with the company's and the agent's name."""
    festival = holiday.names[0] if holiday is not None else None
    blessing = BLESSINGS.get(festival or "", DEFAULT_BLESSING)
    occasion = "、".join(holiday.names) if holiday is not None else "节日"
    greeting = f"{contact.strip()}您好!" if contact and contact.strip() else "您好!"
    return f"{greeting}{occasion}将至,{company}的{agent}祝您{blessing}!出差订房订机票,随时找我。【{company} {agent}】"


def _mobile(phone_norm: str | None, kind: str | None) -> str | None:
    if kind != "mobile" or not phone_norm:
        return None
    return phone_norm[3:] if phone_norm.startswith("+86") else phone_norm.lstrip("+")


def _address_fact(facts: str | None) -> str | None:
    try:
        value = json.loads(facts or "{}").get("address")
    except (ValueError, AttributeError):
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def greeting_list(
    conn: sqlite3.Connection,
    holiday: Holiday | None,
    day: date,
    *,
    company: str,
    agent: str | None = None,
    actor: Actor | None = None,
) -> GreetingList:
    """The maintained prospects to greet for ``holiday`` (greeted on ``day``), signed ``company``.
    An agent (``actor``) gets their own prospects only; None: the CLI's, everyone's."""
    filters: list[str] = []
    params: list[str | int] = []
    if agent:
        filters.append("AND a.name = ?")
        params.append(agent.strip())
    scope = None if actor is None else actor.agent_scope()
    if scope is not None:
        filters.append("AND a.id = ?")
        params.append(scope)
    sql = _CANDIDATES_SQL.format(agent_filter=" ".join(filters))
    items: list[Greeting] = []
    for row in conn.execute(sql, params):
        lead_id, grade, facts, name, firm, contact, phone, norm, kind, industry, last_outcome, dnc, note, mailed_to = (
            row
        )
        gift = greeting_gift(grade, flagged=note is not None, last_outcome=last_outcome, do_not_call=bool(dnc))
        if gift is None:
            continue
        mobile = _mobile(norm, kind)
        items.append(
            Greeting(
                lead_id,
                name,
                firm,
                contact,
                phone,
                mobile,
                industry,
                grade,
                note,
                gift,
                mailed_to or _address_fact(facts),
                sms_text(contact, holiday, name, company) if mobile else None,
            )
        )
    return GreetingList(holiday, day, company, items)
