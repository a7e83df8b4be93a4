"""The reports' own tables, kept up to date by triggers (a storage migration step).

Why tables and not only views: the cumulative table for a year of a 50-agent
floor reads ~2 million calls, and "a lead called several times in a day counts
once, with its last outcome of that day" needs a sort per lead and day. Done at
query time that is seconds; kept up to date as calls finish it is a few dozen
microseconds per finished call, and every report reads a small table.

Two levels, both derived data (they can be rebuilt from ``calls`` at any time,
:data:`REBUILD_STATEMENTS`):

``report_lead_days``
    one row per (day, lead, agent who called the lead that day). ``calls``,
    ``talk_seconds`` and ``callbacks_made`` count that agent's own calls; the
    lead-level columns (``counted``, ``effective``, ``mailed``, ``good``, ``fair``,
    ``marginal``) are 1 only on the row of the agent who made the lead's *last*
    call of the day, and come from that call: so the lead counts once in 总个数,
    with its last outcome of the day, for the agent who made that call.
``report_daily``
    the sums of ``report_lead_days`` per (day, agent, industry): what the tables
    grouped by agent and industry read;
``report_day_industry``, ``report_day_agent``
    the same sums per (day, industry) and per (day, agent) (migration 4): what
    the tables by industry, by agent and the yield table read.

Maintenance is "recompute one (lead, day)": delete its ``report_lead_days`` rows
and insert them again from ``calls``. Triggers on ``calls`` (insert, update of
the columns that matter, delete), on ``callbacks`` (``done_call_id``: which call
made a callback) and on ``leads`` (``industry``) call it; triggers on
``report_lead_days`` keep ``report_daily`` and the rollups equal to its sums. A call counts once
it has ``ended_at`` (an unfinished call is in no report).

This module imports nothing from storage (storage's schema imports it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from callscript.core.followup import in_follow_up_window
from callscript.core.outcomes import NOT_EFFECTIVE

GRADES: tuple[str, str, str] = ("好", "一般", "勉强")
"""The BRIEF's grades in the order the tables show them (good, fair, marginal)."""

UNCLASSIFIED = ""
"""How a lead with no industry is stored in the report tables (shown as 未分类)."""

_NE = ", ".join(f"'{o.value}'" for o in sorted(NOT_EFFECTIVE, key=lambda o: o.value))


def _effective(p: str) -> str:
    """1 if the call's outcome is 有效 (a NULL outcome, which a finished call never has, is not)."""
    return f"COALESCE({p}outcome NOT IN ({_NE}), 0)"


TALK_SECONDS = "MAX(0, COALESCE(unixepoch({p}ended_at) - unixepoch({p}started_at), 0))"


def _lead_day_select(lead: str, day: str) -> str:
    """INSERT … SELECT body rebuilding the rows of one (lead, day).

    ``lead`` and ``day`` are SQL expressions (``NEW.lead_id``, a sub-select …).
    No CTEs: SQLite does not allow them inside trigger bodies.
    """

    def in_day(p: str) -> str:
        return (
            f"{p}lead_id = ({lead}) AND {p}started_at >= ({day}) "
            f"AND {p}started_at < date(({day}), '+1 day') AND {p}ended_at IS NOT NULL"
        )

    last = f"(SELECT id, outcome, grade FROM calls WHERE {in_day('')} ORDER BY started_at DESC, id DESC LIMIT 1)"
    is_last = "(c.id = last.id)"
    eff = _effective("last.")
    return f"""
        INSERT INTO report_lead_days (day, lead_id, agent_id, industry, calls, talk_seconds, callbacks_made,
                                      counted, effective, mailed, good, fair, marginal)
        SELECT ({day}), ({lead}), c.agent_id,
               COALESCE((SELECT industry FROM leads WHERE id = ({lead})), ''),
               COUNT(*),
               SUM({TALK_SECONDS.format(p="c.")}),
               SUM(EXISTS (SELECT 1 FROM callbacks cb WHERE cb.done_call_id = c.id)),
               MAX({is_last}),
               MAX({is_last} AND {eff}),
               MAX({is_last} AND IFNULL(last.outcome, '') = 'mailed'),
               MAX({is_last} AND {eff} AND IFNULL(last.grade, '') = '{GRADES[0]}'),
               MAX({is_last} AND {eff} AND IFNULL(last.grade, '') = '{GRADES[1]}'),
               MAX({is_last} AND {eff} AND IFNULL(last.grade, '') = '{GRADES[2]}')
        FROM calls c, {last} AS last
        WHERE {in_day("c.")}
        GROUP BY c.agent_id;
    """


def _recompute(lead: str, day: str) -> str:
    return f"""
        DELETE FROM report_lead_days WHERE day = ({day}) AND lead_id = ({lead});
        {_lead_day_select(lead, day)}
    """


