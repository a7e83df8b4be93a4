"""The floor server without a browser: our page (nothing from outside the host), the session
limit and its "full" page, the tab's address in its app's environment, trusted proxies,
and the CLI refusing to serve before any account exists."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from callscript.cli.main import cli
from callscript.core.access import system_actor
from callscript.serve import FloorServer, app_command, client_address
from callscript.serve.server import ASSETS, TEMPLATES
from callscript.storage import Store

HERE = Path(__file__).resolve().parent
EXTERNAL = re.compile(r"""(?:https?:)?//(?!www\.w3\.org/2000/svg)[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


@pytest.fixture
def db_path(tmp_path) -> Path:
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_account("管理员", "admin", "$argon2id$stand-in", actor=system_actor("cli:test"))
    return path


@pytest.fixture
def env_out(tmp_path, monkeypatch) -> Path:
    out = tmp_path / "env.jsonl"
    monkeypatch.setenv("FAKE_APP_OUT", str(out))
    return out


def fake_server(db_path: Path, **options) -> FloorServer:
    command = f"exec {sys.executable} {HERE / 'fake_app.py'}"
    return FloorServer(command, db_path, port=0, **options)


async def client_for(server: FloorServer) -> TestClient:
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    return client


def test_our_page_and_assets_name_nothing_outside_the_host():
    for path in [*TEMPLATES.iterdir(), *ASSETS.iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert not EXTERNAL.findall(text), f"{path.name} names an outside address: {EXTERNAL.findall(text)}"
    assert "fonts.googleapis" not in (TEMPLATES / "app_index.html").read_text(encoding="utf-8")


async def test_the_page_is_ours_with_a_policy_that_allows_only_this_host(db_path):
    client = await client_for(fake_server(db_path))
    try:
        response = await client.get("/")
        html = await response.text()
        assert response.status == 200
        assert "正在连接" in html and "googleapis" not in html
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert html.count(f'nonce="{nonce}"') == 2
        for asset in ("static/js/textual.js", "static/css/xterm.css", "assets/callscript.css", "favicon.ico"):
            assert (await client.get("/" + asset)).status == 200, asset
        assert (await client.get("/static/")).status in (403, 404)  # no directory listing
        css = await (await client.get("/assets/callscript.css")).text()
        assert "RobotoMono-VariableFont_wght.ttf" in css and "unicode-range" in css
        font = await client.get("/static/fonts/RobotoMono-VariableFont_wght.ttf")
        assert font.status == 200
    finally:
        await client.close()


async def test_the_tabs_address_and_the_browser_flag_reach_its_app(db_path, env_out):
    server = fake_server(db_path, environment={"CALLSCRIPT_IDLE_LOCK_MINUTES": "3"})
    client = await client_for(server)
    try:
        ws = await client.ws_connect("/ws?width=100&height=30")
        first = await ws.receive(timeout=10)
        assert first.type == WSMsgType.BINARY and b"ready" in first.data
        await ws.send_json(["stdin", ""])  # dropped: an empty packet would read as end of input
        await ws.send_json(["stdin", "1"])
        echoed = await ws.receive(timeout=10)
        assert echoed.data == b"key:1"
        await ws.close()
    finally:
        await client.close()
    [seen] = [json.loads(line) for line in env_out.read_text().splitlines()]
    assert seen == {
        "CALLSCRIPT_REMOTE_ADDR": "127.0.0.1",
        "CALLSCRIPT_WEB": "1",
        "CALLSCRIPT_IDLE_LOCK_MINUTES": "3",
        "TEXTUAL_DRIVER": "callscript.tui.web_driver:FloorWebDriver",  # serve.server.TAB_DRIVER
    }


async def test_beyond_max_sessions_a_tab_gets_the_full_page_and_the_refusal_is_audited(db_path, env_out):
    server = fake_server(db_path, max_sessions=2)
    client = await client_for(server)
    sockets = []
    try:
        for _ in range(2):
            ws = await client.ws_connect("/ws")
            await ws.receive(timeout=10)
            sockets.append(ws)
        assert len(server.tabs) == 2
        full = await client.get("/")
        page = await full.text()
        assert full.status == 503 and full.headers["Retry-After"] == "30"
        assert "坐席已满" in page and "The floor is full" in page and "2" in page
        extra = await client.ws_connect("/ws")  # past the page: closed at once, no app started
        closing = await extra.receive(timeout=10)
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        assert len(server.tabs) == 2
        await sockets.pop().close()
        for _ in range(100):
            if len(server.tabs) < 2:
                break
            await asyncio.sleep(0.05)
        assert (await client.get("/")).status == 200  # a tab closed: room again
    finally:
        for ws in sockets:
            await ws.close()
        for _ in range(200):  # every tab's app has ended
            if not server.tabs:
                break
            await asyncio.sleep(0.05)
        await client.close()
    with Store.open(db_path) as store:
        refused = store.audit_entries(action="session_refused")
    assert [(e.actor, e.origin, e.detail) for e in refused] == [("system", "127.0.0.1", {"max_sessions": 2})] * 2


def test_forwarded_address_is_taken_only_from_a_trusted_proxy():
    assert client_address("127.0.0.1", "203.0.113.9", ["127.0.0.1"]) == "203.0.113.9"
    assert client_address("127.0.0.1", "1.1.1.1, 203.0.113.9", ["127.0.0.1"]) == "203.0.113.9"
    assert client_address("10.0.0.8", "203.0.113.9", ["127.0.0.1"]) == "10.0.0.8"  # not a proxy: its own word
    assert client_address("127.0.0.1", "not-an-address", ["127.0.0.1"]) == "127.0.0.1"
    assert client_address(None, None, []) == "unknown"


def test_the_app_command_quotes_paths_and_execs():
    command = app_command(Path("/srv/call script/c.db"), Path("/srv/s.yaml"), python="/usr/bin/python3")
    assert command == "exec /usr/bin/python3 -m callscript --db '/srv/call script/c.db' --script /srv/s.yaml"


def test_serve_refuses_to_start_without_an_account(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "empty.db"), "--port", "0"])
    assert result.exit_code == 2
    assert "callscript users add NAME --role admin" in result.output
