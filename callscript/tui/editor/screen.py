"""The supervisor's script editor screen: the YAML, its problems as they type, the status line.

One screen: the YAML in a :class:`~callscript.tui.editor.text_area.ScriptTextArea`
(YAML highlighting when tree-sitter-yaml is installed, plain text otherwise), the
problems panel (:mod:`callscript.tui.editor.problems`), a status line (problems,
script tests, coverage), and F5 for the practice pane
(:mod:`callscript.tui.editor.practice`), and F9 for the funnel beside the text (F6 and F7 are the text area's own: select line, select all): the
tree of the script being edited with each node's arrivals and losses from the calls
(:mod:`callscript.tui.widgets.funnel_tree`; the cursor's node is followed).

Keys: Ctrl+S save (publish when there are no errors, else save the draft:
:mod:`callscript.tui.editor.publish`) · F5 practice · F9 funnel · F2 problems list
(Enter jumps, Esc back to the text) · F8 next problem · Ctrl+G go to a line · Ctrl+F search
(Enter/F3 next, Shift+Enter/Shift+F3 previous) · Ctrl+T jump to a node by id or title
(:mod:`callscript.tui.editor.navigate`) · Ctrl+Q quit (asks when there are unsaved edits) · F1 keys.

Validation as they type: every edit bumps ``revision`` and restarts a debounce
timer (``debounce``, 100 ms of quiet counted from the edit itself; with the
validation below at ~40 ms on a 2,000-node script that keeps results within
300 ms of the last key, see bench/bench_editor.py). When it fires, the text is
validated in a thread worker (the event loop never waits for it), by a
:class:`~callscript.workshop.revalidate.Revalidator`: the same result as
``validate_text``, but nodes whose text did not change are neither parsed nor
checked again. At most one validation runs at a time; a result whose revision is
no longer the text's is discarded, and if the text changed while it ran, the next
one starts as soon as it ends. Then, for a valid script, the sidecar tests
(``NAME.tests.yaml``) run in the same thread and the status line shows how many
pass and the nodes/branches they cover; failing cases and uncovered nodes and
branches are listed under the problems (:mod:`callscript.tui.editor.checks`).
"""

from __future__ import annotations

import asyncio
import gc
import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.text_area import Selection

from callscript.script.model import Script
from callscript.script.problems import Mark, Problem
from callscript.tui.editor.checks import CheckResult, TestsResult, check_text, run_sidecar_tests, text_sha
from callscript.tui.editor.navigate import (
    GoToLineDialog,
    Match,
    NodeJumpDialog,
    SearchBar,
    find_matches,
    next_match,
    node_line,
)
from callscript.tui.editor.problems import Entry, ProblemsPanel, next_problem, panel_entries
from callscript.tui.editor.publish import BROKEN_FILE, FileState, save_script
from callscript.tui.editor.text_area import ScriptTextArea, make_text_area
from callscript.tui.host import EditorHost
from callscript.tui.screens.dialogs import ConfirmDialog
from callscript.tui.widgets.funnel_tree import FunnelTree, FunnelView, load_funnel
from callscript.workshop.drafts import DRAFT_FILE, NEW_FILE, PUBLISHED_FILE, EditSource, SaveOutcome
from callscript.workshop.revalidate import Revalidator
from callscript.workshop.script_tests import default_tests_path

DEBOUNCE = 0.10
"""Seconds of quiet after a key before the text is validated."""
_DUE = object()
"""EditorScreen._timer when the debounce is already over and a check is queued to start."""