def _call_key(call_id: str) -> tuple[str, str]:
    return (
        f"SELECT lead_id FROM calls WHERE id = {call_id}",
        f"SELECT substr(started_at, 1, 10) FROM calls WHERE id = {call_id}",
    )


_SUMS = ("counted", "effective", "mailed", "good", "fair", "marginal", "calls", "talk_seconds", "callbacks_made")
_DAILY_COLUMNS = ("leads", "effective", "mailed", "good", "fair", "marginal", "calls", "talk_seconds", "callbacks_made")
"""report_daily's counters, in the same order as :data:`_SUMS` (``counted`` → ``leads``)."""


DAILY_KEY = ("day", "agent_id", "industry")
ROLLUPS: dict[str, tuple[str, ...]] = {
    "report_day_industry": ("day", "industry"),
    "report_day_agent": ("day", "agent_id"),
}
"""The daily sums rolled up further (migration 4): per day and industry, per day and
agent — what the by-industry and by-agent tables and the yield table read, so a
year is ~6,000 / ~13,000 rows instead of ~280,000."""

_V3_SUM_TABLES = {"report_daily": DAILY_KEY}
SUM_TABLES = {"report_daily": DAILY_KEY, **ROLLUPS}


def _add(row: str, tables: Mapping[str, tuple[str, ...]] = _V3_SUM_TABLES) -> str:
    values = ", ".join(f"{row}.{s}" for s in _SUMS)
    updates = ", ".join(f"{d} = {d} + excluded.{d}" for d in _DAILY_COLUMNS)
    return "".join(
        f"""
        INSERT INTO {table} ({", ".join(key)}, {", ".join(_DAILY_COLUMNS)})
        VALUES ({", ".join(f"{row}.{k}" for k in key)}, {values})
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET {updates};
    """
        for table, key in tables.items()
    )


def _subtract(row: str, tables: Mapping[str, tuple[str, ...]] = _V3_SUM_TABLES) -> str:
    updates = ", ".join(f"{d} = {d} - {row}.{s}" for d, s in zip(_DAILY_COLUMNS, _SUMS, strict=True))
    out = []
    for table, key in tables.items():
        where = " AND ".join(f"{k} = {row}.{k}" for k in key)
        out.append(f"""
        UPDATE {table} SET {updates} WHERE {where};
        DELETE FROM {table} WHERE {where} AND calls = 0;
    """)
    return "".join(out)


