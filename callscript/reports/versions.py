"""Script versions: which stored version is which, and 话术版本对比 (``report versions``).

Every call is made with one stored version (``scripts``: the full text, by sha256).
The comparison lists, per script and version in the order they were first used,
the finished calls made with it and three rates **per call** — 有效率 (effective
calls / calls), 寄卡率 (mailed / calls), 好客户率 (好 among effective calls / calls) —
each with its 95% Wilson interval, and the two-sided two-proportion z-test against
the script's previous version (:mod:`callscript.reports.stats`), or "样本太少,无法判断"
when either version is below the guard. The unit is the call, not the lead-day of the
daily table: a version is a property of a call, and a lead called twice in a day may
have heard two versions.

The numbers come from ``script_day`` (kept by triggers, storage migration 9), so the
comparison reads a few hundred rows however many calls there are. What changed
between two versions (``workshop.diff``) is not computed here — reports do not
import the workshop — but by whoever passes ``differ`` (the CLI and the app do).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from callscript.reports.queries import day_range_where
from callscript.reports.stats import Comparison, two_proportion_test, wilson

if TYPE_CHECKING:
    from callscript.script.model import Script


@dataclass(frozen=True, slots=True)
class VersionRef:
    """A stored script version: ``id`` is what ``--script-version`` takes."""

    id: int
    name: str
    title: str
    sha256: str
    first_seen: str

    @property
    def short(self) -> str:
        return f"#{self.id} {self.name} {self.sha256[:8]}"


def list_versions(conn: sqlite3.Connection) -> list[VersionRef]:
    """Every stored version, oldest first (by id: the order they were first used)."""
    rows = conn.execute("SELECT id, name, title, sha256, first_seen_at FROM scripts ORDER BY id").fetchall()
    return [VersionRef(int(i), str(n), str(t or ""), str(s), str(f)) for i, n, t, s, f in rows]


def resolve_version(conn: sqlite3.Connection, spec: str | int) -> VersionRef:
    """A version by id (``7``, ``#7``), by the first characters of its sha256 (at least 4),
    or by script name (its newest version). LookupError with a message a person can act on."""
    versions = list_versions(conn)
    text = str(spec).strip().lstrip("#")
    if not versions:
        raise LookupError("no script versions are stored yet (no call has been made)")
    if text.isdigit():
        for v in versions:
            if v.id == int(text):
                return v
    named = [v for v in versions if v.name == text]
    if named:
        return named[-1]
    if len(text) >= 4:
        matches = [v for v in versions if v.sha256.startswith(text.lower())]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise LookupError(f"{text!r} matches {len(matches)} versions; give more characters of the sha256")
    known = ", ".join(v.short for v in versions[-8:])
    raise LookupError(f"no script version {text!r} (versions: {known}; `callscript report versions` lists them)")


@lru_cache(maxsize=16)
def _parse(source_text: str, path: str) -> Script:
    from callscript.script.loader import load_script_text

    return load_script_text(source_text, path=path)


def load_version_script(conn: sqlite3.Connection, version_id: int) -> Script:
    """The script exactly as the version's calls heard it (parsed from the stored text;
    ScriptError if that text no longer loads)."""
    row = conn.execute("SELECT source_text, path FROM scripts WHERE id = ?", (version_id,)).fetchone()
    if row is None:
        raise LookupError(f"no script version {version_id}")
    return _parse(str(row[0]), str(row[1] or f"<script version {version_id}>"))


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True, slots=True)
class RateFigure:
    """One rate of one version: the count, the rate, its 95% Wilson interval, and the
    test against the previous version (None for a script's first version)."""

    count: int
    calls: int
    versus: Comparison | None
    previous_rate: Fraction | None = None

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.count, self.calls) if self.calls else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.count, self.calls)

    @property
    def verdict(self) -> str:
        """明显更高 / 明显更低 / 差别不明显 / 样本太少,无法判断 (empty for a first version)."""
        if self.versus is None:
            return ""
        if not self.versus.enough:
            return TOO_FEW
        if not self.versus.significant:
            return "差别不明显"
        return "明显更高" if (self.versus.z or 0) > 0 else "明显更低"


