"""话术漏斗: the funnel by node — where calls go on, end, and are lost (``report funnel``).

Counting rules (docs/reports.md, "The funnel by node"):

* **Per script version.** Node ids can change between versions, so a funnel is of
  one stored version. Without ``version``: the newest version that has calls in the
  range; the other versions with calls there are named (``Funnel.other_versions``).
* **Rows are the script's question nodes**, in the script's order. Ending nodes
  (``end:``) are not rows: a move into one *ends the call at the node it was made
  from* — so a refusal counts where the prospect refused, not at 拒绝道别.
* **到达 arrivals** are visits on the call's final path: the start node once per
  call, and every node a kept move led to (a node reached twice by the script's own
  loop, e.g. 核对地址 → 询问地址, is arrived at twice).
* **继续 went on**: kept moves from the node to another question node;
  **结束 ended**: finished calls whose walk stopped at the node (a move into an
  ending node, Ctrl+E there, or closed there from outside), by outcome;
  **中断 left**: unfinished calls (a crash not yet resolved, or a call in progress)
  standing at the node. So at every node 到达 = 继续 + 结束 + 中断, and summed over
  the nodes 结束 + 中断 = the calls.
* **Undo (``back``)**: a move taken back is not a move: the arrival it made does
  not count, the option it chose does not count. The seconds spent at the node it
  led to *do* count to that node's times (an undone visit), and the node shows how
  often a ``back`` was pressed there (**撤回**).
* **流失 lost** = ended 拒绝 (refused) + 中断 (left); 流失率 = 流失 / 到达.
* **Times** (中位秒, P90秒) are per visit, kept or undone, nearest-rank, from the
  event times (:mod:`callscript.storage.analytics_tables`).

The numbers come from trigger-kept tables (storage migration 9); only unfinished
calls are read from their event logs at query time.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from callscript.core.outcomes import OUTCOME_VALUES, Outcome
from callscript.reports.queries import UNCLASSIFIED_LABEL
from callscript.reports.stats import percentile
from callscript.reports.versions import VersionRef, list_versions, load_version_script, resolve_version
from callscript.storage.analytics_tables import ENTER_KEY, SKIP_KEY, walk_items_select
from callscript.storage.report_tables import UNCLASSIFIED

if TYPE_CHECKING:
    from callscript.script.model import Node, Script

LOST_OUTCOMES: frozenset[str] = frozenset({Outcome.REFUSED.value})
"""Finished outcomes that count as 流失 (besides calls left unfinished)."""
OUTCOME_SHORT: dict[str, str] = {
    "mailed": "寄资料",
    "callback": "约回电",
    "member_care": "会员回访",
    "not_qualified": "不符合",
    "refused": "拒绝",
    "no_answer": "无人接听",
    "busy": "占线",
    "invalid_number": "空号",
}
"""Outcome column labels, in the order the funnel shows them (won first, lost last)."""
assert set(OUTCOME_SHORT) == set(OUTCOME_VALUES)
KEY_LABELS = {ENTER_KEY: "填写", SKIP_KEY: "跳过"}
TOP_LOSSES = 5


# --------------------------------------------------------------------------- the result


@dataclass(slots=True)
class NodeStats:
    """One question node of the funnel."""

    node: str
    title: str
    arrivals: int = 0
    went_on: int = 0
    ended: Counter[str] = field(default_factory=Counter)  # by outcome
    left: int = 0
    undone: int = 0  # ``back`` pressed here
    choices: Counter[str] = field(default_factory=Counter)  # kept moves by key (into endings too)
    lost_by_choice: Counter[str] = field(default_factory=Counter)  # refused/left by the option that ended it
    lost_by_agent_end: int = 0  # refused/left by Ctrl+E here
    times: Counter[int] = field(default_factory=Counter)  # seconds → visits

    @property
    def ended_total(self) -> int:
        return sum(self.ended.values())

    @property
    def lost(self) -> int:
        return sum(n for o, n in self.ended.items() if o in LOST_OUTCOMES) + self.left

    @property
    def loss_rate(self) -> Fraction | None:
        return Fraction(self.lost, self.arrivals) if self.arrivals else None

    @property
    def timed_visits(self) -> int:
        return sum(self.times.values())

    @property
    def median_seconds(self) -> int | None:
        return percentile(self.times, 0.5)

    @property
    def p90_seconds(self) -> int | None:
        return percentile(self.times, 0.9)

    @property
    def balanced(self) -> bool:
        """到达 = 继续 + 结束 + 中断."""
        return self.arrivals == self.went_on + self.ended_total + self.left


@dataclass(frozen=True, slots=True)
class OptionStat:
    node: str
    key: str
    label: str
    target: str | None  # node id, or None when the key is not in this version
    target_title: str
    count: int
    share: Fraction | None  # of the kept moves from the node


@dataclass(slots=True)
class Funnel:
    """话术漏斗 of one script version over a range (filters: industry, agent)."""

    version: VersionRef
    start: date | None
    end: date | None
    industry: str | None
    agent: str | None
    nodes: list[NodeStats]
    finished: int
    unfinished: int
    other_versions: list[tuple[VersionRef, int]] = field(default_factory=list)
    undone_endings: int = 0  # ``back`` pressed on an ending node (a move into it taken back)
    unmatched: int = 0  # moves this version cannot place (a key or node it does not have)
    script: Script | None = None  # the version's script (what each option says and where it leads)

    title = "话术漏斗"

    @property
    def calls(self) -> int:
        return self.finished + self.unfinished

    def node(self, node_id: str) -> NodeStats:
        for n in self.nodes:
            if n.node == node_id:
                return n
        raise KeyError(node_id)

    def options(self, node_id: str) -> list[OptionStat]:
        """Every way on from the node — the script's options, typed input, skip — with how
        often it was taken (a key the version does not have, too)."""
        return _options(self.script, self.node(node_id))

    @property
    def lost(self) -> int:
        return sum(n.lost for n in self.nodes)

    def ended_by_outcome(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for n in self.nodes:
            total.update(n.ended)
        return total

    def top_losses(self, limit: int = TOP_LOSSES) -> list[NodeStats]:
        """The nodes where most prospects are lost (most 流失, then the higher 流失率)."""
        lossy = [n for n in self.nodes if n.lost]
        lossy.sort(key=lambda n: (-n.lost, -(n.loss_rate or 0), n.node))
        return lossy[:limit]

    def loss_sentences(self, limit: int = TOP_LOSSES) -> list[str]:
        """The top places prospects are lost, in words (Chinese)."""
        total = self.lost
        out = []
        for rank, n in enumerate(self.top_losses(limit), 1):
            refused = sum(v for o, v in n.ended.items() if o in LOST_OUTCOMES)
            parts = [f"拒绝 {refused:,}"] if refused else []
            if n.left:
                parts.append(f"中断 {n.left:,}")
            text = (
                f"{rank}. 「{n.title}」: 到达 {n.arrivals:,} 次, {n.lost:,} 次在这里流失"
                f" ({percent(n.loss_rate)}: {'、'.join(parts)}), 占全部流失的 {percent(Fraction(n.lost, total))}。"
            )
            how = self._how_lost(n)
            if how:
                text += how
            out.append(text)
        return out

    def _how_lost(self, n: NodeStats) -> str:
        if not n.lost_by_choice and not n.lost_by_agent_end:
            return ""
        labels = {o.key: o.label for o in self.options(n.node)}
        ways = [(count, f"选「{labels.get(key, key)}」") for key, count in n.lost_by_choice.items()]
        if n.lost_by_agent_end:
            ways.append((n.lost_by_agent_end, "坐席直接结束通话"))
        count, what = max(ways, key=lambda w: (w[0], w[1]))
        return f"最多的是{what} ({count:,} 次)。"


def percent(value: Fraction | None, empty: str = "") -> str:
    """A rate as the analytics sentences write it: ``26.0%`` (``empty`` when there is none)."""
    return empty if value is None else f"{float(value) * 100:.1f}%"


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Raw:
    """What the tables say, before the script turns moves into arrivals."""

    items: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # (kind, node, key, outcome)
    times: Counter[tuple[str, int]] = field(default_factory=Counter)  # (node, seconds)
    finished: int = 0
    unfinished: int = 0


def _range(column: str, start: date | None, end: date | None) -> tuple[list[str], list[str]]:
    where, params = [], []
    if start is not None:
        where.append(f"{column} >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append(f"{column} <= ?")
        params.append(end.isoformat())
    return where, params


def agent_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM agents WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("SELECT name FROM agents ORDER BY name")]
        raise LookupError(f"no agent named {name!r}" + (f" (agents: {', '.join(known)})" if known else ""))
    return int(row[0])


def industry_key(label: str) -> str:
    """How an industry is stored in the analytics tables (未分类 → '')."""
    text = label.strip()
    return UNCLASSIFIED if text == UNCLASSIFIED_LABEL else text


def _read(
    conn: sqlite3.Connection,
    version_id: int,
    start: date | None,
    end: date | None,
    industry: str | None,
    agent: int | None,
    times: bool = True,
) -> _Raw:
    raw = _Raw()
    day_where, day_params = _range("day", start, end)
    if industry is not None and agent is not None:
        _read_calls(conn, raw, version_id, day_where, day_params, industry, agent, times)
    else:
        table: str = "funnel_day"
        dim: str | None = None
        value: int | str | None = None
        if agent is not None:
            table, dim, value = "funnel_day_agent", "agent_id", agent
        elif industry is not None:
            table, dim, value = "funnel_day_industry", "industry", industry
        where = ["script_id = ?", *([f"{dim} = ?"] if dim else []), *day_where]
        params = [version_id, *([value] if dim else []), *day_params]
        for kind, node, key, outcome, n in conn.execute(
            f"SELECT kind, node, key, outcome, SUM(n) FROM {table} WHERE {' AND '.join(where)} "
            "GROUP BY kind, node, key, outcome",
            params,
        ):
            raw.items[(kind, node, key, outcome)] += int(n)
        if times and dim is None:  # the floor: the seconds are summed per day too
            for node, seconds, n in conn.execute(
                f"SELECT node, seconds, SUM(n) FROM funnel_day_time WHERE {' AND '.join(where)} GROUP BY node, seconds",
                params,
            ):
                raw.times[(node, int(seconds))] += int(n)
        elif times:  # an agent's or an industry's: from their calls' rows (no sum per agent and second)
            rows = conn.execute(f"SELECT times FROM funnel_calls WHERE {' AND '.join(where)}", params)
            raw.times.update(count_visits(visits for (visits,) in rows))
        s_where, s_params = ["script_id = ?", *day_where], [version_id, *day_params]
        if dim is None:
            row = conn.execute(f"SELECT SUM(calls) FROM script_day WHERE {' AND '.join(s_where)}", s_params).fetchone()
        else:
            row = conn.execute(f"SELECT COUNT(*) FROM funnel_calls WHERE {' AND '.join(where)}", params).fetchone()
        raw.finished = int(row[0] or 0)
    _read_unfinished(conn, raw, version_id, start, end, industry, agent)
    return raw


_VISIT = re.compile(r'\["([^"\\]*)",(-?\d+)\]')
"""One ``["node",seconds]`` of a ``times`` list as storage writes it (no spaces; a node id
with a quote or backslash in it is escaped, and such a list is decoded as JSON instead)."""


def count_visits(lists: Iterable[str]) -> Counter[tuple[str, int]]:
    """How many visits per (node, seconds) in many calls' ``times`` lists. An industry's year
    is half a million visits: one pattern over the lists' text and a C-level count is
    several times faster than decoding each list as JSON."""
    plain: list[str] = []
    out: Counter[tuple[str, int]] = Counter()
    for text in lists:
        if "\\" in text:
            out.update((node, int(seconds)) for node, seconds in json.loads(text))
        else:
            plain.append(text)
    for (node, seconds), n in Counter(_VISIT.findall("".join(plain))).items():
        out[(node, int(seconds))] += n
    return out


def _read_calls(
    conn: sqlite3.Connection,
    raw: _Raw,
    version_id: int,
    day_where: list[str],
    day_params: list[str],
    industry: str,
    agent: int,
    times: bool = True,
) -> None:
    """Both an industry and an agent: no sum table has both, so read their calls' rows."""
    where = ["script_id = ?", "agent_id = ?", "industry = ?", *day_where]
    for outcome, items, visits in conn.execute(
        f"SELECT outcome, items, times FROM funnel_calls WHERE {' AND '.join(where)}",
        [version_id, agent, industry, *day_params],
    ):
        raw.finished += 1
        for kind, node, key in json.loads(items):
            raw.items[(kind, node, key, outcome if kind in ("end", "stop") else "")] += 1
        if times:
            raw.times.update(count_visits([visits]))


