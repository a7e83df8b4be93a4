"""``callscript edit PATH``: the supervisor's script editor (a Textual app)."""

from __future__ import annotations

from pathlib import Path

import click

from callscript.cli.common import configured_business_hours, db_option, script_path_or_default


@click.command("edit")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--tests",
    "tests_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Tests file for the coverage line (default: beside the script, NAME.tests.yaml).",
)
@db_option
def edit_cmd(path: Path | None, tests_path: Path | None, db_path: Path) -> None:
    """Edit a call script: problems as you type, practice (F5), Ctrl+S publishes (or saves a draft).

    PATH is the published script agents load (default: scripts/ctrip.yaml); a
    script with errors is saved beside it as NAME.draft.yaml and not published.
    Each publish stores the replaced and the new text as versions in the database.
    """
    from callscript.tui.editor.app import EditorApp

    hours = configured_business_hours()
    EditorApp(script_path_or_default(path), db_path, tests_path=tests_path, hours=hours).run()


def register(cli: click.Group) -> None:
    cli.add_command(edit_cmd)
