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


def test_ci_makes_sure_postgresql_is_there_so_its_tests_never_skip():
    """The suites that run on both backends need a PostgreSQL server and a `postgres` user to
    run it as (tests/pg_cluster.py); with ``CI`` set a missing server fails those tests."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'export CI="${CI:-1}"' in script
    assert "/usr/lib/postgresql/*/bin" in script and "/usr/local/bin" in script
    assert "apt-get install -y -qq postgresql" in script
    assert "id -u postgres" in script and "useradd" in script
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert 'os.environ.get("CI")' in conftest and "pytest.fail" in conftest
