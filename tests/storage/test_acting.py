"""Roles enforced in the core: ``Store.acting_as(actor)`` checks, narrows and audits.

An agent's acting store cannot read another agent's callbacks, follow-ups, calls or
day reviews, nor write into their calls; a supervisor's reads every agent's rows but
writes only into their own calls; a disabled account's view refuses its next action.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from callscript.core.access import Actor, AuditAction, PermissionDenied, Role
from callscript.script.session import CallSession
from callscript.storage import Store
from storage.helpers import mini_script

T0 = datetime(2025, 3, 3, 10, 0).astimezone()


@pytest.fixture
def floor(db_location):
    """Two agents with a callback each, a mailed lead of 王芳's, a supervisor and an admin."""
    script = mini_script()
    with Store.open(db_location, clock=lambda: T0) as store:
        ids = {}
        for name, role in (("王芳", "agent"), ("李明", "agent"), ("赵主管", "supervisor"), ("钱管理", "admin")):
            account = store.add_account(name, role, "$argon2id$stand-in")
            agent_id = account.agent_id or store.link_account_agent(account.id)
            ids[name] = Actor(name, Role(role), "10.0.0.9", account.id, agent_id)
        sid = store.store_script_version(script)
        calls = {}
        for i, name in enumerate(("王芳", "李明")):
            lead = store.add_lead(f"公司{i}", f"1380000000{i}")
            call_id = store.start_call(lead.id, ids[name].agent_id, sid, now=T0)
            session = CallSession(script, {})
            store.record_event(call_id, session.choose("2"), now=T0)  # 不方便 → a callback ending
            assert session.outcome == "callback"
            store.finish_session(call_id, session, callback_due=T0 + timedelta(hours=2), now=T0)
            calls[name] = call_id
        store.set_day_review("李明", T0.date(), strengths="好")
        yield store, ids, calls, sid


def test_an_agent_reads_only_their_own_callbacks(floor):
    store, ids, _calls, _ = floor
    wang = store.acting_as(ids["王芳"])
    assert {cb.agent_id for cb in wang.callbacks()} == {ids["王芳"].agent_id}
    with pytest.raises(PermissionDenied) as refused:
        wang.callbacks(ids["李明"].agent_id)
    assert refused.value.code == "not_own"
    with pytest.raises(PermissionDenied):
        wang.callbacks("李明")
    assert [c.agent_id for c in wang.unfinished_calls()] == []
    assert {c.agent_id for c in wang.list_calls()} == {ids["王芳"].agent_id}


def test_a_supervisor_reads_every_agents_callbacks(floor):
    store, ids, _, _ = floor
    boss = store.acting_as(ids["赵主管"])
    assert {cb.agent_id for cb in boss.callbacks()} == {ids["王芳"].agent_id, ids["李明"].agent_id}
    assert [cb.agent_id for cb in boss.callbacks("李明")] == [ids["李明"].agent_id]
    assert boss.day_review("李明", T0.date()).strengths == "好"


