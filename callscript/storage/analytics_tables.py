"""Script analytics' own tables, kept up to date by triggers (storage migration 9).

What they answer (docs/reports.md, issue 17): where in the script calls go on, end
and are lost (the funnel by node), how each script version sells, and what each
industry answers about its travel booking (market answers). Read at query time
from two million calls and twenty million events they take seconds to minutes;
kept current as calls finish they cost a fraction of a millisecond per call, and
every report reads a few small tables.

The walk of a call
------------------
A call's event log (``call_events``: ``choose``/``enter``/``skip``/``end`` move the
call on, ``back`` undoes the last move that still stands; ``note`` is not a move)
is read as a stack, exactly as :class:`callscript.script.session.CallSession` reads
it. Every event happens *at* the node the call is at, ``back`` included (it names
the node it takes back), so no script is needed to read the log:

* the **depth** after an event is the number of moves standing: moves +1, ``back``
  −1;
* a move is **kept** (not undone) when no later event brings the depth below the
  depth it created; the kept moves are the call's final path;
* a **visit** is the call's stay at one arrival at a node: it starts with the move
  that arrived (or the call's start) and lasts until the call leaves it for good —
  by a kept move, or by a ``back`` that takes the arrival back (an *undone* visit).
  Its **seconds** are the time the call stood at that node during the visit: the
  time from arriving (or from coming back to it with ``back``) to the next event
  there, summed; time spent at nodes further on that was later undone counts to
  those nodes, not to this one.

Each finished call becomes one ``funnel_calls`` row whose ``items`` list what its
log says, as ``[kind, node, key]``:

``go``    a kept move from ``node`` by ``key`` (the option key, ``@enter`` for typed
          input, ``@skip`` for a skipped input);
``stop``  the last kept move (the call stopped at that move's target: an ending
          node of the script, or wherever the call was when it was closed);
``end``   a kept ``end`` at ``node`` (the agent ended the call there, Ctrl+E);
``back``  a ``back`` at ``node`` (an arrival, or an ending, taken back);
and ``["stop", "", ""]`` when no move stands (the call stopped at the start).
``times`` lists ``[node, seconds]`` for every visit the log closed (kept or undone;
the visit a call ends in by arriving at an ending node has no event there, so no
time). Turning ``go``/``stop`` into arrivals at the *target* node needs the script
(which node an option leads to): the report does that with the stored version.

Tables
------
``funnel_calls``        one row per finished call: script version, day, agent, lead,
                        industry, outcome, grade, ``items``, ``times``;
``funnel_day``          per (script version, day, node, kind, key, outcome): how many
                        items (``outcome`` only on ``end``/``stop``, else ``''``);
``funnel_day_agent``    the same per agent; ``funnel_day_industry`` per industry;
``funnel_day_time``     per (script version, day, node, seconds): how many visits;
``script_day``          per (script version, day): finished calls, 有效, 寄卡, 好/一般/勉强;
``market_answers``      per (lead, market fact): the lead's latest answer (the latest
                        finished call that recorded it) and the day it was given;
``market_day``          per (industry, fact, value, day): how many leads' latest answer.

Maintenance is "recompute one call" (delete its ``funnel_calls`` row and insert it
again from ``calls`` and ``call_events``) and "recompute one lead's market answers";
triggers on ``calls``, ``call_events`` and ``leads.industry`` call them, and
triggers on ``funnel_calls`` / ``market_answers`` keep the sums equal to their rows.
Unfinished calls are in none of these tables: the funnel reads them live
(:func:`walk_items_select`), they are few.

This module imports nothing from storage but the report tables' grade names (storage's
schema imports it).
"""

from __future__ import annotations

import re

from callscript.core.outcomes import NOT_EFFECTIVE
from callscript.storage.report_tables import GRADES

MARKET_FACTS: tuple[str, ...] = ("booking_method", "other_center_name", "hotel_star", "price_range", "expense")
"""The BRIEF's facts the market report counts (docs/reports.md, 市场情况)."""