TABLES: tuple[str, ...] = (
    """
    CREATE TABLE report_lead_days (
        day            TEXT NOT NULL,
        lead_id        INTEGER NOT NULL,
        agent_id       INTEGER NOT NULL,
        industry       TEXT NOT NULL,
        calls          INTEGER NOT NULL,
        talk_seconds   INTEGER NOT NULL,
        callbacks_made INTEGER NOT NULL,
        counted        INTEGER NOT NULL,
        effective      INTEGER NOT NULL,
        mailed         INTEGER NOT NULL,
        good           INTEGER NOT NULL,
        fair           INTEGER NOT NULL,
        marginal       INTEGER NOT NULL,
        PRIMARY KEY (day, lead_id, agent_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX report_lead_days_lead ON report_lead_days (lead_id)",
    """
    CREATE TABLE report_daily (
        day            TEXT NOT NULL,
        agent_id       INTEGER NOT NULL,
        industry       TEXT NOT NULL,
        leads          INTEGER NOT NULL,
        effective      INTEGER NOT NULL,
        mailed         INTEGER NOT NULL,
        good           INTEGER NOT NULL,
        fair           INTEGER NOT NULL,
        marginal       INTEGER NOT NULL,
        calls          INTEGER NOT NULL,
        talk_seconds   INTEGER NOT NULL,
        callbacks_made INTEGER NOT NULL,
        PRIMARY KEY (day, agent_id, industry)
    ) WITHOUT ROWID
    """,
    # "which call made this callback": the recompute looks callbacks up by call.
    "CREATE INDEX callbacks_done_call ON callbacks (done_call_id) WHERE done_call_id IS NOT NULL",
)

_ROW_NUMBERED = f"""
    SELECT substr(c.started_at, 1, 10) AS day, c.lead_id, c.agent_id, COALESCE(l.industry, '') AS industry,
           {TALK_SECONDS.format(p="c.")} AS talk,
           EXISTS (SELECT 1 FROM callbacks cb WHERE cb.done_call_id = c.id) AS made,
           {_effective("c.")} AS eff, c.outcome, c.grade,
           ROW_NUMBER() OVER (PARTITION BY substr(c.started_at, 1, 10), c.lead_id
                              ORDER BY c.started_at DESC, c.id DESC) = 1 AS is_last
    FROM calls c JOIN leads l ON l.id = c.lead_id
    WHERE c.ended_at IS NOT NULL
"""

BACKFILL: tuple[str, ...] = (
    f"""
    INSERT INTO report_lead_days (day, lead_id, agent_id, industry, calls, talk_seconds, callbacks_made,
                                  counted, effective, mailed, good, fair, marginal)
    SELECT day, lead_id, agent_id, industry, COUNT(*), SUM(talk), SUM(made),
           MAX(is_last), MAX(is_last AND eff), MAX(is_last AND IFNULL(outcome, '') = 'mailed'),
           MAX(is_last AND eff AND IFNULL(grade, '') = '{GRADES[0]}'),
           MAX(is_last AND eff AND IFNULL(grade, '') = '{GRADES[1]}'),
           MAX(is_last AND eff AND IFNULL(grade, '') = '{GRADES[2]}')
    FROM ({_ROW_NUMBERED})
    GROUP BY day, lead_id, agent_id
    """,
    f"""
    INSERT INTO report_daily (day, agent_id, industry, {", ".join(_DAILY_COLUMNS)})
    SELECT day, agent_id, industry, {", ".join(f"SUM({s})" for s in _SUMS)}
    FROM report_lead_days GROUP BY day, agent_id, industry
    """,
)

_CALL_COLUMNS = "lead_id, agent_id, started_at, ended_at, outcome, grade"

TRIGGERS: tuple[str, ...] = (
    # report_lead_days → report_daily
    f"CREATE TRIGGER report_lead_days_ai AFTER INSERT ON report_lead_days BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER report_lead_days_ad AFTER DELETE ON report_lead_days BEGIN {_subtract('OLD')} END",
    f"CREATE TRIGGER report_lead_days_au AFTER UPDATE ON report_lead_days BEGIN {_subtract('OLD')} {_add('NEW')} END",
    # calls → report_lead_days
    f"""CREATE TRIGGER report_calls_ai AFTER INSERT ON calls WHEN NEW.ended_at IS NOT NULL BEGIN
        {_recompute("NEW.lead_id", "substr(NEW.started_at, 1, 10)")} END""",
    f"""CREATE TRIGGER report_calls_au AFTER UPDATE OF {_CALL_COLUMNS} ON calls
        WHEN NEW.ended_at IS NOT NULL OR OLD.ended_at IS NOT NULL BEGIN
        {_recompute("NEW.lead_id", "substr(NEW.started_at, 1, 10)")} END""",
    f"""CREATE TRIGGER report_calls_au_moved AFTER UPDATE OF lead_id, started_at ON calls
        WHEN OLD.ended_at IS NOT NULL AND (OLD.lead_id IS NOT NEW.lead_id
             OR substr(OLD.started_at, 1, 10) IS NOT substr(NEW.started_at, 1, 10)) BEGIN
        {_recompute("OLD.lead_id", "substr(OLD.started_at, 1, 10)")} END""",
    f"""CREATE TRIGGER report_calls_ad AFTER DELETE ON calls WHEN OLD.ended_at IS NOT NULL BEGIN
        {_recompute("OLD.lead_id", "substr(OLD.started_at, 1, 10)")} END""",
    # callbacks.done_call_id → the "callbacks made" of that call's (lead, day)
    f"""CREATE TRIGGER report_callbacks_ai AFTER INSERT ON callbacks WHEN NEW.done_call_id IS NOT NULL BEGIN
        {_recompute(*_call_key("NEW.done_call_id"))} END""",
    f"""CREATE TRIGGER report_callbacks_au AFTER UPDATE OF done_call_id ON callbacks
        WHEN OLD.done_call_id IS NOT NEW.done_call_id BEGIN
        {_recompute(*_call_key("OLD.done_call_id"))}
        {_recompute(*_call_key("NEW.done_call_id"))} END""",
    f"""CREATE TRIGGER report_callbacks_ad AFTER DELETE ON callbacks WHEN OLD.done_call_id IS NOT NULL BEGIN
        {_recompute(*_call_key("OLD.done_call_id"))} END""",
    # a lead's industry edited → its rows move to the new industry
    """CREATE TRIGGER report_leads_industry AFTER UPDATE OF industry ON leads
        WHEN OLD.industry IS NOT NEW.industry BEGIN
        UPDATE report_lead_days SET industry = COALESCE(NEW.industry, '') WHERE lead_id = NEW.id; END""",
)

MIGRATION_DESCRIPTION = "report tables (lead-days, daily sums) kept by triggers"
MIGRATION_STATEMENTS: tuple[str, ...] = (*TABLES, *BACKFILL, *TRIGGERS)
"""Migration 3: add the report tables — create, fill from the calls already there,
then the triggers that keep them current. (Shipped: never edit; change things in a
later step, as migration 4 does.)"""


# --------------------------------------------------------------------------- migration 4: rollups


def _rollup_table(name: str, key: tuple[str, ...]) -> str:
    columns = {
        "day": "day TEXT NOT NULL",
        "industry": "industry TEXT NOT NULL",
        "agent_id": "agent_id INTEGER NOT NULL",
    }
    counters = ",\n        ".join(f"{c:<14} INTEGER NOT NULL" for c in _DAILY_COLUMNS)
    return f"""
    CREATE TABLE {name} (
        {", ".join(columns[k] for k in key)},
        {counters},
        PRIMARY KEY ({", ".join(key)})
    ) WITHOUT ROWID
    """


def _rollup_backfill(name: str, key: tuple[str, ...]) -> str:
    return f"""
    INSERT INTO {name} ({", ".join(key)}, {", ".join(_DAILY_COLUMNS)})
    SELECT {", ".join(key)}, {", ".join(f"SUM({c})" for c in _DAILY_COLUMNS)}
    FROM report_daily GROUP BY {", ".join(key)}
    """


LEAD_DAY_TRIGGERS: tuple[str, ...] = (
    # report_lead_days → report_daily and the rollups
    f"CREATE TRIGGER report_lead_days_ai AFTER INSERT ON report_lead_days BEGIN {_add('NEW', SUM_TABLES)} END",
    f"CREATE TRIGGER report_lead_days_ad AFTER DELETE ON report_lead_days BEGIN {_subtract('OLD', SUM_TABLES)} END",
    f"""CREATE TRIGGER report_lead_days_au AFTER UPDATE ON report_lead_days BEGIN
        {_subtract("OLD", SUM_TABLES)} {_add("NEW", SUM_TABLES)} END""",
)
ROLLUP_TABLES: tuple[str, ...] = tuple(_rollup_table(name, key) for name, key in ROLLUPS.items())
ROLLUP_BACKFILL: tuple[str, ...] = tuple(_rollup_backfill(name, key) for name, key in ROLLUPS.items())

ROLLUP_MIGRATION_DESCRIPTION = "report rollups per day and industry, per day and agent"
ROLLUP_MIGRATION_STATEMENTS: tuple[str, ...] = (
    *ROLLUP_TABLES,
    *ROLLUP_BACKFILL,
    # the daily table reads the day's remarks of every agent (the key is agent first)
    "CREATE INDEX IF NOT EXISTS agent_day_reviews_day ON agent_day_reviews (day)",
    "DROP TRIGGER report_lead_days_ai",
    "DROP TRIGGER report_lead_days_ad",
    "DROP TRIGGER report_lead_days_au",
    *LEAD_DAY_TRIGGERS,
)
"""Migration 4: the rollups, filled from report_daily, and report_lead_days'
triggers re-created to keep them current too."""


# --------------------------------------------------------------------------- migration 6: development and maintenance apart
#
# The BRIEF's v2 counting rule (docs/reports.md, "Counting rules"). A call is marked once,
# when it starts (``calls.kind``, ``calls.follow_up_slot``: storage asks the life cycle);
# these statements only count by the marks.
#
# report_lead_days (v6), one row per (day, lead, agent who called the lead that day):
#   development, the agent's own development calls: calls, talk_seconds, callbacks_made;
#   development, lead level, on the row of the agent who made the lead's last development
#   call of the day: counted, effective (any development call that day was effective),
#   mailed (any of them recorded a mailing), good/fair/marginal (the grade of the day's last
#   effective development call that has a final grade);
#   maintenance, the agent's own maintenance calls: m_calls, m_talk_seconds, m_reached (one of
#   them was effective), m_materials_received / m_booked (one of them learned
#   materials_received / booked_on_call true); follow-ups completed by any of the agent's calls
#   that day: m_done, m_done_in_window (on a day of the 7–10-day window), m_done_in_slot (in
#   the window, by a call that started in a follow-up slot).

LEAD_LEVEL_V6 = ("counted", "effective", "mailed", "good", "fair", "marginal")
LEAD_DAY_COUNTERS_V6: tuple[str, ...] = (
    "calls",
    "talk_seconds",
    "callbacks_made",
    *LEAD_LEVEL_V6,
    "m_calls",
    "m_talk_seconds",
    "m_reached",
    "m_done",
    "m_done_in_window",
    "m_done_in_slot",
    "m_materials_received",
    "m_booked",
)
SUM_COUNTERS_V6: tuple[str, ...] = tuple("leads" if c == "counted" else c for c in LEAD_DAY_COUNTERS_V6)
"""The sum tables' counters, in the order of :data:`LEAD_DAY_COUNTERS_V6` (``counted`` → ``leads``)."""

DEVELOPMENT, MAINTENANCE = "development", "maintenance"
"""``calls.kind`` values (``callscript.core.lifecycle.CallKind``)."""

FACT_MATERIALS_RECEIVED = "materials_received"
FACT_BOOKED_ON_CALL = "booked_on_call"


def _fact_true(p: str, name: str) -> str:
    """1 when the call's facts say ``name`` is true (JSON true), else 0 (no facts, malformed, false, unknown)."""
    return f"(CASE WHEN json_valid({p}facts) THEN json_extract({p}facts, '$.{name}') IS 1 ELSE 0 END)"


def _done_count(p: str, day: str, *, in_window: bool) -> str:
    window = f" AND ({day}) BETWEEN m.follow_up_from AND m.follow_up_by" if in_window else ""
    return f"(SELECT COUNT(*) FROM mailings m WHERE m.follow_up_call_id = {p}id{window})"


def _lead_day_select_v6(lead: str, day: str) -> str:
    """INSERT … SELECT rebuilding the v6 rows of one (lead, day) from ``calls`` and ``mailings``.

    No CTEs (not allowed in trigger bodies): the lead-level values are one row of scalar
    sub-selects joined to the day's calls.
    """

    def in_day(p: str) -> str:
        return (
            f"{p}lead_id = ({lead}) AND {p}started_at >= ({day}) "
            f"AND {p}started_at < date(({day}), '+1 day') AND {p}ended_at IS NOT NULL"
        )

    dev = f"kind = '{DEVELOPMENT}'"
    latest = "ORDER BY started_at DESC, id DESC LIMIT 1"
    lead_level = f"""(SELECT
        (SELECT id FROM calls WHERE {in_day("")} AND {dev} {latest}) AS last_id,
        EXISTS (SELECT 1 FROM calls WHERE {in_day("")} AND {dev} AND {_effective("")}) AS eff,
        EXISTS (SELECT 1 FROM calls d JOIN mailings m ON m.call_id = d.id
                WHERE {in_day("d.")} AND d.{dev}) AS mailed,
        (SELECT grade FROM calls WHERE {in_day("")} AND {dev} AND grade IS NOT NULL AND {_effective("")} {latest})
            AS grade)"""
    is_last = "(c.id IS lead.last_id)"
    c_dev, c_maint = f"(c.kind = '{DEVELOPMENT}')", f"(c.kind = '{MAINTENANCE}')"
    talk = TALK_SECONDS.format(p="c.")
    in_window = _done_count("c.", f"({day})", in_window=True)
    return f"""
        INSERT INTO report_lead_days (day, lead_id, agent_id, industry, {", ".join(LEAD_DAY_COUNTERS_V6)})
        SELECT ({day}), ({lead}), c.agent_id,
               COALESCE((SELECT industry FROM leads WHERE id = ({lead})), ''),
               SUM({c_dev}),
               SUM(CASE WHEN {c_dev} THEN {talk} ELSE 0 END),
               SUM({c_dev} AND EXISTS (SELECT 1 FROM callbacks cb WHERE cb.done_call_id = c.id)),
               MAX({is_last}),
               MAX({is_last} AND lead.eff),
               MAX({is_last} AND lead.mailed),
               MAX({is_last} AND IFNULL(lead.grade, '') = '{GRADES[0]}'),
               MAX({is_last} AND IFNULL(lead.grade, '') = '{GRADES[1]}'),
               MAX({is_last} AND IFNULL(lead.grade, '') = '{GRADES[2]}'),
               SUM({c_maint}),
               SUM(CASE WHEN {c_maint} THEN {talk} ELSE 0 END),
               MAX({c_maint} AND {_effective("c.")}),
               SUM({_done_count("c.", day, in_window=False)}),
               SUM({in_window}),
               SUM(c.follow_up_slot * {in_window}),
               MAX({c_maint} AND {_fact_true("c.", FACT_MATERIALS_RECEIVED)}),
               MAX({c_maint} AND {_fact_true("c.", FACT_BOOKED_ON_CALL)})
        FROM calls c, {lead_level} AS lead
        WHERE {in_day("c.")}
        GROUP BY c.agent_id;
    """


def _recompute_v6(lead: str, day: str) -> str:
    return f"""
        DELETE FROM report_lead_days WHERE day = ({day}) AND lead_id = ({lead});
        {_lead_day_select_v6(lead, day)}
    """


def lead_days_backfill(target: str = "report_lead_days") -> str:
    """Every v6 lead-day row computed set-wise from ``calls`` into ``target`` (the migration's
    backfill, ``report rebuild``, and the fresh side of :func:`callscript.reports.rebuild.differences`).

    Same rule as the triggers' one-(lead, day) recompute, written with window functions: in
    each (day, lead), newest call first, the first development call is the last one of the
    day (``last_dev``), the first graded effective development call gives the grade.
    """
    day = "substr(c.started_at, 1, 10)"
    return f"""
    INSERT INTO {target} (day, lead_id, agent_id, industry, {", ".join(LEAD_DAY_COUNTERS_V6)})
    SELECT day, lead_id, agent_id, industry,
           SUM(dev), SUM(dev * talk), SUM(dev * made),
           MAX(last_dev), MAX(last_dev * lead_eff), MAX(last_dev * lead_mailed),
           MAX(last_dev * (IFNULL(lead_grade, '') = '{GRADES[0]}')),
           MAX(last_dev * (IFNULL(lead_grade, '') = '{GRADES[1]}')),
           MAX(last_dev * (IFNULL(lead_grade, '') = '{GRADES[2]}')),
           SUM(1 - dev), SUM((1 - dev) * talk), MAX((1 - dev) * eff),
           SUM(done), SUM(done_in_window), SUM(follow_up_slot * done_in_window),
           MAX((1 - dev) * received), MAX((1 - dev) * booked)
    FROM (
        SELECT *, MAX(CASE WHEN grade_call THEN grade END) OVER (PARTITION BY day, lead_id) AS lead_grade
        FROM (
            SELECT *,
                   dev AND SUM(dev) OVER newest_first = 1 AS last_dev,
                   graded AND SUM(graded) OVER newest_first = 1 AS grade_call,
                   MAX(dev * eff) OVER whole_day AS lead_eff,
                   MAX(dev * has_mailing) OVER whole_day AS lead_mailed
            FROM (
                SELECT {day} AS day, c.lead_id, c.agent_id, c.id, c.started_at, c.grade, c.follow_up_slot,
                       COALESCE(l.industry, '') AS industry,
                       {TALK_SECONDS.format(p="c.")} AS talk,
                       EXISTS (SELECT 1 FROM callbacks cb WHERE cb.done_call_id = c.id) AS made,
                       {_effective("c.")} AS eff,
                       (c.kind = '{DEVELOPMENT}') AS dev,
                       (c.kind = '{DEVELOPMENT}' AND {_effective("c.")} AND c.grade IS NOT NULL) AS graded,
                       EXISTS (SELECT 1 FROM mailings m WHERE m.call_id = c.id) AS has_mailing,
                       {_done_count("c.", day, in_window=False)} AS done,
                       {_done_count("c.", day, in_window=True)} AS done_in_window,
                       {_fact_true("c.", FACT_MATERIALS_RECEIVED)} AS received,
                       {_fact_true("c.", FACT_BOOKED_ON_CALL)} AS booked
                FROM calls c JOIN leads l ON l.id = c.lead_id
                WHERE c.ended_at IS NOT NULL
            )
            WINDOW newest_first AS (PARTITION BY day, lead_id ORDER BY started_at DESC, id DESC
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                   whole_day AS (PARTITION BY day, lead_id)
        )
    )
    GROUP BY day, lead_id, agent_id
    """


SUM_TABLES_V6: dict[str, tuple[str, ...]] = {
    "report_daily": DAILY_KEY,
    "report_day_industry": ("day", "industry"),
    "report_day_agent": ("day", "agent_id"),
}
"""Sums of report_lead_days per (day, agent, industry), per (day, industry), per (day, agent):
what the tables by agent and industry, by industry (and the yield table), and by agent (and
the maintenance table) read."""

_KEY_COLUMNS = {
    "day": "day TEXT NOT NULL",
    "industry": "industry TEXT NOT NULL",
    "agent_id": "agent_id INTEGER NOT NULL",
}


def _sum_table_v6(name: str, key: tuple[str, ...]) -> str:
    counters = ",\n        ".join(f"{c:<20} INTEGER NOT NULL" for c in SUM_COUNTERS_V6)
    return f"""
    CREATE TABLE {name} (
        {", ".join(_KEY_COLUMNS[k] for k in key)},
        {counters},
        PRIMARY KEY ({", ".join(key)})
    ) WITHOUT ROWID
    """


def sum_backfill(name: str, key: tuple[str, ...], source: str = "report_lead_days") -> str:
    """A sum table filled from the lead days (``source``) — set-wise, for the migration and rebuilds."""
    sums = ", ".join(f"SUM({c})" for c in LEAD_DAY_COUNTERS_V6)
    return f"""
    INSERT INTO {name} ({", ".join(key)}, {", ".join(SUM_COUNTERS_V6)})
    SELECT {", ".join(key)}, {sums} FROM {source} GROUP BY {", ".join(key)}
    """


def _add_v6(row: str) -> str:
    values = ", ".join(f"{row}.{c}" for c in LEAD_DAY_COUNTERS_V6)
    updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in SUM_COUNTERS_V6)
    return "".join(
        f"""
        INSERT INTO {table} ({", ".join(key)}, {", ".join(SUM_COUNTERS_V6)})
        VALUES ({", ".join(f"{row}.{k}" for k in key)}, {values})
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET {updates};
    """
        for table, key in SUM_TABLES_V6.items()
    )