def _read_unfinished(
    conn: sqlite3.Connection,
    raw: _Raw,
    version_id: int,
    start: date | None,
    end: date | None,
    industry: str | None,
    agent: int | None,
) -> None:
    """Calls without an outcome are in no table: their logs are read now (they are few).
    Their items have outcome '' (left); their closed visits count to the times."""
    where = ["c.ended_at IS NULL", "c.script_id = ?"]
    params: list[object] = [version_id]
    day_where, day_params = _range("substr(c.started_at, 1, 10)", start, end)
    where += day_where
    params += day_params
    if agent is not None:
        where.append("c.agent_id = ?")
        params.append(agent)
    if industry is not None:
        where.append("COALESCE((SELECT industry FROM leads WHERE id = c.lead_id), '') = ?")
        params.append(industry)
    calls = [int(r[0]) for r in conn.execute(f"SELECT c.id FROM calls c WHERE {' AND '.join(where)}", params)]
    if not calls:
        return
    raw.unfinished += len(calls)
    found = set()
    sql = walk_items_select("c.id IN (SELECT value FROM json_each(:calls))")  # the filter appears twice: named
    for call_id, items, times in conn.execute(sql, {"calls": json.dumps(calls)}):
        found.add(int(call_id))
        for kind, node, key in json.loads(items):
            raw.items[(kind, node, key, "")] += 1
        for node, seconds in json.loads(times):
            raw.times[(node, int(seconds))] += 1
    raw.items[("stop", "", "", "")] += len(set(calls) - found)  # no event yet: at the start


