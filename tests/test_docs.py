"""The docs keep up with the code: every command is in the README, every module in the architecture."""

from __future__ import annotations

import re
from pathlib import Path

import click

from callscript.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += _leaf_commands(command, path)
        else:
            found.append(path)
    return found


def test_every_command_is_in_the_readme():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    missing = []
    for path in _leaf_commands(cli):
        head, *rest = path
        candidates = [line for line in lines if re.search(rf"callscript {re.escape(head)}\b", line)]
        if rest:
            word = re.compile(rf"(?<![\w-]){re.escape(rest[-1])}(?![\w-])")
            candidates = [line for line in candidates if word.search(line)]
        if not candidates:
            missing.append("callscript " + " ".join(path))
    assert not missing, "commands missing from README.md: " + ", ".join(missing)


def test_every_module_is_in_the_architecture():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    missing = []
    for path in sorted((ROOT / "callscript").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if path.name == "__init__.py" or rel in text:
            continue
        # a row names its package (``callscript/tui/``), sub-folders by their own name
        # (``screens/``) and the file (``call.py``)
        package, *subfolders = path.parent.relative_to(ROOT / "callscript").parts
        needles = [f"callscript/{package}/", *(f"{folder}/" for folder in subfolders)]
        name = re.compile(rf"(?<![\w/]){re.escape(path.name)}")
        if not any(all(n in line for n in needles) and name.search(line) for line in lines):
            missing.append(rel)
    assert not missing, "modules missing from docs/architecture.md: " + ", ".join(missing)
