"""Shared CLI plumbing: the database option, loading a script with clean errors, exit codes."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from callscript.config import (
    BUSINESS_HOURS_ENV,
    DatabaseUrl,
    business_hours,
    default_script_path,
    is_database_url,
    resolve_db_path,
)
from callscript.core.when import BusinessHours, WhenError
from callscript.files.output import OutputError, OutputTarget, Writer, plan_output, write_output
from callscript.script.problems import ScriptError

if TYPE_CHECKING:
    from callscript.storage import Store

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(click.ClickException):
    """A user file or value we cannot use: message on stderr, exit 2, no traceback."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def configured_business_hours() -> BusinessHours:
    """The business hours the apps book callbacks in (``$CALLSCRIPT_BUSINESS_HOURS``), read
    once at start; a value that cannot be read stops the command (exit 2, the reason)."""
    try:
        return business_hours()
    except WhenError as exc:
        raise BadInput(f"{BUSINESS_HOURS_ENV}: {exc}") from None


class DatabaseLocation(click.ParamType):
    """``--db``: a SQLite file, or a ``postgresql://`` URL (kept whole: a ``Path`` would fold its ``//``)."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        if "\x00" in str(value):
            self.fail("a database location cannot contain a NUL character", param, ctx)
        if is_database_url(value):
            return DatabaseUrl(str(value))
        return click.Path(dir_okay=False, path_type=Path).convert(value, param, ctx)


DB_LOCATION = DatabaseLocation()


def db_option(fn: Callable) -> Callable:
    """``--db PATH`` on a subcommand; falls back to the top-level ``--db``, then $CALLSCRIPT_DB."""

    @click.option(
        "--db",
        "db_path",
        type=DB_LOCATION,
        default=None,
        help="SQLite file or postgresql:// URL (default: $CALLSCRIPT_DB or data/callscript.db)",
    )
    @click.pass_context
    @functools.wraps(fn)
    def wrapper(ctx: click.Context, *args: Any, db_path: Path | None = None, **kwargs: Any) -> Any:
        top = (ctx.find_root().obj or {}).get("db")
        resolved = resolve_db_path(db_path or top)
        kwargs["db_path"] = resolved
        with database_trouble_is_bad_input(resolved):
            return ctx.invoke(fn, *args, **kwargs)

    return wrapper


@contextlib.contextmanager
def database_trouble_is_bad_input(db_path: Path) -> Iterator[None]:
    """Whatever a command was doing, a database that cannot be used — not a database, damaged
    (noticed at open or in the middle of a query), a full disk, unwritable — ends it with
    ``error: …`` and exit 2, never a traceback. The words come from storage
    (:func:`callscript.storage.db.database_problem`), so every command says the same."""
    import sqlite3

    from callscript.core.cleantext import TextTooLong
    from callscript.storage import StorageError
    from callscript.storage.db import database_problem

    try:
        yield
    except (StorageError, TextTooLong) as exc:  # TextTooLong: a value typed on the command line
        raise BadInput(str(exc)) from None
    except BrokenPipeError:
        raise
    except (sqlite3.DatabaseError, OSError) as exc:
        problem = database_problem(exc, db_path) if isinstance(exc, sqlite3.DatabaseError) else None
        if problem is None:
            if isinstance(exc, OSError):
                raise BadInput(f"{getattr(exc, 'filename', None) or db_path}: {exc.strerror or exc}") from None
            raise
        raise BadInput(str(problem)) from None


def open_store(
    db_path: Path,
    *,
    create: bool = False,
    migrate: bool = True,
    check: bool = True,
    synchronous: str = "FULL",
) -> Store:
    """The one way a command opens the database: errors are ``error: …`` with exit 2.

    ``check``: run ``PRAGMA quick_check`` before anything is read or written (about 2 ms
    per MB of database), so a damaged file is said to be damaged — a report never prints
    normal totals from it and nothing is written into it — even when the command would
    not have read the damaged pages. Then the schema is brought up to date (``migrate``).
    """
    from callscript.storage import StorageError, Store

    try:
        store = Store.open(db_path, create=create, migrate=False, synchronous=synchronous)
    except StorageError as exc:
        raise BadInput(str(exc)) from None
    try:
        if check:
            store.ensure_sound()
        if migrate:
            store.migrate()
    except StorageError as exc:
        store.close()
        raise BadInput(str(exc)) from None
    except BaseException:
        store.close()
        raise
    return store


FORCE_HELP = "Replace the output file if it exists (never the database in use)."


def force_option(fn: Callable) -> Callable:
    """``--force``: every command that writes a file takes it (docs/leads.md, docs/reports.md)."""
    return click.option("--force", is_flag=True, help=FORCE_HELP)(fn)


def plan_output_or_exit(path: Path, *, force: bool, db_path: Path | None) -> OutputTarget:
    """Check an output path before any work (exists without --force, the database, the directory)."""
    try:
        return plan_output(path, force=force, protect=[db_path] if db_path is not None else [])
    except OutputError as exc:
        raise BadInput(str(exc)) from None


def write_output_or_exit(target: OutputTarget, data: bytes | Writer, *, committed: str | None = None) -> None:
    """Write a planned output file; on failure say what was written and what was not (``committed``)."""
    try:
        write_output(target, data)
    except OutputError as exc:
        if committed:
            raise BadInput(f"{committed}; not written: {exc}") from None
        raise BadInput(str(exc)) from None


def script_path_or_default(path: str | Path | None) -> Path:
    return Path(path) if path else default_script_path()


def load_script_or_exit(path: str | Path | None):
    """Load a valid script, or print every problem as file:line:col and exit 2."""
    from callscript.script.loader import load_script

    try:
        return load_script(script_path_or_default(path))
    except ScriptError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(EXIT_BAD_INPUT)


def read_data_file(path: Path) -> Any:
    """A JSON or YAML data file (answers, facts) as plain values, loaded safely."""
    import json

    from callscript.core.reading import MAX_SCRIPT_BYTES, FileTooBig, read_bounded
    from callscript.script.yaml_source import YamlSourceError, decode_source, parse_yaml, to_python

    try:
        data = read_bounded(path, MAX_SCRIPT_BYTES)
    except FileTooBig as exc:
        raise BadInput(str(exc)) from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = decode_source(data)
        if path.suffix.lower() == ".json":
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise BadInput(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
            except RecursionError:  # [[[[... thousands deep: json recurses
                raise BadInput(f"{path}: the JSON is nested too deeply") from None
            except ValueError as exc:  # e.g. a number with more than 4300 digits
                raise BadInput(f"{path}: cannot read the JSON ({str(exc).split(';')[0]})") from None
        return to_python(parse_yaml(text))
    except YamlSourceError as exc:
        raise BadInput(exc.problem.format(str(path)).replace(": error: ", ": ")) from None
