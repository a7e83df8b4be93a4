"""The path explorer and branch coverage: every way through a script, and which ways tests walk.

No Textual, no I/O. Used by ``callscript paths``, ``callscript test`` (coverage)
and the editor's coverage view.

Paths
-----
:func:`iter_paths` walks the script depth-first from ``start`` to every ending
node. At an options node every option is a branch; at an input node every
*representative value* (below) is a branch, plus the ``skip`` branch when the
node has one. A node may appear at most ``max_visits`` times on one path (default
2): a branch that would visit it once more is cut (counted in ``pruned``), so a
loop ("say it again" → back to the opening) is walked once round and no more.
Calls ended by the agent at a non-ending node (Ctrl+E / ``{end: outcome}``) are
not paths: every path ends at an ending node of the script.

Representative values for input nodes
-------------------------------------
* ``int`` facts: the bounds (the input's ``min``/``max``, else the fact's), plus,
  for every number the ``grading:`` section compares the fact with, the values on
  both sides of that threshold (``ge N`` → N-1, N; ``gt N`` → N, N+1; ``le N`` →
  N, N+1; ``lt N`` → N-1, N; ``is N`` → N, N+1), clipped to the bounds. With no
  threshold, the middle of the range. For ``hotel_star`` (1–5, grading tests
  ``ge 2``, ``ge 3``, ``le 2``) that is **1, 2, 3, 5**: one below the 二星 line,
  both sides of the 三星 line, and the top.
* ``text`` facts: one sample text (:data:`TEXT_SAMPLES`, else ``示例<label>``).
* ``enum`` facts: every value; ``bool`` facts: 是 and 否.

Any fact's values can be overridden (``values={"hotel_star": ["1", "4"]}``).

Coverage
--------
A script's *branches* are its nodes and its edges: ``(node, key)`` for each
option, ``(node, "enter")`` for an input and ``(node, "skip")`` for a skip.
:class:`Coverage` records which of them a set of walks (script tests, practice
calls, explored paths) reached; :func:`session_walk` turns a finished or
unfinished :class:`~callscript.script.session.CallSession` into the nodes and edges it
walked, ignoring steps that were taken back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from callscript.script.facts import BOOL, ENUM, INT, FactValue
from callscript.script.grading import grade_call, settle_facts
from callscript.script.model import END, INPUT, Node, Script

ENTER, SKIP = "enter", "skip"
DEFAULT_MAX_VISITS = 2

#: Sample texts typed at text inputs while exploring (the fact's label is used otherwise).
TEXT_SAMPLES: dict[str, str] = {
    "address": "上海市长宁区金钟路968号",
    "other_center_name": "某订房中心",
    "price_range": "300–500元",
    "contact_name": "李娜",
    "contact_department": "行政部",
}


Edge = tuple[str, str]
"""``(node id, key)``: an option key, ``"enter"`` or ``"skip"``."""


# ---------------------------------------------------------------------------
# Representative values
# ---------------------------------------------------------------------------
def grading_thresholds(script: Script) -> dict[str, list[tuple[str, Any]]]:
    """``{fact: [(op, value), ...]}`` for every fact comparison in the ``grading:`` section.

    Read from the script's YAML source (the compiled tests are closures)."""
    from callscript.script.yaml_source import YamlSourceError, parse_yaml, to_python

    try:
        data = to_python(parse_yaml(script.source_text)) if script.source_text else None
    except YamlSourceError:
        data = None
    out: dict[str, list[tuple[str, Any]]] = {}
    stack = [data.get("grading")] if isinstance(data, dict) else []
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            fact = item.get("fact")
            if isinstance(fact, str):
                for op in ("is", "is_not", "ge", "gt", "le", "lt"):
                    if op in item:
                        out.setdefault(fact, []).append((op, item[op]))
            stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return out


def input_values(
    script: Script, node: Node, thresholds: Mapping[str, list[tuple[str, Any]]] | None = None
) -> list[str]:
    """The texts the explorer types at an input node (see the module docstring)."""
    assert node.input is not None
    spec = node.input.fact
    if spec.type == INT:
        lo = node.input.min if node.input.min is not None else spec.min
        hi = node.input.max if node.input.max is not None else spec.max
        marks: set[int] = set()
        for op, value in (thresholds if thresholds is not None else grading_thresholds(script)).get(spec.name, ()):
            if isinstance(value, bool) or not isinstance(value, int):
                continue
            marks.update(
                {
                    "ge": (value - 1, value),
                    "lt": (value - 1, value),
                    "gt": (value, value + 1),
                    "le": (value, value + 1),
                }.get(op, (value, value + 1))
            )
        if lo is None:
            lo = min(marks) if marks else 0
        if hi is None:
            hi = max(marks) if marks else max(lo, 0) + 10
        values = {lo, hi} | {m for m in marks if lo <= m <= hi}
        if not marks:
            values.add((lo + hi) // 2)
        return [str(v) for v in sorted(values)]
    if spec.type == ENUM:
        return list(spec.values)
    if spec.type == BOOL:
        return ["是", "否"]
    return [TEXT_SAMPLES.get(spec.name, f"示例{spec.label}")]


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PathResult:
    """One way from the start to an ending."""

    actions: tuple[tuple[str, str | None], ...]
    """(action, value) pairs as :func:`callscript.script.answers.parse_answers` returns them."""
    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    outcome: str
    grade: str | None
    rule_index: int | None
    rule_label: str | None
    facts: dict[str, FactValue]

    @property
    def answers(self) -> list[Any]:
        """The answers list in the tests/replay file format: ``"1"``, ``{enter: "3"}``, ``skip``."""
        return answers_list(self.actions)

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "nodes": list(self.nodes),
            "outcome": self.outcome,
            "grade": self.grade,
            "rule": self.rule_label,
            "facts": dict(self.facts),
        }