STEP_KINDS: tuple[str, ...] = ("choose", "enter", "skip")
SESSION_KINDS: tuple[str, ...] = (*STEP_KINDS, "back", "end")
ENTER_KEY, SKIP_KEY = "@enter", "@skip"
"""The ``key`` of a typed-input move and of a skipped input (option keys are the script's own)."""
START_STOP = '[["stop","",""]]'
"""The items of a call in which no move stands: it stopped at the start node."""

_NE = ", ".join(f"'{o.value}'" for o in sorted(NOT_EFFECTIVE, key=lambda o: o.value))
_SESSION = ", ".join(f"'{k}'" for k in SESSION_KINDS)
_MARKET_JSON = "[" + ", ".join(f'"{f}"' for f in MARKET_FACTS) + "]"


def _effective(p: str) -> str:
    return f"COALESCE({p}outcome NOT IN ({_NE}), 0)"


# --------------------------------------------------------------------------- the walk, in SQL


def walk_rows_select(events_filter: str) -> str:
    """One row per session event of the selected calls: ``call_id, seq, kind, node, key,
    secs, depth, final_depth, visit, kept`` (see the module docstring).

    ``events_filter`` is a condition on ``e`` (call_events) and ``c`` (calls), e.g.
    ``e.call_id = NEW.id``. No CTEs: the statement is used inside triggers too.
    """
    return f"""
    SELECT call_id, seq, kind, node, key, secs, depth, final_depth,
           COALESCE(LAG(arr) OVER (PARTITION BY call_id ORDER BY seq), 0) AS visit,
           (delta = 1 AND (later_min IS NULL OR later_min >= depth)) AS kept
    FROM (
        SELECT *,
               MIN(depth) OVER (PARTITION BY call_id ORDER BY seq
                                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS later_min,
               MAX(CASE WHEN delta = 1 THEN seq END) OVER (PARTITION BY call_id, depth ORDER BY seq
                                                           ROWS UNBOUNDED PRECEDING) AS arr,
               LAST_VALUE(depth) OVER (PARTITION BY call_id ORDER BY seq
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS final_depth
        FROM (
            SELECT e.call_id, e.seq, e.kind, COALESCE(e.node, '') AS node,
                   CASE e.kind WHEN 'choose' THEN COALESCE(e.value, '') WHEN 'enter' THEN '{ENTER_KEY}'
                               WHEN 'skip' THEN '{SKIP_KEY}' ELSE '' END AS key,
                   CASE e.kind WHEN 'back' THEN -1 ELSE 1 END AS delta,
                   SUM(CASE e.kind WHEN 'back' THEN -1 ELSE 1 END)
                       OVER (PARTITION BY e.call_id ORDER BY e.seq ROWS UNBOUNDED PRECEDING) AS depth,
                   MAX(0, COALESCE(unixepoch(e.at) - unixepoch(COALESCE(
                       LAG(e.at) OVER (PARTITION BY e.call_id ORDER BY e.seq), c.started_at)), 0)) AS secs
            FROM call_events e JOIN calls c ON c.id = e.call_id
            WHERE e.kind IN ({_SESSION}) AND ({events_filter})
        )
    )
    """


_ITEM = """
    CASE WHEN kind = 'back' THEN json_array('back', node, '')
         WHEN NOT kept THEN NULL
         WHEN kind = 'end' THEN json_array('end', node, '')
         WHEN depth = final_depth THEN json_array('stop', node, key)
         ELSE json_array('go', node, key) END"""


