"""The schema on PostgreSQL: the same migrations, versioned, applied under an advisory lock.

:data:`callscript.storage.schema.MIGRATIONS` is the one list of steps. On PostgreSQL each
step's SQL goes through :func:`translate` — a mechanical rewrite of SQLite's DDL:

* ``id INTEGER PRIMARY KEY`` → an identity column (ids stay integers);
* every ``TEXT`` column is ``COLLATE "C"``: text compares byte by byte as in SQLite, so ISO
  times order and compare as text the same way, and names sort the same;
* ``WITHOUT ROWID`` goes; a ``REFERENCES`` to a table created later in the same step (SQLite
  allows it) becomes an ``ALTER TABLE … ADD FOREIGN KEY`` after the step;
* SQLite's triggers, and the backfills that fill derived tables from rows already there,
  are left out: a PostgreSQL database starts empty at this release (``db copy`` fills one),
  and its triggers are PL/pgSQL (:mod:`callscript.storage.pg_triggers`), installed by the
  step that made SQLite's.

``schema_version`` (one row) holds the version instead of ``PRAGMA user_version``. Every
step is one transaction (DDL is transactional in PostgreSQL too), and :func:`migrate` holds a
session advisory lock throughout, so two apps starting together never race: the second
waits, then finds the work done.

A few SQLite functions the shared SQL uses are created here as small SQL functions
(:data:`COMPAT_FUNCTIONS`: ``unixepoch``, ``json_valid``, ``json_extract``, ``round``,
``group_concat``, ``ifnull``) so
the text stays one; an ordinary owner role can create them (no extension, no superuser).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from callscript.storage import analytics_tables as analytics_sql
from callscript.storage import pg_triggers
from callscript.storage import report_tables as report_sql
from callscript.storage.errors import DatabaseProblem, ErrorCode, StorageError

ADVISORY_LOCK = "SELECT pg_advisory_lock(hashtext('callscript schema'))"
ADVISORY_UNLOCK = "SELECT pg_advisory_unlock(hashtext('callscript schema'))"

COMPAT_FUNCTIONS: tuple[str, ...] = (
    # SQLite's unixepoch(): seconds since 1970 of an ISO time (no offset: UTC); not a time: NULL.
    r"""
    CREATE OR REPLACE FUNCTION unixepoch(stamp text) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN stamp ~ '^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$'
                    THEN floor(extract(epoch FROM (CASE WHEN stamp ~ '(Z|[+-]\d\d:?\d\d)$' THEN stamp
                                                        ELSE stamp || '+00:00' END)::timestamptz))::bigint
               END
    $$
    """,
    # SQLite's json_valid(): NULL for NULL, else whether the text is JSON.
    """
    CREATE OR REPLACE FUNCTION json_valid(doc text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    BEGIN
        IF doc IS NULL THEN RETURN NULL; END IF;
        PERFORM doc::jsonb;
        RETURN true;
    EXCEPTION WHEN others THEN
        RETURN false;
    END
    $$
    """,
    # SQLite's json_extract() for the paths the app uses ('$.name', '$[i]'), as text: a string
    # is its value, true/false are '1'/'0' (SQLite gives 1/0), a number its text, null NULL.
    """
    CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
        found jsonb;
    BEGIN
        IF doc IS NULL OR path IS NULL THEN RETURN NULL; END IF;
        found := jsonb_path_query_first(doc::jsonb, path::jsonpath);
        RETURN CASE jsonb_typeof(found)
            WHEN 'string' THEN found #>> '{}'
            WHEN 'boolean' THEN CASE WHEN found = 'true'::jsonb THEN '1' ELSE '0' END
            WHEN 'null' THEN NULL
            ELSE found::text END;
    END
    $$
    """,
    # ROUND(x, digits) on a double (SQLite's REAL), as SQLite rounds it; PostgreSQL only rounds numerics to digits.
    """
    CREATE OR REPLACE FUNCTION round(value double precision, digits integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round(value::numeric, digits)::double precision $$
    """,
    # SQLite's group_concat(value, separator): the values joined in the order they come.
    """
    CREATE OR REPLACE FUNCTION group_concat_step(joined text, value text, separator text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN value IS NULL THEN joined WHEN joined IS NULL THEN value ELSE joined || separator || value END
    $$
    """,
    "CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text)",
    """
    CREATE OR REPLACE FUNCTION ifnull(value anyelement, fallback anyelement) RETURNS anyelement
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT COALESCE(value, fallback) $$
    """,
)

SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


# --------------------------------------------------------------------------- translating SQLite's DDL

_SQLITE_ONLY: frozenset[str] = frozenset(
    (
        *report_sql.BACKFILL,
        *report_sql.ROLLUP_BACKFILL,
        *report_sql.BACKFILL_V6,
    )
)
"""Statements that fill derived tables from the rows already there: a PostgreSQL database is
empty when it reaches their step (and their boolean arithmetic is SQLite's)."""

_REFERENCE = re.compile(r"^(\s*)(\w+)(\s+INTEGER)([^,\n]*?)\s+REFERENCES\s+(\w+)\s*\(\s*id\s*\)", re.MULTILINE)


def translate(statement: str, created: set[str]) -> tuple[str | None, list[str]]:
    """One SQLite migration statement as PostgreSQL's (None: not run there), and the
    statements to run after the step (foreign keys to tables the step creates later).
    ``created`` is the tables created so far (updated)."""
    text = statement.strip()
    head = text[:40].upper()
    if statement in _SQLITE_ONLY or head.startswith(("CREATE TRIGGER", "DROP TRIGGER")):
        return None, []
    after: list[str] = []
    if head.startswith("CREATE TABLE"):
        table = re.match(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", text, re.IGNORECASE)
        name = table.group(1) if table else ""

        def reference(match: re.Match[str]) -> str:
            indent, column, kind, rest, target = match.groups()
            if target in created or target == name:
                return match.group(0)
            after.append(f"ALTER TABLE {name} ADD FOREIGN KEY ({column}) REFERENCES {target}(id)")
            return f"{indent}{column}{kind}{rest}"

        text = _REFERENCE.sub(reference, text)
        text = re.sub(
            r"\bid(\s+)INTEGER PRIMARY KEY\b", r"id\1INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text
        )
        text = re.sub(r"\)\s*WITHOUT ROWID\s*$", ")", text)
        text = _collate_text(text)
        created.add(name)
    elif re.match(r"ALTER TABLE \w+ ADD COLUMN", text, re.IGNORECASE):
        text = _collate_text(text)
    return text, after


def _collate_text(ddl: str) -> str:
    return re.sub(r"\bTEXT\b(?! COLLATE)", 'TEXT COLLATE "C"', ddl)


def view_sql(name: str, body: str) -> str:
    """A view of :data:`callscript.storage.schema.VIEWS` for PostgreSQL (its ratios in double precision)."""
    return f"CREATE VIEW {name} AS {body.strip().replace(' AS REAL)', ' AS DOUBLE PRECISION)')}"


# --------------------------------------------------------------------------- the steps PostgreSQL adds

PG_STEPS: dict[int, tuple[str, ...]] = {
    6: pg_triggers.REPORT_TRIGGERS,
    8: pg_triggers.AUDIT_TRIGGERS,
    9: pg_triggers.ANALYTICS_TRIGGERS,
    10: pg_triggers.FLOOR_TRIGGERS,
}
"""PL/pgSQL triggers installed by the step whose SQLite triggers they stand for (the
superseded triggers of steps 3 and 4 were never made on PostgreSQL)."""


# --------------------------------------------------------------------------- migrating


def schema_version(conn: Any) -> int:
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    found = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(found[0] or 0)


def _refuse_foreign_database(conn: Any) -> None:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'schema_version' ORDER BY tablename LIMIT 5"
        )
    ]
    if names:
        raise DatabaseProblem(
            f"this PostgreSQL database is not a callscript database (it has {', '.join(names)})",
            code=ErrorCode.NOT_A_DATABASE,
        )


def migrate(conn: Any, *, target: int | None = None, views: bool = True) -> list[int]:
    """Bring the database up to ``target`` (default: the latest); the versions applied."""
    from callscript.storage import schema

    target = schema.SCHEMA_VERSION if target is None else target
    conn.execute(ADVISORY_LOCK)
    try:
        current = schema_version(conn)
        if current > schema.SCHEMA_VERSION:
            raise StorageError(
                f"this database has schema version {current}, newer than this callscript knows "
                f"({schema.SCHEMA_VERSION}); upgrade callscript",
                code=ErrorCode.SCHEMA_TOO_NEW,
            )
        applied: list[int] = []
        created = set(_table_names(conn))
        for migration in schema.MIGRATIONS:
            if migration.version > target or migration.version <= current:
                continue
            conn.execute("BEGIN")
            try:
                if current == 0 and not applied:
                    _refuse_foreign_database(conn)
                    conn.execute(SCHEMA_VERSION_TABLE)
                    for function in COMPAT_FUNCTIONS:
                        conn.execute(function)
                _drop_views(conn)
                _apply(conn, migration.statements, created)
                for statement in PG_STEPS.get(migration.version, ()):
                    conn.execute(statement)
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            applied.append(migration.version)
        if views and target == schema.SCHEMA_VERSION:
            sync_views(conn)
        return applied
    finally:
        if not conn.raw.closed and not conn.raw.broken:
            conn.execute(ADVISORY_UNLOCK)


def _apply(conn: Any, statements: tuple[str | Callable[[Any], None], ...], created: set[str]) -> None:
    after: list[str] = []
    for statement in statements:
        if callable(statement):
            statement(conn)
            continue
        text, later = translate(statement, created)
        after.extend(later)
        if text is not None:
            conn.execute(text)
    for statement in after:
        conn.execute(statement)


def _table_names(conn: Any) -> list[str]:
    return [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]


def _drop_views(conn: Any) -> None:
    from callscript.storage.schema import VIEWS

    for name in reversed(list(VIEWS)):
        conn.execute(f"DROP VIEW IF EXISTS {name}")


def _views_current(conn: Any) -> bool:
    from callscript.storage.schema import VIEWS

    stored = {
        name: comment
        for name, comment in conn.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
            "WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace"
        )
    }
    return all(stored.get(name) == _fingerprint(name, body) for name, body in VIEWS.items())


def _fingerprint(name: str, body: str) -> str:
    import hashlib

    return "callscript " + hashlib.sha256(view_sql(name, body).encode()).hexdigest()[:16]


def sync_views(conn: Any) -> bool:
    """(Re)create the app's views if any is missing or differs from the code (a comment on each
    view holds a fingerprint of its SQL: PostgreSQL keeps a view's text rewritten). True if changed."""
    from callscript.storage.schema import VIEWS

    if _views_current(conn):
        return False
    conn.execute("BEGIN")
    try:
        _drop_views(conn)
        for name, body in VIEWS.items():
            conn.execute(view_sql(name, body))
            conn.execute(f"COMMENT ON VIEW {name} IS '{_fingerprint(name, body)}'")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


ANALYTICS_TABLE_NAMES = analytics_sql.ANALYTICS_TABLES


def reset_identities(conn: Any) -> None:
    """Move every identity column's sequence past the largest id in its table.

    Rows written with their ids given (``db copy``, a bulk load) do not advance an identity
    sequence as SQLite's ``INTEGER PRIMARY KEY`` would follow ``MAX(id)``: without this the
    next row the app adds would be given an id already taken."""
    identities = conn.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "WHERE c.table_schema = current_schema() AND c.is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"GREATEST((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )
