"""``callscript users`` (accounts) and ``callscript audit`` (the audit log).

The CLI runs on the host, next to the database file, so it acts with the file owner's
rights: as the documented local ``system`` actor (``cli:user@host`` in the audit log),
not as an account. A password is read from a prompt with confirmation, or from standard
input with ``--password-stdin`` (for scripts), never from an argument: arguments are
visible to every user of the host in ``ps`` and are kept in shell histories.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from callscript.cli.common import FORCE_HELP, BadInput, db_option, plan_output_or_exit, write_output_or_exit
from callscript.cli.params import DAY
from callscript.core.access import ROLE_LABELS, Role

ROLES = [role.value for role in Role]


def _open(db_path: Path, *, create: bool):
    from callscript.storage import StorageError, Store

    if not create and not db_path.exists():
        raise BadInput(f"no database at {db_path}")
    try:
        return Store.open(db_path, create=create)
    except StorageError as exc:
        raise BadInput(str(exc)) from None
    except OSError as exc:
        raise BadInput(f"{db_path}: cannot open the database: {exc.strerror or exc}") from None


def _new_password(password_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    return click.prompt("密码 (password)", hide_input=True, confirmation_prompt="再输一次 (again)", err=True)


def _admin(store):
    from callscript.accounts import AccountAdmin

    return AccountAdmin(store, store.actor)


# ---------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------


@click.group("users")
def users() -> None:
    """Accounts: who may log in to the app (terminal or browser), with which role.

    Roles: agent (calls; own callbacks, calls and figures), supervisor (also every
    report, the script editor, remarks, the floor board), admin (also accounts).
    Once any account exists, every app starts with a login screen.
    """


password_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (one line), e.g. piped from a secrets manager.",
)


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="agent, supervisor or admin.")
@password_stdin_option
@db_option
def add_cmd(name: str, role: str, password_stdin: bool, db_path: Path) -> None:
    """Add an account NAME (an agent's is linked to the agent of the same name)."""
    from callscript.accounts import PasswordRejected
    from callscript.storage import DuplicateAccount

    if not name.strip():
        raise BadInput("an account needs a name")
    with _open(db_path, create=True) as store:
        if store.account_named(name) is not None:
            raise BadInput(f"an account named {name.strip()!r} exists already")
        password = _new_password(password_stdin)
        try:
            account = _admin(store).add(name, role, password)
        except (PasswordRejected, DuplicateAccount) as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"added {account.name} ({account.role}, {ROLE_LABELS[Role(account.role)]})")


@users.command("passwd")
@click.argument("name")
@password_stdin_option
@db_option
def passwd_cmd(name: str, password_stdin: bool, db_path: Path) -> None:
    """Set a new password for NAME (also ends a lockout)."""
    from callscript.accounts import PasswordRejected

    with _open(db_path, create=False) as store:
        if store.account_named(name) is None:
            raise BadInput(f"no account named {name.strip()!r}")
        password = _new_password(password_stdin)
        try:
            _admin(store).change_password(name, password)
        except PasswordRejected as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"password changed for {name.strip()}")


@users.command("disable")
@click.argument("name")
@db_option
def disable_cmd(name: str, db_path: Path) -> None:
    """Disable NAME: no more logins; its open sessions end at their next action."""
    _set_disabled(name, True, db_path)


@users.command("enable")
@click.argument("name")
@db_option
def enable_cmd(name: str, db_path: Path) -> None:
    """Enable NAME again."""
    _set_disabled(name, False, db_path)


