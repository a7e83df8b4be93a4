"""The trigger-kept tables on PostgreSQL: PL/pgSQL ports of SQLite's triggers.

Why separate text: SQLite's trigger bodies are lists of statements with ``NEW``/``OLD``,
``WHEN`` clauses and no CTEs; PostgreSQL runs a trigger *function*. And SQLite's booleans
are integers (``SUM(kind = 'development')``, ``MAX(a AND b)``), PostgreSQL's are not: every
count of a condition is written ``(…)::int`` here. What each table holds, and the rule for
every column, are the SQLite modules' (:mod:`~callscript.storage.report_tables`,
:mod:`~callscript.storage.analytics_tables`) — the column lists, sum tables and constants
are imported from them, so a new counter there fails loudly here until it is ported.

``report_recompute(lead, day)`` is SQLite's "recompute one (lead, day)"
(``_lead_day_select_v6``) line for line; the cross-backend test
(tests/storage/test_backends_agree.py) holds the two to the same tables for the same day of calls.
"""

from __future__ import annotations

from callscript.core.outcomes import NOT_EFFECTIVE
from callscript.storage import analytics_tables as at
from callscript.storage import floor_tables as ft
from callscript.storage import report_tables as rt

_NE = ", ".join(f"'{o.value}'" for o in sorted(NOT_EFFECTIVE, key=lambda o: o.value))
DEV, MAINT = f"'{rt.DEVELOPMENT}'", f"'{rt.MAINTENANCE}'"


def _effective(p: str) -> str:
    return f"COALESCE({p}outcome NOT IN ({_NE}), false)"


def _fact_true(p: str, name: str) -> str:
    """The fact is JSON ``true`` (or 1, which SQLite's ``json_extract(…) IS 1`` also takes)."""
    return (
        f"COALESCE(CASE WHEN json_valid({p}facts) THEN ({p}facts::jsonb -> '{name}') IN ('true'::jsonb, '1'::jsonb) "
        "END, false)"
    )


_TALK = "GREATEST(0, COALESCE(unixepoch(c.ended_at) - unixepoch(c.started_at), 0))"


def _in_day(p: str) -> str:
    return f"{p}lead_id = p_lead AND {p}started_at >= d AND {p}started_at < d_next AND {p}ended_at IS NOT NULL"


def _done(p: str, *, in_window: bool) -> str:
    window = " AND d BETWEEN m.follow_up_from AND m.follow_up_by" if in_window else ""
    return f"(SELECT COUNT(*) FROM mailings m WHERE m.follow_up_call_id = {p}id{window})"


_IS_LAST = "(c.id IS NOT DISTINCT FROM v_last)"
_GRADE_MAX = ",\n            ".join(f"MAX(({_IS_LAST} AND COALESCE(v_grade, '') = '{g}')::int)" for g in rt.GRADES)

