"""The database schema: versioned migrations plus views rebuilt from code.

``PRAGMA user_version`` holds the schema version. :func:`migrate` applies every
missing step in one ``BEGIN IMMEDIATE`` transaction each (DDL is transactional in
SQLite), re-reading the version inside the transaction so two agents starting at
the same moment never apply a step twice. A file written by a newer release is
refused rather than guessed at.

Views are derived data: after migrating, every app view whose stored SQL differs
from the code's is dropped and re-created, so a release can change a view
without a version bump. View and column names are ASCII snake_case so a person
can query them (e.g. in Datasette); grade *values* stay as the script names them
(好/一般/勉强).

Add a release's changes as a new ``Migration`` at the end of ``MIGRATIONS``;
never edit a step that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from callscript.core.outcomes import NOT_EFFECTIVE
from callscript.storage import analytics_fill
from callscript.storage import analytics_tables as analytics_sql
from callscript.storage import floor_tables as floor_sql
from callscript.storage import report_tables as report_sql
from callscript.storage.db import immediate, refuse_foreign_file, retry_locked
from callscript.storage.errors import ErrorCode, StorageError

Step = str | Callable[[sqlite3.Connection], None]
"""A migration step: an SQL statement, or a Python function for what SQL cannot do (a rule
only the core knows, e.g. China's calendar), run on the migrating connection in the same
transaction."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[Step, ...]
    fill: Callable[[sqlite3.Connection], None] | None = None
    """Run after the statements, in the same transaction: work too slow as set-wise SQL
    (migration 9 fills its tables from twenty million events in Python)."""


# ---------------------------------------------------------------------------
# Version 1: the core tables (agents, leads, scripts, calls, events, callbacks, mailings)
# ---------------------------------------------------------------------------
V1 = Migration(
    1,
    "core tables",
    (
        """
        CREATE TABLE agents (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            created_at  TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE leads (
            id                INTEGER PRIMARY KEY,
            company           TEXT NOT NULL,
            contact           TEXT,
            title             TEXT,
            phone             TEXT NOT NULL,
            phone_norm        TEXT NOT NULL UNIQUE,
            phone_kind        TEXT,
            industry          TEXT,
            source            TEXT,
            notes             TEXT,
            do_not_call       INTEGER NOT NULL DEFAULT 0 CHECK (do_not_call IN (0, 1)),
            status            TEXT NOT NULL DEFAULT 'new',
            attempts          INTEGER NOT NULL DEFAULT 0,
            last_called_at    TEXT,
            last_outcome      TEXT,
            next_call_at      TEXT,
            assigned_agent_id INTEGER REFERENCES agents(id),
            claimed_by        INTEGER REFERENCES agents(id),
            claimed_at        TEXT,
            claim_expires_at  TEXT,
            active_call_id    INTEGER REFERENCES calls(id),
            created_at        TEXT NOT NULL,
            updated_at        TEXT NOT NULL
        )
        """,
        # The claim query walks this index tier by tier (status, due time, id).
        """
        CREATE INDEX leads_claimable ON leads (status, next_call_at, id)
            WHERE do_not_call = 0 AND active_call_id IS NULL
        """,
        "CREATE INDEX leads_claimed_by ON leads (claimed_by) WHERE claimed_by IS NOT NULL",
        """
        CREATE TABLE scripts (
            id            INTEGER PRIMARY KEY,
            name          TEXT NOT NULL,
            title         TEXT,
            sha256        TEXT NOT NULL UNIQUE,
            source_text   TEXT NOT NULL,
            path          TEXT,
            first_seen_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE calls (
            id               INTEGER PRIMARY KEY,
            lead_id          INTEGER NOT NULL REFERENCES leads(id),
            agent_id         INTEGER NOT NULL REFERENCES agents(id),
            script_id        INTEGER NOT NULL REFERENCES scripts(id),
            variables        TEXT NOT NULL DEFAULT '{}',
            started_at       TEXT NOT NULL,
            ended_at         TEXT,
            outcome          TEXT,
            facts            TEXT,
            grade            TEXT,
            grade_rule       TEXT,
            grade_rule_index INTEGER,
            conditions       TEXT,
            qualified        INTEGER CHECK (qualified IN (0, 1)),
            callback_due     TEXT,
            recovered        INTEGER NOT NULL DEFAULT 0,
            CHECK ((ended_at IS NULL) = (outcome IS NULL))
        )
        """,
        "CREATE INDEX calls_unfinished ON calls (agent_id, started_at) WHERE ended_at IS NULL",
        "CREATE INDEX calls_lead ON calls (lead_id, started_at)",
        """
        CREATE TABLE call_events (
            id        INTEGER PRIMARY KEY,
            call_id   INTEGER NOT NULL REFERENCES calls(id),
            seq       INTEGER NOT NULL,
            at        TEXT NOT NULL,
            kind      TEXT NOT NULL,
            node      TEXT,
            value     TEXT,
            important INTEGER NOT NULL DEFAULT 0,
            extra     TEXT,
            UNIQUE (call_id, seq)
        )
        """,
        """
        CREATE TABLE callbacks (
            id           INTEGER PRIMARY KEY,
            call_id      INTEGER NOT NULL REFERENCES calls(id),
            lead_id      INTEGER NOT NULL REFERENCES leads(id),
            agent_id     INTEGER NOT NULL REFERENCES agents(id),
            due_at       TEXT NOT NULL,
            reason       TEXT,
            created_at   TEXT NOT NULL,
            done_at      TEXT,
            done_call_id INTEGER REFERENCES calls(id)
        )
        """,
        "CREATE INDEX callbacks_open ON callbacks (due_at) WHERE done_at IS NULL",
        "CREATE INDEX callbacks_lead ON callbacks (lead_id)",
        """
        CREATE TABLE mailings (
            id                INTEGER PRIMARY KEY,
            call_id           INTEGER NOT NULL REFERENCES calls(id),
            lead_id           INTEGER NOT NULL REFERENCES leads(id),
            agent_id          INTEGER NOT NULL REFERENCES agents(id),
            address           TEXT NOT NULL,
            mailed_on         TEXT NOT NULL,
            follow_up_from    TEXT NOT NULL,
            follow_up_by      TEXT NOT NULL,
            follow_up_done_at TEXT,
            follow_up_call_id INTEGER REFERENCES calls(id)
        )
        """,
        "CREATE INDEX mailings_follow_up ON mailings (follow_up_from) WHERE follow_up_done_at IS NULL",
        "CREATE INDEX mailings_lead ON mailings (lead_id)",
    ),
)

# ---------------------------------------------------------------------------
# Version 2: the daily table's free text (优点/缺点/建议) and indexes for reports
# ---------------------------------------------------------------------------
V2 = Migration(
    2,
    "agent day reviews; report indexes",
    (
        """
        CREATE TABLE agent_day_reviews (
            agent_id    INTEGER NOT NULL REFERENCES agents(id),
            day         TEXT NOT NULL,
            strengths   TEXT,
            weaknesses  TEXT,
            suggestions TEXT,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (agent_id, day)
        )
        """,
        "CREATE INDEX calls_started ON calls (started_at)",
        "CREATE INDEX calls_agent_started ON calls (agent_id, started_at)",
        "CREATE INDEX leads_industry ON leads (industry)",
        "CREATE INDEX mailings_mailed_on ON mailings (mailed_on)",
    ),
)

# ---------------------------------------------------------------------------
# Version 3: the reports' tables, filled from the calls already there and kept
# current by triggers (the SQL lives with the reports: callscript/storage/report_tables.py)
# ---------------------------------------------------------------------------
V3 = Migration(3, report_sql.MIGRATION_DESCRIPTION, report_sql.MIGRATION_STATEMENTS)

# Version 4: the report sums rolled up per day and industry, per day and agent
V4 = Migration(4, report_sql.ROLLUP_MIGRATION_DESCRIPTION, report_sql.ROLLUP_MIGRATION_STATEMENTS)

# ---------------------------------------------------------------------------
# Version 5: the contact's department (the opening asks 「请问XX部的XXX先生/小姐在吗?」)
# and the facts a call started knowing from the lead's earlier calls
# (docs/storage.md, "Carried facts": on the call row, written with it)
# ---------------------------------------------------------------------------
V5 = Migration(
    5,
    "leads.department; calls.carried (facts carried from earlier calls)",
    (
        "ALTER TABLE leads ADD COLUMN department TEXT",
        "ALTER TABLE calls ADD COLUMN carried TEXT",
    ),
)

# ---------------------------------------------------------------------------
# Version 6: calls marked development / maintenance and in a follow-up slot (set by start_call
# from the life cycle); the report tables rebuilt to count development and maintenance apart
# ---------------------------------------------------------------------------
V6 = Migration(6, report_sql.KIND_MIGRATION_DESCRIPTION, report_sql.KIND_MIGRATION_STATEMENTS)

# ---------------------------------------------------------------------------
# Version 7: app sessions. Every running app (one
# agent's window or terminal) is a row; a claim records the session that holds it, so the
# same agent logged into two apps never gets the same lead twice (docs/storage.md).
# Kept small on purpose: presence (heartbeats, the floor board) builds on it later.
# ---------------------------------------------------------------------------
V7 = Migration(
    7,
    "app sessions; claims belong to one running app",
    (
        """
        CREATE TABLE app_sessions (
            id           INTEGER PRIMARY KEY,
            agent_id     INTEGER NOT NULL REFERENCES agents(id),
            host         TEXT NOT NULL,
            pid          INTEGER NOT NULL,
            started_at   TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at     TEXT
        )
        """,
        "CREATE INDEX app_sessions_open ON app_sessions (agent_id) WHERE ended_at IS NULL",
        "ALTER TABLE leads ADD COLUMN claim_session_id INTEGER REFERENCES app_sessions(id)",
    ),
)

# ---------------------------------------------------------------------------
# Version 8: accounts (login, role, lockout) and the append-only audit log
# (docs/deploy.md, "Accounts"; the SQL is used by callscript/storage/accounts.py and audit.py)
# ---------------------------------------------------------------------------
V8 = Migration(
    8,
    "accounts and the audit log",
    (
        # One row per person who logs in. ``password_hash`` is an argon2id PHC string
        # (callscript/accounts/passwords.py), never the password. ``agent_id`` links an
        # account to the agents row its calls are made as (same name).
        """
        CREATE TABLE accounts (
            id                  INTEGER PRIMARY KEY,
            name                TEXT NOT NULL UNIQUE,
            role                TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
            password_hash       TEXT NOT NULL,
            agent_id            INTEGER REFERENCES agents(id),
            failed_logins       INTEGER NOT NULL DEFAULT 0,
            locked_until        TEXT,
            disabled_at         TEXT,
            password_changed_at TEXT NOT NULL,
            created_at          TEXT NOT NULL,
            updated_at          TEXT NOT NULL
        )
        """,
        # Append-only: who (the account name, or 'system'), did what, to what, when, from where.
        """
        CREATE TABLE audit_log (
            id         INTEGER PRIMARY KEY,
            at         TEXT NOT NULL,
            action     TEXT NOT NULL,
            actor      TEXT NOT NULL,
            account_id INTEGER REFERENCES accounts(id),
            origin     TEXT NOT NULL,
            target     TEXT,
            detail     TEXT
        )
        """,
        "CREATE INDEX audit_log_at ON audit_log (at)",
        """
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """,
        """
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """,
    ),
)


# ---------------------------------------------------------------------------
# Version 9: script analytics — the funnel by node, script versions, market answers — kept by
# triggers (callscript/storage/analytics_tables.py)
# ---------------------------------------------------------------------------
V9 = Migration(
    9, analytics_sql.MIGRATION_DESCRIPTION, analytics_sql.MIGRATION_STATEMENTS, analytics_fill.finish_migration
)

# ---------------------------------------------------------------------------
# Version 10: presence and the floor (docs/floor.md). Every running app says which state it is
# in (就绪 / 通话中 / 整理中 / 暂停 / 锁定) on its session row, with the call and node, and a
# heartbeat (last_seen_at) every few seconds; a change of state closes one interval of
# presence_log and opens the next (the day's talk, wrap-up and pause times). The supervisor's
# thresholds and pause maxima are floor_settings. SQL in callscript/storage/presence.py and floor.py.
# ---------------------------------------------------------------------------
V10 = Migration(
    10,
    "presence (state, call, node, heartbeat) and its log; the floor's settings",
    (
        "ALTER TABLE app_sessions ADD COLUMN state TEXT",
        "ALTER TABLE app_sessions ADD COLUMN pause_reason TEXT",
        # no REFERENCES: a call opened by mistake is deleted (discard_call) while a session points at it
        "ALTER TABLE app_sessions ADD COLUMN call_id INTEGER",
        "ALTER TABLE app_sessions ADD COLUMN node TEXT",
        "ALTER TABLE app_sessions ADD COLUMN node_title TEXT",
        "ALTER TABLE app_sessions ADD COLUMN state_since TEXT",
        "ALTER TABLE app_sessions ADD COLUMN idle_since TEXT",
        # the board reads the sessions still open and those ended today (heartbeats never touch it)
        "CREATE INDEX app_sessions_ended ON app_sessions (ended_at)",
        """
        CREATE TABLE presence_log (
            id           INTEGER PRIMARY KEY,
            session_id   INTEGER NOT NULL REFERENCES app_sessions(id),
            agent_id     INTEGER NOT NULL REFERENCES agents(id),
            state        TEXT NOT NULL,
            pause_reason TEXT,
            call_id      INTEGER,
            started_at   TEXT NOT NULL,
            ended_at     TEXT
        )
        """,
        "CREATE INDEX presence_log_open ON presence_log (session_id) WHERE ended_at IS NULL",
        "CREATE INDEX presence_log_agent ON presence_log (agent_id, started_at)",
        "CREATE INDEX presence_log_started ON presence_log (started_at)",
        *floor_sql.STATEMENTS,  # calls per (day, agent, hour), kept by triggers: the board's spark lines and totals
        """
        CREATE TABLE floor_settings (
            key        TEXT PRIMARY KEY,
            value      TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )
        """,
    ),
)

MIGRATIONS: tuple[Migration, ...] = (V1, V2, V3, V4, V5, V6, V7, V8, V9, V10)
SCHEMA_VERSION = MIGRATIONS[-1].version

GRADE_RANKS: dict[str, int] = {"好": 1, "一般": 2, "勉强": 3}
"""The BRIEF's grades, best first; the views count these three."""


def _sql_list(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))