def test_an_agent_cannot_read_or_write_another_agents_call(floor):
    store, ids, calls, _ = floor
    wang = store.acting_as(ids["王芳"])
    assert wang.get_call(calls["王芳"]).agent_id == ids["王芳"].agent_id
    for attempt in (
        lambda: wang.get_call(calls["李明"]),
        lambda: wang.call_events(calls["李明"]),
        lambda: wang.add_note(calls["李明"], "偷看"),
        lambda: wang.resume_call(calls["李明"]),
        lambda: wang.day_review("李明", T0.date()),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "not_own"
    assert [e.value for e in store.call_events(calls["李明"]) if e.kind == "note"] == []


def test_a_supervisor_reads_any_call_but_writes_only_their_own(floor):
    store, ids, calls, _ = floor
    boss = store.acting_as(ids["赵主管"])
    assert boss.get_call(calls["李明"]).agent_id == ids["李明"].agent_id
    assert boss.call_events(calls["李明"])
    with pytest.raises(PermissionDenied) as refused:
        boss.add_note(calls["李明"], "主管批注")
    assert refused.value.code == "not_own"


def test_the_lead_list_is_the_pool_plus_the_agents_own_work(floor):
    store, ids, _, _ = floor
    later = T0 + timedelta(hours=3)  # both callbacks are due
    wang = store.acting_as(ids["王芳"])
    mine = wang.leads_in_tier("callback_due", now=later)
    assert [lead.assigned_agent_id for lead in mine] == [ids["王芳"].agent_id]
    with pytest.raises(PermissionDenied):
        wang.leads_in_tier("callback_due", now=later, agent="李明")
    theirs = store.callbacks("李明")[0].lead_id
    with pytest.raises(PermissionDenied) as refused:
        wang.claim_lead(theirs, now=later)
    assert refused.value.code == "not_own"


def test_claims_and_calls_are_made_as_the_actor(floor):
    store, ids, _, sid = floor
    wang = store.acting_as(ids["王芳"])
    lead = wang.add_lead("新公司", "13900000009")
    assert wang.claim_lead(lead.id).claimed_by == ids["王芳"].agent_id
    call_id = wang.start_call(lead.id, sid)
    assert store.get_call(call_id).agent_id == ids["王芳"].agent_id
    session = CallSession(mini_script(), {})
    wang.record_event(call_id, session.choose("3"))  # 无人接听: a no-answer ending
    assert wang.finish_session(call_id, session).outcome == "no_answer"


def test_permissions_by_role(floor):
    store, ids, _, _ = floor
    lead = store.add_lead("某公司", "13900000001")
    wang, boss, admin = (store.acting_as(ids[n]) for n in ("王芳", "赵主管", "钱管理"))
    wang.mark_do_not_call(lead.id, "客户要求")  # an agent ends a call as "never again"
    for refused_call in (
        lambda: wang.clear_do_not_call(lead.id),
        lambda: wang.set_day_review("李明", T0.date(), strengths="x"),
        lambda: wang.record_publish(mini_script(), 1),
        lambda: wang.audit_entries(),
        lambda: boss.audit_entries(),
    ):
        with pytest.raises(PermissionDenied) as refused:
            refused_call()
        assert refused.value.code == "not_permitted"
    boss.clear_do_not_call(lead.id)
    boss.set_day_review("李明", T0.date(), weaknesses="语速快")
    boss.record_publish(mini_script(), 1, path="scripts/mini.yaml")
    entries = admin.audit_entries()
    assert [(e.action, e.actor, e.origin) for e in entries[-4:]] == [
        ("do_not_call_set", "王芳", "10.0.0.9"),
        ("do_not_call_cleared", "赵主管", "10.0.0.9"),
        ("remark", "赵主管", "10.0.0.9"),
        ("publish", "赵主管", "10.0.0.9"),
    ]
    assert entries[-4].target == f"lead:{lead.id}" and entries[-4].detail == {"reason": "客户要求"}


def test_a_disabled_accounts_view_refuses_its_next_action(floor):
    store, ids, calls, _ = floor
    wang = store.acting_as(ids["王芳"])
    assert wang.callbacks()
    store.set_account_disabled(ids["王芳"].account_id)
    with pytest.raises(PermissionDenied) as refused:
        wang.callbacks()
    assert refused.value.code == "account_disabled"
    with pytest.raises(PermissionDenied):
        wang.add_note(calls["王芳"], "还在吗")
    wang.audit_session(AuditAction.SESSION_ENDED)
    assert store.audit_entries()[-1].action == "session_ended"


def test_the_system_actor_sees_and_does_everything(floor):
    store, _ids, calls, _ = floor
    system = store.acting_as(store.actor)
    assert len(system.callbacks()) == 2
    system.add_note(calls["李明"], "系统补记")
    assert system.audit_entries()
