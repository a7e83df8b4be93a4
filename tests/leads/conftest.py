from __future__ import annotations

import pytest

from callscript.storage import Store
from leads.helpers import shipped_script


@pytest.fixture
def store(db_location):
    """A fresh store on each backend (tests/conftest.py: ``sqlite`` and ``postgres``)."""
    with Store.open(db_location) as s:
        yield s


@pytest.fixture(scope="session")
def script():
    return shipped_script()