# --------------------------------------------------------------------------- building


def _target(node: Node, key: str) -> str | None:
    if key == ENTER_KEY:
        return node.next
    if key == SKIP_KEY:
        return node.skip.next if node.skip else None
    option = node.by_key.get(key)
    return option.next if option else None


def build(
    script: Script,
    raw: _Raw,
    version: VersionRef,
    *,
    start: date | None = None,
    end: date | None = None,
    industry: str | None = None,
    agent: str | None = None,
    other_versions: list[tuple[VersionRef, int]] | None = None,
) -> Funnel:
    """Arrivals, endings and losses per question node from the raw items (see the module docstring)."""
    from callscript.script.model import END

    questions = [n for n in script.nodes.values() if n.kind != END]
    stats: dict[str, NodeStats] = {n.id: NodeStats(n.id, n.title) for n in questions}

    def row(node_id: str) -> NodeStats:
        if node_id not in stats:  # a node this version does not have (inconsistent data)
            stats[node_id] = NodeStats(node_id, f"? {node_id}")
        return stats[node_id]

    def finish(at: NodeStats, outcome: str, n: int) -> None:
        if outcome:
            at.ended[outcome] += n
        else:
            at.left += n

    if script.start not in stats:  # a script that starts at an ending (it ends every call at once)
        stats[script.start] = NodeStats(script.start, script.nodes[script.start].title)
    first = stats[script.start]
    first.arrivals += raw.finished + raw.unfinished
    unmatched = undone_endings = 0
    for (kind, node_id, key, outcome), n in raw.items.items():
        if kind == "stop" and node_id == "":
            finish(first, outcome, n)
            continue
        node = script.nodes.get(node_id)
        if kind == "back":
            if node is not None and node.kind == END:
                undone_endings += n
            else:
                row(node_id).undone += n
            continue
        here = row(node_id)
        if kind == "end":
            finish(here, outcome, n)
            if not outcome or outcome in LOST_OUTCOMES:
                here.lost_by_agent_end += n
            continue
        here.choices[key] += n
        target_id = _target(node, key) if node is not None else None
        if target_id is None:
            unmatched += n
            if kind == "stop":
                finish(here, outcome, n)
            else:
                here.went_on += n
            continue
        target = script.nodes[target_id]
        if target.kind == END:
            if kind == "stop":
                finish(here, outcome, n)
                if not outcome or outcome in LOST_OUTCOMES:
                    here.lost_by_choice[key] += n
            else:  # a move into an ending that was not the last one: not a valid log
                unmatched += n
                here.went_on += n
            continue
        here.went_on += n
        there = row(target_id)
        there.arrivals += n
        if kind == "stop":
            finish(there, outcome, n)
    for (node_id, seconds), n in raw.times.items():
        node = script.nodes.get(node_id)
        if node is None or node.kind != END:
            row(node_id).times[seconds] += n
    order = {node_id: i for i, node_id in enumerate(script.nodes)}
    nodes = sorted(stats.values(), key=lambda s: (order.get(s.node, len(order)), s.node))
    funnel = Funnel(
        version,
        start,
        end,
        industry,
        agent,
        nodes,
        raw.finished,
        raw.unfinished,
        list(other_versions or []),
        undone_endings,
        unmatched,
    )
    funnel.script = script
    return funnel


