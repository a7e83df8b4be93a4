"""Snapshots (pytest-textual-snapshot) of the lead list, a mid-call screen and the end-of-call
card at 80×24 and 120×40. Stable: a fixed clock, no cursor blink, no live timer.

Update after an intended change of the look: ``uv run pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from callscript.storage import Store
from tui.conftest import CTRIP, seed_leads
from tui.helpers import all_saved, keys, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

# "enter" opens the call (the lead is claimed on the database thread first); the helpers settle
# after it, so the answers cannot reach the lead list under load. The keys are the same.
MID_CALL = ["enter", "1", "1", "1", "1", "1", "1", "1", "text:艺龙", "enter", "2", "1"]  # B1 → 酒店星级
WHOLE_CALL = [*MID_CALL, "text:4", "enter", "1", "text:深圳市南山区科技园南区1栋", "enter", "1"]


def with_due_callback(db_path, clock) -> None:
    """The third lead was called yesterday and asked for a call back at 09:30 today."""
    from callscript.script.loader import load_script

    seed_leads(db_path, clock)
    yesterday = datetime(2025, 11, 24, 16, 0).astimezone()
    with Store.open(db_path, clock=clock) as store:
        store.ensure_agent("张三")
        script_id = store.store_script_version(load_script(CTRIP))
        store.claim_lead(3, "张三", now=yesterday)
        call_id = store.start_call(3, "张三", script_id, {}, now=yesterday)
        store.finish_call(
            call_id,
            "callback",
            {"reached": True},
            callback_due=datetime(2025, 11, 25, 9, 30).astimezone(),
            now=yesterday,
        )


@pytest.mark.parametrize("size", SIZES)
def test_lead_list(snap_compare, make_app, db_path, clock, size):
    with_due_callback(db_path, clock)

    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_mid_call(snap_compare, make_app, db_path, clock, size):
    seed_leads(db_path, clock)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await keys(pilot, MID_CALL[0])
        await keys(pilot, *MID_CALL[1:])
        await keys(pilot, "ctrl+n", "text:!老板下周去上海出差", "enter")
        await all_saved(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_end_of_call_card(snap_compare, make_app, db_path, clock, size):
    seed_leads(db_path, clock)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await keys(pilot, WHOLE_CALL[0])
        await keys(pilot, *WHOLE_CALL[1:])
        await all_saved(pilot)
        clock.advance(minutes=4, seconds=12)
        await keys(pilot, "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


ADDRESS_60 = (
    "广东省深圳市南山区粤海街道科技园南区高新南七道18号数字技术园B2栋3楼301室行政部李娜女士收(工作日请交前台代收件)"
)
LONG_NOTE = "!客户说周五前要报价单,手机13918765402晚上8点后再打,先寄资料给前台小王转交,老板下周去上海出差"


def test_summary_card_with_a_long_address_and_note(snap_compare, make_app, db_path, clock):
    """80×24: the whole 60-character address and the long note, wrapped, nothing cut."""
    seed_leads(db_path, clock)
    walk = [*MID_CALL, "text:4", "enter", "1", f"text:{ADDRESS_60}", "enter", "1"]

    async def run_before(pilot) -> None:
        await settle(pilot)
        await keys(pilot, walk[0])
        await keys(pilot, *walk[1:5])
        await keys(pilot, "ctrl+n", f"text:{LONG_NOTE}", "enter")
        await keys(pilot, *walk[5:])
        await all_saved(pilot)
        clock.advance(minutes=4, seconds=12)
        await keys(pilot, "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_lead_list_with_a_due_callback_alert(snap_compare, make_app, db_path, clock):
    """80×24: a callback booked for 10:30 comes due — it is at the top, in red, with the notice."""
    from callscript.script.loader import load_script

    seed_leads(db_path, clock)
    earlier = datetime(2025, 11, 25, 9, 0).astimezone()
    with Store.open(db_path, clock=clock) as store:
        store.ensure_agent("张三")
        script_id = store.store_script_version(load_script(CTRIP))
        store.claim_lead(3, "张三", now=earlier)
        call_id = store.start_call(3, "张三", script_id, {}, now=earlier)
        store.finish_call(
            call_id,
            "callback",
            {"reached": True},
            callback_due=datetime(2025, 11, 25, 10, 30).astimezone(),
            now=earlier,
        )
    app = make_app(watch_seconds=0)
    app.bell = lambda: None  # type: ignore[method-assign]

    async def run_before(pilot) -> None:
        await settle(pilot)
        app.look_for_changes()
        await settle(pilot)
        clock.advance(minutes=31)
        app.look_for_changes()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
