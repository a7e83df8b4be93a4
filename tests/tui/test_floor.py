"""The board in the app (``b`` on the lead list) with 12 agents, the pause (``p``) written to the
session row, acting from the board, and snapshots of the board at 80×24 and 120×40."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from callscript.core.access import AuditAction
from callscript.core.presence import AgentState, PauseReason, Presence
from callscript.script.loader import load_script
from callscript.storage import Store
from callscript.tui.screens.floor import FloorScreen
from callscript.tui.screens.pause import PauseScreen
from tui.conftest import CTRIP, T0, seed_leads
from tui.helpers import keys, screen_text, settle, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

NAMES = ["王芳", "李明", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周杰", "吴倩", "郑爽", "孙丽"]
STATES = [
    Presence(AgentState.IN_CALL, call_id=None, node="B1", node_title="预订方式"),
    Presence(AgentState.READY),
    Presence(AgentState.PAUSED, reason=PauseReason.LUNCH),
    Presence(AgentState.WRAP_UP),
    Presence(AgentState.LOCKED),
    None,  # no app open: 离线
]


def twelve_agents(db_path, clock) -> dict[str, int]:
    """12 agents with calls this morning (spark lines, figures) and an app each in some state."""
    seed_leads(db_path, clock)
    ids: dict[str, int] = {}
    with Store.open(db_path, clock=clock, synchronous="OFF") as store:
        script_id = store.store_script_version(load_script(CTRIP))
        for n, name in enumerate(NAMES):
            ids[name] = store.ensure_agent(name).id
            for k in range(n % 4 + 1):  # a few calls between 09:00 and 10:00, some mailed
                lead = store.add_lead(f"{name}客户{k}", f"1390000{n:02d}{k:02d}")
                when = T0 - timedelta(minutes=55 - 10 * k)
                call_id = store.start_call(lead.id, name, script_id, now=when)
                mailed = (n + k) % 3 == 0
                store.finish_call(
                    call_id,
                    "mailed" if mailed else "refused",
                    {"reached": True},
                    address="深圳市南山区" if mailed else None,
                    now=when + timedelta(minutes=3),
                )
            presence = STATES[n % len(STATES)]
            if presence is None:
                continue
            store.app_session_id = None
            store.open_app_session(name, pid=os.getpid(), now=T0 - timedelta(minutes=60))
            if presence.state is AgentState.IN_CALL:
                lead = store.add_lead(f"{name}通话中客户", f"1370000{n:04d}")
                call_id = store.start_call(lead.id, name, script_id, now=T0 - timedelta(minutes=4))
                presence = Presence(AgentState.IN_CALL, call_id=call_id, node="B1", node_title="预订方式")
            store.report_presence(presence, changed=True, now=T0 - timedelta(minutes=2))
            store.report_presence(presence, changed=False)
            store.app_session_id = None  # the next agent's calls are not this session's
    return ids


async def open_board(pilot) -> FloorScreen:
    await settle(pilot)
    await keys(pilot, "b")
    screen = pilot.app.screen
    assert isinstance(screen, FloorScreen)
    await wait_for(pilot, lambda: screen.reads >= 1)
    await settle(pilot)
    return screen


async def test_the_board_lists_every_agent_with_state_and_node(make_app, db_path, clock):
    twelve_agents(db_path, clock)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_board(pilot)
        board = screen.view.board
        assert {line.name for line in board.agents} >= set(NAMES)
        wang = board.agent("王芳")
        assert (wang.state, wang.node_title) == (AgentState.IN_CALL, "预订方式")
        assert board.agent("张伟").reason is PauseReason.LUNCH
        assert board.agent("杨帆").state is AgentState.OFFLINE
        text = screen_text(app)
        assert "通话中" in text and "预订方式" in text and "暂停" in text and "离线" in text
        await keys(pilot, "escape")
        assert not isinstance(app.screen, FloorScreen)


async def test_a_pause_is_on_the_session_row_with_its_reason_until_enter(make_app, db_path, clock, seeded):
    app = make_app(presence_tick=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await keys(pilot, "p", "2")  # 2: 午饭
        assert isinstance(app.screen, PauseScreen)

        def state():
            with Store.open(db_path, clock=clock) as store:
                row = store.get_app_session(app.backend.store.app_session_id)
                return row.state, row.pause_reason

        await wait_for(pilot, lambda: state() == ("paused", "lunch"))
        assert "午饭" in screen_text(app)
        await keys(pilot, "enter")
        assert not isinstance(app.screen, PauseScreen)
        await wait_for(pilot, lambda: state() == ("ready", None))


async def test_remarks_from_the_board_screen_are_saved_and_audited(make_app, db_path, clock):
    twelve_agents(db_path, clock)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_board(pilot)
        names = [line.name for line in screen.view.board.agents]
        for _ in range(names.index("李明")):
            await pilot.press("down")
        await keys(pilot, "m", "text:开场好", "enter", "text:语速快", "enter", "text:多问星级", "ctrl+s")
        await settle(pilot)
    with Store.open(db_path, clock=clock) as store:
        review = store.day_review("李明", T0.date())
        assert (review.strengths, review.weaknesses, review.suggestions) == ("开场好", "语速快", "多问星级")
        assert [e.target for e in store.audit_entries(action=AuditAction.REMARK)] == ["agent:李明"]


@pytest.mark.parametrize("size", SIZES)
def test_board_snapshot(snap_compare, make_app, db_path, clock, size):
    twelve_agents(db_path, clock)

    async def run_before(pilot) -> None:
        await open_board(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def absent_agents_work(db_path, clock) -> tuple[int, int]:
    """杨帆 (离线 on the board) with an open callback and a call left unfinished by a crash."""
    with Store.open(db_path, clock=clock, synchronous="OFF") as store:
        script_id = store.store_script_version(load_script(CTRIP))
        store.app_session_id = None
        lead = store.add_lead("杨帆回电客户", "13600000001")
        asked = store.start_call(lead.id, "杨帆", script_id, now=T0 - timedelta(minutes=50))
        store.finish_call(
            asked, "callback", {"reached": True}, callback_due=T0 + timedelta(hours=2), now=T0 - timedelta(minutes=48)
        )
        stale_lead = store.add_lead("杨帆断线客户", "13600000002")
        stale = store.start_call(stale_lead.id, "杨帆", script_id, now=T0 - timedelta(minutes=40))
        return lead.id, stale


async def select_agent(pilot, screen: FloorScreen, name: str) -> None:
    names = [line.name for line in screen.view.board.agents]
    for _ in range(names.index(name)):
        await pilot.press("down")


async def test_reassigning_from_the_board_screen_moves_the_callback_and_is_audited(make_app, db_path, clock):
    ids = twelve_agents(db_path, clock)
    lead_id, _ = absent_agents_work(db_path, clock)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_board(pilot)
        await select_agent(pilot, screen, "杨帆")
        await keys(pilot, "a")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ReassignDialog")
        chosen = app.screen.query_one("OptionList").get_option_at_index(0)
        await keys(pilot, "enter")
        await wait_for(pilot, lambda: any("已转给" in n.message for n in app._notifications))
    target = int(chosen.id)
    assert target != ids["杨帆"]
    with Store.open(db_path, clock=clock) as store:
        assert [cb.agent_id for cb in store.callbacks() if cb.lead_id == lead_id] == [target]
        assert store.get_lead(lead_id).assigned_agent_id == target
        [entry] = store.audit_entries(action=AuditAction.WORK_REASSIGNED)
        assert entry.target == "agent:杨帆" and entry.detail["callbacks"] == 1


async def test_closing_a_stale_call_from_the_board_screen_writes_the_outcome_and_the_audit(make_app, db_path, clock):
    from callscript.core.outcomes import Outcome
    from callscript.tui.screens.dialogs import OUTCOME_KEYS

    twelve_agents(db_path, clock)
    _, stale = absent_agents_work(db_path, clock)
    refused_key = next(key for key, outcome in OUTCOME_KEYS if outcome is Outcome.REFUSED)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_board(pilot)
        await select_agent(pilot, screen, "杨帆")
        await keys(pilot, "c")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "UnfinishedDialog")
        await keys(pilot, "enter")  # the one unfinished call
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OutcomeDialog")
        await keys(pilot, refused_key)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await keys(pilot, "y")
        await wait_for(pilot, lambda: any("已以「拒绝」结束" in n.message for n in app._notifications))
    with Store.open(db_path, clock=clock) as store:
        call = store.get_call(stale)
        assert call.outcome == "refused" and call.ended_at is not None
        [entry] = store.audit_entries(action=AuditAction.CALL_CLOSED)
        assert entry.target == f"call:{stale}"
