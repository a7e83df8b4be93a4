"""The core stays plain Python: importing it never loads Textual (the TUI is a thin layer)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CORE = [
    "callscript.script.yaml_source",
    "callscript.script.loader",
    "callscript.script.model",
    "callscript.script.session",
    "callscript.script.grading",
    "callscript.script.facts",
    "callscript.script.templates",
    "callscript.core.outcomes",
    "callscript.script.answers",
    "callscript.config",
    "callscript.storage",
    "callscript.reports",
    "callscript.leads",
    "callscript.core.phones",
    "callscript.core.when",
    "callscript.files.tabular",
    "callscript.files.output",
    "callscript.workshop.path_explorer",
    "callscript.workshop.script_tests",
    "callscript.workshop.diff",
    "callscript.workshop.publishing",
    "callscript.workshop.drafts",
    "callscript.workshop.revalidate",
]


def test_core_modules_do_not_import_textual():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_validate_does_not_import_textual():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from callscript.cli.main import cli\n"
        "CliRunner().invoke(cli, ['validate', 'scripts/ctrip.yaml'])\n"
        "print(any(m.startswith('textual') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def _callscript_imports(path: Path) -> set[str]:
    """Every ``callscript.*`` module a file imports, at load time or inside functions."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("callscript"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("callscript"))
    return found


def test_core_and_files_stay_at_the_bottom():
    """``core`` imports no other callscript package; ``files`` (shared by reports, leads and the
    workshop) imports only ``core``."""
    for path in sorted((ROOT / "callscript" / "core").glob("*.py")):
        assert {m for m in _callscript_imports(path) if not m.startswith("callscript.core")} == set(), path
    for path in sorted((ROOT / "callscript" / "files").glob("*.py")):
        allowed = ("callscript.core", "callscript.files")
        assert {m for m in _callscript_imports(path) if not m.startswith(allowed)} == set(), path
