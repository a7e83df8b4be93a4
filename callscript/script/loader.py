"""Load and validate a call script: YAML text → :class:`~callscript.script.model.Script`.

Every problem is collected (not just the first) with the line and column of the
YAML value it is about, so ``callscript validate`` shows the supervisor the whole
list at once. Errors make the script unusable; warnings don't.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from pathlib import Path
from typing import Any

from callscript.core.outcomes import OUTCOME_VALUES, Outcome
from callscript.core.reading import MAX_SCRIPT_BYTES, FileTooBig, read_bounded
from callscript.script import grading as g
from callscript.script.facts import BOOL, BUILTIN_FACTS, ENUM, FACT_TYPES, INT, TEXT, FactSpec, FactValueError
from callscript.script.model import InputSpec, Node, Option, Script, Skip
from callscript.script.problems import Mark, Problem, ScriptError, Severity
from callscript.script.templates import (
    BUILTIN_VARIABLES,
    CONTACT_VARIABLES,
    Template,
    TemplateError,
    parse_template,
)
from callscript.script.yaml_source import BOOL as T_BOOL
from callscript.script.yaml_source import FLOAT as T_FLOAT
from callscript.script.yaml_source import INT as T_INT
from callscript.script.yaml_source import (
    MAP,
    NULL,
    SCALAR,
    SEQ,
    STR,
    TIMESTAMP,
    YamlSourceError,
    YNode,
    decode_source,
    gc_paused,
    parse_yaml,
)

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY = re.compile(r"^[0-9A-Za-z]$")


class _Checker:
    """Collects problems while walking the YAML tree."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(mark, message))

    def warn(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(mark, message, Severity.WARNING))

    def mapping(
        self, node: YNode | None, what: str, mark: Mark, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
    ) -> dict[str, YNode] | None:
        """The fields of a mapping, reporting missing, unknown and duplicate keys."""
        if node is None or node.kind != MAP:
            found = "nothing" if node is None or (node.kind == SCALAR and node.tag == NULL) else node.type_word
            self.error(node.mark if node else mark, f"{what} must be a mapping, found {found}")
            return None
        fields: dict[str, YNode] = {}
        keys: dict[str, YNode] = {}
        allowed = required + optional
        for key, value in node.items:
            name = key.value if key.tag == STR else self.key_text(key, what)  # keys are text: the common case inline
            if name is None:
                continue
            if name in fields:
                self.error(key.mark, f"duplicate key '{name}' in {what} (first at line {keys[name].mark.line})")
                continue
            if allowed and name not in allowed:
                self.error(key.mark, f"unknown field '{name}' in {what}; expected one of: {', '.join(allowed)}")
                continue
            fields[name] = value
            keys[name] = key
        for name in required:
            if name not in fields:
                self.error(node.mark, f"{what} is missing required field '{name}'")
        return fields

    def key_text(self, key: YNode, what: str) -> str | None:
        if key.kind == SCALAR and key.tag == STR:
            return key.value
        if key.kind == SCALAR and key.tag == T_BOOL and key.plain:
            self.error(
                key.mark,
                f"key '{key.raw}' in {what} is read by YAML as the boolean {str(key.value).lower()}; put it in quotes: \"{key.raw}\"",
            )
        elif key.kind == SCALAR and key.tag in (T_INT, T_FLOAT) and str(key.value) == key.raw:
            return key.raw
        elif key.kind == SCALAR:
            self.error(key.mark, f"key '{key.raw}' in {what} is read by YAML as {key.type_word}; put it in quotes")
        else:
            self.error(key.mark, f"keys in {what} must be text, found {key.type_word}")
        return None

    def text(self, node: YNode, what: str, allow_empty: bool = False) -> str | None:
        """A text value, refusing YAML 1.1 surprises (``no`` → false, ``010`` → 8)."""
        if node.kind != SCALAR:
            self.error(node.mark, f"{what} must be text, found {node.type_word}")
            return None
        if node.tag == STR:
            if not allow_empty and not node.value.strip():
                self.error(node.mark, f"{what} is empty")
                return None
            return node.value
        if node.tag == NULL:
            self.error(node.mark, f"{what} is empty")
            return None
        if node.tag == T_BOOL:
            self.error(
                node.mark,
                f"{what}: '{node.raw}' is read by YAML as the boolean {str(node.value).lower()}; put it in quotes: \"{node.raw}\"",
            )
            return None
        if node.tag in (T_INT, T_FLOAT) and str(node.value) == node.raw:
            return node.raw
        if node.tag in (T_INT, T_FLOAT):
            self.error(
                node.mark,
                f"{what}: '{node.raw}' is read by YAML as the number {node.value}; put it in quotes: \"{node.raw}\"",
            )
            return None
        if node.tag == TIMESTAMP:
            self.error(node.mark, f"{what}: '{node.raw}' is read by YAML as a date; put it in quotes: \"{node.raw}\"")
            return None
        self.error(node.mark, f"{what} must be text, found {node.type_word}")
        return None

    def texts(self, node: YNode, what: str) -> list[tuple[str, YNode]]:
        """A text or a list of texts (for ``say`` and ``tips``)."""
        if node.kind == SEQ:
            if not node.items:
                self.error(node.mark, f"{what} is an empty list")
            out = []
            for item in node.items:
                value = self.text(item, what)
                if value is not None:
                    out.append((value, item))
            return out
        value = self.text(node, what)
        return [(value, node)] if value is not None else []

    def boolean(self, node: YNode, what: str) -> bool | None:
        if node.kind == SCALAR and node.tag == T_BOOL:
            return node.value
        self.error(node.mark, f"{what} must be true or false, found {node.raw or node.type_word!s}")
        return None

    def integer(self, node: YNode, what: str) -> int | None:
        if node.kind == SCALAR and node.tag == T_INT:
            return node.value
        self.error(
            node.mark,
            f"{what} must be a whole number, found '{node.raw}'"
            if node.kind == SCALAR
            else f"{what} must be a whole number, found {node.type_word}",
        )
        return None

    def fact_value(self, spec: FactSpec, node: YNode, what: str) -> Any:
        """A YAML value as a value of ``spec``, with the YAML 1.1 trap spelled out."""
        if node.kind != SCALAR:
            self.error(
                node.mark, f"{what}: a value for fact '{spec.name}' must be a single value, found {node.type_word}"
            )
            return None
        value = node.value
        if spec.type in (ENUM, TEXT) and node.tag == T_BOOL and node.plain:
            hint = f'; put it in quotes: "{node.raw}"' if spec.type == TEXT or node.raw in spec.values else ""
            self.error(
                node.mark,
                f"{what}: '{node.raw}' is read by YAML as the boolean {str(value).lower()}, but fact '{spec.name}' takes {self.allowed(spec)}{hint}",
            )
            return None
        if spec.type == TEXT and node.tag in (T_INT, T_FLOAT) and str(value) == node.raw:
            value = node.raw
        try:
            return spec.check(value)
        except FactValueError:
            self.error(node.mark, f"{what}: fact '{spec.name}' cannot be '{node.raw}'; it takes {self.allowed(spec)}")
            return None

    @staticmethod
    def allowed(spec: FactSpec) -> str:
        if spec.type == ENUM:
            return "one of " + ", ".join(spec.values)
        if spec.type == BOOL:
            return "true or false"
        if spec.type == INT:
            return f"a whole number {spec.min}–{spec.max}" if spec.min is not None else "a whole number"
        return "text"


