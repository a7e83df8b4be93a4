"""The house rules: which package may import which, no import circles, no Textual in the core.

Every module is found with ``pkgutil.walk_packages`` and read with ``ast`` — imports
inside functions count too (a lazy import is still a dependency, and a circle through
one still means two modules that cannot be understood apart).
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import callscript

ROOT = Path(__file__).resolve().parents[1]

#: What each package may import (besides itself and the standard library / third parties).
#: Read it bottom-up: core is the floor, tui and cli are the thin layers on top.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "script": {"core"},
    "workshop": {"core", "script", "files"},
    "files": {"core"},
    "storage": {"core", "script", "config"},
    "accounts": {"core", "storage", "config"},
    "leads": {"core", "script", "storage", "files", "config"},
    "reports": {"core", "script", "storage", "files", "leads", "config"},
    "floor": {"core", "script", "storage", "reports", "accounts", "config"},
    "tui": {"core", "script", "workshop", "files", "storage", "accounts", "leads", "reports", "floor", "config"},
    "serve": {"core", "config", "accounts", "storage", "tui"},
    "cli": {
        "core",
        "script",
        "workshop",
        "files",
        "storage",
        "accounts",
        "leads",
        "reports",
        "floor",
        "tui",
        "serve",
        "config",
    },
    "config": {"core", "files"},
}
"""``callscript.config`` is the one place defaults are resolved (the shipped script, the
database, the config file, business hours); the pure layers (core, script, workshop, files)
never read it, and it reads only core and files."""

TOP_LEVEL_MODULES = {"__init__", "__main__", "config"}
"""The top of the package keeps only these; everything else lives in a package named for its job."""

NO_TEXTUAL = ("core", "script", "workshop", "files", "storage", "accounts", "leads", "reports", "floor")


@cache
def modules() -> dict[str, Path]:
    found = {"callscript": Path(callscript.__file__)}
    for info in pkgutil.walk_packages(callscript.__path__, "callscript."):
        spec = info.module_finder.find_spec(info.name, None)  # type: ignore[call-arg]
        assert spec is not None and spec.origin, info.name
        found[info.name] = Path(spec.origin)
    return found


def _resolve(name: str) -> str | None:
    known = modules()
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every callscript module ``module`` imports, at load time or inside functions."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # ``from pkg import mod`` imports the submodule when there is one
            names = [
                f"{base}.{a.name}" if _resolve(f"{base}.{a.name}") == f"{base}.{a.name}" else base for a in node.names
            ]
        for name in names:
            if name.startswith("callscript"):
                target = _resolve(name)
                if target and target != module:
                    found.add(target)
    return frozenset(found)


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_walk_finds_every_package():
    packages = {package_of(m) for m in modules()}
    assert {"script", "workshop", "storage", "leads", "reports", "tui", "cli", "core"} <= packages


def test_top_level_keeps_a_handful_of_modules():
    top = {p.stem for p in (ROOT / "callscript").glob("*.py")}
    assert top <= TOP_LEVEL_MODULES, f"loose modules at the top of callscript/: {sorted(top - TOP_LEVEL_MODULES)}"


def test_every_package_is_in_the_layering_table():
    packages = {package_of(m) for m in modules()} - {"", "__main__"}
    assert packages <= set(ALLOWED), f"add {sorted(packages - set(ALLOWED))} to ALLOWED (and docs/architecture.md)"


def test_packages_import_only_the_layers_below():
    wrong = []
    for module in modules():
        mine = package_of(module)
        if mine in ("", "__main__"):
            continue
        for target in imports_of(module):
            theirs = package_of(target)
            if theirs not in (mine, "") and theirs not in ALLOWED[mine]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles():
    """Tarjan's strongly connected components over the module graph (function-level imports included)."""
    graph = {m: sorted(imports_of(m)) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    assert not circles, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in circles)


def test_screens_never_import_the_app():
    wrong = [
        f"{m} imports {t}"
        for m in modules()
        if m.startswith("callscript.tui.screens")
        for t in imports_of(m)
        if t == "callscript.tui.app"
    ]
    assert not wrong, "\n".join(wrong)


def test_core_layers_do_not_import_textual():
    """Importing every module below the TUI loads neither Textual nor the terminal."""
    core = sorted(m for m in modules() if package_of(m) in NO_TEXTUAL)
    code = (
        "import importlib, sys\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext', 'textual_serve'))\n"
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
