"""The path explorer: exact counts on a script with loops, input values, agreement with CallSession."""

from __future__ import annotations

import json

import pytest

from callscript.script.answers import parse_answers, run_answers
from callscript.script.loader import load_script, load_script_text
from callscript.workshop.path_explorer import all_edges, coverage_of_paths, explore, input_values, iter_paths
from workshop.conftest import CTRIP, LOOP, MINI


@pytest.fixture(scope="module")
def loop():
    return load_script(LOOP)


@pytest.fixture(scope="module")
def explored():
    """Each test script and all its paths, explored once per module (ctrip: ~2 s)."""
    out = {}
    for path in (LOOP, MINI, CTRIP):
        script = load_script(path)
        out[path] = (script, explore(script).paths)
    return out


@pytest.mark.parametrize(("max_visits", "count", "pruned"), [(1, 11, 6), (2, 32, 11), (3, 63, 16)])
def test_known_path_counts_with_loops(loop, max_visits, count, pruned):
    # tests/scripts/loop.yaml: hello may loop to itself, confirm loops back to address;
    # star takes 1, 2, 3, 5 or skip (5 ways). See the count worked out in the file's header.
    result = explore(loop, max_visits=max_visits)
    assert len(result.paths) == count
    assert result.pruned == pruned
    assert not result.truncated
    assert len({tuple(p.actions) for p in result.paths}) == count  # all distinct


def test_loop_is_walked_once_round(loop):
    paths = explore(loop).paths
    looped = [p for p in paths if p.nodes.count("hello") == 2]
    assert len(looped) == 16
    assert max(p.nodes.count("address") for p in paths) == 2
    assert all(p.nodes.count(n) <= 2 for p in paths for n in p.nodes)


def test_every_path_ends_at_an_ending_with_outcome_and_grade(loop):
    paths = explore(loop).paths
    assert {p.outcome for p in paths} == {"mailed", "refused", "invalid_number"}
    assert all(loop.nodes[p.nodes[-1]].end == p.outcome for p in paths)
    by_grade = {}
    for p in paths:
        by_grade[p.grade] = by_grade.get(p.grade, 0) + 1
    # mailed with star 3 or 5 → 好 (2 hello-rounds × 2 stars × 2 address-rounds); skipped star → 勉强
    assert by_grade["好"] == 8
    assert by_grade["勉强"] == 4
    assert by_grade[None] == 20


def test_input_values_from_grading_thresholds(loop):
    assert input_values(loop, loop.nodes["star"]) == ["1", "2", "3", "5"]
    ctrip = load_script(CTRIP)
    assert input_values(ctrip, ctrip.nodes["ask_star"]) == ["1", "2", "3", "5"]  # ge 2, ge 3, le 2
    assert input_values(ctrip, ctrip.nodes["ask_address"]) == ["上海市长宁区金钟路968号"]
    # no threshold in the grading: bounds and the middle
    text = LOOP.read_text(encoding="utf-8").replace("{fact: hotel_star, ge: 3}", "{fact: hotel_star, known: true}")
    plain = load_script_text(text)
    assert input_values(plain, plain.nodes["star"]) == ["1", "3", "5"]


def test_input_range_narrowed_by_the_node(loop):
    text = LOOP.read_text(encoding="utf-8").replace(
        "      hint: 1–5\n", "      hint: 1–5\n      min: 2\n      max: 4\n"
    )
    narrowed = load_script_text(text)
    assert input_values(narrowed, narrowed.nodes["star"]) == ["2", "3", "4"]


def test_values_override(loop):
    result = explore(loop, values={"hotel_star": ["4"]})
    assert result.values["star"] == ["4"]
    # 2 hello rounds × (1 invalid + (4 | skip) × (2 address rounds + 1 refusal))
    assert len(result.paths) == 2 * (1 + 2 * (2 + 1))
    assert len(result.paths) == len(list(iter_paths(loop, values={"hotel_star": ["4"]})))


def test_limit_truncates(loop):
    result = explore(loop, limit=5)
    assert len(result.paths) == 5 and result.truncated


@pytest.mark.parametrize("path", [LOOP, MINI, CTRIP])
def test_paths_agree_with_call_session(explored, path):
    """Replaying each explored path's answers through CallSession gives the same walk, outcome and grade."""
    script, paths = explored[path]
    step = max(1, len(paths) // 300)  # ctrip has >100k paths: replay a spread sample
    for p in paths[::step]:
        session = run_answers(script, parse_answers(p.answers))
        assert session.path == list(p.nodes)
        assert session.outcome == p.outcome
        grade = session.grade()
        assert (grade.grade, grade.rule_index) == (p.grade, p.rule_index), p.answers
        assert session.facts == p.facts


def test_explored_paths_cover_every_branch(explored, loop):
    for path, (script, paths) in explored.items():
        cov = coverage_of_paths(script, paths)
        assert cov.complete, (path, cov.uncovered_nodes, cov.uncovered_edges)
        assert len(cov.edges) == len(all_edges(script))
    # with a node allowed once per path, the edges that close a loop are never walked
    cov = coverage_of_paths(loop, iter_paths(loop, max_visits=1))
    assert cov.uncovered_edges == [("hello", "3"), ("confirm", "2")]
    assert not cov.uncovered_nodes


def test_cli_paths_table_and_json(run_cli):
    result = run_cli("paths", LOOP)
    assert result.exit_code == 0, result.output
    assert "32 paths from hello" in result.stdout and "11 loop branches cut" in result.stdout
    assert "star ⌨ 1, 2, 3, 5" in result.stdout
    result = run_cli("paths", LOOP, "--json", "--max-visits", "1")
    data = json.loads(result.stdout)
    assert data["count"] == 11 and data["pruned"] == 6
    first = data["paths"][0]
    assert first["answers"] == ["1", {"enter": "1"}, "1", {"enter": "上海市长宁区金钟路968号"}, "1"]
    assert first["nodes"][-1] == "closing" and first["outcome"] == "mailed"
    result = run_cli("paths", LOOP, "--value", "hotel_star=9")
    assert result.exit_code == 2 and "超出范围" in result.stderr
    result = run_cli("paths", LOOP, "--limit", "3", "--rows", "0")
    assert "3 paths" in result.stdout and "there are more" in result.stdout
