"""The engine bench still runs: its generated script is valid and its walks and grades work.

The figures themselves come from ``uv run python bench/bench_engine.py``; this only
keeps the bench from rotting (a broken generator would silently time an error path).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_engine.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engine"] = module
    spec.loader.exec_module(module)
    return module


def test_generated_script_is_a_valid_2000_node_script(bench) -> None:
    from callscript.script.loader import validate_text

    script, problems = validate_text(bench.generate_script(), "bench.yaml")
    assert script is not None, [p.format("bench.yaml") for p in problems if p.is_error][:5]
    assert len(script.nodes) == 2000
    kinds = {node.kind for node in script.nodes.values()}
    assert kinds == {"options", "input", "end"}


def test_walk_and_grade_run(bench) -> None:
    if not bench.CTRIP.exists():
        pytest.skip("scripts/ctrip.yaml is not written yet")
    from callscript.script.loader import load_script

    walk, counts = bench._walker(load_script(bench.CTRIP), 500, seed=1, screen=True)
    walk()
    assert sum(counts[k] for k in ("choose", "enter", "skip", "back")) == 500
    assert counts["calls"] > 1 and counts["enter"] and counts["back"]
    measure, mix = bench.bench_grade(2_000, 1)
    assert measure.cpu > 0 and "好" in mix
