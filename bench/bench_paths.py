"""Path explorer benchmark (issue 8): ``callscript paths`` on the shipped script.

Reports, for each loop bound (a node at most N times per path): the number of
distinct paths from the start to an ending, the loop branches cut, the number of
distinct node sequences (routes, ignoring typed values), the time to enumerate
them (best of ``--repeat`` runs), paths/s and, with ``--memory``, the peak
memory of keeping them all.
Also times the script tests and their coverage (what the editor re-runs).

    uv run python bench/bench_paths.py                  # scripts/ctrip.yaml, N = 1, 2, 3
    uv run python bench/bench_paths.py --visits 2 --json
    uv run python bench/bench_paths.py path/to/script.yaml
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callscript.script.loader import load_script  # noqa: E402
from callscript.workshop.path_explorer import explore, iter_paths  # noqa: E402
from callscript.workshop.script_tests import default_tests_path, load_tests_file, run_tests  # noqa: E402


def bench_bound(script, visits: int, repeat: int, memory: bool) -> dict:
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = explore(script, max_visits=visits)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    count = len(result.paths)
    routes = len({p.nodes for p in result.paths})
    del result
    gc.collect()
    # streaming (no list kept) and the memory of keeping every path, measured apart
    start = time.perf_counter()
    streamed = sum(1 for _ in iter_paths(script, max_visits=visits))
    stream_s = time.perf_counter() - start
    if memory:  # tracemalloc slows the walk ~10x: measured apart from the timings
        tracemalloc.start()
    kept = explore(script, max_visits=visits)
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    assert streamed == count == len(kept.paths)
    return {
        "max_visits": visits,
        "paths": count,
        "routes": routes,
        "pruned": kept.pruned,
        "seconds": round(best, 3),
        "paths_per_s": round(count / best) if best else None,
        "stream_seconds": round(stream_s, 3),
        "peak_mib_kept": round(peak / 2**20, 1) if memory else None,
        "by_outcome": kept.by_outcome(),
        "by_grade": {str(k): v for k, v in kept.by_grade().items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", nargs="?", default=str(ROOT / "scripts" / "ctrip.yaml"))
    parser.add_argument("--visits", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--memory", action="store_true", help="Also measure the peak memory of keeping every path (slow)."
    )
    args = parser.parse_args()

    start = time.perf_counter()
    script = load_script(args.script)
    load_s = time.perf_counter() - start
    rows = [bench_bound(script, v, args.repeat, args.memory) for v in args.visits]

    tests = None
    tests_path = default_tests_path(args.script)
    if tests_path.exists():
        start = time.perf_counter()
        cases, _problems = load_tests_file(tests_path, script)
        report = run_tests(script, cases)
        tests = {
            "cases": len(cases),
            "passed": sum(r.passed for r in report.results),
            "seconds": round(time.perf_counter() - start, 3),
            "coverage": report.coverage.summary(),
        }

    info = {
        "script": args.script,
        "nodes": len(script.nodes),
        "load_seconds": round(load_s, 3),
        "bounds": rows,
        "tests": tests,
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return
    print(f"{args.script}: {len(script.nodes)} nodes, loaded and validated in {load_s * 1000:.0f} ms")
    print(
        f"{'visits':>6} {'paths':>10} {'routes':>8} {'cut':>8} {'time':>8} {'paths/s':>10} {'stream':>8} {'kept MiB':>9}"
    )
    for r in rows:
        print(
            f"{r['max_visits']:>6} {r['paths']:>10,} {r['routes']:>8,} {r['pruned']:>8,} {r['seconds']:>7.3f}s "
            f"{r['paths_per_s'] or 0:>10,} {r['stream_seconds']:>7.3f}s {r['peak_mib_kept'] if r['peak_mib_kept'] is not None else '-':>9}"
        )
    if tests:
        print(
            f"script tests: {tests['passed']}/{tests['cases']} ok in {tests['seconds'] * 1000:.0f} ms; coverage {tests['coverage']}"
        )


if __name__ == "__main__":
    main()
