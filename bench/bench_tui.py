"""Benchmark the agent's app: keypress → screen, start-up, and the lead list's self-refresh.

    uv run python bench/bench_tui.py            # every figure beside its budget
    uv run python bench/bench_tui.py --json     # the same figures as JSON
    uv run python bench/bench_tui.py --only-startup   # the start-up figures alone

Benchmarks report; they do not assert (the figures depend on the machine and its load,
printed with them).

1. **Keypress → screen.** 17 whole calls through ``scripts/ctrip.yaml`` (B4 path:
   twelve answers each, option keys and typed values confirmed with Enter), driven
   through Textual's Pilot on a headless 80×24 terminal with a real SQLite file
   (``synchronous=FULL``, as shipped). For each answer the clock starts when the
   key event is handed to the app's driver and stops when the compositor
   produces the first frame after the call screen has drawn the next node (the
   frame the terminal would be sent). Budget (:data:`BUDGETS`): median ≤ 8 ms, p99 ≤ 16 ms.
2. **Process start → call screen ready.** A fresh ``python`` process runs the app
   headless on a seeded database; it presses Enter as soon as the lead list is
   shown and reports when the call screen has painted its first frame. Measured
   from just before ``subprocess`` starts it. Budget: ≤ 300 ms with the bytecode cache
   warm, ≤ 1 s on the very first start. The first start is measured two ways, both printed:
   *after install* — the project installed (``uv sync --frozen --offline --no-editable``, from
   uv's cache) into a fresh virtual environment with no bytecode for its packages, the
   Python install's own standard-library bytecode as shipped: what an agent's first start
   really is; and the harsher *no bytecode at all* (the standard library compiled too, as
   no real install does). Beside them, the import time of Textual alone and of the whole
   app (fresh processes).
3. **The lead list's self-refresh** on 100,000 leads (:func:`list_refresh`): event-loop
   time per look — one that finds nothing, one after another process changed a listed
   lead, one at which a callback comes due (with its notice). Budget: ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CTRIP = ROOT / "scripts" / "ctrip.yaml"
BUDGETS = {
    "median_ms": 8.0,
    "p99_ms": 16.0,
    "start_to_call_screen_s": 0.3,
    "cold_start_to_call_screen_s": 1.0,
    "refresh_ms": 5.0,
}
"""Issue 13's budgets (the figures are printed beside them; nothing here asserts)."""

