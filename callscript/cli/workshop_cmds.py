"""The supervisor's workshop without a screen: ``test``, ``paths``, ``diff``.

Thin layers over :mod:`callscript.workshop.script_tests`, :mod:`callscript.workshop.path_explorer` and
:mod:`callscript.workshop.diff`. Exit codes: 0 fine, 1 a test failed (or, with
``paths --uncovered``, something is uncovered), 2 a file cannot be used.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from callscript.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    BadInput,
    db_option,
    load_script_or_exit,
    script_path_or_default,
)
from callscript.cli.params import Count

PathArg = click.Path(dir_okay=False, path_type=Path)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _load_cases_or_exit(script: Any, script_path: Path, tests_path: Path | None):
    from callscript.script.problems import sort_problems
    from callscript.workshop.script_tests import default_tests_path, load_tests_file

    path = tests_path or default_tests_path(script_path)
    if not path.exists():
        raise BadInput(
            f"no tests file at {path} (write one beside the script, or pass --tests FILE; see docs/script-format.md)"
        )
    cases, problems = load_tests_file(path, script)
    if any(p.is_error for p in problems):
        for problem in sort_problems(problems):
            click.echo(problem.format(str(path)), err=True)
        errors = sum(p.is_error for p in problems)
        click.echo(f"{path}: invalid ({errors} error(s)); no test was run", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return path, cases


# ---------------------------------------------------------------------------
# test
# ---------------------------------------------------------------------------
@click.command("test")
@click.argument("path", type=PathArg, required=False)
@click.option(
    "--tests",
    "tests_path",
    type=PathArg,
    default=None,
    help="Tests file (default: beside the script, NAME.tests.yaml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--failed-only", is_flag=True, help="List only the cases that failed.")
def test_cmd(path: Path | None, tests_path: Path | None, as_json: bool, failed_only: bool) -> None:
    """Run a script's tests: every case walks the script and must end as stated. Exit 1 on a failure."""
    from rich.markup import escape
    from rich.table import Table

    from callscript.workshop.script_tests import FAIL, PASS, XFAIL, XPASS, run_tests, show_value

    script_path = script_path_or_default(path)
    script = load_script_or_exit(script_path)
    tests_file, cases = _load_cases_or_exit(script, script_path, tests_path)
    report = run_tests(script, cases)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "script": str(script_path),
                    "tests": str(tests_file),
                    "passed": report.passed,
                    "cases": [
                        {
                            "name": r.case.name,
                            "passed": r.passed,
                            "status": r.status,
                            "error": r.error,
                            "mismatches": [
                                {"field": m.field, "expected": m.expected, "got": m.got} for m in r.mismatches
                            ],
                        }
                        for r in report.results
                    ],
                    "coverage": report.coverage.to_json(),
                },
                ensure_ascii=False,
            )
        )
        sys.exit(0 if report.passed else EXIT_FAIL)
    console = _console()
    table = Table(
        title=f"{escape(str(tests_file))} → {escape(script.title)} ({script.sha256[:8]})", title_justify="left"
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("case")
    table.add_column("result")
    table.add_column("expected ≠ got")
    marks = {
        PASS: "[green]✓ pass[/]",
        FAIL: "[bold red]✗ FAIL[/]",
        XFAIL: "[yellow]✗ xfail[/]",
        XPASS: "[bold red]✓ XPASS[/]",
    }
    for number, r in enumerate(report.results, start=1):
        status = r.status
        if failed_only and status == PASS:
            continue
        details = []
        if r.error:
            details.append(f"[red]{escape(r.error)}[/]")
        for m in r.mismatches:
            details.append(
                f"{m.field}: expected [bold]{escape(show_value(m.expected))}[/], got [bold red]{escape(show_value(m.got))}[/]"
            )
        if status == XFAIL:
            details = [f"[dim]{d}[/]" for d in details] + [f"[yellow]known: {escape(r.case.xfail)}[/]"]
        elif status == XPASS:
            details.append(f"marked xfail ({escape(r.case.xfail)}) but now passes: remove the xfail line")
        table.add_row(str(number), escape(r.case.name), marks[status], "\n".join(details))
    console.print(table)
    counts = {key: sum(r.status == key for r in report.results) for key in marks}
    failed = counts[FAIL] + counts[XPASS]
    cov = report.coverage
    extra = "".join(f", {counts[k]} {k}" for k in (XFAIL, XPASS) if counts[k])
    console.print(
        f"{counts[PASS]} passed, {counts[FAIL]} failed{extra} · coverage: {cov.summary()}"
        + (
            ""
            if cov.complete
            else f"  (list them: callscript paths {script_path} --uncovered"
            + (f" --tests {tests_file})" if tests_path else ")")
        )
    )
    sys.exit(EXIT_FAIL if failed else 0)


# ---------------------------------------------------------------------------
# paths
# ---------------------------------------------------------------------------
def _compact(actions: Any, width: int = 12) -> str:
    parts = []
    for kind, value in actions:
        if kind == "choose":
            parts.append(value)
        elif kind == "enter":
            text = value or ""
            parts.append("⌨" + (text if len(text) <= width else text[: width - 1] + "…"))
        elif kind == "skip":
            parts.append("跳过")
        elif kind == "back":
            parts.append("↩")
        else:
            parts.append(f"■{value}")
    return " ".join(parts)


def _parse_values(items: tuple[str, ...]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for item in items:
        name, sep, rest = item.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise BadInput(f"--value {item!r}: write FACT=V1,V2 (e.g. hotel_star=1,3,5)")
        values[name.strip()] = [v.strip() for v in rest.split(",") if v.strip()]
    return values


@click.command("paths")
@click.argument("path", type=PathArg, required=False)
@click.option(
    "--max-visits",
    type=Count(1, 10, "visits"),
    default=2,
    show_default=True,
    help="A node appears at most this many times on one path (bounds loops).",
)
@click.option("--limit", type=Count(1, 10_000_000, "paths"), default=None, help="Stop after this many paths.")
@click.option(
    "--rows",
    type=Count(0, 10_000_000, "rows"),
    default=40,
    show_default=True,
    help="Paths to list in the table (0: all).",
)
@click.option(
    "--value",
    "value_items",
    multiple=True,
    metavar="FACT=V1,V2",
    help="Values typed at inputs of FACT (default: see docs).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every path.")
@click.option("--uncovered", is_flag=True, help="List the nodes and options no script test reaches (exit 1 if any).")
@click.option(
    "--tests",
    "tests_path",
    type=PathArg,
    default=None,
    help="Tests file for --uncovered (default: NAME.tests.yaml beside the script).",
)
def paths_cmd(
    path: Path | None,
    max_visits: int,
    limit: int | None,
    rows: int,
    value_items: tuple[str, ...],
    as_json: bool,
    uncovered: bool,
    tests_path: Path | None,
) -> None:
    """Every path from the start to an ending, with its outcome and grade; or, with --uncovered, test coverage."""
    from rich.markup import escape
    from rich.table import Table

    from callscript.script.facts import FactValueError
    from callscript.workshop.path_explorer import explore

    script_path = script_path_or_default(path)
    script = load_script_or_exit(script_path)
    if uncovered:
        _uncovered(script, script_path, tests_path, as_json)
        return
    values = _parse_values(value_items)
    unknown = [name for name in values if name not in script.facts]
    if unknown:
        raise BadInput(f"--value: unknown fact {unknown[0]!r}")
    try:
        result = explore(script, max_visits=max_visits, limit=limit, values=values)
    except FactValueError as exc:
        raise BadInput(f"--value: {exc}") from None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "script": str(script_path),
                    "sha256": script.sha256,
                    "count": len(result.paths),
                    "truncated": result.truncated,
                    "pruned": result.pruned,
                    "max_visits": result.max_visits,
                    "input_values": result.values,
                    "paths": [p.to_json() for p in result.paths],
                },
                ensure_ascii=False,
            )
        )
        return
    console = _console()
    more = " (stopped at --limit; there are more)" if result.truncated else ""
    console.print(
        f"[bold]{len(result.paths):,}[/] paths from {escape(script.start)} to an ending{more} · "
        f"a node at most {max_visits}× per path ({result.pruned:,} loop branches cut)"
    )
    if result.values:
        typed = "; ".join(f"{node} ⌨ {', '.join(v)}" for node, v in result.values.items())
        console.print(f"[dim]typed at inputs: {escape(typed)}[/]")
    grades = [*script.grading.grades, None]
    summary = Table(title="paths by outcome and grade", title_justify="left")
    summary.add_column("outcome")
    for g in grades:
        summary.add_column(g or "无", justify="right")
    summary.add_column("total", justify="right", style="bold")
    counts: dict[tuple[str, str | None], int] = {}
    for p in result.paths:
        counts[(p.outcome, p.grade)] = counts.get((p.outcome, p.grade), 0) + 1
    for outcome in sorted({p.outcome for p in result.paths}):
        row = [counts.get((outcome, g), 0) for g in grades]
        summary.add_row(outcome, *[f"{n:,}" if n else "·" for n in row], f"{sum(row):,}")
    console.print(summary)
    shown = result.paths if rows == 0 else result.paths[:rows]
    if shown:
        table = Table(
            title=f"paths (answers: key, ⌨ typed, 跳过 skip){'' if len(shown) == len(result.paths) else f' — first {len(shown)}, --rows 0 for all'}",
            title_justify="left",
        )
        table.add_column("#", justify="right", style="dim")
        table.add_column("answers")
        table.add_column("ends at")
        table.add_column("outcome")
        table.add_column("grade")
        for number, p in enumerate(shown, start=1):
            grade = f"{p.grade} (rule {p.rule_index})" if p.grade else "—"
            table.add_row(str(number), escape(_compact(p.actions)), escape(p.nodes[-1]), p.outcome, grade)
        console.print(table)