TOO_FEW = "样本太少,无法判断"
RATES: tuple[tuple[str, str], ...] = (("effective", "有效率"), ("mailed", "寄卡率"), ("good", "好客户率"))
"""The rates compared, (key, label): 有效率, 寄卡率, 好客户率."""


@dataclass(slots=True)
class VersionRow:
    version: VersionRef
    previous: VersionRef | None
    calls: int
    effective: RateFigure
    mailed: RateFigure
    good: RateFigure
    first_day: date | None
    last_day: date | None
    changes: list[str] | None = None  # what changed since ``previous`` (None: not asked, or a first version)

    def figure(self, key: str) -> RateFigure:
        return {"effective": self.effective, "mailed": self.mailed, "good": self.good}[key]


@dataclass(frozen=True, slots=True)
class VersionsReport:
    """话术版本对比: per stored version, the calls and rates, each against the previous version."""

    start: date | None
    end: date | None
    rows: list[VersionRow] = field(default_factory=list)

    title = "话术版本对比"

    def row(self, version_id: int) -> VersionRow:
        for r in self.rows:
            if r.version.id == version_id:
                return r
        raise KeyError(version_id)


Differ = Callable[["Script", "Script"], Sequence[str]]
"""Given the previous and this version's scripts, the lines saying what changed."""


def compare_versions(
    conn: sqlite3.Connection,
    start: date | None = None,
    end: date | None = None,
    *,
    name: str | None = None,
    differ: Differ | None = None,
) -> VersionsReport:
    """Every stored version (of script ``name``, or of every script), oldest first, with
    its finished calls in the range (all time by default) and the three rates against
    the same script's previous version. ``differ`` adds what changed (``changes``)."""
    where, params = day_range_where(start, end)
    sql = (
        "SELECT script_id, SUM(calls), SUM(effective), SUM(mailed), SUM(good), MIN(day), MAX(day) FROM script_day"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " GROUP BY script_id"
    )
    sums = {int(r[0]): r[1:] for r in conn.execute(sql, params)}
    rows: list[VersionRow] = []
    previous_of: dict[str, tuple[VersionRef, tuple]] = {}
    for version in list_versions(conn):
        if name is not None and version.name != name:
            continue
        calls, effective, mailed, good, first, last = sums.get(version.id, (0, 0, 0, 0, None, None))
        counts = {"effective": int(effective), "mailed": int(mailed), "good": int(good)}
        before = previous_of.get(version.name)
        figures = {}
        for key, _label in RATES:
            if before is None:
                figures[key] = RateFigure(counts[key], int(calls), None)
            else:
                prev_calls, prev_counts = before[1]
                figures[key] = RateFigure(
                    counts[key],
                    int(calls),
                    two_proportion_test(prev_counts[key], prev_calls, counts[key], int(calls)),
                    Fraction(prev_counts[key], prev_calls) if prev_calls else None,
                )
        row = VersionRow(
            version,
            before[0] if before else None,
            int(calls),
            figures["effective"],
            figures["mailed"],
            figures["good"],
            date.fromisoformat(first) if first else None,
            date.fromisoformat(last) if last else None,
        )
        if differ is not None and before is not None:
            row.changes = _changes(conn, differ, before[0], version)
        rows.append(row)
        previous_of[version.name] = (version, (int(calls), counts))
    return VersionsReport(start, end, rows)


def _changes(conn: sqlite3.Connection, differ: Differ, old: VersionRef, new: VersionRef) -> list[str]:
    from callscript.script.problems import ScriptError

    try:
        return list(differ(load_version_script(conn, old.id), load_version_script(conn, new.id)))
    except (ScriptError, LookupError, ValueError) as exc:
        return [f"无法比较 (版本文本读不出来): {exc}"]