def walk_items_select(events_filter: str) -> str:
    """``call_id, items, times`` for the calls whose events match ``events_filter`` (a
    call with no session event has no row: it stopped at the start, :data:`START_STOP`).

    One pass over :func:`walk_rows_select`: each event's item, and its visit's node,
    seconds and closedness by a window over the visit; then the lists by windows ordered
    by ``seq`` (items) and by visit (times) — SQLite 3.40 has no ORDER BY inside an
    aggregate — so the trigger, the check and the Python fill write the same text."""
    return f"""
    SELECT call_id,
           CASE WHEN MAX(final_depth) = 0
                THEN json_insert(MAX(items), '$[#]', json_array('stop', '', '')) ELSE MAX(items) END AS items,
           MAX(times) AS times
    FROM (
        SELECT call_id, final_depth,
               json_group_array(json(item)) FILTER (WHERE item IS NOT NULL)
                   OVER (PARTITION BY call_id ORDER BY seq
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS items,
               json_group_array(json_array(visit_node, visit_seconds)) FILTER (WHERE first_of_visit AND closed)
                   OVER (PARTITION BY call_id ORDER BY visit
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS times
        FROM (
            SELECT call_id, seq, visit, final_depth, {_ITEM} AS item,
                   MAX(node) OVER by_visit AS visit_node, SUM(secs) OVER by_visit AS visit_seconds,
                   MAX(kept OR kind = 'back') OVER by_visit AS closed, seq = MIN(seq) OVER by_visit AS first_of_visit
            FROM ({walk_rows_select(events_filter)})
            WINDOW by_visit AS (PARTITION BY call_id, visit)
        )
    )
    GROUP BY call_id
    """


_FUNNEL_CALL_COLUMNS = "call_id, script_id, day, agent_id, lead_id, industry, outcome, grade, effective, items, times"


def _funnel_call_insert(call: str) -> str:
    """Insert the ``funnel_calls`` row of call ``call`` (an SQL expression) if it is finished."""
    return f"""
        INSERT INTO funnel_calls ({_FUNNEL_CALL_COLUMNS})
        SELECT c.id, c.script_id, substr(c.started_at, 1, 10), c.agent_id, c.lead_id,
               COALESCE((SELECT industry FROM leads WHERE id = c.lead_id), ''),
               COALESCE(c.outcome, ''), COALESCE(c.grade, ''), {_effective("c.")},
               COALESCE(w.items, '{START_STOP}'), COALESCE(w.times, '[]')
        FROM calls c LEFT JOIN ({walk_items_select(f"e.call_id = ({call})")}) w ON w.call_id = c.id
        WHERE c.id = ({call}) AND c.ended_at IS NOT NULL;
    """


def _recompute_call(call: str) -> str:
    return f"DELETE FROM funnel_calls WHERE call_id = ({call}); {_funnel_call_insert(call)}"


# --------------------------------------------------------------------------- market answers, in SQL


def _fact_value(facts: str, fact: str) -> str:
    """The fact's value as text (None when not recorded, empty, or the facts are not JSON)."""
    return (
        f"NULLIF(TRIM(CAST(CASE WHEN json_valid({facts}) THEN json_extract({facts}, '$.' || {fact}) END AS TEXT)), '')"
    )


def _recompute_lead_market(lead: str) -> str:
    """Delete and re-insert one lead's latest market answers (``lead`` an SQL expression)."""
    return f"""
        DELETE FROM market_answers WHERE lead_id = ({lead});
        INSERT INTO market_answers (lead_id, fact, value, day, industry, call_id)
        SELECT c.lead_id, f.value, {_fact_value("c.facts", "f.value")}, substr(c.started_at, 1, 10),
               COALESCE((SELECT industry FROM leads WHERE id = c.lead_id), ''), c.id
        FROM json_each('{_MARKET_JSON}') f
        JOIN calls c ON c.id = (SELECT id FROM calls WHERE lead_id = ({lead}) AND ended_at IS NOT NULL
                                    AND {_fact_value("facts", "f.value")} IS NOT NULL
                                ORDER BY started_at DESC, id DESC LIMIT 1)
        WHERE true;
    """


# --------------------------------------------------------------------------- tables

FUNNEL_ROLLUPS: dict[str, tuple[str, ...]] = {
    "funnel_day": (),
    "funnel_day_agent": ("agent_id",),
    "funnel_day_industry": ("industry",),
}
"""The item sums and the dimension each adds between (script_id) and (day, node, kind, key, outcome)."""
_ITEM_KEY = ("day", "node", "kind", "key", "outcome")
_COLUMN_TYPES = {"agent_id": "INTEGER NOT NULL", "industry": "TEXT NOT NULL"}
SCRIPT_DAY_COUNTERS = ("calls", "effective", "mailed", "good", "fair", "marginal")


