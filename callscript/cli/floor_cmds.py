"""``callscript floor``: the live floor board in a terminal, its JSON snapshot, the day's figures,
the board's settings (listed and set), and the actions a supervisor takes from it (docs/floor.md).

The CLI runs on the host with the database file's owner's rights (the local ``system`` actor,
as every command); the audit log names it. The board, figures and actions are
:mod:`callscript.floor`'s and storage's, the same the app's board screen uses.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from callscript.cli.common import BadInput, db_option, open_store
from callscript.cli.params import DAY, Amount
from callscript.cli.report_cmds import DAY_HELP, emit, output_options, plan_report_output

if TYPE_CHECKING:
    from rich.console import RenderableType

    from callscript.floor.board import Board


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


@click.group("floor", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print one snapshot as JSON and exit.")
@click.option("--once", is_flag=True, help="Print the board once (no live refresh) and exit.")
@click.option(
    "--every",
    type=Amount(0.5, 60, "seconds"),
    default=2.0,
    show_default=True,
    help="Seconds between refreshes of the live board.",
)
@db_option
@click.pass_context
def floor(ctx: click.Context, db_path: Path, as_json: bool, once: bool, every: float) -> None:
    """The live floor board: every agent's state, call, node and day; the alerts (Ctrl+C ends it)."""
    if ctx.invoked_subcommand is not None:
        return
    from callscript.core.floor_settings import FloorSettings
    from callscript.floor.board import read_board
    from callscript.floor.render import board_json

    store = open_store(db_path)
    try:
        if as_json:
            board = read_board(store, _now())
            click.echo(json.dumps(board_json(board), ensure_ascii=False, indent=2))
            return
        from rich.console import Console

        console = Console(highlight=False)
        if once or not sys.stdout.isatty():
            console.print(_board_renderable(read_board(store, _now()), console.width))
            return
        from rich.live import Live

        settings = FloorSettings.from_stored(store.floor_settings())
        read_at = time.monotonic()
        with Live(console=console, screen=True, auto_refresh=False) as live:
            try:
                while True:
                    if time.monotonic() - read_at > 30:  # a supervisor's change of a threshold shows within 30 s
                        settings, read_at = FloorSettings.from_stored(store.floor_settings()), time.monotonic()
                    live.update(_board_renderable(read_board(store, _now(), settings), console.width), refresh=True)
                    time.sleep(every)
            except KeyboardInterrupt:
                pass
    finally:
        store.close()


def _board_renderable(board: Board, width: int) -> RenderableType:
    """The board as rich renderables: the totals, a table of the same cells as the app's screen, the alerts."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from callscript.floor.render import alert_line, board_rows, layout, totals_text

    columns = layout(width)
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for i, column in enumerate(columns):
        table.add_column(column.label, no_wrap=True, min_width=column.min_width, ratio=None, overflow="ellipsis")
        if i >= 4 and column.label not in ("节点", "节点 / 客户", "最后结果", "每小时", "每小时通话"):
            table.columns[-1].justify = "right"
    for row in board_rows(board, columns):
        cells = [Text(c, style=row.style if i < 2 else "") for i, c in enumerate(row.cells)]
        table.add_row(*cells)
    parts: list[RenderableType] = [Text("主管看板  " + totals_text(board), style="bold"), table]
    alerts = board.alerts
    if alerts:
        parts.append(Text("\n".join(alert_line(a) for a in alerts), style="bold red"))
    else:
        parts.append(Text("没有提醒", style="dim"))
    return Group(*parts)


@floor.command("day")
@click.option("--date", "day", type=DAY, default=None, help=f"Day (default: today). {DAY_HELP}")
@click.option("--agent", default=None, help="One agent only.")
@output_options
@db_option
def day_cmd(db_path: Path, day: date | None, agent: str | None, fmt: str | None, out: Path | None, force: bool) -> None:
    """Each agent's day: login, logout, talk, wrap-up and pause time by reason, occupancy."""
    from callscript.floor.day import day_document, read_day
    from callscript.storage import NotFound

    now = _now()
    when = day or now.date()
    output = plan_report_output(fmt, out, force, db_path, f"坐席工作时间-{when.isoformat()}")
    store = open_store(db_path)
    try:
        try:
            days = read_day(store, when, now, agent)
        except NotFound as exc:
            raise BadInput(str(exc)) from None
    finally:
        store.close()
    emit(day_document(days, when), output)


@floor.command("settings")
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@db_option
def settings_cmd(db_path: Path, key: str | None, value: str | None, as_json: bool) -> None:
    """The board's thresholds and the pauses' maxima; with KEY VALUE, set one (audited),
    e.g. `callscript floor settings pause_max_lunch 45`."""
    from callscript.core.floor_settings import SETTINGS, FloorSettings

    if (key is None) != (value is None):
        raise BadInput("give both KEY and VALUE to change a setting, or neither to list them")
    store = open_store(db_path)
    try:
        if key is not None and value is not None:
            try:
                number = store.set_floor_setting(key, value)
            except ValueError as exc:
                raise BadInput(str(exc)) from None
            click.echo(f"{key} = {number}")
            return
        settings = FloorSettings.from_stored(store.floor_settings())
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(dict(settings.values), ensure_ascii=False, indent=2))
        return
    changed = settings.changed()
    for s in SETTINGS:
        mark = "" if s.key not in changed else f"  (默认 {s.default})"
        click.echo(f"{s.key:<26} {settings[s.key]:>5} {s.unit}  {s.label}: {s.help}{mark}")


@floor.command("reassign")
@click.argument("from_agent", metavar="FROM")
@click.argument("to_agent", metavar="TO")
@db_option
def reassign_cmd(db_path: Path, from_agent: str, to_agent: str) -> None:
    """Give an absent agent's open callbacks and follow-ups to another agent (refused while FROM is logged in)."""
    from callscript.storage import StorageError

    store = open_store(db_path)
    try:
        try:
            moved = store.reassign_open_work(from_agent, to_agent)
        except (StorageError, ValueError) as exc:
            raise BadInput(str(exc)) from None
    finally:
        store.close()
    click.echo(
        f"{from_agent} → {to_agent}: {moved.callbacks} callback(s), {moved.follow_ups} follow-up(s), {moved.leads} lead(s)"
    )


def register(cli: click.Group) -> None:
    cli.add_command(floor)
