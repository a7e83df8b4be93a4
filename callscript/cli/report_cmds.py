"""``callscript report …`` (daily, range, yield, due, remark, rebuild) and ``callscript demo-data``."""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from callscript.cli.common import (
    BadInput,
    db_option,
    force_option,
    open_store,
    plan_output_or_exit,
    write_output_or_exit,
)
from callscript.cli.params import DAY, DAYS_BACK, SEED, Count, MomentParam
from callscript.files.output import OutputTarget

DAY_HELP = "Days: 2026-11-25, 11-25, 20261125, 今天, 昨天, -3, 周五 (docs/reports.md)."

FORMAT_BY_SUFFIX = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def _open(db_path: Path):
    """The database for a report: checked (``PRAGMA quick_check``) so a damaged file never gives
    normal-looking totals, and migrated, so the report tables exist. Use ``.conn``."""
    return open_store(db_path)


def output_options(fn: Callable) -> Callable:
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json", "xlsx"]),
        default=None,
        help="Output format (default: table, or from the --out file's extension).",
    )
    @click.option(
        "--out",
        "out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file instead of the terminal (xlsx always goes to a file; created 0600).",
    )
    @force_option
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


@dataclass(frozen=True, slots=True)
class Output:
    """Where a report goes: its format, and the checked file (None: the terminal)."""

    fmt: str
    target: OutputTarget | None


def plan_report_output(fmt: str | None, out: Path | None, force: bool, db_path: Path, default_name: str) -> Output:
    """Pick the format and check the file *before* the report is computed (xlsx without --out:
    ``default_name``.xlsx here)."""
    if fmt is None:
        fmt = FORMAT_BY_SUFFIX.get(out.suffix.lower(), "table") if out is not None else "table"
    if fmt == "xlsx" and out is None:
        out = Path(f"{default_name}.xlsx")
    if out is None:
        return Output(fmt, None)
    return Output(fmt, plan_output_or_exit(out, force=force, db_path=db_path))


def emit(report: Any, output: Output) -> None:
    """Write a report to its checked file (atomically, mode 0600) or to the terminal."""
    from callscript.reports.render import render

    fmt = output.fmt
    if output.target is None:
        width = None
        color = sys.stdout.isatty()
        if fmt == "table" and color:  # a table wider than the terminal: let rich fit the columns
            from rich.cells import cell_len

            columns = shutil.get_terminal_size((200, 24)).columns
            natural = str(render(report, "table"))
            if max(map(cell_len, natural.splitlines()), default=0) > columns:
                width = columns
        text = render(report, fmt, width=width, color=color)
        click.echo(text, nl=False)
        return
    data = render(report, fmt)
    if isinstance(data, str):  # CSV with a byte-order mark so Excel reads the Chinese as UTF-8
        data = data.encode("utf-8-sig" if fmt == "csv" else "utf-8")
    write_output_or_exit(output.target, data)
    click.echo(f"wrote {output.target.path}", err=True)


KIND_OPTION = click.option(
    "--kind",
    type=click.Choice(["development", "maintenance"]),
    default="development",
    show_default=True,
    help="development: 数据情况日分析表 (development calls only); maintenance: 客户维护日表 (per agent).",
)


def _check_by_for_kind(kind: str, by: str) -> None:
    """The maintenance table is per agent: an explicit --by industry/both with it is a mistake."""
    source = click.get_current_context().get_parameter_source("by")
    if kind == "maintenance" and by != "agent" and source is not click.core.ParameterSource.DEFAULT:
        raise BadInput("--kind maintenance is per agent (客户维护日表); leave out --by or use --by agent")


BY_OPTION = click.option(
    "--by",
    type=click.Choice(["industry", "agent", "both"]),
    default="industry",
    show_default=True,
    help="Group rows by industry (行业), agent (业务员) or both.",
)


@click.group("report")
def report() -> None:
    """End-of-day reports: 数据情况日分析表, 日分析总表, 数据产出分析表, and who is due a call.

    Counting rules: docs/reports.md. The daily, cumulative and yield tables count
    development calls (a lead not mailed before the call); a lead called several times in
    a day counts once in 总个数; rates are empty when 总个数 is 0. Calls on leads already
    mailed are maintenance (--kind maintenance: 客户维护日表).
    """


@report.command("daily")
@click.option("--date", "day", type=DAY, default=None, help=f"Day (default: today). {DAY_HELP}")
@KIND_OPTION
@BY_OPTION
@output_options
@db_option
def daily_cmd(
    db_path: Path, day: date | None, kind: str, by: str, fmt: str | None, out: Path | None, force: bool
) -> None:
    """数据情况日分析表: one day, with the agents' 优点/缺点/建议 (or --kind maintenance: 客户维护日表)."""
    from callscript.reports.queries import daily, maintenance

    _check_by_for_kind(kind, by)
    when = day or _now().date()
    name = "日分析表" if kind == "development" else "客户维护日表"
    output = plan_report_output(fmt, out, force, db_path, f"{name}-{when.isoformat()}")
    db = _open(db_path)
    try:
        result = daily(db.conn, when, by) if kind == "development" else maintenance(db.conn, when)
    finally:
        db.close()
    emit(result, output)