def _rollup_table(extra: tuple[str, ...]) -> str:
    key = ("script_id", *extra, *_ITEM_KEY)
    extra_columns = "".join(f"{c} {_COLUMN_TYPES[c]},\n        " for c in extra)
    return f"""
    CREATE TABLE {{name}} (
        script_id INTEGER NOT NULL,
        {extra_columns}day TEXT NOT NULL,
        node TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY ({", ".join(key)})
    ) WITHOUT ROWID
    """


_TABLE_DDL: dict[str, str] = {
    "funnel_calls": """
    CREATE TABLE {name} (
        call_id   INTEGER PRIMARY KEY,
        script_id INTEGER NOT NULL,
        day       TEXT NOT NULL,
        agent_id  INTEGER NOT NULL,
        lead_id   INTEGER NOT NULL,
        industry  TEXT NOT NULL,
        outcome   TEXT NOT NULL,
        grade     TEXT NOT NULL,
        effective INTEGER NOT NULL,
        items     TEXT NOT NULL,
        times     TEXT NOT NULL
    )
    """,
    **{name: _rollup_table(extra) for name, extra in FUNNEL_ROLLUPS.items()},
    "funnel_day_time": """
    CREATE TABLE {name} (
        script_id INTEGER NOT NULL,
        day       TEXT NOT NULL,
        node      TEXT NOT NULL,
        seconds   INTEGER NOT NULL,
        n         INTEGER NOT NULL,
        PRIMARY KEY (script_id, day, node, seconds)
    ) WITHOUT ROWID
    """,
    "script_day": f"""
    CREATE TABLE {{name}} (
        script_id INTEGER NOT NULL,
        day       TEXT NOT NULL,
        {", ".join(f"{c} INTEGER NOT NULL" for c in SCRIPT_DAY_COUNTERS)},
        PRIMARY KEY (script_id, day)
    ) WITHOUT ROWID
    """,
    "market_answers": """
    CREATE TABLE {name} (
        lead_id  INTEGER NOT NULL,
        fact     TEXT NOT NULL,
        value    TEXT NOT NULL,
        day      TEXT NOT NULL,
        industry TEXT NOT NULL,
        call_id  INTEGER NOT NULL,
        PRIMARY KEY (lead_id, fact)
    ) WITHOUT ROWID
    """,
    "market_day": """
    CREATE TABLE {name} (
        industry TEXT NOT NULL,
        fact     TEXT NOT NULL,
        value    TEXT NOT NULL,
        day      TEXT NOT NULL,
        n        INTEGER NOT NULL,
        PRIMARY KEY (industry, fact, value, day)
    ) WITHOUT ROWID
    """,
}
ANALYTICS_TABLES: tuple[str, ...] = tuple(_TABLE_DDL)
INDEXES: tuple[str, ...] = (
    "CREATE INDEX funnel_calls_agent ON funnel_calls (script_id, agent_id, day)",
    "CREATE INDEX funnel_calls_industry ON funnel_calls (script_id, industry, day)",
    "CREATE INDEX funnel_calls_lead ON funnel_calls (lead_id)",
)


def table_statements(prefix: str = "") -> tuple[str, ...]:
    """CREATE TABLE for every analytics table, named ``prefix`` + name (``temp.fresh_``: the
    check's fresh copies, without the indexes)."""
    tables = tuple(ddl.format(name=f"{prefix}{name}") for name, ddl in _TABLE_DDL.items())
    return tables if prefix else (*tables, *INDEXES)


TABLES: tuple[str, ...] = table_statements()


# --------------------------------------------------------------------------- sums kept by triggers


