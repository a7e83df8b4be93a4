"""The same scripted days give the same reports on SQLite and on PostgreSQL (issue 18).

Two weeks of a simulated floor (reports/demo.py: development and maintenance calls,
callbacks, mailings and their follow-ups, remarks, every call's answer log over two script
versions), then a morning of live calls through the Store as the app makes them (random walks
with backs, some left unfinished): written once into a file and once into a PostgreSQL
database, each kept by its own triggers. Every report must then be equal, cell for cell:
the daily table of every day by industry, agent and both, the cumulative table, the yield
table, the maintenance table of every day and of the range, the funnel, the versions and
the market answers — and each side's kept tables equal a full recompute.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from reports.test_funnel_props import CTRIP

from callscript.reports.demo import DemoConfig, generate
from callscript.reports.funnel import funnel
from callscript.reports.market import market
from callscript.reports.queries import cumulative, daily, maintenance, open_db, yield_table
from callscript.reports.rebuild import differences
from callscript.reports.versions import compare_versions
from callscript.storage import Store
from storage.helpers import finish_kwargs, random_step

END = date(2025, 3, 14)
START = END - timedelta(days=13)
LIVE_DAY = datetime(2025, 3, 14, 9, 0).astimezone()


def scripted_floor(location) -> None:
    with Store.open(location, synchronous="OFF") as store:
        generate(
            store,
            DemoConfig(days=14, agents=3, seed=18, end=END, calls_per_day=(12, 20), versions=2, now=LIVE_DAY),
        )
        live_morning(store, seed=18, calls=12)


def live_morning(store: Store, *, seed: int, calls: int) -> None:
    """Calls as the app makes them: claimed, answered step by step (backs, ends), finished —
    or left unfinished, as a crashed app leaves them."""
    import random

    from callscript.script.session import CallSession

    rng = random.Random(seed)
    store.add_leads(
        [
            {"company": f"现场公司{i}", "phone": f"137{i:08d}", "industry": ["金融业", "学校", None][i % 3]}
            for i in range(calls)
        ],
        now=LIVE_DAY - timedelta(days=1),
    )
    script_id = store.store_script_version(CTRIP, now=LIVE_DAY)
    t = LIVE_DAY
    for i, lead_id in enumerate(sorted(lead.id for lead in store.list_leads(search="现场公司"))):
        call_id = store.start_call(lead_id, ["王芳", "李娜", "张伟"][i % 3], script_id, now=t)
        session = CallSession(CTRIP)
        steps = 0
        while not session.finished and steps < 40:
            t += timedelta(seconds=rng.randint(0, 40))
            store.record_event(call_id, random_step(session, rng, back_rate=0.15, end_rate=0.03), now=t)
            steps += 1
        if session.finished and rng.random() < 0.85:
            t += timedelta(seconds=rng.randint(1, 5))
            store.finish_session(call_id, session, now=t, **finish_kwargs(session, t))
        t += timedelta(seconds=rng.randint(5, 60))


def every_report(location) -> dict[str, object]:
    db = open_db(location)
    conn = db.conn
    try:
        out: dict[str, object] = {"check": differences(conn)}
        day = START
        while day <= END:
            for by in ("industry", "agent", "both"):
                out[f"daily {day} {by}"] = daily(conn, day, by)
            out[f"maintenance {day}"] = maintenance(conn, day)
            day += timedelta(days=1)
        for by in ("industry", "agent", "both"):
            out[f"cumulative {by}"] = cumulative(conn, START, END, by)
        out["yield"] = yield_table(conn, START, END, min_leads=5)
        out["maintenance range"] = maintenance(conn, START, END)
        out["funnel"] = funnel(conn, None, START, END)
        out["versions"] = compare_versions(conn, START, END)
        out["market"] = market(conn, START, END)
        return out
    finally:
        db.close()


@pytest.fixture(scope="module")
def reports_on_each(tmp_path_factory, pg_cluster):
    from callscript.config import DatabaseUrl

    file = tmp_path_factory.mktemp("agree") / "floor.db"
    url = DatabaseUrl(pg_cluster.migrated_database("agree"))
    scripted_floor(file)
    scripted_floor(url)
    return every_report(file), every_report(url)


def test_the_floor_has_something_in_every_table(reports_on_each):
    on_sqlite, _ = reports_on_each
    total = on_sqlite["cumulative both"].total
    assert total.calls > 200 and total.mailed > 0 and total.good > 0
    assert on_sqlite["maintenance range"].rows, "no maintenance calls or follow-ups"
    assert on_sqlite["funnel"].calls > 200


def test_each_side_keeps_its_tables_equal_to_a_full_recompute(reports_on_each):
    on_sqlite, on_postgres = reports_on_each
    assert on_sqlite["check"] == []
    assert on_postgres["check"] == []


@pytest.mark.parametrize(
    "kind", ["daily", "maintenance ", "cumulative", "yield", "maintenance range", "funnel", "versions", "market"]
)
def test_every_report_is_the_same_on_both_backends(reports_on_each, kind):
    on_sqlite, on_postgres = reports_on_each
    keys = [k for k in on_sqlite if k.startswith(kind)]
    assert keys
    for key in keys:
        assert on_postgres[key] == on_sqlite[key], key
