"""Safe YAML reading that keeps every value's position.

Why not ``yaml.safe_load``: the validator must say *where* a problem is
(``file:line:col``), must see how a scalar was written (``no`` unquoted is the
boolean false in YAML 1.1 — a classic trap for an option key), and must survive
hostile input (alias bombs, self-referencing aliases, nesting thousands deep,
binary garbage) without a traceback. So we build our own small tree straight from
the parser's event stream: no recursion in the composer, no object construction,
no tags beyond plain YAML, and aliases are kept as shared references (never
expanded), with a cap on how much any consumer may walk.

The result is a :class:`YNode` tree; ``ydoc_to_python`` turns it into plain Python
values for callers that don't need positions (e.g. a facts file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .problems import Mark, Problem

try:  # libyaml is ~10x faster; fall back to the pure-Python parser if absent.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the wheel
    _Loader = yaml.SafeLoader

MAX_DEPTH = 64
MAX_NODES = 200_000

MAP, SEQ, SCALAR = "map", "seq", "scalar"

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}

_TYPE_WORDS = {STR: "text", INT: "a number", FLOAT: "a number", BOOL: "a boolean", NULL: "null", TIMESTAMP: "a date"}


@dataclass(eq=False, slots=True)
class YNode:
    """One YAML value with its position.

    ``kind`` is map/seq/scalar. For a map, ``items`` holds (key, value) pairs in file
    order (duplicates kept, so the validator can report them); for a sequence,
    ``items`` holds the elements; for a scalar, ``value`` is the Python value and
    ``raw`` the text as written, ``tag`` the resolved tag, ``plain`` whether it was
    written without quotes (only plain scalars get YAML 1.1's implicit types).
    """

    kind: str
    mark: Mark
    tag: str = ""
    value: Any = None
    raw: str = ""
    plain: bool = False
    items: list = field(default_factory=list)

    @property
    def type_word(self) -> str:
        if self.kind == MAP:
            return "a mapping"
        if self.kind == SEQ:
            return "a list"
        return _TYPE_WORDS.get(self.tag, "a value")


class YamlSourceError(Exception):
    """The text is not a YAML document we can read; ``problem`` says where and why."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


def _mark(m: Any) -> Mark:
    if m is None:
        return Mark(1, 1)
    return Mark(m.line + 1, m.column + 1)


def _mark_from_index(text: str, index: int) -> Mark:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return Mark(line, col)


_resolver = Resolver()
_constructor = SafeConstructor()


def _scalar(event: yaml.ScalarEvent) -> YNode:
    mark = _mark(event.start_mark)
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolver.resolve(ScalarNode, event.value, event.implicit)
    if tag not in _SCALAR_TAGS:
        raise YamlSourceError(Problem(mark, f"the tag {tag!r} is not allowed: scripts are plain YAML (no tags such as !!python/...)"))
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    try:
        value = _constructor.construct_object(node, deep=True) if tag != STR else event.value
    except Exception as exc:  # e.g. an impossible date 2024-13-45
        raise YamlSourceError(Problem(mark, f"cannot read {event.value!r} as {_TYPE_WORDS.get(tag, tag)}: {exc}")) from None
    return YNode(SCALAR, mark, tag, value, event.value, plain=bool(event.implicit[0]))


def parse_yaml(text: str) -> YNode | None:
    """Parse one YAML document into a :class:`YNode` tree (``None`` for an empty document).

    Raises :class:`YamlSourceError` for anything that is not a single plain YAML
    document of sane size.
    """
    if "\x00" in text:
        raise YamlSourceError(Problem(_mark_from_index(text, text.index("\x00")), "the file contains a NUL byte: it is binary, not a YAML text file"))
    root: YNode | None = None
    stack: list[tuple[YNode, YNode | None]] = []  # (collection, pending key for maps)
    pending_key: list[YNode | None] = []
    anchors: dict[str, YNode] = {}
    open_anchors: set[str] = set()
    documents = 0
    count = 0

    def attach(node: YNode) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1][0]
        if parent.kind == SEQ:
            parent.items.append(node)
        elif pending_key[-1] is None:
            if node.kind != SCALAR:
                raise YamlSourceError(Problem(node.mark, "a mapping key must be a plain value, not " + node.type_word))
            pending_key[-1] = node
        else:
            parent.items.append((pending_key[-1], node))
            pending_key[-1] = None

    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlSourceError(Problem(_mark(event.start_mark), "a script is one YAML document, but a second one starts here"))
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            count += 1
            if count > MAX_NODES:
                raise YamlSourceError(Problem(_mark(event.start_mark), f"the document has more than {MAX_NODES} values; refusing to read further"))
            if isinstance(event, yaml.AliasEvent):
                target = anchors.get(event.anchor)
                if target is None:
                    raise YamlSourceError(Problem(_mark(event.start_mark), f"alias *{event.anchor} names no anchor"))
                if event.anchor in open_anchors:
                    raise YamlSourceError(Problem(_mark(event.start_mark), f"alias *{event.anchor} refers to a value that contains it (a loop)"))
                attach(target)
            elif isinstance(event, yaml.ScalarEvent):
                node = _scalar(event)
                if event.anchor:
                    anchors[event.anchor] = node
                attach(node)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                is_map = isinstance(event, yaml.MappingStartEvent)
                if event.tag not in (None, "!") and event.tag not in _COLLECTION_TAGS:
                    raise YamlSourceError(Problem(_mark(event.start_mark), f"the tag {event.tag!r} is not allowed: scripts are plain YAML (no tags such as !!python/...)"))
                if len(stack) >= MAX_DEPTH:
                    raise YamlSourceError(Problem(_mark(event.start_mark), f"nesting deeper than {MAX_DEPTH} levels; a script never needs that"))
                node = YNode(MAP if is_map else SEQ, _mark(event.start_mark))
                attach(node)
                if event.anchor:
                    anchors[event.anchor] = node
                    open_anchors.add(event.anchor)
                stack.append((node, None))
                pending_key.append(None)
                node.raw = event.anchor or ""
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                node, _ = stack.pop()
                pending_key.pop()
                if node.raw:
                    open_anchors.discard(node.raw)
                    node.raw = ""
    except YamlSourceError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.context}: {exc.problem}" if "while" not in exc.context else f"{exc.problem} ({exc.context})"
        raise YamlSourceError(Problem(_mark(mark), f"YAML syntax: {message}")) from None
    except yaml.reader.ReaderError as exc:
        raise YamlSourceError(Problem(_mark_from_index(text, max(exc.position, 0)), f"YAML syntax: {exc.reason}")) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(Problem(Mark(1, 1), f"YAML syntax: {exc}")) from None
    except RecursionError:  # pragma: no cover - the event parser is iterative
        raise YamlSourceError(Problem(Mark(1, 1), "the document is nested too deeply")) from None
    return root