def _template(
    check: _Checker, text: str, node: YNode, known_vars: set[str], used: set[str], what: str
) -> Template | None:
    try:
        template = parse_template(text)
    except TemplateError as exc:
        check.error(node.mark, f"{what}: {exc}")
        return None
    for name in template.variables:
        if name not in known_vars:
            check.error(node.mark, f"{what}: unknown variable {{{name}}}; known: {', '.join(sorted(known_vars))}")
        used.add(name)
    return template


def _declared_facts(check: _Checker, node: YNode | None) -> dict[str, FactSpec]:
    catalogue = dict(BUILTIN_FACTS)
    if node is None:
        return catalogue
    fields = check.mapping(node, "facts", node.mark)
    for name, spec_node in (fields or {}).items():
        if name in BUILTIN_FACTS:
            check.error(spec_node.mark, f"fact '{name}' is built in and cannot be redefined")
            continue
        if not _ID.match(name):
            check.error(spec_node.mark, f"fact name '{name}' must use letters, digits and _")
            continue
        if name in BUILTIN_VARIABLES and name not in CONTACT_VARIABLES:
            check.error(
                spec_node.mark,
                f"fact '{name}' has the name of a built-in variable; only {', '.join(CONTACT_VARIABLES)} may be "
                "declared as facts (what the call learns about the contact replaces the lead's value)",
            )
            continue
        spec = check.mapping(
            spec_node, f"fact '{name}'", spec_node.mark, ("type",), ("label", "values", "min", "max", "carry")
        )
        if spec is None:
            continue
        ftype = check.text(spec["type"], f"fact '{name}' type") if "type" in spec else None
        if ftype is None:
            continue
        if ftype not in FACT_TYPES:
            check.error(spec["type"].mark, f"fact '{name}': type must be one of {', '.join(FACT_TYPES)}, not '{ftype}'")
            continue
        if name in CONTACT_VARIABLES and ftype != TEXT:
            check.error(spec["type"].mark, f"fact '{name}' replaces the lead's {name}, so it is text, not {ftype}")
            continue
        carries = True
        if "carry" in spec:
            carry = check.boolean(spec["carry"], f"fact '{name}' carry")
            carries = True if carry is None else carry
        label = check.text(spec["label"], f"fact '{name}' label") if "label" in spec else name
        values: tuple[str, ...] = ()
        if ftype == ENUM:
            if "values" not in spec or spec["values"].kind != SEQ or not spec["values"].items:
                check.error(spec_node.mark, f"fact '{name}' of type enum needs values: [a, b, ...]")
                continue
            values = tuple(v for v in (check.text(item, f"fact '{name}' value") for item in spec["values"].items) if v)
        elif "values" in spec:
            check.error(spec["values"].mark, f"fact '{name}': values are only for enum facts")
        lo = check.integer(spec["min"], f"fact '{name}' min") if "min" in spec else None
        hi = check.integer(spec["max"], f"fact '{name}' max") if "max" in spec else None
        if ftype != INT and ("min" in spec or "max" in spec):
            check.error(spec_node.mark, f"fact '{name}': min/max are only for int facts")
        catalogue[name] = FactSpec(name, ftype, label or name, values, lo, hi, carries=carries)
    return catalogue


