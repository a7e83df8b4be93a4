"""A throwaway PostgreSQL 15 cluster for the test session (and the bench).

``initdb`` into a temp dir, ``pg_ctl start`` with the server listening only on a unix
socket in that dir (no TCP port: nothing to collide with, nothing reachable from
outside), ``fsync=on`` so the crash tests mean what they say, and ``pg_ctl stop`` at the
end. The server refuses to run as root, so as root (CI, these machines) every server
command runs as the ``postgres`` user through ``runuser``, and the dir is given to it.

The app connects as ``callscript``, an ordinary role (LOGIN, CREATEDB — no superuser),
the way a company database hands an application its own owner role: every database a
test gets is owned by it and migrated by the app itself.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"
APP_ROLE = "callscript"
TEMPLATE = "callscript_template"


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found


def available() -> bool:
    try:
        for name in ("initdb", "pg_ctl", "postgres"):
            _bin(name)
    except RuntimeError:
        return False
    return os.geteuid() != 0 or _has_user(SERVER_USER)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Cluster:
    """One running cluster; :meth:`new_database` gives each test its own database."""

    def __init__(self, base: Path | None = None):
        self.dir = Path(base or tempfile.mkdtemp(prefix="callscript-pg-"))
        self.data = self.dir / "data"
        self.socket_dir = self.dir
        self.log = self.dir / "server.log"
        self._names = itertools.count(1)
        self._as_root = os.geteuid() == 0

    # ------------------------------------------------------------------ server commands

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> Cluster:
        if self._as_root:
            shutil.chown(self.dir, SERVER_USER, SERVER_USER)
            os.chmod(self.dir, 0o755)
        self._run(
            _bin("initdb"),
            "-N",
            "-D",
            str(self.data),
            "-U",
            SERVER_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._pg_ctl("start", "-w", "-t", "60")
        self.sql(f"CREATE ROLE {APP_ROLE} LOGIN CREATEDB")
        self.sql(f"CREATE DATABASE {TEMPLATE} OWNER {APP_ROLE}")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -c fsync=on "
            "-c max_connections=300 -c shared_buffers=128MB -c synchronous_commit=on"
            # No autovacuum: its ANALYZE after a test's inserts takes a transaction id at a moment
            # of its own, and the lead watch's change marker on PostgreSQL is the next transaction
            # id (storage/backend.py): a look between two of a test's own steps then saw a
            # "change" nobody made. In production that costs one needless re-read, which finds
            # the same rows and redraws nothing; in a test it was a flake.
            " -c autovacuum=off"
        )
        self._run(_bin("pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-o", options, *extra)

    def restart_immediate(self) -> None:
        """``pg_ctl restart -m immediate``: the server is killed without a checkpoint (a crash,
        as far as the data is concerned) and started again; it recovers from its WAL."""
        self._pg_ctl("restart", "-m", "immediate", "-w", "-t", "60")

    def stop_immediate(self) -> None:
        self._run(_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)

    def start_again(self) -> None:
        self._pg_ctl("start", "-w", "-t", "60")

    def stop(self) -> None:
        """Stopped without a checkpoint (``-m immediate``): the cluster is thrown away with its dir."""
        with contextlib.suppress(Exception):
            self._run(_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ databases

    def url(self, database: str, user: str = APP_ROLE) -> str:
        return f"postgresql://{user}@/{database}?host={self.socket_dir}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """One statement as the cluster's superuser (roles, databases: what an administrator does)."""
        import psycopg

        with psycopg.connect(self.url(database, SERVER_USER), autocommit=True) as conn:
            conn.execute(statement.encode())

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database owned by the app's role; its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.sql(f"CREATE DATABASE {name} OWNER {APP_ROLE} TEMPLATE template0")
        return self.url(name)

    def migrated_database(self, prefix: str = "t") -> str:
        """A fresh database at the current schema, copied from a template migrated once."""
        if not getattr(self, "_template_ready", False):
            from callscript.storage import Store

            with Store.open(self.url(TEMPLATE)):
                pass
            self._template_ready = True
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.sql(f"CREATE DATABASE {name} OWNER {APP_ROLE} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.split("/")[-1].split("?")[0]
        with contextlib.suppress(Exception):
            self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
