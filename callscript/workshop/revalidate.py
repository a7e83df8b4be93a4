"""Validating a script again after a small edit, fast: what the editor runs as the supervisor types.

:func:`callscript.script.loader.validate_text` reads and checks the whole text: ~0.25 s
for a 2,000-node script, too slow to show problems within 300 ms of a key. But a
key changes one line of one node. :class:`Revalidator` keeps, from the texts it
validated before:

* **the YAML tree of each node** (each entry under ``nodes:``), by its text and
  the line it starts on: an unchanged node is not parsed again;
* **each node's check** (the ``Node``, the problems it raised, the variables it
  uses), by that tree and the facts and variables the script declares: an
  unchanged node is not checked again (``build_script(node_builder=...)``).

Everything that involves more than one node still runs every time on the whole
script, by the loader's own code: the top-level sections are parsed, the tree
is assembled exactly as the full parse builds it, and ``build_script`` does the
duplicate ids, the graph checks, grading and the warnings. So the result is the
same as ``validate_text``'s; ``tests/workshop/test_revalidate.py`` compares the
two over random edits.

The split is textual and conservative. Nodes are the lines under a top-level
``nodes:`` line that start with exactly two spaces; anything it is not sure
about goes to ``validate_text`` unchanged: document markers or directives
(``---``, ``...``, ``%``), a carriage return, ``nodes:`` with a value on its
line or given twice, content under ``nodes:`` that is not a two-space key, any
YAML error in any piece (so YAML error messages are always the full parser's),
and a script near the parser's size or depth limits. Typing a new line shifts
every node below it: their trees and checked nodes are reused with their marks
moved (a node whose problems cite a line number is checked again).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import Any

from callscript.script import loader
from callscript.script.model import Script
from callscript.script.problems import Mark, Problem
from callscript.script.yaml_source import (
    MAP,
    MAX_DEPTH,
    MAX_NODES,
    SCALAR,
    STR,
    YamlSourceError,
    YNode,
    gc_paused,
    parse_yaml,
)

_UNSURE = re.compile(r"^(?:---|\.\.\.|%)", re.M)
_NODES_LINE = re.compile(r"^nodes:[ \t]*(?:#[^\n]*)?$", re.M)
_TOP_LEVEL = re.compile(r"^[^ \t#\n]", re.M)
_NODE_START = re.compile(r"^  [^ \t#\n]", re.M)
_CONTENT_LINE = re.compile(r"^(?![ \t]*(?:#|$))", re.M)


@dataclass(eq=False)
class _Piece:
    """One parsed piece of the text: its tree, how many values it holds, how deep it nests."""

    root: YNode | None
    count: int
    depth: int
    first_line: int
    """0-based line of the file the piece starts on: its tree's marks are the file's."""


@dataclass(eq=False)
class _Checked:
    raw: YNode
    context: int
    line: int
    """The node's piece started on this line when it was checked (its marks are for it)."""
    node: Any
    problems: tuple[Problem, ...]
    used: frozenset[str]


