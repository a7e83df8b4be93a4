"""``callscript`` with no subcommand: open the agent's Textual app."""

from __future__ import annotations

from pathlib import Path


def run_app(script_path: Path | None, db_path: Path | None, agent: str | None) -> None:
    from callscript.cli.common import configured_business_hours
    from callscript.tui.app import run

    run(script_path=script_path, db_path=db_path, agent=agent, hours=configured_business_hours())
