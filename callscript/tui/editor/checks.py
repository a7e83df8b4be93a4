"""What the editor's worker thread computes from the text: validation, then the sidecar tests.

No Textual here: these run in a thread worker (the event loop never waits for them)
and hand back frozen results tagged with the text's ``revision``, so the screen can
drop a result the supervisor has already typed past.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from callscript.script.loader import validate_text
from callscript.script.model import Script
from callscript.script.problems import Problem, sort_problems
from callscript.workshop.path_explorer import Coverage
from callscript.workshop.revalidate import Revalidator
from callscript.workshop.script_tests import load_tests_file, run_tests


def text_sha(text: str) -> str:
    """The text's identity: the editor compares it with what was last saved and published."""
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
    """A script test that failed, and why (in the supervisor's words)."""

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

    __test__ = False  # not a pytest test class


def run_sidecar_tests(script: Script, tests_path: Path, revision: int = 0) -> TestsResult:
    """Run ``NAME.tests.yaml`` against ``script``: passes, failures with their reasons, coverage."""
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