class EditorHelp(ModalScreen[None]):
    """F1: the editor's keys."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,f1,q", "close", "关闭")]

    KEYS = (
        ("Ctrl+S", "保存: 没有错误就发布 (坐席下一通电话起用新版本); 有错误只存草稿"),
        ("F5", "练习: 用坐席的通话界面走一遍正在编辑的脚本 (什么都不保存)"),
        ("F9", "话术漏斗: 在右边显示每个节点的到达和流失 (近30天的通话), 跟着光标所在的节点"),
        ("F2", "问题列表: ↑↓ 选择, Enter 跳到那一行, Esc 回到文本"),
        ("F8", "跳到下一个问题"),
        ("Ctrl+G", "跳到第几行"),
        ("Ctrl+F", "查找: Enter/F3 下一个, Shift+Enter/Shift+F3 上一个, Esc 回到文本"),
        ("F3 / Shift+F3", "下一个 / 上一个查找结果 (查找框关了也可以)"),
        ("Ctrl+T", "跳到节点: 输入节点 id 或标题的一部分"),
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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "保存/发布", key_display="^S", priority=True),
        Binding("f5", "practice", "练习", key_display="F5"),
        Binding("f9", "funnel", "漏斗", key_display="F9"),
        Binding("f2", "problems", "问题列表", key_display="F2"),
        Binding("f8", "next_problem", "下一个问题", key_display="F8"),
        Binding("ctrl+g", "go_to_line", "行号", key_display="^G"),
        Binding("ctrl+f", "search", "查找", key_display="^F"),
        Binding("f3", "find(1)", "下一个", show=False),
        Binding("shift+f3", "find(-1)", "上一个", show=False),
        Binding("ctrl+t", "jump_to_node", "节点", key_display="^T"),
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
        self.checks_run = 0
        self.last_save: SaveOutcome | None = None
        """What the last Ctrl+S did (tests wait for it)."""
        self.checks_discarded = 0
        self.file = FileState.opened(source)
        """What the file is to the agents' apps (the title shows it); "modified" is the screen's own."""
        self._modified = source.kind == NEW_FILE
        self._timer: Timer | None = None
        """The debounce: validation starts when it fires."""
        self._check_queued = False
        """The debounce is already over (the edit's message came late) and a check is about to start."""
        self.revalidator = Revalidator()
        """Used by one validation at a time (the as-you-type worker); see callscript/workshop/revalidate.py."""
        self._checking = False
        self._again = False
        self.funnel_view: FunnelView | None = None
        """The funnel beside the text (F9), loaded the first time the panel is shown."""
        self.last_script: Script | None = None
        """The last text that loaded as a script: its nodes' ids and titles for Ctrl+T."""
        self._matches: tuple[int, str, list[Match]] | None = None
        """The search's matches for (revision, query): found once per text and query."""

    @property
    def host(self) -> EditorHost:
        return cast(EditorHost, self.app)

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="ed-title")
        with Horizontal(id="ed-main"):
            yield make_text_area(self.source.text, self.highlight)
            yield FunnelTree(id="funnel-panel")
        yield SearchBar(id="search-bar")
        yield Static("", id="ed-status")
        yield ProblemsPanel(id="problems")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        area = self.text_area
        area.cursor_blink = self.host.cursor_blink
        self.query_one(ProblemsPanel).can_focus = True
        self._render_title()
        self._render_status()
        if self.source.note:
            self.notify(self.source.note, title="打开")
        self._start_check()

    @property
    def text_area(self) -> ScriptTextArea:
        return self.query_one("#source", ScriptTextArea)

    @property
    def highlighting(self) -> bool:
        return self.text_area.yaml_highlighting

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
        if self._check_queued:
            return  # a check is about to start; it reads the text as it is then
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        # the quiet time counts from the edit itself, not from when this message got here
        area = event.text_area
        edited_at = (area.edited_at if isinstance(area, ScriptTextArea) else 0.0) or time.perf_counter()
        wait = self.debounce - (time.perf_counter() - edited_at)
        if wait > 0.005:
            self._timer = self.set_timer(wait, self._debounced)
        else:
            self._check_queued = True
            self.call_later(self._debounced)

    def _debounced(self) -> None:
        self._timer = None
        self._check_queued = False
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
        file = self.file
        if self.checks_run == 1 and result.errors and file.kind == PUBLISHED_FILE and result.sha256 == file.saved_sha:
            file.kind = BROKEN_FILE  # e.g. edited by hand: agents' apps refuse it and keep their last good version
        if self.checks_run == 1:
            # The text, its document and the validator's trees are now ~10^5 long-lived
            # objects; keep the cyclic collector from re-scanning them on every pass
            # (gen-2 pauses of 100+ ms on a 2,000-node script, mid-typing). Unreachable
            # objects are still freed by reference counting.
            gc.freeze()
        if result.script is not None:
            self.last_script = result.script
        if result.revision == self.revision:
            self.check = result
            self._modified = result.sha256 != file.saved_sha
            self._show()
            if result.script is not None and self.funnel_shown and self.funnel_view is not None:
                self._show_funnel()
        else:
            self.checks_discarded += 1  # stale: the text has changed since
        if self._again or (result.revision != self.revision and self._timer is None and not self._check_queued):
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
            self.query_one(ProblemsPanel).show(entries)
        self._render_status()
        self._render_title()
        if not tests_only:
            self.shown_revision = check.revision

    # -- drawing ---------------------------------------------------------------
    def _render_title(self) -> None:
        file = self.file
        text = Text()
        text.append(" ✎ 话术编辑 ", "bold reverse")
        text.append(f" {self.path.name}", "bold")
        if self._modified:
            text.append("  ● 有未保存的修改", "bold yellow")
        elif file.kind == DRAFT_FILE:
            text.append("  草稿 (未发布)", "bold magenta")
        elif file.kind == NEW_FILE:
            text.append("  新文件 (未保存)", "bold magenta")
        elif file.kind == BROKEN_FILE:
            text.append("  文件有错误: 坐席的 app 不会启用它, 继续用之前的好版本", "bold red")
        else:
            text.append("  已发布", "green")
        if file.published_sha and file.kind != BROKEN_FILE:
            text.append(f"  坐席在用版本 {file.published_sha[:8]}", "dim")
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
        panel = self.query_one(ProblemsPanel)
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
        row, col = self.text_area.cursor_location
        entry = next_problem(self.entries, row + 1, col + 1)
        if entry is None:
            self.notify("没有问题")
            return
        self.jump_to(entry)

    # -- finding one's way: line, search, node (callscript/tui/editor/navigate.py) -------
    @work(exclusive=True, group="navigate")
    async def action_go_to_line(self) -> None:
        area = self.text_area
        line = await self.app.push_screen_wait(GoToLineDialog(area.cursor_location[0] + 1, area.document.line_count))
        if line is not None:
            area.move_cursor((line - 1, 0), center=True)
        area.focus()

    def action_search(self) -> None:
        self.query_one(SearchBar).open()

    def action_find(self, step: int) -> None:
        """F3 / Shift+F3: the next / previous match of the last search (the bar opens when there is none)."""
        bar = self.query_one(SearchBar)
        if not bar.query_text:
            bar.open()
            return
        self._find(bar.query_text, step)

    @on(SearchBar.Find)
    def _find_asked(self, message: SearchBar.Find) -> None:
        message.stop()
        self._find(message.query, message.step)

    @on(SearchBar.Closed)
    def _search_closed(self, message: SearchBar.Closed) -> None:
        message.stop()
        self.text_area.focus()

    def matches(self, query: str) -> list[Match]:
        """Where ``query`` is in the text (found once per text and query)."""
        cached = self._matches
        if cached is not None and cached[0] == self.revision and cached[1] == query:
            return cached[2]
        found = find_matches(self.text_area.document.lines, query)
        self._matches = (self.revision, query, found)
        return found

    def _find(self, query: str, step: int) -> None:
        """Select the match from the cursor (``step`` 0: at or after it, 1: after it, -1: before it)."""
        bar = self.query_one(SearchBar)
        if not query:
            bar.show_count(None, 0)
            return
        matches = self.matches(query)
        area = self.text_area
        start = min(area.selection.start, area.selection.end)
        index = next_match(matches, start, backwards=step < 0, here=step == 0)
        bar.show_count(index, len(matches))
        if index is None:
            return
        row, col = matches[index]
        area.selection = Selection((row, col), (row, col + len(query)))
        area.scroll_cursor_visible(center=True)

    @work(exclusive=True, group="navigate")
    async def action_jump_to_node(self) -> None:
        script = self.last_script
        if script is None:
            self.notify("脚本还没有通过检查, 还不知道有哪些节点", severity="warning")
            return
        nodes = [(node.id, node.title) for node in script.nodes.values()]
        chosen = await self.app.push_screen_wait(NodeJumpDialog(nodes))
        area = self.text_area
        if chosen is not None:
            line = node_line(area.document.lines, chosen) or script.nodes[chosen].mark.line
            indent = len(area.document.get_line(line - 1)) - len(area.document.get_line(line - 1).lstrip())
            area.move_cursor((line - 1, indent), center=True)
        area.focus()

    # -- saving ----------------------------------------------------------------
    def action_save(self) -> None:
        self._save(self.text_area.text)

    @work(exclusive=True, group="save")
    async def _save(self, text: str) -> None:
        def saved() -> None:  # the file is written: the title says so before the database is reached
            self._modified = self.text_area.text != text
            self._render_title()

        try:
            outcome, notices = await save_script(self.path, text, self.file, self.host.backend, saved)
        except OSError as exc:
            self.notify(f"没有保存: {exc.strerror or exc}", title="保存失败", severity="error", timeout=10)
            return
        for notice in notices:
            self.notify(notice.message, title=notice.title, severity=notice.severity, timeout=notice.timeout)
        self.last_save = outcome

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
        # imported on first use: it brings the agents' call screen and storage's record types
        from callscript.tui.editor.practice import PracticeCallScreen

        host = self.host
        await self.app.push_screen(
            PracticeCallScreen(
                check.script,
                host.practice_variables(check.script),
                host.clock(),
                tests_path=self.tests_path,
            )
        )

    # -- the funnel beside the text ------------------------------------------------
    @property
    def funnel_panel(self) -> FunnelTree:
        return self.query_one("#funnel-panel", FunnelTree)

    @property
    def funnel_shown(self) -> bool:
        return self.funnel_panel.has_class("shown")

    def action_funnel(self) -> None:
        """F9: show or hide the funnel beside the text (read from the database the first time)."""
        panel = self.funnel_panel
        panel.toggle_class("shown")
        if not self.funnel_shown:
            return
        if self.funnel_view is None:
            panel.show(None, FunnelView(None, "读取中…"))
            check = self.check
            name = check.script.name if check is not None and check.script is not None else None
            self.run_worker(
                partial(self._load_funnel, self.host.backend.db_path, name, self.host.clock().date()),
                thread=True,
                group="funnel",
                exclusive=True,
                exit_on_error=False,
            )
        else:
            self._show_funnel()

    def _load_funnel(self, db_path: Path | None, name: str | None, today: date) -> None:
        view = load_funnel(db_path, name, today)
        try:
            self.app.call_from_thread(self._funnel_loaded, view)
        except RuntimeError:  # the app is closing
            pass

    def _funnel_loaded(self, view: FunnelView) -> None:
        self.funnel_view = view
        self._show_funnel()

    def _show_funnel(self) -> None:
        """The tree of the text as last checked valid (before that, of the funnel's own version)."""
        check, view = self.check, self.funnel_view
        if view is None:
            return
        if check is not None and check.script is None and self.funnel_panel.lines_for:
            return  # the text has errors: keep the last good tree
        self.funnel_panel.show(check.script if check is not None else None, view)
        self._follow_cursor()

    @on(TextArea.SelectionChanged, "#source")
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        if self.funnel_shown and self.funnel_view is not None:
            self._follow_cursor()

    def _follow_cursor(self) -> None:
        """Put the funnel's cursor on the node whose YAML the text cursor is in."""
        check = self.check
        if check is None or check.script is None:
            return
        line = self.text_area.cursor_location[0] + 1
        here = None
        for node in check.script.nodes.values():
            if node.mark.line <= line and (here is None or node.mark.line > here.mark.line):
                here = node
        if here is not None:
            self.funnel_panel.focus_node(here.id)

    # -- other -----------------------------------------------------------------
    def action_help(self) -> None:
        self.app.push_screen(EditorHelp())

    def action_quit(self) -> None:
        if not self._modified:
            self.app.exit()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.exit()

        self.app.push_screen(ConfirmDialog("有没保存的修改, 确定退出?", "Ctrl+S 保存 (有错误时存为草稿)。"), answer)
