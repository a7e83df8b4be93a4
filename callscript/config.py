"""Where things live: the shipped script, the database, the agent's config file.

One place resolves every default so the TUI, the CLI and the tests agree:
explicit option → environment variable → a path beside the checkout.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from callscript.core.reading import MAX_CONFIG_BYTES, read_bounded
from callscript.core.when import DEFAULT_BUSINESS_HOURS, BusinessHours

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

DB_ENV = "CALLSCRIPT_DB"
SCRIPT_ENV = "CALLSCRIPT_SCRIPT"
FOLLOWUP_SCRIPT_ENV = "CALLSCRIPT_FOLLOWUP_SCRIPT"
FOLLOWUP_SUFFIX = "-followup"
"""The follow-up script lives beside the main one: ``scripts/ctrip.yaml`` → ``scripts/ctrip-followup.yaml``."""
CONFIG_ENV = "CALLSCRIPT_CONFIG"
BUSINESS_HOURS_ENV = "CALLSCRIPT_BUSINESS_HOURS"
REMOTE_ADDR_ENV = "CALLSCRIPT_REMOTE_ADDR"
"""Set by ``callscript serve`` for each browser tab's app process: the browser's address."""
WEB_ENV = "CALLSCRIPT_WEB"
"""Set (to 1) by ``callscript serve``: the app runs in a browser tab (login required, no config file)."""
LOCKOUT_ATTEMPTS_ENV = "CALLSCRIPT_LOCKOUT_ATTEMPTS"
LOCKOUT_MINUTES_ENV = "CALLSCRIPT_LOCKOUT_MINUTES"
IDLE_LOCK_MINUTES_ENV = "CALLSCRIPT_IDLE_LOCK_MINUTES"
CENTRE_ALIASES_ENV = "CALLSCRIPT_CENTRE_ALIASES"


def _project_or_cwd(relative: str) -> Path:
    """``relative`` inside the checkout when running from one, else under the current directory."""
    candidate = PROJECT_DIR / relative
    if (PROJECT_DIR / "pyproject.toml").exists():
        return candidate
    return Path.cwd() / relative


def default_script_path() -> Path:
    return Path(os.environ.get(SCRIPT_ENV) or _project_or_cwd("scripts/ctrip.yaml"))


def followup_script_path(main_script: str | os.PathLike | None = None) -> Path:
    """The follow-up script (客户维护: calls on leads already mailed), resolved the way the
    main script is: ``$CALLSCRIPT_FOLLOWUP_SCRIPT``, else beside the main script with
    ``-followup`` before the extension (``ctrip.yaml`` → ``ctrip-followup.yaml``).

    The file may be missing (a site with one script): then every call uses the main one.
    """
    env = os.environ.get(FOLLOWUP_SCRIPT_ENV)
    if env:
        return Path(env)
    main = Path(main_script) if main_script else default_script_path()
    stem = main.name[: -len(main.suffix)] if main.suffix else main.name
    return main.with_name(f"{stem}{FOLLOWUP_SUFFIX}{main.suffix}")


def sample_leads_path() -> Path | None:
    """The sample lead list a first start on an empty database offers to load (the one the
    README imports), or None when this installation has none."""
    path = _project_or_cwd("data/sample_leads.csv")
    return path if path.is_file() else None


def default_centre_aliases_path() -> Path:
    """The booking centres' alias list the market report reads (``report market --aliases``)."""
    return Path(os.environ.get(CENTRE_ALIASES_ENV) or _project_or_cwd("data/centre_aliases.yaml"))


DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")
"""A ``--db`` / ``$CALLSCRIPT_DB`` starting so names a PostgreSQL database, not a file."""


def is_database_url(location: object) -> bool:
    """True when ``location`` names a PostgreSQL database (``postgresql://…``) rather than a file."""
    if isinstance(location, DatabaseUrl):
        return True
    return isinstance(location, str) and location.strip().lower().startswith(DATABASE_URL_SCHEMES)


