"""What importing the agent's app loads before its first frame (docs/agent-app.md, Speed).

The first screen must not wait for the database's libraries (imported on the database
thread), nor for screens a start of shift may not show (the login and lock screens exist
only once accounts do). Each module named here was once on that path and cost start-up time."""

from __future__ import annotations

import subprocess
import sys

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
