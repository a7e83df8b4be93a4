"""Agent coaching: where an agent's calls end, node by node, beside the rest of the floor.

For one agent and one script version over a range: at every question node, the
agent's arrivals and the share of them that ended there and that were lost
(:mod:`callscript.reports.funnel`: 流失 = refused + left unfinished), next to the same
shares for **the other agents** (the floor without this agent, so a busy agent is
not compared with themself), and the gap in percentage points. Beside it, the
agent's 优点/缺点/建议 for the days of the range.

A plain function returning dataclasses: the ``report coaching`` command and the
floor board's agent view call :func:`coaching`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from callscript.reports.funnel import Funnel, NodeStats, agent_id, funnel, percent, versions_in_range
from callscript.reports.queries import Remark, data_range, remarks
from callscript.reports.versions import VersionRef, resolve_version

MIN_ARRIVALS = 20
"""Below this many arrivals (the agent's or the others') a node's gap is not put into words."""
TOP_GAPS = 3


@dataclass(frozen=True, slots=True)
class CoachingNode:
    node: str
    title: str
    arrivals: int
    ended: int
    lost: int
    floor_arrivals: int  # the other agents
    floor_ended: int
    floor_lost: int

    @staticmethod
    def _rate(part: int, whole: int) -> Fraction | None:
        return Fraction(part, whole) if whole else None

    @property
    def ended_rate(self) -> Fraction | None:
        return self._rate(self.ended, self.arrivals)

    @property
    def loss_rate(self) -> Fraction | None:
        return self._rate(self.lost, self.arrivals)

    @property
    def floor_ended_rate(self) -> Fraction | None:
        return self._rate(self.floor_ended, self.floor_arrivals)

    @property
    def floor_loss_rate(self) -> Fraction | None:
        return self._rate(self.floor_lost, self.floor_arrivals)

    @property
    def loss_gap(self) -> Fraction | None:
        """The agent's 流失率 minus the others' (positive: the agent loses more here)."""
        if self.loss_rate is None or self.floor_loss_rate is None:
            return None
        return self.loss_rate - self.floor_loss_rate

    @property
    def enough(self) -> bool:
        return self.arrivals >= MIN_ARRIVALS and self.floor_arrivals >= MIN_ARRIVALS


@dataclass(slots=True)
class Coaching:
    """One agent against the floor on one script version."""

    agent: str
    version: VersionRef
    start: date | None
    end: date | None
    calls: int
    floor_calls: int
    nodes: list[CoachingNode]
    remarks: list[Remark] = field(default_factory=list)

    title = "业务员辅导"

    def node(self, node_id: str) -> CoachingNode:
        for n in self.nodes:
            if n.node == node_id:
                return n
        raise KeyError(node_id)

    def sentences(self, limit: int = TOP_GAPS) -> list[str]:
        """Where the agent loses most more (and least less) than the others, in words."""
        ranked = [n for n in self.nodes if n.enough and n.loss_gap is not None]
        worse = sorted((n for n in ranked if (n.loss_gap or 0) > 0), key=lambda n: (-(n.loss_gap or 0), n.node))
        better = sorted((n for n in ranked if (n.loss_gap or 0) < 0), key=lambda n: ((n.loss_gap or 0), n.node))
        out = []
        for n in worse[:limit]:
            out.append(
                f"「{n.title}」: {self.agent}的流失率 {percent(n.loss_rate)}, 其他人 {percent(n.floor_loss_rate)}, "
                f"高 {_points(n.loss_gap)} 个百分点 (到达 {n.arrivals:,} 次)。"
            )
        for n in better[:limit]:
            out.append(
                f"「{n.title}」做得好: 流失率 {percent(n.loss_rate)}, 其他人 {percent(n.floor_loss_rate)}, "
                f"低 {_points(-(n.loss_gap or Fraction(0)))} 个百分点。"
            )
        if not out:
            out.append(f"没有哪个节点的差别可以说 (每个节点双方都要至少到达 {MIN_ARRIVALS} 次)。")
        return out


def _points(value: Fraction | None) -> str:
    return "" if value is None else f"{float(value) * 100:.1f}"


def _agent_versions(conn: sqlite3.Connection, agent: int, start: date | None, end: date | None) -> list[int]:
    """The versions this agent has calls with in the range, newest first."""
    where: list[str] = ["c.agent_id = ?"]
    params: list[object] = [agent]
    if start is not None:
        where.append("substr(c.started_at, 1, 10) >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("substr(c.started_at, 1, 10) <= ?")
        params.append(end.isoformat())
    found = []
    for version, _n in versions_in_range(conn, start, end):
        row = conn.execute(
            f"SELECT 1 FROM calls c WHERE c.script_id = ? AND {' AND '.join(where)} LIMIT 1", [version.id, *params]
        ).fetchone()
        if row is not None:
            found.append(version.id)
    return found


def coaching(
    conn: sqlite3.Connection,
    agent: str,
    start: date | None = None,
    end: date | None = None,
    *,
    version: str | int | None = None,
) -> Coaching:
    """The agent's funnel beside the other agents' on one version (default: the newest
    version the agent has calls with in the range), with their remarks of the range."""
    name = agent.strip()
    who = agent_id(conn, name)
    if version is None:
        mine = _agent_versions(conn, who, start, end)
        if not mine:
            raise LookupError(f"{name} 这段时间没有通话记录 (no calls in this range)")
        version = mine[0]
    chosen = resolve_version(conn, version)
    theirs = funnel(conn, chosen.id, start, end, agent=name, times=False, others=False)
    everyone = funnel(conn, chosen.id, start, end, times=False, others=False)
    nodes = [_against(mine_node, everyone) for mine_node in theirs.nodes]
    first_last = (start, end) if start is not None and end is not None else data_range(conn)
    notes: list[Remark] = []
    if first_last is not None:
        low = start or first_last[0]
        high = end or first_last[1]
        notes = remarks(conn, low, high, agent=name)
    return Coaching(name, chosen, start, end, theirs.calls, everyone.calls - theirs.calls, nodes, notes)


def _against(mine: NodeStats, everyone: Funnel) -> CoachingNode:
    try:
        all_of = everyone.node(mine.node)
    except KeyError:
        all_of = NodeStats(mine.node, mine.title)
    return CoachingNode(
        mine.node,
        mine.title,
        mine.arrivals,
        mine.ended_total + mine.left,
        mine.lost,
        all_of.arrivals - mine.arrivals,
        all_of.ended_total + all_of.left - mine.ended_total - mine.left,
        all_of.lost - mine.lost,
    )