REPORT_RECOMPUTE = f"""
CREATE OR REPLACE FUNCTION report_recompute(p_lead integer, p_day text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d text COLLATE "C" := p_day;
    d_next text COLLATE "C";
    v_last integer;
    v_eff boolean;
    v_mailed boolean;
    v_grade text;
BEGIN
    IF p_lead IS NULL OR p_day IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM report_lead_days WHERE day = d AND lead_id = p_lead;
    d_next := to_char(CAST(d AS date) + 1, 'YYYY-MM-DD');
    SELECT id INTO v_last FROM calls WHERE {_in_day("")} AND kind = {DEV} ORDER BY started_at DESC, id DESC LIMIT 1;
    v_eff := EXISTS (SELECT 1 FROM calls WHERE {_in_day("")} AND kind = {DEV} AND {_effective("")});
    v_mailed := EXISTS (SELECT 1 FROM calls dc JOIN mailings m ON m.call_id = dc.id
                        WHERE {_in_day("dc.")} AND dc.kind = {DEV});
    SELECT grade INTO v_grade FROM calls
        WHERE {_in_day("")} AND kind = {DEV} AND grade IS NOT NULL AND {_effective("")}
        ORDER BY started_at DESC, id DESC LIMIT 1;
    INSERT INTO report_lead_days (day, lead_id, agent_id, industry, {", ".join(rt.LEAD_DAY_COUNTERS_V6)})
    SELECT d, p_lead, c.agent_id,
           COALESCE((SELECT industry FROM leads WHERE id = p_lead), ''),
           SUM((c.kind = {DEV})::int),
           SUM(CASE WHEN c.kind = {DEV} THEN {_TALK} ELSE 0 END),
           SUM((c.kind = {DEV} AND EXISTS (SELECT 1 FROM callbacks cb WHERE cb.done_call_id = c.id))::int),
           MAX({_IS_LAST}::int),
           MAX(({_IS_LAST} AND v_eff)::int),
           MAX(({_IS_LAST} AND v_mailed)::int),
           {_GRADE_MAX},
           SUM((c.kind = {MAINT})::int),
           SUM(CASE WHEN c.kind = {MAINT} THEN {_TALK} ELSE 0 END),
           MAX((c.kind = {MAINT} AND {_effective("c.")})::int),
           SUM({_done("c.", in_window=False)}),
           SUM({_done("c.", in_window=True)}),
           SUM(c.follow_up_slot * {_done("c.", in_window=True)}),
           MAX((c.kind = {MAINT} AND {_fact_true("c.", rt.FACT_MATERIALS_RECEIVED)})::int),
           MAX((c.kind = {MAINT} AND {_fact_true("c.", rt.FACT_BOOKED_ON_CALL)})::int)
    FROM calls c
    WHERE {_in_day("c.")}
    GROUP BY c.agent_id;
END
$$
"""
assert len(rt.LEAD_DAY_COUNTERS_V6) == 17, "a new report counter: port it to report_recompute above"

REPORT_RECOMPUTE_CALL = """
CREATE OR REPLACE FUNCTION report_recompute_call(p_call integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_lead integer;
    v_day text;
BEGIN
    IF p_call IS NULL THEN
        RETURN;
    END IF;
    SELECT lead_id, substr(started_at, 1, 10) INTO v_lead, v_day FROM calls WHERE id = p_call;
    PERFORM report_recompute(v_lead, v_day);
END
$$
"""


def _sum_change(row: str, sign: str) -> str:
    """Add (``sign`` '+') or take away ('-') one report_lead_days row in every sum table."""
    out = []
    for table, key in rt.SUM_TABLES_V6.items():
        columns = ", ".join((*key, *rt.SUM_COUNTERS_V6))
        values = ", ".join((*(f"{row}.{k}" for k in key), *(f"{sign}{row}.{c}" for c in rt.LEAD_DAY_COUNTERS_V6)))
        updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in rt.SUM_COUNTERS_V6)
        out.append(
            f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates};"
        )
        if sign == "-":
            where = " AND ".join(f"{k} = {row}.{k}" for k in key)
            out.append(f"DELETE FROM {table} WHERE {where} AND calls = 0 AND m_calls = 0;")
    return "\n        ".join(out)


REPORT_SUMS = f"""
CREATE OR REPLACE FUNCTION report_lead_days_sums() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {_sum_change("OLD", "-")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_sum_change("NEW", "+")}
    END IF;
    RETURN NULL;
END
$$
"""

_CALL_COLUMNS_V6 = "lead_id, agent_id, started_at, ended_at, outcome, grade, kind, facts, follow_up_slot"

REPORT_FROM_CALLS = """
CREATE OR REPLACE FUNCTION report_from_calls() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.ended_at IS NOT NULL THEN
            PERFORM report_recompute(NEW.lead_id, substr(NEW.started_at, 1, 10));
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.ended_at IS NOT NULL OR OLD.ended_at IS NOT NULL THEN
            PERFORM report_recompute(NEW.lead_id, substr(NEW.started_at, 1, 10));
        END IF;
        IF OLD.ended_at IS NOT NULL AND (OLD.lead_id IS DISTINCT FROM NEW.lead_id
                OR substr(OLD.started_at, 1, 10) IS DISTINCT FROM substr(NEW.started_at, 1, 10)) THEN
            PERFORM report_recompute(OLD.lead_id, substr(OLD.started_at, 1, 10));
        END IF;
    ELSIF OLD.ended_at IS NOT NULL THEN
        PERFORM report_recompute(OLD.lead_id, substr(OLD.started_at, 1, 10));
    END IF;
    RETURN NULL;
END
$$
"""

