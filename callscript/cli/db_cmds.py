"""``callscript db``: create/migrate the database, check it, see and close stale calls.

Thin layer over :mod:`callscript.storage`. Exit codes: 0 fine, 1 ``check`` found
errors, 2 the database (or a value) cannot be used.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click

from callscript.cli.common import DB_LOCATION, EXIT_FAIL, BadInput, database_trouble_is_bad_input, db_option, open_store
from callscript.cli.params import HOURS, ROW_ID, MomentParam
from callscript.storage import StorageError


@click.group("db")
def db() -> None:
    """The SQLite database: init (create/migrate), check, backup and restore, stale calls."""


@db.command("path")
@db_option
def path_cmd(db_path: Path) -> None:
    """Print the database path in use (--db, else $CALLSCRIPT_DB, else data/callscript.db); a
    PostgreSQL URL with its password as ***."""
    click.echo(_shown(db_path))


@db.command("init")
@db_option
def init_cmd(db_path: Path) -> None:
    """Create the database (mode 0600, WAL) or migrate it to this release's schema."""
    existed = db_path.exists()
    with open_store(db_path, create=True, migrate=False) as store:  # checked (quick_check) before migrating
        before = store.schema_version
        if store.is_postgres:  # the database itself is made by its administrator: "created" means the tables
            existed = before > 0
        try:
            applied = store.migrate()
        except StorageError as exc:
            raise BadInput(str(exc)) from None
        version = store.schema_version
    if not existed:
        click.echo(f"{db_path}: created, schema version {version}")
    elif applied:
        click.echo(f"{db_path}: migrated from schema version {before} to {version}")
    else:
        click.echo(f"{db_path}: schema version {version}, up to date")


@db.command("check")
@db_option
@click.option(
    "--stale-hours",
    type=HOURS,
    default=2.0,
    show_default=True,
    help="Warn about unfinished calls idle for longer than this.",
)
@click.option(
    "--quick", is_flag=True, help="PRAGMA quick_check instead of the full integrity_check (much faster on a big file)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--derived",
    is_flag=True,
    help="Also recompute the report and analytics tables from the calls and compare (minutes on a big file).",
)
def check_cmd(db_path: Path, stale_hours: float, quick: bool, as_json: bool, derived: bool) -> None:
    """PRAGMA integrity_check plus the app's own checks. Exit 1 if anything is wrong.

    Checks: every finished call has a valid outcome, every event belongs to a call,
    event logs have no gaps, leads locked to calls agree with the calls, callback and
    mailed calls have their callback/mailing, foreign keys. Warnings: unfinished
    calls idle for longer than --stale-hours, a file readable by others. With
    --derived: the report and analytics tables equal a fresh computation from the calls.

    A damaged file is reported (SQLite's findings and what to do), exit 1; a file that
    is not a callscript database at all is an error, exit 2.
    """
    from callscript.storage import CheckReport, DatabaseProblem, ErrorCode, Store

    try:
        store = Store.open(db_path, create=False, migrate=False)
    except DatabaseProblem as exc:
        if exc.code != ErrorCode.DATABASE_DAMAGED:
            raise BadInput(str(exc)) from None
        report = CheckReport(path=str(db_path), damaged=True, errors=[f"cannot even open it: {exc.detail}"])
    except StorageError as exc:
        raise BadInput(str(exc)) from None
    else:
        with store:
            report = store.check(stale_after=timedelta(hours=stale_hours), quick=quick)
            if derived and report.ok:
                from callscript.reports.rebuild import differences

                found = differences(store.conn)
                report.errors.extend(f"derived table differs from the calls: {line}" for line in found)
                if found:
                    report.errors.append("run `callscript report rebuild` to recompute the derived tables")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "path": report.path,
                    "ok": report.ok,
                    "damaged": report.damaged,
                    "schema_version": report.schema_version,
                    "errors": report.errors,
                    "warnings": report.warnings,
                    "counts": report.counts,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for line in report.errors:
            click.echo(f"error: {line}")
        for line in report.warnings:
            click.echo(f"warning: {line}")
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        if report.damaged:
            click.echo(f"{report.path}: DAMAGED")
        else:
            status = "ok" if report.ok else f"{len(report.errors)} error(s)"
            click.echo(
                f"{report.path}: {status}; schema version {report.schema_version}" + (f"; {counts}" if counts else "")
            )
    if not report.ok:
        sys.exit(EXIT_FAIL)


@db.command("stale")
@db_option
@click.option("--hours", type=HOURS, default=2.0, show_default=True, help="Idle for longer than this.")
def stale_cmd(db_path: Path, hours: float) -> None:
    """List unfinished calls idle for longer than --hours (resume them in the app, or close them)."""
    with open_store(db_path) as store:
        calls = store.stale_unfinished_calls(timedelta(hours=hours))
    if not calls:
        click.echo("no stale unfinished calls")
        return
    for c in calls:
        click.echo(
            f"call {c.call_id}\t{c.agent}\t{c.company}\tstarted {c.started_at:%Y-%m-%d %H:%M}"
            f"\tlast activity {c.last_activity:%Y-%m-%d %H:%M}\t{c.events} event(s)"
        )