def _option(
    check: _Checker, item: YNode, where: str, facts: dict[str, FactSpec], known_vars: set[str], used: set[str]
) -> tuple[Option | None, str | None, YNode | None]:
    fields = check.mapping(item, f"option in {where}", item.mark, ("key", "label", "next"), ("set",))
    if fields is None:
        return None, None, None
    key = None
    if "key" in fields:
        knode = fields["key"]
        key = check.text(knode, f"option key in {where}")
        if key is not None and not _KEY.match(key):
            check.error(knode.mark, f"option key '{key}' in {where} must be one character: 1-9, 0 or a letter")
            key = None
    label = None
    if "label" in fields:
        text = check.text(fields["label"], f"option label in {where}")
        if text is not None:
            label = _template(check, text, fields["label"], known_vars, used, f"option label in {where}")
    target = check.text(fields["next"], f"next in {where}") if "next" in fields else None
    sets = _sets(check, fields.get("set"), where, facts)
    if key is None or label is None or target is None or sets is None:
        return None, key, fields.get("key")
    return Option(key, label, sets, target, item.mark), key, fields.get("key")


def _sets(check: _Checker, node: YNode | None, where: str, facts: dict[str, FactSpec]) -> tuple | None:
    if node is None:
        return ()
    fields = check.mapping(node, f"set in {where}", node.mark)
    if fields is None:
        return None
    out = []
    ok = True
    for name, value_node in fields.items():
        spec = facts.get(name)
        if spec is None:
            check.error(
                value_node.mark,
                f"unknown fact '{name}' in {where}; declare it under facts: or use one of {', '.join(facts)}",
            )
            ok = False
            continue
        value = check.fact_value(spec, value_node, f"set in {where}")
        if value is None:
            ok = False
            continue
        out.append((name, value))
    return tuple(out) if ok else None