def answers_list(actions: Iterable[tuple[str, str | None]]) -> list[Any]:
    out: list[Any] = []
    for kind, value in actions:
        if kind == "choose":
            out.append(value)
        elif kind in ("skip", "back"):
            out.append(kind)
        else:
            out.append({kind: value})
    return out


@dataclass
class Exploration:
    paths: list[PathResult]
    truncated: bool
    """True when ``limit`` stopped the walk before every path was found."""
    pruned: int
    """Branches cut because they would visit a node more than ``max_visits`` times."""
    max_visits: int
    values: dict[str, list[str]] = field(default_factory=dict)
    """The texts typed at each input node, by node id."""

    def by_outcome(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.paths:
            counts[p.outcome] = counts.get(p.outcome, 0) + 1
        return counts

    def by_grade(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {}
        for p in self.paths:
            counts[p.grade] = counts.get(p.grade, 0) + 1
        return counts


class _Walker:
    def __init__(self, script: Script, max_visits: int, values: Mapping[str, Sequence[str]] | None):
        if max_visits < 1:
            raise ValueError("max_visits must be at least 1")
        self.script = script
        self.max_visits = max_visits
        self.pruned = 0
        thresholds = grading_thresholds(script)
        overrides = {k: [str(v) for v in vs] for k, vs in (values or {}).items()}
        self.inputs: dict[str, list[tuple[str, FactValue]]] = {}
        for node in script.nodes.values():
            if node.kind == INPUT and node.input is not None:
                texts = overrides.get(node.input.fact.name) or input_values(script, node, thresholds)
                self.inputs[node.id] = [(t, node.input.parse(t)) for t in texts]
        self._grades: dict[tuple, Any] = {}

    def grade(self, facts: dict[str, FactValue], outcome: str):
        """The grade the call would get: :func:`grade_call`, as the session grades (cached);
        the path keeps it only when it is final."""
        key = (frozenset(facts.items()), outcome)
        result = self._grades.get(key)
        if result is None:
            result = self._grades[key] = grade_call(self.script.grading, facts, outcome)
        return result

    def walk(self) -> Iterator[PathResult]:
        nodes = self.script.nodes
        visits: dict[str, int] = {self.script.start: 1}
        path: list[str] = [self.script.start]
        actions: list[tuple[str, str | None]] = []
        edges: list[Edge] = []

        def step(node_id: str, facts: dict[str, FactValue]) -> Iterator[PathResult]:
            node = nodes[node_id]
            if node.kind == END:
                result = self.grade(facts, node.end or "")
                final = result.final  # a callback keeps no grade: its 暂定 one is not the path's
                yield PathResult(
                    tuple(actions),
                    tuple(path),
                    tuple(edges),
                    node.end or "",
                    result.grade if final else None,
                    result.rule_index if final else None,
                    result.rule_label if final else None,
                    settle_facts(facts, node.end),
                )
                return
            branches: list[tuple[tuple[str, str | None], Edge, str, dict[str, FactValue]]] = []
            if node.kind == INPUT and node.input is not None:
                name = node.input.fact.name
                for text, value in self.inputs[node_id]:
                    branches.append((("enter", text), (node_id, ENTER), node.next or "", {**facts, name: value}))
            for option in node.options:
                branches.append(
                    (
                        ("choose", option.key),
                        (node_id, option.key),
                        option.next,
                        {**facts, **dict(option.sets)} if option.sets else facts,
                    )
                )
            if node.skip is not None:
                branches.append((("skip", None), (node_id, SKIP), node.skip.next, facts))
            for action, edge, target, new_facts in branches:
                if visits.get(target, 0) >= self.max_visits:
                    self.pruned += 1
                    continue
                visits[target] = visits.get(target, 0) + 1
                path.append(target)
                actions.append(action)
                edges.append(edge)
                yield from step(target, new_facts)
                edges.pop()
                actions.pop()
                path.pop()
                visits[target] -= 1

        yield from step(self.script.start, {})


def iter_paths(
    script: Script, max_visits: int = DEFAULT_MAX_VISITS, values: Mapping[str, Sequence[str]] | None = None
) -> Iterator[PathResult]:
    """Every distinct path from the start to an ending, depth-first, in option order."""
    return _Walker(script, max_visits, values).walk()


def explore(
    script: Script,
    max_visits: int = DEFAULT_MAX_VISITS,
    limit: int | None = None,
    values: Mapping[str, Sequence[str]] | None = None,
) -> Exploration:
    """All paths (at most ``limit``), with the count of branches cut by the loop bound."""
    walker = _Walker(script, max_visits, values)
    paths: list[PathResult] = []
    truncated = False
    for result in walker.walk():
        if limit is not None and len(paths) >= limit:
            truncated = True
            break
        paths.append(result)
    return Exploration(
        paths, truncated, walker.pruned, max_visits, {k: [t for t, _ in v] for k, v in walker.inputs.items()}
    )


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------
def all_edges(script: Script) -> list[Edge]:
    """Every edge of the script, in file order."""
    out: list[Edge] = []
    for node in script.nodes.values():
        if node.kind == INPUT:
            out.append((node.id, ENTER))
        out.extend((node.id, option.key) for option in node.options)
        if node.skip is not None:
            out.append((node.id, SKIP))
    return out


def edge_text(script: Script, edge: Edge) -> str:
    """An edge in words: ``开场白 (opening) 2 「不方便」 → 约回电 (ask_callback)``."""
    node = script.nodes[edge[0]]
    where = f"{node.title} ({node.id})"
    if edge[1] == ENTER:
        target = node.next or ""
        what = f"⌨ {node.input.fact.name}" if node.input else "⌨"
    elif edge[1] == SKIP:
        target = node.skip.next if node.skip else ""
        what = f"跳过 「{node.skip.label}」" if node.skip else "跳过"
    else:
        option = node.by_key[edge[1]]
        target = option.next
        what = f"{option.key} 「{option.label.source}」"
    dest = script.nodes.get(target)
    return f"{where} {what} → {dest.title + ' (' + target + ')' if dest else target}"


def session_walk(session: Any) -> tuple[list[str], list[Edge]]:
    """The nodes and edges a :class:`~callscript.script.session.CallSession` walked (taken-back steps excluded)."""
    from callscript.script.session import BACK, CHOOSE
    from callscript.script.session import ENTER as EV_ENTER
    from callscript.script.session import SKIP as EV_SKIP

    stack: list[Edge | None] = []
    for event in session.events:
        if event.kind == BACK:
            if stack:
                stack.pop()
        elif event.kind == CHOOSE:
            stack.append((event.node, event.value or ""))
        elif event.kind == EV_ENTER:
            stack.append((event.node, ENTER))
        elif event.kind == EV_SKIP:
            stack.append((event.node, SKIP))
        else:  # end: takes a step in the history, not an edge
            stack.append(None)
    return session.path, [e for e in stack if e is not None]


@dataclass
class Coverage:
    """Which nodes and edges of a script some walks reached."""

    script: Script
    hit_nodes: set[str] = field(default_factory=set)
    hit_edges: set[Edge] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._edges = all_edges(self.script)
        self._known = set(self._edges)

    def add(self, nodes: Iterable[str], edges: Iterable[Edge]) -> None:
        self.hit_nodes.update(n for n in nodes if n in self.script.nodes)
        self.hit_edges.update(e for e in edges if e in self._known)

    def add_session(self, session: Any) -> None:
        self.add(*session_walk(session))

    @property
    def nodes(self) -> list[str]:
        return list(self.script.nodes)

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    @property
    def uncovered_nodes(self) -> list[str]:
        return [n for n in self.script.nodes if n not in self.hit_nodes]

    @property
    def uncovered_edges(self) -> list[Edge]:
        return [e for e in self._edges if e not in self.hit_edges]

    @property
    def complete(self) -> bool:
        return not self.uncovered_nodes and not self.uncovered_edges

    def node_covered(self, node_id: str) -> bool:
        return node_id in self.hit_nodes

    def edge_covered(self, edge: Edge) -> bool:
        return edge in self.hit_edges

    def summary(self) -> str:
        n, e = len(self.script.nodes), len(self._edges)
        return f"nodes {n - len(self.uncovered_nodes)}/{n}, branches {e - len(self.uncovered_edges)}/{e}"

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes_total": len(self.script.nodes),
            "nodes_covered": len(self.script.nodes) - len(self.uncovered_nodes),
            "edges_total": len(self._edges),
            "edges_covered": len(self._edges) - len(self.uncovered_edges),
            "uncovered_nodes": self.uncovered_nodes,
            "uncovered_edges": [list(e) for e in self.uncovered_edges],
        }


def coverage_of_paths(script: Script, paths: Iterable[PathResult]) -> Coverage:
    cov = Coverage(script)
    for p in paths:
        cov.add(p.nodes, p.edges)
    return cov


def coverage_of_sessions(script: Script, sessions: Iterable[Any]) -> Coverage:
    cov = Coverage(script)
    for session in sessions:
        cov.add_session(session)
    return cov
