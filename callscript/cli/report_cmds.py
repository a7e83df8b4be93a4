"""``callscript report …`` (daily, range, yield, due, remark, rebuild) and ``callscript demo-data``."""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from callscript.cli.common import BadInput, db_option

FORMAT_BY_SUFFIX = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def _day(text: str | None, what: str = "--date") -> date:
    from callscript.reports.queries import parse_day

    today = _now().date()
    if text is None:
        return today
    try:
        return parse_day(text, today)
    except ValueError as exc:
        raise BadInput(f"{what}: {exc}") from None


def _open(db_path: Path):
    from callscript.reports.queries import open_db
    from callscript.storage import StorageError

    try:
        return open_db(db_path)
    except StorageError as exc:
        raise BadInput(str(exc)) from None


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
        help="Write to this file instead of the terminal (xlsx always goes to a file).",
    )
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def emit(report: Any, fmt: str | None, out: Path | None, default_name: str) -> None:
    """Write a report in a format to ``out`` or stdout (xlsx without --out: ``default_name``.xlsx)."""
    from callscript.reports.render import render

    if fmt is None:
        fmt = FORMAT_BY_SUFFIX.get(out.suffix.lower(), "table") if out is not None else "table"
    if fmt == "xlsx" and out is None:
        out = Path(f"{default_name}.xlsx")
    if out is None:
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
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            out.write_bytes(data)
        else:  # CSV with a byte-order mark so Excel reads the Chinese as UTF-8
            out.write_text(data, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    except OSError as exc:
        raise BadInput(f"{out}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {out}", err=True)


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

    Counting rules: docs/reports.md. A lead called several times in a day counts
    once in 总个数, with its last outcome of that day; rates are empty when 总个数 is 0.
    """


@report.command("daily")
@click.option("--date", "day", default=None, help="Day: YYYY-MM-DD, MM-DD, 今天, 昨天 or -N (default: today).")
@BY_OPTION
@output_options
@db_option
def daily_cmd(db_path: Path, day: str | None, by: str, fmt: str | None, out: Path | None) -> None:
    """数据情况日分析表: one day, with the agents' 优点/缺点/建议."""
    from callscript.reports.queries import daily

    when = _day(day)
    db = _open(db_path)
    try:
        result = daily(db.conn, when, by)
    finally:
        db.close()
    emit(result, fmt, out, f"日分析表-{when.isoformat()}")


@report.command("range")
@click.option("--from", "start", required=True, help="First day (included).")
@click.option("--to", "end", default=None, help="Last day (included; default: today).")
@BY_OPTION
@output_options
@db_option
def range_cmd(db_path: Path, start: str, end: str | None, by: str, fmt: str | None, out: Path | None) -> None:
    """数据情况日分析总表: the daily table summed over a date range."""
    from callscript.reports.queries import cumulative

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    db = _open(db_path)
    try:
        result = cumulative(db.conn, first, last, by)
    finally:
        db.close()
    emit(result, fmt, out, f"日分析总表-{first.isoformat()}-{last.isoformat()}")


@report.command("yield")
@click.option("--from", "start", default=None, help="First day (default: the first call).")
@click.option("--to", "end", default=None, help="Last day (default: the last call).")
@click.option(
    "--min-leads",
    type=click.IntRange(min=1),
    default=None,
    help="Rank an industry only from this many leads (总个数) up [default: 30].",
)
@output_options
@db_option
def yield_cmd(
    db_path: Path, start: str | None, end: str | None, min_leads: int | None, fmt: str | None, out: Path | None
) -> None:
    """数据产出分析表: industries ranked by 寄卡率 and 好客户率, low samples marked."""
    from callscript.reports.queries import DEFAULT_MIN_LEADS, yield_table

    first = _day(start, "--from") if start else None
    last = _day(end, "--to") if end else None
    db = _open(db_path)
    try:
        result = yield_table(db.conn, first, last, min_leads=min_leads or DEFAULT_MIN_LEADS)
    finally:
        db.close()
    emit(result, fmt, out, "数据产出分析表")


@report.command("due")
@click.option("--agent", default=None, help="Only this agent's callbacks and follow-ups.")
@click.option("--at", "at", default=None, help="Pretend it is this time (YYYY-MM-DD HH:MM; default: now).")
@click.option(
    "--overdue-days",
    type=click.IntRange(min=0),
    default=None,
    help="List follow-ups overdue by up to this many days [default: 14].",
)
@output_options
@db_option
def due_cmd(
    db_path: Path, agent: str | None, at: str | None, overdue_days: int | None, fmt: str | None, out: Path | None
) -> None:
    """Callbacks due today or overdue; follow-ups due (mailed 7–10 days ago), with the 17:30–18:00 / weekend slot."""
    from callscript.reports.due import DEFAULT_OVERDUE_DAYS, due_list

    now = _now()
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.strip())
        except ValueError:
            raise BadInput(f"--at: not a time: {at!r} (use YYYY-MM-DD HH:MM)") from None
        now = moment if moment.tzinfo else moment.astimezone()
    db = _open(db_path)
    try:
        result = due_list(
            db.conn, now, agent=agent, overdue_days=DEFAULT_OVERDUE_DAYS if overdue_days is None else overdue_days
        )
    finally:
        db.close()
    emit(result, fmt, out, f"待办-{now:%Y-%m-%d}")


