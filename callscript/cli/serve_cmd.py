"""``callscript serve``: the agent's app in the browser (docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path

import click

from callscript.cli.common import BadInput, db_option, script_path_or_default
from callscript.cli.params import Amount, Count

NO_ACCOUNTS = "no account exists yet: create an admin with `callscript users add NAME --role admin` first"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=Count(0, 65535), default=8000, show_default=True, help="Port (0: any free port).")
@click.option(
    "--max-sessions",
    type=Count(1, 1000, "tabs"),
    default=None,
    help="Browser tabs at once; the next gets a 'full' page (default: 50; see docs/scaling.md).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    help="Address of a reverse proxy whose X-Forwarded-For names the browser (repeatable), e.g. 127.0.0.1.",
)
@click.option(
    "--idle-lock",
    "idle_lock",
    type=Amount(0.1, 24 * 60, "minutes"),
    default=None,
    help="Minutes without a key before a tab asks for the password again (default: $CALLSCRIPT_IDLE_LOCK_MINUTES or 10).",
)
@click.option(
    "--script",
    "script_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The published call script every tab follows (default: scripts/ctrip.yaml).",
)
@db_option
@click.pass_context
def serve_cmd(
    ctx: click.Context,
    host: str,
    port: int,
    max_sessions: int | None,
    trusted_proxies: tuple[str, ...],
    idle_lock: float | None,
    script_path: Path | None,
    db_path: Path,
) -> None:
    """Serve the agent's app to browsers: one app per tab, the same database and published script.

    Refuses to start while no account exists (a browser tab always logs in). Listens on
    localhost unless --host says otherwise; put a TLS reverse proxy in front for the floor.
    """
    from callscript.config import IDLE_LOCK_MINUTES_ENV
    from callscript.serve import DEFAULT_MAX_SESSIONS, serve
    from callscript.storage import StorageError, Store

    script = script_path or (ctx.find_root().obj or {}).get("script")
    script = script_path_or_default(script)
    if not script.exists():
        raise BadInput(f"no script at {script}")
    try:
        with Store.open(db_path) as store:
            if not store.has_accounts():
                raise BadInput(NO_ACCOUNTS)
    except StorageError as exc:
        raise BadInput(str(exc)) from None
    environment = {IDLE_LOCK_MINUTES_ENV: f"{idle_lock:g}"} if idle_lock is not None else {}
    serve(
        db_path=db_path,
        script_path=script,
        host=host,
        port=port,
        max_sessions=max_sessions or DEFAULT_MAX_SESSIONS,
        trusted_proxies=trusted_proxies,
        environment=environment,
    )


def register(cli: click.Group) -> None:
    cli.add_command(serve_cmd)


__all__ = ["register"]
