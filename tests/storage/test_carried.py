"""Facts carry across the calls of one lead (BRIEF v2), and only final grades are stored.

A later call on a lead starts knowing what earlier calls learned — the latest value
per fact, with the call it came from — recorded on the call row as it is inserted, so
a resumed call (after a crash, in another process) starts from exactly the same facts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from callscript.script.loader import load_script
from callscript.script.session import CallSession
from callscript.storage import Store

ROOT = Path(__file__).resolve().parents[2]
CTRIP = ROOT / "scripts" / "ctrip.yaml"
T0 = datetime(2025, 11, 24, 10, 0).astimezone()
VARIABLES = {"agent_name": "王芳", "contact_name": "张伟"}
# 本人接听 → 方便 → 经常出差 → 都自己订 → 没有接待 → 会 → B4 → 好 → 四星
TO_STAR_4 = ["1", "1", "1", "1", "2", "1", "4", "1", {"enter": "4"}]


@pytest.fixture(scope="module")
def ctrip():
    return load_script(CTRIP)


def play(store: Store, call_id: int, session: CallSession, answers: list, at: datetime) -> None:
    for i, answer in enumerate(answers):
        if isinstance(answer, dict):
            event = session.enter(answer["enter"])
        elif answer.startswith("end:"):
            event = session.end(answer[4:])
        else:
            event = session.choose(answer)
        store.record_event(call_id, event, now=at + timedelta(seconds=i + 1))


def call(store: Store, script, lead_id: int, answers: list, at: datetime, **finish) -> tuple[int, CallSession]:
    """One call on the lead as the app makes it: start, the session from the row, answers, finish."""
    store.claim_lead(lead_id, "王芳", now=at)
    call_id = store.start_call(lead_id, "王芳", store.store_script_version(script), VARIABLES, now=at)
    session = CallSession(script, VARIABLES, store.get_call(call_id).carried)
    play(store, call_id, session, answers, at)
    if session.finished:
        store.finish_session(call_id, session, now=at + timedelta(minutes=5), **finish)
    return call_id, session


def test_a_callback_call_resumes_knowing_the_star_from_the_first_call(db_location, ctrip):
    with Store.open(db_location) as store:
        lead = store.add_lead("甲公司", "13800000001")
        first, _ = call(
            store, ctrip, lead.id, [*TO_STAR_4, "end:callback"], T0, callback_due=T0 + timedelta(days=1, hours=5)
        )
        assert store.get_call(first).grade is None  # a callback keeps no grade
        later = T0 + timedelta(days=1, hours=5)
        second, session = call(store, ctrip, lead.id, ["1", "1"], later)
        carried = store.carried_facts(lead.id)
        assert carried["hotel_star"].value == 4 and carried["hotel_star"].call_id == first
        assert carried["hotel_star"].at == T0
        assert store.get_call(second).carried["hotel_star"] == {"value": 4, "call_id": first, "at": T0.isoformat()}
        # the session started knowing the star and the travel, not who answered or this call's address
        assert session.facts["hotel_star"] == 4 and session.facts["travel"] == "often"
        assert session.carried["hotel_star"].source() == "来自 11-24 的通话"
        assert "reached" not in session.carried and "via_receptionist" not in session.carried
        # at 是否出差 the earlier answer can be confirmed with one key
        assert session.node_id == "ask_travel" and session.confirmable().key == "1"


def test_a_correction_wins_and_an_unchanged_value_keeps_its_source(db_location, ctrip):
    with Store.open(db_location) as store:
        lead = store.add_lead("甲公司", "13800000001")
        due = T0 + timedelta(days=1)
        first, _ = call(store, ctrip, lead.id, [*TO_STAR_4, "end:callback"], T0, callback_due=due)
        # second call: confirms the travel (Enter), says 三星 this time, then asks to be called again
        second_at = T0 + timedelta(days=1)
        second, session = call(store, ctrip, lead.id, ["1", "1"], second_at)
        confirm = session.confirmable()
        assert confirm is not None
        play(store, second, session, [confirm.key, "1", "2", "1", "4", "1", {"enter": "3"}, "end:callback"], second_at)
        store.finish_session(
            second, session, callback_due=due + timedelta(days=1), now=second_at + timedelta(minutes=5)
        )
        carried = store.carried_facts(lead.id)
        assert (carried["hotel_star"].value, carried["hotel_star"].call_id) == (
            3,
            second,
        )  # corrected: the later call's
        assert (carried["travel"].value, carried["travel"].call_id) == ("often", first)  # unchanged: still the first's
        _, session = call(store, ctrip, lead.id, [], T0 + timedelta(days=2))
        assert session.facts["hotel_star"] == 3
        assert session.carried["travel"].call_id == first


def test_crash_and_resume_of_the_later_call_reproduce_the_carried_facts(db_location, ctrip):
    path = db_location
    with Store.open(path) as store:
        lead = store.add_lead("甲公司", "13800000001")
        call(store, ctrip, lead.id, [*TO_STAR_4, "end:callback"], T0, callback_due=T0 + timedelta(days=1))
        later = T0 + timedelta(days=1)
        # the second call gets as far as 询问地址 … then the terminal dies
        second, live = call(store, ctrip, lead.id, ["1", "1", "1", "1", "2", "1", "4", "1", {"enter": "4"}, "1"], later)
        assert live.node_id == "ask_address"
    # a finished call since must not change what the resumed call started with
    with Store.open(path) as store:
        other = store.add_lead("乙公司", "13800000002")
        call(store, ctrip, other.id, ["1", "1", "4"], later)
        resumed = store.resume_call(second)
        assert resumed.node_id == live.node_id and resumed.facts == live.facts
        assert resumed.carried == live.carried and resumed.learned == live.learned
        assert resumed.grade() == live.grade() and resumed.confirmable() == live.confirmable()
        # the row's record is what makes it the same call: without it, early steps knew no star
        head = live.events[:2]
        assert "hotel_star" not in CallSession.rebuild(ctrip, head, VARIABLES).facts
        assert CallSession.rebuild(ctrip, head, VARIABLES, store.get_call(second).carried).facts["hotel_star"] == 4
        # closing it (supervisor, crash recovery) grades from the carried facts too
        record = store.close_call(second, "not_qualified", now=later + timedelta(hours=3))
        assert record.facts["hotel_star"] == 4 and (record.grade, record.grade_rule_index) == ("好", 1)


def test_only_final_grades_are_stored(db_location, ctrip):
    good = {"grade": "好", "rule_label": "r", "rule_index": 1, "conditions": {}, "qualified": True}
    facts = {"reached": True, "travel": "often", "hotel_star": 4, "accepts": "yes"}
    with Store.open(db_location) as store:
        sid = store.store_script_version(ctrip)
        stored = {}
        for i, (outcome, extra, finish) in enumerate(
            [
                ("mailed", {}, {"address": "上海市"}),
                ("not_qualified", {}, {}),
                ("member_care", {}, {}),
                ("callback", {}, {"callback_due": T0 + timedelta(days=1)}),
                ("refused", {}, {}),
                ("not_qualified", {"reached": False}, {}),  # the receptionist said nobody travels
                ("no_answer", {}, {}),
            ]
        ):
            lead = store.add_lead(f"公司{i}", f"1380000{i:04d}")
            call_id = store.start_call(lead.id, "王芳", sid, now=T0)
            record = store.finish_call(call_id, outcome, {**facts, **extra}, good, now=T0, **finish)
            stored[(outcome, bool(extra))] = (record.grade, record.facts.get("accepts"))
    assert stored == {
        ("mailed", False): ("好", "yes"),
        ("not_qualified", False): ("好", "yes"),
        ("member_care", False): ("好", "yes"),
        ("callback", False): (None, "yes"),
        ("refused", False): (None, "no"),  # ending refused, from any path, means accepts = no
        ("not_qualified", True): (None, "yes"),
        ("no_answer", False): (None, "yes"),
    }


def test_has_mailing_and_department(db_location):
    with Store.open(db_location) as store:
        lead = store.add_lead("甲公司", "13800000001", contact="张伟", title="经理", department="市场部")
        assert store.get_lead(lead.id).department == "市场部"
        assert store.update_lead(lead.id, department="行政部").department == "行政部"
        assert not store.has_mailing(lead.id)
        sid = store.store_script_version(load_script(CTRIP))
        call_id = store.start_call(lead.id, "王芳", sid, now=T0)
        store.finish_call(call_id, "mailed", {"address": "上海市"}, now=T0)
        assert store.has_mailing(lead.id)


def test_version_5_adds_department_and_carried_to_an_old_file(tmp_path):
    from callscript.storage.db import connect
    from callscript.storage.schema import migrate, schema_version

    db = connect(tmp_path / "old.db")
    migrate(db.conn, target=4, views=False)
    db.conn.execute(
        "INSERT INTO leads (company, phone, phone_norm, created_at, updated_at) VALUES ('甲', '1', '+861', 'x', 'x')"
    )
    assert migrate(db.conn, target=5, views=False) == [5]  # later steps are other tests' business
    assert schema_version(db.conn) == 5
    assert db.conn.execute("SELECT department FROM leads").fetchone() == (None,)
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(calls)")}
    assert "carried" in columns
    db.close()
