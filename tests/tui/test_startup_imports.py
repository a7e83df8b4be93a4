"""What importing the agent's app loads before its first frame (docs/agent-app.md, Speed).

The first screen must not wait for the database's libraries (imported on the database
thread), nor for screens a start of shift may not show (the login and lock screens exist
only once accounts do). Each module named here was once on that path and cost start-up time."""

from __future__ import annotations

import json
import subprocess
import sys

from callscript.tui.bytecode import START_MODULES

NOT_BEFORE_THE_FIRST_FRAME = (
    "callscript.storage",
    "sqlite_utils",
    "callscript.leads",
    "phonenumbers",
    "holidays",
    "callscript.tui.screens.login",
    "callscript.accounts",
)


def test_importing_the_app_leaves_the_database_and_the_login_for_later() -> None:
    code = (
        "import sys\n"
        "import callscript.tui.app\n"
        f"wanted = {NOT_BEFORE_THE_FIRST_FRAME!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(wanted)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


NOT_ON_THE_WAY_TO_A_CALL = ("sqlite_utils", "holidays")
"""Never loaded from the app's start to its first call screen: the Store runs on the plain
sqlite3 connection (sqlite-utils ~80 ms) and China's calendar reads its committed table
(``holidays`` imports ~250 country modules)."""

START_TO_A_CALL = r"""
import json, sys
from callscript.storage import Store
from callscript.tui.app import CallscriptApp
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.leads import LeadListScreen

db, config = sys.argv[1], sys.argv[2]
with Store.open(db) as store:
    store.add_lead("测试公司有限公司", "0755-26880001", contact="王经理")
app = CallscriptApp(db_path=db, agent="张三", config_file=config)
reached = []
original = app._display

def display(screen, renderable):
    if isinstance(screen, LeadListScreen) and screen.rows and not reached:
        reached.append("list")
        app.call_later(screen.action_call)
    if isinstance(screen, CallScreen) and reached == ["list"]:
        reached.append("call")
        app.call_later(app.exit)
    return original(screen, renderable)

app._display = display
app.run(headless=True, size=(80, 24))
import sysconfig
from callscript.tui.bytecode import listing_line
stdlib, site = sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]
files = [(n, getattr(m, "__file__", None) or "") for n, m in list(sys.modules.items())]
lines = [listing_line(n, f) for n, f in files if f.endswith(".py") and (f.startswith(site) or not f.startswith(stdlib))]
print(json.dumps([reached, sorted(m for m in sys.modules if m.startswith(%r)), lines]))
"""


def test_the_way_to_the_first_call_loads_neither_sqlite_utils_nor_holidays(tmp_path) -> None:
    code = START_TO_A_CALL % (NOT_ON_THE_WAY_TO_A_CALL,)
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "app.db"), str(tmp_path / "config.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    reached, loaded, files = json.loads(out.stdout.strip().splitlines()[-1])
    assert reached == ["list", "call"]
    assert loaded == []
    # The first start after an install compiles these ahead of the app (callscript/tui/bytecode.py):
    listed = {line for line in START_MODULES.read_text(encoding="utf-8").splitlines() if not line.startswith("#")}
    unlisted = [line for line in files if line not in listed]
    assert not unlisted, f"run `python bench/bench_tui.py --write-start-modules`: {unlisted}"
