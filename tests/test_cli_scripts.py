"""The supervisor's script commands: validate, replay, grade (issues 2 and 3).

Run in-process through click's CliRunner (fast); one test also runs the real
``python -m callscript`` to prove the module entry point and exit code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from callscript.cli.main import cli

HERE = Path(__file__).parent
ROOT = HERE.parent
MINI = HERE / "scripts" / "mini.yaml"
BROKEN = HERE / "scripts" / "broken"
CTRIP = ROOT / "scripts" / "ctrip.yaml"

PROBLEM_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.+)$")


def run(*args: str, tmp_path: Path | None = None):
    result = CliRunner().invoke(cli, list(args))
    # Never a traceback: click turns SystemExit into exit_code; anything else is a crash.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


# -- validate ---------------------------------------------------------------------


def test_validate_ok_exits_0_with_a_summary() -> None:
    result = run("validate", str(MINI))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{MINI}: ok (7 nodes, 0 error(s), 0 warning(s))"]
    assert result.stderr == ""


def test_validate_warnings_only_exits_0() -> None:
    path = BROKEN / "warnings.yaml"
    result = run("validate", str(path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [PROBLEM_LINE.match(line)["severity"] for line in lines[:-1]] == ["warning"] * 3
    assert lines[-1] == f"{path}: ok (2 nodes, 0 error(s), 3 warning(s))"


def test_validate_errors_exit_2_one_line_per_problem() -> None:
    path = BROKEN / "many_errors.yaml"
    result = run("validate", str(path))
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert errors[-1] == f"{path}: invalid (9 error(s), 1 warning(s))"
    parsed = [PROBLEM_LINE.match(line) for line in errors[:-1]]
    assert all(parsed), errors
    assert {m["path"] for m in parsed} == {str(path)}
    assert [(int(m["line"]), int(m["col"])) for m in parsed] == [
        (9, 10),
        (11, 14),
        (16, 24),
        (16, 37),
        (18, 14),
        (20, 15),
        (22, 5),
        (26, 5),
        (33, 3),
    ]
    # the one warning goes to stdout, in the same shape
    assert PROBLEM_LINE.match(result.stdout.strip())["severity"] == "warning"


def test_validate_several_paths_and_quiet() -> None:
    bad = BROKEN / "unreachable.yaml"
    result = run("validate", "-q", str(MINI), str(bad))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{bad}:14:5: error: node 'orphan' cannot be reached from the start node 'hello'"
    ]


def test_validate_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run("validate", "-q", str(missing))
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"{missing}:1:1: error: cannot read the file: No such file or directory"]


def test_validate_through_python_dash_m(tmp_path: Path) -> None:
    """The real entry point: exit status 2 and the path:line:col shape on stderr."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("script:\n  name: x\n  title: [1]\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "callscript", "validate", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0] == f"{bad}:1:1: error: the script file is missing required field 'nodes'"


# -- replay -----------------------------------------------------------------------


