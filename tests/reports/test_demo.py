"""The generated floor looks like the seed's: the mix, the rules, the links between rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from callscript.reports.demo import INDUSTRIES, DemoConfig, generate
from callscript.reports.due import due_list
from callscript.reports.queries import cumulative, daily, yield_table
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
    # no development calls at weekends; follow-ups only in 17:30-18:00 on weekdays or Saturday mornings
    weekend = store.conn.execute(
        "SELECT COUNT(*) FROM calls WHERE strftime('%w', substr(started_at, 1, 10)) = '0'"
    ).fetchone()[0]
    assert weekend == 0


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
        for call in sorted(made, key=lambda c: (c.ended_at, c.id)):
            after = after_call(
                status,
                call.outcome,
                call.ended_at,
                callback_due=call.callback_due,
                address=call.facts.get("address"),
                no_answers_before=streak,
            )
            status, streak = after.status, after.no_answers
            assigned = call.agent_id if after.assign_to_caller else assigned
            set_aside += streak == 3
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
