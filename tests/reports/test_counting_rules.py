"""Each counting rule of the BRIEF (v2), through the real storage API: calls marked development
or maintenance when they start, finished as the app finishes them, counted by the reports.

Development: per day a lead counts once if it had a development call; 有效 if any was
effective; 寄卡 if any recorded a mailing; its grade that of the last development call with a
final grade. Maintenance: calls on a lead already mailed, in 客户维护日表 only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from callscript.reports.queries import daily, maintenance
from callscript.reports.rebuild import differences
from callscript.storage import Store

MONDAY = date(2025, 3, 3)
GOOD = {"grade": "好", "rule_label": "出差多愿意接受三星以上", "rule_index": 0, "qualified": True}
FAIR = {"grade": "一般", "rule_label": "只订机票或酒店", "rule_index": 5, "qualified": False}
MARGINAL = {"grade": "勉强", "rule_label": "问不到消费标准", "rule_index": 11, "qualified": False}
ADDRESS = {"reached": True, "address": "上海市长宁区金钟路968号"}


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """Local wall time (the floor's clock: storage stamps and the follow-up slots are local)."""
    return datetime(day.year, day.month, day.day, hh, mm).astimezone()


class Floor:
    """A store with one script version and named agents; ``call`` makes one finished call."""

    def __init__(self, store: Store):
        from callscript.reports.demo import demo_script_path
        from callscript.script.loader import load_script

        self.store = store
        self.script_id = store.store_script_version(load_script(demo_script_path()))
        self.leads: dict[str, int] = {}

    def lead(self, name: str, industry: str = "金融业") -> int:
        if name not in self.leads:
            self.leads[name] = self.store.add_lead(
                company=name, phone=f"1381234{len(self.leads):04d}", industry=industry
            ).id
        return self.leads[name]

    def call(self, lead: str, start: datetime, outcome: str, grade=None, facts=None, *, agent="王芳", minutes=3, **kw):
        lead_id = self.lead(lead)
        call_id = self.store.start_call(lead_id, agent, self.script_id, now=start)
        if outcome == "mailed" and facts is None:
            facts = ADDRESS
        record = self.store.finish_call(
            call_id,
            outcome,
            facts or ({"reached": True} if outcome not in ("no_answer", "busy") else {}),
            grade,
            now=start + timedelta(minutes=minutes),
            **kw,
        )
        return record


@pytest.fixture
def floor(tmp_path):
    with Store.open(tmp_path / "rules.db", synchronous="OFF") as store:
        yield Floor(store)
        assert differences(store.conn) == []  # whatever a test did, the tables agree with a recompute


def dev(floor: Floor, day: date = MONDAY, industry: str = "金融业"):
    return daily(floor.store.conn, day).row(industry=industry).counts


def test_mailed_then_no_answer_the_same_day_keeps_its_mailing_and_grade(floor):
    floor.call("甲", at(MONDAY, 10), "mailed", GOOD)
    later = floor.call("甲", at(MONDAY, 15), "no_answer")
    assert later.kind == "maintenance"  # the lead had been mailed before this call started
    c = dev(floor)
    assert (c.leads, c.effective, c.mailed, c.good, c.calls) == (1, 1, 1, 1, 1)
    m = maintenance(floor.store.conn, MONDAY).row("王芳").counts
    assert (m.calls, m.reached, m.done) == (1, 0, 0)


def test_any_development_mailing_of_the_day_counts_and_the_last_graded_call_grades(floor):
    """Two development calls on one lead the same day (the second started before the first was
    finished: two agents): 寄卡 from the first, the grade from the last one that has a final grade."""
    store = floor.store
    lead = floor.lead("乙")
    first = store.start_call(lead, "王芳", floor.script_id, now=at(MONDAY, 10))
    store.finish_call(first, "mailed", ADDRESS, GOOD, now=at(MONDAY, 10, 5))
    store.conn.execute("UPDATE leads SET active_call_id = NULL")  # (let a second agent dial meanwhile)
    store.conn.execute("UPDATE calls SET kind = 'development'")  # as if started before the mailing
    second = store.start_call(lead, "李娜", floor.script_id, now=at(MONDAY, 11))
    store.conn.execute("UPDATE calls SET kind = 'development' WHERE id = ?", (second,))
    store.finish_call(second, "no_answer", {}, None, now=at(MONDAY, 11, 1))
    c = dev(floor)
    assert (c.leads, c.effective, c.mailed, c.good, c.calls) == (1, 1, 1, 1, 2)
    by_agent = daily(store.conn, MONDAY, "agent")
    assert by_agent.row("李娜").counts.leads == 1  # the lead-day belongs to the last development call's agent
    assert by_agent.row("王芳").counts.leads == 0 and by_agent.row("王芳").counts.calls == 1


def test_a_follow_up_on_a_mailed_lead_is_counted_only_in_maintenance(floor):
    floor.call("丙", at(MONDAY, 10), "mailed", FAIR, minutes=5)
    window_day = MONDAY + timedelta(days=8)  # Tuesday 03-11, inside the 7–10-day window
    follow = floor.call(
        "丙", at(window_day, 17, 40), "member_care", GOOD, {"reached": True, "materials_received": True}
    )
    assert (follow.kind, follow.follow_up_slot) == ("maintenance", True)
    assert daily(floor.store.conn, window_day).rows == []  # not in the development table, its 好 neither
    m = maintenance(floor.store.conn, window_day).row("王芳").counts
    assert (m.due, m.done, m.done_in_window, m.done_in_slot, m.calls, m.reached, m.materials_received) == (
        1,
        1,
        1,
        1,
        1,
        1,
        1,
    )
    assert dev(floor).fair == 1  # the development day keeps its own grade


def test_a_refusal_has_no_grade_and_a_callback_no_final_grade(floor):
    floor.call("丁", at(MONDAY, 9), "not_qualified", MARGINAL)
    floor.store.update_lead(floor.lead("丁"), status="retry")  # a supervisor reopened it: called again
    floor.call("丁", at(MONDAY, 11), "refused", None, {"reached": True, "accepts": "no"})
    floor.call("戊", at(MONDAY, 9), "callback", None, callback_due=at(MONDAY, 16))
    c = dev(floor)
    # 丁: the refusal (no grade) leaves the grade of the day's last graded call; 戊: no grade at all
    assert (c.leads, c.effective, c.good, c.fair, c.marginal) == (2, 2, 0, 0, 1)


def test_a_development_and_a_maintenance_call_on_one_day(floor):
    floor.call("己", at(MONDAY, 9), "mailed", GOOD)  # development: mailed
    floor.call("己", at(MONDAY, 17, 45), "callback", None, callback_due=at(MONDAY + timedelta(days=1), 10))
    c = dev(floor)
    assert (c.leads, c.mailed, c.good, c.calls) == (1, 1, 1, 1)
    m = maintenance(floor.store.conn, MONDAY).row("王芳").counts
    assert (m.calls, m.reached, m.done) == (1, 1, 0)  # a call before the window does not close the follow-up


def test_follow_ups_are_not_closed_before_their_window_unless_settled(floor):
    store = floor.store
    floor.call("庚", at(MONDAY, 10), "mailed", GOOD)
    floor.call("庚", at(MONDAY + timedelta(days=2), 11), "member_care", GOOD)  # early: not the follow-up
    (pending,) = store.mailings(pending_only=True)
    assert store.get_lead(floor.lead("庚")).status == "mailed"  # still waiting for its follow-up
    floor.call("庚", at(MONDAY + timedelta(days=3), 11), "refused", None)  # settles it, window or not
    assert store.mailings(pending_only=True) == []
    done = store.mailings()[0]
    assert done.id == pending.id and done.follow_up_done_at is not None


def test_mailed_again_settles_the_old_follow_up_and_opens_a_new_one(floor):
    store = floor.store
    floor.call("辛", at(MONDAY, 10), "mailed", GOOD)
    floor.call("辛", at(MONDAY + timedelta(days=2), 10), "mailed", GOOD)  # lost in the post: mailed again
    pending = store.mailings(pending_only=True)
    assert [m.mailed_on for m in pending] == [MONDAY + timedelta(days=2)]
    # the second mailing was a maintenance call's: 寄卡 counts development only
    assert (
        dev(floor, MONDAY + timedelta(days=2), "金融业")
        if False
        else daily(store.conn, MONDAY + timedelta(days=2)).rows == []
    )
