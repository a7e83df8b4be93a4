"""The daily table, the cumulative table, the yield table and the maintenance table (docs/reports.md).

The first three count **development** calls only (数据开发); :func:`maintenance` counts
the **maintenance** calls (客户维护) and the follow-ups due and done. Which call is which
was decided when it started (``calls.kind``, the life cycle's rule).

Every function takes an open ``sqlite3.Connection`` to a migrated database (the
app's ``Store.conn`` or :func:`open_db`) and returns plain dataclasses; the
formats (rich table, CSV, JSON, XLSX) are in :mod:`callscript.reports.render`.

Every table function also takes the acting account (``actor``,
:class:`~callscript.core.access.Actor`): an agent's tables hold only their own rows
(:meth:`~callscript.core.access.Actor.agent_scope`); a supervisor's, and the CLI's
(``actor`` None: the local system actor, the database file's owner), every agent's.

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

from callscript.core.access import Actor
from callscript.core.cleantext import for_display
from callscript.storage.report_tables import UNCLASSIFIED

By = Literal["industry", "agent", "both"]
BY_CHOICES: tuple[str, ...] = ("industry", "agent", "both")
BY_LABELS: dict[str, str] = {"industry": "按行业", "agent": "按业务员", "both": "按业务员和行业"}

UNCLASSIFIED_LABEL = "未分类"
"""Shown for leads with no industry."""

DEFAULT_MIN_LEADS = 30
"""The yield table ranks an industry only from this many leads (总个数) up."""


def open_db(path: str | Path, *, create: bool = False):
    """Open the app's database for reports (migrated, so the report tables exist): a file, or a
    PostgreSQL database for a ``postgresql://`` URL.

    Returns an object with ``.conn`` (``conn.execute(sql, params)`` with SQLite's placeholders on
    both backends) and ``.close()``.
    """
    from callscript.storage.backend import open_connection

    return open_connection(path, create=create)


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


def _scope(actor: Actor | None) -> int | None:
    """None: every agent's rows; an agent id: only that agent's (:meth:`Actor.agent_scope`)."""
    return None if actor is None else actor.agent_scope()


def remarks(
    conn: sqlite3.Connection, start: date, end: date, *, agent: str | None = None, actor: Actor | None = None
) -> list[Remark]:
    """The 优点/缺点/建议 written for the days ``start``..``end`` (of one agent, by name, if
    given; an agent ``actor`` reads their own only)."""
    scope = _scope(actor)
    only = " AND a.name = ?" if agent is not None else ""
    rows = conn.execute(
        f"""SELECT a.name, r.day, r.strengths, r.weaknesses, r.suggestions
            FROM agent_day_reviews r JOIN agents a ON a.id = r.agent_id
            WHERE r.day BETWEEN ? AND ? AND (? IS NULL OR r.agent_id = ?){only} ORDER BY r.day, a.name""",
        (start.isoformat(), end.isoformat(), scope, scope, *([agent] if agent is not None else [])),
    ).fetchall()
    shown = [tuple(for_display(v) for v in (name, s, w, g)) + (day,) for name, day, s, w, g in rows]
    if start == end:
        return [Remark(name or "", start, s, w, g) for name, s, w, g, _ in shown]
    return [Remark(name or "", date.fromisoformat(day), s, w, g) for name, s, w, g, day in shown]


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
    conn: sqlite3.Connection,
    start: date | str,
    end: date | str | None = None,
    by: str = "industry",
    *,
    actor: Actor | None = None,
) -> Summary:
    """The daily table for ``start`` (``end`` omitted or equal) or the cumulative table over a range
    (an agent's: their own rows only)."""
    start = as_day(start)
    end = as_day(end) if end is not None else start
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    by = _check_by(by)
    # A row with maintenance calls alone (no development call) is not in the development table.
    sql = {
        "industry": f"SELECT NULL, industry, {_SUM_COLUMNS} FROM report_day_industry "
        "WHERE day BETWEEN ? AND ? GROUP BY industry HAVING SUM(calls) > 0",
        "agent": f"SELECT a.name, NULL, {_SUM_COLUMNS} FROM report_day_agent r JOIN agents a ON a.id = r.agent_id "
        "WHERE day BETWEEN ? AND ? GROUP BY r.agent_id, a.name HAVING SUM(calls) > 0",
        "both": f"SELECT a.name, industry, {_SUM_COLUMNS} FROM report_daily r JOIN agents a ON a.id = r.agent_id "
        "WHERE day BETWEEN ? AND ? GROUP BY r.agent_id, a.name, industry HAVING SUM(calls) > 0",
    }[by]
    params: tuple[object, ...] = (start.isoformat(), end.isoformat())
    scope = _scope(actor)
    if scope is not None:  # an agent: the same sums over their own rows (report_daily has every column)
        sql = {
            "industry": f"SELECT NULL, industry, {_SUM_COLUMNS} FROM report_daily r "
            "WHERE day BETWEEN ? AND ? AND r.agent_id = ? GROUP BY industry HAVING SUM(calls) > 0",
            "agent": f"SELECT a.name, NULL, {_SUM_COLUMNS} FROM report_day_agent r JOIN agents a ON a.id = r.agent_id "
            "WHERE day BETWEEN ? AND ? AND r.agent_id = ? GROUP BY r.agent_id, a.name HAVING SUM(calls) > 0",
            "both": f"SELECT a.name, industry, {_SUM_COLUMNS} FROM report_daily r JOIN agents a ON a.id = r.agent_id "
            "WHERE day BETWEEN ? AND ? AND r.agent_id = ? GROUP BY r.agent_id, a.name, industry HAVING SUM(calls) > 0",
        }[by]
        params += (scope,)
    raw = conn.execute(sql, params).fetchall()
    notes = remarks(conn, start, end, actor=actor) if start == end else []  # remarks belong to the daily table
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


def daily(conn: sqlite3.Connection, day: date | str, by: str = "industry", *, actor: Actor | None = None) -> Summary:
    """数据情况日分析表 for one day."""
    return summary(conn, day, day, by, actor=actor)


def cumulative(
    conn: sqlite3.Connection, start: date | str, end: date | str, by: str = "industry", *, actor: Actor | None = None
) -> Summary:
    """数据情况日分析总表: the same table over a date range (both ends included)."""
    return summary(conn, start, end, by, actor=actor)


# --------------------------------------------------------------------------- maintenance (客户维护日表)

KINDS: tuple[str, ...] = ("development", "maintenance")
KIND_LABELS: dict[str, str] = {"development": "数据开发", "maintenance": "客户维护"}


@dataclass(slots=True)
class MaintenanceCounts:
    """One agent's maintenance numbers over a day or a range (docs/reports.md, 客户维护日表).

    ``due`` and ``missed`` are follow-ups on the agent's own mailings; the rest count the
    agent's own calls (a follow-up done by a colleague counts for the colleague)."""

    due: int = 0  # 应回访: follow-ups in their 7–10-day window on a day of the range, not done before it
    done: int = 0  # 已回访: follow-ups completed by the agent's calls
    done_in_window: int = 0  # … on a day of their window
    done_in_slot: int = 0  # … on a day of their window, by a call started in a follow-up slot
    missed: int = 0  # 逾期未回访: follow-ups whose window closed in the range without a call in it
    calls: int = 0  # 维护通话: maintenance calls
    reached: int = 0  # 接通: leads an effective maintenance call reached (once per lead and day)
    materials_received: int = 0  # 确认收到资料: leads that confirmed the materials arrived
    booked_on_call: int = 0  # 当场预订
    talk_seconds: int = 0

    def __add__(self, other: MaintenanceCounts) -> MaintenanceCounts:
        return MaintenanceCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(MaintenanceCounts)))

    @property
    def avg_call_seconds(self) -> Fraction | None:
        """平均时长: total maintenance call length / 维护通话."""
        return Fraction(self.talk_seconds, self.calls) if self.calls else None


