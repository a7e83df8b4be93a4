"""The generated floor looks like the seed's: the mix, the rules, the links between rows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from callscript.core.china_calendar import holiday_name, is_adjusted_working_day
from callscript.core.followup import in_follow_up_window, is_rest_day
from callscript.reports.demo import INDUSTRIES, DemoConfig, builtin_follow_up, generate, walk_script
from callscript.reports.due import due_list
from callscript.reports.queries import cumulative, daily, maintenance, yield_table
from callscript.reports.rebuild import differences
from callscript.storage import Store

END = date(2025, 3, 14)  # a Friday


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store.open(path, synchronous="OFF")
    stats = generate(
        store, DemoConfig(days=21, agents=5, seed=7, end=END, now=datetime(2025, 3, 14, 16, 0).astimezone())
    )
    yield store, stats
    store.close()


def test_volume_and_mix(demo):
    store, stats = demo
    assert stats.agents == 5 and 5 * 15 * 60 < stats.calls < 5 * 16 * 130
    mix = dict(store.conn.execute("SELECT outcome, COUNT(*) FROM calls GROUP BY outcome").fetchall())
    assert set(mix) == {
        "invalid_number",
        "no_answer",
        "busy",
        "callback",
        "refused",
        "not_qualified",
        "mailed",
        "member_care",
    }
    share = {k: v / stats.calls for k, v in mix.items()}
    assert 0.1 < share["mailed"] < 0.35 and 0.15 < share["no_answer"] < 0.4 and share["invalid_number"] < 0.15
    # no development calls on rest days; follow-ups only in their slot (test_calls_keep_the_calendar)
    by_day = store.conn.execute("SELECT substr(started_at, 1, 10), kind, COUNT(*) FROM calls GROUP BY 1, 2").fetchall()
    assert all(kind == "maintenance" for day, kind, _ in by_day if is_rest_day(date.fromisoformat(day)))
    assert {kind for _, kind, _ in by_day} == {"development", "maintenance"}


def test_grades_come_from_the_real_grading(demo):
    import json

    from callscript.reports.demo import demo_script_path
    from callscript.script.grading import grade_call
    from callscript.script.loader import load_script

    store, _ = demo
    grading = load_script(demo_script_path()).grading
    rows = store.conn.execute("SELECT facts, grade, grade_rule, outcome FROM calls ORDER BY id LIMIT 2000").fetchall()
    for facts, grade, rule, outcome in rows:
        facts = json.loads(facts)
        if not facts:
            assert grade is None and outcome in ("invalid_number", "no_answer", "busy")
            continue
        result = grade_call(grading, facts, outcome)  # grading v2: only a final grade is stored
        assert ((result.grade, result.rule_label) if result.final else (None, None)) == (grade, rule)
        if outcome == "refused":
            assert facts["accepts"] == "no"
    grades = dict(store.conn.execute("SELECT grade, COUNT(*) FROM calls WHERE grade IS NOT NULL GROUP BY grade"))
    assert set(grades) == {"好", "一般", "勉强"}


def test_reports_have_something_to_say(demo):
    store, _ = demo
    assert differences(store.conn) == []
    day = daily(store.conn, date(2025, 3, 13), "agent")
    assert len(day.rows) == 5 and any(r.remark for r in day.rows)
    assert not daily(store.conn, END, "agent").remarks  # the last day stops at 16:00: no remarks yet
    assert daily(store.conn, date(2025, 3, 9)).rows == []  # a Sunday
    names = {i.name for i in INDUSTRIES if i.name}
    y = yield_table(store.conn)
    assert {r.industry for r in y.rows} <= names | {"未分类"}
    assert any(r.low_sample for r in y.rows) and any(not r.low_sample for r in y.rows)
    assert y.rows[0].mail_rank == 1
    whole = cumulative(store.conn, date(2025, 2, 22), END)
    assert whole.total.leads > whole.total.mailed > whole.total.good > 0
    # some leads were called twice in a day
    twice = store.conn.execute("SELECT COUNT(*) FROM report_lead_days WHERE calls > 1").fetchone()[0]
    assert twice > 0


def test_due_list_is_not_empty(demo):
    store, _ = demo
    due = due_list(store.conn, datetime(2025, 3, 14, 16, 0).astimezone())
    assert due.callbacks and due.follow_ups
    assert store.check().ok


def test_same_seed_same_data(tmp_path):
    def digest(path):
        store = Store.open(path, synchronous="OFF")
        generate(store, DemoConfig(days=4, agents=2, seed=3, end=END))
        rows = store.conn.execute("SELECT started_at, outcome, grade FROM calls ORDER BY id").fetchall()
        store.close()
        return rows

    assert digest(tmp_path / "a.db") == digest(tmp_path / "b.db")


def test_every_generated_lead_is_as_the_life_cycle_leaves_it(demo):
    """Folding core.lifecycle.after_call over each lead's calls gives the stored lead: the
    generator asks the same rules finish_call does (no copy of them in SQL)."""
    from callscript.core.lifecycle import after_call
    from callscript.storage.timefmt import parse_iso

    store, _ = demo
    calls: dict[int, list] = {}
    for call in store.list_calls(finished=True):
        calls.setdefault(call.lead_id, []).append(call)
    checked = set_aside = 0
    for lead_id, made in calls.items():
        status, streak, assigned, after = "new", 0, None, None
        pending: list = []  # the lead's follow-ups not yet closed (first day of their window)
        for call in sorted(made, key=lambda c: (c.ended_at, c.id)):
            after = after_call(
                status,
                call.outcome,
                call.ended_at,
                callback_due=call.callback_due,
                address=call.facts.get("address"),
                no_answers_before=streak,
                pending_follow_up_from=min(pending, default=None),
            )
            status, streak = after.status, after.no_answers
            assigned = call.agent_id if after.assign_to_caller else assigned
            set_aside += streak == 3
            pending = [first for first in pending if not after.closes_follow_up(first)]
            if after.mailing is not None:
                pending.append(after.mailing.follow_up_from)
        lead = store.get_lead(lead_id)
        assert (lead.status, lead.next_call_at, lead.attempts, lead.last_outcome, lead.assigned_agent_id) == (
            status,
            after.next_call_at,
            len(made),
            made[-1].outcome,
            assigned,
        ), lead_id
        assert lead.last_called_at == parse_iso(max(c.ended_at for c in made).isoformat())
        checked += 1
    assert checked > 1000 and set_aside > 0


@pytest.fixture(scope="module")
def spring_festival(tmp_path_factory):
    """Three weeks around 春节 2026: 02-14 and 02-28 are 调休 Saturdays, 02-15 to 02-23 the break."""
    path = tmp_path_factory.mktemp("spring") / "spring.db"
    store = Store.open(path, synchronous="OFF")
    generate(store, DemoConfig(days=21, agents=4, seed=11, end=date(2026, 3, 1), saturday_share=1.0))
    yield store
    store.close()


def test_days_follow_chinas_calendar(spring_festival):
    store = spring_festival
    days = {
        date.fromisoformat(day): (kinds, calls)
        for day, kinds, calls in store.conn.execute(
            "SELECT substr(started_at, 1, 10), group_concat(DISTINCT kind), COUNT(*) FROM calls GROUP BY 1"
        )
    }
    holiday = [date(2026, 2, d) for d in range(15, 24)]
    assert not [d for d in holiday if d in days]  # nobody calls during 春节
    for saturday in (date(2026, 2, 14), date(2026, 2, 28)):  # 调休: a working day like any other
        assert is_adjusted_working_day(saturday) and "development" in days[saturday][0]
    assert holiday_name(date(2026, 2, 17)) == "春节"
    plain_weekends = [d for d in days if is_rest_day(d)]
    assert plain_weekends and all(days[d][0] == "maintenance" for d in plain_weekends)


def test_calls_are_marked_as_start_call_marks_them(demo, spring_festival):
    """Maintenance exactly when the lead had a mailing from a call that ended before; the slot mark
    is the life cycle's window; every follow-up call is inside a slot."""
    from datetime import datetime as dt

    for store in (demo[0], spring_festival):
        rows = store.conn.execute(
            """SELECT c.id, c.started_at, c.kind, c.follow_up_slot,
                      EXISTS (SELECT 1 FROM mailings m JOIN calls mc ON mc.id = m.call_id
                              WHERE m.lead_id = c.lead_id AND mc.ended_at <= c.started_at AND mc.id <> c.id),
                      EXISTS (SELECT 1 FROM callbacks cb
                              WHERE cb.lead_id = c.lead_id AND cb.created_at <= c.started_at
                                AND (cb.done_at IS NULL OR cb.done_at >= c.started_at))
               FROM calls c"""
        ).fetchall()
        for call_id, started, kind, slot, mailed_before, callback_open in rows:
            assert kind == ("maintenance" if mailed_before else "development"), call_id
            assert slot == int(in_follow_up_window(dt.fromisoformat(started))), call_id
            if kind == "maintenance" and not callback_open:
                # follow-ups go in the 17:30-18:00 window or on rest days; a callback the
                # prospect asked for in a follow-up call goes at the time they asked
                assert slot == 1, call_id


def test_maintenance_table_has_follow_ups_in_their_window(demo):
    store, _ = demo
    report = maintenance(store.conn, date(2025, 3, 3), END)
    t = report.total
    assert t.due > t.done > t.done_in_window >= t.done_in_slot > 0
    assert t.calls > t.reached > t.materials_received > 0 and t.missed > 0
    assert differences(store.conn) == []


def test_the_built_in_follow_up_walk_and_a_script_walk(tmp_path):
    """Maintenance calls come from the built-in walk, or from walking a script (the follow-up
    script when it exists): both give an outcome and facts the grading takes."""
    import random

    from callscript.reports.demo import demo_script_path
    from callscript.script.loader import load_script

    rng = random.Random(5)
    grading = load_script(demo_script_path()).grading
    outcomes = {builtin_follow_up(rng, grading)[0] for _ in range(400)}
    assert {"member_care", "no_answer", "mailed"} <= {o.value for o in outcomes}
    script = load_script(Path(__file__).resolve().parents[1] / "scripts" / "mini.yaml")
    walked = [walk_script(script, rng) for _ in range(60)]
    assert {o.value for o, _ in walked} == {"mailed", "not_qualified", "invalid_number"}
    assert all(facts.get("address") for o, facts in walked if o.value == "mailed")
