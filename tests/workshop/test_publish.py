"""The publishing watcher (valid replace → new script; invalid → old kept + problems) and atomic publish."""

from __future__ import annotations

import os
import stat

import pytest

from callscript.script.answers import run_answers
from callscript.script.problems import ScriptError
from callscript.workshop.publishing import (
    PUBLISHED,
    REJECTED,
    UNCHANGED,
    ScriptWatcher,
    publish_atomically,
    publish_if_valid,
)
from workshop.conftest import LOOP

BASE = LOOP.read_text(encoding="utf-8")
V2 = BASE.replace("title: 循环测试", "title: 循环测试 第二版")
BROKEN = V2.replace("next: closing", "next: nowhere")


@pytest.fixture
def script_file(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


def test_unchanged_costs_a_stat(script_file, monkeypatch):
    watcher = ScriptWatcher(script_file)
    assert watcher.script.title == "循环测试"
    reads = []
    original = type(script_file).read_bytes
    monkeypatch.setattr(type(script_file), "read_bytes", lambda self: reads.append(self) or original(self))
    for _ in range(3):
        assert watcher.check().status == UNCHANGED
    assert reads == []


def test_valid_replace_publishes_and_the_call_in_progress_keeps_its_version(script_file):
    watcher = ScriptWatcher(script_file)
    call = run_answers(watcher.script, [("choose", "1")])  # a call is under way on version 1
    old_sha = watcher.script.sha256
    publish_atomically(script_file, V2)
    result = watcher.check()
    assert result.status == PUBLISHED and result.published
    assert result.script.title == "循环测试 第二版" and watcher.script is result.script
    assert result.sha256 == result.script.sha256 != old_sha
    assert "新版本话术已启用" in result.notice
    assert call.script.sha256 == old_sha  # the running call is untouched
    call.enter("3")
    assert watcher.check().status == UNCHANGED


def test_invalid_replace_keeps_the_last_good_script(script_file):
    watcher = ScriptWatcher(script_file)
    good = watcher.script
    publish_atomically(script_file, BROKEN)
    result = watcher.check()
    assert result.status == REJECTED and result.rejected
    assert result.script is good and watcher.script is good
    errors = [p for p in result.problems if p.is_error]
    assert errors and "nowhere" in errors[0].message and errors[0].mark.line > 1
    assert f"{len(errors)} 处错误" in result.notice and good.sha256[:8] in result.notice
    assert "\n" not in result.notice
    assert watcher.problems == result.problems
    # the same bad content is reported once
    assert watcher.check().status == UNCHANGED and watcher.script is good
    # fixed: published
    publish_atomically(script_file, V2)
    fixed = watcher.check()
    assert fixed.status == PUBLISHED and fixed.script.title == "循环测试 第二版"
    assert watcher.problems == ()


def test_garbage_and_missing_file_are_rejected(script_file):
    watcher = ScriptWatcher(script_file)
    good = watcher.script
    script_file.write_bytes(b"\xff\xfe binary \x00")
    result = watcher.check(force=True)
    assert result.status == REJECTED and result.script is good
    script_file.unlink()
    result = watcher.check()
    assert result.status == REJECTED and "cannot read" in result.problems[0].message
    assert watcher.check().status == UNCHANGED  # reported once
    publish_atomically(script_file, BASE)
    assert watcher.check().status == UNCHANGED  # same text as the script in use
    assert watcher.script is good


def test_touch_and_rewrite_of_same_text_is_unchanged(script_file):
    watcher = ScriptWatcher(script_file)
    os.utime(script_file, ns=(1, 1))
    assert watcher.check().status == UNCHANGED
    publish_atomically(script_file, BASE)
    assert watcher.check().status == UNCHANGED


def test_adopting_a_loaded_script_and_invalid_at_start(script_file):
    from callscript.script.loader import load_script

    loaded = load_script(script_file)
    watcher = ScriptWatcher(script_file, script=loaded)
    assert watcher.check().status == UNCHANGED and watcher.script is loaded
    script_file.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ScriptError):
        ScriptWatcher(script_file)


def test_settle_waits_for_a_fresh_file(script_file):
    watcher = ScriptWatcher(script_file, settle_s=60)
    publish_atomically(script_file, V2)
    assert watcher.check().status == UNCHANGED  # modified just now: look again later
    old = script_file.stat().st_mtime - 120
    os.utime(script_file, (old, old))
    assert watcher.check().status == PUBLISHED