@dataclass(slots=True)
class MaintenanceRow:
    agent: str
    counts: MaintenanceCounts


@dataclass(frozen=True, slots=True)
class MaintenanceSummary:
    """客户维护日表 (``start == end``) or the same over a range, per agent."""

    start: date
    end: date
    rows: list[MaintenanceRow]
    total: MaintenanceCounts

    @property
    def is_daily(self) -> bool:
        return self.start == self.end

    @property
    def title(self) -> str:
        return "客户维护日表" if self.is_daily else "客户维护总表"

    def row(self, agent: str) -> MaintenanceRow:
        for r in self.rows:
            if r.agent == agent:
                return r
        raise KeyError(agent)


_MAINTENANCE_CALL_COLUMNS = (
    "done",
    "done_in_window",
    "done_in_slot",
    "calls",
    "reached",
    "materials_received",
    "booked_on_call",
    "talk_seconds",
)
_MAINTENANCE_SQL = """
    SELECT a.name, SUM(m_done), SUM(m_done_in_window), SUM(m_done_in_slot), SUM(m_calls), SUM(m_reached),
           SUM(m_materials_received), SUM(m_booked), SUM(m_talk_seconds)
    FROM report_day_agent r JOIN agents a ON a.id = r.agent_id
    WHERE r.day BETWEEN :start AND :end
    GROUP BY r.agent_id, a.name HAVING SUM(m_calls) > 0 OR SUM(m_done) > 0
"""
_DUE_AND_MISSED_SQL = """
    SELECT m.agent_id,
           SUM(CASE WHEN m.follow_up_done_at IS NULL OR m.follow_up_done_at >= CASE WHEN m.follow_up_from > :start
                                                                           THEN m.follow_up_from ELSE :start END
                    THEN 1 ELSE 0 END),
           SUM(CASE WHEN m.follow_up_by <= :end
                    AND (m.follow_up_done_at IS NULL OR substr(m.follow_up_done_at, 1, 10) > m.follow_up_by)
                    THEN 1 ELSE 0 END)
    FROM mailings m
    WHERE m.follow_up_by >= :start AND m.follow_up_from <= :end
    GROUP BY m.agent_id
"""
"""Per agent (the mailing's), over the follow-ups whose window overlaps the range (one pass of
the ``mailings_window`` index): due — not done before the window's first day in the range (a
stamp ``2025-03-03T…`` compares ≥ the day ``2025-03-03``); missed — the window closed in the
range and no follow-up that day or before."""


