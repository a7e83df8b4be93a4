"""The validator, error by error (issue 2 item 3, issue 3 item 1).

Each broken script under tests/scripts/broken/ carries one kind of mistake (one
carries many). Every test asserts the *whole* list of problems, each with its exact
``line:col`` and message as the supervisor sees it (``Problem.format``), so a
missing error, an extra (cascading) error or a moved position all fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callscript.script.loader import load_script_text, validate_file, validate_text
from callscript.script.problems import ScriptError, sort_problems

HERE = Path(__file__).parent
BROKEN = HERE / "scripts" / "broken"
MINI = HERE / "scripts" / "mini.yaml"

FACT_NAMES = (
    "reached, via_receptionist, travel, hosts_clients, leisure_travel, books_self, booking_method, "
    "other_center_name, other_center_member, needs, hotel_star, price_range, expense, accepts, "
    "is_member, refers_friends, booked_on_call, address"
)
KNOWN_VARIABLES = (
    "accepts, address, agent_name, agent_surname, booked_on_call, booking_method, books_self, contact_department, "
    "contact_name, contact_surname, contact_title, contact_unit, expense, hosts_clients, hotel_star, is_member, "
    "lead_company, leisure_travel, needs, "
    "other_center_member, other_center_name, our_company, phone, price_range, reached, refers_friends, travel, "
    "via_receptionist"
)
TAG_RULE = "is not allowed: scripts are plain YAML (no tags such as !!python/...)"


def report(name: str) -> tuple[object, list[str]]:
    """Validate tests/scripts/broken/<name>.yaml; problems as ``<name>.yaml:line:col: severity: message``."""
    script, problems = validate_file(BROKEN / f"{name}.yaml")
    return script, [p.format(f"{name}.yaml") for p in sort_problems(problems)]


def report_text(text: str) -> tuple[object, list[str]]:
    script, problems = validate_text(text, "t.yaml")
    return script, [p.format("t.yaml") for p in sort_problems(problems)]


CASES: dict[str, list[str]] = {
    "yaml_syntax": [
        "yaml_syntax.yaml:9:1: error: YAML syntax: found unexpected end of stream (while scanning a quoted scalar that starts at line 7, column 12)",
    ],
    "wrong_types": [
        "wrong_types.yaml:3:10: error: script title must be text, found a list",
        "wrong_types.yaml:10:7: error: options in node 'hello' must be a non-empty list",
        "wrong_types.yaml:15:10: error: say in node 'bye' must be text, found a mapping",
    ],
    "yaml11_keys": [
        "yaml11_keys.yaml:10:14: error: option key in node 'hello': 'yes' is read by YAML as the boolean true; put it in quotes: \"yes\"",
        "yaml11_keys.yaml:13:14: error: option key in node 'hello': 'no' is read by YAML as the boolean false; put it in quotes: \"no\"",
        "yaml11_keys.yaml:16:14: error: option key in node 'hello': 'on' is read by YAML as the boolean true; put it in quotes: \"on\"",
        "yaml11_keys.yaml:19:14: error: option key in node 'hello': '010' is read by YAML as the number 8; put it in quotes: \"010\"",
        # 08 is not an octal number, so YAML reads it as the text "08": two characters.
        "yaml11_keys.yaml:22:14: error: option key '08' in node 'hello' must be one character: 1-9, 0 or a letter",
    ],
    "accepts_unquoted": [
        "accepts_unquoted.yaml:12:24: error: set in node 'hello': 'yes' is read by YAML as the boolean true, but fact 'accepts' takes one of yes, reluctant, later, no; put it in quotes: \"yes\"",
        "accepts_unquoted.yaml:16:24: error: set in node 'hello': 'no' is read by YAML as the boolean false, but fact 'accepts' takes one of yes, reluctant, later, no; put it in quotes: \"no\"",
    ],
    "missing_fields": [
        "missing_fields.yaml:2:3: error: script is missing required field 'start'",
        "missing_fields.yaml:6:5: error: node 'hello' is missing required field 'title'",
        "missing_fields.yaml:8:9: error: option in node 'hello' is missing required field 'next'",
        "missing_fields.yaml:11:5: error: node 'bye' needs one of options:, input: or end:",
    ],
    "duplicate_ids": [
        "duplicate_ids.yaml:17:3: error: duplicate node id 'hello' (first at line 6)",
    ],
    "duplicate_keys": [
        "duplicate_keys.yaml:16:14: error: duplicate option key '1' in node 'hello' (first at line 10)",
    ],
    "dangling_next": [
        "dangling_next.yaml:15:15: error: option '2' of node 'hello' goes to 'receptionist', which is not a node",
        "dangling_next.yaml:17:5: error: node 'star' cannot be reached from the start node 'hello'",
        "dangling_next.yaml:20:11: error: next of node 'star' goes to 'closing', which is not a node",
    ],
    "unreachable": [
        "unreachable.yaml:14:5: error: node 'orphan' cannot be reached from the start node 'hello'",
    ],
    "loop_no_exit": [
        "loop_no_exit.yaml:17:5: error: no path from node 'ask' reaches an ending (a loop with no way out)",
        "loop_no_exit.yaml:24:5: error: no path from node 'again' reaches an ending (a loop with no way out)",
    ],
    "unknown_fact": [
        f"unknown_fact.yaml:12:39: error: unknown fact 'travles' in node 'hello'; declare it under facts: or use one of {FACT_NAMES}",
        "unknown_fact.yaml:17:19: error: unknown fact 'hotel_stars' in input of node 'star'",
    ],
    "bad_fact_value": [
        "bad_fact_value.yaml:12:23: error: set in node 'hello': fact 'travel' cannot be 'sometimes'; it takes one of often, rarely, never",
        "bad_fact_value.yaml:16:27: error: set in node 'hello': fact 'hotel_star' cannot be '6'; it takes a whole number 1–5",
        "bad_fact_value.yaml:20:24: error: set in node 'hello': fact 'reached' cannot be 'yes'; it takes true or false",
    ],
    "unknown_variable": [
        f"unknown_variable.yaml:8:10: error: say in node 'hello': unknown variable {{agent_surnme}}; known: {KNOWN_VARIABLES}",
        f"unknown_variable.yaml:9:11: error: tips in node 'hello': unknown variable {{contact}}; known: {KNOWN_VARIABLES}",
        f"unknown_variable.yaml:16:10: error: say in node 'bye': unknown variable {{hotline}}; known: {KNOWN_VARIABLES}",
    ],
    "python_tag": [
        f"python_tag.yaml:3:10: error: the tag 'tag:yaml.org,2002:python/object/apply:os.system' {TAG_RULE}",
    ],
    "python_tag_scalar": [
        f"python_tag_scalar.yaml:2:9: error: the tag 'tag:yaml.org,2002:python/name:os.system' {TAG_RULE}",
    ],
    "grading_errors": [
        "grading_errors.yaml:17:18: error: condition 'travel_or_host': unknown fact 'hosts_client'",
        "grading_errors.yaml:24:33: error: exclusion when: fact 'accepts' cannot be 'never'; it takes one of yes, reluctant, later, no",
        "grading_errors.yaml:30:25: error: rule 1: unknown condition 'travel_or_hots'; declared: hotel_2star, travel_or_host",
        "grading_errors.yaml:32:14: error: rule 2: grade '很好' is not declared in grades: [好, 一般, 勉强]",
        "grading_errors.yaml:37:32: error: rule 3: fact 'travel' cannot be 'seldom'; it takes one of often, rarely, never",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_error_exact_position_and_message(name: str) -> None:
    script, lines = report(name)
    assert script is None
    assert lines == CASES[name]


def test_a_file_with_many_errors_lists_them_all() -> None:
    script, lines = report("many_errors")
    assert script is None
    assert lines == [
        f"many_errors.yaml:9:10: error: say in node 'hello': unknown variable {{agent_surnme}}; known: {KNOWN_VARIABLES}",
        "many_errors.yaml:11:14: error: option key in node 'hello': 'no' is read by YAML as the boolean false; put it in quotes: \"no\"",
        "many_errors.yaml:16:24: error: set in node 'hello': 'yes' is read by YAML as the boolean true, but fact 'accepts' takes one of yes, reluctant, later, no; put it in quotes: \"yes\"",
        f"many_errors.yaml:16:37: error: unknown fact 'travle' in node 'hello'; declare it under facts: or use one of {FACT_NAMES}",
        "many_errors.yaml:18:14: error: duplicate option key '1' in node 'hello' (first at line 14)",
        "many_errors.yaml:20:15: error: option '1' of node 'hello' goes to 'receptionist', which is not a node",
        "many_errors.yaml:22:5: error: node 'star' is missing required field 'say'",
        "many_errors.yaml:26:5: error: node 'orphan' cannot be reached from the start node 'hello'",
        "many_errors.yaml:26:5: warning: ending 'orphan' says no thanks or goodbye (谢谢/再见) to someone on the line",
        "many_errors.yaml:33:3: error: duplicate node id 'bye' (first at line 29)",
    ]


def test_warnings_alone_leave_the_script_usable() -> None:
    script, lines = report("warnings")
    assert script is not None
    assert lines == [
        "warnings.yaml:6:12: warning: variable 'hotline' is declared but never used",
        "warnings.yaml:15:9: warning: option label '本人' appears twice in node 'hello'",
        "warnings.yaml:19:5: warning: ending 'bye' says no thanks or goodbye (谢谢/再见) to someone on the line",
    ]
    assert sorted(p.message for p in script.warnings) == sorted(line.split(": warning: ")[1] for line in lines)


def test_load_script_raises_with_every_problem() -> None:
    text = (BROKEN / "accepts_unquoted.yaml").read_text(encoding="utf-8")
    with pytest.raises(ScriptError) as info:
        load_script_text(text, "a.yaml")
    assert info.value.report().splitlines() == [
        line.replace("accepts_unquoted.yaml", "a.yaml") for line in CASES["accepts_unquoted"]
    ]


def test_the_example_scripts_are_valid() -> None:
    script, problems = validate_file(MINI)
    assert script is not None, problems
    assert not [p for p in problems if p.is_error]


# -- small inline cases ---------------------------------------------------------

HEAD = "script:\n  name: t\n  title: 测试\n  start: a\nnodes:\n"
END_NODE = "  z:\n    title: 道别\n    say: 谢谢,再见\n    end: refused\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["t.yaml:1:1: error: the file is empty; a script needs script: and nodes:"]),
        ("  \n\t\n   \n", ["t.yaml:1:1: error: the file is empty; a script needs script: and nodes:"]),
        ("# only a comment\n", ["t.yaml:1:1: error: the file is empty; a script needs script: and nodes:"]),
        ("- a\n- b\n", ["t.yaml:1:1: error: the script file must be a mapping, found a list"]),
        (
            "script: {name: t, title: 测试, start: a}\nnode: {}\n",
            [
                "t.yaml:1:1: error: the script file is missing required field 'nodes'",
                "t.yaml:2:1: error: unknown field 'node' in the script file; expected one of: script, nodes, variables, facts, grading",
            ],
        ),
        (
            HEAD
            + '  a:\n    title: 开场\n    say: 您好\n    options:\n      - {key: "1", label: 好, next: z}\n'
            + END_NODE
            + "---\nx: 1\n",
            ["t.yaml:15:1: error: a script is one YAML document, but a second one starts here"],
        ),
        (
            HEAD + "  a:\n    title: 2024-01-01\n    say: 您好\n    end: refused\n",
            [
                "t.yaml:7:12: error: title of node 'a': '2024-01-01' is read by YAML as a date; put it in quotes: \"2024-01-01\""
            ],
        ),
        (
            HEAD.replace("start: a", "start: nowhere") + END_NODE,
            ["t.yaml:4:10: error: start node 'nowhere' is not a node"],
        ),
        (
            HEAD + "  a:\n    title: 开场\n    say: 您好\n    end: hung_up\n",
            [
                "t.yaml:9:10: error: end of node 'a': 'hung_up' is not an outcome; use one of invalid_number, no_answer, busy, callback, refused, not_qualified, mailed, member_care"
            ],
        ),
        (
            HEAD + "  a:\n    title: 开场\n    say: 您好\n    input: {fact: reached}\n    next: z\n" + END_NODE,
            ["t.yaml:9:19: error: input of node 'a': 'reached' is true/false; ask it with options, not a typed input"],
        ),
        (
            HEAD
            + '  a:\n    title: 开场\n    say: 您好\n    options:\n      - {key: "1", label: 好, set: !!python/object:os.system {x: 1}, next: z}\n'
            + END_NODE,
            [f"t.yaml:10:35: error: the tag 'tag:yaml.org,2002:python/object:os.system' {TAG_RULE}"],
        ),
        (
            HEAD
            + '  a:\n    title: 开场\n    say: 您好\n    options:\n      - {key: "1", label: 好, next: z}\n    end: refused\n'
            + END_NODE,
            ["t.yaml:11:10: error: node 'a' has both options: and end:; a node is one kind"],
        ),
        (
            HEAD
            + '  a:\n    title: 开场\n    say: 您好 {{literal}} braces\n    options:\n      - {key: "1", label: "{oops", next: z}\n'
            + END_NODE,
            [
                "t.yaml:10:27: error: option label in node 'a': bad braces in line (expected '}' before end of string); write {{ and }} for literal braces"
            ],
        ),
    ],
    ids=[
        "empty",
        "whitespace",
        "comment-only",
        "list",
        "typo-top-key",
        "two-documents",
        "date",
        "bad-start",
        "bad-outcome",
        "bool-input",
        "python-tag-in-set",
        "two-kinds",
        "bad-braces",
    ],
)
def test_inline_errors(text: str, expected: list[str]) -> None:
    script, lines = report_text(text)
    assert script is None
    assert lines == expected


def test_quoted_keys_and_values_are_fine() -> None:
    text = (
        HEAD
        + (
            "  a:\n    title: 开场\n    say: 您好\n    options:\n"
            '      - {key: "y", label: 是, set: {accepts: "yes"}, next: z}\n'
            '      - {key: "n", label: 否, set: {accepts: "no"}, next: z}\n'
            "      - {key: 0, label: 零, next: z}\n"
        )
        + END_NODE
    )
    script, lines = report_text(text)
    assert lines == []
    assert script is not None
    assert [(o.key, o.sets) for o in script.nodes["a"].options] == [
        ("y", (("accepts", "yes"),)),
        ("n", (("accepts", "no"),)),
        ("0", ()),
    ]
