"""``callscript leads import|list|dnc`` and ``callscript export mailings|calls`` (docs/leads.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from callscript.cli.common import (
    FORCE_HELP,
    BadInput,
    db_option,
    force_option,
    open_store,
    plan_output_or_exit,
    write_output_or_exit,
)
from callscript.cli.params import DAY, LIMIT
from callscript.files.output import OutputTarget

if TYPE_CHECKING:
    from callscript.leads.exports import ExportTable

MAX_PROBLEMS_SHOWN = 50


def _agent_name(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    ctx = click.get_current_context(silent=True)
    top = ((ctx.find_root().obj or {}).get("agent") if ctx else None) or None
    if top:
        return top
    from callscript.config import AgentConfig

    return AgentConfig.load().agent_name or None


# ---------------------------------------------------------------------------
# leads
# ---------------------------------------------------------------------------


@click.group("leads")
def leads_group() -> None:
    """Lead lists: import the data team's files, list leads, do-not-call."""


@leads_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read a column into a field, e.g. --map 单位=company (fields: company contact title department phone "
    "industry source notes, or ignore). Repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report what would happen; write nothing.")
@click.option(
    "--encoding", default=None, help="CSV text encoding (default: detect UTF-8 / UTF-8 with BOM / GBK / UTF-16)."
)
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first sheet).")
@click.option(
    "--region", default=None, help="Country of numbers written without +code (default: $CALLSCRIPT_REGION or CN)."
)
@click.option(
    "--source", "default_source", default=None, help="来源 for rows whose source cell is empty (e.g. 广交会2026)."
)
@click.option("--strict", is_flag=True, help="Import nothing if any row is rejected.")
@click.option(
    "--problems",
    "problems_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every row not imported (row, status, reason) to this CSV file (checked before importing).",
)
@force_option
@click.option("--all-problems", is_flag=True, help=f"List every problem row (default: the first {MAX_PROBLEMS_SHOWN}).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@db_option
def import_cmd(
    file: Path,
    maps: tuple[str, ...],
    dry_run: bool,
    encoding: str | None,
    sheet: str | None,
    region: str | None,
    default_source: str | None,
    strict: bool,
    problems_out: Path | None,
    all_problems: bool,
    as_json: bool,
    force: bool,
    db_path: Path,
) -> None:
    """Import leads from a CSV or XLSX FILE (Chinese or English headers).

    Bad rows are reported with their row number (the header is row 1) and
    skipped; numbers already known, in any spelling, are skipped as duplicates
    (a do-not-call lead stays do-not-call). The import is one transaction.
    """
    from callscript.core.phones import PhoneError
    from callscript.files.tabular import csv_bytes
    from callscript.leads.importer import ImportFileError, import_leads, parse_mapping, problems_sheet
    from callscript.storage import StorageError

    try:
        mapping = parse_mapping(maps)
    except ImportFileError as exc:
        raise BadInput(str(exc)) from None
    # checked before anything is imported: a problems file that cannot be written fails now,
    # not after the import has committed
    problems_target = plan_output_or_exit(problems_out, force=force, db_path=db_path) if problems_out else None
    store = open_store(db_path, create=True)
    try:
        result = import_leads(
            store,
            file,
            mapping=mapping,
            encoding=encoding,
            sheet=sheet,
            region=region,
            default_source=default_source,
            dry_run=dry_run,
            strict=strict,
        )
    except (ImportFileError, PhoneError) as exc:
        raise BadInput(str(exc)) from None
    except StorageError as exc:  # a full disk, a damaged file: the one transaction rolled back
        raise BadInput(f"{exc}; nothing was imported") from None
    except KeyboardInterrupt:
        click.echo("interrupted: nothing was imported", err=True)
        sys.exit(130)
    finally:
        store.close()
    if problems_target is not None:
        done = "dry run: nothing was imported" if dry_run else f"{result.imported} lead(s) imported and committed"
        write_output_or_exit(problems_target, csv_bytes(problems_sheet(result)), committed=done)
    if as_json:
        click.echo(json.dumps(_result_json(result), ensure_ascii=False, indent=2))
        return
    where = f"sheet {result.sheet!r}" if result.format == "xlsx" else result.encoding
    click.echo(
        f"{result.path}: {result.format.upper()}, {where}, header on row {result.header_row}, {result.rows_read} rows"
    )
    if result.sheet_note:
        click.echo(result.sheet_note)
    click.echo("columns: " + ", ".join(f"{field}←{'+'.join(cols)}" for field, cols in result.columns.items()))
    if result.ignored_columns:
        click.echo("ignored columns: " + ", ".join(result.ignored_columns) + "  (use --map COLUMN=FIELD to read one)")
    problems = result.problems()
    shown = problems if all_problems else problems[:MAX_PROBLEMS_SHOWN]
    for row, status, reason in shown:
        click.echo(f"  row {row}: {status}: {reason}")
    if len(shown) < len(problems):
        click.echo(f"  … and {len(problems) - len(shown)} more (--all-problems, or --problems FILE)")
    click.echo(result.summary())
    if dry_run:
        click.echo("dry run: nothing was written")
    elif result.seconds > 0 and result.rows_read >= 10000:
        click.echo(f"{result.rows_per_second:,.0f} rows/s")


def _result_json(result) -> dict[str, Any]:
    return {
        "path": result.path,
        "format": result.format,
        "encoding": result.encoding,
        "sheet": result.sheet,
        "sheet_note": result.sheet_note,
        "header_row": result.header_row,
        "columns": result.columns,
        "ignored_columns": result.ignored_columns,
        "rows": result.rows_read,
        "imported": result.imported,
        "dry_run": result.dry_run,
        "duplicates": [
            {
                "row": d.row,
                "phone": d.phone,
                "phone_norm": d.phone_norm,
                "first_row": d.first_row,
                "lead_id": d.lead_id,
                "do_not_call": d.do_not_call,
                "reason": d.reason,
            }
            for d in result.duplicates
        ],
        "rejected": [
            {"row": p.row, "reason": p.reason, "phone": p.phone, "company": p.company} for p in result.rejected
        ],
    }


@leads_group.command("list")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    help="Only these stages (callback_due, follow_up_due, new, retry_due, callback, mailed, called, "
    "set_aside, maintained, closed, dead). Repeatable.",
)
@click.option("--industry", default=None, help="Only this industry.")
@click.option("--search", default=None, help="Company, contact or phone contains this.")
@click.option("--all", "include_closed", is_flag=True, help="Also maintained, closed and dead leads.")
@click.option("--dnc", "dnc_only", is_flag=True, help="List the do-not-call leads instead.")
@click.option("--agent", default=None, help="As this agent sees the list (others' callbacks left out).")
@click.option("--limit", type=LIMIT, default=100, show_default=True, help="At most this many rows.")
@click.option("--mask-phones", is_flag=True, help="Show 138 **** 5678.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def list_cmd(
    stages: tuple[str, ...],
    industry: str | None,
    search: str | None,
    include_closed: bool,
    dnc_only: bool,
    agent: str | None,
    limit: int,
    mask_phones: bool,
    as_json: bool,
    db_path: Path,
) -> None:
    """The lead list as agents see it: due work first, then new leads; never do-not-call."""
    from callscript.core.lifecycle import STAGE_LABELS
    from callscript.core.phones import display_phone, mask_phone
    from callscript.leads import lead_list
    from callscript.storage import NotFound

    unknown = [s for s in stages if s not in STAGE_LABELS]
    if unknown:
        raise BadInput(f"unknown stage(s): {', '.join(unknown)} (stages: {', '.join(STAGE_LABELS)})")
    if not db_path.exists():
        raise BadInput(f"no database at {db_path} (import leads first: callscript leads import FILE)")
    store = open_store(db_path)

    def shown_phone(lead) -> str:
        text = display_phone(lead.phone_norm) if lead.phone_norm.startswith("+") else lead.phone
        return mask_phone(text) if mask_phones else text

    with store:
        if dnc_only:
            leads = store.do_not_call_leads(limit=limit)
            if as_json:
                click.echo(
                    json.dumps(
                        [
                            {
                                "id": lead.id,
                                "company": lead.company,
                                "contact": lead.contact,
                                "phone": shown_phone(lead),
                                "notes": lead.notes,
                            }
                            for lead in leads
                        ],
                        ensure_ascii=False,
                        indent=2,
                    )
                )
                return
            for lead in leads:
                note = (lead.notes or "").splitlines()[-1] if lead.notes else ""
                click.echo(f"{lead.id:>6}  {shown_phone(lead):<18} {lead.company}  {note}")
            click.echo(f"{len(leads)} do-not-call lead(s)")
            return
        try:
            rows = lead_list(
                store,
                agent=agent,
                industry=industry,
                search=search,
                stages=stages or None,
                include_closed=include_closed,
                limit=limit,
            )
        except NotFound as exc:
            raise BadInput(str(exc)) from None
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": r.lead.id,
                        "stage": r.stage,
                        "stage_label": r.stage_label,
                        "due": r.due,
                        "marker": r.marker,
                        "due_at": r.due_at.isoformat() if r.due_at else None,
                        "attempts": r.attempts,
                        "no_answers": r.no_answers,
                        "company": r.lead.company,
                        "contact": r.lead.contact,
                        "title": r.lead.title,
                        "phone": shown_phone(r.lead),
                        "phone_kind": r.lead.phone_kind,
                        "industry": r.lead.industry,
                        "last_outcome": r.lead.last_outcome,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("", "#", "阶段", "拨打", "到期", "公司", "联系人", "电话", "行业"):
        table.add_column(name, no_wrap=name in ("电话", "到期"))
    for r in rows:
        due = r.due_at.strftime("%m-%d %H:%M") if r.due_at else ""
        table.add_row(
            r.marker,
            str(r.lead.id),
            r.stage_label,
            str(r.attempts),
            due,
            r.lead.company,
            r.lead.contact or "",
            shown_phone(r.lead),
            r.lead.industry or "",
        )
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{len(rows)} lead(s)" + (f" (limit {limit})" if len(rows) >= limit else ""))