def _item_sums(row: str, sign: int, rollups: dict[str, tuple[str, ...]] = FUNNEL_ROLLUPS) -> str:
    """Add (``sign`` 1) or take away (−1) one ``funnel_calls`` row's items in the item sums."""
    out = []
    for table, extra in rollups.items():
        key = ("script_id", *extra, *_ITEM_KEY)
        values = ", ".join(f"{row}.{c}" for c in ("script_id", *extra, "day"))
        out.append(f"""
        INSERT INTO {table} ({", ".join(key)}, n)
        SELECT {values}, json_extract(j.value, '$[1]'), json_extract(j.value, '$[0]'), json_extract(j.value, '$[2]'),
               CASE WHEN json_extract(j.value, '$[0]') IN ('end', 'stop') THEN {row}.outcome ELSE '' END, {sign}
        FROM json_each({row}.items) j WHERE true
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET n = n + excluded.n;""")
        if sign < 0:
            where = " AND ".join(f"{c} = {row}.{c}" for c in ("script_id", *extra, "day"))
            out.append(f"DELETE FROM {table} WHERE {where} AND n = 0;")
    return "".join(out)


def _time_sums(row: str, sign: int) -> str:
    out = f"""
        INSERT INTO funnel_day_time (script_id, day, node, seconds, n)
        SELECT {row}.script_id, {row}.day, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), {sign}
        FROM json_each({row}.times) j WHERE true
        ON CONFLICT (script_id, day, node, seconds) DO UPDATE SET n = n + excluded.n;"""
    if sign < 0:
        out += f"DELETE FROM funnel_day_time WHERE script_id = {row}.script_id AND day = {row}.day AND n = 0;"
    return out


def _script_day_sums(row: str, sign: int) -> str:
    eff = f"{row}.effective"
    values = (
        f"{sign}",
        f"{sign} * {eff}",
        f"{sign} * ({row}.outcome = 'mailed')",
        *(f"{sign} * ({eff} AND {row}.grade = '{g}')" for g in GRADES),
    )
    updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in SCRIPT_DAY_COUNTERS)
    out = f"""
        INSERT INTO script_day (script_id, day, {", ".join(SCRIPT_DAY_COUNTERS)})
        VALUES ({row}.script_id, {row}.day, {", ".join(values)})
        ON CONFLICT (script_id, day) DO UPDATE SET {updates};"""
    if sign < 0:
        out += f"DELETE FROM script_day WHERE script_id = {row}.script_id AND day = {row}.day AND calls = 0;"
    return out


def _market_sums(row: str, sign: int) -> str:
    out = f"""
        INSERT INTO market_day (industry, fact, value, day, n) VALUES ({row}.industry, {row}.fact, {row}.value, {row}.day, {sign})
        ON CONFLICT (industry, fact, value, day) DO UPDATE SET n = n + excluded.n;"""
    if sign < 0:
        out += (
            f"DELETE FROM market_day WHERE industry = {row}.industry AND fact = {row}.fact "
            f"AND value = {row}.value AND day = {row}.day AND n = 0;"
        )
    return out


_CALL_COLUMNS = "script_id, started_at, agent_id, lead_id, ended_at, outcome, grade"
_MARKET_CALL_COLUMNS = "lead_id, started_at, ended_at, facts"
_EVENT_COLUMNS = "call_id, seq, at, kind, node, value"
_FINISHED = "(SELECT ended_at FROM calls WHERE id = {call}) IS NOT NULL"
_INDUSTRY_ONLY = {"funnel_day_industry": FUNNEL_ROLLUPS["funnel_day_industry"]}

