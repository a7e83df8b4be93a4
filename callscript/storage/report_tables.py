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
from collections.abc import Mapping

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


# --------------------------------------------------------------------------- the current set, for rebuilds

CURRENT_TRIGGERS: tuple[str, ...] = (*LEAD_DAY_TRIGGERS, *TRIGGERS[3:])
"""Every report trigger as the latest migration leaves them (TRIGGERS[:3] are the
lead-day triggers migration 4 replaced)."""
assert all("report_lead_days_a" in t.split("ON")[0] for t in TRIGGERS[:3])


def _trigger_name(sql: str) -> str:
    found = re.match(r"CREATE TRIGGER (\w+)", sql)
    if found is None:  # pragma: no cover - every statement above starts so
        raise ValueError(f"not a CREATE TRIGGER statement: {sql[:40]!r}")
    return found.group(1)


TRIGGER_NAMES: tuple[str, ...] = tuple(_trigger_name(t) for t in CURRENT_TRIGGERS)
REPORT_TABLES: tuple[str, ...] = ("report_lead_days", "report_daily", *ROLLUPS)

REBUILD_STATEMENTS: tuple[str, ...] = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES),
    *(f"DELETE FROM {table}" for table in REPORT_TABLES),
    *BACKFILL,
    *ROLLUP_BACKFILL,
    *CURRENT_TRIGGERS,
)
"""Recompute every report table from ``calls`` (run inside one write transaction):
the triggers are dropped while the tables are emptied and refilled set-wise, then
created again."""
