"""Shared by the storage tests and the child processes they start (no relative imports here).

``random_step`` takes one legal action on a session the way an agent might:
mostly forward, sometimes back, occasionally ending the call early.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from callscript.script.loader import load_script
from callscript.script.model import END, INPUT
from callscript.script.session import CallSession
from callscript.workshop.path_explorer import input_values

HERE = Path(__file__).resolve().parent
MINI_SCRIPT = HERE / "mini.yaml"


def mini_script():
    return load_script(MINI_SCRIPT)


def random_step(session: CallSession, rng: random.Random, *, back_rate: float = 0.12, end_rate: float = 0.02):
    """One action on an unfinished session; returns the Event it produced."""
    assert not session.finished
    if session.can_go_back and rng.random() < back_rate:
        return session.back()
    if rng.random() < end_rate:
        return session.end(rng.choice(["refused", "busy", "not_qualified"]))
    node = session.node
    assert node.kind != END
    if node.kind == INPUT:
        if node.skip is not None and rng.random() < 0.3:
            return session.skip()
        return session.enter(rng.choice(input_values(session.script, node)))
    return session.choose(rng.choice(node.options).key)


def finish_kwargs(session: CallSession, now: datetime | None = None) -> dict[str, Any]:
    """What finish_call needs besides outcome/facts/grade for this session's outcome."""
    kwargs: dict[str, Any] = {}
    if session.outcome == "callback":
        kwargs["callback_due"] = (now or datetime.now().astimezone()) + timedelta(days=1)
    if session.outcome == "mailed" and not session.facts.get("address"):
        kwargs["address"] = "上海市长宁区金钟路968号"
    return kwargs


def lead_rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    industries = ["IT", "制造", "医药", "金融"]
    return [
        {"company": f"公司{i}", "phone": f"1380000{i:04d}", "contact": f"联系人{i}", "industry": industries[i % 4]}
        for i in range(start, start + n)
    ]
