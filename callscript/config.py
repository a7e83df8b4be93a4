"""Where things live: the shipped script, the database, the agent's config file.

One place resolves every default so the TUI, the CLI and the tests agree:
explicit option → environment variable → a path beside the checkout.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from callscript.core.when import DEFAULT_BUSINESS_HOURS, BusinessHours
from callscript.files.output import DEFAULT_MODE, write_atomically

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

DB_ENV = "CALLSCRIPT_DB"
SCRIPT_ENV = "CALLSCRIPT_SCRIPT"
CONFIG_ENV = "CALLSCRIPT_CONFIG"
BUSINESS_HOURS_ENV = "CALLSCRIPT_BUSINESS_HOURS"
CENTRE_ALIASES_ENV = "CALLSCRIPT_CENTRE_ALIASES"


def _project_or_cwd(relative: str) -> Path:
    """``relative`` inside the checkout when running from one, else under the current directory."""
    candidate = PROJECT_DIR / relative
    if (PROJECT_DIR / "pyproject.toml").exists():
        return candidate
    return Path.cwd() / relative


def default_script_path() -> Path:
    return Path(os.environ.get(SCRIPT_ENV) or _project_or_cwd("scripts/ctrip.yaml"))


def default_centre_aliases_path() -> Path:
    """The booking centres' alias list the market report reads (``report market --aliases``)."""
    return Path(os.environ.get(CENTRE_ALIASES_ENV) or _project_or_cwd("data/centre_aliases.yaml"))


def resolve_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """``--db`` if given, else ``$CALLSCRIPT_DB``, else ``data/callscript.db``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    return _project_or_cwd("data/callscript.db")


def business_hours() -> BusinessHours:
    """When callbacks may be booked: ``$CALLSCRIPT_BUSINESS_HOURS`` (``08:30-21:00``), else 08:30–21:00.

    Raises :class:`~callscript.core.when.WhenError` (a message for a person) on a bad value.
    """
    text = os.environ.get(BUSINESS_HOURS_ENV, "").strip()
    return BusinessHours.parse(text) if text else DEFAULT_BUSINESS_HOURS


def config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "callscript" / "config.json"


@dataclass
class AgentConfig:
    """What an agent's terminal remembers between shifts."""

    agent_name: str = ""
    company: str = ""  # overrides script.company for {our_company} when set

    @classmethod
    def load(cls, path: Path | None = None) -> AgentConfig:
        path = path or config_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls(**{k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__})

    def save(self, path: Path | None = None) -> None:
        path = path or config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(asdict(self), ensure_ascii=False, indent=2).encode("utf-8")
        write_atomically(path, data, mode=DEFAULT_MODE)  # private like every file the product writes