def _uncovered(script: Any, script_path: Path, tests_path: Path | None, as_json: bool) -> None:
    from rich.markup import escape

    from callscript.workshop.path_explorer import edge_text
    from callscript.workshop.script_tests import run_tests

    tests_file, cases = _load_cases_or_exit(script, script_path, tests_path)
    report = run_tests(script, cases)
    cov = report.coverage
    if as_json:
        click.echo(json.dumps({"tests": str(tests_file), **cov.to_json()}, ensure_ascii=False))
        sys.exit(0 if cov.complete else EXIT_FAIL)
    console = _console()
    console.print(
        f"coverage of {escape(script.name)} by {escape(str(tests_file))} ({len(cases)} cases): {cov.summary()}"
    )
    if cov.complete:
        console.print("[green]every node and every option is reached by a test[/]")
        return
    for node_id in cov.uncovered_nodes:
        node = script.nodes[node_id]
        console.print(f"  [red]node[/]   {escape(node.title)} ({node_id}) line {node.mark.line}")
    for edge in cov.uncovered_edges:
        line = script.nodes[edge[0]].mark.line
        console.print(f"  [yellow]branch[/] {escape(edge_text(script, edge))}  [dim](node at line {line})[/]")
    sys.exit(EXIT_FAIL)


# ---------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------
_HEX = re.compile(r"^[0-9a-fA-F]{4,64}$")


