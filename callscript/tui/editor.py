"""The supervisor's script editor: ``callscript edit PATH``.

One screen: the YAML in a TextArea (YAML highlighting when tree-sitter-yaml is
installed, plain text otherwise), a problems panel that re-validates as the
supervisor types, a status line (problems, script tests, coverage), and the
practice pane: the agents' own call screen over the script being edited.

Keys: Ctrl+S save (publish when there are no errors, else save the draft) ·
F5 practice · F2 problems list (Enter jumps, Esc back to the text) · F8 next
problem · Ctrl+Q quit (asks when there are unsaved edits) · F1 keys.

Validation as they type: every edit bumps ``revision`` and restarts a debounce
timer (``debounce``, 100 ms of quiet counted from the edit itself; with the
validation below at ~40 ms on a 2,000-node script that keeps results within
300 ms of the last key, see bench/bench_editor.py). When it fires, the text is validated in a thread
worker (the event loop never waits for it), by a
:class:`~callscript.workshop.revalidate.Revalidator`: the same result as
``validate_text``, but nodes whose text did not change are neither parsed nor
checked again. At most one validation runs at a
time; a result whose revision is no longer the text's is discarded, and if the
text changed while it ran, the next one starts as soon as it ends. Then, for a
valid script, the sidecar tests (``NAME.tests.yaml``) run in the same thread and
the status line shows how many pass and the nodes/branches they cover; failing
cases and uncovered nodes and branches are listed under the problems.

Saving (Ctrl+S) runs :func:`callscript.workshop.drafts.save_edit` in a thread: text with
no errors is published atomically and both the replaced text and the new one are
stored as script versions in the database (through the app's
:class:`~callscript.tui.backend.Backend`, on its one database thread); text with
errors goes to ``NAME.draft.yaml`` only. See docs/script-format.md, "Editing in
the app".
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from callscript.config import AgentConfig, resolve_db_path
from callscript.script.loader import validate_text
from callscript.script.model import Script
from callscript.script.problems import Mark, Problem, sort_problems
from callscript.tui.backend import Backend
from callscript.tui.clock import Clock, system_clock
from callscript.workshop.drafts import (
    DRAFT_FILE,
    NEW_FILE,
    PUBLISHED_FILE,
    EditSource,
    SaveOutcome,
    open_for_edit,
    save_edit,
)
from callscript.workshop.path_explorer import Coverage, edge_text
from callscript.workshop.revalidate import Revalidator
from callscript.workshop.script_tests import default_tests_path, load_tests_file, run_tests

DEBOUNCE = 0.10
_DUE = object()
"""EditorScreen._timer when the debounce is already over and a check is queued to start."""
BROKEN_FILE = "broken"
"""The published file, as opened, does not validate (edited by hand)."""
"""Seconds of quiet after a key before the text is validated."""


# ---------------------------------------------------------------------------
# What the worker computes (no Textual)
# ---------------------------------------------------------------------------
def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CheckResult:
    """One validation of the editor's text."""

    revision: int
    sha256: str
    script: Script | None
    problems: tuple[Problem, ...]
    seconds: float

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def check_text(text: str, path: str, revision: int = 0, revalidator: Revalidator | None = None) -> CheckResult:
    """Validate the editor's text; with a :class:`Revalidator`, reuse what did not change since last time."""
    started = time.perf_counter()
    script, problems = revalidator.validate(text, path) if revalidator is not None else validate_text(text, path)
    return CheckResult(revision, text_sha(text), script, tuple(sort_problems(problems)), time.perf_counter() - started)


@dataclass(frozen=True)
class Failure:
    name: str
    line: int
    reason: str


@dataclass(frozen=True)
class TestsResult:
    """The sidecar tests run against one valid revision of the text."""

    revision: int
    path: Path
    found: bool
    passed: int = 0
    total: int = 0
    failures: tuple[Failure, ...] = ()
    problems: tuple[Problem, ...] = ()
    """The tests file cannot be read against this script (its lines are in the tests file)."""
    coverage: Coverage | None = None

    __test__ = False


