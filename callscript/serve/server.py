"""``callscript serve``: the agent's app in the browser, one app process per tab (docs/deploy.md).

Built on textual-serve (its aiohttp ``Server`` and ``AppService``, its xterm.js client),
with what a telesales floor needs on top:

* **Our own page.** ``templates/app_index.html`` replaces textual-serve's, which links
  Google Fonts: the floor may have no internet, and a page that loads nothing from outside
  leaks nothing either. Scripts, styles and fonts come from this server only
  (textual-serve's ``static/`` for the xterm.js client and Roboto Mono, ``assets/`` for
  ours); Chinese is drawn with the computer's own CJK font. A Content-Security-Policy
  header tells the browser to refuse anything else. The websocket address is worked out
  in the page from its own URL, so a TLS reverse proxy (and a sub-path) needs no setting.
* **A limit.** ``--max-sessions`` tabs at once; the next one gets a clear page (Chinese
  and English, HTTP 503) and the refusal is in the audit log.
* **Who is where.** Each tab's app process gets the browser's address
  (``$CALLSCRIPT_REMOTE_ADDR``; behind a trusted proxy, the address it forwards) and
  ``$CALLSCRIPT_WEB=1``: the app then requires a login and never reads the host user's
  config file (:mod:`callscript.tui.app`).
* **A clean stop.** SIGTERM/SIGINT close every tab's app the way a closed tab does (the
  app is asked to quit, so its logout is audited) before the server exits.

The server itself never touches a password: the login happens inside each tab's app.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import shlex
import signal
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from callscript.config import REMOTE_ADDR_ENV, WEB_ENV
from callscript.core.access import AuditAction, system_actor

log = logging.getLogger("callscript.serve")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "static"
TEXTUAL_STATIC = Path(textual_serve.__file__).resolve().parent / "static"
"""textual-serve's own statics: the xterm.js client (it must match the installed server) and Roboto Mono."""

DEFAULT_MAX_SESSIONS = 50
"""The floor the 2-core host was sized for: p99 key → screen 65 ms at 25 tabs, 117 ms at 50
on a shared machine (bench/bench_serve.py; docs/scaling.md)."""

TAB_DRIVER = "callscript.tui.web_driver:FloorWebDriver"
"""Textual's web driver, with an input thread that sleeps while a tab is idle (callscript/tui/web_driver.py)."""

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""Only this server: scripts by nonce (the page's two inline scripts), styles inline too (xterm.js
injects its own), the websocket to this host ('self' covers ws/wss of the same origin)."""


def app_command(db_path: Path, script_path: Path, python: str = sys.executable) -> str:
    """The shell command that runs one tab's app (``exec``: the app is the process textual-serve watches)."""
    return " ".join(
        ["exec", shlex.quote(python), "-m", "callscript", "--db", shlex.quote(str(db_path)), "--script"]
        + [shlex.quote(str(script_path))]
    )


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str]) -> str:
    """The browser's address: the peer's, or — when the peer is a trusted reverse proxy — the last
    address it put in ``X-Forwarded-For`` (the one it saw; earlier entries are the client's word)."""
    peer = peer or "unknown"
    if not forwarded_for or peer not in set(trusted_proxies):
        return peer
    last = forwarded_for.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return peer