def _grade_rank_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in GRADE_RANKS.items())
    return f"CASE {column} {whens} END"


def _grade_name_sql(rank_expr: str) -> str:
    whens = " ".join(f"WHEN {rank} THEN '{name}'" for name, rank in GRADE_RANKS.items())
    return f"CASE {rank_expr} {whens} END"


_NOT_EFFECTIVE = _sql_list(o.value for o in NOT_EFFECTIVE)


def _rate(numerator: str, denominator: str = "leads_called") -> str:
    return f"ROUND(CAST({numerator} AS REAL) / NULLIF({denominator}, 0), 4)"


_DAILY_COLUMNS = f"""
    SUM(r.leads)       AS leads_called,
    SUM(r.effective)   AS effective,
    SUM(r.mailed)      AS mailed,
    SUM(r.good)        AS good,
    SUM(r.fair)        AS fair,
    SUM(r.marginal)    AS marginal,
    {_rate("SUM(r.mailed)", "SUM(r.leads)")}    AS mail_rate,
    {_rate("SUM(r.effective)", "SUM(r.leads)")} AS effective_rate,
    {_rate("SUM(r.good)", "SUM(r.leads)")}      AS good_rate,
    SUM(r.calls)       AS calls,
    SUM(r.talk_seconds) AS talk_seconds,
    ROUND(CAST(SUM(r.talk_seconds) AS REAL) / NULLIF(SUM(r.calls), 0), 1) AS avg_call_seconds,
    SUM(r.callbacks_made) AS callbacks_made
"""

