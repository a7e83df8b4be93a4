"""The script model: an immutable, validated decision tree.

Built only by :mod:`callscript.script.loader`; everything downstream (session, TUI,
path explorer, storage) can trust it: every ``next`` names a node, every fact
value is allowed, every template variable is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from callscript.script.facts import FactSpec, FactValue
from callscript.script.grading import NO_GRADING, Grading
from callscript.script.problems import Mark, Problem
from callscript.script.templates import Template

OPTIONS, INPUT, END = "options", "input", "end"


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: Template
    sets: tuple[tuple[str, FactValue], ...]
    next: str
    mark: Mark


@dataclass(frozen=True, slots=True)
class InputSpec:
    fact: FactSpec
    hint: str
    min: int | None = None
    max: int | None = None

    def parse(self, text: str) -> FactValue:
        """The typed text as a fact value, or :class:`~callscript.script.facts.FactValueError`."""
        from callscript.script.facts import FactValueError

        value = self.fact.parse_text(text)
        if isinstance(value, int) and not isinstance(value, bool):
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise FactValueError(f"超出范围: {self.min}–{self.max}")
        return value


@dataclass(frozen=True, slots=True)
class Skip:
    label: str
    next: str


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    title: str
    say: tuple[Template, ...]
    tips: tuple[Template, ...]
    mark: Mark
    options: tuple[Option, ...] = ()
    input: InputSpec | None = None
    next: str | None = None
    skip: Skip | None = None
    end: str | None = None
    by_key: dict[str, Option] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.end is not None:
            return END
        if self.input is not None:
            return INPUT
        return OPTIONS

    def successors(self) -> Iterator[str]:
        """Every node id this node can lead to, in display order."""
        for option in self.options:
            yield option.next
        if self.next:
            yield self.next
        if self.skip:
            yield self.skip.next


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    title: str
    start: str
    company: str
    variables: dict[str, str]
    facts: dict[str, FactSpec]
    nodes: dict[str, Node]
    grading: Grading = NO_GRADING
    path: str = "<text>"
    source_text: str = ""
    sha256: str = ""
    warnings: tuple[Problem, ...] = ()

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    @property
    def endings(self) -> list[Node]:
        return [node for node in self.nodes.values() if node.end is not None]

    def fact_labels(self) -> dict[str, str]:
        return {name: spec.label for name, spec in self.facts.items()}
