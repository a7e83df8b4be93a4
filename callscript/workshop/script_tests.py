"""Script tests: named cases that walk a script and state how the call must end.

A tests file sits beside its script (``scripts/ctrip.yaml`` → ``scripts/ctrip.tests.yaml``)::

    cases:
      空号:
        answers: ["2"]                 # the replay format: "1", {enter: "3"}, skip, back, {end: callback}
        outcome: invalid_number        # how the call ended (null: still open)
        grade: null                    # the grade the call keeps; null: none (callback, refused, …)
      出差多三星愿意接受:
        answers: ["1", "1", {enter: "3"}, "1", {enter: 上海市…}]
        outcome: mailed
        grade: 好
        rule: 出差或接待机会多,愿意接受,消费能力在三星以上   # the rule label, or its number (1-based)
        facts: {travel: often, hotel_star: 3}            # a subset; null means "must be unknown"
        ends_at: closing                                  # the node where the walk stops

Every field but ``answers`` is optional; only the fields present are checked.
``grade``/``rule`` are the grade the call *keeps* (final: v2 grading) — a call still
open or ended ``callback`` keeps none. ``known: {hotel_star: 4, …}`` starts the call
knowing facts earlier calls learned (carried facts), as a later call on a lead does.
``note:`` is free text. ``xfail: <reason>`` marks a case *known* to fail (the
expectation is right, the script is due to change): it does not fail the run,
and it shows as ``xfail``; once it passes it shows as ``XPASS`` and fails the run,
so the marker is removed when the script is fixed.

Two kinds of trouble, kept apart (the CLI maps them to exit codes):

* **problems** (exit 2): the tests file cannot be read against this script: YAML
  errors, unknown fields, an outcome/grade/fact/node/rule the script does not
  have. Each has a line and column. Loaded with :mod:`callscript.script.yaml_source`.
* **failures** (exit 1): the file is fine but a case does not hold: an answer
  cannot be given at the node the walk reached (e.g. an option was removed), or
  the outcome/grade/rule/facts/end differ from what the case expects.

No Textual, no I/O beyond reading the file in :func:`load_tests_file`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callscript.core.outcomes import OUTCOME_VALUES
from callscript.core.reading import MAX_SCRIPT_BYTES, read_bounded
from callscript.script.facts import FactValueError
from callscript.script.model import Script
from callscript.script.problems import Mark, Problem
from callscript.script.yaml_source import (
    MAP,
    NULL,
    SCALAR,
    SEQ,
    STR,
    YamlSourceError,
    YNode,
    decode_source,
    parse_yaml,
    to_python,
)
from callscript.workshop.path_explorer import Coverage

CASE_FIELDS = ("answers", "known", "outcome", "grade", "rule", "facts", "ends_at", "note", "xfail")
PASS, FAIL, XFAIL, XPASS = "pass", "fail", "xfail", "xpass"
CHECKED = ("outcome", "grade", "rule", "facts", "ends_at")


def default_tests_path(script_path: str | Path) -> Path:
    """``scripts/NAME.yaml`` → ``scripts/NAME.tests.yaml``."""
    path = Path(script_path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.tests.yaml")


@dataclass(frozen=True)
class TestCase:
    name: str
    actions: tuple[tuple[str, str | None], ...]
    expect: dict[str, Any]
    """Only the fields the case states: outcome, grade, rule (label or 1-based index), facts, ends_at."""
    mark: Mark = field(default_factory=lambda: Mark(1, 1))
    note: str = ""
    xfail: str = ""
    """Why this case is *known* to fail: the script is expected to change (see below)."""
    known: dict[str, Any] = field(default_factory=dict)
    """Facts earlier calls on the lead learned: the call starts knowing them (carried facts)."""

    __test__ = False  # not a pytest class


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: Any
    got: Any


@dataclass
class CaseResult:
    case: TestCase
    session: Any = None
    error: str | None = None
    """Set when an answer could not be given: the walk stopped there."""
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """The walk worked and every expectation held."""
        return self.error is None and not self.mismatches

    @property
    def status(self) -> str:
        if self.case.xfail:
            return XPASS if self.matched else XFAIL
        return PASS if self.matched else FAIL

    @property
    def passed(self) -> bool:
        """Fine for the run: passed, or failed as a known failure (``xfail``)."""
        return self.status in (PASS, XFAIL)


@dataclass
class TestReport:
    results: list[CaseResult]
    coverage: Coverage

    __test__ = False

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        return not self.failed


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------
def load_tests_file(path: str | Path, script: Script) -> tuple[list[TestCase], list[Problem]]:
    """Read and check a tests file against ``script``; problems carry line and column."""
    try:
        data = read_bounded(path, MAX_SCRIPT_BYTES)
    except OSError as exc:
        return [], [Problem(Mark(1, 1), f"cannot read the tests file: {exc.strerror or exc}")]
    try:
        text = decode_source(data)
    except YamlSourceError as exc:
        return [], [exc.problem]
    return load_tests_text(text, script)


def load_tests_text(text: str, script: Script) -> tuple[list[TestCase], list[Problem]]:
    try:
        root = parse_yaml(text)
    except YamlSourceError as exc:
        return [], [exc.problem]
    problems: list[Problem] = []
    if root is None or root.kind != MAP:
        return [], [
            Problem(
                root.mark if root else Mark(1, 1),
                "a tests file is a mapping with cases: (name → {answers, outcome, grade, ...})",
            )
        ]
    cases_node = None
    for key, value in root.items:
        if key.kind == SCALAR and key.value == "cases":
            cases_node = value
        else:
            problems.append(Problem(key.mark, f"unknown top-level field '{key.raw}'; a tests file has only cases:"))
    if cases_node is None:
        return [], problems + [Problem(root.mark, "the tests file has no cases:")]
    if cases_node.kind != MAP or not cases_node.items:
        return [], problems + [
            Problem(cases_node.mark, "cases: must map each case name to {answers: [...], outcome: ..., ...}")
        ]
    cases: list[TestCase] = []
    seen: dict[str, int] = {}
    for key, value in cases_node.items:
        name = str(key.value) if key.kind == SCALAR and key.tag != NULL else None
        if not name:
            problems.append(Problem(key.mark, "a case needs a name"))
            continue
        if name in seen:
            problems.append(Problem(key.mark, f"duplicate case name '{name}' (first at line {seen[name]})"))
            continue
        seen[name] = key.mark.line
        case = _case(name, value, script, problems)
        if case is not None:
            cases.append(case)
    return cases, problems


def _case(name: str, node: YNode, script: Script, problems: list[Problem]) -> TestCase | None:
    from callscript.script.answers import AnswerError, parse_answers

    where = f"case '{name}'"
    if node.kind != MAP:
        problems.append(Problem(node.mark, f"{where} must be a mapping with answers: and expectations"))
        return None
    fields: dict[str, YNode] = {}
    before = len(problems)
    for key, value in node.items:
        fname = key.value if key.kind == SCALAR else None
        if fname not in CASE_FIELDS:
            problems.append(
                Problem(key.mark, f"{where}: unknown field '{key.raw}'; expected one of: {', '.join(CASE_FIELDS)}")
            )
        elif fname in fields:
            problems.append(Problem(key.mark, f"{where}: duplicate field '{fname}'"))
        else:
            fields[fname] = value
    actions: list[tuple[str, str | None]] = []
    answers = fields.get("answers")
    if answers is None:
        problems.append(Problem(node.mark, f'{where} has no answers: (a list such as ["1", {{enter: "3"}}, skip])'))
    elif answers.kind != SEQ:
        problems.append(Problem(answers.mark, f"{where}: answers must be a list"))
    else:
        for index, item in enumerate(answers.items, start=1):
            try:
                (action,) = parse_answers([to_python(item)])
            except AnswerError as exc:
                problems.append(Problem(item.mark, f"{where}: " + str(exc).replace("answer 1", f"answer {index}", 1)))
                continue
            except YamlSourceError as exc:
                problems.append(exc.problem)
                continue
            if action[0] == "end" and action[1] not in OUTCOME_VALUES:
                problems.append(
                    Problem(
                        item.mark,
                        f"{where}: answer {index}: unknown outcome '{action[1]}'; one of {', '.join(OUTCOME_VALUES)}",
                    )
                )
                continue
            actions.append(action)
    expect: dict[str, Any] = {}
    if "outcome" in fields:
        v = fields["outcome"]
        if v.kind == SCALAR and v.tag == NULL:
            expect["outcome"] = None
        elif v.kind == SCALAR and v.tag == STR and v.value in OUTCOME_VALUES:
            expect["outcome"] = v.value
        else:
            problems.append(
                Problem(
                    v.mark,
                    f"{where}: outcome '{v.raw}' is not one of {', '.join(OUTCOME_VALUES)} (or null for a call still open)",
                )
            )
    if "grade" in fields:
        v = fields["grade"]
        grades = script.grading.grades or tuple(r.grade for r in script.grading.rules)
        if v.kind == SCALAR and v.tag == NULL:
            expect["grade"] = None
        elif v.kind == SCALAR and v.tag == STR and v.value in grades:
            expect["grade"] = v.value
        else:
            problems.append(
                Problem(
                    v.mark,
                    f"{where}: grade '{v.raw}' is not a grade of this script ({', '.join(grades) or 'none'}); null means no grade",
                )
            )
    if "rule" in fields:
        v = fields["rule"]
        labels = [r.label for r in script.grading.rules]
        indexes = [r.index for r in script.grading.rules]
        if v.kind == SCALAR and v.tag == NULL:
            expect["rule"] = None
        elif (
            v.kind == SCALAR and isinstance(v.value, int) and not isinstance(v.value, bool) and v.value in indexes
        ) or (v.kind == SCALAR and v.tag == STR and v.value in labels):
            expect["rule"] = v.value
        else:
            problems.append(
                Problem(
                    v.mark,
                    f"{where}: rule '{v.raw}' is neither the label nor the number (1–{len(labels)}) of a grading rule",
                )
            )
    if "facts" in fields:
        facts = _fact_values(fields["facts"], "facts", where, script, problems, null_ok=True)
        if facts is not None:
            expect["facts"] = facts
    known: dict[str, Any] = {}
    if "known" in fields:
        known = _fact_values(fields["known"], "known", where, script, problems, null_ok=False) or {}
        for fname in known:
            if not script.facts[fname].carries:
                problems.append(
                    Problem(
                        fields["known"].mark,
                        f"{where}: known: fact '{fname}' does not carry from earlier calls (it is about one call only)",
                    )
                )
    if "ends_at" in fields:
        v = fields["ends_at"]
        if v.kind == SCALAR and v.tag == STR and v.value in script.nodes:
            expect["ends_at"] = v.value
        else:
            problems.append(Problem(v.mark, f"{where}: ends_at '{v.raw}' names no node of the script"))
    note = xfail = ""
    if "note" in fields and fields["note"].kind == SCALAR:
        note = str(fields["note"].value or "")
    if "xfail" in fields:
        v = fields["xfail"]
        if v.kind == SCALAR and v.tag == STR and v.value.strip():
            xfail = v.value.strip()
        else:
            problems.append(Problem(v.mark, f"{where}: xfail takes the reason the case is known to fail, as text"))
    if len(problems) > before:
        return None
    return TestCase(name, tuple(actions), expect, node.mark, note, xfail, known)


def _fact_values(
    v: YNode, field_name: str, where: str, script: Script, problems: list[Problem], *, null_ok: bool
) -> dict[str, Any] | None:
    """A mapping of fact → value checked against the script's facts (``null``: unknown, where allowed)."""
    if v.kind != MAP:
        problems.append(
            Problem(v.mark, f"{where}: {field_name} must be a mapping such as {{travel: often, hotel_star: 3}}")
        )
        return None
    facts: dict[str, Any] = {}
    for key, value in v.items:
        fname = key.value if key.kind == SCALAR else None
        spec = script.facts.get(fname) if isinstance(fname, str) else None
        if spec is None or not isinstance(fname, str):
            problems.append(Problem(key.mark, f"{where}: unknown fact '{key.raw}'"))
            continue
        if value.kind != SCALAR:
            problems.append(Problem(value.mark, f"{where}: fact '{fname}' takes a single value"))
            continue
        if value.tag == NULL:
            if null_ok:
                facts[fname] = None
            else:
                problems.append(Problem(value.mark, f"{where}: {field_name}: fact '{fname}' needs a value"))
            continue
        raw = value.value
        if spec.type == "text" and not isinstance(raw, str):
            raw = value.raw
        try:
            facts[fname] = spec.check(raw)
        except FactValueError as exc:
            hint = (
                f"; '{value.raw}' is read by YAML as {value.type_word}, put it in quotes"
                if value.plain and value.tag != STR
                else ""
            )
            problems.append(Problem(value.mark, f"{where}: {exc}{hint}"))
    return facts


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------
def run_case(script: Script, case: TestCase) -> CaseResult:
    from callscript.script.answers import walk_answers

    session, error = walk_answers(script, list(case.actions), carried=case.known)
    if error is not None:
        return CaseResult(case, session, error=error)
    result = CaseResult(case, session)
    grade = final_grade(session)
    got = {
        "outcome": session.outcome,
        "grade": grade.grade,
        "ends_at": session.node_id,
    }
    for name in ("outcome", "grade", "ends_at"):
        if name in case.expect and case.expect[name] != got[name]:
            result.mismatches.append(Mismatch(name, case.expect[name], got[name]))
    if "rule" in case.expect:
        expected = case.expect["rule"]
        actual: Any = grade.rule_index if isinstance(expected, int) else grade.rule_label
        if expected != actual:
            shown = (
                None
                if grade.rule_index is None
                else (f"{grade.rule_index}. {grade.rule_label}" if isinstance(expected, int) else grade.rule_label)
            )
            result.mismatches.append(Mismatch("rule", expected, shown))
    if "facts" in case.expect:
        facts = session.facts
        for name, value in case.expect["facts"].items():
            if facts.get(name) != value:
                result.mismatches.append(Mismatch(f"facts.{name}", value, facts.get(name)))
    return result


def final_grade(session: Any) -> Any:
    """The grade a call keeps (``grade_call``'s final one): what a case's ``grade``/``rule``
    state. A call still open or ended ``callback`` keeps none (its 暂定 grade is not checked)."""
    from callscript.script.grading import GradeResult

    grade = session.grade()
    if grade.final:
        return grade
    return GradeResult(None, None, None, grade.conditions, grade.qualified, grade.excluded_by)


def run_tests(script: Script, cases: list[TestCase]) -> TestReport:
    """Run every case; the report's coverage counts what the walks reached (failed walks too)."""
    coverage = Coverage(script)
    results = []
    for case in cases:
        result = run_case(script, case)
        if result.session is not None:
            coverage.add_session(result.session)
        results.append(result)
    return TestReport(results, coverage)


def tests_coverage(script: Script, tests_path: str | Path) -> tuple[Coverage | None, list[Problem]]:
    """Coverage of a script by its tests file (``None`` and the problems if the file is invalid)."""
    cases, problems = load_tests_file(tests_path, script)
    if any(p.is_error for p in problems):
        return None, problems
    return run_tests(script, cases).coverage, problems


def show_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
