"""The coaching lines in the board's agent view (issue 17's :func:`callscript.reports.coaching.coaching`).

Where the agent's calls end, node by node, against the other agents' over the last 30 days, in
words. Read on its own short-lived connection (as the report screen reads), so the board's
database thread is not held for it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from callscript.core.access import Actor, Permission
from callscript.reports.coaching import coaching
from callscript.reports.queries import open_db

COACHING_DAYS = 30


def coaching_lines(db_path: Path, agent: str, today: date, actor: Actor) -> list[str]:
    """The sentences of the agent's coaching over the last :data:`COACHING_DAYS` days (a role that
    reads every agent's rows only: ``not_permitted`` otherwise)."""
    actor.require(Permission.ALL_AGENTS)
    db = open_db(db_path)
    try:
        result = coaching(db.conn, agent, today - timedelta(days=COACHING_DAYS - 1), today)
    except LookupError as exc:
        return [str(exc).split(" (")[0]]
    finally:
        db.close()
    head = (
        f"近 {COACHING_DAYS} 天, 话术版本 #{result.version.id}: {result.calls:,} 通 (其他人 {result.floor_calls:,} 通)"
    )
    return [head, *result.sentences()]