class DatabaseUrl(type(Path())):  # type: ignore[misc]  # PosixPath or WindowsPath, whichever Path() is
    """A PostgreSQL connection URL carried where the app carries the database file's path.

    Every layer passes "where the database is" around as a :class:`~pathlib.Path` (the TUI,
    the floor server's command line, the CLI's ``--db``); a URL in a plain ``Path`` would
    lose the ``//`` after its scheme. This keeps the URL whole: ``str()`` gives it back
    unchanged, it "exists" (the server says otherwise when connected), and it resolves to
    itself — so no caller needs to know which backend it is handing on.
    """

    _url: str

    def __new__(cls, url: str) -> DatabaseUrl:
        self = super().__new__(cls, "postgresql-database")
        self._url = url.strip()
        return self

    def __str__(self) -> str:
        return self._url

    def __fspath__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"DatabaseUrl({redact_url(self._url)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseUrl) and other._url == self._url

    def __hash__(self) -> int:
        return hash(self._url)

    def exists(self, *args: object, **kwargs: object) -> bool:
        return True

    def is_file(self, *args: object, **kwargs: object) -> bool:
        return False

    def is_dir(self, *args: object, **kwargs: object) -> bool:
        return False

    def resolve(self, strict: bool = False) -> DatabaseUrl:
        return self

    def absolute(self) -> DatabaseUrl:
        return self

    def expanduser(self) -> DatabaseUrl:
        return self

    @property
    def redacted(self) -> str:
        """The URL with any password replaced by ``***`` (for messages and logs)."""
        return redact_url(self._url)


def redact_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` → ``postgresql://user:***@host/db`` (and a
    ``password=`` query parameter likewise): what messages show."""
    import re

    url = re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", url)
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", url)


def resolve_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """``--db`` if given, else ``$CALLSCRIPT_DB``, else ``data/callscript.db``.

    A ``postgresql://`` URL comes back as a :class:`DatabaseUrl` (a ``Path`` that keeps the URL)."""
    if explicit:
        if isinstance(explicit, DatabaseUrl):
            return explicit
        text = os.fspath(explicit)
        return DatabaseUrl(str(text)) if is_database_url(text) else Path(explicit)
    env = os.environ.get(DB_ENV)
    if env:
        return DatabaseUrl(env) if is_database_url(env) else Path(env)
    return _project_or_cwd("data/callscript.db")


def business_hours() -> BusinessHours:
    """When callbacks may be booked: ``$CALLSCRIPT_BUSINESS_HOURS`` (``08:30-21:00``), else 08:30–21:00.

    Raises :class:`~callscript.core.when.WhenError` (a message for a person) on a bad value.
    """
    text = os.environ.get(BUSINESS_HOURS_ENV, "").strip()
    return BusinessHours.parse(text) if text else DEFAULT_BUSINESS_HOURS


def _positive_number(env: str, default: float) -> float:
    text = os.environ.get(env, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"${env} must be a number, not {text!r}") from None
    if value <= 0:
        raise ValueError(f"${env} must be more than 0, not {text!r}")
    return value


def lockout_attempts() -> int:
    """Wrong passwords in a row that lock an account: ``$CALLSCRIPT_LOCKOUT_ATTEMPTS``, else 5."""
    return int(_positive_number(LOCKOUT_ATTEMPTS_ENV, 5))


def lockout_minutes() -> float:
    """How long a locked account stays locked: ``$CALLSCRIPT_LOCKOUT_MINUTES``, else 15."""
    return _positive_number(LOCKOUT_MINUTES_ENV, 15)


def idle_lock_minutes() -> float:
    """Idle time after which an app asks for the password again: ``$CALLSCRIPT_IDLE_LOCK_MINUTES``, else 10."""
    return _positive_number(IDLE_LOCK_MINUTES_ENV, 10)


def in_browser() -> bool:
    """True in an app process started by ``callscript serve`` for a browser tab."""
    return os.environ.get(WEB_ENV, "") == "1"


def _host() -> str:
    try:
        return socket.gethostname() or "localhost"
    except OSError:  # pragma: no cover - gethostname does not fail on Linux
        return "localhost"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


def cli_origin() -> str:
    """Where the CLI acts from, for the audit log: ``cli:user@host``."""
    return f"cli:{_user()}@{_host()}"


def app_origin() -> str:
    """Where an app session is, for the audit log: the browser's address (set by
    ``callscript serve``), else the terminal: ``tty:/dev/pts/3@host``."""
    remote = os.environ.get(REMOTE_ADDR_ENV, "").strip()
    if remote:
        return remote
    try:
        tty = os.ttyname(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):
        tty = "-"
    return f"tty:{tty}@{_host()}"


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
            data = json.loads(read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls(**{k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__})

    def save(self, path: Path | None = None) -> None:
        from callscript.files.output import DEFAULT_MODE, write_atomically  # (not on the app's start-up path)

        path = path or config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(asdict(self), ensure_ascii=False, indent=2).encode("utf-8")
        write_atomically(path, data, mode=DEFAULT_MODE)  # private like every file the product writes