@leads_group.command("dnc")
@click.argument("phone")
@click.option("--reason", default=None, help="Why (kept in the lead's notes), e.g. 客户要求不要再打.")
@click.option("--company", default=None, help="Company name if the number is not a lead yet.")
@click.option("--agent", default=None, help="Who marks it (default: the configured agent).")
@click.option("--undo", is_flag=True, help="Clear the mark (a mistake); the note stays.")
@click.option("--region", default=None, help="Country of a number without +code (default CN).")
@db_option
def dnc_cmd(
    phone: str,
    reason: str | None,
    company: str | None,
    agent: str | None,
    undo: bool,
    region: str | None,
    db_path: Path,
) -> None:
    """Never call PHONE again (any spelling of the number). A number not yet a lead is
    recorded as do-not-call so a later import skips it."""
    from callscript.core.phones import PhoneError, display_phone, parse_phone
    from callscript.leads import clear_phone_do_not_call, mark_phone_do_not_call

    who = _agent_name(agent)
    store = open_store(db_path, create=True)
    with store:
        try:
            if undo:
                cleared = clear_phone_do_not_call(store, phone, agent=who, region=region)
                if cleared is None:
                    raise BadInput(f"no lead with the number {display_phone(parse_phone(phone, region).norm)}")
                lead = cleared
                click.echo(f"lead {lead.id} ({lead.company}, {display_phone(lead.phone_norm)}) may be called again")
                return
            lead, created = mark_phone_do_not_call(store, phone, reason, company=company, agent=who, region=region)
        except PhoneError as exc:
            raise BadInput(str(exc)) from None
    what = "added as do-not-call" if created else "marked do-not-call"
    click.echo(f"lead {lead.id} ({lead.company}, {display_phone(lead.phone_norm)}) {what}")