def run_sidecar_tests(script: Script, tests_path: Path, revision: int = 0) -> TestsResult:
    if not tests_path.exists():
        return TestsResult(revision, tests_path, False)
    cases, problems = load_tests_file(tests_path, script)
    if any(p.is_error for p in problems):
        return TestsResult(revision, tests_path, True, problems=tuple(sort_problems(problems)))
    report = run_tests(script, cases)
    failures = []
    for result in report.failed:
        if result.error:
            reason = result.error
        elif result.mismatches:
            reason = "; ".join(f"{m.field}: 应为 {m.expected}, 实际 {m.got}" for m in result.mismatches)
        else:
            reason = f"{result.status}: 标了 xfail 但已通过, 去掉 xfail"
        failures.append(Failure(result.case.name, result.case.mark.line, reason))
    passed = sum(r.passed for r in report.results)
    return TestsResult(revision, tests_path, True, passed, len(report.results), tuple(failures), (), report.coverage)


@dataclass(frozen=True)
class Entry:
    """One row of the problems panel."""

    kind: str  # error | warning | test | uncovered
    line: int | None  # in the script (None: the row is about the tests file)
    col: int
    text: str


_ICONS = {"error": ("✗", "bold red"), "warning": ("⚠", "yellow"), "test": ("✗", "magenta"), "uncovered": ("○", "cyan")}


def panel_entries(check: CheckResult, tests: TestsResult | None) -> list[Entry]:
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


# ---------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------
class _WrappedDocument(WrappedDocument):
    """Textual's wrapped document with an O(1) ``height``.

    Textual 8.2's ``WrappedDocument.height`` sums over every line, and the TextArea
    asks for it once per rendered row: on a 30,000-line script that is ~0.6 s per
    key. ``_offset_to_line_info`` has exactly one entry per visual row and is kept
    current by ``wrap``/``wrap_range``, so its length is the height.
    """

    @property
    def height(self) -> int:
        try:
            return len(self._offset_to_line_info)
        except AttributeError:  # pragma: no cover - a Textual without that list
            return super().height


def _yaml_highlighter() -> tuple[Any, Any] | None:
    """A tree-sitter parser and Textual's YAML highlight query, or None (no tree-sitter-yaml)."""
    try:
        from textual._tree_sitter import get_language
        from tree_sitter import Parser, Query

        language = get_language("yaml")
        if language is None:
            return None
        return Parser(language), Query(language, TextArea._get_builtin_highlight_query("yaml"))
    except Exception:
        return None


_WINDOW_ANCHOR = re.compile(r"^ {0,2}[^ \t#\n-]")
"""A line that starts a top-level entry or a node: a safe place to start parsing a window."""


