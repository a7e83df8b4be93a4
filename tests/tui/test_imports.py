"""Imports in the TUI go one way: the apps import the screens, never the reverse.

Read from the source (AST), so imports inside functions and under ``TYPE_CHECKING``
count too: a circle that only closes when a key is pressed is still a circle.
Screens see their app through the Protocols in ``callscript/tui/host.py``; the
last tests check that the real apps still give the screens what those promise.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from callscript.tui.host import AgentAppHost, CallHost, EditorHost, ReportsHost

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "callscript"
APP_MODULES = {"callscript.tui.app", "callscript.tui.editor.app"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name: str) -> set[str]:
    """Every callscript module ``name`` imports, anywhere in the file.

    ``from package import name`` counts as importing ``package.name`` when that is a
    module, else ``package`` (its ``__init__``). A package's ``__init__`` is not
    counted for ``import package.module``: that is how siblings import each other.
    """
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative (ruff forbids them; resolved anyway)
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source)
    return {module for module in found if module in MODULES}


GRAPH = {name: imported_modules(name) for name in MODULES}


def cycle_through(start: str) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, chain = stack.pop()
        for target in sorted(GRAPH[name]):
            if target == start:
                return [*chain, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*chain, target]))
    return None


TUI_MODULES = sorted(name for name in MODULES if name.startswith("callscript.tui"))


def test_the_walk_sees_the_tui_and_its_imports():
    """The checks below are only as good as the graph: it must know the screens and their imports."""
    assert {"callscript.tui.screens.call", "callscript.tui.editor.screen", *APP_MODULES} <= set(TUI_MODULES)
    assert "callscript.tui.screens.summary" in GRAPH["callscript.tui.screens.call"]
    assert "callscript.tui.screens.call" in GRAPH["callscript.tui.app"]
    # an import inside a function counts (the editor loads practice on first use)
    assert "callscript.tui.editor.practice" in GRAPH["callscript.tui.editor.screen"]


@pytest.mark.parametrize("name", TUI_MODULES)
def test_no_tui_module_imports_an_app(name):
    """Screens, widgets and the editor's parts reach their app through callscript/tui/host.py only."""
    assert not (GRAPH[name] & (APP_MODULES - {name})), f"{name} imports {sorted(GRAPH[name] & APP_MODULES)}"


@pytest.mark.parametrize("name", TUI_MODULES)
def test_no_import_circle_runs_through_the_tui(name):
    assert cycle_through(name) is None, " → ".join(cycle_through(name) or [])


def test_a_circle_is_found_when_there_is_one(monkeypatch):
    """The search itself: screens.call → app → screens.call is reported."""
    monkeypatch.setitem(
        GRAPH, "callscript.tui.screens.call", GRAPH["callscript.tui.screens.call"] | {"callscript.tui.app"}
    )
    assert cycle_through("callscript.tui.screens.call") == [
        "callscript.tui.screens.call",
        "callscript.tui.app",
        "callscript.tui.screens.call",
    ]


def test_the_agents_app_gives_its_screens_what_they_read(tmp_path):
    from callscript.tui.app import CallscriptApp

    app = CallscriptApp(db_path=tmp_path / "calls.db", agent="张三", config_file=tmp_path / "config.json")
    try:
        assert isinstance(app, AgentAppHost) and isinstance(app, CallHost) and isinstance(app, ReportsHost)
    finally:
        app.backend.shutdown()


def test_the_editor_app_gives_its_screens_and_practice_what_they_read(tmp_path):
    from callscript.tui.editor.app import EditorApp

    script = tmp_path / "mini.yaml"
    script.write_text((ROOT / "scripts" / "ctrip.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    app = EditorApp(script, tmp_path / "calls.db")
    try:
        assert isinstance(app, EditorHost) and isinstance(app, CallHost)
        assert not isinstance(app, AgentAppHost)  # the lead list and the summary card are not for it
    finally:
        app.backend.shutdown()
