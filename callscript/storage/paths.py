"""Where the database file is: one function every entry point calls.

Precedence: an explicit path (the ``--db`` option) → the ``CALLSCRIPT_DB``
environment variable → ``data/callscript.db`` relative to the working directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_VAR = "CALLSCRIPT_DB"
DEFAULT_DB_PATH = Path("data") / "callscript.db"


def resolve_db_path(explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The database path to use: ``explicit`` if given, else ``$CALLSCRIPT_DB``, else the default.

    Empty strings count as "not given". ``~`` is expanded; the path is not made
    absolute (so messages show what the user typed).
    """
    env = os.environ if environ is None else environ
    for candidate in (explicit, env.get(ENV_VAR)):
        if candidate is not None and str(candidate).strip():
            return Path(str(candidate).strip()).expanduser()
    return DEFAULT_DB_PATH