def test_publish_atomically_writes_whole_file_and_keeps_mode(script_file):
    os.chmod(script_file, 0o640)
    sha = publish_atomically(script_file, V2)
    assert script_file.read_text(encoding="utf-8") == V2
    assert stat.S_IMODE(script_file.stat().st_mode) == 0o640
    from callscript.script.loader import load_script

    assert load_script(script_file).sha256 == sha
    assert [p.name for p in script_file.parent.iterdir()] == ["loop.yaml"]  # no temp file left
    new_file = script_file.parent / "fresh.yaml"
    publish_atomically(new_file, BASE)
    assert new_file.read_text(encoding="utf-8") == BASE


def test_publish_atomically_failure_leaves_old_file(script_file, monkeypatch):
    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        publish_atomically(script_file, V2)
    assert script_file.read_text(encoding="utf-8") == BASE
    assert [p.name for p in script_file.parent.iterdir()] == ["loop.yaml"]


def test_publish_if_valid(script_file):
    refused = publish_if_valid(script_file, BROKEN)
    assert not refused.published and refused.script is None
    assert any("nowhere" in p.message for p in refused.problems)
    assert script_file.read_text(encoding="utf-8") == BASE
    done = publish_if_valid(script_file, V2)
    assert done.published and done.sha256 == done.script.sha256
    assert script_file.read_text(encoding="utf-8") == V2


# -- both scripts: the main one and the follow-up script beside it ------------------------


def test_script_set_picks_the_follow_up_script_for_maintenance_calls(tmp_path):
    from callscript.core.lifecycle import CallKind
    from callscript.script.loader import load_script
    from callscript.workshop.publishing import ScriptSet
    from workshop.conftest import CTRIP, FOLLOWUP

    main, followup = load_script(CTRIP), load_script(FOLLOWUP)
    both = ScriptSet(main, followup)
    assert both.for_call(CallKind.DEVELOPMENT) is main
    assert both.for_call(CallKind.MAINTENANCE) is followup
    assert both.for_call("maintenance") is followup
    alone = ScriptSet(main)  # a site with one script: it serves every call
    assert alone.for_call(CallKind.MAINTENANCE) is main and alone.scripts == (main,)


def test_the_follow_up_script_is_published_and_followed_like_the_main_one(tmp_path):
    from callscript.config import followup_script_path
    from callscript.core.lifecycle import CallKind
    from callscript.workshop.publishing import ScriptSetWatcher

    main = tmp_path / "loop.yaml"
    main.write_text(BASE, encoding="utf-8")
    followup = followup_script_path(main)
    assert followup == tmp_path / "loop-followup.yaml"
    assert ScriptSetWatcher(main, followup).scripts.maintenance is None  # no follow-up file: main only
    followup.write_text(BASE.replace("title: 循环测试", "title: 回访"), encoding="utf-8")
    watcher = ScriptSetWatcher(main, followup)
    assert watcher.scripts.maintenance.title == "回访"
    publish_atomically(followup, BASE.replace("title: 循环测试", "title: 回访 第二版"))
    results = dict(watcher.check())
    assert results[CallKind.DEVELOPMENT].status == UNCHANGED
    assert results[CallKind.MAINTENANCE].status == PUBLISHED
    assert watcher.scripts.maintenance.title == "回访 第二版"
    publish_atomically(followup, BROKEN)
    assert dict(watcher.check())[CallKind.MAINTENANCE].status == REJECTED
    assert watcher.scripts.maintenance.title == "回访 第二版"  # the last good version stays


def test_followup_path_resolves_like_the_main_script(tmp_path, monkeypatch):
    from pathlib import Path

    from callscript.config import FOLLOWUP_SCRIPT_ENV, SCRIPT_ENV, followup_script_path

    monkeypatch.delenv(FOLLOWUP_SCRIPT_ENV, raising=False)
    assert followup_script_path("scripts/ctrip.yaml") == Path("scripts/ctrip-followup.yaml")
    monkeypatch.setenv(SCRIPT_ENV, str(tmp_path / "acme.yaml"))
    assert followup_script_path() == tmp_path / "acme-followup.yaml"  # beside the main script in use
    monkeypatch.setenv(FOLLOWUP_SCRIPT_ENV, str(tmp_path / "other.yaml"))
    assert followup_script_path() == tmp_path / "other.yaml"
