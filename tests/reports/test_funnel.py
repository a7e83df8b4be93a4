"""The funnel by node on hand-built event logs where every count and every second is known.

Script: tests/reports/funnel.yaml — 开场 greet → 询问 ask → 星级 star (input, skip) →
核对 confirm (→ 星级 again: a loop) → 结束语 (mailed); 拒绝道别 (refused), 无人接听.

Each call below is walked with a real CallSession (so the logs are legal) and
recorded with the seconds given before every step. Leads 1–3 are 金融业, 4–7 医药保健业.

c1 王芳  greet 1 (10 s) · ask 1 (20) · star "4" (15) · confirm 1 (5) → mailed
c2 王芳  greet 1 (8) · ask 2 (12) → 拒绝道别 · back (3) · ask 1 (6) · star skip (4) ·
         confirm 2 (2) → star again · star "3" (5) · confirm 1 (3) → mailed
c3 李娜  greet 1 (5) · ask 1 (7) · back at star (9) · Ctrl+E refused at ask (4)
c4 李娜  greet 2 (30) → no_answer
c5 李娜  greet 1 (6) · ask 1 (8) → at star, unfinished (a crash)
c6 王芳  no answer recorded at all, finished busy (closed from outside)
c7 王芳  greet 1 (5) · Ctrl+E not_qualified at ask (10) · back (2) · ask 2 (3) → refused

Worked out by hand (undo: c2's refusal and c3's arrival at 星级 are taken back —
they are not moves; c7's first ending is taken back):

node     arrivals  went on  ended                   left  undone  times (s)
greet    7         5        no_answer 1, busy 1     0     0       5 5 6 8 10 30
ask      5         3        refused 2 (c3, c7)      0     1 (c7)  2 8 11 13 18 20
star     4         3        —                       1     1 (c3)  4 5 9 15
confirm  3         1        mailed 2                0     0       2 3 5
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from fractions import Fraction as F
from pathlib import Path

import pytest

from callscript.reports.coaching import coaching
from callscript.reports.funnel import funnel
from callscript.reports.queries import open_db
from callscript.reports.rebuild import analytics_differences, differences, rebuild
from callscript.script.loader import load_script
from callscript.script.session import CallSession
from callscript.storage import Store

SCRIPT = Path(__file__).with_name("funnel.yaml")
START = datetime.fromisoformat("2025-03-03T09:00:00+08:00")
LEADS = {1: "金融业", 2: "金融业", 3: "金融业", 4: "医药保健业", 5: "医药保健业", 6: "医药保健业", 7: "医药保健业"}

# (call, lead, agent, steps, outcome); a step is (seconds before it, action, argument)
CALLS = [
    (1, 1, "王芳", [(10, "choose", "1"), (20, "choose", "1"), (15, "enter", "4"), (5, "choose", "1")], "mailed"),
    (
        2,
        2,
        "王芳",
        [
            (8, "choose", "1"),
            (12, "choose", "2"),
            (3, "back", None),
            (6, "choose", "1"),
            (4, "skip", None),
            (2, "choose", "2"),
            (5, "enter", "3"),
            (3, "choose", "1"),
        ],
        "mailed",
    ),
    (3, 3, "李娜", [(5, "choose", "1"), (7, "choose", "1"), (9, "back", None), (4, "end", "refused")], "refused"),
    (4, 4, "李娜", [(30, "choose", "2")], "no_answer"),
    (5, 5, "李娜", [(6, "choose", "1"), (8, "choose", "1")], None),
    (6, 6, "王芳", [], "busy"),
    (
        7,
        7,
        "王芳",
        [(5, "choose", "1"), (10, "end", "not_qualified"), (2, "back", None), (3, "choose", "2")],
        "refused",
    ),
]


def record(store: Store, script, script_id: int, call_spec, start: datetime) -> int:
    number, lead, agent, steps, outcome = call_spec
    call_id = store.start_call(lead, agent, script_id, now=start)
    assert call_id == number
    session = CallSession(script)
    t = start
    for seconds, action, argument in steps:
        t += timedelta(seconds=seconds)
        method = getattr(session, action)
        event = method(argument) if argument is not None else method()
        store.record_event(call_id, event, now=t)
    if outcome is not None:
        extra = {"address": "上海市某路1号"} if outcome == "mailed" else {}
        store.finish_call(call_id, outcome, session.facts, session.grade(), now=t + timedelta(seconds=1), **extra)
    return call_id


def build(path: Path) -> Path:
    script = load_script(SCRIPT)
    with Store.open(path, synchronous="OFF") as store:
        store.add_leads(
            [
                {"company": f"公司{i}", "phone": f"1380000{i:04d}", "industry": industry}
                for i, industry in LEADS.items()
            ],
            now=START - timedelta(days=1),
        )
        script_id = store.store_script_version(script, now=START)
        for n, spec in enumerate(CALLS):
            record(store, script, script_id, spec, START + timedelta(minutes=10 * n))
    return path


@pytest.fixture(scope="module")
def funnel_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("funnel") / "funnel.db")


@pytest.fixture
def conn(funnel_db):
    db = open_db(funnel_db)
    yield db.conn
    db.close()


def test_every_count_at_every_node(conn):
    f = funnel(conn)
    assert (f.calls, f.finished, f.unfinished) == (7, 6, 1)
    got = {
        n.node: (n.arrivals, n.went_on, dict(n.ended), n.left, n.undone, sorted(n.times.elements())) for n in f.nodes
    }
    assert got == {
        "greet": (7, 5, {"no_answer": 1, "busy": 1}, 0, 0, [5, 5, 6, 8, 10, 30]),
        "ask": (5, 3, {"refused": 2}, 0, 1, [2, 8, 11, 13, 18, 20]),
        "star": (4, 3, {}, 1, 1, [4, 5, 9, 15]),
        "confirm": (3, 1, {"mailed": 2}, 0, 0, [2, 3, 5]),
    }
    assert f.undone_endings == 1 and f.unmatched == 0


def test_arrivals_are_went_on_plus_ended_plus_left_and_every_call_ends_once(conn):
    f = funnel(conn)
    for n in f.nodes:
        assert n.arrivals == n.went_on + n.ended_total + n.left, n.node
    assert sum(n.ended_total + n.left for n in f.nodes) == f.calls
    assert f.ended_by_outcome() == Counter({"mailed": 2, "refused": 2, "no_answer": 1, "busy": 1})


def test_undo_does_not_double_count(conn):
    """c2 chose 不要 at 询问 and took it back; c3 arrived at 星级 and took it back:
    neither the option nor the arrival counts, but the time spent there does."""
    f = funnel(conn)
    ask, star = f.node("ask"), f.node("star")
    assert ask.choices == Counter({"1": 3, "2": 1})  # c1, c2 (after undo), c5; c7's 不要 stood
    assert star.arrivals == 4 and 9 in star.times  # c3's undone visit: 9 s, no arrival
    assert ask.times[18] == 1  # c2 at 询问: 12 s before the undone 不要 + 6 s after coming back


def test_medians_and_p90_are_nearest_rank(conn):
    f = funnel(conn)
    assert [(n.node, n.median_seconds, n.p90_seconds) for n in f.nodes] == [
        ("greet", 6, 30),
        ("ask", 11, 20),
        ("star", 5, 15),
        ("confirm", 3, 5),
    ]


def test_losses_are_refusals_and_calls_left_where_they_happened(conn):
    f = funnel(conn)
    assert [(n.node, n.lost, n.loss_rate) for n in f.top_losses()] == [("ask", 2, F(2, 5)), ("star", 1, F(1, 4))]
    ask = f.node("ask")
    assert ask.lost_by_choice == Counter({"2": 1}) and ask.lost_by_agent_end == 1
    words = f.loss_sentences()
    assert words[0].startswith("1. 「询问」: 到达 5 次, 2 次在这里流失 (40.0%: 拒绝 2), 占全部流失的 66.7%。")
    assert words[1].startswith("2. 「星级」: 到达 4 次, 1 次在这里流失 (25.0%: 中断 1)")


def test_option_shares_name_where_each_option_leads(conn):
    f = funnel(conn)
    shares = {(o.node, o.key): (o.count, o.share, o.target_title) for n in f.nodes for o in f.options(n.node)}
    assert shares[("greet", "2")] == (1, F(1, 6), "结束: 无人接听")
    assert shares[("star", "@skip")] == (1, F(1, 3), "核对")
    assert shares[("confirm", "2")] == (1, F(1, 3), "星级")


def test_filters_by_agent_and_industry(conn):
    mine = funnel(conn, agent="王芳")
    assert mine.calls == 4
    assert {n.node: (n.arrivals, n.went_on, n.ended_total, n.left) for n in mine.nodes} == {
        "greet": (4, 3, 1, 0),
        "ask": (3, 2, 1, 0),
        "star": (3, 3, 0, 0),
        "confirm": (3, 1, 2, 0),
    }
    assert sorted(mine.node("greet").times.elements()) == [5, 8, 10]
    finance = funnel(conn, industry="金融业")  # c1, c2, c3
    assert finance.calls == 3 and finance.node("ask").lost == 1 and finance.node("star").left == 0
    both = funnel(conn, industry="医药保健业", agent="李娜")  # c4, c5 (unfinished)
    assert (both.calls, both.unfinished) == (2, 1)
    assert {n.node: (n.arrivals, n.ended_total, n.left) for n in both.nodes if n.arrivals} == {
        "greet": (2, 1, 0),
        "ask": (1, 0, 0),
        "star": (1, 0, 1),
    }
    assert sorted(both.node("greet").times.elements()) == [6, 30]


def test_coaching_compares_with_the_other_agents(conn):
    c = coaching(conn, "王芳")
    assert (c.calls, c.floor_calls) == (4, 3)
    ask = c.node("ask")
    assert (ask.arrivals, ask.lost, ask.floor_arrivals, ask.floor_lost) == (3, 1, 2, 1)
    assert ask.loss_gap == F(1, 3) - F(1, 2)
    star = c.node("star")
    assert (star.arrivals, star.ended, star.floor_arrivals, star.floor_ended, star.floor_lost) == (3, 0, 1, 1, 1)


def test_the_tables_equal_a_fresh_computation_and_a_rebuild(conn):
    assert differences(conn) == []
    before = {
        t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4").fetchall() for t in ("funnel_day", "funnel_day_time")
    }
    rebuild(conn)
    after = {
        t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4").fetchall() for t in ("funnel_day", "funnel_day_time")
    }
    assert before == after and analytics_differences(conn) == []


def test_finishing_the_left_call_moves_it_from_left_to_ended(tmp_path):
    path = build(tmp_path / "again.db")
    with Store.open(path) as store:
        store.record_event(5, {"kind": "enter", "node": "star", "value": "5"}, now=START + timedelta(hours=2))
        store.finish_call(5, "refused", now=START + timedelta(hours=2, seconds=5))
        f = funnel(store.conn)
        star, confirm = f.node("star"), f.node("confirm")
        assert (f.unfinished, star.left, star.went_on, confirm.arrivals, confirm.ended["refused"]) == (0, 0, 4, 4, 1)
        assert analytics_differences(store.conn) == []


def test_visits_are_counted_from_the_stored_lists_even_with_odd_node_ids():
    import json

    from callscript.reports.funnel import count_visits

    lists = [
        json.dumps([["a", 1], ["b", 2]], separators=(",", ":")),
        json.dumps([["a", 1]], separators=(",", ":")),
        json.dumps([['say "hi"', 3], ["back\\slash", 4], ["a", 1]], separators=(",", ":"), ensure_ascii=False),
        "[]",
        json.dumps([["开场", 0]], separators=(",", ":"), ensure_ascii=False),
    ]
    assert count_visits(lists) == Counter(
        {("a", 1): 3, ("b", 2): 1, ('say "hi"', 3): 1, ("back\\slash", 4): 1, ("开场", 0): 1}
    )