GAP_S = 0.1
"""Pause between answers: an agent hears the prospect out before the next key, so
each key meets an idle app (the previous answer's write and repaint are done)."""
ANSWERS_PER_CALL = [
    ("key", "1"),  # 开场白: 本人接听
    ("key", "1"),  # 方便
    ("key", "1"),  # 经常出差
    ("key", "1"),  # 酒店和机票都自己订
    ("key", "1"),  # 有接待客户
    ("key", "1"),  # 会
    ("key", "4"),  # B4
    ("key", "1"),  # 好
    ("text", "4"),  # 酒店星级
    ("key", "1"),  # 愿意接受
    ("text", "深圳市南山区科技园1号"),  # 地址
    ("key", "1"),  # 地址无误 → 结束语
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def seed(db: Path, count: int) -> None:
    from callscript.storage import Store

    with Store.open(db) as store:
        for i in range(count):
            store.add_lead(f"测试公司{i:03d}有限公司", f"0755-2688{i:04d}", contact=f"联系人{i}", industry="电子")


async def keypress_latency(answers: int = 200, size: tuple[int, int] = (80, 24)) -> tuple[list[float], list[float]]:
    from textual import events

    from callscript.script.loader import load_script
    from callscript.tui.app import CallscriptApp
    from callscript.tui.clock import FixedClock
    from callscript.tui.screens.call import CallScreen
    from callscript.tui.screens.summary import SummaryScreen

    calls = -(-answers // len(ANSWERS_PER_CALL))
    tmp = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    db = tmp / "bench.db"
    seed(db, calls + 2)
    clock = FixedClock(datetime(2025, 11, 25, 10, 0).astimezone())
    app = CallscriptApp(
        db_path=db,
        agent="张三",
        clock=clock,
        config_file=tmp / "config.json",
        script=load_script(CTRIP),
        cursor_blink=False,
        live_timer=False,
    )
    latencies: list[float] = []
    cpu: list[float] = []  # event-loop thread CPU from the key to the frame
    probe: dict = {}
    original_display = app._display

    def display(screen, renderable):  # called with every frame the compositor produces
        wanted = probe.get("screen")
        if wanted is not None and len(wanted.session.events) > probe["before"]:
            latencies.append(time.perf_counter() - probe["t0"])
            cpu.append(time.thread_time() - probe["c0"])
            probe.clear()
            done.set()
        return original_display(screen, renderable)

    app._display = display  # type: ignore[method-assign]
    done = asyncio.Event()

    async with app.run_test(size=size) as pilot:

        async def until(predicate, timeout: float = 10.0) -> None:
            deadline = time.monotonic() + timeout
            while not predicate():
                if time.monotonic() > deadline:
                    raise TimeoutError("the app did not get there")
                await asyncio.sleep(0.005)

        async def send(key: str) -> None:
            char = key if len(key) == 1 else None
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)  # type: ignore[union-attr]

        async def measured(key: str, screen: CallScreen) -> None:
            done.clear()
            probe.update(
                screen=screen, before=len(screen.session.events), c0=time.thread_time(), t0=time.perf_counter()
            )
            await send(key)
            await asyncio.wait_for(done.wait(), timeout=10)  # no polling: the frame hook wakes us

        await until(lambda: getattr(app, "ready", False))
        await pilot.pause()
        await send("enter")
        for _ in range(calls):
            await until(lambda: isinstance(app.screen, CallScreen))
            screen = app.screen
            await pilot.pause()
            for kind, value in ANSWERS_PER_CALL:
                if len(latencies) >= answers:
                    break
                if kind == "key":
                    await measured(value, screen)
                else:
                    for char in value:
                        await send(char)
                    box = screen.query_one("#answer-input")
                    await until(lambda box=box, value=value: box.value == value)
                    await asyncio.sleep(GAP_S)  # typed, looked at, then Enter
                    await measured("enter", screen)
                await asyncio.sleep(GAP_S)  # an agent listens between answers
            if len(latencies) >= answers:
                break
            await until(
                lambda screen=screen: screen._status.pending == 0 and screen._status.saved >= len(screen.session.events)
            )
            await send("enter")  # finish → summary
            await until(lambda: isinstance(app.screen, SummaryScreen))
            await pilot.pause()
            await send("enter")  # next lead
    return latencies, cpu


def fill_leads(db: Path, count: int, callbacks: int, agent: str, now: datetime) -> None:
    """``count`` leads straight into a fresh database (set-up, not measured); ``callbacks`` of
    them wait for ``agent``'s callback, due one a minute from ``now`` on."""
    import sqlite3

    from callscript.storage import Store

    with Store.open(db) as store:
        agent_id = store.ensure_agent(agent).id
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    stamp = "2025-11-01T09:00:00+08:00"
    conn.executemany(
        "INSERT INTO leads (company, contact, phone, phone_norm, phone_kind, industry, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'mobile', ?, ?, ?)",
        (
            (f"测试公司{i:06d}有限公司", f"联系人{i % 997}", f"139{i:08d}", f"+86139{i:08d}", "电子", stamp, stamp)
            for i in range(count)
        ),
    )
    for k in range(callbacks):
        due = (now + timedelta(minutes=k + 1)).isoformat(timespec="seconds")
        conn.execute(
            "UPDATE leads SET status = 'callback', next_call_at = ?, assigned_agent_id = ?, attempts = 1 WHERE id = ?",
            (due, agent_id, 1 + k * (count // max(1, callbacks))),
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


async def list_refresh(leads: int = 100_000, rounds: int = 20) -> dict[str, list[float]]:
    """Event-loop time of the lead list's self-refresh on a database of ``leads`` leads.

    The app sits on the lead list at 80×24 (looks driven by the bench, as the app's 3-second
    timer drives them). Three kinds of look, ``rounds`` each, measured as event-loop thread
    CPU from the look's start to the first frame after it (the database thread's work is
    not the event loop's): a look that finds nothing; one after another process changed a
    listed lead (the list is read again and redrawn); one at which a callback comes due
    (the list is redrawn with it on top, the notice is shown)."""
    import sqlite3

    from callscript.script.loader import load_script
    from callscript.tui.app import CallscriptApp
    from callscript.tui.clock import FixedClock
    from callscript.tui.screens.leads import LeadListScreen

    tmp = Path(tempfile.mkdtemp(prefix="bench-list-"))
    db = tmp / "big.db"
    now = datetime(2025, 11, 25, 10, 0).astimezone()
    fill_leads(db, leads, rounds + 5, "张三", now)
    clock = FixedClock(now)
    app = CallscriptApp(
        db_path=db,
        agent="张三",
        clock=clock,
        config_file=tmp / "config.json",
        script=load_script(CTRIP),
        cursor_blink=False,
        live_timer=False,
        watch_seconds=0,
    )
    app.bell = lambda: None  # type: ignore[method-assign]
    frames = asyncio.Event()
    original_display = app._display

    def display(screen, renderable):
        frames.set()
        return original_display(screen, renderable)

    app._display = display  # type: ignore[method-assign]
    results: dict[str, list[float]] = {"idle": [], "changed": [], "came_due": []}
    other = sqlite3.connect(db, isolation_level=None)

    async with app.run_test(size=(80, 24)) as pilot:
        while not (isinstance(app.screen, LeadListScreen) and app.screen.rows):
            await asyncio.sleep(0.01)
        screen = app.screen
        app.look_for_changes()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)

        async def measured(kind: str) -> None:
            before = screen.view
            frames.clear()
            c0 = time.thread_time()
            worker = app.look_for_changes()
            await worker.wait()
            await app.workers.wait_for_complete()  # the list's re-read, when the look asks for one
            if screen.view is not before:
                await asyncio.wait_for(frames.wait(), timeout=10)  # the frame that shows it
            results[kind].append(time.thread_time() - c0)
            await pilot.pause(0.05)

        for i in range(rounds):
            await measured("idle")
            shown = screen.rows[5].lead.id  # a lead on screen, changed by another process
            other.execute("UPDATE leads SET contact = ? WHERE id = ?", (f"新联系人{i}", shown))
            await measured("changed")
            clock.advance(minutes=1)
            await measured("came_due")
    other.close()
    return results


STARTUP_CHILD = r"""
import sys, time, json
t_import = time.perf_counter()
from callscript.tui.app import CallscriptApp
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.leads import LeadListScreen
imported = time.perf_counter() - t_import
db, config = sys.argv[1], sys.argv[2]
marks = {}

app = CallscriptApp(db_path=db, agent="张三", config_file=config)
original = app._display

def display(screen, renderable):
    now = time.time()
    if isinstance(screen, LeadListScreen) and "list" not in marks and screen.rows:
        marks["list"] = now
        app.call_later(lambda: screen.action_call())
    if isinstance(screen, CallScreen) and "call" not in marks:
        marks["call"] = now
        app.call_later(app.exit)
    return original(screen, renderable)

app._display = display
app.run(headless=True, size=(80, 24))
marks["imported"] = imported
if len(sys.argv) > 3:  # --write-start-modules: the files the start loaded, in import order
    import sysconfig
    from callscript.tui.bytecode import listing_line
    stdlib, site = sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]
    files = [(n, getattr(m, "__file__", None) or "") for n, m in list(sys.modules.items())]
    marks["modules"] = [
        listing_line(n, f) for n, f in files if f.endswith(".py") and (f.startswith(site) or not f.startswith(stdlib))
    ]
print(json.dumps(marks))
"""


def write_start_modules(path: Path) -> int:
    """Write :data:`callscript.tui.bytecode.START_MODULES`: the files one start of the app up
    to the call screen imports (run once more after an upgrade of Textual or a new module on
    the start path; tests/tui/test_startup_imports.py says when). Returns how many."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-modules-"))
    db = tmp / "start.db"
    seed(db, 200)
    env = _child_env(tmp / "pycache")
    out = subprocess.run(
        [sys.executable, "-c", STARTUP_CHILD, str(db), str(tmp / "config.json"), "modules"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    modules = json.loads(out.stdout.strip().splitlines()[-1])["modules"]
    header = (
        "# The files the agent app's start imports up to the first call screen, in import order\n"
        "# (callscript/tui/bytecode.py). Written by: python bench/bench_tui.py --write-start-modules\n"
    )
    path.write_text(header + "".join(f"{line}\n" for line in modules), encoding="utf-8")
    return len(modules)


def _child_env(pycache: Path | None) -> dict[str, str]:
    """A child environment with the bytecode cache warm (``pycache``) or off (``None``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CALLSCRIPT_DB", None)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="bench-nocache-")  # nothing cached: compile all
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _installed(tmp: Path, *, compile_bytecode: bool = False) -> tuple[str, dict[str, str]] | None:
    """The project installed as an agent's machine gets it: a fresh virtual environment, the
    locked dependencies and the project itself (not editable) from uv's cache — with no
    bytecode compiled for any of them (uv's default), or compiled at install
    (``compile_bytecode``: ``uv sync --compile-bytecode``, what pip does by default); the
    interpreter's standard library keeps the bytecode its install shipped. The environment's
    python and a child environment that writes bytecode where a real first start would
    (beside the sources). None when uv cannot do it here."""
    venv = tmp / "venv"
    command = ["uv", "sync", "--frozen", "--offline", "--no-editable", "--no-dev", "--quiet"]
    command.append("--compile-bytecode" if compile_bytecode else "--no-compile-bytecode")
    try:
        subprocess.run(
            [*command, "--python", sys.executable],
            cwd=ROOT,
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"(first start after install not measured: {exc})", file=sys.stderr)
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CALLSCRIPT_"))}
    env["CALLSCRIPT_SCRIPT"] = str(CTRIP)  # the installed package has no checkout to find it in
    return str(venv / "bin" / "python"), env


def _start_once(
    db: Path, config: Path, env: dict[str, str], python: str = sys.executable, cwd: Path = ROOT
) -> dict[str, float]:
    from callscript.storage import Store

    t0 = time.time()
    out = subprocess.run(
        [python, "-c", STARTUP_CHILD, str(db), str(config)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    if "list" not in marks or "call" not in marks:
        raise RuntimeError(f"the app did not reach the call screen: {marks}\n{out.stderr[-2000:]}")
    with Store.open(db) as store:  # the call it opened stays unfinished: drop it for the next run
        for call in store.unfinished_calls():
            store.discard_call(call.call_id)
            store.release_lead(call.lead_id, call.agent_id)
    return {"list": marks["list"] - t0, "call": marks["call"] - t0, "imported": marks["imported"]}


def startup(runs: int = 5, installs: int = 3) -> dict[str, float]:
    """Median over ``runs`` fresh processes with a warm bytecode cache (as after the first
    start of an installed app); the median first start of ``installs`` fresh installs without
    bytecode (see :func:`_installed`) and of one installed with its bytecode compiled; and one
    start with no bytecode at all, not even the standard library's (harsher than any real
    first start)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-start-"))
    db = tmp / "start.db"
    seed(db, 200)
    pycache = tmp / "pycache"
    warm = _child_env(pycache)
    _start_once(db, tmp / "config-warmup.json", warm)  # fills the bytecode cache
    samples = [_start_once(db, tmp / f"config{i}.json", warm) for i in range(runs)]
    cold = _start_once(db, tmp / "config-cold.json", _child_env(None))
    firsts = []
    for i in range(installs):
        place = tmp / f"install{i}"
        place.mkdir()
        installed = _installed(place)
        if installed is None:
            break
        python, env = installed
        firsts.append(_start_once(db, place / "config.json", env, python=python, cwd=place)["call"])
    compiled = None
    if firsts:
        place = tmp / "install-compiled"
        place.mkdir()
        installed = _installed(place, compile_bytecode=True)
        if installed is not None:
            python, env = installed
            compiled = _start_once(db, place / "config.json", env, python=python, cwd=place)["call"]
    result = {
        "start_to_lead_list_s": statistics.median(s["list"] for s in samples),
        "start_to_call_screen_s": statistics.median(s["call"] for s in samples),
        "app_import_s": statistics.median(s["imported"] for s in samples),
        "cold_start_to_call_screen_s": cold["call"],
        "textual_import_s": import_time("import textual.app, textual.widgets", warm),
        "python_startup_s": import_time("pass", warm),
    }
    if firsts:
        result["installed_first_start_to_call_screen_s"] = statistics.median(firsts)
    if compiled is not None:
        result["compiled_install_first_start_to_call_screen_s"] = compiled
    return result


def import_time(statement: str, env: dict[str, str], runs: int = 5) -> float:
    """Median wall time of ``statement`` in a fresh interpreter (``pass``: the interpreter start itself)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(runs + 1):
        if statement == "pass":
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
            samples.append(time.perf_counter() - t0)
        else:
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
            )
            samples.append(float(out.stdout.strip()))
    return statistics.median(samples[1:])  # the first run may fill the cache


def _verdict(value: float, budget: float) -> str:
    return "within budget" if value <= budget else "OVER budget"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--leads", type=int, default=100_000, help="leads in the self-refresh database")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--no-refresh", action="store_true")
    parser.add_argument("--no-keypress", action="store_true")
    parser.add_argument(
        "--only-startup", action="store_true", help="the start-up figures only (--no-keypress --no-refresh)"
    )
    parser.add_argument("--write-start-modules", action="store_true", help="write callscript/tui/start_modules.txt")
    args = parser.parse_args()
    if args.write_start_modules:
        from callscript.tui.bytecode import START_MODULES

        print(f"{write_start_modules(START_MODULES)} files → {START_MODULES}")
        return
    if args.only_startup:
        args.no_keypress = args.no_refresh = True
        args.no_startup = False

    result: dict[str, float | int] = {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count() or 0,
    }
    if not args.no_keypress:
        latencies, cpu = asyncio.run(keypress_latency(args.answers))
        ms = [x * 1000 for x in latencies]
        cpu_ms = [x * 1000 for x in cpu]
        result.update(
            {
                "answers": len(ms),
                "median_ms": round(statistics.median(ms), 2),
                "p90_ms": round(percentile(ms, 90), 2),
                "p99_ms": round(percentile(ms, 99), 2),
                "max_ms": round(max(ms), 2),
                "cpu_median_ms": round(statistics.median(cpu_ms), 2),
                "cpu_p99_ms": round(percentile(cpu_ms, 99), 2),
            }
        )
    if not args.no_refresh:
        looks = asyncio.run(list_refresh(args.leads))
        for kind, values in looks.items():
            result[f"refresh_{kind}_median_ms"] = round(statistics.median(values) * 1000, 2)
            result[f"refresh_{kind}_max_ms"] = round(max(values) * 1000, 2)
        result["refresh_leads"] = args.leads
    if not args.no_startup:
        result.update({k: round(v, 3) for k, v in startup().items()})
    result["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({**result, "budgets": BUDGETS}, indent=2))
        return
    b = BUDGETS
    if not args.no_keypress:
        print(
            f"keypress → screen, {result['answers']} answers at 80×24 (budget: median ≤ {b['median_ms']:.0f} ms, p99 ≤ {b['p99_ms']:.0f} ms)"
        )
        print(
            f"  median {result['median_ms']:.1f} ms ({_verdict(result['median_ms'], b['median_ms'])}) · p90 {result['p90_ms']:.1f} ms"
            f" · p99 {result['p99_ms']:.1f} ms ({_verdict(result['p99_ms'], b['p99_ms'])}) · max {result['max_ms']:.1f} ms"
        )
        print(
            f"  event-loop CPU per answer: median {result['cpu_median_ms']:.1f} ms · p99 {result['cpu_p99_ms']:.1f} ms"
            f"  (load average {result['load_average_1m']} on {result['cpus']} CPUs)"
        )
    if not args.no_refresh:
        print(
            f"lead list self-refresh on {args.leads:,} leads, event-loop time per look (budget ≤ {b['refresh_ms']:.0f} ms)"
        )
        for kind, label in (
            ("idle", "nothing changed"),
            ("changed", "another process changed a listed lead"),
            ("came_due", "a callback came due (list + notice)"),
        ):
            median = float(result[f"refresh_{kind}_median_ms"])
            print(
                f"  {label:40s} median {median:.2f} ms · max {result[f'refresh_{kind}_max_ms']:.2f} ms"
                f" ({_verdict(median, b['refresh_ms'])})"
            )
    if not args.no_startup:
        warm, cold = float(result["start_to_call_screen_s"]), float(result["cold_start_to_call_screen_s"])
        print(
            f"start-up (budget: process start → call screen ≤ {b['start_to_call_screen_s'] * 1000:.0f} ms warm,"
            f" ≤ {b['cold_start_to_call_screen_s'] * 1000:.0f} ms on the first start)"
        )
        print(f"  process start → lead list   {result['start_to_lead_list_s'] * 1000:.0f} ms")
        print(
            f"  process start → call screen {warm * 1000:.0f} ms ({_verdict(warm, b['start_to_call_screen_s'])};"
            " Enter pressed as soon as the list shows)"
        )
        if "installed_first_start_to_call_screen_s" in result:
            first = float(result["installed_first_start_to_call_screen_s"])
            print(
                f"  … first start after install {first * 1000:.0f} ms ({_verdict(first, b['cold_start_to_call_screen_s'])};"
                " fresh venv, no bytecode for the packages, the stdlib's as installed)"
            )
        if "compiled_install_first_start_to_call_screen_s" in result:
            first = float(result["compiled_install_first_start_to_call_screen_s"])
            print(
                f"  … first start after an install that compiled its bytecode (uv sync --compile-bytecode)"
                f" {first * 1000:.0f} ms ({_verdict(first, b['cold_start_to_call_screen_s'])})"
            )
        print(
            f"  … first start, no bytecode at all {cold * 1000:.0f} ms"
            f" ({_verdict(cold, b['cold_start_to_call_screen_s'])}; the stdlib compiled too: harsher than any install)"
        )
        print(f"  import callscript.tui.app   {result['app_import_s'] * 1000:.0f} ms")
        print(f"  import textual (app+widgets) {result['textual_import_s'] * 1000:.0f} ms")
        print(f"  bare python start           {result['python_startup_s'] * 1000:.0f} ms")
    print(f"(load average {result['load_average_1m']} at the start, {result['load_average_1m_end']} at the end)")


if __name__ == "__main__":
    main()