def _node(
    check: _Checker, node_id: str, raw: YNode, facts: dict[str, FactSpec], known_vars: set[str], used: set[str]
) -> Node | None:
    where = f"node '{node_id}'"
    fields = check.mapping(raw, where, raw.mark, ("title", "say"), ("tips", "options", "input", "next", "skip", "end"))
    if fields is None:
        return None
    title = check.text(fields["title"], f"title of {where}") if "title" in fields else None
    say = (
        tuple(
            t
            for t in (
                _template(check, text, n, known_vars, used, f"say in {where}")
                for text, n in check.texts(fields["say"], f"say in {where}")
            )
            if t
        )
        if "say" in fields
        else ()
    )
    tips = (
        tuple(
            t
            for t in (
                _template(check, text, n, known_vars, used, f"tips in {where}")
                for text, n in check.texts(fields["tips"], f"tips in {where}")
            )
            if t
        )
        if "tips" in fields
        else ()
    )
    kinds = [k for k in ("options", "input", "end") if k in fields]
    if len(kinds) != 1:
        if not kinds:
            check.error(raw.mark, f"{where} needs one of options:, input: or end:")
        else:
            check.error(fields[kinds[1]].mark, f"{where} has both {kinds[0]}: and {kinds[1]}:; a node is one kind")
        return None
    kind = kinds[0]
    for extra in ("next", "skip"):
        if extra in fields and kind != "input":
            check.error(
                fields[extra].mark, f"{where}: '{extra}' belongs only on an input node (options carry their own next)"
            )
    options: list[Option] = []
    by_key: dict[str, Option] = {}
    input_spec = None
    target = None
    skip = None
    end = None
    broken = False
    if kind == "options":
        onode = fields["options"]
        if onode.kind != SEQ or not onode.items:
            check.error(onode.mark, f"options in {where} must be a non-empty list")
            return None
        seen: dict[str, YNode] = {}
        labels: dict[str, Mark] = {}
        for item in onode.items:
            option, key, key_node = _option(check, item, where, facts, known_vars, used)
            if key is not None and key_node is not None:
                if key in seen:
                    check.error(
                        key_node.mark, f"duplicate option key '{key}' in {where} (first at line {seen[key].mark.line})"
                    )
                    broken = True
                    continue
                seen[key] = key_node
            if option is None:
                broken = True
                continue
            if option.label.source in labels:
                check.warn(option.mark, f"option label '{option.label.source}' appears twice in {where}")
            labels[option.label.source] = option.mark
            options.append(option)
            by_key[option.key] = option
    elif kind == "input":
        spec_fields = check.mapping(
            fields["input"], f"input in {where}", fields["input"].mark, ("fact",), ("hint", "min", "max")
        )
        if "next" not in fields:
            check.error(raw.mark, f"input {where} is missing 'next'")
        else:
            target = check.text(fields["next"], f"next in {where}")
        if spec_fields is None:
            return None
        fact_name = check.text(spec_fields["fact"], f"input fact in {where}") if "fact" in spec_fields else None
        spec = facts.get(fact_name) if fact_name else None
        if fact_name and spec is None:
            check.error(spec_fields["fact"].mark, f"unknown fact '{fact_name}' in input of {where}")
        hint = check.text(spec_fields["hint"], f"hint in {where}") if "hint" in spec_fields else ""
        lo = check.integer(spec_fields["min"], f"input min in {where}") if "min" in spec_fields else None
        hi = check.integer(spec_fields["max"], f"input max in {where}") if "max" in spec_fields else None
        if spec is not None:
            if spec.type == BOOL:
                check.error(
                    spec_fields["fact"].mark,
                    f"input of {where}: '{spec.name}' is true/false; ask it with options, not a typed input",
                )
                return None
            if ("min" in spec_fields or "max" in spec_fields) and spec.type != INT:
                check.error(raw.mark, f"input of {where}: min/max only apply to whole-number facts")
            if (lo is not None and spec.min is not None and lo < spec.min) or (
                hi is not None and spec.max is not None and hi > spec.max
            ):
                check.error(
                    raw.mark,
                    f"input of {where}: range {lo}–{hi} goes outside what '{spec.name}' allows ({spec.min}–{spec.max})",
                )
            lo = lo if lo is not None else spec.min
            hi = hi if hi is not None else spec.max
            if not hint:
                hint = spec.label + (f" ({lo}–{hi})" if spec.type == INT and lo is not None else "")
            input_spec = InputSpec(spec, hint or "", lo, hi)
        if "skip" in fields:
            sk = check.mapping(fields["skip"], f"skip in {where}", fields["skip"].mark, ("label", "next"))
            if sk:
                slabel = check.text(sk["label"], f"skip label in {where}") if "label" in sk else None
                snext = check.text(sk["next"], f"skip next in {where}") if "next" in sk else None
                if slabel and snext:
                    skip = Skip(slabel, snext)
        if input_spec is None or target is None:
            return None
    else:
        end = check.text(fields["end"], f"end of {where}")
        if end is not None and end not in OUTCOME_VALUES:
            check.error(
                fields["end"].mark, f"end of {where}: '{end}' is not an outcome; use one of {', '.join(OUTCOME_VALUES)}"
            )
            return None
        if end is None:
            return None
    if title is None or not say or broken:
        return None
    return Node(node_id, title, say, tips, raw.mark, tuple(options), input_spec, target, skip, end, by_key)