VIEWS: dict[str, str] = {
    # One row per call, with names instead of ids and the facts reports filter on.
    "call_summary": f"""
        SELECT c.id AS call_id,
               substr(c.started_at, 1, 10) AS day,
               c.started_at, c.ended_at,
               c.agent_id, a.name AS agent,
               c.lead_id, l.company, l.contact, l.phone, l.industry, l.source,
               s.name AS script, s.sha256 AS script_sha256,
               c.outcome,
               CASE WHEN c.outcome IS NULL THEN NULL
                    WHEN c.outcome IN ({_NOT_EFFECTIVE}) THEN 0 ELSE 1 END AS effective,
               c.grade, {_grade_rank_sql("c.grade")} AS grade_rank,
               c.grade_rule, c.qualified,
               json_extract(c.facts, '$.travel') AS travel,
               json_extract(c.facts, '$.hosts_clients') AS hosts_clients,
               json_extract(c.facts, '$.books_self') AS books_self,
               json_extract(c.facts, '$.booking_method') AS booking_method,
               json_extract(c.facts, '$.hotel_star') AS hotel_star,
               json_extract(c.facts, '$.accepts') AS accepts,
               c.callback_due, c.recovered, c.facts,
               c.kind, c.follow_up_slot,
               CAST(EXISTS (SELECT 1 FROM mailings m WHERE m.call_id = c.id) AS INTEGER) AS mailed
        FROM calls c
        JOIN agents a ON a.id = c.agent_id
        JOIN leads l ON l.id = c.lead_id
        JOIN scripts s ON s.id = c.script_id
    """,
    # 数据情况日分析表, lead level (docs/reports.md): one row per day and lead with a
    # development call that day. The lead counts once, for the agent of its last development
    # call of the day: effective if any development call was, mailed if any recorded a
    # mailing, graded by the last effective development call with a grade. Computed from
    # the calls; the report tables below must always agree with it.
    "daily_lead_outcomes": f"""
        SELECT day, agent_id, agent, lead_id, company, industry, calls, effective, mailed, grade_rank,
               {_grade_name_sql("grade_rank")} AS grade, COALESCE(qualified, 0) AS qualified,
               outcome AS last_outcome
        FROM (
            SELECT day, agent_id, agent, lead_id, company, industry, qualified, outcome,
                   ROW_NUMBER() OVER newest_first AS rn,
                   COUNT(*) OVER whole_day AS calls,
                   MAX(effective) OVER whole_day AS effective,
                   MAX(mailed) OVER whole_day AS mailed,
                   FIRST_VALUE(CASE WHEN effective = 1 THEN grade_rank END) OVER (
                       PARTITION BY day, lead_id
                       ORDER BY (effective = 1 AND grade IS NOT NULL) DESC, started_at DESC, call_id DESC
                   ) AS grade_rank
            FROM call_summary WHERE ended_at IS NOT NULL AND kind = 'development'
            WINDOW newest_first AS (PARTITION BY day, lead_id ORDER BY started_at DESC, call_id DESC),
                   whole_day AS (PARTITION BY day, lead_id)
        ) AS numbered
        WHERE rn = 1
    """,
    # 数据情况日分析表 per day, agent and industry, from the trigger-kept report table
    # (development calls only: a row with maintenance calls alone is left out).
    # leads_called counts the leads whose last development call of the day was this
    # agent's; calls/talk_seconds/callbacks_made count the agent's own development calls.
    # Rates are NULL when leads_called is 0.
    "daily_agent_industry": f"""
        SELECT r.day, r.agent_id, a.name AS agent, NULLIF(r.industry, '') AS industry, {_DAILY_COLUMNS}
        FROM report_daily r JOIN agents a ON a.id = r.agent_id
        GROUP BY r.day, r.agent_id, a.name, r.industry HAVING SUM(r.calls) > 0
    """,
    # Per day and agent (all industries).
    "daily_agent": f"""
        SELECT r.day, r.agent_id, a.name AS agent, {_DAILY_COLUMNS}
        FROM report_day_agent r JOIN agents a ON a.id = r.agent_id
        GROUP BY r.day, r.agent_id, a.name HAVING SUM(r.calls) > 0
    """,
    # Per day and industry (all agents).
    "daily_industry": f"""
        SELECT r.day, NULLIF(r.industry, '') AS industry, {_DAILY_COLUMNS}
        FROM report_day_industry r
        GROUP BY r.day, r.industry HAVING SUM(r.calls) > 0
    """,
    # 客户维护日表 per day and agent (the follow-ups done and the maintenance calls; the
    # follow-ups due come from mailings, see callscript/reports/queries.py).
    "daily_maintenance_agent": """
        SELECT r.day, r.agent_id, a.name AS agent, r.m_calls AS maintenance_calls, r.m_reached AS reached,
               r.m_done AS follow_ups_done, r.m_done_in_window AS done_in_window,
               r.m_done_in_slot AS done_in_slot, r.m_materials_received AS materials_received,
               r.m_booked AS booked_on_call,
               ROUND(CAST(r.m_talk_seconds AS REAL) / NULLIF(r.m_calls, 0), 1) AS avg_call_seconds
        FROM report_day_agent r JOIN agents a ON a.id = r.agent_id
        WHERE r.m_calls > 0 OR r.m_done > 0
    """,
    "open_callbacks": """
        SELECT cb.id AS callback_id, cb.due_at, cb.reason, cb.agent_id, a.name AS agent,
               cb.lead_id, l.company, l.contact, l.phone, l.industry, cb.call_id, cb.created_at
        FROM callbacks cb
        JOIN agents a ON a.id = cb.agent_id
        JOIN leads l ON l.id = cb.lead_id
        WHERE cb.done_at IS NULL
    """,
    "pending_follow_ups": """
        SELECT m.id AS mailing_id, m.follow_up_from, m.follow_up_by, m.mailed_on, m.address,
               m.agent_id, a.name AS agent, m.lead_id, l.company, l.contact, l.phone, l.industry,
               m.call_id, c.grade
        FROM mailings m
        JOIN agents a ON a.id = m.agent_id
        JOIN leads l ON l.id = m.lead_id
        JOIN calls c ON c.id = m.call_id
        WHERE m.follow_up_done_at IS NULL
    """,
    "unfinished_calls": """
        SELECT c.id AS call_id, c.agent_id, a.name AS agent, c.lead_id, l.company, c.started_at,
               (SELECT MAX(e.at) FROM call_events e WHERE e.call_id = c.id) AS last_event_at,
               (SELECT COUNT(*) FROM call_events e WHERE e.call_id = c.id) AS events
        FROM calls c
        JOIN agents a ON a.id = c.agent_id
        JOIN leads l ON l.id = c.lead_id
        WHERE c.ended_at IS NULL
    """,
}


