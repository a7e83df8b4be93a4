"""Both storage backends for the suites that run on each (issue 18).

A test (or fixture) that takes ``backend`` runs once on SQLite and once on PostgreSQL.
``db_location`` is then a fresh, migrated database of that backend: a file in the test's
temp dir, or a new database in the session's throwaway PostgreSQL cluster (tests/pg_cluster.py:
one cluster per test session — per xdist worker — started the first time a test needs
it, on a unix socket in a temp dir, stopped at the end).

Without PostgreSQL's binaries the ``postgres`` cases are skipped on a developer's machine;
in CI (``CI`` set) they fail instead: .ci/run installs PostgreSQL, so a skip there would
hide a suite that never ran.
"""

from __future__ import annotations

import os

import pg_cluster as pgc
import pytest
from backends import BACKENDS


@pytest.fixture(scope="session")
def pg_cluster():
    if not pgc.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl, postgres) or the postgres user are missing")
        pytest.skip("PostgreSQL's server binaries are not installed")
    cluster = pgc.Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_location(backend, tmp_path, request):
    """A fresh migrated database of the test's ``backend``: a Path, or a DatabaseUrl."""
    if backend == "sqlite":
        yield tmp_path / "callscript.db"
        return
    from callscript.config import DatabaseUrl

    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.migrated_database()
    yield DatabaseUrl(url)
    cluster.drop(url)
