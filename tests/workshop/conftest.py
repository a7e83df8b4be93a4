from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "scripts"
LOOP = SCRIPTS / "loop.yaml"
MINI = SCRIPTS / "mini.yaml"
CTRIP = ROOT / "scripts" / "ctrip.yaml"
FOLLOWUP = ROOT / "scripts" / "ctrip-followup.yaml"


@pytest.fixture
def run_cli():
    """Invoke the real CLI in-process; returns the click Result (stdout and stderr apart)."""
    from callscript.cli.main import cli

    def run(*args: str):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run