TRIGGERS: tuple[str, ...] = (
    # funnel_calls → the sums
    f"""CREATE TRIGGER funnel_calls_ai AFTER INSERT ON funnel_calls BEGIN
        {_item_sums("NEW", 1)} {_time_sums("NEW", 1)} {_script_day_sums("NEW", 1)} END""",
    f"""CREATE TRIGGER funnel_calls_ad AFTER DELETE ON funnel_calls BEGIN
        {_item_sums("OLD", -1)} {_time_sums("OLD", -1)} {_script_day_sums("OLD", -1)} END""",
    f"""CREATE TRIGGER funnel_calls_au_industry AFTER UPDATE OF industry ON funnel_calls BEGIN
        {_item_sums("OLD", -1, _INDUSTRY_ONLY)} {_item_sums("NEW", 1, _INDUSTRY_ONLY)} END""",
    # calls → funnel_calls
    f"""CREATE TRIGGER funnel_calls_from_calls_ai AFTER INSERT ON calls WHEN NEW.ended_at IS NOT NULL BEGIN
        {_funnel_call_insert("NEW.id")} END""",
    f"""CREATE TRIGGER funnel_calls_from_calls_au AFTER UPDATE OF {_CALL_COLUMNS} ON calls
        WHEN NEW.ended_at IS NOT NULL OR OLD.ended_at IS NOT NULL BEGIN
        {_recompute_call("NEW.id")} END""",
    """CREATE TRIGGER funnel_calls_from_calls_ad AFTER DELETE ON calls WHEN OLD.ended_at IS NOT NULL BEGIN
        DELETE FROM funnel_calls WHERE call_id = OLD.id; END""",
    # call_events of a finished call (bulk history, repairs; the app never adds one) → funnel_calls
    f"""CREATE TRIGGER funnel_calls_from_events_ai AFTER INSERT ON call_events
        WHEN NEW.kind IN ({_SESSION}) AND {_FINISHED.format(call="NEW.call_id")} BEGIN
        {_recompute_call("NEW.call_id")} END""",
    f"""CREATE TRIGGER funnel_calls_from_events_au AFTER UPDATE OF {_EVENT_COLUMNS} ON call_events BEGIN
        {_recompute_call("NEW.call_id")} END""",
    f"""CREATE TRIGGER funnel_calls_from_events_au_moved AFTER UPDATE OF call_id ON call_events
        WHEN OLD.call_id IS NOT NEW.call_id BEGIN
        {_recompute_call("OLD.call_id")} END""",
    f"""CREATE TRIGGER funnel_calls_from_events_ad AFTER DELETE ON call_events
        WHEN OLD.kind IN ({_SESSION}) AND {_FINISHED.format(call="OLD.call_id")} BEGIN
        {_recompute_call("OLD.call_id")} END""",
    # market_answers → market_day
    f"CREATE TRIGGER market_answers_ai AFTER INSERT ON market_answers BEGIN {_market_sums('NEW', 1)} END",
    f"CREATE TRIGGER market_answers_ad AFTER DELETE ON market_answers BEGIN {_market_sums('OLD', -1)} END",
    f"""CREATE TRIGGER market_answers_au AFTER UPDATE ON market_answers BEGIN
        {_market_sums("OLD", -1)} {_market_sums("NEW", 1)} END""",
    # calls → market_answers (the lead's latest answers; a call moved to another lead: both leads)
    f"""CREATE TRIGGER market_from_calls_ai AFTER INSERT ON calls WHEN NEW.ended_at IS NOT NULL BEGIN
        {_recompute_lead_market("NEW.lead_id")} END""",
    f"""CREATE TRIGGER market_from_calls_au AFTER UPDATE OF {_MARKET_CALL_COLUMNS} ON calls
        WHEN NEW.ended_at IS NOT NULL OR OLD.ended_at IS NOT NULL BEGIN
        {_recompute_lead_market("NEW.lead_id")} END""",
    f"""CREATE TRIGGER market_from_calls_au_moved AFTER UPDATE OF lead_id ON calls
        WHEN OLD.ended_at IS NOT NULL AND OLD.lead_id IS NOT NEW.lead_id BEGIN
        {_recompute_lead_market("OLD.lead_id")} END""",
    f"""CREATE TRIGGER market_from_calls_ad AFTER DELETE ON calls WHEN OLD.ended_at IS NOT NULL BEGIN
        {_recompute_lead_market("OLD.lead_id")} END""",
    # a lead's industry edited → its calls and answers move to the new industry
    """CREATE TRIGGER analytics_leads_industry AFTER UPDATE OF industry ON leads
        WHEN OLD.industry IS NOT NEW.industry BEGIN
        UPDATE funnel_calls SET industry = COALESCE(NEW.industry, '') WHERE lead_id = NEW.id;
        UPDATE market_answers SET industry = COALESCE(NEW.industry, '') WHERE lead_id = NEW.id; END""",
)


