from __future__ import annotations

import pytest

from callscript.storage import Store
from leads.helpers import shipped_script


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "leads.db") as s:
        yield s


@pytest.fixture(scope="session")
def script():
    return shipped_script()