class TabService(AppService):
    """One tab's app process, started with the tab's address and the browser flag in its environment."""

    def __init__(self, *args: Any, remote: str, environment: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remote = remote
        self._extra_environment = dict(environment)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment.update(self._extra_environment)
        environment[REMOTE_ADDR_ENV] = self.remote
        environment[WEB_ENV] = "1"
        environment["TEXTUAL_DRIVER"] = TAB_DRIVER
        return environment

    async def stop(self) -> None:
        """Ask the app to quit (textual-serve's way), then wait for its process to end — killed after
        10 s — so no tab leaves a process (or a zombie) behind."""
        await super().stop()
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


class FloorServer(Server):
    """textual-serve's Server with our page, a session limit, the tab's address and a clean stop."""

    def __init__(
        self,
        command: str,
        db_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        title: str = "callscript",
        trusted_proxies: Iterable[str] = (),
        environment: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            command, host=host, port=port, title=title, statics_path=TEXTUAL_STATIC, templates_path=TEMPLATES
        )
        self.db_path = db_path
        self.max_sessions = max_sessions
        self.trusted_proxies = tuple(trusted_proxies)
        self.environment = dict(environment or {})
        """Extra variables for every tab's app (e.g. the idle-lock minutes given to ``serve``)."""
        self.tabs: set[TabService] = set()
        self.bound_port: int | None = None
        self._stopping = asyncio.Event()

    # -- the aiohttp application ------------------------------------------------
    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._security_headers])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.static("/static", TEXTUAL_STATIC, name="static"),
                web.static("/assets", ASSETS, name="assets"),
                web.get("/favicon.ico", self.handle_favicon),
            ]
        )
        app.on_shutdown.append(self._close_tabs)
        return app

    @web.middleware
    async def _security_headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    def remote_of(self, request: web.Request) -> str:
        return client_address(request.remote, request.headers.get("X-Forwarded-For"), self.trusted_proxies)

    @property
    def full(self) -> bool:
        return len(self.tabs) >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.Response:
        """The page of one tab, or the "full" page once ``max_sessions`` tabs are open."""
        nonce = secrets.token_urlsafe(16)
        if self.full:
            await self._audit_refusal(self.remote_of(request))
            response = aiohttp_jinja2.render_template(
                "full.html", request, {"title": self.title, "max_sessions": self.max_sessions}, status=503
            )
            response.headers["Retry-After"] = "30"
        else:
            font_size = _int(request.query.get("fontsize", "16"), 16, low=8, high=40)
            response = aiohttp_jinja2.render_template(
                "app_index.html", request, {"title": self.title, "font_size": font_size, "nonce": nonce}
            )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(nonce=nonce)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_favicon(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(ASSETS / "favicon.svg", headers={"Content-Type": "image/svg+xml"})

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's websocket handler, with our app service and the session limit."""
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        remote = self.remote_of(request)
        if self.full or self._stopping.is_set():  # a race past the index page, or shutting down
            await self._audit_refusal(remote)
            await websocket.close(code=1013, message=b"full")
            return websocket
        width = _int(request.query.get("width", "80"), 80, low=20, high=500)
        height = _int(request.query.get("height", "24"), 24, low=10, high=300)
        tab = TabService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=False,
            remote=remote,
            environment=self.environment,
        )
        self.tabs.add(tab)
        log.info("tab opened from %s (%d/%d)", remote, len(self.tabs), self.max_sessions)
        try:
            await tab.start(width, height)
            await self._relay(websocket, tab)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("tab from %s failed", remote)
        finally:
            self.tabs.discard(tab)
            with contextlib.suppress(Exception):
                await tab.stop()
            with contextlib.suppress(Exception):
                await websocket.close()
            log.info("tab closed from %s (%d/%d)", remote, len(self.tabs), self.max_sessions)
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, tab: TabService) -> None:
        """Keys and resizes from the browser to the app (textual-serve's protocol, checked)."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
                kind, data = envelope[0], envelope[1]
            except (ValueError, IndexError, TypeError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str) and data:  # empty: the app would read end of input
                await tab.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                width = _int(str(data.get("width", 80)), 80, low=20, high=500)
                height = _int(str(data.get("height", 24)), 24, low=10, high=300)
                await tab.set_terminal_size(width, height)
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await tab.blur()
            elif kind == "focus":
                await tab.focus()

    async def _audit_refusal(self, remote: str) -> None:
        def write() -> None:
            from callscript.storage import Store

            with Store.open(self.db_path, create=False) as store:
                store.audit(
                    AuditAction.SESSION_REFUSED,
                    actor=system_actor(remote),
                    detail={"max_sessions": self.max_sessions},
                )

        try:
            await asyncio.to_thread(write)
        except Exception:
            log.exception("could not write the refusal to the audit log")
        log.warning("tab from %s refused: %d sessions open", remote, len(self.tabs))

    async def _close_tabs(self, _app: web.Application) -> None:
        """Shutting down: ask every tab's app to quit (its logout is audited) and wait for it."""
        self._stopping.set()
        await asyncio.gather(*(tab.stop() for tab in list(self.tabs)), return_exceptions=True)

    # -- running ------------------------------------------------------------------
    def serve(self, debug: bool = False) -> None:
        """Run until SIGINT/SIGTERM; print the address (with the real port when ``port`` is 0)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        asyncio.run(self._run())

    async def _run(self) -> None:
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        print(f"callscript serve: http://{host}:{self.bound_port}/ (at most {self.max_sessions} tabs)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            print("callscript serve: stopping, closing every tab", flush=True)
            await runner.cleanup()


def _int(text: str, default: int, *, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        return default
    return max(low, min(high, value))


def serve(
    *,
    db_path: Path,
    script_path: Path,
    host: str,
    port: int,
    max_sessions: int,
    trusted_proxies: Iterable[str] = (),
    environment: Mapping[str, str] | None = None,
) -> None:
    """``callscript serve``: the caller has checked that accounts exist."""
    server = FloorServer(
        app_command(db_path.resolve(), script_path.resolve()),
        db_path.resolve(),
        host=host,
        port=port,
        max_sessions=max_sessions,
        trusted_proxies=trusted_proxies,
        environment=environment,
    )
    os.environ.pop(REMOTE_ADDR_ENV, None)  # never inherited by a tab from the server's own environment
    server.serve()
