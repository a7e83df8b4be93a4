"""The analytics bench still runs: its hand-written SQL gives the same numbers as the reports.

The figures come from ``uv run python bench/bench_analytics.py``; this keeps the bench
from rotting (a hand-written query that drifted from the reports would time the wrong
thing), on the small hand-built database of test_funnel.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from callscript.reports.coaching import coaching
from callscript.reports.funnel import funnel
from callscript.reports.queries import open_db
from callscript.reports.versions import compare_versions
from callscript.storage import Store
from reports.test_funnel import build

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_analytics.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_analytics", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_analytics"] = module
    spec.loader.exec_module(module)
    return module


def test_the_hand_written_sql_gives_the_reports_numbers(bench, tmp_path):
    path = build(tmp_path / "f.db")
    with Store.open(
        path
    ) as store:  # the bench's file has no unfinished call: finish c5 (the SQL reads the tables only)
        store.finish_call(5, "refused")
    db = open_db(path)
    conn = db.conn
    start = bench.edges_table(conn, 1)
    bench.same_funnel(
        bench.ours_funnel(funnel(conn, 1)), bench.sql_funnel(conn, 1, start, "funnel_day", "", []), "floor"
    )
    agent = conn.execute("SELECT id FROM agents WHERE name = '李娜'").fetchone()[0]
    bench.same_funnel(
        bench.ours_funnel(funnel(conn, 1, agent="李娜")),
        bench.sql_funnel(conn, 1, start, "funnel_day_agent", " AND agent_id = ?", [agent]),
        "agent",
    )
    bench.same_funnel(
        bench.ours_funnel(funnel(conn, 1, industry="金融业")),
        bench.sql_funnel(conn, 1, start, "funnel_day_industry", " AND industry = ?", ["金融业"]),
        "industry",
    )
    report = compare_versions(conn)
    row = bench.sql_versions(conn)[0]
    assert row[:5] == (
        1,
        report.row(1).calls,
        report.row(1).effective.count,
        report.row(1).mailed.count,
        report.row(1).good.count,
    )
    mine = bench.sql_coaching(conn, 1, agent)
    assert sum(r[4] for r in mine if r[1] in ("stop", "end")) == coaching(conn, "李娜").calls == 3
    db.close()


def test_trigger_cost_runs(bench, tmp_path):
    costs = bench.trigger_cost(tmp_path, n=20)
    assert set(costs) == {"answer", "finish"} and all(a > 0 and b > 0 for a, b in costs.values())