def _subtract_v6(row: str) -> str:
    updates = ", ".join(f"{d} = {d} - {row}.{s}" for d, s in zip(SUM_COUNTERS_V6, LEAD_DAY_COUNTERS_V6, strict=True))
    out = []
    for table, key in SUM_TABLES_V6.items():
        where = " AND ".join(f"{k} = {row}.{k}" for k in key)
        out.append(f"""
        UPDATE {table} SET {updates} WHERE {where};
        DELETE FROM {table} WHERE {where} AND calls = 0 AND m_calls = 0;
    """)
    return "".join(out)


def _lead_days_table_v6() -> str:
    counters = ",\n        ".join(f"{c:<20} INTEGER NOT NULL" for c in LEAD_DAY_COUNTERS_V6)
    return f"""
    CREATE TABLE report_lead_days (
        day                  TEXT NOT NULL,
        lead_id              INTEGER NOT NULL,
        agent_id             INTEGER NOT NULL,
        industry             TEXT NOT NULL,
        {counters},
        PRIMARY KEY (day, lead_id, agent_id)
    ) WITHOUT ROWID
    """


TABLES_V6: tuple[str, ...] = (
    _lead_days_table_v6(),
    "CREATE INDEX report_lead_days_lead ON report_lead_days (lead_id)",
    *(_sum_table_v6(name, key) for name, key in SUM_TABLES_V6.items()),
)

