"""The daily table, the cumulative table and the yield table (docs/reports.md).

Every function takes an open ``sqlite3.Connection`` to a migrated database (the
app's ``Store.conn`` or :func:`open_db`) and returns plain dataclasses; the
formats (rich table, CSV, JSON, XLSX) are in :mod:`callscript.reports.render`.

The numbers come from the report tables (callscript/storage/report_tables.py), kept
current by triggers: ``report_day_industry`` (by industry, and the yield table),
``report_day_agent`` (by agent) and ``report_daily`` (by agent and industry). A
year of a 50-agent floor is then ~6,000 / ~13,000 / ~280,000 small rows rather
than two million calls.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Literal

from callscript.storage.report_tables import UNCLASSIFIED

By = Literal["industry", "agent", "both"]
BY_CHOICES: tuple[str, ...] = ("industry", "agent", "both")
BY_LABELS: dict[str, str] = {"industry": "按行业", "agent": "按业务员", "both": "按业务员和行业"}

UNCLASSIFIED_LABEL = "未分类"
"""Shown for leads with no industry."""

DEFAULT_MIN_LEADS = 30
"""The yield table ranks an industry only from this many leads (总个数) up."""


def open_db(path: str | Path, *, create: bool = False):
    """Open the app's database for reports (migrated, so the report tables exist).

    Returns the storage layer's ``sqlite_utils.Database``; use ``.conn``.
    """
    from callscript.storage import connect
    from callscript.storage.schema import migrate

    db = connect(path, create=create)
    try:
        migrate(db.conn)
    except BaseException:
        db.close()
        raise
    return db


def as_day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


# --------------------------------------------------------------------------- counts


@dataclass(slots=True)  # not frozen: a frozen dataclass is several times slower to build
class Counts:
    """One row's numbers. Rates are exact fractions of 总个数 (``leads``), None when it is 0."""

    leads: int = 0  # 总个数: leads called (a lead once per day, with its last outcome)
    effective: int = 0  # 有效数
    mailed: int = 0  # 寄卡量
    good: int = 0  # 好
    fair: int = 0  # 一般
    marginal: int = 0  # 勉强
    calls: int = 0  # 通话数: every finished call
    talk_seconds: int = 0  # total call length
    callbacks_made: int = 0  # 回电数: calls that honoured a scheduled callback

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Counts)))

    @staticmethod
    def _rate(part: int, whole: int) -> Fraction | None:
        return Fraction(part, whole) if whole else None

    @property
    def mail_rate(self) -> Fraction | None:
        """寄卡率 = 寄卡量 / 总个数."""
        return self._rate(self.mailed, self.leads)

    @property
    def effective_rate(self) -> Fraction | None:
        """有效率 = 有效数 / 总个数."""
        return self._rate(self.effective, self.leads)

    @property
    def good_rate(self) -> Fraction | None:
        """好客户率 = 好 / 总个数."""
        return self._rate(self.good, self.leads)

    @property
    def avg_call_seconds(self) -> Fraction | None:
        """平均时长: total call length / 通话数."""
        return self._rate(self.talk_seconds, self.calls)


_SUM_COLUMNS = ", ".join(f"SUM({f.name})" for f in fields(Counts))


_FIELDS = tuple(f.name for f in fields(Counts))


def total(counts: Iterable[Counts]) -> Counts:
    columns = list(zip(*[tuple(getattr(c, name) for name in _FIELDS) for c in counts]))
    return Counts(*map(sum, columns)) if columns else Counts()


# --------------------------------------------------------------------------- remarks


@dataclass(slots=True)
class Remark:
    """An agent's 优点 / 缺点 / 建议 for one day."""

    agent: str
    day: date
    strengths: str | None = None
    weaknesses: str | None = None
    suggestions: str | None = None


def remarks(conn: sqlite3.Connection, start: date, end: date, *, agent: str | None = None) -> list[Remark]:
    """The 优点/缺点/建议 written for the days ``start``..``end`` (of one agent, by name, if given)."""
    only = " AND a.name = ?" if agent is not None else ""
    rows = conn.execute(
        f"""SELECT a.name, r.day, r.strengths, r.weaknesses, r.suggestions
            FROM agent_day_reviews r JOIN agents a ON a.id = r.agent_id
            WHERE r.day BETWEEN ? AND ?{only} ORDER BY r.day, a.name""",
        (start.isoformat(), end.isoformat(), *([agent] if agent is not None else [])),
    ).fetchall()
    if start == end:
        return [Remark(name, start, s, w, g) for name, _, s, w, g in rows]
    return [Remark(name, date.fromisoformat(day), s, w, g) for name, day, s, w, g in rows]


