"""Problems found in a script (or any user file): where, how bad, what.

Every check in callscript reports through :class:`Problem` so that the supervisor
always sees the same ``path:line:col: severity: message`` shape, whatever found it.
Lines and columns are 1-based, as editors show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Mark:
    """A position in a source file (1-based line and column)."""

    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Problem:
    mark: Mark
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self, path: str) -> str:
        return f"{path}:{self.mark.line}:{self.mark.col}: {self.severity.value}: {self.message}"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, errors before warnings at the same spot."""
    return sorted(problems, key=lambda p: (p.mark.line, p.mark.col, p.severity != Severity.ERROR, p.message))


class ScriptError(Exception):
    """Raised when a script cannot be used; carries every problem found."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = sort_problems(problems)
        errors = [p for p in self.problems if p.is_error]
        first = errors[0].format(path) if errors else path
        super().__init__(f"{len(errors)} error(s) in {path}; first: {first}")

    def report(self) -> str:
        return "\n".join(p.format(self.path) for p in self.problems)
