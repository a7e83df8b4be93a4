"""What importing the app's package does for the start: the first start after an install
compiles the start's modules on the other core (callscript/tui/bytecode.py; a warm start
starts nothing), and the collector runs less until the start of shift (tui/garbage.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from callscript.tui.bytecode import START_MODULES, listed_files, listing_line


def python(code: str, *, cache: Path, write_bytecode: bool = True) -> str:
    """Run ``code`` in a fresh interpreter whose bytecode cache is ``cache``."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def cached(path: Path, cache: Path) -> Path:
    """Where the interpreter keeps ``path``'s bytecode under the cache prefix ``cache``
    (``PYTHONPYCACHEPREFIX``: the source's folder mirrored under it, no ``__pycache__``)."""
    return cache / path.parent.relative_to(path.anchor) / f"{path.stem}.{sys.implementation.cache_tag}.pyc"


def test_the_listing_names_files_by_their_package() -> None:
    assert listing_line("textual.widgets._input", "/x/site-packages/textual/widgets/_input.py") == (
        "textual/widgets/_input.py"
    )
    assert listing_line("textual.widgets", "/x/site-packages/textual/widgets/__init__.py") == (
        "textual/widgets/__init__.py"
    )
    assert listing_line("typing_extensions", "/x/site-packages/typing_extensions.py") == "typing_extensions.py"
    files = listed_files()
    assert all(path.is_file() for path in files)
    assert len(files) == sum(1 for line in START_MODULES.read_text().splitlines() if not line.startswith("#"))


def test_a_first_start_compiles_the_start_ahead_of_the_app(tmp_path) -> None:
    """Importing the app's package with no bytecode starts the compiler, which begins at the
    end of the start: the last module listed is compiled although nothing imported it."""
    cache = tmp_path / "pycache"
    last = listed_files()[-1]
    pid = python("import os, callscript.tui; print(os.getpid())", cache=cache)
    assert pid
    deadline = time.monotonic() + 60
    while not cached(last, cache).exists():
        assert time.monotonic() < deadline, f"{last} was not compiled"
        time.sleep(0.05)
    deadline = time.monotonic() + 60
    while not all(cached(path, cache).exists() for path in listed_files()):
        assert time.monotonic() < deadline, "the start's modules were not all compiled"
        time.sleep(0.1)


def test_a_warm_start_starts_nothing(tmp_path) -> None:
    cache = tmp_path / "pycache"
    code = "import callscript.tui.app; from callscript.tui.bytecode import compile_ahead; print(compile_ahead())"
    python(code, cache=cache)  # the first start: the app's own bytecode is written
    assert python(code, cache=cache) == "None"


def test_no_bytecode_wanted_no_compiler(tmp_path) -> None:
    cache = tmp_path / "pycache"
    code = "from callscript.tui.bytecode import compile_ahead; print(compile_ahead())"
    assert python(code, cache=cache, write_bytecode=False) == "None"
    assert not cache.exists()


def test_the_collector_runs_less_during_the_start_and_as_usual_after(tmp_path) -> None:
    """callscript/tui/garbage.py: importing the app raises the collector's thresholds; the
    start of shift puts the usual ones back — or, in a process that never starts a shift, the
    first collection after START_SECONDS does."""
    code = (
        "import gc\n"
        "usual = gc.get_threshold()\n"
        "from callscript.tui import garbage\n"
        "print(gc.get_threshold() == garbage.START_THRESHOLDS != usual)\n"
        "garbage.freeze_start_of_shift()\n"
        "print(gc.get_threshold() == usual, garbage._end_when_late not in gc.callbacks)\n"
        "garbage.pause_for_start(seconds=0.0)\n"
        "print(gc.get_threshold() == garbage.START_THRESHOLDS)\n"
        "gc.collect(0)\n"
        "print(gc.get_threshold() == usual, garbage._end_when_late not in gc.callbacks)\n"
    )
    assert python(code, cache=tmp_path / "pycache").split() == ["True"] * 6