def _raw_edges(raw: YNode) -> list[tuple[str, YNode, str]]:
    """Every ``next`` written in a node as (target, the YAML value naming it, what), read from the YAML.

    Read from the tree rather than the model so that a node with an unrelated error
    (a bad fact value, a duplicate key) still leads where it says it leads; otherwise
    every node after it would be reported unreachable too.
    """
    edges: list[tuple[str, YNode, str]] = []
    if raw.kind != MAP:
        return edges

    def add(mapping: YNode, what: str) -> None:
        for key, value in mapping.items:
            if (
                key.value == "next"
                and value.kind == SCALAR
                and (value.tag == STR or (value.tag in (T_INT, T_FLOAT) and str(value.value) == value.raw))
            ):
                edges.append((value.raw, value, what))

    for key, value in raw.items:
        name = key.value
        if name == "options":
            for item in value.items if value.kind == SEQ else [value] if value.kind == MAP else ():
                if item.kind == MAP:
                    option_key = next((v.raw for k, v in item.items if k.value == "key" and v.kind == SCALAR), "?")
                    add(item, f"option '{option_key}'")
        elif name == "next":
            add(raw, "next")
        elif name == "skip" and value.kind == MAP:
            add(value, "skip")
    return edges


def _graph_checks(
    check: _Checker, start: str, start_mark: Mark, nodes: dict[str, Node], raw_nodes: dict[str, YNode]
) -> None:
    """Dangling references, unreachable nodes, nodes from which no ending is reachable."""
    # A built node's successors are exactly the next:s written in it; only a broken
    # node (or one naming a missing node, to say where) needs its YAML read again.
    edges = {
        node_id: list(nodes[node_id].successors()) if node_id in nodes else [t for t, _, _ in _raw_edges(raw)]
        for node_id, raw in raw_nodes.items()
    }
    for node_id, targets in edges.items():
        if any(target not in raw_nodes for target in targets):
            for target, value, what in _raw_edges(raw_nodes[node_id]):
                if target not in raw_nodes:
                    check.error(value.mark, f"{what} of node '{node_id}' goes to '{target}', which is not a node")
    if start not in raw_nodes:
        check.error(start_mark, f"start node '{start}' is not a node")
        return
    reachable = {start}
    queue = deque([start])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in reachable and target in raw_nodes:
                reachable.add(target)
                queue.append(target)
    for node_id, raw in raw_nodes.items():
        if node_id not in reachable:
            check.error(raw.mark, f"node '{node_id}' cannot be reached from the start node '{start}'")
    if len(nodes) != len(raw_nodes):
        return  # broken nodes were reported already; don't guess their edges
    reverse: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for node in nodes.values():
        for target in node.successors():
            if target in reverse:
                reverse[target].append(node.id)
    can_end = {node.id for node in nodes.values() if node.end is not None}
    queue = deque(can_end)
    while queue:
        for source in reverse[queue.popleft()]:
            if source not in can_end:
                can_end.add(source)
                queue.append(source)
    for node_id in reachable:
        if node_id not in can_end:
            check.error(
                nodes[node_id].mark, f"no path from node '{node_id}' reaches an ending (a loop with no way out)"
            )