# ---------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------


@click.group("export")
def export_group() -> None:
    """Spreadsheets for people outside the app: the mail room, the supervisor."""


def _export_options(fn: Callable) -> Callable:
    options = [
        click.option(
            "--date",
            "day",
            type=DAY,
            default=None,
            help="One day (2026-11-25, 11-25, 今天, 昨天, -3, 周五). Default: today.",
        ),
        click.option("--from", "since", type=DAY, default=None, help="First day (inclusive)."),
        click.option("--to", "until", type=DAY, default=None, help="Last day (inclusive)."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["csv", "xlsx"]),
            default=None,
            help="csv (UTF-8 with BOM, opens right in Excel) or xlsx. Default: from --out, else csv.",
        ),
        click.option(
            "--out",
            "out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Output file ('-' for standard output; a file is created 0600). Default: a name with the dates, here.",
        ),
        click.option("--force", is_flag=True, help=FORCE_HELP),
        click.option("--mask-phones", is_flag=True, help="Show 138 **** 5678 instead of the number."),
        click.option(
            "--lang",
            type=click.Choice(["zh", "en"]),
            default="zh",
            show_default=True,
            help="zh: Chinese headers and values; en: English headers, raw values.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _range(day: date | None, since: date | None, until: date | None) -> tuple[date | None, date | None, str]:
    if day and (since or until):
        raise BadInput("give --date, or --from/--to, not both")
    if day:
        return day, day, day.isoformat()
    if since or until:
        if since and until and since > until:
            raise BadInput(f"--from {since} is after --to {until}")
        return since, until, f"{since or 'start'}_{until or 'end'}"
    today = date.today()
    return today, today, today.isoformat()


@dataclass(frozen=True, slots=True)
class ExportOutput:
    fmt: str
    target: OutputTarget | None  # None: standard output


def _plan_export(kind: str, label: str, fmt: str | None, out: Path | None, force: bool, db_path: Path) -> ExportOutput:
    """The format and the checked output file, before the database is read."""
    if fmt is None:
        fmt = "xlsx" if out is not None and out.suffix.lower() == ".xlsx" else "csv"
    if out is None:
        out = Path(f"{kind}-{label}.{fmt}")
    if str(out) == "-":
        if fmt == "xlsx" and sys.stdout.isatty():
            raise BadInput("will not write an .xlsx workbook to the terminal; use --out FILE")
        return ExportOutput(fmt, None)
    return ExportOutput(fmt, plan_output_or_exit(out, force=force, db_path=db_path))


def _write(table: ExportTable, kind: str, output: ExportOutput, lang: str) -> None:
    from callscript.leads.exports import write_table

    if output.target is None:  # standard output: for a program, so no byte-order mark
        if output.fmt == "csv":
            from callscript.files.tabular import csv_text
            from callscript.leads.exports import to_sheet

            sys.stdout.buffer.write(csv_text(to_sheet(table, lang)).encode("utf-8"))
        else:
            write_table(table, output.fmt, sys.stdout.buffer, lang=lang)
        sys.stdout.buffer.flush()
        click.echo(f"{len(table.rows)} {kind} row(s)", err=True)
        return
    write_output_or_exit(output.target, lambda fh: write_table(table, output.fmt, fh, lang=lang))
    click.echo(f"wrote {len(table.rows)} {kind} row(s) to {output.target.path}")


@export_group.command("mailings")
@_export_options
@db_option
def export_mailings(
    day: date | None,
    since: date | None,
    until: date | None,
    fmt: str | None,
    out: Path | None,
    mask_phones: bool,
    lang: str,
    force: bool,
    db_path: Path,
) -> None:
    """What the mail room posts: contact, title, company, the address as read back,
    what to send (card and materials), agent, date."""
    from callscript.leads.exports import mailings_table

    start, end, label = _range(day, since, until)
    output = _plan_export("mailings", label, fmt, out, force, db_path)
    if not db_path.exists():
        raise BadInput(f"no database at {db_path}")
    with open_store(db_path) as store:
        table = mailings_table(store, since=start, until=end, mask_phones=mask_phones, lang=lang)
    _write(table, "mailings", output, lang)


@export_group.command("calls")
@_export_options
@click.option("--agent", default=None, help="Only this agent's calls.")
@db_option
def export_calls(
    day: date | None,
    since: date | None,
    until: date | None,
    fmt: str | None,
    out: Path | None,
    mask_phones: bool,
    lang: str,
    force: bool,
    agent: str | None,
    db_path: Path,
) -> None:
    """Every finished call with its outcome, grade (and why), conditions and facts."""
    from callscript.leads.exports import calls_table

    start, end, label = _range(day, since, until)
    output = _plan_export("calls", label, fmt, out, force, db_path)
    if not db_path.exists():
        raise BadInput(f"no database at {db_path}")
    with open_store(db_path) as store:
        table = calls_table(store, since=start, until=end, agent=agent, mask_phones=mask_phones, lang=lang)
    _write(table, "calls", output, lang)


def register(cli: click.Group) -> None:
    cli.add_command(leads_group)
    cli.add_command(export_group)


__all__ = ["register"]