def test_replay_json_reports_path_facts_outcome_and_grade(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text('- "1"\n- enter: "4"\n- "1"\n- enter: 上海市南京西路1号\n', encoding="utf-8")
    result = run("replay", str(MINI), "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "path": ["hello", "star", "accept", "address", "closing"],
        "node": "closing",
        "finished": True,
        "outcome": "mailed",
        "facts": {
            "reached": True,
            "hotel_star": 4,
            "accepts": "yes",
            "travel": "often",
            "address": "上海市南京西路1号",
        },
        "grade": "好",
        "qualified": True,
        "conditions": {"travel_or_host": True, "hotel_2star": True},
        "rule": "出差多愿意接受三星以上",
        "final": True,
    }


def test_replay_json_unfinished_call_with_skip_and_back(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": ["1", "skip", "back", "skip"]}), encoding="utf-8")
    result = run("replay", str(MINI), "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["path"], summary["finished"], summary["outcome"]) == (["hello", "star", "accept"], False, None)
    assert (summary["grade"], summary["rule"], summary["final"]) == ("勉强", "问不到消费标准", False)  # 暂定
    assert summary["conditions"] == {"travel_or_host": None, "hotel_2star": None}


def test_replay_text_output(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text('["1", skip, "2"]\n', encoding="utf-8")
    result = run("replay", str(MINI), "--answers", str(answers))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "路径: 开场白 › 星级 › 是否接受 › 道别",
        "事实: reached=True, accepts=no",
        "结果: not_qualified",
        "评级: 无  (客户不要)",
        "  ? travel_or_host  经常出差或接待客户",
        "  ? hotel_2star  二星以上",
        "准客户: 否",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '["1", "9"]',
            "error: answer 2 (choose 9) at node 'star': no option '9' at 星级; keys: none (this node takes typed input)",
        ),
        ('["1", {enter: "7"}]', "error: answer 2 (enter 7) at node 'star': 超出范围: 1–5"),
        ("[back]", "error: answer 1 (back ) at node 'hello': already at the start of the call"),
        ("[yes]", 'error: answer 1: True is not a key; quote keys such as "1"'),
        ("{a: 1}", 'error: answers must be a list, e.g. ["1", {enter: "3"}, skip, back]'),
        ("[{jump: x}]", "error: answer 1: unknown action 'jump'; use a key, enter:, end:, skip or back"),
        ("[1, [", "error: {path}:2:1: YAML syntax: did not find expected node content (while parsing a flow node)"),
    ],
    ids=["wrong-key", "out-of-range", "back-at-start", "yaml-bool", "not-a-list", "unknown-action", "broken-yaml"],
)
def test_replay_bad_answers_exit_2_with_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(content, encoding="utf-8")
    result = run("replay", str(MINI), "--answers", str(answers), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message.replace("{path}", str(answers))]


def test_replay_of_a_broken_script_lists_its_problems(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("[]", encoding="utf-8")
    script = BROKEN / "duplicate_ids.yaml"
    result = run("replay", str(script), "--answers", str(answers))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{script}:17:3: error: duplicate node id 'hello' (first at line 6)"]


# -- grade ------------------------------------------------------------------------


def grade_json(tmp_path: Path, facts: object, *extra: str):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return run("grade", "--facts", str(path), "--script", str(MINI), "--json", *extra)


def test_grade_json_has_exactly_the_documented_shape(tmp_path: Path) -> None:
    result = grade_json(tmp_path, {"travel": "often", "accepts": "yes", "hotel_star": 4})
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["grade", "qualified", "conditions", "rule", "final"]
    assert data == {
        "grade": "好",
        "qualified": True,
        "conditions": {"travel_or_host": True, "hotel_2star": True},
        "rule": "出差多愿意接受三星以上",
        "final": True,
    }
    assert result.stdout.count("\n") == 1  # one line of JSON


def test_grade_json_nulls_for_no_grade_and_unknown_conditions(tmp_path: Path) -> None:
    result = grade_json(tmp_path, {"accepts": "no", "hotel_star": None, "travel": "rarely"})
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "grade": None,
        "qualified": False,
        "conditions": {"travel_or_host": None, "hotel_2star": None},
        "rule": None,
        "final": True,
    }


def test_grade_reads_yaml_facts_and_prints_text(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text('travel: often\naccepts: "yes"\nhotel_star: 2\n', encoding="utf-8")
    result = run("grade", "--facts", str(path), "--script", str(MINI))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "评级: 无",
        "  ✓ travel_or_host  经常出差或接待客户",
        "  ✓ hotel_2star  二星以上",
        "准客户: 是",
    ]


@pytest.mark.skipif(not CTRIP.exists(), reason="scripts/ctrip.yaml not written yet")
def test_grade_defaults_to_the_shipped_script(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"travel": "often", "books_self": true, "hotel_star": 3, "accepts": "yes"}', encoding="utf-8")
    result = run("grade", "--facts", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "grade": "好",
        "qualified": True,
        "conditions": {"travel_or_host": True, "booking_match": True, "hotel_2star": True},
        "rule": "出差或接待机会多,愿意接受,消费能力在三星以上",
        "final": True,
    }


GOOD_FACTS = '{"reached": true, "travel": "often", "books_self": true, "hotel_star": 3, "accepts": "yes"}'


@pytest.mark.parametrize(
    ("outcome", "grade", "final"),
    [
        ("mailed", "好", True),
        ("not_qualified", "好", True),
        ("member_care", "好", True),
        ("refused", None, True),  # refused keeps no grade, whatever the facts
        ("callback", "好", False),  # no final grade: the 暂定 one
        ("running", "好", False),
        ("no_answer", None, True),
    ],
)
def test_grade_outcome_says_when_the_grade_is_final(tmp_path: Path, outcome: str, grade, final: bool) -> None:
    path = tmp_path / "facts.json"
    path.write_text(GOOD_FACTS, encoding="utf-8")
    result = run("grade", "--facts", str(path), "--outcome", outcome, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["grade"], data["final"]) == (grade, final)


def test_grade_text_marks_a_provisional_grade(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(GOOD_FACTS, encoding="utf-8")
    result = run("grade", "--facts", str(path), "--outcome", "callback")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "评级: 好 (暂定)  ← 出差或接待机会多,愿意接受,消费能力在三星以上"
    path.write_text('{"travel": "often"}', encoding="utf-8")  # nobody reached yet
    result = run("grade", "--facts", str(path), "--outcome", "running")
    assert result.stdout.splitlines()[0] == "评级: 无  (未联系到本人)"


FACT_NAMES = (
    "reached, via_receptionist, travel, hosts_clients, leisure_travel, books_self, booking_method, "
    "other_center_name, other_center_member, needs, hotel_star, price_range, expense, accepts, "
    "is_member, refers_friends, booked_on_call, address"
)
NOT_A_MAPPING = 'facts must be a mapping of fact name to value, such as {"travel": "often", "hotel_star": 3}; found '


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("unknown.json", b'{"travle": "often"}', f"unknown fact 'travle' (known: {FACT_NAMES})"),
        (
            "badvalue.json",
            b'{"travel": "sometimes"}',
            "fact 'travel' takes one of often, rarely, never; not 'sometimes'",
        ),
        ("badstar.json", b'{"hotel_star": 6}', "fact 'hotel_star' must be between 1 and 5, not 6"),
        ("stringstar.json", b'{"hotel_star": "3"}', "fact 'hotel_star' is a whole number, not '3'"),
        (
            "boolenum.yaml",
            b"accepts: yes\n",
            "fact 'accepts' takes one of yes, reluctant, later, no; not True (YAML reads unquoted yes/no/on/off as true/false; put the value in quotes)",
        ),
        ("list.json", b"[1, 2]", NOT_A_MAPPING + "a list"),
        ("text.yaml", b"just words\n", NOT_A_MAPPING + "the text 'just words'"),
        ("empty.yaml", b"", NOT_A_MAPPING + "nothing (the file is empty)"),
    ],
)
def test_grade_bad_facts_exit_2_with_a_clear_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run("grade", "--facts", str(path), "--script", str(MINI), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {path}: {message}"]


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        (
            "broken.yaml",
            b"travel: [often\n",
            ":2:1: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence that starts at line 1, column 9)",
        ),
        ("broken.json", b'{"travel": "often",}', ":1:20: Expecting property name enclosed in double quotes"),
        ("binary.yaml", b"travel: \xff\xfe\x00", ":1:9: the file is not UTF-8 text (binary data or another encoding)"),
        ("nul.yaml", b"travel: often\x00", ":1:14: the file contains a NUL byte: it is binary, not a YAML text file"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, ": the JSON is nested too deeply"),
        (
            "bignumber.json",
            b'{"hotel_star": 1' + b"0" * 5000 + b"}",
            ": cannot read the JSON (Exceeds the limit (4300 digits) for integer string conversion: value has 5001 digits)",
        ),
        (
            "bomb.yaml",
            b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + b"".join(
                b"%c: &%c [" % (98 + i, 98 + i) + b", ".join([b"*%c" % (97 + i)] * 10) + b"]\n" for i in range(8)
            ),
            ":6:8: with its aliases the document expands to more than 200000 values (an alias bomb?); refusing to read further",
        ),
    ],
)
def test_grade_unreadable_facts_file_exit_2_with_position(
    tmp_path: Path, name: str, content: bytes, where: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run("grade", "--facts", str(path), "--script", str(MINI))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {path}{where}"]


def test_grade_missing_facts_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    result = run("grade", "--facts", str(path), "--script", str(MINI))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {path}: cannot read: No such file or directory"]