# --------------------------------------------------------------------------- filling from what is there

MARKET_ANSWERS_FRESH = f"""
    SELECT lead_id, fact, value, day, industry, call_id FROM (
        SELECT c.lead_id, f.value AS fact, {_fact_value("c.facts", "f.value")} AS value,
               substr(c.started_at, 1, 10) AS day, COALESCE(l.industry, '') AS industry, c.id AS call_id,
               ROW_NUMBER() OVER (PARTITION BY c.lead_id, f.value ORDER BY c.started_at DESC, c.id DESC) AS r
        FROM calls c LEFT JOIN leads l ON l.id = c.lead_id, json_each('{_MARKET_JSON}') f
        WHERE c.ended_at IS NOT NULL AND {_fact_value("c.facts", "f.value")} IS NOT NULL
    ) WHERE r = 1
"""
"""Every lead's latest market answers, computed set-wise from the calls."""


def market_fill_statements(prefix: str = "") -> tuple[str, ...]:
    """Fill ``prefix``market_answers and its sums from the calls (set-wise: fast enough in SQL)."""
    return (
        f"INSERT INTO {prefix}market_answers (lead_id, fact, value, day, industry, call_id) {MARKET_ANSWERS_FRESH}",
        f"""INSERT INTO {prefix}market_day (industry, fact, value, day, n)
            SELECT industry, fact, value, day, COUNT(*) FROM {prefix}market_answers GROUP BY 1, 2, 3, 4""",
    )


MIGRATION_DESCRIPTION = "script analytics (funnel by node, versions, market answers) kept by triggers"
MIGRATION_STATEMENTS: tuple[str, ...] = TABLES
"""Migration 9's SQL: the tables. Filling them from the calls already there and creating
the triggers is :func:`callscript.storage.analytics_fill.finish_migration` (Python: the
walk of twenty million events set-wise in SQL took ten times as long)."""


def _trigger_name(sql: str) -> str:
    found = re.match(r"CREATE TRIGGER (\w+)", sql)
    if found is None:  # pragma: no cover - every statement above starts so
        raise ValueError(f"not a CREATE TRIGGER statement: {sql[:40]!r}")
    return found.group(1)


TRIGGER_NAMES: tuple[str, ...] = tuple(_trigger_name(t) for t in TRIGGERS)

_TABLE_COLUMNS: dict[str, str] = {
    "funnel_calls": _FUNNEL_CALL_COLUMNS,
    "funnel_day": "script_id, day, node, kind, key, outcome, n",
    "funnel_day_agent": "script_id, agent_id, day, node, kind, key, outcome, n",
    "funnel_day_industry": "script_id, industry, day, node, kind, key, outcome, n",
    "funnel_day_time": "script_id, day, node, seconds, n",
    "script_day": f"script_id, day, {', '.join(SCRIPT_DAY_COUNTERS)}",
    "market_answers": "lead_id, fact, value, day, industry, call_id",
    "market_day": "industry, fact, value, day, n",
}
assert set(_TABLE_COLUMNS) == set(ANALYTICS_TABLES)
FRESH_PREFIX = "temp.fresh_"


def comparisons(prefix: str = FRESH_PREFIX) -> list[tuple[str, str, str]]:
    """(table, the kept rows, the fresh rows) as SELECTs with the same columns: any row in
    one and not the other is a difference (the fresh copies: ``prefix`` + name)."""
    return [
        (
            table,
            f"SELECT {_TABLE_COLUMNS[table]} FROM main.{table}",
            f"SELECT {_TABLE_COLUMNS[table]} FROM {prefix}{table}",
        )
        for table in ANALYTICS_TABLES
    ]
