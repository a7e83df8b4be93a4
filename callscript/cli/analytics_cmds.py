"""``callscript report funnel | versions | market | coaching``: script analytics (issue 17).

Thin layer over :mod:`callscript.reports.funnel`, ``versions``, ``market`` and
``coaching``; the documents are :mod:`callscript.reports.analytics_docs`, written by
the same ``emit`` as the daily tables (table/csv/json/xlsx, ``--out``, ``--force``).
Counting rules: docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from callscript.cli.common import BadInput, db_option
from callscript.cli.params import DAY
from callscript.cli.report_cmds import DAY_HELP, _open, emit, output_options, plan_report_output, report
from callscript.script.problems import ScriptError

if TYPE_CHECKING:
    from callscript.script.model import Script

VERSION_HELP = (
    "Script version: its id (report versions lists them), the first characters of its sha256, "
    "or a script name (its newest version). Default: the newest version with calls in the range."
)


def _unloadable(exc: ScriptError) -> str:
    """A script version stored in the database no longer loads (written by another release,
    or by hand): the report needs its nodes, so say which and stop."""
    return f"a stored script version does not load, so its nodes are unknown: {exc}"


def _check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise BadInput(f"--to {end} is before --from {start}")


def _range_name(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "全部"
    return f"{start.isoformat() if start else '开始'}-{end.isoformat() if end else '今天'}"


FROM_OPTION = click.option("--from", "start", type=DAY, default=None, help=f"First day (default: all). {DAY_HELP}")
TO_OPTION = click.option("--to", "end", type=DAY, default=None, help="Last day (included; default: all).")


@report.command("funnel")
@click.option("--script-version", "version", default=None, help=VERSION_HELP)
@FROM_OPTION
@TO_OPTION
@click.option("--industry", default=None, help="Only leads of this industry (未分类: leads without one).")
@click.option("--agent", default=None, help="Only this agent's calls.")
@output_options
@db_option
def funnel_cmd(
    db_path: Path,
    version: str | None,
    start: date | None,
    end: date | None,
    industry: str | None,
    agent: str | None,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """话术漏斗: per node, arrivals, went on, ended (by outcome), left, lost, time; the top five losses."""
    from callscript.reports.analytics_docs import funnel_document
    from callscript.reports.funnel import funnel

    _check_range(start, end)
    output = plan_report_output(fmt, out, force, db_path, f"话术漏斗-{_range_name(start, end)}")
    db = _open(db_path)
    try:
        result = funnel(db.conn, version, start, end, industry=industry, agent=agent)
    except LookupError as exc:
        raise BadInput(str(exc.args[0])) from None
    except ScriptError as exc:
        raise BadInput(_unloadable(exc)) from None
    finally:
        db.close()
    emit(funnel_document(result), output)


def describe_changes(old: Script, new: Script) -> Sequence[str]:
    """What changed from ``old`` to ``new``, one line per change (``callscript workshop diff``)."""
    from callscript.workshop.diff import diff_scripts

    found = diff_scripts(old, new)
    return [change.text for change in found.changes] or found.lines()


@report.command("versions")
@FROM_OPTION
@TO_OPTION
@click.option("--script", "name", default=None, help="Only this script's versions (by name, e.g. ctrip).")
@click.option("--no-diff", is_flag=True, help="Leave out what changed between versions.")
@output_options
@db_option
def versions_cmd(
    db_path: Path,
    start: date | None,
    end: date | None,
    name: str | None,
    no_diff: bool,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """话术版本对比: calls, 有效率, 寄卡率, 好客户率 per version, Wilson intervals, a test against the previous one."""
    from callscript.reports.analytics_docs import versions_document
    from callscript.reports.versions import compare_versions

    _check_range(start, end)
    output = plan_report_output(fmt, out, force, db_path, f"话术版本对比-{_range_name(start, end)}")
    db = _open(db_path)
    try:
        result = compare_versions(db.conn, start, end, name=name, differ=None if no_diff else describe_changes)
    except ScriptError as exc:
        raise BadInput(_unloadable(exc)) from None
    finally:
        db.close()
    emit(versions_document(result), output)


@report.command("market")
@FROM_OPTION
@TO_OPTION
@click.option(
    "--aliases",
    "aliases_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Booking centres' alias list (default: data/centre_aliases.yaml or $CALLSCRIPT_CENTRE_ALIASES).",
)
@output_options
@db_option
def market_cmd(
    db_path: Path,
    start: date | None,
    end: date | None,
    aliases_path: Path | None,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """市场情况: per industry, booking methods, competing booking centres, hotel star and price, who pays."""
    from callscript.config import default_centre_aliases_path
    from callscript.reports.aliases import AliasError, load_aliases
    from callscript.reports.analytics_docs import market_document
    from callscript.reports.market import market

    _check_range(start, end)
    try:
        aliases = load_aliases(aliases_path or default_centre_aliases_path())
    except AliasError as exc:
        raise BadInput(f"alias list: {exc}") from None
    output = plan_report_output(fmt, out, force, db_path, f"市场情况-{_range_name(start, end)}")
    db = _open(db_path)
    try:
        result = market(db.conn, start, end, aliases=aliases)
    finally:
        db.close()
    emit(market_document(result), output)


@report.command("coaching")
@click.option("--agent", required=True, help="The agent's name.")
@FROM_OPTION
@TO_OPTION
@click.option("--script-version", "version", default=None, help=VERSION_HELP.replace("with calls", "the agent used"))
@output_options
@db_option
def coaching_cmd(
    db_path: Path,
    agent: str,
    start: date | None,
    end: date | None,
    version: str | None,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """业务员辅导: where the agent's calls end and are lost, node by node, beside the other agents; 优点/缺点/建议."""
    from callscript.reports.analytics_docs import coaching_document
    from callscript.reports.coaching import coaching

    _check_range(start, end)
    output = plan_report_output(fmt, out, force, db_path, f"业务员辅导-{agent.strip()}-{_range_name(start, end)}")
    db = _open(db_path)
    try:
        result = coaching(db.conn, agent, start, end, version=version)
    except LookupError as exc:
        raise BadInput(str(exc.args[0])) from None
    except ScriptError as exc:
        raise BadInput(_unloadable(exc)) from None
    finally:
        db.close()
    emit(coaching_document(result), output)


def register(cli: click.Group) -> None:
    """The commands are in the ``report`` group (report_cmds registers the group itself)."""