BACKFILL_V6: tuple[str, ...] = (
    lead_days_backfill(),
    *(sum_backfill(name, key) for name, key in SUM_TABLES_V6.items()),
)

_CALL_COLUMNS_V6 = "lead_id, agent_id, started_at, ended_at, outcome, grade, kind, facts, follow_up_slot"

TRIGGERS_V6: tuple[str, ...] = (
    # report_lead_days → the sum tables
    f"CREATE TRIGGER report_lead_days_ai AFTER INSERT ON report_lead_days BEGIN {_add_v6('NEW')} END",
    f"CREATE TRIGGER report_lead_days_ad AFTER DELETE ON report_lead_days BEGIN {_subtract_v6('OLD')} END",
    f"""CREATE TRIGGER report_lead_days_au AFTER UPDATE ON report_lead_days BEGIN
        {_subtract_v6("OLD")} {_add_v6("NEW")} END""",
    # calls → report_lead_days
    f"""CREATE TRIGGER report_calls_ai AFTER INSERT ON calls WHEN NEW.ended_at IS NOT NULL BEGIN
        {_recompute_v6("NEW.lead_id", "substr(NEW.started_at, 1, 10)")} END""",
    f"""CREATE TRIGGER report_calls_au AFTER UPDATE OF {_CALL_COLUMNS_V6} ON calls
        WHEN NEW.ended_at IS NOT NULL OR OLD.ended_at IS NOT NULL BEGIN
        {_recompute_v6("NEW.lead_id", "substr(NEW.started_at, 1, 10)")} END""",
    f"""CREATE TRIGGER report_calls_au_moved AFTER UPDATE OF lead_id, started_at ON calls
        WHEN OLD.ended_at IS NOT NULL AND (OLD.lead_id IS NOT NEW.lead_id
             OR substr(OLD.started_at, 1, 10) IS NOT substr(NEW.started_at, 1, 10)) BEGIN
        {_recompute_v6("OLD.lead_id", "substr(OLD.started_at, 1, 10)")} END""",
    f"""CREATE TRIGGER report_calls_ad AFTER DELETE ON calls WHEN OLD.ended_at IS NOT NULL BEGIN
        {_recompute_v6("OLD.lead_id", "substr(OLD.started_at, 1, 10)")} END""",
    # callbacks.done_call_id → the "callbacks made" of that call's (lead, day)
    f"""CREATE TRIGGER report_callbacks_ai AFTER INSERT ON callbacks WHEN NEW.done_call_id IS NOT NULL BEGIN
        {_recompute_v6(*_call_key("NEW.done_call_id"))} END""",
    f"""CREATE TRIGGER report_callbacks_au AFTER UPDATE OF done_call_id ON callbacks
        WHEN OLD.done_call_id IS NOT NEW.done_call_id BEGIN
        {_recompute_v6(*_call_key("OLD.done_call_id"))}
        {_recompute_v6(*_call_key("NEW.done_call_id"))} END""",
    f"""CREATE TRIGGER report_callbacks_ad AFTER DELETE ON callbacks WHEN OLD.done_call_id IS NOT NULL BEGIN
        {_recompute_v6(*_call_key("OLD.done_call_id"))} END""",
    # mailings: call_id → 寄卡 of the mailing call's (lead, day); follow_up_call_id and the
    # window → the follow-ups done on the (lead, day) of the call that did them
    f"""CREATE TRIGGER report_mailings_ai AFTER INSERT ON mailings BEGIN
        {_recompute_v6(*_call_key("NEW.call_id"))} END""",
    f"""CREATE TRIGGER report_mailings_ai_done AFTER INSERT ON mailings WHEN NEW.follow_up_call_id IS NOT NULL BEGIN
        {_recompute_v6(*_call_key("NEW.follow_up_call_id"))} END""",
    f"""CREATE TRIGGER report_mailings_au_call AFTER UPDATE OF call_id ON mailings
        WHEN OLD.call_id IS NOT NEW.call_id BEGIN
        {_recompute_v6(*_call_key("OLD.call_id"))}
        {_recompute_v6(*_call_key("NEW.call_id"))} END""",
    f"""CREATE TRIGGER report_mailings_au_done AFTER UPDATE OF follow_up_call_id, follow_up_from, follow_up_by
        ON mailings WHEN OLD.follow_up_call_id IS NOT NULL OR NEW.follow_up_call_id IS NOT NULL BEGIN
        {_recompute_v6(*_call_key("OLD.follow_up_call_id"))}
        {_recompute_v6(*_call_key("NEW.follow_up_call_id"))} END""",
    f"""CREATE TRIGGER report_mailings_ad AFTER DELETE ON mailings BEGIN
        {_recompute_v6(*_call_key("OLD.call_id"))}
        {_recompute_v6(*_call_key("OLD.follow_up_call_id"))} END""",
    # a lead's industry edited → its rows move to the new industry
    TRIGGERS[-1],
)


