"""Report functions take the acting account: an agent's tables hold their own rows only,
a supervisor's every agent's (the known database of conftest.py: 王芳 = 1, 李娜 = 2)."""

from __future__ import annotations

from datetime import datetime

import pytest

from callscript.core.access import Actor, PermissionDenied, Role
from callscript.reports.due import due_list
from callscript.reports.queries import cumulative, daily, remarks, yield_table
from reports.conftest import D1, D3

WANG = Actor("王芳", Role.AGENT, "10.0.0.1", account_id=1, agent_id=1)
LI = Actor("李娜", Role.AGENT, "10.0.0.2", account_id=2, agent_id=2)
BOSS = Actor("赵主管", Role.SUPERVISOR, "10.0.0.3", account_id=3, agent_id=None)


def test_an_agents_daily_table_is_their_own(conn):
    everyone = daily(conn, D1, "agent")
    mine = daily(conn, D1, "agent", actor=WANG)
    assert [r.agent for r in mine.rows] == ["王芳"]
    assert mine.rows[0].counts == everyone.row(agent="王芳").counts
    assert mine.total == mine.rows[0].counts


def test_an_agents_table_by_industry_counts_only_their_calls(conn):
    everyone = daily(conn, D1, "both")
    mine = daily(conn, D1, "industry", actor=LI)
    assert {r.industry: r.counts for r in mine.rows} == {
        r.industry: r.counts for r in everyone.rows if r.agent == "李娜"
    }


def test_a_supervisor_sees_every_agent(conn):
    assert daily(conn, D1, "agent", actor=BOSS) == daily(conn, D1, "agent")
    assert cumulative(conn, D1, D3, "both", actor=BOSS) == cumulative(conn, D1, D3, "both")


def test_remarks_and_the_yield_table_are_narrowed_too(conn):
    assert {r.agent for r in remarks(conn, D1, D3)} - {"王芳"}  # someone else's remark exists
    assert {r.agent for r in remarks(conn, D1, D3, actor=WANG)} <= {"王芳"}
    mine = yield_table(conn, D1, D3, min_leads=1, actor=WANG)
    assert mine.total == cumulative(conn, D1, D3, "agent", actor=WANG).total


def test_the_due_list_of_an_agent_is_their_own(conn):
    now = datetime(2025, 3, 20, 10, 0).astimezone()
    everyone = due_list(conn, now, overdue_days=30)
    assert {i.agent for i in everyone.items} == {"王芳", "李娜"}
    assert {i.agent for i in due_list(conn, now, overdue_days=30, actor=LI).items} == {"李娜"}


def test_an_actor_without_an_agent_row_is_refused(conn):
    nobody = Actor("新人", Role.AGENT, "tty", account_id=9, agent_id=None)
    with pytest.raises(PermissionDenied) as refused:
        daily(conn, D1, actor=nobody)
    assert refused.value.code == "no_agent"
