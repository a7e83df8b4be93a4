"""市场情况: what each industry answers about its travel booking (``report market``).

Per industry: how the companies book hotels (B1 another booking centre, B2
agreement hotels / branch offices / fixed hosts, B3 find one on arrival, B4 no
fixed way, already our member), which competing booking centres they name (one
name per centre: :mod:`callscript.reports.aliases`), the hotel star and price they
book, and whether travel is reimbursed or self-paid.

Counting rule (docs/reports.md, "Market answers"): **each company (lead) counts
once per question, with its latest answer** — the latest finished call that
recorded that fact (a later call that heard a different answer replaces it; a call
that did not ask leaves the earlier answer standing). ``--from``/``--to`` select the
companies whose latest answer was given in the range. Each share is of the
companies that answered that question (its 回答数 is beside it), never of all leads.
Industry is the lead's industry as it is now (未分类 for none).

The numbers come from ``market_day`` (kept by triggers, storage migration 9).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import lru_cache

from callscript.reports.aliases import NO_ALIASES, Aliases
from callscript.reports.queries import UNCLASSIFIED_LABEL, day_range_where
from callscript.storage.report_tables import UNCLASSIFIED

BOOKING_METHODS: tuple[tuple[str, str], ...] = (
    ("other_center", "B1 其它订房中心"),
    ("agreement", "B2 协议酒店/办事处"),
    ("on_arrival", "B3 到当地再找"),
    ("ad_hoc", "B4 没有固定方法"),
    ("member", "已是会员"),
)
"""The BRIEF's ``booking_method`` values and how the report names them."""
STARS: tuple[int, ...] = (1, 2, 3, 4, 5)
EXPENSES: tuple[tuple[str, str], ...] = (("reimbursed", "报销"), ("self_paid", "自费"))
PRICE_BANDS: tuple[tuple[int, str], ...] = (
    (100, "≤100元"),
    (200, "101-200元"),
    (400, "201-400元"),
    (700, "401-700元"),
)
"""Upper bounds (yuan per night, included) and labels; above the last: :data:`PRICE_TOP`."""
PRICE_TOP = "700元以上"
PRICE_UNREADABLE = "写法无法识别"
TOP_CENTRES = 3

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ABOVE = ("以上", "起", "多", "+", "上下不限")
_BELOW = ("以下", "以内", "之内", "不到", "低于")


@lru_cache(maxsize=8192)
def price_band(text: str) -> str:
    """The band of a typed price: the middle of the first two numbers (``300-500元`` → 400),
    or the one number (``300元左右`` → 300); ``以上`` puts it just above, ``以下`` at or
    below. Text without a number (``三四百``) is :data:`PRICE_UNREADABLE`."""
    plain = unicodedata.normalize("NFKC", text)
    numbers = [float(x) for x in _NUMBER.findall(plain)]
    if not numbers:
        return PRICE_UNREADABLE
    value = (numbers[0] + numbers[1]) / 2 if len(numbers) >= 2 else numbers[0]
    if len(numbers) == 1 and any(word in plain for word in _ABOVE):
        value += 0.5
    elif len(numbers) == 1 and any(word in plain for word in _BELOW):
        value -= 0.5
    for upper, label in PRICE_BANDS:
        if value <= upper:
            return label
    return PRICE_TOP


PRICE_LABELS: tuple[str, ...] = (*(label for _, label in PRICE_BANDS), PRICE_TOP, PRICE_UNREADABLE)


@dataclass(slots=True)
class IndustryMarket:
    """One industry's answers: counts per value, each question with how many answered."""

    industry: str
    booking: Counter[str] = field(default_factory=Counter)  # booking_method value → companies
    centres: dict[str, int] = field(default_factory=dict)  # canonical centre name → companies
    stars: Counter[int] = field(default_factory=Counter)
    prices: Counter[str] = field(default_factory=Counter)  # band label → companies
    expense: Counter[str] = field(default_factory=Counter)
    unreadable_stars: int = 0  # a hotel_star that is not 1–5 (not counted in the shares)

    @property
    def booking_answered(self) -> int:
        return sum(self.booking.values())

    @property
    def centres_named(self) -> int:
        return sum(self.centres.values())

    @property
    def stars_answered(self) -> int:
        return sum(self.stars.values())

    @property
    def prices_answered(self) -> int:
        return sum(self.prices.values())

    @property
    def expense_answered(self) -> int:
        return sum(self.expense.values())

    @staticmethod
    def share(part: int, whole: int) -> Fraction | None:
        return Fraction(part, whole) if whole else None

    def top_centres(self, limit: int = TOP_CENTRES) -> list[tuple[str, int]]:
        return sorted(self.centres.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def add(self, other: IndustryMarket) -> None:
        self.booking.update(other.booking)
        for name, n in other.centres.items():
            self.centres[name] = self.centres.get(name, 0) + n
        self.stars.update(other.stars)
        self.prices.update(other.prices)
        self.expense.update(other.expense)
        self.unreadable_stars += other.unreadable_stars


@dataclass(frozen=True, slots=True)
class MarketReport:
    """市场情况 by industry (most answers first), and all industries together."""

    start: date | None
    end: date | None
    rows: list[IndustryMarket]
    total: IndustryMarket
    aliases_source: str = ""

    title = "市场情况"

    def row(self, industry: str) -> IndustryMarket:
        for r in self.rows:
            if r.industry == industry:
                return r
        raise KeyError(industry)


def market(
    conn: sqlite3.Connection,
    start: date | None = None,
    end: date | None = None,
    *,
    aliases: Aliases = NO_ALIASES,
) -> MarketReport:
    """The market answers by industry: companies whose latest answer was given in the
    range (all time by default), competing centres named by ``aliases``."""
    if start is not None and end is not None and end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    where, params = day_range_where(start, end)
    sql = (
        "SELECT industry, fact, value, SUM(n) FROM market_day"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " GROUP BY industry, fact, value"
    )
    by_industry: dict[str, IndustryMarket] = {}
    typed_centres: dict[str, list[tuple[str, int]]] = {}
    for industry, fact, value, n in conn.execute(sql, params):
        label = UNCLASSIFIED_LABEL if industry == UNCLASSIFIED else industry
        row = by_industry.get(label)
        if row is None:
            row = by_industry[label] = IndustryMarket(label)
        n = int(n)
        if fact == "booking_method":
            row.booking[value] += n
        elif fact == "other_center_name":
            typed_centres.setdefault(label, []).append((value, n))
        elif fact == "hotel_star":
            star = _star(value)
            if star is None:
                row.unreadable_stars += n
            else:
                row.stars[star] += n
        elif fact == "price_range":
            row.prices[price_band(value)] += n
        elif fact == "expense":
            row.expense[value] += n
    for label, typed in typed_centres.items():
        by_industry[label].centres = aliases.group(typed)
    rows = sorted(
        by_industry.values(),
        key=lambda r: (r.industry == UNCLASSIFIED_LABEL, -r.booking_answered, -r.stars_answered, r.industry),
    )
    total = IndustryMarket("合计")
    for r in rows:
        total.add(r)
    return MarketReport(start, end, rows, total, aliases.source)


def _star(value: str) -> int | None:
    try:
        star = int(float(value))
    except ValueError:
        return None
    return star if star in STARS else None