REPORT_FROM_CALLBACKS = """
CREATE OR REPLACE FUNCTION report_from_callbacks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM report_recompute_call(NEW.done_call_id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.done_call_id IS DISTINCT FROM NEW.done_call_id THEN
            PERFORM report_recompute_call(OLD.done_call_id);
            PERFORM report_recompute_call(NEW.done_call_id);
        END IF;
    ELSE
        PERFORM report_recompute_call(OLD.done_call_id);
    END IF;
    RETURN NULL;
END
$$
"""

REPORT_FROM_MAILINGS = """
CREATE OR REPLACE FUNCTION report_from_mailings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM report_recompute_call(NEW.call_id);
        PERFORM report_recompute_call(NEW.follow_up_call_id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.call_id IS DISTINCT FROM NEW.call_id THEN
            PERFORM report_recompute_call(OLD.call_id);
            PERFORM report_recompute_call(NEW.call_id);
        END IF;
        IF (OLD.follow_up_call_id IS NOT NULL OR NEW.follow_up_call_id IS NOT NULL) AND (
                OLD.follow_up_call_id IS DISTINCT FROM NEW.follow_up_call_id
                OR OLD.follow_up_from IS DISTINCT FROM NEW.follow_up_from
                OR OLD.follow_up_by IS DISTINCT FROM NEW.follow_up_by) THEN
            PERFORM report_recompute_call(OLD.follow_up_call_id);
            PERFORM report_recompute_call(NEW.follow_up_call_id);
        END IF;
    ELSE
        PERFORM report_recompute_call(OLD.call_id);
        PERFORM report_recompute_call(OLD.follow_up_call_id);
    END IF;
    RETURN NULL;
END
$$
"""

REPORT_FROM_LEADS = """
CREATE OR REPLACE FUNCTION report_from_leads() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.industry IS DISTINCT FROM NEW.industry THEN
        UPDATE report_lead_days SET industry = COALESCE(NEW.industry, '') WHERE lead_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$
"""

REPORT_TRIGGERS: tuple[str, ...] = (
    REPORT_RECOMPUTE,
    REPORT_RECOMPUTE_CALL,
    REPORT_SUMS,
    REPORT_FROM_CALLS,
    REPORT_FROM_CALLBACKS,
    REPORT_FROM_MAILINGS,
    REPORT_FROM_LEADS,
    "CREATE TRIGGER report_lead_days_sums AFTER INSERT OR UPDATE OR DELETE ON report_lead_days "
    "FOR EACH ROW EXECUTE FUNCTION report_lead_days_sums()",
    f"CREATE TRIGGER report_calls AFTER INSERT OR DELETE OR UPDATE OF {_CALL_COLUMNS_V6} ON calls "
    "FOR EACH ROW EXECUTE FUNCTION report_from_calls()",
    "CREATE TRIGGER report_callbacks AFTER INSERT OR DELETE OR UPDATE OF done_call_id ON callbacks "
    "FOR EACH ROW EXECUTE FUNCTION report_from_callbacks()",
    "CREATE TRIGGER report_mailings AFTER INSERT OR DELETE OR UPDATE OF call_id, follow_up_call_id, follow_up_from, "
    "follow_up_by ON mailings FOR EACH ROW EXECUTE FUNCTION report_from_mailings()",
    "CREATE TRIGGER report_leads_industry AFTER UPDATE OF industry ON leads "
    "FOR EACH ROW EXECUTE FUNCTION report_from_leads()",
)
"""Migration 6 on PostgreSQL: the report tables kept current (SQLite: ``report_tables.TRIGGERS_V6``)."""

REPORT_TRIGGER_TABLES: dict[str, str] = {
    "report_lead_days_sums": "report_lead_days",
    "report_calls": "calls",
    "report_callbacks": "callbacks",
    "report_mailings": "mailings",
    "report_leads_industry": "leads",
}


