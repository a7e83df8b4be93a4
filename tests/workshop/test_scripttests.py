"""`callscript test`: sidecar discovery, pass/fail table, exit codes 0/1/2, coverage."""

from __future__ import annotations

import shutil

import pytest

from callscript.script.loader import load_script
from callscript.workshop.script_tests import default_tests_path, load_tests_text, run_tests
from workshop.conftest import CTRIP, FOLLOWUP, LOOP


def write_tests(tmp_path, text: str):
    script = tmp_path / "loop.yaml"
    shutil.copy(LOOP, script)
    (tmp_path / "loop.tests.yaml").write_text(text, encoding="utf-8")
    return script


def test_sidecar_path():
    assert default_tests_path("scripts/ctrip.yaml").as_posix() == "scripts/ctrip.tests.yaml"
    assert default_tests_path("scripts/ctrip-followup.yaml").as_posix() == "scripts/ctrip-followup.tests.yaml"


def test_cli_test_runs_the_followup_script(run_cli):
    result = run_cli("test", FOLLOWUP)
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.stdout and "nodes 21/21, branches 39/39" in result.stdout
    result = run_cli("paths", FOLLOWUP, "--uncovered")
    assert result.exit_code == 0 and "every node and every option" in result.stdout


KNOWN_CASES = """
cases:
  知道星级:
    known: {travel: often, hotel_star: 4, accepts: "yes"}
    answers: ["1"]
    outcome: null
    facts: {hotel_star: 4, reached: true}
  不知道:
    answers: ["1"]
    facts: {hotel_star: null}
"""


def test_known_facts_start_the_walk(tmp_path):
    """`known:` is what earlier calls learned: the case's call starts knowing it."""
    script = load_script(LOOP)
    cases, problems = load_tests_text(KNOWN_CASES, script)
    assert not problems, problems
    assert cases[0].known == {"travel": "often", "hotel_star": 4, "accepts": "yes"}
    report = run_tests(script, cases)
    assert report.passed, [(r.case.name, r.error, r.mismatches) for r in report.failed]


def test_known_refuses_facts_that_do_not_carry_and_unknown_values():
    script = load_script(LOOP)
    text = """
cases:
  a:
    known: {reached: true, hotel_star: 9, nonsense: 1, travel: null}
    answers: ["1"]
"""
    _, problems = load_tests_text(text, script)
    messages = " | ".join(p.message for p in problems)
    assert "known: fact 'reached' does not carry" in messages
    assert "hotel_star" in messages and "unknown fact 'nonsense'" in messages
    assert "known: fact 'travel' needs a value" in messages


def test_grade_is_the_grade_the_call_keeps(tmp_path):
    """A callback (or a call still open) keeps no grade: `grade: null` holds though its 暂定 one is not."""
    script = load_script(CTRIP)
    text = """
cases:
  回电:
    answers: ["1", "2", "1"]
    outcome: callback
    grade: null
    rule: null
  开着:
    answers: ["1", "1"]
    outcome: null
    grade: null
"""
    cases, problems = load_tests_text(text, script)
    assert not problems
    report = run_tests(script, cases)
    assert report.passed, [(r.case.name, r.mismatches) for r in report.failed]
    assert report.results[0].session.grade().grade == "勉强"  # its 暂定 grade, not kept


def test_passing_sidecar(run_cli):
    result = run_cli("test", LOOP)
    assert result.exit_code == 0, result.output
    assert "5 passed, 0 failed" in result.stdout
    assert "nodes 8/8, branches 10/10" in result.stdout


def test_failing_case_shows_expected_and_got(run_cli, tmp_path):
    script = write_tests(
        tmp_path,
        """
cases:
  good:
    answers: ["2"]
    outcome: invalid_number
  wrong grade:
    answers: ["1", {enter: "3"}, "1", {enter: 某地}, "1"]
    outcome: mailed
    grade: 勉强
    facts: {hotel_star: 4}
""",
    )
    result = run_cli("test", script)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "✓ pass" in out and "✗ FAIL" in out
    assert "grade: expected 勉强, got 好" in out
    assert "facts.hotel_star: expected 4, got 3" in out
    assert "1 passed, 1 failed" in out


def test_answer_that_no_longer_fits_is_a_failure(run_cli, tmp_path):
    script = write_tests(
        tmp_path,
        """
cases:
  removed option:
    answers: ["1", {enter: "3"}, "7"]
    outcome: mailed
""",
    )
    result = run_cli("test", script, "--json")
    assert result.exit_code == 1
    import json

    data = json.loads(result.stdout)
    case = data["cases"][0]
    assert not case["passed"]
    assert "answer 3" in case["error"] and "no option '7'" in case["error"]
    # the steps before the failed answer still count for coverage
    assert data["coverage"]["nodes_covered"] == 3


