"""CI keeps the house: `.ci/run` lints, checks formatting and types, then runs the README's test command."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_ruff_mypy_and_pytest_and_stops_on_any_failure():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip().startswith("uv run ")]
    assert "set -euo pipefail" in script  # any failing step fails the run
    assert any(c.startswith("uv run ruff check") for c in commands)
    assert any(c.startswith("uv run ruff format --check") for c in commands)
    assert any(c.startswith("uv run mypy") for c in commands)
    assert commands[-1] == "uv run pytest"  # the README's test command, exactly
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "uv run pytest" in readme