def _measure(root: YNode | None) -> tuple[int, int]:
    """Values in the tree (aliases counted as expanded) and its nesting depth."""
    if root is None:
        return 0, 0
    count = 0
    depth = 0
    stack: list[tuple[YNode, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        count += 1
        if level > depth:
            depth = level
        if node.kind == SCALAR:
            continue
        if node.kind == MAP:
            for _key, value in node.items:
                count += 1
                stack.append((value, level + 1))
        else:
            for item in node.items:
                stack.append((item, level + 1))
    return count, depth


def _shift_tree(root: YNode | None, lines: int) -> None:
    """Move every mark of a tree down ``lines`` lines (in place; shared alias targets once)."""
    if root is None:
        return
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        at = node.at
        node.at = Mark(at.line + lines, at.col) if type(at) is Mark else Mark(at.line + 1 + lines, at.column + 1)
        if node.kind == MAP:
            for key, value in node.items:
                stack.append(key)
                stack.append(value)
        elif node.kind != SCALAR:
            stack.extend(node.items)


def _moved(mark: Mark, lines: int) -> Mark:
    return Mark(mark.line + lines, mark.col)


def _shift_node(node: Any, lines: int) -> Any:
    """A checked node (``model.Node``) with its marks and its options' marks moved down ``lines``."""
    if node is None:
        return None
    options = tuple(replace(o, mark=_moved(o.mark, lines)) for o in node.options)
    return replace(node, mark=_moved(node.mark, lines), options=options, by_key={o.key: o for o in options})


class Revalidator:
    """``validate_text`` with memory of the previous texts (one per editor; not thread-safe)."""

    def __init__(self) -> None:
        self._pieces: dict[str, list[_Piece]] = {}
        self._checked: dict[str, _Checked] = {}
        self._next_checked: dict[str, _Checked] = {}
        self._context: tuple[dict, frozenset[str]] | None = None
        self._context_id = 0
        self._seen_facts: Any = None
        self._seen_vars: Any = None
        self._raw_lines: dict[int, int] = {}
        self.stats = {
            "full": 0,
            "incremental": 0,
            "parsed": 0,
            "reused": 0,
            "moved": 0,
            "checked": 0,
            "check_reused": 0,
        }
        """How the validations went (the bench and tests read it)."""

    # -- the public call --------------------------------------------------------
    def validate(self, text: str, path: str = "<text>") -> tuple[Script | None, list[Problem]]:
        with gc_paused():
            root = self._assemble(text)
            if root is None:
                self.stats["full"] += 1
                self._pieces.clear()
                self._checked.clear()
                return loader.validate_text(text, path)
            self.stats["incremental"] += 1
            self._next_checked = {}
            try:
                return loader.build_script(root, text, path, node_builder=self._build_node)
            finally:
                self._checked, self._next_checked = self._next_checked, {}

    # -- parsing by pieces --------------------------------------------------------
    def _piece(self, first_line: int, source: str, cache: dict[str, list[_Piece]]) -> _Piece:
        """``source`` parsed as the text of the file from (0-based) line ``first_line`` on.

        A piece seen before is reused; if it now starts on another line (lines were
        added or removed above it), its marks are moved rather than parsed again.
        """
        piece = None
        bucket = self._pieces.get(source)
        if bucket:
            for index, candidate in enumerate(bucket):  # the same text twice: prefer the one on this line
                if candidate.first_line == first_line:
                    piece = bucket.pop(index)
                    break
            else:
                piece = bucket.pop()
        if piece is None:
            root = parse_yaml(source)
            _shift_tree(root, first_line)
            piece = _Piece(root, *_measure(root), first_line)
            self.stats["parsed"] += 1
        elif piece.first_line != first_line:
            _shift_tree(piece.root, first_line - piece.first_line)
            piece.first_line = first_line
            self.stats["moved"] += 1
        else:
            self.stats["reused"] += 1
        cache.setdefault(source, []).append(piece)
        return piece

    def _assemble(self, text: str) -> YNode | None:
        """The tree ``parse_yaml(text)`` would build, from cached pieces; None: use the full parser."""
        if "\r" in text or "\x00" in text or _UNSURE.search(text):
            return None
        found = list(_NODES_LINE.finditer(text))
        if len(found) != 1:
            return None
        nodes_line = found[0]
        region_start = nodes_line.end() + 1
        if region_start > len(text):
            return None
        top = _TOP_LEVEL.search(text, region_start)
        region_end = top.start() if top else len(text)
        starts = [m.start() for m in _NODE_START.finditer(text, region_start, region_end)]
        if not starts:
            return None
        for line in text[region_start : starts[0]].split("\n"):
            if line.strip() and not line.lstrip().startswith("#"):
                return None  # something under nodes: that is not a two-space key
        head_text = text[: nodes_line.start()]
        first = _CONTENT_LINE.search(head_text)
        if first is not None and head_text[first.start()] in " \t":
            return None  # the document's top level is indented: nodes: at column 0 is not its sibling
        cache: dict[str, list[_Piece]] = {}
        try:
            head = self._piece(0, head_text, cache) if head_text.strip() else None
            nodes_line_no = text.count("\n", 0, nodes_line.start())  # 0-based
            line_no = nodes_line_no + 1
            chunks: list[_Piece] = []
            bounds = starts + [region_end]
            position = region_start
            for begin, end in itertools.pairwise(bounds):
                line_no += text.count("\n", position, begin)
                position = begin
                chunks.append(self._piece(line_no, text[begin:end], cache))
            tail_text = text[region_end:]
            tail = None
            if tail_text.strip():
                line_no += text.count("\n", position, region_end)
                tail = self._piece(line_no, tail_text, cache)
        except YamlSourceError:
            return None  # the full parser words YAML errors (and sees the whole text)
        finally:
            self._pieces = cache
        parts = [p for p in (head, tail) if p is not None]
        if any(p.root is None or p.root.kind != MAP for p in parts):
            return None
        if any(c.root is None or c.root.kind != MAP or not c.root.items for c in chunks):
            return None
        total = sum(p.count for p in parts) + sum(c.count for c in chunks) + 2
        depth = max([p.depth for p in parts] + [c.depth + 1 for c in chunks])
        if total >= MAX_NODES or depth >= MAX_DEPTH - 1:
            return None  # near the parser's limits: let it decide
        items: list[tuple[YNode, YNode]] = []
        raw_lines: dict[int, int] = {}
        for chunk in chunks:
            items.extend(chunk.root.items)  # type: ignore[union-attr]
            for _, raw in chunk.root.items:  # type: ignore[union-attr]
                raw_lines[id(raw)] = chunk.first_line
        self._raw_lines = raw_lines
        nodes_map = YNode(MAP, chunks[0].root.at, "", None, "", False, items)  # type: ignore[union-attr]
        nodes_key = YNode(SCALAR, Mark(nodes_line_no + 1, 1), STR, "nodes", "nodes", True, [])
        root_items = list(head.root.items) if head is not None else []  # type: ignore[union-attr]
        root_items.append((nodes_key, nodes_map))
        if tail is not None:
            root_items.extend(tail.root.items)  # type: ignore[union-attr]
        root_at = head.root.at if head is not None else nodes_key.at  # type: ignore[union-attr]
        return YNode(MAP, root_at, "", None, "", False, root_items)

    # -- checking by nodes -------------------------------------------------------
    def _context_token(self, facts: dict, known_vars: set[str]) -> int:
        """A number that changes when the facts or variables nodes are checked against change."""
        if facts is self._seen_facts and known_vars is self._seen_vars:
            return self._context_id
        self._seen_facts, self._seen_vars = facts, known_vars
        current = (dict(facts), frozenset(known_vars))
        if self._context is None or self._context != current:
            self._context = current
            self._context_id += 1
        return self._context_id

    def _build_node(
        self, check: Any, node_id: str, raw: YNode, facts: dict, known_vars: set[str], used: set[str]
    ) -> Any:
        context = self._context_token(facts, known_vars)
        line = self._raw_lines.get(id(raw), -1)
        done = self._checked.get(node_id)
        if done is not None and done.raw is raw and done.context == context:
            moved = line - done.line
            if moved and not any("line" in p.message for p in done.problems):  # messages may cite lines
                done = _Checked(
                    raw,
                    context,
                    line,
                    _shift_node(done.node, moved),
                    tuple(replace(p, mark=_moved(p.mark, moved)) for p in done.problems),
                    done.used,
                )
            if done.line == line:
                check.problems.extend(done.problems)
                used |= done.used
                self._next_checked[node_id] = done
                self.stats["check_reused"] += 1
                return done.node
        mine: set[str] = set()
        before = len(check.problems)
        node = loader._node(check, node_id, raw, facts, known_vars, mine)
        used |= mine
        self._next_checked[node_id] = _Checked(
            raw, context, line, node, tuple(check.problems[before:]), frozenset(mine)
        )
        self.stats["checked"] += 1
        return node