def test_invalid_tests_file_exit_2_with_positions(run_cli, tmp_path):
    script = write_tests(
        tmp_path,
        """cases:
  bad:
    answers: ["1", no]
    outcome: hung_up
    grade: 优秀
    facts: {accepts: no, colour: red}
    ends_at: nowhere
    expect: x
""",
    )
    result = run_cli("test", script)
    assert result.exit_code == 2
    err = result.stderr
    tests = str(tmp_path / "loop.tests.yaml")
    assert f"{tests}:3:20: error:" in err and "quote keys" in err
    assert f"{tests}:4:14: error:" in err and "hung_up" in err
    assert f"{tests}:5:12: error:" in err and "优秀" in err
    assert "put it in quotes" in err  # accepts: no
    assert "unknown fact 'colour'" in err
    assert "ends_at 'nowhere'" in err
    assert f"{tests}:8:5: error:" in err and "unknown field 'expect'" in err
    assert "no test was run" in err


def test_yaml_syntax_error_exit_2(run_cli, tmp_path):
    script = write_tests(tmp_path, "cases:\n  a: [1, 2\n")
    result = run_cli("test", script)
    assert result.exit_code == 2
    assert "loop.tests.yaml:" in result.stderr and "YAML syntax" in result.stderr


def test_unsafe_yaml_refused(run_cli, tmp_path):
    script = write_tests(tmp_path, "cases: !!python/object:os.system {}\n")
    result = run_cli("test", script)
    assert result.exit_code == 2
    assert "not allowed" in result.stderr


def test_missing_tests_file_and_invalid_script_exit_2(run_cli, tmp_path):
    script = tmp_path / "loop.yaml"
    shutil.copy(LOOP, script)
    result = run_cli("test", script)
    assert result.exit_code == 2 and "no tests file" in result.stderr
    script.write_text("script: {name: x}\nnodes: {}\n", encoding="utf-8")
    (tmp_path / "loop.tests.yaml").write_text("cases: {a: {answers: []}}\n", encoding="utf-8")
    result = run_cli("test", script)
    assert result.exit_code == 2 and "loop.yaml:" in result.stderr


def test_tests_option_and_rule_by_number(run_cli, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    other.write_text(
        """
cases:
  skip star:
    answers: ["1", skip, "1", {enter: 某地}, back, back, "2"]
    outcome: refused
    rule: null
    ends_at: bye_no
  by number:
    answers: ["1", skip, "1", {enter: 某地}, "1"]
    rule: 2
  wrong number:
    answers: ["1", skip, "1", {enter: 某地}, "1"]
    rule: 1
""",
        encoding="utf-8",
    )
    result = run_cli("test", LOOP, "--tests", other)
    assert result.exit_code == 1
    assert "rule: expected 1, got 2. 问不到消费标准" in result.stdout


def test_coverage_ignores_taken_back_steps():
    script = load_script(LOOP)
    cases, problems = load_tests_text('cases:\n  a:\n    answers: ["1", skip, "1", back, "2"]\n', script)
    assert not problems
    report = run_tests(script, cases)
    assert report.passed
    cov = report.coverage
    assert ("accept", "2") in cov.hit_edges and ("accept", "1") not in cov.hit_edges
    assert "address" not in cov.hit_nodes
    assert ("star", "skip") in cov.hit_edges and ("star", "enter") not in cov.hit_edges


def test_uncovered_lists_nodes_and_branches(run_cli, tmp_path):
    script = write_tests(tmp_path, 'cases:\n  only:\n    answers: ["2"]\n')
    result = run_cli("paths", script, "--uncovered")
    assert result.exit_code == 1
    out = result.stdout
    assert "nodes 2/8, branches 1/10" in out
    assert "核对地址 (confirm)" in out
    assert "跳过 「问不到」 → 是否接受 (accept)" in out
    result = run_cli("paths", LOOP, "--uncovered")
    assert result.exit_code == 0 and "every node and every option" in result.stdout


@pytest.mark.parametrize("path", [CTRIP, FOLLOWUP], ids=["ctrip", "ctrip-followup"])
def test_shipped_tests_pass_and_cover_every_branch(path):
    """The shipped scripts' tests (main and follow-up): all pass, every node and branch is reached."""
    from callscript.workshop.script_tests import load_tests_file

    script = load_script(path)
    cases, problems = load_tests_file(default_tests_path(path), script)
    assert not [p for p in problems if p.is_error], problems
    report = run_tests(script, cases)
    assert report.passed, [(r.case.name, r.error, r.mismatches) for r in report.failed]
    assert report.coverage.complete, (report.coverage.uncovered_nodes, report.coverage.uncovered_edges)
