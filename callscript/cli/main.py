"""``callscript``: with no subcommand, opens the agent's app; subcommands work without a screen."""

from __future__ import annotations

from pathlib import Path

import click

from callscript import __version__
from callscript.cli.common import DB_LOCATION


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--script",
    "script_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Call script YAML (default: scripts/ctrip.yaml)",
)
@click.option(
    "--db",
    "db_path",
    type=DB_LOCATION,
    default=None,
    help="SQLite file or postgresql:// URL (default: $CALLSCRIPT_DB or data/callscript.db)",
)
@click.option("--agent", "agent", default=None, help="Agent name (remembered in the config file)")
@click.version_option(__version__, prog_name="callscript")
@click.pass_context
def cli(ctx: click.Context, script_path: Path | None, db_path: Path | None, agent: str | None) -> None:
    """Telesales call-script assistant. Run without a command to open the app."""
    ctx.ensure_object(dict)
    ctx.obj.update(script=script_path, db=db_path, agent=agent)
    if ctx.invoked_subcommand is None:
        from callscript.cli.app_cmd import run_app

        run_app(script_path, db_path, agent)


#: One module per command group; each has ``register(cli)``. Imported here, but each
#: command imports its own heavy dependencies (Textual, openpyxl) only when it runs.
COMMAND_MODULES = (
    "script_cmds",  # validate, show, replay, grade
    "workshop_cmds",  # test, paths, diff
    "edit_cmd",  # edit (the script editor app)
    "db_cmds",  # db init/check/stale/close-call
    "leads_cmds",  # leads import/list/dnc, export mailings/calls
    "report_cmds",  # report daily/range/yield/due/remark, demo-data
    "users_cmds",  # users add/passwd/disable/enable/list, audit
    "serve_cmd",  # serve (the agent's app in browsers)
    "analytics_cmds",  # report funnel/versions/market/coaching
    "floor_cmds",  # floor (the live board), floor day/settings/reassign
)


def _register() -> None:
    from importlib import import_module

    for name in COMMAND_MODULES:
        import_module(f"{__package__}.{name}").register(cli)


_register()


def main() -> None:
    cli(prog_name="callscript")
