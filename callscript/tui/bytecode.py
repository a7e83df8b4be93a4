"""The first start after an install: compile the start's modules on the other core.

uv installs without bytecode (``compile-bytecode`` would make every ``uv run`` re-check
~3,600 files), so an agent's very first start compiles every module it imports — ~370 of
them (Textual, Rich, PyYAML, phonenumbers, ours), most of a second on top of the start
itself. When the app's own bytecode is missing, :func:`compile_ahead` starts a second Python
that compiles the start's modules (:data:`START_MODULES`, in the order the start imports
them) from the *last* one back, while the app imports them from the first one on: the two
meet in the middle, and what the app finds compiled it only loads. Both may write the same
cache file; ``py_compile`` writes it atomically (a temporary file renamed over it), so a
reader sees the old file, none, or the whole new one.

A warm start pays one ``stat()`` (the bytecode of :mod:`callscript.tui.app` is there) and
starts nothing. ``PYTHONDONTWRITEBYTECODE`` (``sys.dont_write_bytecode``) is respected.

Nothing here imports Textual or the rest of callscript: this runs before them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

START_MODULES = Path(__file__).with_name("start_modules.txt")
"""The files the start imports up to the first call screen, in import order, one
``package/relative/path.py`` a line (the interpreter's standard library is compiled at its
install and is not listed). Written by ``python bench/bench_tui.py --write-start-modules``;
``tests/tui/test_startup_imports.py`` fails when the start loads a file it does not list."""

_APP = Path(__file__).with_name("app.py")


def compile_ahead() -> object | None:
    """Start the compiling process when this package's bytecode is missing (a first start);
    returns it (a :class:`subprocess.Popen`), or None when there is nothing to do."""
    if sys.dont_write_bytecode or sys.implementation.cache_tag is None:
        return None
    from importlib.util import cache_from_source

    if os.path.exists(cache_from_source(str(_APP))):
        return None
    import subprocess

    try:
        return subprocess.Popen(
            [sys.executable, "-P", __file__, str(START_MODULES)],  # -P: this folder is not on sys.path
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl+C in the app's terminal is not for it
            close_fds=True,
        )
    except OSError:
        return None  # the start compiles what it imports, as without this


def listed_files(listing: Path = START_MODULES) -> list[Path]:
    """The files of :data:`START_MODULES` where this interpreter finds their packages (a
    package not installed is skipped; nothing is imported to find them)."""
    from importlib.machinery import PathFinder

    places: dict[str, Path | None] = {}  # a top-level package's folder, or a lone module's file
    files = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        top, _, rest = line.partition("/")
        name = top if rest else top.removesuffix(".py")
        if name not in places:
            spec = PathFinder.find_spec(name)
            if spec is None:
                places[name] = None
            elif spec.submodule_search_locations:
                places[name] = Path(next(iter(spec.submodule_search_locations)))
            else:
                places[name] = Path(spec.origin) if spec.origin else None
        place = places[name]
        if place is not None:
            files.append(place / rest if rest else place)
    return files


def listing_line(module_name: str, file: str) -> str:
    """``module_name``'s line in :data:`START_MODULES`: its file relative to the folder its
    top-level package is in (``textual/widgets/_input.py``, ``typing_extensions.py``)."""
    path = Path(file)
    depth = module_name.count(".") + (1 if path.name == "__init__.py" else 0)
    return path.relative_to(path.parents[depth]).as_posix()


def compile_backwards(files: list[Path]) -> int:
    """Compile ``files`` from the last one back, skipping those already compiled; returns how
    many this process compiled."""
    import py_compile
    from importlib.util import cache_from_source

    compiled = 0
    for path in reversed(files):
        try:
            if os.path.exists(cache_from_source(str(path))):
                continue  # the app got here first
            py_compile.compile(str(path), doraise=True, quiet=2)
            compiled += 1
        except (OSError, py_compile.PyCompileError, ValueError):
            continue  # an unreadable file or a read-only install: the app compiles it in memory
    return compiled


if __name__ == "__main__":  # run as a file, not as callscript.tui.bytecode: no package import
    compile_backwards(listed_files(Path(sys.argv[1])))
