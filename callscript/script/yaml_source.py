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

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from callscript.script.problems import Mark, Problem

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
    at: Any  # where it starts: a Mark, or libyaml's own 0-based mark until ``mark`` is asked for
    tag: str = ""
    value: Any = None
    raw: str = ""
    plain: bool = False
    items: list = field(default_factory=list)

    @property
    def mark(self) -> Mark:
        """Where the value starts (1-based). Made on first use: building a Mark for
        each of the ~100,000 values of a big script cost more than parsing them,
        and only a few (nodes, options, problems) are ever asked for theirs."""
        at = self.at
        if type(at) is not Mark:
            at = self.at = Mark(at.line + 1, at.column + 1)
        return at

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
#: Plain scalar text -> (tag, value). Scripts repeat the same plain words (field
#: names, ids, true/false) thousands of times; resolving each through PyYAML's
#: regexes dominated validation. Values are immutable, so sharing is safe.
_plain_cache: dict[str, tuple[str, Any]] = {}
_PLAIN_CACHE_MAX = 20_000
_NO_ITEMS: Any = ()  # every scalar shares this empty, immutable "items": one list less per value


def _construct(tag: str, event: yaml.ScalarEvent) -> Any:
    # Call the safe constructor's per-tag function directly: ``construct_object``
    # would remember every node in ``constructed_objects`` forever (a leak that
    # also made the garbage collector crawl over all of them on every pass).
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)  # type: ignore[arg-type]  # libyaml's C Mark is duck-compatible
    return SafeConstructor.yaml_constructors[tag](_constructor, node)


def _scalar(event: yaml.ScalarEvent) -> YNode:
    start = event.start_mark
    tag = event.tag
    text = event.value
    plain = bool(event.implicit[0])
    if (tag is None or tag == "!") and not plain:
        return YNode(SCALAR, start, STR, text, text, False, _NO_ITEMS)  # quoted: always text
    if (tag is None or tag == "!") and plain:
        cached = _plain_cache.get(text)
        if cached is not None:
            return YNode(SCALAR, start, cached[0], cached[1], text, True, _NO_ITEMS)
        tag = _resolver.resolve(ScalarNode, text, event.implicit)
    if tag not in _SCALAR_TAGS:
        raise YamlSourceError(
            Problem(
                _mark(start), f"the tag {tag!r} is not allowed: scripts are plain YAML (no tags such as !!python/...)"
            )
        )
    try:
        value = _construct(tag, event) if tag != STR else text
    except Exception as exc:  # e.g. an impossible date 2024-13-45
        shown = text if len(text) <= 40 else text[:40] + "…"  # e.g. a number 100,000 digits long
        reason = str(exc).split(";")[0]  # drop Python's advice (sys.set_int_max_str_digits)
        raise YamlSourceError(
            Problem(_mark(start), f"cannot read {shown!r} as {_TYPE_WORDS.get(tag, tag)}: {reason}")
        ) from None
    if plain and event.tag is None:
        if len(_plain_cache) >= _PLAIN_CACHE_MAX:
            _plain_cache.clear()
        _plain_cache[text] = (tag, value)
    return YNode(SCALAR, start, tag, value, text, plain, _NO_ITEMS)