def _view_sql(name: str, body: str) -> str:
    return f"CREATE VIEW {name} AS {body.strip()}"


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    for statement in migration.statements:
        if callable(statement):
            statement(conn)
        else:
            conn.execute(statement)
    if migration.fill is not None:
        migration.fill(conn)
    conn.execute(f"PRAGMA user_version = {migration.version}")


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION, views: bool = True) -> list[int]:
    """Bring the file up to ``target``; return the versions applied (empty if none).

    ``target`` below the latest exists for tests that need an older file.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StorageError(
            f"this database has schema version {current}, newer than this callscript knows "
            f"({SCHEMA_VERSION}); upgrade callscript",
            code=ErrorCode.SCHEMA_TOO_NEW,
        )
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version > target or migration.version <= current:
            continue

        def step(migration: Migration = migration) -> bool:
            with immediate(conn):
                version = schema_version(conn)
                if version >= migration.version:  # another process got there first
                    return False
                if version == 0:
                    refuse_foreign_file(conn)
                _drop_app_views(conn)  # views may read tables this step changes
                _apply(conn, migration)
                return True

        if retry_locked(step):
            applied.append(migration.version)
    if views and target == SCHEMA_VERSION:
        sync_views(conn)
    return applied


def _drop_app_views(conn: sqlite3.Connection) -> None:
    for name in VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS {name}")


def _views_current(conn: sqlite3.Connection) -> bool:
    stored = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
    return all(stored.get(name) == _view_sql(name, body) for name, body in VIEWS.items())


def sync_views(conn: sqlite3.Connection) -> bool:
    """(Re)create the app's views if any is missing or differs from the code. True if changed."""
    if _views_current(conn):
        return False

    def rebuild() -> bool:
        with immediate(conn):
            if _views_current(conn):
                return False
            _drop_app_views(conn)
            for name, body in VIEWS.items():  # dict order: dependencies first
                conn.execute(_view_sql(name, body))
            return True

    return retry_locked(rebuild)
