from __future__ import annotations

import pytest

from callscript.storage import Store
from storage.helpers import mini_script


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "callscript.db") as s:
        yield s


@pytest.fixture(scope="session")
def script():
    return mini_script()
