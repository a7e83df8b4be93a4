"""Script commands for supervisors: validate, show, replay, grade."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from callscript.cli.common import EXIT_BAD_INPUT, BadInput, load_script_or_exit, read_data_file
from callscript.cli.params import Count
from callscript.core.outcomes import OUTCOME_VALUES as OUTCOME_CHOICES

PathArg = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary line.")
def validate(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check script files; print every problem as file:line:col. Exit 2 on any error."""
    from callscript.script.loader import validate_file
    from callscript.script.problems import sort_problems

    failed = False
    for path in paths:
        script, problems = validate_file(path)
        for problem in sort_problems(problems):
            click.echo(problem.format(str(path)), err=problem.is_error)
        errors = sum(p.is_error for p in problems)
        warnings = len(problems) - errors
        if script is None:
            failed = True
        if not quiet:
            state = "ok" if script is not None else "invalid"
            detail = f"{len(script.nodes)} nodes, " if script is not None else ""
            click.echo(f"{path}: {state} ({detail}{errors} error(s), {warnings} warning(s))", err=script is None)
    sys.exit(EXIT_BAD_INPUT if failed else 0)


@click.command()
@click.argument("path", type=PathArg, required=False)
@click.option("--width", type=Count(8, 1000, "characters"), default=36, help="Characters of each line to show.")
def show(path: Path | None, width: int) -> None:
    """Print the script's tree: node ids, lines shortened, options → targets."""
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    from callscript.script.templates import strip_markup

    script = load_script_or_exit(path)
    console = Console()
    tree = Tree(f"[bold]{escape(script.title)}[/] ({script.name}, {len(script.nodes)} nodes, start: {script.start})")
    for node in script.nodes.values():
        line = strip_markup(" ".join(t.source for t in node.say))
        if len(line) > width:
            line = line[: width - 1] + "…"
        branch = tree.add(f"[cyan]{node.id}[/] [bold]{escape(node.title)}[/]  {escape(line)}")
        for option in node.options:
            sets = ", ".join(f"{k}={v}" for k, v in option.sets)
            branch.add(
                f"[yellow]{option.key}[/] {escape(option.label.source)} → [cyan]{option.next}[/]"
                + (f"  [dim]{escape(sets)}[/]" if sets else "")
            )
        if node.input is not None:
            branch.add(f"[yellow]⌨[/] {node.input.fact.name} ({escape(node.input.hint)}) → [cyan]{node.next}[/]")
        if node.skip is not None:
            branch.add(f"[yellow]跳过[/] {escape(node.skip.label)} → [cyan]{node.skip.next}[/]")
        if node.end is not None:
            branch.add(f"[magenta]■ {node.end}[/]")
    console.print(tree)


def parse_answers(data: Any) -> list[tuple[str, str | None]]:
    """:func:`callscript.script.answers.parse_answers`, with errors as a clean exit 2."""
    from callscript.script.answers import AnswerError
    from callscript.script.answers import parse_answers as parse

    try:
        return parse(data)
    except AnswerError as exc:
        raise BadInput(str(exc)) from None


def run_answers(script: Any, actions: list[tuple[str, str | None]], variables: dict[str, str] | None = None):
    """:func:`callscript.script.answers.run_answers`, with errors as a clean exit 2."""
    from callscript.script.answers import AnswerError
    from callscript.script.answers import run_answers as run

    try:
        return run(script, actions, variables)
    except AnswerError as exc:
        raise BadInput(str(exc)) from None


def print_grade(result: Any, script: Any) -> None:
    from callscript.script.grading import tri_symbol

    grade = result.grade or "无"
    if result.grade and result.provisional:
        grade += " (暂定)"
    why = (
        f"  ← {result.rule_label}" if result.rule_label else (f"  ({result.excluded_by})" if result.excluded_by else "")
    )
    click.echo(f"评级: {grade}{why}")
    labels = {c.name: c.label for c in script.grading.conditions}
    for name, value in result.conditions.items():
        click.echo(f"  {tri_symbol(value)} {name}  {labels.get(name, '')}")
    click.echo(f"准客户: {'是' if result.qualified else '否'}")


@click.command()
@click.argument("path", type=PathArg, required=False)
@click.option("--answers", "answers_path", type=PathArg, required=True, help="YAML/JSON list of answers.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay(path: Path | None, answers_path: Path, as_json: bool) -> None:
    """Run a call without a screen from a list of answers; print path, facts, outcome, grade."""
    script = load_script_or_exit(path)
    session = run_answers(script, parse_answers(read_data_file(answers_path)))
    from callscript.script.answers import session_summary

    summary = session_summary(session)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    titles = [script.nodes[n].title for n in session.path]
    click.echo("路径: " + " › ".join(titles))
    click.echo("事实: " + (", ".join(f"{k}={v}" for k, v in session.facts.items()) or "(无)"))
    click.echo(f"结果: {session.outcome or '(通话未结束, 停在 ' + session.node_id + ')'}")
    print_grade(session.grade(), script)


RUNNING = "running"
"""``grade --outcome running``: a call still going on (its grade is 暂定)."""


@click.command()
@click.option("--facts", "facts_path", type=PathArg, required=True, help="JSON or YAML object of facts.")
@click.option(
    "--script",
    "script_path",
    type=PathArg,
    default=None,
    help="Script whose grading rules apply (default: scripts/ctrip.yaml).",
)
@click.option(
    "--outcome",
    type=click.Choice([*OUTCOME_CHOICES, RUNNING]),
    default="mailed",
    show_default=True,
    help="How the call ended (running: still going on). The default grades the facts as a call that ended "
    "its development; mailed, not_qualified and member_care grade alike.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def grade(ctx: click.Context, facts_path: Path, script_path: Path | None, outcome: str, as_json: bool) -> None:
    """Grade a prospect from a facts file, as a call that ended with --outcome keeps it."""
    from callscript.script.facts import FactValueError, check_facts
    from callscript.script.grading import grade_call

    script = load_script_or_exit(script_path or (ctx.find_root().obj or {}).get("script"))
    data = read_data_file(facts_path)
    try:
        facts = check_facts(data, script.facts)
    except FactValueError as exc:
        raise BadInput(f"{facts_path}: {exc}") from None
    result = grade_call(script.grading, facts, None if outcome == RUNNING else outcome)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print_grade(result, script)


def register(cli: click.Group) -> None:
    for command in (validate, show, replay, grade):
        cli.add_command(command)
