"""`callscript edit`: the editor screen through the Pilot — problems as they type, save/publish/draft,
practice with the agents' call screen, coverage — and the drafts module under it."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import pytest
from tui.helpers import region_text, screen_text

from callscript.script.loader import validate_text
from callscript.storage import Store
from callscript.tui.clock import FixedClock
from callscript.tui.editor.app import EditorApp
from callscript.tui.editor.checks import check_text
from callscript.tui.editor.practice import PracticeCallScreen, PracticeSummaryScreen, practice_case_yaml
from callscript.tui.editor.screen import EditorScreen
from callscript.workshop.drafts import DRAFT_FILE, NEW_FILE, PUBLISHED_FILE, draft_path, open_for_edit, save_edit
from workshop.conftest import CTRIP, LOOP, MINI

T0 = datetime(2025, 11, 25, 17, 0, 0).astimezone()
MINI_TEXT = MINI.read_text(encoding="utf-8")
LINE_SET = 16  # `        set: {reached: true}` in mini.yaml
LINE_NEXT_STAR = 17  # `        next: star`


@pytest.fixture(autouse=True)
def _config_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLSCRIPT_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("CALLSCRIPT_DB", raising=False)


@pytest.fixture
def mini_file(tmp_path) -> Path:
    path = tmp_path / "scripts" / "mini.yaml"
    path.parent.mkdir()
    path.write_text(MINI_TEXT, encoding="utf-8")
    return path


def make_app(path: Path, tmp_path: Path, **kwargs) -> EditorApp:
    options = dict(
        db_path=tmp_path / "calls.db",
        clock=FixedClock(T0),
        cursor_blink=False,
        live_timer=False,
        back_guard=0.0,
        debounce=0.02,
        agent="王芳",
        store_options={"synchronous": "NORMAL"},
    )
    options.update(kwargs)
    return EditorApp(path, **options)


def editor(app) -> EditorScreen:
    screen = app.screen
    assert isinstance(screen, EditorScreen), type(screen).__name__
    return screen


async def until(pilot, predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.01)


async def checked(pilot, tests: bool = False) -> EditorScreen:
    """Wait until the problems panel shows the current text (and, with ``tests``, its test run)."""
    screen = editor(pilot.app)

    def done() -> bool:
        if screen.shown_revision != screen.revision:
            return False
        if tests and screen.check is not None and screen.check.script is not None:
            return screen.tests is not None and screen.tests.revision == screen.revision
        return True

    await until(pilot, done)
    await pilot.pause()
    return screen


async def go_to_line_end(pilot, line: int) -> None:
    area = editor(pilot.app).text_area
    area.move_cursor((line - 1, len(area.document.get_line(line - 1))))
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


# ---------------------------------------------------------------------------
# Problems as they type
# ---------------------------------------------------------------------------
async def test_typing_an_error_lists_it_with_its_line_and_fixing_it_empties_the_list(mini_file, tmp_path):
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await checked(pilot)
        assert screen.entries == [] and "没有错误" in region_text(app, "#ed-status")

        await go_to_line_end(pilot, LINE_SET)
        await pilot.press(*["backspace"] * 5)
        await type_text(pilot, "maybe}")
        screen = await checked(pilot)
        assert screen.text_area.document.get_line(LINE_SET - 1) == "        set: {reached: maybe}"
        assert [(e.kind, e.line) for e in screen.entries] == [("error", LINE_SET)]
        assert "'maybe'" in screen.entries[0].text
        panel = region_text(app, "#problems")
        assert f"{LINE_SET}:24" in panel and "'maybe'" in panel
        assert "1 个错误" in region_text(app, "#ed-status")
        assert "有未保存的修改" in region_text(app, "#ed-title")

        # F2 → the list, Enter → the cursor is on the problem's line, in the text
        screen.text_area.move_cursor((0, 0))
        await pilot.press("f2")
        assert app.focused is app.screen.query_one("#problems")
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is screen.text_area
        assert screen.text_area.cursor_location == (LINE_SET - 1, 23)

        # fix it: the list empties
        await go_to_line_end(pilot, LINE_SET)
        await pilot.press(*["backspace"] * 6)
        await type_text(pilot, "true}")
        screen = await checked(pilot)
        assert screen.entries == []
        assert "没有错误" in region_text(app, "#ed-status")
        assert screen.text_area.text == MINI_TEXT
        assert "有未保存的修改" not in region_text(app, "#ed-title")  # back to the saved text


async def test_every_error_and_warning_is_listed_in_file_order_and_f8_walks_them(mini_file, tmp_path):
    broken = MINI_TEXT.replace("next: star", "next: nowhere").replace("    title: 地址\n", "    titel: 地址\n")
    mini_file.write_text(broken, encoding="utf-8")
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await checked(pilot)
        _, problems = validate_text(broken, str(mini_file))
        assert len(screen.entries) == len(problems) >= 2
        lines = [e.line for e in screen.entries]
        assert lines == sorted(lines)
        assert {(e.line, e.col, e.text) for e in screen.entries} == {
            (p.mark.line, p.mark.col, p.message) for p in problems
        }
        screen.text_area.move_cursor((0, 0))
        await pilot.press("f8")
        assert screen.text_area.cursor_location[0] + 1 == lines[0]
        await pilot.press("f8")
        assert screen.text_area.cursor_location[0] + 1 == lines[1]


async def test_results_for_old_text_are_discarded(mini_file, tmp_path):
    """Validation lags the typing: whatever order results come back in, the panel shows the final text."""
    app = make_app(mini_file, tmp_path, debounce=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await go_to_line_end(pilot, LINE_NEXT_STAR)
        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "nowhere")  # each key can start a check while one runs
        await pilot.press(*["backspace"] * 7)
        await type_text(pilot, "accept")
        screen = await checked(pilot)
        assert screen.check is not None and screen.check.revision == screen.revision
        expected = check_text(screen.text_area.text, str(mini_file))
        assert screen.check.sha256 == expected.sha256
        assert [(e.line, e.text) for e in screen.entries] == [(p.mark.line, p.message) for p in expected.problems]
        assert screen.checks_run <= screen.revision + 1  # at most one check per change (and the first)
        assert screen._timer is None and not screen._check_queued and not screen._checking


# ---------------------------------------------------------------------------
# Saving: publish, draft, versions
# ---------------------------------------------------------------------------
async def test_save_publishes_atomically_and_stores_the_previous_and_new_versions(mini_file, tmp_path):
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await go_to_line_end(pilot, 3)  # title: 小脚本
        await type_text(pilot, "v2")
        await checked(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: editor(app).last_save is not None)
        text = editor(app).text_area.text
        assert "title: 小脚本v2" in text
        await until(pilot, lambda: "已发布" in region_text(app, "#ed-title"))
        outcome = editor(app).last_save
    assert outcome.published and outcome.path == mini_file
    assert mini_file.read_text(encoding="utf-8") == text
    assert not draft_path(mini_file).exists()
    with Store.open(tmp_path / "calls.db") as store:
        versions = store.script_versions("mini")
        calls = store.conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        published = store.audit_entries(action="publish")
    assert [v.source_text for v in versions] == [MINI_TEXT, text]  # the previous one first
    assert versions[1].sha256 == outcome.sha256 == outcome.script.sha256
    assert calls == 0
    # `callscript edit` is a CLI command on the host: the publish is the local system actor's
    assert [(e.actor, e.target, e.detail["version_id"]) for e in published] == [
        ("system", f"script:{outcome.sha256[:12]}", versions[1].id)
    ]
    assert published[0].origin.startswith("cli:")


async def test_save_with_errors_writes_the_draft_and_publishes_nothing(mini_file, tmp_path):
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await go_to_line_end(pilot, LINE_NEXT_STAR)
        await type_text(pilot, "x")
        await checked(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: draft_path(mini_file).exists())
        await until(pilot, lambda: "草稿" in region_text(app, "#ed-title"))
        text = editor(app).text_area.text
    assert draft_path(mini_file).read_text(encoding="utf-8") == text
    assert mini_file.read_text(encoding="utf-8") == MINI_TEXT  # agents' file untouched
    assert not (tmp_path / "calls.db").exists()  # drafts never go to the database

    # next time the editor opens the draft (it is newer than the published file)
    source = open_for_edit(mini_file)
    assert source.kind == DRAFT_FILE and source.text == text and source.published_text == MINI_TEXT


async def test_quit_with_unsaved_edits_asks_first(mini_file, tmp_path):
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await type_text(pilot, "#")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "确定退出" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)


# ---------------------------------------------------------------------------
# Practice: the agents' call screen, nothing stored
# ---------------------------------------------------------------------------
async def test_practice_walks_a_path_with_the_agents_call_screen_and_stores_nothing(mini_file, tmp_path):
    from callscript.tui.screens.call import CallScreen

    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PracticeCallScreen))
        call = app.screen
        assert isinstance(call, CallScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "测试公司" in text and "练习" in text  # {our_company}; the practice mark instead of "saved"
        await pilot.press("1")  # 本人
        await type_text(pilot, "4")
        await pilot.press("enter")  # hotel_star 4
        await pilot.press("1")  # 愿意
        await type_text(pilot, "abc")
        await pilot.press("enter")  # address
        await pilot.pause()
        assert call.session.finished and call.session.outcome == "mailed"
        assert [e.kind for e, _ in call.practice.events] == ["choose", "enter", "choose", "enter"]
        await pilot.press("enter")  # finish: the summary card
        await until(pilot, lambda: isinstance(app.screen, PracticeSummaryScreen))
        text = screen_text(app)
        assert "练习小结" in text and "好" in text and "寄" in text
        assert 'answers: ["1", {enter: "4"}, "1", {enter: "abc"}]' in text
        await pilot.press("enter")  # again
        await until(pilot, lambda: isinstance(app.screen, PracticeCallScreen) and not app.screen.session.events)
        await pilot.press("f5")  # leave practice
        await until(pilot, lambda: isinstance(app.screen, EditorScreen))
    assert not (tmp_path / "calls.db").exists()  # no database was even opened


async def test_practice_walks_the_follow_up_script(tmp_path):
    """The editor's practice pane works on the follow-up script too: same call screen, its
    own nodes, the case written with the grade the call keeps."""
    from workshop.conftest import FOLLOWUP

    path = tmp_path / "scripts" / "ctrip-followup.yaml"
    path.parent.mkdir()
    path.write_text(FOLLOWUP.read_text(encoding="utf-8"), encoding="utf-8")
    app = make_app(path, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PracticeCallScreen))
        call = app.screen
        for key in ("1", "1", "1", "2", "1", "2"):  # 本人 → 方便 → 收到 → 没动态 → 没疑问 → 不推荐
            await pilot.press(key)
        await pilot.pause()
        assert call.session.outcome == "member_care"
        assert call.session.path[2] == "ask_received"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PracticeSummaryScreen))
        text = screen_text(app)
        assert "outcome: member_care" in text and "grade: 勉强" in text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, EditorScreen))


async def test_f5_on_the_practice_summary_returns_to_the_text(mini_file, tmp_path):
    """The docs say F5 returns to the text from practice, the summary included (issue 13, item 8)."""
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PracticeCallScreen))
        await pilot.press("1")
        await type_text(pilot, "4")
        await pilot.press("enter", "1")
        await type_text(pilot, "abc")
        await pilot.press("enter", "enter")
        await until(pilot, lambda: isinstance(app.screen, PracticeSummaryScreen))
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, EditorScreen))


def test_a_practice_callback_case_keeps_no_grade(tmp_path):
    from callscript.script.answers import run_answers
    from callscript.script.loader import load_script
    from workshop.conftest import CTRIP

    session = run_answers(load_script(CTRIP), [("choose", "1"), ("choose", "2"), ("choose", "1")])
    assert session.outcome == "callback" and session.grade().grade == "勉强"  # 暂定 only
    assert "grade: null" in practice_case_yaml(session)


async def test_practice_refuses_a_script_with_errors(mini_file, tmp_path):
    mini_file.write_text(MINI_TEXT.replace("next: star", "next: nowhere"), encoding="utf-8")
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await pilot.press("f5")
        await pilot.pause(0.1)
        assert isinstance(app.screen, EditorScreen)
        assert any(n.title == "不能练习" for n in app._notifications)


def test_practice_case_is_a_valid_script_test(tmp_path):
    from callscript.script.answers import run_answers
    from callscript.script.loader import load_script
    from callscript.workshop.script_tests import load_tests_text, run_tests

    script = load_script(MINI)
    session = run_answers(script, [("choose", "1"), ("skip", None), ("choose", "1"), ("enter", '上海 "1" 号')])
    text = "cases:\n" + practice_case_yaml(session, "练习")
    cases, problems = load_tests_text(text, script)
    assert problems == [] and run_tests(script, cases).passed


# ---------------------------------------------------------------------------
# Coverage and highlighting
# ---------------------------------------------------------------------------
async def test_status_shows_tests_and_coverage_and_lists_what_is_uncovered(tmp_path):
    path = tmp_path / "loop.yaml"
    shutil.copy(LOOP, path)
    tests = tmp_path / "loop.tests.yaml"
    tests.write_text('cases:\n  空号:\n    answers: ["2"]\n    outcome: invalid_number\n', encoding="utf-8")
    app = make_app(path, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await checked(pilot, tests=True)
        status = region_text(app, "#ed-status")
        assert "测试 1/1 通过" in status and "覆盖 节点 2/" in status
        uncovered = [e for e in screen.entries if e.kind == "uncovered"]
        assert uncovered and all(e.line is not None for e in uncovered)
        assert screen.tests.coverage is not None
        assert len(uncovered) == len(screen.tests.coverage.uncovered_nodes) + len(screen.tests.coverage.uncovered_edges)


async def test_ctrip_opens_highlighted_with_full_coverage(tmp_path):
    path = tmp_path / "ctrip.yaml"
    shutil.copy(CTRIP, path)
    shutil.copy(CTRIP.with_name("ctrip.tests.yaml"), tmp_path / "ctrip.tests.yaml")
    app = make_app(path, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await checked(pilot, tests=True)
        assert screen.highlighting
        assert screen.tests.coverage.complete and screen.tests.passed == screen.tests.total > 0
        assert screen.entries == []


async def test_without_the_yaml_grammar_it_is_plain_text(mini_file, tmp_path, monkeypatch):
    import textual._tree_sitter

    monkeypatch.setattr(textual._tree_sitter, "get_language", lambda name: None)
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await checked(pilot)
        assert not screen.highlighting
        assert "无语法高亮" in region_text(app, "#ed-title")
        await type_text(pilot, "#")
        await checked(pilot)


# ---------------------------------------------------------------------------
# drafts (no screen)
# ---------------------------------------------------------------------------
def test_open_for_edit_file_draft_and_new(tmp_path):
    path = tmp_path / "s.yaml"
    source = open_for_edit(path)
    assert source.kind == NEW_FILE and source.published_text is None
    assert validate_text(source.text)[0] is not None  # the template is a valid script

    path.write_text(MINI_TEXT, encoding="utf-8")
    assert open_for_edit(path).kind == PUBLISHED_FILE

    draft = draft_path(path)
    assert draft.name == "s.draft.yaml"
    draft.write_text(MINI_TEXT + "#draft\n", encoding="utf-8")
    os.utime(path, (time.time() - 60, time.time() - 60))
    assert open_for_edit(path).kind == DRAFT_FILE

    os.utime(draft, (time.time() - 120, time.time() - 120))  # published since: the draft is stale
    source = open_for_edit(path)
    assert source.kind == PUBLISHED_FILE and "s.draft.yaml" in source.note


def test_save_edit_publishes_valid_text_and_keeps_invalid_text_as_a_draft(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(MINI_TEXT, encoding="utf-8")
    bad = MINI_TEXT.replace("set: {reached: true}", "set: {reached: maybe}")
    outcome = save_edit(path, bad)
    assert not outcome.published and outcome.errors == 1 and outcome.path == draft_path(path)
    assert path.read_text(encoding="utf-8") == MINI_TEXT

    good = MINI_TEXT.replace("title: 小脚本", "title: 小脚本2")
    outcome = save_edit(path, good)
    assert outcome.published and path.read_text(encoding="utf-8") == good
    assert outcome.previous is not None and outcome.previous.source_text == MINI_TEXT
    assert not draft_path(path).exists()
    again = save_edit(path, good)
    assert again.published and again.unchanged and again.previous is None

    # a file broken by hand is replaced; it is not a version (it cannot be loaded), and says why
    path.write_text(bad, encoding="utf-8")
    outcome = save_edit(path, good)
    assert outcome.published and outcome.previous is None and outcome.previous_problems
    assert not any(p.name.startswith(".s.yaml.") for p in tmp_path.iterdir())  # no temp files left


def test_cli_edit_is_registered(run_cli):
    result = run_cli("edit", "--help")
    assert result.exit_code == 0 and "PATH" in result.output


async def test_the_editors_text_area_stays_exact_through_edits_undo_redo_and_reload(mini_file, tmp_path):
    """ScriptTextArea caches the joined text, line widths and the wrapped height: never stale."""
    from rich.cells import cell_len

    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await checked(pilot)
        area = screen.text_area

        def exact() -> None:
            lines = area.document.lines
            assert area.text == "\n".join(lines) == area.document.text
            assert area.virtual_size.width == max(cell_len(line) for line in lines) + area.gutter_width + 1
            assert area.virtual_size.height == len(lines)
            assert area.wrapped_document.height == sum(len(o) + 1 for o in area.wrapped_document._wrap_offsets)

        exact()
        await go_to_line_end(pilot, 11)  # the longest line
        await type_text(pilot, "abc")
        exact()
        await pilot.press("enter")
        await type_text(pilot, "x")
        exact()
        await pilot.press("ctrl+z")
        await pilot.pause()
        exact()
        await pilot.press("ctrl+y")
        await pilot.pause()
        exact()
        area.load_text("a: 1\n")
        await pilot.pause()
        exact()
        assert area.text == "a: 1\n"
        screen = await checked(pilot)
        assert screen.check.sha256 == check_text("a: 1\n", "x").sha256


async def test_the_typing_latency_bench_runs():
    """bench/bench_editor.py keeps working (its figures come from running it; this only keeps it from rotting)."""
    import importlib.util

    bench = Path(__file__).resolve().parents[2] / "bench" / "bench_editor.py"
    spec = importlib.util.spec_from_file_location("bench_editor", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = await module.typing_latency(6, nodes=120, settle=0.05)
    assert len(result["latencies"]) == 6 and result["kinds"].count("new line") == 2
    assert result["errors_shown"][0] > 0 and result["errors_shown"][1] == 0  # broke a next:, then mended it


async def test_publishing_over_a_file_changed_outside_the_editor_keeps_that_version_and_says_so(mini_file, tmp_path):
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        by_hand = MINI_TEXT.replace("title: 小脚本", "title: 小脚本 手改")
        mini_file.write_text(by_hand, encoding="utf-8")  # someone edits the file meanwhile
        await go_to_line_end(pilot, 3)
        await type_text(pilot, "v2")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: editor(app).last_save is not None)
        assert any(n.title == "注意" and "被别处改过" in n.message for n in app._notifications)
        text = editor(app).text_area.text
    with Store.open(tmp_path / "calls.db") as store:
        assert [v.source_text for v in store.script_versions("mini")] == [by_hand, text]


async def test_a_published_file_broken_by_hand_is_shown_as_such(mini_file, tmp_path):
    mini_file.write_text(MINI_TEXT.replace("set: {reached: true}", "set: {reached: maybe}"), encoding="utf-8")
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await checked(pilot)
        title = region_text(app, "#ed-title")
        assert "文件有错误" in title and "坐席在用版本" not in title
        assert "^Q" in screen_text(app)  # quitting is on the key bar


async def test_a_failing_fast_validation_falls_back_to_the_full_one(mini_file, tmp_path, monkeypatch):
    from callscript.workshop.revalidate import Revalidator

    def broken(self, text, path):
        raise RuntimeError("bug")

    monkeypatch.setattr(Revalidator, "validate", broken)
    app = make_app(mini_file, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await checked(pilot)
        await go_to_line_end(pilot, LINE_SET)
        await pilot.press(*["backspace"] * 5)
        await type_text(pilot, "maybe}")
        screen = await checked(pilot)
        assert [(e.kind, e.line) for e in screen.entries] == [("error", LINE_SET)]


async def test_highlighting_follows_the_view_in_a_long_script(tmp_path):
    """Only the rows around the view are highlighted; scrolling far away highlights the new rows."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_engine import generate_script

    path = tmp_path / "big.yaml"
    path.write_text(generate_script(300), encoding="utf-8")
    app = make_app(path, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await checked(pilot)
        area = screen.text_area
        assert screen.highlighting

        def highlighted_rows() -> set[int]:
            return {row for row, spans in area._highlights.items() if spans}

        top = highlighted_rows()
        assert set(range(0, 20)) & top and max(top) < 1000  # the top of the file, not all of it
        last = area.document.line_count - 1
        area.move_cursor((last - 5, 0), center=True)
        await pilot.pause(0.1)
        view = range(area.scroll_offset.y, area.scroll_offset.y + area.size.height)
        assert set(view) & highlighted_rows()
        assert min(highlighted_rows()) > 1000


async def test_a_practice_walk_added_as_a_test_case_raises_coverage(tmp_path):
    path = tmp_path / "loop.yaml"
    shutil.copy(LOOP, path)
    tests = tmp_path / "loop.tests.yaml"
    tests.write_text('cases:\n  空号:\n    answers: ["2"]\n    outcome: invalid_number\n', encoding="utf-8")
    app = make_app(path, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await checked(pilot, tests=True)
        before = screen.tests.coverage.to_json()["nodes_covered"]
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PracticeCallScreen))
        await pilot.pause()
        await pilot.press("1", "3", "enter", "1")  # a walk the one case does not take
        call = app.screen
        await type_text(pilot, "abc")
        await pilot.press("enter")
        await until(pilot, lambda: call.session.node.kind == "options" or call.session.finished)
        while not call.session.finished:
            await pilot.press("1")
            await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PracticeSummaryScreen))
        await pilot.press("a")
        await until(pilot, lambda: app.screen.added is not None)
        assert app.screen.added == "练习1"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, EditorScreen))
        await until(pilot, lambda: screen.tests.total == 2)
        assert screen.tests.passed == 2 and screen.tests.coverage.to_json()["nodes_covered"] > before
    from callscript.script.loader import load_script
    from callscript.workshop.script_tests import load_tests_file

    cases, problems = load_tests_file(tests, load_script(path))
    assert problems == [] and [c.name for c in cases] == ["空号", "练习1"]


def test_add_test_case_creates_the_file_and_refuses_one_it_cannot_append_to(tmp_path):
    from callscript.script.answers import run_answers
    from callscript.script.loader import load_script
    from callscript.tui.editor.practice import add_test_case

    script = load_script(MINI)
    session = run_answers(script, [("choose", "2")])
    tests = tmp_path / "mini.tests.yaml"
    assert add_test_case(tests, session) == ("练习1", [])
    assert add_test_case(tests, session) == ("练习2", [])
    assert "练习2:" in tests.read_text(encoding="utf-8")

    odd = tmp_path / "odd.tests.yaml"
    odd.write_text('cases:\n    空号:\n        answers: ["2"]\n', encoding="utf-8")  # cases four spaces in
    _name, problems = add_test_case(odd, session)
    assert problems and odd.read_text(encoding="utf-8") == 'cases:\n    空号:\n        answers: ["2"]\n'