@report.command("remark")
@click.option("--agent", required=True, help="The agent's name.")
@click.option("--date", "day", default=None, help="Day (default: today).")
@click.option("--strengths", "--优点", "strengths", default=None, help="优点")
@click.option("--weaknesses", "--缺点", "weaknesses", default=None, help="缺点")
@click.option("--suggestions", "--建议", "suggestions", default=None, help="建议")
@db_option
def remark_cmd(
    db_path: Path, agent: str, day: str | None, strengths: str | None, weaknesses: str | None, suggestions: str | None
) -> None:
    """Write (or, with no text, show) an agent's 优点/缺点/建议 for a day.

    A part left out keeps what was written before; an empty string clears it.
    """
    from callscript.reports.queries import remarks, save_remark

    when = _day(day)
    db = _open(db_path)
    try:
        if strengths is None and weaknesses is None and suggestions is None:
            found = [r for r in remarks(db.conn, when, when) if r.agent == agent.strip()]
        else:
            try:
                found = [
                    save_remark(
                        db.conn, agent, when, strengths=strengths, weaknesses=weaknesses, suggestions=suggestions
                    )
                ]
            except LookupError as exc:
                raise BadInput(str(exc.args[0])) from None
    finally:
        db.close()
    if not found:
        click.echo(f"{agent} 在 {when} 没有写优点/缺点/建议。")
        return
    r = found[0]
    click.echo(f"{r.agent} {r.day}")
    for label, text in (("优点", r.strengths), ("缺点", r.weaknesses), ("建议", r.suggestions)):
        click.echo(f"  {label}: {text or ''}")


@report.command("rebuild")
@db_option
def rebuild_cmd(db_path: Path) -> None:
    """Recompute the report tables from the calls (a repair; normally they are kept current)."""
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
    type=click.IntRange(min=1, max=3660),
    default=21,
    show_default=True,
    help="Calendar days to simulate, ending today (or --end).",
)
@click.option("--agents", type=click.IntRange(min=1, max=500), default=8, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same data).")
@click.option("--end", default=None, help="Last simulated day (default: today, up to the current time).")
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
    db_path: Path, days: int, agents: int, seed: int, end: str | None, append: bool, script_path: Path | None
) -> None:
    """Fill a database with realistic generated calls (agents, leads, callbacks, mailings, remarks)."""
    from callscript.reports.demo import DemoConfig, generate
    from callscript.storage import Store

    last = _day(end, "--end") if end else None
    store = Store.open(db_path, synchronous="NORMAL")
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
