"""A call recorded event by event, committed at once, and rebuilt identically."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from backends import peek
from hypothesis import given, settings
from hypothesis import strategies as st

from callscript.script.loader import load_script_text
from callscript.script.session import CallSession
from callscript.storage import CallFinished, NotFound, StorageError, Store
from storage.helpers import finish_kwargs, mini_script, random_step

T0 = datetime(2025, 3, 3, 10, 0).astimezone()


def state(session: CallSession):
    grade = session.grade()
    return (
        session.node_id,
        session.facts,
        session.path,
        session.finished,
        session.outcome,
        session.events,
        grade.grade,
        grade.rule_index,
        grade.conditions,
        grade.qualified,
    )


def committed_events(path, call_id):
    """What another process sees right now (so: what is committed)."""
    with peek(path) as conn:
        return [
            tuple(row)
            for row in conn.execute(
                "SELECT seq, kind, node, value FROM call_events WHERE call_id = ? ORDER BY seq", (call_id,)
            ).fetchall()
        ]


@pytest.fixture
def call(store, script):
    agent = store.ensure_agent("王芳")
    lead = store.add_lead("甲公司", "13800000001", contact="张三", industry="IT")
    sid = store.store_script_version(script)
    variables = {"contact_name": "张三"}
    call_id = store.start_call(lead.id, agent, sid, variables)
    return call_id, CallSession(script, variables), agent, lead


def test_each_answer_is_committed_before_record_event_returns(store, call):
    call_id, session, *_ = call
    steps = [lambda: session.choose("1"), lambda: session.choose("1"), lambda: session.enter("4")]
    for n, step in enumerate(steps, start=1):
        event = step()
        record = store.record_event(call_id, event)
        assert record.seq == n
        assert not store.conn.in_transaction
        seen = committed_events(store.path, call_id)
        assert seen[-1] == (n, event.kind, event.node, event.value)
        assert len(seen) == n


def test_recorded_call_with_back_rebuilds_identically(store, call, script):
    call_id, session, _agent, _lead = call
    actions = [
        lambda s: s.choose("1"),  # opening → ask_travel
        lambda s: s.choose("3"),  # 再说一遍 → opening (a loop)
        lambda s: s.choose("1"),
        lambda s: s.choose("1"),  # travel often
        lambda s: s.enter("4"),
        lambda s: s.back(),  # undo the star
        lambda s: s.enter("2"),
        lambda s: s.back(),
        lambda s: s.back(),  # back to ask_travel, travel still often (set before)
        lambda s: s.choose("2"),  # rarely instead
        lambda s: s.skip(),  # star unknown
        lambda s: s.choose("1"),
        lambda s: s.enter("上海市长宁区金钟路968号"),
    ]
    for i, act in enumerate(actions):
        store.record_event(call_id, act(session))
        if i in (4, 5, 8):
            store.add_note(call_id, f"note {i}", important=i == 5, node=session.node_id)
        resumed = store.resume_call(call_id)
        assert state(resumed) == state(session), f"after step {i}"
    assert session.finished and session.outcome == "mailed"
    assert session.facts["travel"] == "rarely" and "hotel_star" not in session.facts

    log = store.call_events(call_id)
    assert [e.kind for e in log].count("note") == 3
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert [e.kind for e in log if not e.is_note].count("back") == 3

    record = store.finish_session(call_id, session)
    assert record.outcome == "mailed" and record.facts == session.facts
    assert record.grade == session.grade().grade == "勉强"
    assert record.grade_rule == "问不到消费标准"
    assert record.conditions == session.grade().conditions
    assert store.resume_call(call_id).events == session.events  # still rebuildable after the end


def test_resuming_mid_call_and_going_on(store, call):
    call_id, session, *_ = call
    for act in (lambda s: s.choose("1"), lambda s: s.choose("1"), lambda s: s.enter("5"), lambda s: s.back()):
        store.record_event(call_id, act(session))
    # the process dies here; a new one resumes
    resumed = store.resume_call(call_id)
    assert state(resumed) == state(session)
    assert resumed.node_id == "ask_star" and "hotel_star" not in resumed.facts
    for act in (lambda s: s.enter("3"), lambda s: s.choose("3")):
        store.record_event(call_id, act(resumed))
        act(session)
    assert state(store.resume_call(call_id)) == state(session)
    assert session.outcome == "refused"


def test_a_finished_call_log_is_closed_but_takes_notes(store, call):
    call_id, session, *_ = call
    store.record_event(call_id, session.choose("3"))  # no answer → bye_no_answer
    store.finish_session(call_id, session)
    with pytest.raises(CallFinished):
        store.record_event(call_id, {"kind": "back", "node": "bye_no_answer", "value": None})
    with pytest.raises(CallFinished):
        store.finish_call(call_id, "busy")
    note = store.add_note(call_id, "挂断后补记:前台说下午再打", important=True)
    assert note.seq == 2 and note.important
    assert store.check().ok


def test_bad_input_is_refused(store, call):
    call_id, *_ = call
    with pytest.raises(NotFound):
        store.record_event(call_id + 99, {"kind": "choose", "node": "opening", "value": "1"})
    with pytest.raises(ValueError):
        store.record_event(call_id, {"kind": "note", "node": "opening", "value": "x"})
    with pytest.raises(ValueError):
        store.add_note(call_id, "   ")
    with pytest.raises(ValueError):
        store.finish_call(call_id, "maybe")
    with pytest.raises(ValueError, match="callback_due"):
        store.finish_call(call_id, "callback")
    with pytest.raises(ValueError, match="address"):
        store.finish_call(call_id, "mailed", {"hotel_star": 3})
    assert store.get_call(call_id).ended_at is None


def test_resume_uses_the_stored_script_version(store, call, script):
    call_id, session, *_ = call
    store.record_event(call_id, session.choose("1"))
    edited = load_script_text(script.source_text.replace("您经常出差吗?", "您常出差吗?"), path="edited.yaml")
    assert edited.sha256 != script.sha256
    with pytest.raises(StorageError) as refused:
        store.resume_call(call_id, edited)
    assert refused.value.code == "script_version_mismatch"
    resumed = store.resume_call(call_id)  # from the text stored with the call
    assert resumed.script.sha256 == script.sha256
    assert resumed.lines() == session.lines()
    assert store.store_script_version(edited) != store.get_call(call_id).script_id
    assert [v.sha256 for v in store.script_versions("mini")] == [script.sha256, edited.sha256]


def test_unfinished_calls_stale_list_and_closing(store, script):
    agent = store.ensure_agent("李雷")
    other = store.ensure_agent("韩梅")
    sid = store.store_script_version(script)
    a = store.add_lead("甲", "13800000011")
    b = store.add_lead("乙", "13800000012")
    old = store.start_call(a.id, agent, sid, now=T0)
    session = CallSession(script)
    store.record_event(old, session.choose("1"), now=T0 + timedelta(minutes=1))
    store.record_event(old, session.choose("1"), now=T0 + timedelta(minutes=2))
    recent = store.start_call(b.id, other, sid, now=T0 + timedelta(hours=3))
    assert [c.call_id for c in store.unfinished_calls(agent)] == [old]
    assert {c.call_id for c in store.unfinished_calls()} == {old, recent}
    assert store.unfinished_calls("nobody") == []
    (stale,) = store.stale_unfinished_calls(timedelta(hours=2), now=T0 + timedelta(hours=4))
    assert (stale.call_id, stale.events, stale.last_activity) == (old, 2, T0 + timedelta(minutes=2))
    report = store.check(now=T0 + timedelta(hours=4))
    assert report.ok and any(f"call {old}" in w for w in report.warnings)

    closed = store.close_call(old, "refused", note="坐席离职", now=T0 + timedelta(hours=4))
    assert closed.recovered and closed.outcome == "refused"
    assert closed.facts == {"reached": True, "travel": "often", "accepts": "no"}  # refused settles accepts = no
    assert store.call_events(old)[-1].value == "坐席离职"
    assert store.get_lead(a.id).active_call_id is None
    store.discard_call(recent)  # nothing answered: may be deleted
    with pytest.raises(NotFound):
        store.get_call(recent)
    assert store.get_lead(b.id).active_call_id is None
    assert store.check().ok


def test_discard_refuses_a_call_with_answers(store, call):
    call_id, session, *_ = call
    store.record_event(call_id, session.choose("1"))
    with pytest.raises(StorageError) as refused:
        store.discard_call(call_id)
    assert refused.value.code == "call_has_answers"


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("walks") / "walks.db") as s:
        yield s


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), stop=st.integers(1, 40))
def test_random_walks_rebuild_identically(shared_store, seed, stop):
    store = shared_store
    script = mini_script()
    rng = random.Random(seed)
    agent = store.ensure_agent(f"agent{seed % 3}")
    lead = store.add_lead(f"公司{seed}-{stop}", f"139{store.count_leads():08d}")  # a valid CN mobile, unique per lead
    call_id = store.start_call(lead.id, agent, store.store_script_version(script))
    session = CallSession(script)
    steps = 0
    while not session.finished and steps < stop:
        store.record_event(call_id, random_step(session, rng))
        if rng.random() < 0.1:
            store.add_note(call_id, f"note {steps}")
        steps += 1
    resumed = store.resume_call(call_id)
    assert state(resumed) == state(session)
    if session.finished:
        store.finish_session(call_id, session, **finish_kwargs(session))
    else:
        # the resumed session carries on exactly like the original would
        follow = random.Random(seed + 1)
        twin = random.Random(seed + 1)
        while not session.finished:
            store.record_event(call_id, random_step(resumed, follow))
            random_step(session, twin)
        assert state(store.resume_call(call_id)) == state(session)