AUDIT_TRIGGERS: tuple[str, ...] = (
    """
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
"""Migration 8 on PostgreSQL: the audit log append-only (SQLite: ``RAISE(ABORT)`` triggers),
TRUNCATE included, which SQLite does not have."""

# --------------------------------------------------------------------------- script analytics (migration 9)

_SESSION = ", ".join(f"'{k}'" for k in at.SESSION_KINDS)
_A_EFF = f"COALESCE((c.outcome NOT IN ({_NE}))::int, 0)"


def _json_triple(kind: str, node: str, key: str) -> str:
    """``["kind","node","key"]`` written as SQLite's ``json_array`` writes it (no spaces)."""
    return f"'[' || to_json({kind}::text)::text || ',' || to_json({node}::text)::text || ',' || to_json({key}::text)::text || ']'"


FUNNEL_WALK = f"""
CREATE OR REPLACE FUNCTION funnel_walk(p_call integer, OUT items text, OUT times text)
LANGUAGE sql STABLE AS $$
    WITH ev AS (
        SELECT e.seq, e.kind, COALESCE(e.node, '') AS node,
               CASE e.kind WHEN 'choose' THEN COALESCE(e.value, '') WHEN 'enter' THEN '{at.ENTER_KEY}'
                           WHEN 'skip' THEN '{at.SKIP_KEY}' ELSE '' END AS key,
               CASE e.kind WHEN 'back' THEN -1 ELSE 1 END AS delta,
               SUM(CASE e.kind WHEN 'back' THEN -1 ELSE 1 END) OVER (ORDER BY e.seq ROWS UNBOUNDED PRECEDING) AS depth,
               GREATEST(0, COALESCE(unixepoch(e.at) - unixepoch(COALESCE(
                   LAG(e.at) OVER (ORDER BY e.seq), c.started_at)), 0)) AS secs
        FROM call_events e JOIN calls c ON c.id = e.call_id
        WHERE e.call_id = p_call AND e.kind IN ({_SESSION})
    ), marked AS (
        SELECT *,
               MIN(depth) OVER (ORDER BY seq ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS later_min,
               MAX(CASE WHEN delta = 1 THEN seq END) OVER (PARTITION BY depth ORDER BY seq
                                                           ROWS UNBOUNDED PRECEDING) AS arr,
               LAST_VALUE(depth) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                   AS final_depth
        FROM ev
    ), walked AS (
        SELECT seq, kind, node, key, secs, depth, final_depth,
               COALESCE(LAG(arr) OVER (ORDER BY seq), 0) AS visit,
               (delta = 1 AND (later_min IS NULL OR later_min >= depth)) AS kept
        FROM marked
    ), itemised AS (
        SELECT seq, visit, final_depth,
               CASE WHEN kind = 'back' THEN {_json_triple("'back'", "node", "''")}
                    WHEN NOT kept THEN NULL
                    WHEN kind = 'end' THEN {_json_triple("'end'", "node", "''")}
                    WHEN depth = final_depth THEN {_json_triple("'stop'", "node", "key")}
                    ELSE {_json_triple("'go'", "node", "key")} END AS item,
               MAX(node) OVER by_visit AS visit_node, SUM(secs) OVER by_visit AS visit_seconds,
               bool_or(kept OR kind = 'back') OVER by_visit AS closed, seq = MIN(seq) OVER by_visit AS first_of_visit
        FROM walked
        WINDOW by_visit AS (PARTITION BY visit)
    )
    SELECT '[' || concat_ws(',', string_agg(item, ',' ORDER BY seq),
                            CASE WHEN MAX(final_depth) = 0 THEN '["stop","",""]' END) || ']',
           '[' || COALESCE(string_agg('[' || to_json(visit_node::text)::text || ',' || visit_seconds || ']', ','
                                      ORDER BY visit) FILTER (WHERE first_of_visit AND closed), '') || ']'
    FROM itemised
    HAVING COUNT(*) > 0
$$
"""
"""SQLite's :func:`~callscript.storage.analytics_tables.walk_items_select` for one call: the
same windows, in CTEs (a function may have them), and the lists built with ``string_agg …
ORDER BY`` in SQLite's JSON text (no spaces), so ``items``/``times`` are the same bytes."""

FUNNEL_RECOMPUTE = f"""
CREATE OR REPLACE FUNCTION funnel_recompute(p_call integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_call IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM funnel_calls WHERE call_id = p_call;
    INSERT INTO funnel_calls (call_id, script_id, day, agent_id, lead_id, industry, outcome, grade, effective, items, times)
    SELECT c.id, c.script_id, substr(c.started_at, 1, 10), c.agent_id, c.lead_id,
           COALESCE((SELECT industry FROM leads WHERE id = c.lead_id), ''),
           COALESCE(c.outcome, ''), COALESCE(c.grade, ''), {_A_EFF},
           COALESCE(w.items, '{at.START_STOP}'), COALESCE(w.times, '[]')
    FROM calls c LEFT JOIN LATERAL funnel_walk(c.id) w ON true
    WHERE c.id = p_call AND c.ended_at IS NOT NULL;
END
$$
"""


def _item_sums(row: str, sign: str, rollups: dict[str, tuple[str, ...]]) -> str:
    out = []
    for table, extra in rollups.items():
        key = ("script_id", *extra, "day", "node", "kind", "key", "outcome")
        fixed = ", ".join(f"{row}.{c}" for c in ("script_id", *extra, "day"))
        out.append(f"""
        INSERT INTO {table} ({", ".join(key)}, n)
        SELECT {fixed}, j.value ->> 1, j.value ->> 0, j.value ->> 2,
               CASE WHEN j.value ->> 0 IN ('end', 'stop') THEN {row}.outcome ELSE '' END, {sign}COUNT(*)
        FROM jsonb_array_elements({row}.items::jsonb) j GROUP BY 1, {", ".join(str(i) for i in range(2, len(key) + 1))}
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET n = {table}.n + EXCLUDED.n;""")
        if sign == "-":
            where = " AND ".join(f"{c} = {row}.{c}" for c in ("script_id", *extra, "day"))
            out.append(f"DELETE FROM {table} WHERE {where} AND n = 0;")
    return "".join(out)


def _time_sums(row: str, sign: str) -> str:
    out = f"""
        INSERT INTO funnel_day_time (script_id, day, node, seconds, n)
        SELECT {row}.script_id, {row}.day, j.value ->> 0, (j.value ->> 1)::int, {sign}COUNT(*)
        FROM jsonb_array_elements({row}.times::jsonb) j GROUP BY 1, 2, 3, 4
        ON CONFLICT (script_id, day, node, seconds) DO UPDATE SET n = funnel_day_time.n + EXCLUDED.n;"""
    if sign == "-":
        out += f"DELETE FROM funnel_day_time WHERE script_id = {row}.script_id AND day = {row}.day AND n = 0;"
    return out


def _script_day_sums(row: str, sign: str) -> str:
    eff = f"({row}.effective <> 0)"
    values = (
        f"{sign}1",
        f"{sign}{eff}::int",
        f"{sign}({row}.outcome = 'mailed')::int",
        *(f"{sign}({eff} AND {row}.grade = '{g}')::int" for g in rt.GRADES),
    )
    updates = ", ".join(f"{c} = script_day.{c} + EXCLUDED.{c}" for c in at.SCRIPT_DAY_COUNTERS)
    out = f"""
        INSERT INTO script_day (script_id, day, {", ".join(at.SCRIPT_DAY_COUNTERS)})
        VALUES ({row}.script_id, {row}.day, {", ".join(values)})
        ON CONFLICT (script_id, day) DO UPDATE SET {updates};"""
    if sign == "-":
        out += f"DELETE FROM script_day WHERE script_id = {row}.script_id AND day = {row}.day AND calls = 0;"
    return out


_INDUSTRY_ONLY = {"funnel_day_industry": at.FUNNEL_ROLLUPS["funnel_day_industry"]}

FUNNEL_CALLS_SUMS = f"""
CREATE OR REPLACE FUNCTION funnel_calls_sums() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_item_sums("NEW", "", at.FUNNEL_ROLLUPS)} {_time_sums("NEW", "")} {_script_day_sums("NEW", "")}
    ELSIF TG_OP = 'DELETE' THEN
        {_item_sums("OLD", "-", at.FUNNEL_ROLLUPS)} {_time_sums("OLD", "-")} {_script_day_sums("OLD", "-")}
    ELSE
        {_item_sums("OLD", "-", _INDUSTRY_ONLY)} {_item_sums("NEW", "", _INDUSTRY_ONLY)}
    END IF;
    RETURN NULL;
END
$$
"""


def _fact_value(facts: str, fact: str) -> str:
    return f"NULLIF(TRIM(CASE WHEN json_valid({facts}) THEN json_extract({facts}, '$.' || {fact}) END), '')"


_MARKET_FACTS = ", ".join(f"'{f}'" for f in at.MARKET_FACTS)

MARKET_RECOMPUTE = f"""
CREATE OR REPLACE FUNCTION market_recompute(p_lead integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_lead IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM market_answers WHERE lead_id = p_lead;
    INSERT INTO market_answers (lead_id, fact, value, day, industry, call_id)
    SELECT c.lead_id, f.fact, {_fact_value("c.facts", "f.fact")}, substr(c.started_at, 1, 10),
           COALESCE((SELECT industry FROM leads WHERE id = c.lead_id), ''), c.id
    FROM unnest(ARRAY[{_MARKET_FACTS}]::text[]) WITH ORDINALITY AS f(fact, n)
    JOIN calls c ON c.id = (SELECT id FROM calls WHERE lead_id = p_lead AND ended_at IS NOT NULL
                                AND {_fact_value("facts", "f.fact")} IS NOT NULL
                            ORDER BY started_at DESC, id DESC LIMIT 1)
    ORDER BY f.n;
END
$$
"""


def _market_sums(row: str, sign: str) -> str:
    out = f"""
        INSERT INTO market_day (industry, fact, value, day, n) VALUES ({row}.industry, {row}.fact, {row}.value, {row}.day, {sign}1)
        ON CONFLICT (industry, fact, value, day) DO UPDATE SET n = market_day.n + EXCLUDED.n;"""
    if sign == "-":
        out += (
            f"DELETE FROM market_day WHERE industry = {row}.industry AND fact = {row}.fact "
            f"AND value = {row}.value AND day = {row}.day AND n = 0;"
        )
    return out


MARKET_ANSWERS_SUMS = f"""
CREATE OR REPLACE FUNCTION market_answers_sums() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {_market_sums("OLD", "-")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_market_sums("NEW", "")}
    END IF;
    RETURN NULL;
END
$$
"""

_FINISHED = "(SELECT ended_at FROM calls WHERE id = {call}) IS NOT NULL"

ANALYTICS_FROM_CALLS = """
CREATE OR REPLACE FUNCTION analytics_from_calls() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.ended_at IS NOT NULL THEN
            PERFORM funnel_recompute(NEW.id);
            PERFORM market_recompute(NEW.lead_id);
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.ended_at IS NOT NULL OR OLD.ended_at IS NOT NULL THEN
            PERFORM funnel_recompute(NEW.id);
            PERFORM market_recompute(NEW.lead_id);
        END IF;
        IF OLD.ended_at IS NOT NULL AND OLD.lead_id IS DISTINCT FROM NEW.lead_id THEN
            PERFORM market_recompute(OLD.lead_id);
        END IF;
    ELSIF OLD.ended_at IS NOT NULL THEN
        DELETE FROM funnel_calls WHERE call_id = OLD.id;
        PERFORM market_recompute(OLD.lead_id);
    END IF;
    RETURN NULL;
END
$$
"""
"""SQLite's ``funnel_calls_from_calls_*`` and ``market_from_calls_*`` in one function (the
trigger below fires on the union of their columns; a recompute is idempotent, so firing
on a column only one of them watched changes nothing)."""

ANALYTICS_FROM_EVENTS = f"""
CREATE OR REPLACE FUNCTION analytics_from_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind IN ({_SESSION}) AND {_FINISHED.format(call="NEW.call_id")} THEN
            PERFORM funnel_recompute(NEW.call_id);
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM funnel_recompute(NEW.call_id);
        IF OLD.call_id IS DISTINCT FROM NEW.call_id THEN
            PERFORM funnel_recompute(OLD.call_id);
        END IF;
    ELSIF OLD.kind IN ({_SESSION}) AND {_FINISHED.format(call="OLD.call_id")} THEN
        PERFORM funnel_recompute(OLD.call_id);
    END IF;
    RETURN NULL;
END
$$
"""

ANALYTICS_FROM_LEADS = """
CREATE OR REPLACE FUNCTION analytics_from_leads() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.industry IS DISTINCT FROM NEW.industry THEN
        UPDATE funnel_calls SET industry = COALESCE(NEW.industry, '') WHERE lead_id = NEW.id;
        UPDATE market_answers SET industry = COALESCE(NEW.industry, '') WHERE lead_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$
"""

_ANALYTICS_CALL_COLUMNS = "script_id, started_at, agent_id, lead_id, ended_at, outcome, grade, facts"

ANALYTICS_TRIGGERS: tuple[str, ...] = (
    FUNNEL_WALK,
    FUNNEL_RECOMPUTE,
    FUNNEL_CALLS_SUMS,
    MARKET_RECOMPUTE,
    MARKET_ANSWERS_SUMS,
    ANALYTICS_FROM_CALLS,
    ANALYTICS_FROM_EVENTS,
    ANALYTICS_FROM_LEADS,
    "CREATE TRIGGER funnel_calls_sums AFTER INSERT OR DELETE OR UPDATE OF industry ON funnel_calls "
    "FOR EACH ROW EXECUTE FUNCTION funnel_calls_sums()",
    "CREATE TRIGGER market_answers_sums AFTER INSERT OR DELETE OR UPDATE ON market_answers "
    "FOR EACH ROW EXECUTE FUNCTION market_answers_sums()",
    f"CREATE TRIGGER analytics_calls AFTER INSERT OR DELETE OR UPDATE OF {_ANALYTICS_CALL_COLUMNS} ON calls "
    "FOR EACH ROW EXECUTE FUNCTION analytics_from_calls()",
    "CREATE TRIGGER analytics_events AFTER INSERT OR DELETE OR UPDATE OF call_id, seq, at, kind, node, value "
    "ON call_events FOR EACH ROW EXECUTE FUNCTION analytics_from_events()",
    "CREATE TRIGGER analytics_leads_industry AFTER UPDATE OF industry ON leads "
    "FOR EACH ROW EXECUTE FUNCTION analytics_from_leads()",
)
"""Migration 9 on PostgreSQL: the script analytics kept current (SQLite:
:data:`callscript.storage.analytics_tables.TRIGGERS`)."""


REBUILD_STATEMENTS: tuple[str, ...] = (
    *(f"DELETE FROM {t}" for t in ("report_lead_days", *rt.SUM_TABLES_V6)),
    *(f"DELETE FROM {t}" for t in at.ANALYTICS_TABLES),
    "SELECT report_recompute(lead_id, day) FROM (SELECT DISTINCT lead_id, substr(started_at, 1, 10) AS day "
    "FROM calls WHERE ended_at IS NOT NULL) AS days",
    "SELECT funnel_recompute(id) FROM calls WHERE ended_at IS NOT NULL",
    "SELECT market_recompute(id) FROM leads",
)
"""``report rebuild`` on PostgreSQL, in one transaction: every derived table emptied and
recomputed by the triggers' own functions, (lead, day) by (lead, day) and call by call (the
sum tables follow through their triggers). Slower than SQLite's set-wise rebuild, and only
needed after a repair by hand: the tables are kept current as calls are written."""


FLOOR_TRIGGERS: tuple[str, ...] = (
    f"""
    CREATE OR REPLACE FUNCTION floor_hour_from_calls() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {ft.subtract_call_sql("OLD")}
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {ft.add_call_sql("NEW")}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER floor_hour AFTER INSERT OR DELETE OR UPDATE OF started_at, agent_id, outcome, grade ON calls "
    "FOR EACH ROW EXECUTE FUNCTION floor_hour_from_calls()",
)
"""Migration 10 on PostgreSQL: ``floor_hour`` kept by the same upsert and update SQLite's
triggers run (:mod:`callscript.storage.floor_tables`), in one PL/pgSQL function."""