_ScalarEvent, _AliasEvent = yaml.ScalarEvent, yaml.AliasEvent
_MappingStart, _SequenceStart = yaml.MappingStartEvent, yaml.SequenceStartEvent
_CollectionEnd = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def parse_yaml(text: str) -> YNode | None:
    """Parse one YAML document into a :class:`YNode` tree (``None`` for an empty document).

    Raises :class:`YamlSourceError` for anything that is not a single plain YAML
    document of sane size. Aliases stay shared, but what they *would* expand to is
    counted too, so an alias bomb is refused here rather than hanging a consumer
    that walks the tree.

    The loop is written flat (no helper calls per value) because it runs once per
    YAML event: a 2,000-node script is ~100,000 events.
    """
    if "\x00" in text:
        raise YamlSourceError(
            Problem(
                _mark_from_index(text, text.index("\x00")),
                "the file contains a NUL byte: it is binary, not a YAML text file",
            )
        )
    if not text.strip():
        return None  # blank (libyaml would call a tab on a blank line a syntax error)
    root: YNode | None = None
    # One frame per open collection: [node, pending key (maps), values expanded before it].
    stack: list[list] = []
    parent: YNode | None = None  # stack[-1][0], kept in a local for speed
    frame: list[Any] = []  # empty while parent is None (no open collection)
    expanded_size: dict[int, int] = {}  # id(anchored collection) -> values it expands to
    anchors: dict[str, YNode] = {}
    open_anchors: set[str] = set()
    documents = 0
    count = 0
    expanded = 0  # values in the document with every alias expanded

    def attach(node: YNode) -> None:
        nonlocal root
        if parent is None:
            root = node
        elif parent.kind == SEQ:
            parent.items.append(node)
        elif frame[1] is None:
            if node.kind != SCALAR:
                raise YamlSourceError(Problem(node.mark, "a mapping key must be a plain value, not " + node.type_word))
            frame[1] = node
        else:
            parent.items.append((frame[1], node))
            frame[1] = None

    loader = _Loader(text)
    plain_cache = _plain_cache
    try:
        get_event = loader.get_event
        while True:
            event = get_event()
            cls = type(event)
            if cls is _ScalarEvent:
                count += 1
                expanded += 1
                if count > MAX_NODES:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"the document has more than {MAX_NODES} values; refusing to read further",
                        )
                    )
                # _scalar(event), with its two common cases inlined
                if event.tag is None:
                    if not event.implicit[0]:  # quoted: always text
                        node = YNode(SCALAR, event.start_mark, STR, event.value, event.value, False, _NO_ITEMS)
                    else:
                        cached = plain_cache.get(event.value)
                        if cached is not None:
                            node = YNode(SCALAR, event.start_mark, cached[0], cached[1], event.value, True, _NO_ITEMS)
                        else:
                            node = _scalar(event)
                else:
                    node = _scalar(event)
                if event.anchor:
                    anchors[event.anchor] = node
                # attach(node), inlined: this is the hot path
                if parent is None:
                    root = node
                elif parent.kind == SEQ:
                    parent.items.append(node)
                elif frame[1] is None:
                    frame[1] = node
                else:
                    parent.items.append((frame[1], node))
                    frame[1] = None
                continue
            if cls is _MappingStart or cls is _SequenceStart:
                count += 1
                expanded += 1
                if count > MAX_NODES:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"the document has more than {MAX_NODES} values; refusing to read further",
                        )
                    )
                if event.tag not in (None, "!") and event.tag not in _COLLECTION_TAGS:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"the tag {event.tag!r} is not allowed: scripts are plain YAML (no tags such as !!python/...)",
                        )
                    )
                if len(stack) >= MAX_DEPTH:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"nesting deeper than {MAX_DEPTH} levels; a script never needs that",
                        )
                    )
                node = YNode(MAP if cls is _MappingStart else SEQ, event.start_mark, "", None, "", False, [])
                attach(node)
                if event.anchor:
                    anchors[event.anchor] = node
                    open_anchors.add(event.anchor)
                    node.raw = event.anchor
                frame = [node, None, expanded - 1]
                stack.append(frame)
                parent = node
                continue
            if cls in _CollectionEnd:
                count += 1
                node, _, before = stack.pop()
                if stack:
                    frame = stack[-1]
                    parent = frame[0]
                else:
                    frame, parent = [], None
                if node.raw:
                    expanded_size[id(node)] = expanded - before
                    open_anchors.discard(node.raw)
                    node.raw = ""
                continue
            if cls is _AliasEvent:
                count += 1
                if count > MAX_NODES:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"the document has more than {MAX_NODES} values; refusing to read further",
                        )
                    )
                target = anchors.get(event.anchor)
                if target is None:
                    raise YamlSourceError(Problem(_mark(event.start_mark), f"alias *{event.anchor} names no anchor"))
                if event.anchor in open_anchors:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"alias *{event.anchor} refers to a value that contains it (a loop)",
                        )
                    )
                expanded += expanded_size.get(id(target), 1)
                if expanded > MAX_NODES:
                    raise YamlSourceError(
                        Problem(
                            _mark(event.start_mark),
                            f"with its aliases the document expands to more than {MAX_NODES} values (an alias bomb?); refusing to read further",
                        )
                    )
                attach(target)
                continue
            if cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlSourceError(
                        Problem(_mark(event.start_mark), "a script is one YAML document, but a second one starts here")
                    )
                continue
            if cls is yaml.StreamEndEvent or event is None:
                break
    except YamlSourceError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            context = exc.context
            where = exc.context_mark
            if where is not None and exc.problem_mark is not None and where.line != exc.problem_mark.line:
                # e.g. an unclosed quote: the error is at the end of the file, the cause where the quote opened
                context += f" that starts at line {where.line + 1}, column {where.column + 1}"
            message = f"{context}: {exc.problem}" if "while" not in context else f"{exc.problem} ({context})"
        raise YamlSourceError(Problem(_mark(mark), f"YAML syntax: {message}")) from None
    except yaml.reader.ReaderError as exc:
        raise YamlSourceError(
            Problem(_mark_from_index(text, max(exc.position, 0)), f"YAML syntax: {exc.reason}")
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(Problem(Mark(1, 1), f"YAML syntax: {exc}")) from None
    except RecursionError:  # pragma: no cover - the event parser is iterative
        raise YamlSourceError(Problem(Mark(1, 1), "the document is nested too deeply")) from None
    finally:
        loader.dispose()
    return root


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a YAML tree is built and checked.

    Reading a script allocates ~100,000 small objects that all stay alive (the
    tree), so every collection pass re-scans a growing heap for cycles that are
    not there: half of validation time. Reference counting still frees
    everything; the collector resumes (if it was on) as soon as we are done.

    Safe across threads (the editor validates in a worker while a save validates
    in another): the pauses nest, and the collector comes back on when the last
    one ends, if it was on before the first began. (With each thread saving and
    restoring ``gc.isenabled()`` on its own, the first to finish turned the
    collector back on under the other's validation.)
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def decode_source(data: bytes) -> str:
    """Bytes of a script file to text, or :class:`YamlSourceError` at the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        raise YamlSourceError(
            Problem(_mark_from_index(good, len(good)), "the file is not UTF-8 text (binary data or another encoding)")
        ) from None


def to_python(node: YNode | None, budget: int = MAX_NODES) -> Any:
    """Plain Python values from a tree; raises :class:`YamlSourceError` past ``budget`` values.

    The budget stops an alias bomb: aliases are shared in the tree, but expanding
    them into Python values would multiply them.
    """
    remaining = [budget]

    def walk(n: YNode | None) -> Any:
        remaining[0] -= 1
        if remaining[0] < 0:
            raise YamlSourceError(
                Problem(n.mark if n else Mark(1, 1), "the document expands to too many values (an alias bomb?)")
            )
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