def backfill_follow_up_slots(conn: Any) -> None:
    """Mark the calls already in the file that started inside a follow-up slot — the life
    cycle's rule (:func:`callscript.core.followup.in_follow_up_window`), which SQL cannot
    ask (China's calendar), so this step of the migration runs in Python."""
    marked = [
        (call_id,)
        for call_id, started in conn.execute("SELECT id, started_at FROM calls")
        if in_follow_up_window(datetime.fromisoformat(started))
    ]
    conn.executemany("UPDATE calls SET follow_up_slot = 1 WHERE id = ?", marked)


_V4_TRIGGER_NAMES: tuple[str, ...] = tuple(
    re.match(r"CREATE TRIGGER (\w+)", t).group(1)  # type: ignore[union-attr]  # every statement starts so
    for t in (*LEAD_DAY_TRIGGERS, *TRIGGERS[3:])
)

KIND_MIGRATION_DESCRIPTION = "calls marked development/maintenance and in a follow-up slot; reports count them apart"
KIND_MIGRATION_STATEMENTS: tuple[str | Callable[[Any], None], ...] = (
    *(f"DROP TRIGGER {name}" for name in _V4_TRIGGER_NAMES),
    "DROP TABLE report_lead_days",
    "DROP TABLE report_daily",
    *(f"DROP TABLE {name}" for name in ROLLUPS),
    f"""ALTER TABLE calls ADD COLUMN kind TEXT NOT NULL DEFAULT '{DEVELOPMENT}'
        CHECK (kind IN ('{DEVELOPMENT}', '{MAINTENANCE}'))""",
    "ALTER TABLE calls ADD COLUMN follow_up_slot INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_slot IN (0, 1))",
    # which call recorded a mailing / completed a follow-up (the report recompute asks both)
    "CREATE INDEX mailings_call ON mailings (call_id)",
    "CREATE INDEX mailings_follow_up_call ON mailings (follow_up_call_id) WHERE follow_up_call_id IS NOT NULL",
    # the maintenance table's follow-ups due over a range of days
    "CREATE INDEX mailings_window ON mailings (follow_up_by, follow_up_from, agent_id, follow_up_done_at)",
    # The calls already there, marked as start_call would have: maintenance when the lead had a
    # mailing from a call that ended before this one started (lifecycle.call_kind's rule).
    f"""UPDATE calls SET kind = '{MAINTENANCE}' WHERE EXISTS (
            SELECT 1 FROM mailings m JOIN calls mc ON mc.id = m.call_id
            WHERE m.lead_id = calls.lead_id AND mc.id <> calls.id
              AND mc.ended_at IS NOT NULL AND mc.ended_at <= calls.started_at)""",
    backfill_follow_up_slots,
    *TABLES_V6,
    *BACKFILL_V6,
    *TRIGGERS_V6,
)
"""Migration 6: mark every call development or maintenance and in a follow-up slot or not,
and rebuild the report tables to count the two apart (development: the daily, cumulative and
yield tables; maintenance: 客户维护日表). The old report tables and their triggers are
replaced; the rows are recomputed from the calls."""


# --------------------------------------------------------------------------- the current set, for rebuilds

CURRENT_TRIGGERS: tuple[str, ...] = TRIGGERS_V6
"""Every report trigger as the latest migration leaves them."""


def _trigger_name(sql: str) -> str:
    found = re.match(r"CREATE TRIGGER (\w+)", sql)
    if found is None:  # pragma: no cover - every statement above starts so
        raise ValueError(f"not a CREATE TRIGGER statement: {sql[:40]!r}")
    return found.group(1)


TRIGGER_NAMES: tuple[str, ...] = tuple(_trigger_name(t) for t in CURRENT_TRIGGERS)
REPORT_TABLES: tuple[str, ...] = ("report_lead_days", *SUM_TABLES_V6)

REBUILD_STATEMENTS: tuple[str, ...] = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES),
    *(f"DELETE FROM {table}" for table in REPORT_TABLES),
    *BACKFILL_V6,
    *CURRENT_TRIGGERS,
)
"""Recompute every report table from ``calls`` (run inside one write transaction):
the triggers are dropped while the tables are emptied and refilled set-wise, then
created again."""