def maintenance(
    conn: sqlite3.Connection, start: date | str, end: date | str | None = None, *, actor: Actor | None = None
) -> MaintenanceSummary:
    """客户维护日表 for ``start`` (``end`` omitted or equal), or over a range, one row per agent
    with anything to show (a follow-up due or missed, a maintenance call, a follow-up done).

    The calls' numbers come from the trigger-kept ``report_day_agent``; the follow-ups due
    and missed from ``mailings`` (a follow-up due on three days of a range is one follow-up
    due, so the range's 应回访 is not the sum of the days')."""
    start = as_day(start)
    end = as_day(end) if end is not None else start
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    params = {"start": start.isoformat(), "end": end.isoformat()}
    by_agent: dict[str, MaintenanceCounts] = {}

    def counts(name: str) -> MaintenanceCounts:
        return by_agent.setdefault(name, MaintenanceCounts())

    for name, *numbers in conn.execute(_MAINTENANCE_SQL, params):
        row = counts(name)
        for column, value in zip(_MAINTENANCE_CALL_COLUMNS, numbers, strict=True):
            setattr(row, column, value)
    names: dict[int, str] | None = None
    for agent_id, due, missed in conn.execute(_DUE_AND_MISSED_SQL, params):
        if not (due or missed):
            continue
        if names is None:
            names = dict(conn.execute("SELECT id, name FROM agents"))
        row = counts(names[agent_id])
        row.due, row.missed = due, missed
    scope = _scope(actor)
    if scope is not None:  # an agent sees their own row only
        own = conn.execute("SELECT name FROM agents WHERE id = ?", (scope,)).fetchone()
        by_agent = {name: c for name, c in by_agent.items() if own is not None and name == own[0]}
    rows = [MaintenanceRow(name, by_agent[name]) for name in sorted(by_agent)]
    return MaintenanceSummary(start, end, rows, sum((r.counts for r in rows), MaintenanceCounts()))


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


def day_range_where(start: date | None, end: date | None) -> tuple[list[str], list[str]]:
    """The conditions (and their parameters) that keep a kept table's ``day`` column within
    ``start``–``end``, either end open; callers add their own conditions to the lists."""
    where: list[str] = []
    params: list[str] = []
    if start is not None:
        where.append("day >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("day <= ?")
        params.append(end.isoformat())
    return where, params


def yield_table(
    conn: sqlite3.Connection,
    start: date | str | None = None,
    end: date | str | None = None,
    *,
    min_leads: int = DEFAULT_MIN_LEADS,
    actor: Actor | None = None,
) -> YieldTable:
    """Industries over a range (all time when ``start``/``end`` are omitted).

    Order: the industries with at least ``min_leads`` leads by 寄卡率, then 好客户率,
    then 总个数 (higher first); after them the low-sample ones in the same order,
    marked and not ranked.
    """
    start = as_day(start) if start is not None else None
    end = as_day(end) if end is not None else None
    where, params = day_range_where(start, end)
    table = "report_day_industry"
    scope = _scope(actor)
    if scope is not None:  # an agent: their own calls by industry
        table = "report_daily"
        where.append("agent_id = ?")
        params.append(str(scope))
    sql = (
        f"SELECT industry, {_SUM_COLUMNS} FROM {table}"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " GROUP BY industry HAVING SUM(calls) > 0"  # development only
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