def decode_source(data: bytes) -> str:
    """Bytes of a script file to text, or :class:`YamlSourceError` at the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        raise YamlSourceError(Problem(_mark_from_index(good, len(good)), "the file is not UTF-8 text (binary data or another encoding)")) from None


def to_python(node: YNode | None, budget: int = MAX_NODES) -> Any:
    """Plain Python values from a tree; raises :class:`YamlSourceError` past ``budget`` values.

    The budget stops an alias bomb: aliases are shared in the tree, but expanding
    them into Python values would multiply them.
    """
    remaining = [budget]

    def walk(n: YNode | None) -> Any:
        remaining[0] -= 1
        if remaining[0] < 0:
            raise YamlSourceError(Problem(n.mark if n else Mark(1, 1), "the document expands to too many values (an alias bomb?)"))
        if n is None:
            return None
        if n.kind == SCALAR:
            return n.value
        if n.kind == SEQ:
            return [walk(item) for item in n.items]
        result: dict = {}
        for key, value in n.items:
            if key.kind != SCALAR:
                raise YamlSourceError(Problem(key.mark, "mapping keys must be plain values"))
            try:
                hash(key.value)
            except TypeError:
                raise YamlSourceError(Problem(key.mark, "mapping keys must be plain values")) from None
            result[key.value] = walk(value)
        return result

    return walk(node)