def _test(check: _Checker, node: YNode, where: str, facts: dict[str, FactSpec], conditions: set[str]) -> g.Test | None:
    if node.kind != MAP:
        check.error(
            node.mark, f"{where}: a test must be a mapping such as {{fact: travel, is: often}}, found {node.type_word}"
        )
        return None
    keys = {}
    for key, value in node.items:
        name = check.key_text(key, where)
        if name is not None:
            keys[name] = (key, value)
    if "all" in keys or "any" in keys:
        word = "all" if "all" in keys else "any"
        if len(keys) != 1:
            check.error(node.mark, f"{where}: '{word}' stands alone in its test")
            return None
        items = keys[word][1]
        if items.kind != SEQ or not items.items:
            check.error(items.mark, f"{where}: '{word}' takes a non-empty list of tests")
            return None
        parts = [_test(check, item, where, facts, conditions) for item in items.items]
        if any(p is None for p in parts):
            return None
        return g.all_of(parts) if word == "all" else g.any_of(parts)  # type: ignore[arg-type]
    if "not" in keys and "fact" not in keys:
        if len(keys) != 1:
            check.error(node.mark, f"{where}: 'not' stands alone in its test")
            return None
        inner = _test(check, keys["not"][1], where, facts, conditions)
        return g.negate(inner) if inner else None
    if "condition" in keys:
        if len(keys) != 1:
            check.error(node.mark, f"{where}: 'condition' stands alone in its test")
            return None
        name = check.text(keys["condition"][1], f"{where}: condition")
        if name is None:
            return None
        if name not in conditions:
            check.error(
                keys["condition"][1].mark,
                f"{where}: unknown condition '{name}'; declared: {', '.join(sorted(conditions)) or 'none'}",
            )
            return None
        return g.condition_ref(name)
    if "fact" not in keys:
        check.error(node.mark, f"{where}: a test needs fact:, all:, any:, not: or condition:")
        return None
    fact_name = check.text(keys["fact"][1], f"{where}: fact")
    if fact_name is None:
        return None
    spec = facts.get(fact_name)
    if spec is None:
        check.error(keys["fact"][1].mark, f"{where}: unknown fact '{fact_name}'")
        return None
    ops = [k for k in keys if k != "fact"]
    valid_ops = (*g.COMPARISONS, "in", "known")
    bad = [k for k in ops if k not in valid_ops]
    if bad:
        check.error(keys[bad[0]][0].mark, f"{where}: unknown comparison '{bad[0]}'; use one of {', '.join(valid_ops)}")
        return None
    if len(ops) != 1:
        check.error(node.mark, f"{where}: a fact test needs exactly one comparison ({', '.join(valid_ops)})")
        return None
    op = ops[0]
    value_node = keys[op][1]
    if op == "known":
        flag = check.boolean(value_node, f"{where}: known")
        return g.known(fact_name, flag) if flag is not None else None
    if op == "in":
        if value_node.kind != SEQ or not value_node.items:
            check.error(value_node.mark, f"{where}: 'in' takes a non-empty list of values")
            return None
        values = [check.fact_value(spec, item, where) for item in value_node.items]
        if any(v is None for v in values):
            return None
        return g.member(fact_name, frozenset(values))
    if op in ("ge", "gt", "le", "lt"):
        if spec.type != INT:
            check.error(
                keys[op][0].mark, f"{where}: '{op}' compares numbers, but fact '{fact_name}' is {check.allowed(spec)}"
            )
            return None
        number = check.integer(value_node, f"{where}: {op}")
        return g.compare(fact_name, op, number) if number is not None else None
    value = check.fact_value(spec, value_node, where)
    return g.compare(fact_name, op, value) if value is not None else None


