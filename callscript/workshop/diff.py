"""What an edit does to a script, in words a supervisor reads (not a text diff).

:func:`diff_scripts` compares two valid :class:`~callscript.script.model.Script` objects
and returns a list of :class:`Change` items, grouped by section:

* ``script``: name, title, company, start node, variables;
* ``nodes``: nodes added, removed, **renamed** (a node whose id changed while its
  content stayed — references to it were updated — is one rename, not a removal
  plus an addition; a node with a new id, the same title and kind, and some edits
  is a rename *with* changes), and changed (title, lines, tips, kind, ending
  outcome, input fact/hint/range, skip);
* ``options``: options added, removed, re-keyed, relabelled, re-routed ("option 2
  「不方便」 of 开场白 (opening) now goes to … instead of …") and the facts they set;
* ``facts``: facts the script declares (``facts:``), added/removed/changed;
* ``grading``: grades, conditions, exclusions and rules added, removed, changed and
  reordered. Grading tests are compiled closures in the model, so this part
  compares the ``grading:`` section of the YAML sources structurally (both scripts
  are valid, so the sources parse).

A re-route is judged after renames: an option that pointed at ``a`` and now points
at ``a``'s new id is not re-routed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from callscript.script.model import Node, Option, Script
from callscript.script.templates import strip_markup

SECTIONS = ("script", "nodes", "options", "facts", "grading")
SECTION_TITLES = {
    "script": "脚本 Script",
    "nodes": "节点 Nodes",
    "options": "选项 Options",
    "facts": "事实 Facts",
    "grading": "评级 Grading",
}


@dataclass(frozen=True)
class Change:
    section: str
    kind: str  # added, removed, renamed, changed, rerouted, reordered
    subject: str  # node id, "node/key", rule label, ...
    text: str

    def to_json(self) -> dict[str, str]:
        return {"section": self.section, "kind": self.kind, "subject": self.subject, "text": self.text}


@dataclass
class ScriptDiff:
    changes: list[Change] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    """Old node id → new node id for every node detected as renamed."""

    @property
    def empty(self) -> bool:
        return not self.changes

    def section(self, name: str) -> list[Change]:
        return [c for c in self.changes if c.section == name]

    def kinds(self) -> set[tuple[str, str]]:
        return {(c.section, c.kind) for c in self.changes}

    def to_json(self) -> dict[str, Any]:
        return {"renames": dict(self.renames), "changes": [c.to_json() for c in self.changes]}

    def lines(self) -> list[str]:
        """The report as plain lines, one section header then one bullet per change."""
        out: list[str] = []
        for section in SECTIONS:
            items = self.section(section)
            if items:
                out.append(f"{SECTION_TITLES[section]} ({len(items)})")
                out.extend(f"  • {c.text}" for c in items)
        return out or ["no differences: the two scripts walk and grade the same way"]


# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------
def _short(text: str, width: int = 40) -> str:
    text = " ".join(strip_markup(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _sets(sets: Iterable[tuple[str, Any]]) -> str:
    pairs = list(sets)
    return ", ".join(f"{k}={_value(v)}" for k, v in pairs) if pairs else "nothing"


_OPS = {"is": "=", "is_not": "≠", "ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def describe_test(test: Any) -> str:
    """A grading test (the YAML mapping) as a short formula: ``travel = often and hotel_star ≥ 3``."""
    if not isinstance(test, dict):
        return _value(test)
    test = {k: v for k, v in test.items() if k != "label"}
    if "all" in test or "any" in test:
        word = "all" if "all" in test else "any"
        parts = [describe_test(t) for t in test[word] or []]
        joined = (" and " if word == "all" else " or ").join(
            f"({p})" if (" and " in p or " or " in p) else p for p in parts
        )
        return joined or word
    if "not" in test and "fact" not in test:
        return f"not ({describe_test(test['not'])})"
    if "condition" in test:
        return f"condition {test['condition']}"
    fact = test.get("fact", "?")
    for op, sym in _OPS.items():
        if op in test:
            return f"{fact} {sym} {_value(test[op])}"
    if "in" in test:
        return f"{fact} in {_value(test['in'])}"
    if "known" in test:
        return f"{fact} {'known' if test['known'] else 'unknown'}"
    return _value(test)


class _Namer:
    def __init__(self, old: Script, new: Script):
        self.old, self.new = old, new

    def old_node(self, node_id: str) -> str:
        node = self.old.nodes.get(node_id)
        return f"{node.title} ({node_id})" if node else node_id

    def new_node(self, node_id: str) -> str:
        node = self.new.nodes.get(node_id)
        return f"{node.title} ({node_id})" if node else node_id


# ---------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------
def _content(node: Node) -> tuple:
    """Everything about a node except its id and where its edges lead."""
    return (
        node.title,
        tuple(t.source for t in node.say),
        tuple(t.source for t in node.tips),
        node.kind,
        tuple((o.key, o.label.source, tuple(sorted(o.sets))) for o in node.options),
        (node.input.fact.name, node.input.hint, node.input.min, node.input.max) if node.input else None,
        node.skip.label if node.skip else None,
        node.end,
    )


def _targets(node: Node) -> tuple:
    return (tuple(o.next for o in node.options), node.next, node.skip.next if node.skip else None)


def _unique_pairs(removed: list[str], added: list[str], key_old, key_new) -> dict[str, str]:
    by_old: dict[Any, list[str]] = {}
    by_new: dict[Any, list[str]] = {}
    for r in removed:
        by_old.setdefault(key_old(r), []).append(r)
    for a in added:
        by_new.setdefault(key_new(a), []).append(a)
    return {olds[0]: by_new[k][0] for k, olds in by_old.items() if len(olds) == 1 and len(by_new.get(k, ())) == 1}


def detect_renames(old: Script, new: Script) -> dict[str, str]:
    """Old id → new id for nodes that changed id.

    First the nodes whose content is identical (title, lines, tips, options and
    their labels/keys/sets, input, ending) and whose edges lead to the same places
    once renames are accounted for; then, among the rest, a unique pair with the
    same title and kind (a rename with edits)."""
    removed = [n for n in old.nodes if n not in new.nodes]
    added = [n for n in new.nodes if n not in old.nodes]
    renames = _unique_pairs(removed, added, lambda r: _content(old.nodes[r]), lambda a: _content(new.nodes[a]))

    # Confirm edges: each target must map to the new target (common ids map to themselves).
    def mapped(t: str | None) -> str | None:
        return None if t is None else renames.get(t, t)

    for r, a in list(renames.items()):
        o_opts, o_next, o_skip = _targets(old.nodes[r])
        n_opts, n_next, n_skip = _targets(new.nodes[a])
        if tuple(mapped(t) for t in o_opts) != n_opts or mapped(o_next) != n_next or mapped(o_skip) != n_skip:
            del renames[r]
    rest_old = [r for r in removed if r not in renames]
    rest_new = [a for a in added if a not in renames.values()]
    renames.update(
        _unique_pairs(
            rest_old,
            rest_new,
            lambda r: (old.nodes[r].title, old.nodes[r].kind),
            lambda a: (new.nodes[a].title, new.nodes[a].kind),
        )
    )
    return renames


def _lines_diff(what: str, where: str, old: list[str], new: list[str], out: list[str]) -> None:
    if old == new:
        return
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                out.append(
                    f"{where}: {what} {i1 + k + 1} changed: 「{_short(old[i1 + k])}」 → 「{_short(new[j1 + k])}」"
                )
        else:
            for k in range(i1, i2):
                out.append(f"{where}: {what} {k + 1} removed: 「{_short(old[k])}」")
            for k in range(j1, j2):
                out.append(f"{where}: {what} {k + 1} added: 「{_short(new[k])}」")


def _diff_node(namer: _Namer, renames: dict[str, str], o: Node, n: Node, changes: list[Change]) -> None:
    where = namer.new_node(n.id)
    node_texts: list[str] = []
    if o.title != n.title:
        node_texts.append(f"{where}: title 「{o.title}」 → 「{n.title}」")
    _lines_diff("line", where, [t.source for t in o.say], [t.source for t in n.say], node_texts)
    _lines_diff("tip", where, [t.source for t in o.tips], [t.source for t in n.tips], node_texts)
    if o.kind != n.kind:
        node_texts.append(f"{where}: is now {_kind_words(n)} (was {_kind_words(o)})")
    elif o.end != n.end:
        node_texts.append(f"{where}: the call now ends as {n.end} (was {o.end})")
    if o.input and n.input:
        if o.input.fact.name != n.input.fact.name:
            node_texts.append(f"{where}: the typed value now goes into {n.input.fact.name} (was {o.input.fact.name})")
        if o.input.hint != n.input.hint:
            node_texts.append(f"{where}: input hint 「{o.input.hint}」 → 「{n.input.hint}」")
        if (o.input.min, o.input.max) != (n.input.min, n.input.max):
            node_texts.append(f"{where}: input range {o.input.min}–{o.input.max} → {n.input.min}–{n.input.max}")
    for text in node_texts:
        changes.append(Change("nodes", "changed", n.id, text))

    def target_old(t: str) -> str:
        return renames.get(t, t)

    opt_texts: list[tuple[str, str, str]] = []  # kind, subject, text
    if o.input and n.input and o.next and n.next and target_old(o.next) != n.next:
        opt_texts.append(
            (
                "rerouted",
                f"{n.id}/enter",
                f"after the typed {n.input.fact.name}, {where} now goes to {namer.new_node(n.next)} instead of {namer.old_node(o.next)}",
            )
        )
    if o.skip and not n.skip:
        opt_texts.append(
            (
                "removed",
                f"{n.id}/skip",
                f"{where} can no longer be skipped (「{o.skip.label}」 went to {namer.old_node(o.skip.next)})",
            )
        )
    elif n.skip and not o.skip:
        opt_texts.append(
            ("added", f"{n.id}/skip", f"{where} can now be skipped: 「{n.skip.label}」 → {namer.new_node(n.skip.next)}")
        )
    elif o.skip and n.skip:
        if o.skip.label != n.skip.label:
            opt_texts.append(
                ("changed", f"{n.id}/skip", f"{where}: skip label 「{o.skip.label}」 → 「{n.skip.label}」")
            )
        if target_old(o.skip.next) != n.skip.next:
            opt_texts.append(
                (
                    "rerouted",
                    f"{n.id}/skip",
                    f"skipping {where} (「{n.skip.label}」) now goes to {namer.new_node(n.skip.next)} instead of {namer.old_node(o.skip.next)}",
                )
            )
    _diff_options(namer, where, target_old, o, n, opt_texts)
    for kind, subject, text in opt_texts:
        changes.append(Change("options", kind, subject, text))


def _kind_words(node: Node) -> str:
    if node.end is not None:
        return f"an ending ({node.end})"
    if node.input is not None:
        return f"an input node ({node.input.fact.name})"
    return "an options node"


def _opt(o: Option) -> str:
    return f"option {o.key} 「{o.label.source}」"


def _diff_options(namer: _Namer, where: str, target_old, o: Node, n: Node, out: list[tuple[str, str, str]]) -> None:
    old_by_key = {opt.key: opt for opt in o.options}
    new_by_key = {opt.key: opt for opt in n.options}
    pairs: list[tuple[Option, Option]] = [(old_by_key[k], new_by_key[k]) for k in old_by_key if k in new_by_key]
    # An option whose key changed but whose label stayed is the same answer on a new key.
    lonely_old = [opt for k, opt in old_by_key.items() if k not in new_by_key]
    lonely_new = [opt for k, opt in new_by_key.items() if k not in old_by_key]
    for oo in list(lonely_old):
        same = [nn for nn in lonely_new if nn.label.source == oo.label.source]
        if len(same) == 1:
            pairs.append((oo, same[0]))
            lonely_old.remove(oo)
            lonely_new.remove(same[0])
    for oo, nn in pairs:
        subject = f"{n.id}/{nn.key}"
        if oo.key != nn.key:
            out.append(("changed", subject, f"「{nn.label.source}」 of {where} is now on key {nn.key} (was {oo.key})"))
        if oo.label.source != nn.label.source:
            out.append(
                (
                    "changed",
                    subject,
                    f"option {nn.key} of {where} now reads 「{nn.label.source}」 (was 「{oo.label.source}」)",
                )
            )
        if dict(oo.sets) != dict(nn.sets):
            out.append(("changed", subject, f"{_opt(nn)} of {where} now sets {_sets(nn.sets)} (was {_sets(oo.sets)})"))
        if target_old(oo.next) != nn.next:
            out.append(
                (
                    "rerouted",
                    subject,
                    f"{_opt(nn)} of {where} now goes to {namer.new_node(nn.next)} instead of {namer.old_node(oo.next)}",
                )
            )
    for oo in lonely_old:
        out.append(
            ("removed", f"{n.id}/{oo.key}", f"{_opt(oo)} removed from {where} (it went to {namer.old_node(oo.next)})")
        )
    for nn in lonely_new:
        sets = f", sets {_sets(nn.sets)}" if nn.sets else ""
        out.append(
            ("added", f"{n.id}/{nn.key}", f"{_opt(nn)} added to {where}: goes to {namer.new_node(nn.next)}{sets}")
        )
    old_order = [oo.label.source for oo in o.options]
    new_order = [nn.label.source for nn in n.options]
    common = [x for x in new_order if x in old_order]
    if [x for x in old_order if x in new_order] != common:
        out.append(
            (
                "reordered",
                n.id,
                f"options of {where} shown in a new order: {' / '.join(f'{nn.key} {nn.label.source}' for nn in n.options)}",
            )
        )


# ---------------------------------------------------------------------------
# Grading (from the YAML sources)
# ---------------------------------------------------------------------------
def _grading_source(script: Script) -> dict[str, Any]:
    from callscript.script.yaml_source import YamlSourceError, parse_yaml, to_python

    try:
        data = to_python(parse_yaml(script.source_text)) if script.source_text else None
    except YamlSourceError:
        return {}
    grading = data.get("grading") if isinstance(data, dict) else None
    return grading if isinstance(grading, dict) else {}


def _strip_label(test: Any) -> tuple[str | None, Any]:
    if isinstance(test, dict) and "label" in test:
        return test["label"], {k: v for k, v in test.items() if k != "label"}
    return None, test


def _longest_increasing(seq: list[int]) -> set[int]:
    """Positions (into ``seq``) of one longest increasing subsequence."""
    import bisect

    tails: list[int] = []
    tails_at: list[int] = []
    parent = [-1] * len(seq)
    for i, value in enumerate(seq):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tails_at.append(i)
        else:
            tails[k] = value
            tails_at[k] = i
        parent[i] = tails_at[k - 1] if k else -1
    keep: set[int] = set()
    i = tails_at[-1] if tails_at else -1
    while i >= 0:
        keep.add(i)
        i = parent[i]
    return keep


def _diff_grading(old: Script, new: Script, changes: list[Change]) -> None:
    og, ng = _grading_source(old), _grading_source(new)

    def add(kind: str, subject: str, text: str) -> None:
        changes.append(Change("grading", kind, subject, text))

    if og.get("grades") != ng.get("grades"):
        add("changed", "grades", f"grades {_value(og.get('grades') or [])} → {_value(ng.get('grades') or [])}")
    oc = og.get("conditions") or {}
    nc = ng.get("conditions") or {}
    for name in oc:
        if name not in nc:
            add(
                "removed",
                f"condition {name}",
                f"qualifying condition {name} 「{_strip_label(oc[name])[0] or name}」 removed",
            )
    for name in nc:
        label, test = _strip_label(nc[name])
        if name not in oc:
            add(
                "added",
                f"condition {name}",
                f"qualifying condition {name} 「{label or name}」 added: {describe_test(test)}",
            )
            continue
        old_label, old_test = _strip_label(oc[name])
        if old_label != label:
            add("changed", f"condition {name}", f"condition {name} now reads 「{label}」 (was 「{old_label}」)")
        if old_test != test:
            add(
                "changed",
                f"condition {name}",
                f"condition {name} 「{label or name}」 now holds when {describe_test(test)} (was {describe_test(old_test)})",
            )
    if list(oc) != list(nc) and [n for n in oc if n in nc] != [n for n in nc if n in oc]:
        add("reordered", "conditions", f"conditions now in the order {', '.join(nc)}")
    # Exclusions: matched by label, else by position.
    oe = [e for e in og.get("exclude") or [] if isinstance(e, dict)]
    ne = [e for e in ng.get("exclude") or [] if isinstance(e, dict)]
    _diff_list(oe, ne, "exclusion", lambda e: (e.get("when"), e.get("unless")), _describe_exclusion, add)
    orules = [r for r in og.get("rules") or [] if isinstance(r, dict)]
    nrules = [r for r in ng.get("rules") or [] if isinstance(r, dict)]
    pairs = _diff_list(orules, nrules, "rule", lambda r: (r.get("grade"), r.get("when")), _describe_rule, add)
    # Reordering: the matched rules whose relative order changed (first match wins, so it matters).
    pairs.sort()
    new_positions = [j for _, j in pairs]
    keep = _longest_increasing(new_positions)
    for k, (i, j) in enumerate(pairs):
        if k not in keep:
            label = nrules[j].get("label", "")
            add(
                "reordered",
                f"rule {label}",
                f"rule 「{label}」 ({nrules[j].get('grade')}) moved from position {i + 1} to {j + 1}; first match wins, so calls matching several rules may now get another grade",
            )


def _describe_rule(rule: dict[str, Any]) -> str:
    return f"{rule.get('grade')} when {describe_test(rule.get('when'))}"


def _describe_exclusion(exc: dict[str, Any]) -> str:
    unless = f" unless {describe_test(exc['unless'])}" if exc.get("unless") is not None else ""
    return f"no grade when {describe_test(exc.get('when'))}{unless}"


def _diff_list(old: list[dict], new: list[dict], what: str, body, describe, add) -> list[tuple[int, int]]:
    """Match items by label, then by identical body; report the rest. Returns matched (old, new) positions."""
    pairs: list[tuple[int, int]] = []
    used_new: set[int] = set()
    unmatched_old: list[int] = []
    for i, item in enumerate(old):
        j = next(
            (j for j, other in enumerate(new) if j not in used_new and other.get("label") == item.get("label")), None
        )
        if j is None:
            unmatched_old.append(i)
        else:
            pairs.append((i, j))
            used_new.add(j)
    for i in list(unmatched_old):
        j = next((j for j, other in enumerate(new) if j not in used_new and body(other) == body(old[i])), None)
        if j is not None:
            pairs.append((i, j))
            used_new.add(j)
            unmatched_old.remove(i)
    for i, j in pairs:
        o, n = old[i], new[j]
        label = n.get("label", "")
        if o.get("label") != n.get("label"):
            add("changed", f"{what} {label}", f"{what} {j + 1} now reads 「{label}」 (was 「{o.get('label')}」)")
        if body(o) != body(n):
            add("changed", f"{what} {label}", f"{what} 「{label}」: {describe(o)} → {describe(n)}")
    for i in unmatched_old:
        add(
            "removed",
            f"{what} {old[i].get('label', '')}",
            f"{what} 「{old[i].get('label', '')}」 removed (was {what} {i + 1}: {describe(old[i])})",
        )
    for j, item in enumerate(new):
        if j not in used_new:
            add(
                "added",
                f"{what} {item.get('label', '')}",
                f"{what} 「{item.get('label', '')}」 added as {what} {j + 1}: {describe(item)}",
            )
    return pairs


# ---------------------------------------------------------------------------
# The whole script
# ---------------------------------------------------------------------------
def diff_scripts(old: Script, new: Script) -> ScriptDiff:
    """Every difference that changes what agents see, how calls walk, or how they are graded."""
    namer = _Namer(old, new)
    result = ScriptDiff()
    changes = result.changes
    renames = detect_renames(old, new)
    result.renames = renames

    def header(field_name: str, a: Any, b: Any) -> None:
        if a != b:
            changes.append(Change("script", "changed", field_name, f"script {field_name}: 「{a}」 → 「{b}」"))

    header("name", old.name, new.name)
    header("title", old.title, new.title)
    header("company", old.company, new.company)
    if renames.get(old.start, old.start) != new.start:
        changes.append(
            Change(
                "script",
                "changed",
                "start",
                f"calls now start at {namer.new_node(new.start)} instead of {namer.old_node(old.start)}",
            )
        )
    for name in old.variables:
        if name not in new.variables:
            changes.append(
                Change(
                    "script",
                    "removed",
                    f"variable {name}",
                    f"variable {{{name}}} removed (was 「{_short(old.variables[name])}」)",
                )
            )
        elif old.variables[name] != new.variables[name]:
            changes.append(
                Change(
                    "script",
                    "changed",
                    f"variable {name}",
                    f"variable {{{name}}}: 「{_short(old.variables[name])}」 → 「{_short(new.variables[name])}」",
                )
            )
    for name in new.variables:
        if name not in old.variables:
            changes.append(
                Change(
                    "script",
                    "added",
                    f"variable {name}",
                    f"variable {{{name}}} added: 「{_short(new.variables[name])}」",
                )
            )

    new_of_old = {r: a for r, a in renames.items()}
    for old_id in old.nodes:
        if old_id in new.nodes or old_id in new_of_old:
            continue
        node = old.nodes[old_id]
        changes.append(
            Change(
                "nodes",
                "removed",
                old_id,
                f"node {namer.old_node(old_id)} removed ({_kind_words(node)}: 「{_short(' '.join(t.source for t in node.say))}」)",
            )
        )
    renamed_new = set(renames.values())
    for new_id in new.nodes:
        if new_id in old.nodes or new_id in renamed_new:
            continue
        node = new.nodes[new_id]
        sources = [f"{namer.new_node(n.id)}" for n in new.nodes.values() if new_id in n.successors()]
        via = f", reached from {', '.join(sources)}" if sources else ""
        changes.append(
            Change(
                "nodes",
                "added",
                new_id,
                f"node {namer.new_node(new_id)} added ({_kind_words(node)}: 「{_short(' '.join(t.source for t in node.say))}」{via})",
            )
        )
    for old_id, new_id in renames.items():
        same = _content(old.nodes[old_id]) == _content(new.nodes[new_id])
        tail = "; references to it were updated" + ("" if same else "; its content changed too (below)")
        changes.append(
            Change("nodes", "renamed", new_id, f"node {old.nodes[old_id].title} renamed: {old_id} → {new_id}{tail}")
        )
    for old_id, old_node in old.nodes.items():
        new_id = renames.get(old_id, old_id)
        if new_id in new.nodes and (old_id in new.nodes or old_id in renames):
            _diff_node(namer, renames, old_node, new.nodes[new_id], changes)

    for name, spec in old.facts.items():
        other = new.facts.get(name)
        if other is None:
            changes.append(Change("facts", "removed", name, f"fact {name} 「{spec.label}」 removed"))
        elif (spec.type, spec.values, spec.min, spec.max, spec.label, spec.carries) != (
            other.type,
            other.values,
            other.min,
            other.max,
            other.label,
            other.carries,
        ):
            changes.append(Change("facts", "changed", name, f"fact {name}: {_spec(spec)} → {_spec(other)}"))
    for name, spec in new.facts.items():
        if name not in old.facts:
            changes.append(Change("facts", "added", name, f"fact {name} added: {_spec(spec)}"))
    old_setters = _setters(old)
    new_setters = _setters(new)
    for name in sorted(set(old_setters) | set(new_setters)):
        if name in old_setters and name not in new_setters:
            changes.append(
                Change(
                    "facts",
                    "changed",
                    name,
                    f"no answer sets {name} any more (it was set at {', '.join(old_setters[name])})",
                )
            )
        elif name in new_setters and name not in old_setters:
            changes.append(
                Change(
                    "facts", "changed", name, f"{name} is now learned in calls (set at {', '.join(new_setters[name])})"
                )
            )

    _diff_grading(old, new, changes)
    return result


def _spec(spec: Any) -> str:
    extra = (
        f" {_value(list(spec.values))}"
        if spec.values
        else (f" {spec.min}–{spec.max}" if spec.min is not None or spec.max is not None else "")
    )
    carry = "" if spec.carries else ", not carried to later calls"
    return f"{spec.type}{extra} 「{spec.label}」{carry}"


def _setters(script: Script) -> dict[str, list[str]]:
    """Which nodes teach each fact (by option ``set:`` or by input)."""
    out: dict[str, list[str]] = {}
    for node in script.nodes.values():
        names = {k for o in node.options for k, _ in o.sets}
        if node.input is not None:
            names.add(node.input.fact.name)
        for name in names:
            out.setdefault(name, []).append(node.id)
    return out