class ScriptTextArea(TextArea):
    """The editor's TextArea: Textual's, made usable on long scripts.

    Three per-key costs of Textual 8.2's TextArea grow with the document:

    * the wrapped height (see :class:`_WrappedDocument`);
    * the widest line, which ``Document.get_size`` measures anew for every line
      on every edit (~0.2 s per key at 30,000 lines): here line widths are
      remembered by line text, so an edit measures only the lines it changed;
    * ``render_line`` reads ``self.text`` (the whole document joined) for every
      row it draws, to decide on the placeholder: here the joined text is kept
      until the document changes (``Document.replace_range`` is the only way a
      document changes, so counting its calls tells when);
    * YAML highlighting: Textual re-parses the whole document after every key
      (tree-sitter's YAML grammar re-reads it all, ~90 ms at 30,000 lines, on top
      of one Python callback per line) and turns every capture of the whole tree
      into Python tuples. Here the document stays plain text and only the rows
      around the view (from the node they start in) are parsed and highlighted,
      after an edit or when scrolling leaves them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._line_widths: dict[str, int] = {}
        self._doc_version = 0
        self.edited_at = 0.0
        """time.perf_counter() of the last change to the text (the debounce counts from it)."""
        self._text_cache: tuple[int, int, str] | None = None
        super().__init__(*args, **kwargs)

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        self._doc_version += 1
        if type(self.wrapped_document) is WrappedDocument:
            self.wrapped_document.__class__ = _WrappedDocument
        document = self.document
        replace_range = document.replace_range

        def counted_replace_range(start: Any, end: Any, text: str) -> Any:
            self._doc_version += 1
            self.edited_at = time.perf_counter()
            return replace_range(start, end, text)

        document.replace_range = counted_replace_range  # type: ignore[method-assign]

    def _get_text(self) -> str:
        document = self.document
        cached = self._text_cache
        if cached is not None and cached[0] == id(document) and cached[1] == self._doc_version:
            return cached[2]
        text = document.text
        self._text_cache = (id(document), self._doc_version, text)
        return text

    text = property(_get_text, TextArea.text.fset, doc="The document's text (kept until it changes).")  # type: ignore[assignment]

    def _widest_line(self) -> int:
        lines = self.document.lines
        widths = self._line_widths
        if len(widths) > 2 * len(lines) + 1000:  # old versions of edited lines pile up
            widths.clear()
        try:
            return max(map(widths.__getitem__, lines), default=0)
        except KeyError:
            tab = self.indent_width
            for line in lines:
                if line not in widths:
                    widths[line] = cell_len(line.expandtabs(tab))
            return max(map(widths.__getitem__, lines), default=0)

    def _refresh_size(self) -> None:
        if self.soft_wrap:
            super()._refresh_size()  # the height only: O(1) with _WrappedDocument
            return
        # as TextArea._refresh_size: +1 width for the cursor resting at the end of the line
        self.virtual_size = Size(self._widest_line() + self.gutter_width + 1, self.document.line_count)
        self._refresh_scrollbars()

    # -- highlighting: only the rows around the view --------------------------------
    HIGHLIGHT_MARGIN = 150

    _highlight_window: tuple[int, int] = (0, -1)
    _highlighter: tuple[Any, Any] | None = None

    def enable_yaml(self) -> bool:
        """Highlight as YAML (False: tree-sitter-yaml is not installed; the text stays plain)."""
        self._highlighter = _yaml_highlighter()
        self._highlight_window = (0, -1)
        self.refresh()
        return self._highlighter is not None

    @property
    def yaml_highlighting(self) -> bool:
        return self._highlighter is not None

    def _build_highlight_map(self) -> None:
        if self._highlighter is None:
            super()._build_highlight_map()
            return
        from tree_sitter import QueryCursor

        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        lines = self.document.lines
        top = self.scroll_offset.y
        first = max(0, top - self.HIGHLIGHT_MARGIN)
        last = min(len(lines) - 1, top + max(self.size.height, 50) + self.HIGHLIGHT_MARGIN)
        start = first
        while start > 0 and first - start < 400 and not _WINDOW_ANCHOR.match(lines[start]):
            start -= 1
        self._highlight_window = (first, last)
        parser, query = self._highlighter
        # A window that starts on a node (indented) gets a dummy top-level key above it,
        # so the top-level keys further down stay its siblings as in the whole file.
        indented = lines[start][:1] == " "
        source = ("_:\n" if indented else "") + "\n".join(lines[start : last + 1])
        offset = start - 1 if indented else start
        tree = parser.parse(source.encode("utf-8"))
        for name, nodes in QueryCursor(query).captures(tree.root_node).items():
            for node in nodes:
                start_row, start_col = node.start_point
                end_row, end_col = node.end_point
                start_row += offset
                end_row += offset
                if end_row < start:
                    continue  # the dummy line
                start_row = max(start_row, start)
                if start_row == end_row:
                    highlights[start_row].append((start_col, end_col, name))
                else:
                    highlights[start_row].append((start_col, None, name))
                    for row in range(start_row + 1, end_row):
                        highlights[row].append((0, None, name))
                    highlights[end_row].append((0, end_col, name))

    def render_lines(self, crop: Any) -> Any:
        if self._highlighter is not None:
            top = self.scroll_offset.y
            first, last = self._highlight_window
            if top < first or (top + self.size.height > last + 1 and last < self.document.line_count - 1):
                self._build_highlight_map()
        return super().render_lines(crop)


def make_text_area(text: str, highlight: bool = True) -> ScriptTextArea:
    """A code editor for YAML: highlighted when tree-sitter-yaml is installed, plain text otherwise."""
    area = ScriptTextArea.code_editor(text, language=None, id="source", soft_wrap=False)
    if highlight:
        area.enable_yaml()
    return area  # type: ignore[return-value]


class EditorHelp(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,f1,q", "close", "关闭")]

    KEYS = (
        ("Ctrl+S", "保存: 没有错误就发布 (坐席下一通电话起用新版本); 有错误只存草稿"),
        ("F5", "练习: 用坐席的通话界面走一遍正在编辑的脚本 (什么都不保存)"),
        ("F2", "问题列表: ↑↓ 选择, Enter 跳到那一行, Esc 回到文本"),
        ("F8", "跳到下一个问题"),
        ("Ctrl+Z / Ctrl+Y", "撤销 / 重做"),
        ("Ctrl+Q", "退出 (有没保存的修改时会先问)"),
    )

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("编辑器按键\n\n", "bold")
        for key, what in self.KEYS:
            text.append(f" {key} ", "bold reverse")
            text.append(f"  {what}\n")
        text.append("\nEsc 关闭", "dim")
        yield Static(text, classes="dialog", id="editor-help")

    def action_close(self) -> None:
        self.dismiss(None)


class EditorScreen(Screen[None]):
    """The editor: text, problems, status; see the module docstring."""

    AUTO_FOCUS = "#source"
    BINDINGS = [
        Binding("ctrl+s", "save", "保存/发布", key_display="^S", priority=True),
        Binding("f5", "practice", "练习", key_display="F5"),
        Binding("f2", "problems", "问题列表", key_display="F2"),
        Binding("f8", "next_problem", "下一个问题", key_display="F8"),
        Binding("escape", "to_text", "回到文本", show=False),
        Binding("f1", "help", "帮助", key_display="F1"),
    ]

    def __init__(
        self,
        path: Path,
        source: EditSource,
        *,
        tests_path: Path | None = None,
        debounce: float = DEBOUNCE,
        highlight: bool = True,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.source = source
        self.tests_path = tests_path or default_tests_path(self.path)
        self.debounce = debounce
        self.highlight = highlight
        self.revision = 0
        """Bumped by every edit; a validation result is shown only for the current revision."""
        self.check: CheckResult | None = None
        self.tests: TestsResult | None = None
        self.entries: list[Entry] = []
        self.shown_revision = -1
        """The revision the problems panel shows (the bench waits for it)."""
        self.shown_at = 0.0
        """time.perf_counter() when the problems panel last showed a new revision."""
        self.checks_run = 0
        self.last_save: SaveOutcome | None = None
        """What the last Ctrl+S did (tests wait for it)."""
        self.checks_discarded = 0
        self.saved_sha = text_sha(source.text) if source.kind != NEW_FILE else ""
        self.state = source.kind  # published | draft | new; "modified" is computed
        self.published_sha = text_sha(source.published_text) if source.published_text is not None else None
        self._modified = source.kind == NEW_FILE
        self._timer: Any = None
        self.revalidator = Revalidator()
        """Used by one validation at a time (the as-you-type worker); see callscript/workshop/revalidate.py."""
        self._checking = False
        self._again = False

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="ed-title")
        yield make_text_area(self.source.text, self.highlight)
        yield Static("", id="ed-status")
        yield OptionList(id="problems")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        area = self.text_area
        area.cursor_blink = getattr(self.app, "cursor_blink", True)
        self.query_one("#problems", OptionList).can_focus = True
        self._render_title()
        self._render_status()
        if self.source.note:
            self.notify(self.source.note, title="打开")
        self._start_check()

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#source", TextArea)

    @property
    def highlighting(self) -> bool:
        return self.text_area.yaml_highlighting  # type: ignore[attr-defined]

    @property
    def modified(self) -> bool:
        return self._modified

    # -- validation as they type ------------------------------------------------
    @on(TextArea.Changed, "#source")
    def _changed(self, event: TextArea.Changed) -> None:
        self.revision += 1
        if not self._modified:
            self._modified = True
            self._render_title()
        if self._timer is _DUE:
            return  # a check is about to start; it reads the text as it is then
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        # the quiet time counts from the edit itself, not from when this message got here
        edited_at = getattr(event.text_area, "edited_at", 0.0) or time.perf_counter()
        wait = self.debounce - (time.perf_counter() - edited_at)
        if wait > 0.005:
            self._timer = self.set_timer(wait, self._debounced)
        else:
            self._timer = _DUE
            self.call_later(self._debounced)

    def _debounced(self) -> None:
        self._timer = None
        if self._checking:
            self._again = True  # started as soon as the running one ends
        else:
            self._start_check()

    def _start_check(self) -> None:
        self._checking = True
        self._again = False
        revision = self.revision
        text = self.text_area.text
        self.run_worker(partial(self._check_in_thread, text, revision), thread=True, group="check", exit_on_error=False)

    def _check_in_thread(self, text: str, revision: int) -> None:
        """Worker thread: validate, hand the result to the screen, then run the sidecar tests."""
        try:
            result = check_text(text, str(self.path), revision, self.revalidator)
        except Exception:
            self.revalidator = Revalidator()
            try:
                result = check_text(text, str(self.path), revision)
            except Exception as exc:
                problem = Problem(Mark(1, 1), f"内部错误, 无法检查: {type(exc).__name__}: {exc}")
                result = CheckResult(revision, text_sha(text), None, (problem,), 0.0)
        try:
            self.app.call_from_thread(self._checked, result)
        except RuntimeError:  # the app is closing
            return
        if result.script is None or revision != self.revision:
            return
        tests = run_sidecar_tests(result.script, self.tests_path, revision)
        try:
            self.app.call_from_thread(self._tested, tests)
        except RuntimeError:
            return

    def _checked(self, result: CheckResult) -> None:
        self._checking = False
        self.checks_run += 1
        if self.checks_run == 1 and result.errors and self.state == PUBLISHED_FILE and result.sha256 == self.saved_sha:
            self.state = BROKEN_FILE  # e.g. edited by hand: agents' apps refuse it and keep their last good version
        if self.checks_run == 1:
            # The text, its document and the validator's trees are now ~10^5 long-lived
            # objects; keep the cyclic collector from re-scanning them on every pass
            # (gen-2 pauses of 100+ ms on a 2,000-node script, mid-typing). Unreachable
            # objects are still freed by reference counting.
            gc.freeze()
        if result.revision == self.revision:
            self.check = result
            self._modified = result.sha256 != self.saved_sha
            self._show()
        else:
            self.checks_discarded += 1  # stale: the text has changed since
        if self._again or (result.revision != self.revision and self._timer is None):
            self._start_check()

    def rerun_tests(self) -> None:
        """Run the sidecar tests again on the current valid text (the tests file changed)."""
        check = self.check
        if check is None or check.script is None or check.revision != self.revision:
            return  # the next validation runs them anyway
        script, revision = check.script, check.revision

        def run() -> None:
            tests = run_sidecar_tests(script, self.tests_path, revision)
            try:
                self.app.call_from_thread(self._tested, tests)
            except RuntimeError:
                pass

        self.run_worker(run, thread=True, group="tests", exit_on_error=False)

    def _tested(self, tests: TestsResult) -> None:
        if self.check is None or tests.revision != self.check.revision or tests.revision != self.revision:
            return
        self.tests = tests
        self._show(tests_only=True)

    def _show(self, tests_only: bool = False) -> None:
        check = self.check
        if check is None:
            return
        tests = self.tests if self.tests is not None and self.tests.revision == check.revision else None
        entries = panel_entries(check, tests)
        if entries != self.entries:
            self.entries = entries
            panel = self.query_one("#problems", OptionList)
            highlighted = panel.highlighted
            panel.set_options(Option(entry_text(e)) for e in entries)
            if entries and highlighted is not None:
                panel.highlighted = min(highlighted, len(entries) - 1)
        self._render_status()
        self._render_title()
        if not tests_only:
            self.shown_revision = check.revision
            self.shown_at = time.perf_counter()

    # -- drawing ---------------------------------------------------------------
    def _render_title(self) -> None:
        text = Text()
        text.append(" ✎ 话术编辑 ", "bold reverse")
        text.append(f" {self.path.name}", "bold")
        if self._modified:
            text.append("  ● 有未保存的修改", "bold yellow")
        elif self.state == DRAFT_FILE:
            text.append("  草稿 (未发布)", "bold magenta")
        elif self.state == NEW_FILE:
            text.append("  新文件 (未保存)", "bold magenta")
        elif self.state == BROKEN_FILE:
            text.append("  文件有错误: 坐席的 app 不会启用它, 继续用之前的好版本", "bold red")
        else:
            text.append("  已发布", "green")
        if self.published_sha and self.state != BROKEN_FILE:
            text.append(f"  坐席在用版本 {self.published_sha[:8]}", "dim")
        if not self.highlighting and self.highlight:
            text.append("  (无语法高亮)", "dim")
        text.append(f"  {self.path.parent}", "dim")
        self.query_one("#ed-title", Static).update(text, layout=False)

    def _render_status(self) -> None:
        check = self.check
        text = Text()
        if check is None:
            text.append(" 检查中…", "dim")
        else:
            if check.errors:
                text.append(f" ✗ {check.errors} 个错误 ", "bold white on red")
            else:
                text.append(" ✓ 没有错误 ", "bold black on green")
            if check.warnings:
                text.append(f" ⚠ {check.warnings} 个警告", "yellow")
            tests = self.tests if self.tests is not None and self.tests.revision == check.revision else None
            if check.script is None:
                text.append("  测试/覆盖: 改正错误后显示", "dim")
            elif tests is None:
                text.append("  测试运行中…", "dim")
            elif not tests.found:
                text.append(f"  没有测试文件 {tests.path.name}", "dim")
            elif tests.problems:
                text.append(f"  测试文件有 {len(tests.problems)} 个问题", "magenta")
            else:
                style = "green" if tests.passed == tests.total else "bold magenta"
                text.append(f"  测试 {tests.passed}/{tests.total} 通过", style)
                if tests.coverage is not None:
                    cov = tests.coverage.to_json()
                    full = tests.coverage.complete
                    text.append(
                        f" · 覆盖 节点 {cov['nodes_covered']}/{cov['nodes_total']}"
                        f" 分支 {cov['edges_covered']}/{cov['edges_total']}",
                        "green" if full else "cyan",
                    )
            text.append(f"  ({check.seconds * 1000:.0f} ms)", "dim")
        self.query_one("#ed-status", Static).update(text, layout=False)

    # -- problems ----------------------------------------------------------------
    def action_problems(self) -> None:
        panel = self.query_one("#problems", OptionList)
        if not self.entries:
            self.notify("没有问题")
            return
        panel.focus()
        if panel.highlighted is None:
            panel.highlighted = 0

    def action_to_text(self) -> None:
        self.text_area.focus()

    @on(OptionList.OptionSelected, "#problems")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.entries):
            self.jump_to(self.entries[event.option_index])

    def jump_to(self, entry: Entry) -> None:
        if entry.line is None:
            self.notify(entry.text, title=self.tests_path.name)
            return
        area = self.text_area
        row = max(0, min(entry.line - 1, area.document.line_count - 1))
        col = max(0, min(entry.col - 1, len(area.document.get_line(row))))
        area.move_cursor((row, col), center=True)
        area.focus()

    def action_next_problem(self) -> None:
        located = [e for e in self.entries if e.line is not None and e.kind in ("error", "warning")]
        located = located or [e for e in self.entries if e.line is not None]
        if not located:
            self.notify("没有问题")
            return
        row, col = self.text_area.cursor_location
        here = (row + 1, col + 1)
        after = [e for e in located if (e.line, e.col) > here]
        self.jump_to((after or located)[0])

    # -- saving ----------------------------------------------------------------
    def action_save(self) -> None:
        self._save(self.text_area.text)

    @work(exclusive=True, group="save")
    async def _save(self, text: str) -> None:
        known = self.published_sha  # what the file held when it was opened or last published from here
        try:
            outcome: SaveOutcome = await asyncio.to_thread(save_edit, self.path, text)
        except OSError as exc:
            self.notify(f"没有保存: {exc.strerror or exc}", title="保存失败", severity="error", timeout=10)
            return
        self.saved_sha = text_sha(text)
        self._modified = self.text_area.text != text
        if not outcome.published:
            self.state = DRAFT_FILE
            self._render_title()
            self.notify(
                f"有 {outcome.errors} 个错误: 草稿已存到 {outcome.path.name}, 没有发布; 坐席继续用原来的版本",
                title="草稿已保存",
                severity="warning",
                timeout=8,
            )
            self.last_save = outcome
            return
        self.state = PUBLISHED_FILE
        self.published_sha = outcome.sha256
        self._render_title()
        stored = await self._store_versions(outcome)
        if outcome.unchanged:
            self.notify("和已发布的版本一样, 没有改动", title="已保存")
        else:
            self.notify(
                f"已发布版本 {outcome.sha256[:8] if outcome.sha256 else ''}: 坐席下一通电话起使用{stored}",
                title="已发布",
                timeout=6,
            )
        if not outcome.unchanged and outcome.replaced_sha256 not in (None, known):
            kept = (
                "也存进了数据库 (可以用 callscript diff 比较)"
                if outcome.previous is not None
                else "有错误, 没有存进数据库"
            )
            self.notify(
                f"文件在打开后被别处改过 (版本 {outcome.replaced_sha256[:8]}); 被替换的那个版本{kept}",
                title="注意",
                severity="warning",
                timeout=10,
            )
        self.last_save = outcome

    async def _store_versions(self, outcome: SaveOutcome) -> str:
        """The replaced script and the new one as versions in the database (previous first)."""
        backend: Backend = self.app.backend  # type: ignore[attr-defined]
        try:
            if outcome.previous is not None:
                await backend.run(backend.open, outcome.previous)
            assert outcome.script is not None
            version_id = await backend.run(backend.open, outcome.script)
        except Exception as exc:
            self.notify(f"文件已发布, 但版本没有存进数据库: {type(exc).__name__}: {exc}", severity="error", timeout=10)
            return ""
        self.stored_version_id = version_id
        return f" (数据库版本 #{version_id})"

    # -- practice ----------------------------------------------------------------
    def action_practice(self) -> None:
        self._practice(self.text_area.text, self.revision)

    @work(exclusive=True, group="practice")
    async def _practice(self, text: str, revision: int) -> None:
        check = self.check
        if check is None or check.revision != revision:
            check = await asyncio.to_thread(check_text, text, str(self.path), revision)
        if check.script is None:
            self.notify(
                f"脚本有 {check.errors} 个错误, 改正后才能练习 (F2 看问题列表)", title="不能练习", severity="warning"
            )
            return
        from callscript.tui.practice import PracticeCallScreen

        app = self.app
        await app.push_screen(
            PracticeCallScreen(
                check.script,
                app.practice_variables(check.script),
                app.clock(),  # type: ignore[attr-defined]
                tests_path=self.tests_path,
            )
        )

    # -- other -----------------------------------------------------------------
    def action_help(self) -> None:
        self.app.push_screen(EditorHelp())

    def action_quit(self) -> None:
        if not self._modified:
            self.app.exit()
            return
        from callscript.tui.screens.dialogs import ConfirmDialog

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.exit()

        self.app.push_screen(ConfirmDialog("有没保存的修改, 确定退出?", "Ctrl+S 保存 (有错误时存为草稿)。"), answer)


class EditorApp(App[None]):
    """``callscript edit``: the editor screen, plus what the agents' call screen needs for practice."""

    CSS_PATH = ["app.tcss", "editor.tcss"]
    TITLE = "callscript edit"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "request_quit", "退出", key_display="^Q", priority=True)]

    def __init__(
        self,
        script_path: Path,
        db_path: Path | None = None,
        *,
        clock: Clock | None = None,
        tests_path: Path | None = None,
        debounce: float = DEBOUNCE,
        highlight: bool = True,
        cursor_blink: bool = True,
        live_timer: bool = True,
        back_guard: float | None = None,
        store_options: Mapping[str, Any] | None = None,
        agent: str | None = None,
    ) -> None:
        super().__init__()
        self.script_path = Path(script_path)
        self.db_path = resolve_db_path(db_path)
        self.clock: Clock = clock or system_clock
        self.tests_path = tests_path
        self.debounce = debounce
        self.highlight = highlight
        self.cursor_blink = cursor_blink
        self.live_timer = live_timer
        if back_guard is not None:
            self.back_guard = back_guard
        self.agent = agent
        # The database is opened on the first publish only (editing and practice never touch it).
        self.backend = Backend(self.db_path, clock=self.clock, store_options=dict(store_options or {}))
        self.source = open_for_edit(self.script_path)

    def on_mount(self) -> None:
        self.push_screen(
            EditorScreen(
                self.script_path,
                self.source,
                tests_path=self.tests_path,
                debounce=self.debounce,
                highlight=self.highlight,
            )
        )

    def on_unmount(self) -> None:
        self.backend.shutdown()

    def tests_changed(self) -> None:
        """The tests file was written (a practice walk added as a case): run the tests again."""
        for screen in self.screen_stack:
            if isinstance(screen, EditorScreen):
                screen.rerun_tests()

    def action_request_quit(self) -> None:
        """Ctrl+Q anywhere (practice too): the editor asks first when there are unsaved edits."""
        editors = [s for s in self.screen_stack if isinstance(s, EditorScreen)]
        if editors and editors[0].modified:
            if self.screen is not editors[0]:
                self.pop_screen()  # leave practice first, so the question is asked over the text
            editors[0].action_quit()
        else:
            self.exit()

    def practice_variables(self, script: Script) -> dict[str, str]:
        """Who the practice call is made by: the configured agent name, else a sample one."""
        name = self.agent or AgentConfig.load().agent_name or "张三"
        return {"agent_name": name, "our_company": script.company}


def run(script_path: Path, db_path: Path | None = None) -> None:
    EditorApp(script_path, db_path).run()