@report.command("range")
@click.option("--from", "start", type=DAY, required=True, help=f"First day (included). {DAY_HELP}")
@click.option("--to", "end", type=DAY, default=None, help="Last day (included; default: today).")
@KIND_OPTION
@BY_OPTION
@output_options
@db_option
def range_cmd(
    db_path: Path, start: date, end: date | None, kind: str, by: str, fmt: str | None, out: Path | None, force: bool
) -> None:
    """数据情况日分析总表: the daily table summed over a date range (or --kind maintenance: 客户维护总表)."""
    from callscript.reports.queries import cumulative, maintenance

    _check_by_for_kind(kind, by)
    first, last = start, end or _now().date()
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    name = "日分析总表" if kind == "development" else "客户维护总表"
    output = plan_report_output(fmt, out, force, db_path, f"{name}-{first.isoformat()}-{last.isoformat()}")
    db = _open(db_path)
    try:
        result = cumulative(db.conn, first, last, by) if kind == "development" else maintenance(db.conn, first, last)
    finally:
        db.close()
    emit(result, output)


@report.command("yield")
@click.option("--from", "start", type=DAY, default=None, help="First day (default: the first call).")
@click.option("--to", "end", type=DAY, default=None, help="Last day (default: the last call).")
@click.option(
    "--min-leads",
    type=Count(1, 1_000_000, "leads"),
    default=None,
    help="Rank an industry only from this many leads (总个数) up [default: 30].",
)
@output_options
@db_option
def yield_cmd(
    db_path: Path,
    start: date | None,
    end: date | None,
    min_leads: int | None,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """数据产出分析表: industries ranked by 寄卡率 and 好客户率, low samples marked."""
    from callscript.reports.queries import DEFAULT_MIN_LEADS, yield_table

    if start and end and end < start:
        raise BadInput(f"--to {end} is before --from {start}")
    output = plan_report_output(fmt, out, force, db_path, "数据产出分析表")
    db = _open(db_path)
    try:
        result = yield_table(db.conn, start, end, min_leads=min_leads or DEFAULT_MIN_LEADS)
    finally:
        db.close()
    emit(result, output)


@report.command("due")
@click.option("--agent", default=None, help="Only this agent's callbacks and follow-ups.")
@click.option(
    "--at",
    "at",
    type=MomentParam(),
    default=None,
    help="Pretend it is this time (e.g. 2026-11-25 15:00, 昨天 18:00; default: now).",
)
@click.option(
    "--overdue-days",
    type=DAYS_BACK,
    default=None,
    help="List follow-ups overdue by up to this many days [default: 14].",
)
@output_options
@db_option
def due_cmd(
    db_path: Path,
    agent: str | None,
    at: datetime | None,
    overdue_days: int | None,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """Callbacks due today or overdue; follow-ups due (mailed 7–10 days ago), with the 17:30–18:00 / weekend slot."""
    from callscript.reports.due import DEFAULT_OVERDUE_DAYS, due_list

    now = at or _now()
    output = plan_report_output(fmt, out, force, db_path, f"待办-{now:%Y-%m-%d}")
    db = _open(db_path)
    try:
        result = due_list(
            db.conn, now, agent=agent, overdue_days=DEFAULT_OVERDUE_DAYS if overdue_days is None else overdue_days
        )
    finally:
        db.close()
    emit(result, output)


@report.command("greetings")
@click.option("--holiday", default=None, help="The holiday: 春节, 中秋, 国庆, 五一, 元旦, 端午, 清明 (the next one).")
@click.option("--date", "day", type=DAY, default=None, help="The holiday on or after this day (default: today).")
@click.option("--agent", default=None, help="Only this agent's prospects.")
@click.option("--company", default=None, help="The company name the SMS is signed with (default: the script's).")
@click.option(
    "--for",
    "part",
    type=click.Choice(["all", "sms", "mail"]),
    default="all",
    show_default=True,
    help="Which list comes first (and is the CSV): everyone, the SMS platform's, the mail room's.",
)
@output_options
@db_option
def greetings_cmd(
    db_path: Path,
    holiday: str | None,
    day: date | None,
    agent: str | None,
    company: str | None,
    part: str,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """节日问候名单: 好 prospects (a gift) and flagged 一般 ones (a card), each with an SMS text.

    A 一般 prospect is flagged by an important note (“!”) on one of its calls. The holiday
    and its days are China's official calendar (docs/reports.md).
    """
    from callscript.core.china_calendar import FESTIVALS, find_holiday, next_holiday
    from callscript.reports.greetings import greeting_list
    from callscript.reports.render import greetings_document

    if holiday and day:
        raise BadInput("give --holiday or --date, not both")
    today = day or _now().date()
    found = find_holiday(holiday, today) if holiday else next_holiday(today)
    if holiday and found is None:
        raise BadInput(f"no holiday called {holiday!r} in the coming year; one of: {', '.join(FESTIVALS)}")
    sign = (company or _script_company()).strip()
    output = plan_report_output(fmt, out, force, db_path, f"节日问候-{(found.first if found else today).isoformat()}")
    db = _open(db_path)
    try:
        result = greeting_list(db.conn, found, found.first if found else today, company=sign, agent=agent)
    finally:
        db.close()
    emit(greetings_document(result, part), output)


def _script_company() -> str:
    """The company the shipped script names (what agents say on the phone), else the agent's config."""
    from callscript.config import AgentConfig, default_script_path

    configured = AgentConfig.load().company
    if configured:
        return configured
    from callscript.script.loader import load_script
    from callscript.script.problems import ScriptError

    try:
        return load_script(default_script_path()).company or "我司"
    except (OSError, ScriptError):  # a missing or broken script must not stop the list
        return "我司"


@report.command("remark")
@click.option("--agent", required=True, help="The agent's name.")
@click.option("--date", "day", type=DAY, default=None, help="Day (default: today).")
@click.option("--strengths", "--优点", "strengths", default=None, help="优点")
@click.option("--weaknesses", "--缺点", "weaknesses", default=None, help="缺点")
@click.option("--suggestions", "--建议", "suggestions", default=None, help="建议")
@db_option
def remark_cmd(
    db_path: Path, agent: str, day: date | None, strengths: str | None, weaknesses: str | None, suggestions: str | None
) -> None:
    """Write (or, with no text, show) an agent's 优点/缺点/建议 for a day.

    A part left out keeps what was written before; an empty string clears it.
    """
    from callscript.core.cleantext import for_display
    from callscript.reports.queries import Remark, remarks
    from callscript.storage import NotFound

    when = day or _now().date()
    with open_store(db_path) as store:
        if strengths is None and weaknesses is None and suggestions is None:
            found = [r for r in remarks(store.conn, when, when) if r.agent == agent.strip()]
        else:
            try:
                review = store.set_day_review(
                    agent,
                    when,
                    strengths=strengths,
                    weaknesses=weaknesses,
                    suggestions=suggestions,
                    keep_unset=True,
                    create_agent=False,
                )
            except NotFound:
                known = ", ".join(a.name for a in store.agents())
                raise BadInput(f"no agent named {agent.strip()!r}" + (f" (agents: {known})" if known else "")) from None
            except ValueError as exc:
                raise BadInput(str(exc)) from None
            found = [
                Remark(
                    store.get_agent(review.agent_id).name, when, review.strengths, review.weaknesses, review.suggestions
                )
            ]
    if not found:
        click.echo(f"{for_display(agent)} 在 {when} 没有写优点/缺点/建议。")
        return
    r = found[0]
    click.echo(f"{r.agent} {r.day}")
    for label, text in (("优点", r.strengths), ("缺点", r.weaknesses), ("建议", r.suggestions)):
        click.echo(f"  {label}: {text or ''}")


@report.command("rebuild")
@db_option
def rebuild_cmd(db_path: Path) -> None:
    """Recompute the report and analytics tables from the calls (a repair; normally they are kept current)."""
    from callscript.reports.rebuild import rebuild

    db = _open(db_path)
    try:
        seconds = rebuild(db.conn)
    finally:
        db.close()
    click.echo(f"report tables rebuilt in {seconds:.2f} s")


@click.command("demo-data")
@click.option(
    "--days",
    type=Count(1, 3660, "days"),
    default=21,
    show_default=True,
    help="Calendar days to simulate, ending today (or --end).",
)
@click.option("--agents", type=Count(1, 500, "agents"), default=8, show_default=True)
@click.option("--seed", type=SEED, default=1, show_default=True, help="Random seed (same seed, same data).")
@click.option("--end", type=DAY, default=None, help="Last simulated day (default: today, up to the current time).")
@click.option("--append", is_flag=True, help="Add to a database that already has calls.")
@click.option(
    "--script",
    "script_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Script whose grading grades the calls (default: scripts/ctrip.yaml, else tests/scripts/mini.yaml).",
)
@db_option
def demo_data(
    db_path: Path, days: int, agents: int, seed: int, end: date | None, append: bool, script_path: Path | None
) -> None:
    """Fill a database with realistic generated calls (agents, leads, callbacks, mailings, remarks)."""
    from callscript.reports.demo import DemoConfig, generate

    last = end
    store = open_store(db_path, create=True, synchronous="NORMAL")
    try:
        existing = store.count_calls()
        if existing and not append:
            raise BadInput(
                f"{db_path} already has {existing} calls; use --append to add demo data to it, "
                "or --db to fill another file"
            )
        config = DemoConfig(
            days=days,
            agents=agents,
            seed=seed,
            end=last,
            script_path=script_path,
            now=None if last is not None else _now(),
        )
        stats = generate(store, config)
    finally:
        store.close()
    click.echo(
        f"{db_path}: {stats.agents} agents, {stats.leads} leads, {stats.calls} calls, "
        f"{stats.callbacks} callbacks, {stats.mailings} mailings, {stats.remarks} remarks "
        f"({stats.first_day} to {stats.last_day})"
    )
    click.echo(f"try: callscript report daily --db {db_path} --date {stats.last_day}")


def register(cli: click.Group) -> None:
    cli.add_command(report)
    cli.add_command(demo_data)
