"""Shared by the lead tests (and the child processes they start: no relative imports)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 3, 2, 10, 0).astimezone()  # a Monday morning, local time


def shipped_script():
    from callscript.script.loader import load_script

    return load_script(ROOT / "scripts" / "ctrip.yaml")


def call(
    store,
    script,
    lead_id: int,
    agent: str,
    outcome: str,
    *,
    now: datetime = MONDAY,
    facts: dict[str, Any] | None = None,
    grade: Any = None,
    **options: Any,
):
    """Start and finish one call on a lead at ``now``."""
    call_id = store.start_call(lead_id, agent, store.store_script_version(script), now=now)
    if outcome == "callback" and "callback_due" not in options:
        options["callback_due"] = now + timedelta(hours=4)
    return store.finish_call(call_id, outcome, facts or {}, grade, now=now + timedelta(minutes=3), **options)


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def mobile(i: int) -> str:
    """A valid, made-up CN mobile number, unique per ``i`` (< 10**8)."""
    return f"139{i:08d}"
