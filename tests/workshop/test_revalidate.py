"""The editor's Revalidator gives exactly what validate_text gives, edit after edit."""

from __future__ import annotations

import random
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from callscript.script.loader import validate_text
from callscript.workshop.revalidate import Revalidator
from workshop.conftest import CTRIP, LOOP, MINI, ROOT

SNIPPETS = [
    "x",
    " ",
    ":",
    ": ",
    "\n",
    "\n  ",
    "\n  x:",
    "\n  x:\n    title: t",
    "\n    ",
    "#",
    " # c",
    '"',
    "'",
    "{",
    "}",
    "[",
    "]",
    "- ",
    "&a ",
    "*a",
    "---",
    "...",
    "\t",
    "nodes:",
    "\nnodes:",
    "\nzzz: 1",
    "  ",
    "中",
    "**",
    "{agent_name}",
    "{nope}",
    "next: ",
    "end: mailed",
    "\r",
    "%YAML 1.1\n",
    "? ",
    "|",
    ">",
    "\n\n",
    "\n# comment\n",
    "yes",
    "no",
    "1",
]


def same(text: str, revalidator: Revalidator) -> None:
    script, problems = revalidator.validate(text, "s.yaml")
    full_script, full_problems = validate_text(text, "s.yaml")
    assert problems == full_problems, text
    assert (script is None) == (full_script is None)
    if script is not None:
        assert replace(script, grading=None) == replace(full_script, grading=None)  # grading holds closures
        assert shape(script.grading) == shape(full_script.grading)
        assert script.sha256 == full_script.sha256 and script.source_text == text


FACT_SETS = [
    {},
    {"travel": "often", "accepts": "yes", "hotel_star": 3},
    {"accepts": "no"},
    {"hotel_star": 1, "travel": "rarely"},
]


def shape(grading) -> tuple:
    return (
        grading.grades,
        [(c.name, c.label) for c in grading.conditions],
        [e.label for e in grading.exclusions],
        [(r.index, r.grade, r.label) for r in grading.rules],
        [grading.evaluate(facts) for facts in FACT_SETS],
    )


def edit(text: str, rng: random.Random) -> str:
    where = rng.randrange(len(text) + 1)
    roll = rng.random()
    if roll < 0.55:
        return text[:where] + rng.choice(SNIPPETS) + text[where:]
    if roll < 0.9:
        return text[:where] + text[where + rng.randint(1, 12) :]
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    a = rng.choice(line_starts)
    b = rng.choice(line_starts)
    a, b = min(a, b), max(a, b)
    return text[:a] + text[b:]  # whole lines out


@pytest.mark.parametrize("path,edits", [(MINI, 300), (LOOP, 200), (CTRIP, 80)])
def test_random_edits_give_the_full_validators_answer(path: Path, edits: int):
    rng = random.Random(f"{path.name}-{edits}")
    original = path.read_text(encoding="utf-8")
    revalidator = Revalidator()
    text = original
    same(text, revalidator)
    for _step in range(edits):
        text = edit(text, rng) if rng.random() < 0.85 else original  # wander off, come back
        same(text, revalidator)
    assert revalidator.stats["incremental"] > edits // 6  # the fast path was taken, not only the fallback


def test_typing_in_a_big_script_reuses_the_unchanged_nodes():
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_engine import generate_script

    text = generate_script(300)
    revalidator = Revalidator()
    same(text, revalidator)
    at = text.index("    title: 第150步") + len("    title: 第150步")
    for typed in ("a", "ab", "abc"):
        before = dict(revalidator.stats)
        same(text[:at] + typed + text[at:], revalidator)
        assert revalidator.stats["parsed"] - before["parsed"] == 1  # the edited node only
        assert revalidator.stats["checked"] - before["checked"] == 1
    broken = text.replace("next: n151\n", "next: n9999\n", 1)
    same(broken, revalidator)
    same(text, revalidator)
    same(text[:at] + "\n    " + text[at:], revalidator)  # a new line: the nodes below move


def test_what_it_does_not_split_goes_to_the_full_validator():
    revalidator = Revalidator()
    for text in ("", "---\nscript: {}\n", "nodes: {}\n", "a: 1\r\nnodes:\n  x: 1\n", "nodes:\n    x: {}\n"):
        same(text, revalidator)
    assert revalidator.stats["incremental"] == 0


def typed(text: str, rng: random.Random) -> str:
    """An edit as a supervisor makes them: words at the end of titles and labels, comment and
    blank lines added or removed (every node below moves), a next: target broken or mended."""
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    line = lines[index]
    roll = rng.random()
    if roll < 0.45 and re.match(r"^\s+(title|label): ", line):
        lines[index] += rng.choice(["x", "中", " y", "{agent_name}", "{bad}"])
    elif roll < 0.65:
        lines.insert(index, rng.choice(["    # note", "", "  # section", "      # deep"]))
    elif roll < 0.8 and (line.strip().startswith("#") or not line.strip()):
        del lines[index]
    elif roll < 0.9 and re.match(r"^\s+next: ", line):
        lines[index] += "x"
    elif (m := re.match(r"^(\s+(?:title|label|next): )(.+)$", line)) is not None:
        lines[index] = m.group(1) + m.group(2)[:-1]
    return "\n".join(lines)


@pytest.mark.parametrize("path,edits", [(LOOP, 200), (CTRIP, 100)])
def test_typing_like_edits_take_the_fast_path_and_agree(path: Path, edits: int):
    rng = random.Random(f"typed-{path.name}")
    text = path.read_text(encoding="utf-8")
    revalidator = Revalidator()
    for _ in range(edits):
        text = typed(text, rng)
        same(text, revalidator)
    stats = revalidator.stats
    assert stats["incremental"] >= edits * 0.6 and stats["moved"] > 0 and stats["check_reused"] > stats["checked"]


def test_overlapping_gc_pauses_from_two_threads_leave_the_collector_on():
    """The editor validates in a worker while Ctrl+S validates in another thread: A pauses, B pauses,
    A ends (B is still validating: still paused), B ends — the collector is back on."""
    import gc
    import threading

    from callscript.script.yaml_source import gc_paused

    assert gc.isenabled()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a() -> None:
        with gc_paused():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with gc_paused():
            b_in.set()
            a_out.wait(5)
            assert not gc.isenabled()  # still paused: B's validation is running

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert gc.isenabled()
