"""The booking centres' alias list: 艺龙, 艺龙网 and eLong are one competitor.

Agents type the other booking centre's name as the prospect says it (``b1_which``,
fact ``other_center_name``). The market report counts each centre once, under one
name, by an editable list (``data/centre_aliases.yaml`` by default; docs/reports.md)::

    centres:
      艺龙: [艺龙网, 艺龙旅行网, eLong, elong.com]
      去哪儿: [去哪儿网, Qunar]
    unknown: [不详, 不知道]      # "not said": not counted as a centre

Matching ignores case, full-width/half-width forms and spaces (Unicode NFKC,
casefold, whitespace removed), so ``ELONG``, ``ｅＬｏｎｇ`` and ``e long`` are all 艺龙.
A name not in the list is counted as typed (trimmed, NFKC), with the same matching,
so ``同程`` and ``同程 `` are one. The canonical names match themselves.

Read safely: the project's YAML reader (no tags, no object construction, alias
bombs refused, positions kept), a size cap, and every mistake reported as
``file:line:col`` (:class:`AliasError`) instead of being guessed at.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from callscript.script.problems import Mark, Problem
from callscript.script.yaml_source import MAP, SCALAR, SEQ, YamlSourceError, YNode, decode_source, parse_yaml

MAX_BYTES = 1_000_000
"""An alias list is a few dozen lines; anything this big is not one."""


class AliasError(ValueError):
    """The alias list cannot be used; ``problems`` say where (``file:line:col``)."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__("; ".join(p.format(path) for p in problems))


def match_key(name: str) -> str:
    """What two spellings of one name have in common: NFKC, casefolded, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def clean_name(name: str) -> str:
    """A typed name as shown: NFKC (full-width letters made plain), trimmed, inner spaces single."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


@dataclass(frozen=True, slots=True)
class Aliases:
    """Canonical names by match key, and the spellings that mean "not said"."""

    canonical: Mapping[str, str] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()
    source: str = ""

    def normalise(self, name: str) -> str | None:
        """The name to count ``name`` under, or None when it means "not said" (or is empty)."""
        key = match_key(name)
        if not key or key in self.unknown:
            return None
        return self.canonical.get(key) or clean_name(name)

    def group(self, counts: Iterable[tuple[str, int]]) -> dict[str, int]:
        """Counts by typed name → counts by canonical name (names typed differently but
        matching alike are one, shown as the most frequent spelling)."""
        totals: dict[str, int] = {}
        spellings: dict[str, dict[str, int]] = {}
        for name, n in counts:
            canonical = self.normalise(name)
            if canonical is None:
                continue
            key = match_key(canonical)
            totals[key] = totals.get(key, 0) + n
            shown = spellings.setdefault(key, {})
            shown[canonical] = shown.get(canonical, 0) + n
        out = {}
        for key, n in totals.items():
            names = spellings[key]
            listed = self.canonical.get(key)
            out[listed or max(names, key=lambda s: (names[s], s))] = n
        return out


NO_ALIASES = Aliases()


def parse_aliases(text: str, path: str = "<aliases>") -> Aliases:
    """The alias list from YAML text; :class:`AliasError` listing every problem."""
    problems: list[Problem] = []
    try:
        root = parse_yaml(text)
    except YamlSourceError as exc:
        raise AliasError(path, [exc.problem]) from None
    if root is None:
        return Aliases(source=path)
    if root.kind != MAP:
        raise AliasError(path, [Problem(root.mark, "the alias list is a mapping with 'centres:' (and 'unknown:')")])
    canonical: dict[str, str] = {}
    where: dict[str, Mark] = {}
    unknown: set[str] = set()

    def claim(spelling: YNode, name: str) -> None:
        text = _text(spelling, problems)
        if text is None:
            return
        key = match_key(text)
        if not key:
            problems.append(Problem(spelling.mark, "an empty name"))
        elif key in canonical and canonical[key] != name:
            first = where[key]
            problems.append(
                Problem(
                    spelling.mark,
                    f"'{text}' is already a spelling of '{canonical[key]}' (line {first.line}); one name each",
                )
            )
        else:
            canonical[key] = name
            where.setdefault(key, spelling.mark)

    for key_node, value in root.items:
        section = key_node.value if key_node.kind == SCALAR else None
        if section == "centres":
            if value is None or value.kind != MAP:
                problems.append(Problem((value or key_node).mark, "'centres:' maps each name to a list of spellings"))
                continue
            for name_node, spellings in value.items:
                name = _text(name_node, problems)
                if name is None:
                    continue
                name = clean_name(name)
                claim(name_node, name)
                if spellings is None:
                    continue
                items = spellings.items if spellings.kind == SEQ else [spellings]
                for spelling in items:
                    claim(spelling, name)
        elif section == "unknown":
            items = [] if value is None else value.items if value.kind == SEQ else [value]
            for item in items:
                said = _text(item, problems)
                if said is not None and match_key(said):
                    unknown.add(match_key(said))
        else:
            problems.append(
                Problem(
                    key_node.mark, f"unknown section {key_node.raw or key_node.value!r}: use 'centres' or 'unknown'"
                )
            )
    clash = sorted(k for k in unknown if k in canonical)
    for k in clash:
        problems.append(Problem(where[k], f"'{canonical[k]}' is both a centre and an 'unknown' spelling"))
    if problems:
        raise AliasError(path, problems)
    return Aliases(canonical, frozenset(unknown), path)


def _text(node: YNode, problems: list[Problem]) -> str | None:
    """A name: a scalar written as text or a number (``360``), never a list or a mapping."""
    if node.kind != SCALAR or node.value is None or isinstance(node.value, bool):
        problems.append(Problem(node.mark, f"a name must be text, not {node.type_word}"))
        return None
    return str(node.raw if node.plain else node.value).strip()


def load_aliases(path: str | Path) -> Aliases:
    """Read an alias list file (UTF-8, at most :data:`MAX_BYTES`). A missing file is an
    empty list (every name counted as typed); a bad one is :class:`AliasError`."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Aliases(source=f"{path} (missing: names counted as typed)")
    except OSError as exc:
        raise AliasError(str(path), [Problem(Mark(1, 1), f"cannot read: {exc.strerror or exc}")]) from None
    if len(data) > MAX_BYTES:
        raise AliasError(str(path), [Problem(Mark(1, 1), f"larger than {MAX_BYTES:,} bytes: not an alias list")])
    try:
        text = decode_source(data)
    except YamlSourceError as exc:
        raise AliasError(str(path), [exc.problem]) from None
    return parse_aliases(text, str(path))