@db.command("close-call")
@db_option
@click.argument("call_id", type=ROW_ID)
@click.option(
    "--outcome",
    required=True,
    help="One of the outcomes (invalid_number, no_answer, busy, callback, refused, not_qualified, mailed, member_care).",
)
@click.option(
    "--due",
    "due",
    type=MomentParam(business_hours=True),
    default=None,
    help="For callback: when, e.g. '2025-03-04 15:00' or 明天 10:00 (inside business hours).",
)
@click.option("--address", default=None, help="For mailed: the address as read back (else the call's address fact).")
@click.option("--note", default=None, help="Why it was closed this way (kept in the call's log).")
def close_call_cmd(
    db_path: Path, call_id: int, outcome: str, due: datetime | None, address: str | None, note: str | None
) -> None:
    """Close an unfinished call with an outcome; its facts and grade come from replaying its answers.

    Refused while the call's agent is still in it (their app reported it in the last seconds);
    written to the audit log (``call_closed``), as closing it from the floor board is."""
    from callscript.core.outcomes import OUTCOME_VALUES
    from callscript.storage import CallFinished, ErrorCode, NotFound, StorageError

    if outcome not in OUTCOME_VALUES:
        raise BadInput(f"outcome is one of {', '.join(OUTCOME_VALUES)}, not {outcome!r}")
    due_at = due
    with open_store(db_path) as store:
        try:
            record = store.close_call_as(call_id, outcome, callback_due=due_at, address=address, note=note)
        except (NotFound, CallFinished, ValueError) as exc:
            raise BadInput(str(exc)) from None
        except StorageError as exc:
            if exc.code != ErrorCode.CALL_IN_PROGRESS:
                raise
            raise BadInput(f"{exc} (the agent's app shows it: ask them to finish it)") from None
    grade = f", grade {record.grade}" if record.grade else ""
    click.echo(f"call {record.id} closed: {record.outcome}{grade}")


@db.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace DEST if it exists (never the database in use).")
@db_option
def backup_cmd(db_path: Path, dest: Path, force: bool) -> None:
    """Copy the database to DEST while agents keep working (SQLite's online backup).

    DEST is one self-contained file, created 0600, written whole or not at all, never over
    an existing file without --force, never over the database. It is checked (quick_check)
    before this says it is done. Restore it with `callscript db restore DEST`.
    """
    from callscript.cli.common import plan_output_or_exit
    from callscript.files.output import OutputError, build_output

    target = plan_output_or_exit(dest, force=force, db_path=db_path)
    if not db_path.exists():
        raise BadInput(f"no database at {db_path}")
    with open_store(db_path, migrate=False) as store:
        copied: list = []
        try:
            build_output(target, lambda tmp: copied.append(store.backup_to(tmp)))
        except OutputError as exc:
            raise BadInput(str(exc)) from None
    info = copied[0]
    sizes = ", ".join(f"{k} {v}" for k, v in info.counts.items())
    click.echo(f"backed up {db_path} to {dest} (schema version {info.schema_version}; {sizes}); checked: ok")


@db.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Restore even while calls are unfinished or other apps have the database open."
)
@db_option
def restore_cmd(db_path: Path, source: Path, force: bool) -> None:
    """Replace the database's content with the backup SOURCE.

    SOURCE is checked first (a callscript database, not damaged, a known schema version);
    the restore is refused while calls are unfinished or agents' apps are open, unless
    --force. The file as it was is kept beside it as NAME.before-restore-<time>.
    """
    if not db_path.exists():
        raise BadInput(f"no database at {db_path} (to start from a backup, copy it there)")
    with open_store(db_path, migrate=False, check=False) as store:  # a damaged file is what restore is for
        result = store.restore_from(source, force=force)
    click.echo(
        f"restored {source} (schema version {result.source.schema_version}, "
        f"{result.source.counts.get('calls', 0)} calls, {result.source.counts.get('leads', 0)} leads) "
        f"into {db_path} (now schema version {result.schema_version})"
    )
    click.echo(f"the database as it was is kept as {result.kept_as}")


@db.command("copy")
@click.argument("source", type=DB_LOCATION)
@click.argument("dest", type=DB_LOCATION)
def copy_cmd(source: Path, dest: Path) -> None:
    """Copy the whole database SOURCE into DEST: SQLite → PostgreSQL, or back (a file or a
    postgresql:// URL each).

    DEST must be new or empty (a PostgreSQL database is created by its administrator first;
    a file is created). Every row is copied, ids kept, in one transaction on DEST; then the
    copy is verified: rows per table, and the daily table of every day, the same on both
    sides. Run it while nobody writes to SOURCE (it reads one consistent snapshot anyway).
    """
    from callscript.config import resolve_db_path
    from callscript.reports.compare import daily_differences
    from callscript.storage import Store
    from callscript.storage.copy import copy_database

    source, dest = resolve_db_path(source), resolve_db_path(dest)
    if str(source) == str(dest):
        raise BadInput("SOURCE and DEST are the same database")
    with database_trouble_is_bad_input(source):
        if not source.exists():
            raise BadInput(f"no database at {source}")
        with Store.open(source, create=False) as src, Store.open(dest, synchronous="OFF") as out:
            result = copy_database(src.conn, out.conn, progress=lambda table, n: click.echo(f"  {table}: {n} rows"))
            problems = [
                f"{table}: {result.source_counts[table]} rows in SOURCE, {result.dest_counts.get(table)} in DEST"
                for table in result.mismatched
            ]
            problems += daily_differences(src.conn, out.conn)
            days = len(_days(src.conn))
    if problems:
        click.echo("the copy differs from its source:", err=True)
        for line in problems:
            click.echo(f"  {line}", err=True)
        sys.exit(EXIT_FAIL)
    total = sum(result.source_counts.values())
    click.echo(
        f"copied {_shown(source)} to {_shown(dest)}: {total} rows in {len(result.source_counts)} tables; "
        f"verified: rows per table, and the daily table of {days} days, the same on both sides"
    )


def _days(conn: object) -> list:
    from callscript.reports.compare import report_days

    return report_days(conn)


def _shown(location: Path) -> str:
    from callscript.config import DatabaseUrl

    return location.redacted if isinstance(location, DatabaseUrl) else str(location)


def register(cli: click.Group) -> None:
    cli.add_command(db)