def _grading(check: _Checker, node: YNode | None, facts: dict[str, FactSpec]) -> g.Grading:
    if node is None:
        return g.NO_GRADING
    fields = check.mapping(node, "grading", node.mark, ("grades", "rules"), ("conditions", "exclude"))
    if fields is None:
        return g.NO_GRADING
    grades: list[str] = []
    if "grades" in fields:
        gnode = fields["grades"]
        if gnode.kind != SEQ or not gnode.items:
            check.error(gnode.mark, "grading grades must be a non-empty list such as [好, 一般, 勉强]")
        else:
            for item in gnode.items:
                name = check.text(item, "grade name")
                if name in grades:
                    check.error(item.mark, f"grade '{name}' is declared twice")
                elif name:
                    grades.append(name)
    conditions: list[g.Condition] = []
    names: set[str] = set()
    if "conditions" in fields:
        cfields = check.mapping(fields["conditions"], "grading conditions", fields["conditions"].mark) or {}
        for name, cnode in cfields.items():
            if not _ID.match(name):
                check.error(cnode.mark, f"condition name '{name}' must use letters, digits and _")
                continue
            label = name
            test_node = cnode
            if cnode.kind == MAP:
                rest = []
                for key, value in cnode.items:
                    if key.kind == SCALAR and key.value == "label":
                        label = check.text(value, f"label of condition '{name}'") or name
                    else:
                        rest.append((key, value))
                test_node = YNode(MAP, cnode.mark, items=rest)
            test = _test(check, test_node, f"condition '{name}'", facts, names)
            names.add(name)
            if test is not None:
                conditions.append(g.Condition(name, label, test))
    exclusions: list[g.Exclusion] = []
    if "exclude" in fields:
        enode = fields["exclude"]
        if enode.kind != SEQ:
            check.error(enode.mark, "grading exclude must be a list of {label, when, unless}")
        else:
            for item in enode.items:
                ef = check.mapping(item, "exclusion", item.mark, ("when",), ("label", "unless"))
                if not ef:
                    continue
                exclusion_label = check.text(ef["label"], "exclusion label") if "label" in ef else "excluded"
                when = _test(check, ef["when"], "exclusion when", facts, names) if "when" in ef else None
                unless = _test(check, ef["unless"], "exclusion unless", facts, names) if "unless" in ef else None
                if when is not None and ("unless" not in ef or unless is not None):
                    exclusions.append(g.Exclusion(exclusion_label or "excluded", when, unless))
    rules: list[g.GradeRule] = []
    rnode = fields.get("rules")
    if rnode is not None:
        if rnode.kind != SEQ or not rnode.items:
            check.error(rnode.mark, "grading rules must be a non-empty list of {grade, label, when}")
        else:
            for index, item in enumerate(rnode.items, start=1):
                rf = check.mapping(item, f"grade rule {index}", item.mark, ("grade", "label", "when"))
                if not rf:
                    continue
                grade = check.text(rf["grade"], f"grade of rule {index}") if "grade" in rf else None
                if grade is not None and grades and grade not in grades:
                    check.error(
                        rf["grade"].mark,
                        f"rule {index}: grade '{grade}' is not declared in grades: [{', '.join(grades)}]",
                    )
                    grade = None
                rule_label = check.text(rf["label"], f"label of rule {index}") if "label" in rf else None
                test = _test(check, rf["when"], f"rule {index}", facts, names) if "when" in rf else None
                if grade and rule_label and test:
                    rules.append(g.GradeRule(index, grade, rule_label, test))
    return g.Grading(tuple(grades), tuple(conditions), tuple(exclusions), tuple(rules))


def _warn_soft(check: _Checker, nodes: dict[str, Node], declared_vars: dict[str, YNode], used: set[str]) -> None:
    for node in nodes.values():
        if (
            node.end is not None
            and Outcome(node.end).effective
            and not any(word in t.source for t in node.say for word in ("谢", "再见", "拜"))
        ):
            check.warn(node.mark, f"ending '{node.id}' says no thanks or goodbye (谢谢/再见) to someone on the line")
    for name, vnode in declared_vars.items():
        if name not in used:
            check.warn(vnode.mark, f"variable '{name}' is declared but never used")