def _options(script: Script | None, stats: NodeStats) -> list[OptionStat]:
    node = script.nodes.get(stats.node) if script is not None else None
    total = sum(stats.choices.values())
    ways: list[tuple[str, str]] = []
    if node is not None:
        ways += [(o.key, o.label.source) for o in node.options]
        if node.input is not None:
            ways.append((ENTER_KEY, KEY_LABELS[ENTER_KEY]))
        if node.skip is not None:
            ways.append((SKIP_KEY, f"{KEY_LABELS[SKIP_KEY]}: {node.skip.label}"))
    known = {k for k, _ in ways}
    ways += [(k, f"? {k}") for k in sorted(stats.choices) if k not in known]
    out = []
    for key, label in ways:
        target = _target(node, key) if node is not None else None
        if target is None or script is None:
            target_title = "?"
        else:
            t = script.nodes[target]
            target_title = f"结束: {OUTCOME_SHORT.get(t.end or '', t.end)}" if t.end else t.title
        count = stats.choices.get(key, 0)
        out.append(
            OptionStat(stats.node, key, label, target, target_title, count, Fraction(count, total) if total else None)
        )
    return out


# --------------------------------------------------------------------------- the report


def versions_in_range(conn: sqlite3.Connection, start: date | None, end: date | None) -> list[tuple[VersionRef, int]]:
    """The versions with calls (finished or not) in the range, newest first, with how many."""
    day_where, day_params = _range("day", start, end)
    sql = "SELECT script_id, SUM(calls) FROM script_day" + (" WHERE " + " AND ".join(day_where) if day_where else "")
    counts: Counter[int] = Counter(
        {int(sid): int(n) for sid, n in conn.execute(sql + " GROUP BY script_id", day_params)}
    )
    u_where, u_params = _range("substr(started_at, 1, 10)", start, end)
    for sid, n in conn.execute(
        "SELECT script_id, COUNT(*) FROM calls WHERE ended_at IS NULL"
        + "".join(f" AND {w}" for w in u_where)
        + " GROUP BY script_id",
        u_params,
    ):
        counts[int(sid)] += int(n)
    versions = {v.id: v for v in list_versions(conn)}
    return [(versions[sid], n) for sid, n in sorted(counts.items(), reverse=True) if n and sid in versions]


