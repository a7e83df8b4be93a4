"""The core stays plain Python: importing it never loads Textual (the TUI is a thin layer)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CORE = [
    "callscript.yamlsrc", "callscript.loader", "callscript.model", "callscript.session",
    "callscript.grading", "callscript.facts", "callscript.templates", "callscript.outcomes",
    "callscript.answers", "callscript.config", "callscript.storage", "callscript.reports",
    "callscript.leads", "callscript.phones", "callscript.paths", "callscript.scripttests",
    "callscript.scriptdiff", "callscript.publish", "callscript.drafts", "callscript.revalidate",
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