def _resolve_version(spec: str, db_path: Path) -> tuple[Any, str]:
    """A script from a file path or a stored version's sha256 prefix; exits 2 with the problems if unusable."""
    from callscript.script.loader import load_script_text, validate_file
    from callscript.script.problems import ScriptError, sort_problems

    path = Path(spec)
    if path.exists():
        script, problems = validate_file(path)
        if script is None:
            for problem in sort_problems(problems):
                click.echo(problem.format(str(path)), err=True)
            raise BadInput(f"{path} is not a valid script; fix it before comparing (`callscript validate {path}`)")
        return script, str(path)
    if not _HEX.match(spec):
        raise BadInput(f"{spec}: no such file (and not a version hash)")
    from callscript.storage import StorageError, Store

    if not db_path.exists():
        raise BadInput(f"{spec}: no such file, and no database at {db_path} to look the version up in (--db)")
    try:
        store = Store.open(db_path, create=False)
    except StorageError as exc:
        raise BadInput(str(exc)) from None
    try:
        found = [v for v in store.script_versions() if v.sha256.startswith(spec.lower())]
    finally:
        store.close()
    if not found:
        raise BadInput(f"{spec}: no such file, and no stored script version whose sha256 starts with it in {db_path}")
    if len(found) > 1:
        listing = ", ".join(
            f"{v.sha256[:12]} ({v.name}, {v.first_seen_at:%Y-%m-%d %H:%M})" if v.first_seen_at else v.sha256[:12]
            for v in found
        )
        raise BadInput(f"{spec}: several stored versions match: {listing}; give more characters")
    version = found[0]
    label = (
        f"version {version.sha256[:12]} ({version.name}"
        + (f", first seen {version.first_seen_at:%Y-%m-%d %H:%M}" if version.first_seen_at else "")
        + ")"
    )
    try:
        return load_script_text(version.source_text, path=label), label
    except ScriptError as exc:
        click.echo(exc.report(), err=True)
        raise BadInput(f"{label} no longer validates with this version of callscript") from None


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@db_option
def diff_cmd(old: str, new: str, as_json: bool, db_path: Path) -> None:
    """What changed between two scripts, in words: OLD and NEW are files or stored versions (sha256 prefix)."""
    from callscript.workshop.diff import diff_scripts

    old_script, old_label = _resolve_version(old, db_path)
    new_script, new_label = _resolve_version(new, db_path)
    result = diff_scripts(old_script, new_script)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "old": old_label,
                    "new": new_label,
                    "old_sha256": old_script.sha256,
                    "new_sha256": new_script.sha256,
                    **result.to_json(),
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"{old_label} ({old_script.sha256[:8]}) → {new_label} ({new_script.sha256[:8]})")
    for line in result.lines():
        click.echo(line)


def register(cli: click.Group) -> None:
    for command in (test_cmd, paths_cmd, diff_cmd):
        cli.add_command(command)
