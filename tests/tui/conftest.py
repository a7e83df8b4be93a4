"""Fixtures for the TUI tests: a tmp database with leads, a tmp config, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from callscript.script.loader import load_script
from callscript.storage import Store
from callscript.tui.app import CallscriptApp
from callscript.tui.clock import FixedClock

ROOT = Path(__file__).resolve().parents[2]
CTRIP = ROOT / "scripts" / "ctrip.yaml"

#: A Tuesday morning: callbacks "this afternoon" are still ahead.
T0 = datetime(2025, 11, 25, 10, 0, 0).astimezone()

LEADS = [
    dict(
        company="深圳华强电子科技有限公司", contact="王建国", title="行政经理", phone="0755-26881234", industry="电子"
    ),
    dict(company="广州白云贸易有限公司", contact="李娜", title="总经理助理", phone="13812345678", industry="贸易"),
    dict(company="东莞长安五金制品厂", contact="陈志强", title="厂长", phone="0769-85331234", industry="制造"),
    dict(company="佛山顺德家具有限公司", contact="刘芳", title="采购主管", phone="0757-22991234", industry="家具"),
]


@pytest.fixture(scope="session")
def ctrip_script():
    return load_script(CTRIP)


@pytest.fixture(autouse=True)
def _config_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLSCRIPT_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("CALLSCRIPT_DB", raising=False)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "calls.db"


def seed_leads(db_path: Path, clock: FixedClock, leads: list[dict] = LEADS) -> list[int]:
    with Store.open(db_path, clock=clock, synchronous="OFF") as store:
        return [store.add_lead(**lead).id for lead in leads]


@pytest.fixture
def seeded(db_path, clock) -> list[int]:
    return seed_leads(db_path, clock)


@pytest.fixture
def make_app(db_path, clock, ctrip_script, tmp_path) -> Callable[..., CallscriptApp]:
    def make(**kwargs) -> CallscriptApp:
        options = dict(
            db_path=db_path,
            agent="张三",
            clock=clock,
            config_file=tmp_path / "config.json",
            script=ctrip_script,
            cursor_blink=False,
            live_timer=False,
            back_guard=0.0,
            store_options={"synchronous": "NORMAL"},
        )
        options.update(kwargs)
        return CallscriptApp(**options)

    return make


def open_store(db_path: Path, clock) -> Store:
    return Store.open(db_path, clock=clock)