def build_script(root: YNode | None, text: str, path: str, *, node_builder=None) -> tuple[Script | None, list[Problem]]:
    """Validate a parsed tree; returns the script (``None`` on any error) and all problems.

    ``node_builder`` (default: this module's ``_node``) checks one node; the
    editor passes a caching one (callscript/workshop/revalidate.py) that reuses the result
    for a node whose YAML and context did not change. It must behave exactly like
    ``_node``: same return value, same problems appended, same variables added.
    """
    build_node = node_builder or _node
    check = _Checker()
    top = check.mapping(root, "the script file", Mark(1, 1), ("script", "nodes"), ("variables", "facts", "grading"))
    if root is None:
        return None, [Problem(Mark(1, 1), "the file is empty; a script needs script: and nodes:")]
    if top is None:
        return None, check.problems
    head = (
        check.mapping(top["script"], "script", top["script"].mark, ("name", "title", "start"), ("company",))
        if "script" in top
        else None
    )
    name = title = start = None
    company = ""
    start_mark = Mark(1, 1)
    if head:
        name = check.text(head["name"], "script name") if "name" in head else None
        if name and not _ID.match(name):
            check.error(head["name"].mark, f"script name '{name}' must use letters, digits and _")
        title = check.text(head["title"], "script title") if "title" in head else None
        start = check.text(head["start"], "script start") if "start" in head else None
        start_mark = head["start"].mark if "start" in head else top["script"].mark
        company = (check.text(head["company"], "script company") or "") if "company" in head else ""
    variables: dict[str, str] = {}
    declared_vars: dict[str, YNode] = {}
    if "variables" in top:
        for vname, vnode in (check.mapping(top["variables"], "variables", top["variables"].mark) or {}).items():
            if not _ID.match(vname):
                check.error(vnode.mark, f"variable name '{vname}' must use letters, digits and _")
                continue
            if vname in BUILTIN_VARIABLES:
                check.error(vnode.mark, f"variable '{vname}' is built in and cannot be redefined")
                continue
            if vname in BUILTIN_FACTS:
                check.error(
                    vnode.mark,
                    f"variable '{vname}' has the name of a fact; {{{vname}}} must show what the call learned, so pick another name",
                )
                continue
            value = check.text(vnode, f"variable '{vname}'")
            if value is not None:
                variables[vname] = value
                declared_vars[vname] = vnode
    facts = _declared_facts(check, top.get("facts"))
    for vname in [v for v in variables if v in facts]:
        check.error(
            declared_vars[vname].mark,
            f"variable '{vname}' has the name of a fact; {{{vname}}} must show what the call learned, so pick another name",
        )
        del variables[vname], declared_vars[vname]
    known_vars = set(BUILTIN_VARIABLES) | set(variables) | set(facts)
    used: set[str] = set()
    nodes: dict[str, Node] = {}
    raw_nodes: dict[str, YNode] = {}
    id_lines: dict[str, int] = {}  # where each node id is written (its key, not its body)
    if "nodes" in top:
        nfield = top["nodes"]
        if nfield.kind != MAP or not nfield.items:
            check.error(nfield.mark, "nodes must be a mapping of node id to node, with at least one node")
        else:
            for key, raw in nfield.items:
                node_id = check.key_text(key, "nodes")
                if node_id is None:
                    continue
                if node_id in raw_nodes:
                    check.error(key.mark, f"duplicate node id '{node_id}' (first at line {id_lines[node_id]})")
                    continue
                if not _ID.match(node_id):
                    check.error(key.mark, f"node id '{node_id}' must use letters, digits and _")
                raw_nodes[node_id] = raw
                id_lines[node_id] = key.mark.line
                built = build_node(check, node_id, raw, facts, known_vars, used)
                if built is not None:
                    nodes[node_id] = built
    if start and raw_nodes:
        _graph_checks(check, start, start_mark, nodes, raw_nodes)
    grading_model = _grading(check, top.get("grading"), facts)
    _warn_soft(check, nodes, declared_vars, used)
    if any(p.is_error for p in check.problems) or not (name and title and start):
        if not check.problems:
            check.error(Mark(1, 1), "the script header is incomplete")
        return None, check.problems
    script = Script(
        name=name,
        title=title,
        start=start,
        company=company,
        variables=variables,
        facts=facts,
        nodes=nodes,
        grading=grading_model,
        path=path,
        source_text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        warnings=tuple(p for p in check.problems if not p.is_error),
    )
    return script, check.problems


def validate_text(text: str, path: str = "<text>") -> tuple[Script | None, list[Problem]]:
    """Parse and validate; never raises for bad input — problems come back as data."""
    with gc_paused():
        try:
            root = parse_yaml(text)
        except YamlSourceError as exc:
            return None, [exc.problem]
        result = build_script(root, text, path)
        del root  # free the tree by reference counting before the collector resumes
    return result


def validate_file(path: str | Path) -> tuple[Script | None, list[Problem]]:
    path = Path(path)
    try:
        data = read_bounded(path, MAX_SCRIPT_BYTES)
    except FileTooBig as exc:
        return None, [
            Problem(Mark(1, 1), f"the file is more than {MAX_SCRIPT_BYTES // 2**20} MB; a script never is ({exc.path})")
        ]
    except OSError as exc:
        return None, [Problem(Mark(1, 1), f"cannot read the file: {exc.strerror or exc}")]
    try:
        text = decode_source(data)
    except YamlSourceError as exc:
        return None, [exc.problem]
    return validate_text(text, str(path))


def load_script_text(text: str, path: str = "<text>") -> Script:
    script, problems = validate_text(text, path)
    if script is None:
        raise ScriptError(path, problems)
    return script


def load_script(path: str | Path) -> Script:
    """Load a script that must be valid; raises :class:`ScriptError` with every problem."""
    script, problems = validate_file(path)
    if script is None:
        raise ScriptError(str(path), problems)
    return script
