"""Shared CLI plumbing: the database option, loading a script with clean errors, exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from callscript.config import BUSINESS_HOURS_ENV, business_hours, default_script_path, resolve_db_path
from callscript.core.when import BusinessHours, WhenError
from callscript.files.output import OutputError, OutputTarget, Writer, plan_output, write_output
from callscript.script.problems import ScriptError

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


def db_option(fn: Callable) -> Callable:
    """``--db PATH`` on a subcommand; falls back to the top-level ``--db``, then $CALLSCRIPT_DB."""

    @click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="SQLite database (default: $CALLSCRIPT_DB or data/callscript.db)",
    )
    @click.pass_context
    @functools.wraps(fn)
    def wrapper(ctx: click.Context, *args: Any, db_path: Path | None = None, **kwargs: Any) -> Any:
        top = (ctx.find_root().obj or {}).get("db")
        kwargs["db_path"] = resolve_db_path(db_path or top)
        return ctx.invoke(fn, *args, **kwargs)

    return wrapper


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

    from callscript.script.yaml_source import YamlSourceError, decode_source, parse_yaml, to_python

    try:
        data = path.read_bytes()
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