def _set_disabled(name: str, disabled: bool, db_path: Path) -> None:
    with _open(db_path, create=False) as store:
        if store.account_named(name) is None:
            raise BadInput(f"no account named {name.strip()!r}")
        _admin(store).set_disabled(name, disabled)
    click.echo(f"{name.strip()} {'disabled' if disabled else 'enabled'}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@db_option
def list_cmd(as_json: bool, db_path: Path) -> None:
    """Every account: name, role, status (active, locked until, disabled), password changed."""
    with _open(db_path, create=False) as store:
        now = store.now()
        rows = []
        for account in _admin(store).accounts():
            if account.disabled:
                status = "disabled"
            elif account.locked_until is not None and account.locked_until > now:
                status = f"locked until {account.locked_until:%Y-%m-%d %H:%M}"
            else:
                status = "active"
            rows.append(
                {
                    "name": account.name,
                    "role": account.role,
                    "status": status,
                    "password_changed": account.password_changed_at.isoformat()
                    if account.password_changed_at
                    else None,
                    "created": account.created_at.isoformat() if account.created_at else None,
                }
            )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no accounts yet: add an admin with `callscript users add NAME --role admin`")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "role", "status", "password changed", box=None, pad_edge=False)
    for row in rows:
        table.add_row(row["name"], row["role"], row["status"], (row["password_changed"] or "")[:16])
    Console(soft_wrap=True).print(table)


# ---------------------------------------------------------------------------
# audit
# ---------------------------------------------------------------------------

AUDIT_COLUMNS = ("at", "action", "actor", "origin", "target", "detail")


@click.command("audit")
@click.option("--since", type=DAY, default=None, help="From this day (2026-11-25, 11-25, 昨天, -7 …).")
@click.option("--until", type=DAY, default=None, help="Up to and including this day.")
@click.option("--action", default=None, help="Only this action (login, login_failed, lockout, publish, …).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table for a person; csv (UTF-8 with BOM in a file) or json for a program.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (created 0600) instead of standard output.",
)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@db_option
def audit_cmd(
    since: date | None,
    until: date | None,
    action: str | None,
    fmt: str,
    out: Path | None,
    force: bool,
    db_path: Path,
) -> None:
    """The audit log: logins, failed logins, lockouts, logouts, publishes, do-not-call changes,
    remarks, account changes — who, when, where from. Append-only."""
    from datetime import timedelta

    if since and until and since > until:
        raise BadInput(f"--since {since} is after --until {until}")
    target = plan_output_or_exit(out, force=force, db_path=db_path) if out is not None else None
    with _open(db_path, create=False) as store:
        entries = store.acting_as(store.actor).audit_entries(
            since=since, until=(until + timedelta(days=1)) if until else None, action=action or None
        )
    rows = [
        [e.at, e.action, e.actor, e.origin, e.target, json.dumps(e.detail, ensure_ascii=False) if e.detail else None]
        for e in entries
    ]
    if fmt == "json":
        data = (
            json.dumps(
                [
                    dict(zip(AUDIT_COLUMNS, [r[0].isoformat(), *r[1:5], e.detail or None]))
                    for r, e in zip(rows, entries)
                ],
                ensure_ascii=False,
                indent=2,
            ).encode("utf-8")
            + b"\n"
        )
    elif fmt == "csv":
        from callscript.files.tabular import TEXT, WHEN, Column, Sheet, csv_bytes, csv_text

        sheet = Sheet("audit", [Column("at", WHEN), *(Column(c, TEXT) for c in AUDIT_COLUMNS[1:])], rows)
        data = csv_bytes(sheet) if target is not None else csv_text(sheet).encode("utf-8")
    else:
        data = _audit_table(rows).encode("utf-8")
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_output_or_exit(target, data)
    click.echo(f"wrote {len(rows)} audit entries to {target.path}")


def _audit_table(rows: list[list]) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    if not rows:
        return "no audit entries\n"
    table = Table(*AUDIT_COLUMNS, box=None, pad_edge=False)
    for at, *rest in rows:
        table.add_row(f"{at:%Y-%m-%d %H:%M:%S}", *(str(v) if v is not None else "" for v in rest))
    buffer = io.StringIO()
    Console(file=buffer, width=200, soft_wrap=True).print(table)
    return buffer.getvalue()


def register(cli: click.Group) -> None:
    cli.add_command(users)
    cli.add_command(audit_cmd)


__all__ = ["register"]
