"""``callscript.leads`` hands out its names lazily (its docstring says why): each resolves to
its module's object, and the agent app's path (lead list, watch) leaves the importer out."""

from __future__ import annotations

import subprocess
import sys

import pytest

import callscript.leads as leads


@pytest.mark.parametrize("name", leads.__all__)
def test_every_public_name_is_its_modules_object(name: str) -> None:
    value = getattr(leads, name)
    assert getattr(sys.modules[value.__module__], name) is value


def test_lead_list_is_the_function_even_after_its_module_is_imported() -> None:
    import callscript.leads.lead_list  # noqa: F401  (binds the submodule on the package)
    from callscript.leads import lead_list

    assert callable(lead_list) and lead_list.__module__ == "callscript.leads.lead_list"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        leads.no_such_name  # noqa: B018


def test_the_lead_list_and_its_watch_do_not_import_the_importer() -> None:
    code = (
        "import sys\n"
        "from callscript.leads import ListWatch, lead_list\n"
        "print(sorted(m for m in sys.modules if m.startswith('callscript.leads.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "callscript.leads.importer" not in out
    assert "callscript.leads.readers" not in out
    assert "callscript.leads.watch" in out