def save_remark(
    conn: sqlite3.Connection,
    agent: str,
    day: date | str,
    *,
    strengths: str | None = None,
    weaknesses: str | None = None,
    suggestions: str | None = None,
    keep_unset: bool = True,
    now: datetime | None = None,
) -> Remark:
    """Write an agent's 优点/缺点/建议 for a day (the agent must exist).

    With ``keep_unset`` a part passed as None keeps what was stored (so 建议 can be
    added later without retyping 优点); an empty string clears it.
    """
    from callscript.storage.db import immediate, retry_locked
    from callscript.storage.timefmt import iso, now_local

    name = agent.strip()
    day = as_day(day)
    row = conn.execute("SELECT id FROM agents WHERE name = ?", (name,)).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("SELECT name FROM agents ORDER BY name")]
        raise LookupError(f"no agent named {name!r}" + (f" (agents: {', '.join(known)})" if known else ""))
    agent_id = row[0]
    parts = {"strengths": strengths, "weaknesses": weaknesses, "suggestions": suggestions}

    def work() -> None:
        with immediate(conn):
            old = conn.execute(
                "SELECT strengths, weaknesses, suggestions FROM agent_day_reviews WHERE agent_id = ? AND day = ?",
                (agent_id, day.isoformat()),
            ).fetchone()
            values = dict(parts)
            if keep_unset and old is not None:
                for (key, value), before in zip(parts.items(), old):
                    if value is None:
                        values[key] = before
            values = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
            conn.execute(
                """INSERT INTO agent_day_reviews (agent_id, day, strengths, weaknesses, suggestions, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (agent_id, day) DO UPDATE SET strengths = excluded.strengths,
                       weaknesses = excluded.weaknesses, suggestions = excluded.suggestions,
                       updated_at = excluded.updated_at""",
                (
                    agent_id,
                    day.isoformat(),
                    values["strengths"],
                    values["weaknesses"],
                    values["suggestions"],
                    iso(now or now_local()),
                ),
            )

    retry_locked(work)
    saved = [r for r in remarks(conn, day, day) if r.agent == name]
    return saved[0]


# --------------------------------------------------------------------------- daily / cumulative


@dataclass(slots=True)
class Row:
    agent: str | None  # None when grouped by industry only
    industry: str | None  # None when grouped by agent only; 未分类 for leads without one
    counts: Counts
    remark: Remark | None = None  # the day's remark (daily table grouped by agent)


@dataclass(frozen=True, slots=True)
class Summary:
    """数据情况日分析表 (``start == end``) or 日分析总表 (a range)."""

    start: date
    end: date
    by: str
    rows: list[Row]
    total: Counts
    remarks: list[Remark] = field(default_factory=list)  # the day's (daily table only)

    @property
    def is_daily(self) -> bool:
        return self.start == self.end

    @property
    def title(self) -> str:
        return "数据情况日分析表" if self.is_daily else "数据情况日分析总表"

    def row(self, agent: str | None = None, industry: str | None = None) -> Row:
        """The row for an agent and/or industry (KeyError if none)."""
        for r in self.rows:
            if r.agent == agent and r.industry == industry:
                return r
        raise KeyError((agent, industry))


def _industry_label(raw: str) -> str:
    return UNCLASSIFIED_LABEL if raw == UNCLASSIFIED else raw


def _industry_key(label: str) -> tuple[int, str]:
    return (label == UNCLASSIFIED_LABEL, label)


def _check_by(by: str) -> str:
    if by not in BY_CHOICES:
        raise ValueError(f"group by one of {', '.join(BY_CHOICES)}, not {by!r}")
    return by


def summary(
    conn: sqlite3.Connection, start: date | str, end: date | str | None = None, by: str = "industry"
) -> Summary:
    """The daily table for ``start`` (``end`` omitted or equal) or the cumulative table over a range."""
    start = as_day(start)
    end = as_day(end) if end is not None else start
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    by = _check_by(by)
    sql = {
        "industry": f"SELECT NULL, industry, {_SUM_COLUMNS} FROM report_day_industry "
        "WHERE day BETWEEN ? AND ? GROUP BY industry",
        "agent": f"SELECT a.name, NULL, {_SUM_COLUMNS} FROM report_day_agent r JOIN agents a ON a.id = r.agent_id "
        "WHERE day BETWEEN ? AND ? GROUP BY r.agent_id",
        "both": f"SELECT a.name, industry, {_SUM_COLUMNS} FROM report_daily r JOIN agents a ON a.id = r.agent_id "
        "WHERE day BETWEEN ? AND ? GROUP BY r.agent_id, industry",
    }[by]
    raw = conn.execute(sql, (start.isoformat(), end.isoformat())).fetchall()
    notes = remarks(conn, start, end) if start == end else []  # remarks belong to the daily table
    daily_remarks = {r.agent: r for r in notes} if by == "agent" else {}
    rows = [
        Row(agent, None if industry is None else _industry_label(industry), Counts(*numbers), daily_remarks.get(agent))
        for agent, industry, *numbers in raw
    ]
    if daily_remarks:  # an agent who wrote a remark but made no call that day
        seen = {r.agent for r in rows}
        rows.extend(Row(name, None, Counts(), note) for name, note in daily_remarks.items() if name not in seen)
    # Agents by name (the same order every day); industries by 总个数, most called first.
    rows.sort(
        key=lambda r: (
            r.agent or "",
            r.industry == UNCLASSIFIED_LABEL,
            -r.counts.leads,
            -r.counts.calls,
            r.industry or "",
        )
    )
    return Summary(start, end, by, rows, total(r.counts for r in rows), notes)


