"""The editor's problems panel: one row per error, warning, failing test, uncovered branch.

F2 moves into the list (Enter jumps to the row's line), F8 jumps to the next problem
after the cursor. The rows are built from a validation and its test run
(:mod:`callscript.tui.editor.checks`) only when both belong to the same revision, so
the panel never mixes a new text's problems with an old text's test results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from callscript.tui.editor.checks import CheckResult, TestsResult
from callscript.workshop.path_explorer import edge_text


@dataclass(frozen=True)
class Entry:
    """One row of the problems panel."""

    kind: str  # error | warning | test | uncovered
    line: int | None  # in the script (None: the row is about the tests file)
    col: int
    text: str


_ICONS = {"error": ("✗", "bold red"), "warning": ("⚠", "yellow"), "test": ("✗", "magenta"), "uncovered": ("○", "cyan")}


def panel_entries(check: CheckResult, tests: TestsResult | None) -> list[Entry]:
    """The panel's rows: the script's problems, then (same revision only) the tests' failures and gaps."""
    entries = [Entry("error" if p.is_error else "warning", p.mark.line, p.mark.col, p.message) for p in check.problems]
    if tests is None or check.script is None or tests.revision != check.revision:
        return entries
    name = tests.path.name
    for problem in tests.problems:
        entries.append(Entry("test", None, 1, f"{name}:{problem.mark.line}: {problem.message}"))
    for failure in tests.failures:
        entries.append(
            Entry("test", None, 1, f"测试 「{failure.name}」 ({name}:{failure.line}) 失败: {failure.reason}")
        )
    coverage = tests.coverage
    if coverage is not None:
        script = check.script
        for node_id in coverage.uncovered_nodes:
            node = script.nodes[node_id]
            entries.append(
                Entry("uncovered", node.mark.line, node.mark.col, f"没有测试走到节点 {node.title} ({node_id})")
            )
        for edge in coverage.uncovered_edges:
            node = script.nodes[edge[0]]
            entries.append(
                Entry("uncovered", node.mark.line, node.mark.col, f"没有测试走过分支 {edge_text(script, edge)}")
            )
    return entries


def entry_text(entry: Entry) -> Text:
    icon, style = _ICONS[entry.kind]
    text = Text()
    text.append(f"{entry.line:>5}:{entry.col:<3}" if entry.line is not None else " " * 9, "dim")
    text.append(f" {icon} ", style)
    text.append(entry.text, "" if entry.kind in ("error", "warning") else "dim")
    return text


def next_problem(entries: Sequence[Entry], line: int, col: int) -> Entry | None:
    """F8: the first problem after ``line:col`` (1-based), wrapping round to the first.

    Errors and warnings come first; only when there are none does F8 walk the
    uncovered nodes and branches. Rows about the tests file have no line: skipped.
    """
    located = [e for e in entries if e.line is not None and e.kind in ("error", "warning")]
    located = located or [e for e in entries if e.line is not None]
    if not located:
        return None
    after = [e for e in located if (e.line, e.col) > (line, col)]
    return (after or located)[0]


class ProblemsPanel(OptionList):
    """The list under the text; it keeps its highlighted row when the rows change."""

    def show(self, entries: Sequence[Entry]) -> None:
        highlighted = self.highlighted
        self.set_options(Option(entry_text(e)) for e in entries)
        if entries and highlighted is not None:
            self.highlighted = min(highlighted, len(entries) - 1)