def funnel(
    conn: sqlite3.Connection,
    version: str | int | None = None,
    start: date | None = None,
    end: date | None = None,
    *,
    industry: str | None = None,
    agent: str | None = None,
    times: bool = True,
    others: bool = True,
) -> Funnel:
    """The funnel of one script version (default: the newest with calls in the range).

    ``industry`` is a label as the reports show it (未分类 for none); ``agent`` a name;
    ``times=False`` leaves out the seconds at each node, ``others=False`` the other versions
    with calls in the range (coaching shows neither).
    LookupError (with a message) for an unknown version or agent, or when no version
    has calls in the range and none was asked for.
    """
    if start is not None and end is not None and end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    in_range = versions_in_range(conn, start, end) if others or version is None else []
    if version is None:
        if not in_range:
            raise LookupError("这段时间没有通话记录 (no calls in this range)")
        chosen = in_range[0][0]
    else:
        chosen = resolve_version(conn, version)
    agent_key = agent_id(conn, agent) if agent else None
    industry_value = industry_key(industry) if industry is not None else None
    raw = _read(conn, chosen.id, start, end, industry_value, agent_key, times)
    script = load_version_script(conn, chosen.id)
    return build(
        script,
        raw,
        chosen,
        start=start,
        end=end,
        industry=industry,
        agent=agent,
        other_versions=[(v, n) for v, n in in_range if v.id != chosen.id],
    )