def daily(conn: sqlite3.Connection, day: date | str, by: str = "industry") -> Summary:
    """数据情况日分析表 for one day."""
    return summary(conn, day, day, by)


def cumulative(conn: sqlite3.Connection, start: date | str, end: date | str, by: str = "industry") -> Summary:
    """数据情况日分析总表: the same table over a date range (both ends included)."""
    return summary(conn, start, end, by)


def data_range(conn: sqlite3.Connection) -> tuple[date, date] | None:
    """The first and last day with a finished call, or None for an empty database."""
    first, last = conn.execute("SELECT MIN(day), MAX(day) FROM report_day_agent").fetchone()
    return None if first is None else (date.fromisoformat(first), date.fromisoformat(last))


# --------------------------------------------------------------------------- yield


@dataclass(slots=True)
class YieldRow:
    industry: str
    counts: Counts
    mail_rank: int | None  # rank by 寄卡率 among industries with enough leads (1 = best; ties share)
    good_rank: int | None  # rank by 好客户率, same
    low_sample: bool  # fewer than min_leads leads: listed after the ranked ones, not ranked


@dataclass(frozen=True, slots=True)
class YieldTable:
    """数据产出分析表: industries ranked by 寄卡率 and 好客户率, with their 总个数 beside."""

    start: date | None
    end: date | None
    min_leads: int
    rows: list[YieldRow]
    total: Counts

    title = "数据产出分析表"

    def row(self, industry: str) -> YieldRow:
        for r in self.rows:
            if r.industry == industry:
                return r
        raise KeyError(industry)


def _competition_ranks(values: list[tuple[str, Fraction]]) -> dict[str, int]:
    """1, 2, 2, 4 … by value, best (highest) first."""
    ordered = sorted(values, key=lambda kv: kv[1], reverse=True)
    ranks: dict[str, int] = {}
    for position, (name, value) in enumerate(ordered, 1):
        if position > 1 and value == ordered[position - 2][1]:
            ranks[name] = ranks[ordered[position - 2][0]]
        else:
            ranks[name] = position
    return ranks


def yield_table(
    conn: sqlite3.Connection,
    start: date | str | None = None,
    end: date | str | None = None,
    *,
    min_leads: int = DEFAULT_MIN_LEADS,
) -> YieldTable:
    """Industries over a range (all time when ``start``/``end`` are omitted).

    Order: the industries with at least ``min_leads`` leads by 寄卡率, then 好客户率,
    then 总个数 (higher first); after them the low-sample ones in the same order,
    marked and not ranked.
    """
    start = as_day(start) if start is not None else None
    end = as_day(end) if end is not None else None
    where, params = [], []
    if start is not None:
        where.append("day >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("day <= ?")
        params.append(end.isoformat())
    sql = (
        f"SELECT industry, {_SUM_COLUMNS} FROM report_day_industry"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " GROUP BY industry"
    )
    counts = {_industry_label(industry): Counts(*numbers) for industry, *numbers in conn.execute(sql, params)}
    enough = {name for name, c in counts.items() if c.leads >= min_leads and c.leads > 0}
    # every industry in ``enough`` has leads > 0, so its rates are numbers, never None
    mail_ranks = _competition_ranks([(n, counts[n].mail_rate or Fraction(0)) for n in enough])
    good_ranks = _competition_ranks([(n, counts[n].good_rate or Fraction(0)) for n in enough])

    def order(name: str):
        c = counts[name]
        return (
            name not in enough,
            c.leads == 0,
            -(c.mail_rate or 0),
            -(c.good_rate or 0),
            -c.leads,
            _industry_key(name),
        )

    rows = [
        YieldRow(name, counts[name], mail_ranks.get(name), good_ranks.get(name), name not in enough)
        for name in sorted(counts, key=order)
    ]
    return YieldTable(start, end, min_leads, rows, total(counts.values()))
