"""Capacity of one floor server: N browser tabs over textual-serve's websocket protocol.

    uv run python bench/bench_serve.py                 # N = 10, 25, 50, then up until p99 > 100 ms
    uv run python bench/bench_serve.py --sizes 10 --no-search --seconds 20

One ``callscript serve`` (a child process, a free port on 127.0.0.1) on a fresh database
with one agent account per tab and plenty of leads. Each simulated tab is what a browser
is to the server: a websocket to ``/ws`` sending ``["stdin", …]`` envelopes and reading the
app's screen as binary frames. Each tab logs in (the real argon2id check), opens a call,
then answers one key every 3 s along a whole call of scripts/ctrip.yaml to 寄资料, the
summary and the next lead, over and over, each tab at its own phase.

Figures per N:

* **key → first screen update**: from sending the key to the first frame of the app's
  answer that is a screen update (frames under ``TICK_BYTES`` are the call timer's
  once-a-second repaint, not an answer, and are skipped); p50, p99 and the worst;
* **memory per session**: the tab's app process, RSS and PSS (PSS shares the pages
  processes have in common fairly: the sum of PSS is what the machine really gives);
  plus the server process itself.

Budget: p99 ≤ 100 ms at 50 sessions on the 2-core machine. With the search on (default),
N grows by 25 after the sizes asked for until p99 passes 100 ms (or ``--max`` is reached),
and that N is reported: the "one host serves a floor of N" line in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ctrip.yaml"
PASSWORD = "bench-Pass-1"
KEY_EVERY = 3.0
CURSOR_TO = re.compile(rb"\x1b\[(\d+);\d+H")


def repaints_below_the_top_line(frame: bytes) -> bool:
    """True for an answer's update; False for the call timer's tick, which repaints row 1 only
    (then puts the terminal cursor back in the input box: a move at the very end, drawing nothing)."""
    drawn_at = [int(m.group(1)) for m in CURSOR_TO.finditer(frame) if frame[m.end() :].strip(b"\x1b[?25hl")]
    return any(row > 1 for row in drawn_at)


LEADS_PER_TAB = 12
BACKTAB, HOME, KILL_LINE = "\x1b[Z", "\x01", "\x0b"
BUDGET_P99_MS = 100.0
BUDGET_AT = 50

# One whole call of scripts/ctrip.yaml to 寄资料 (as tests/tui/test_calls.py answers it), then
# Enter on the summary for the next lead. Typed text goes as one envelope (a browser sends
# an IME's text at once).
CALL = [  # (what is sent, what it does)
    ("1", "本人接听"),
    ("1", "方便"),
    ("1", "经常出差"),
    ("1", "都自己订"),
    ("1", "有接待"),
    ("1", "会"),
    ("1", "B1 其它订房中心"),
    ("艺龙\r", "typed: 艺龙"),
    ("2", "没用过携程, 是艺龙的会员"),
    ("1", "好"),
    ("4\r", "四星"),
    ("1", "愿意接受"),
    ("深圳市南山区科技园\r", "typed: the address"),
    ("1", "地址无误 → 结束语"),
    ("\r", "finish: the summary card"),
    ("\r", "next lead: its call screen"),
]
CALL_KEYS = [key for key, _ in CALL]
CALL_KEY_LABELS = [label for _, label in CALL]


@dataclass
class Tab:
    index: int
    name: str
    ws: aiohttp.ClientWebSocketResponse | None = None
    frames: list[tuple[float, int, bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    latencies: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)  # the CALL_KEYS index each latency belongs to
    lost: int = 0

    def text_since(self, mark: int) -> str:
        return b"".join(frame for _, _, frame in self.frames[mark:]).decode("utf-8", "replace")


async def read_frames(tab: Tab) -> None:
    assert tab.ws is not None
    async for message in tab.ws:
        if message.type == aiohttp.WSMsgType.BINARY:
            tab.frames.append((time.perf_counter(), len(message.data), message.data))
            tab.arrived.set()
        elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            break


async def wait_text(tab: Tab, mark: int, needle: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in tab.text_since(mark):
        if time.monotonic() > deadline:
            raise TimeoutError(f"tab {tab.index}: no {needle!r} on screen")
        tab.arrived.clear()
        try:
            await asyncio.wait_for(tab.arrived.wait(), timeout=1.0)
        except TimeoutError:
            pass


async def send(tab: Tab, data: str) -> None:
    assert tab.ws is not None
    await tab.ws.send_json(["stdin", data])


async def start_tab(session: aiohttp.ClientSession, base: str, tab: Tab) -> None:
    """Connect, log in, open the first call."""
    tab.ws = await session.ws_connect(base.replace("http", "ws") + "ws?width=100&height=30", max_msg_size=0)
    asyncio.get_running_loop().create_task(read_frames(tab))
    await wait_text(tab, 0, "密码", timeout=600)  # a busy machine starts fifty apps slowly
    for _attempt in range(4):
        # As a person types: the name, a pause for the cursor to reach the password box, the
        # password. On a loaded machine keys typed across the focus change can still land in
        # the name box; then the login is refused and typed again.
        mark = len(tab.frames)
        await send(tab, tab.name)
        await wait_text(tab, mark, tab.name)
        await send(tab, "\r")
        await asyncio.sleep(1.0)
        mark = len(tab.frames)
        await send(tab, PASSWORD + "\r")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            text = tab.text_since(mark)
            if "测试公司" in text or "账号或密码不对" in text:
                break
            tab.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tab.arrived.wait(), timeout=1.0)
        if "测试公司" in tab.text_since(mark):  # the lead list, with its leads
            break
        await send(tab, BACKTAB + HOME + KILL_LINE)  # back to the name box, emptied
        await asyncio.sleep(0.5)
    else:
        raise TimeoutError(f"tab {tab.index}: could not log in")
    # Tabs opening together see the same list: each searches for a lead of its own ("/",
    # the company, Enter), then calls it; later leads come from the summary's Enter, which
    # claims the next one atomically.
    # On a loaded machine the text can beat "/" (typed into the list, lost), or the Enter the
    # filter (another tab's lead: taken, a notice, no call screen); then the search is done
    # again, with longer pauses.
    for attempt in range(1, 6):
        await send(tab, "/")
        await asyncio.sleep(0.5 * attempt)
        own = f"测试公司{(tab.index * LEADS_PER_TAB + attempt - 1):05d}"
        mark = len(tab.frames)
        await send(tab, own)
        try:  # typed before "/" had focused the search box, the text went nowhere: again
            await wait_text(tab, mark, own, timeout=60)
        except TimeoutError:
            await send(tab, "\x1b")
            await asyncio.sleep(1.0)
            continue
        await asyncio.sleep(1.0 * attempt)  # the list filtered to it
        await send(tab, "\r")  # out of the search box, onto the list
        await asyncio.sleep(0.5 * attempt)
        mark = len(tab.frames)
        await send(tab, "\r")
        try:
            await wait_text(tab, mark, "开场白", timeout=60)
            return
        except TimeoutError:
            await send(tab, "\x1b")  # back to the whole list
            await asyncio.sleep(1.0)
    raise TimeoutError(f"tab {tab.index}: no call screen after 5 tries")


async def answer_keys(tab: Tab, until: float, phase: float) -> None:
    """One key every KEY_EVERY seconds along CALL_KEYS; the time to the first screen update."""
    await asyncio.sleep(phase)
    step = 0
    while time.perf_counter() < until:
        key = CALL_KEYS[step % len(CALL_KEYS)]
        step += 1
        mark = len(tab.frames)
        sent = time.perf_counter()
        await send(tab, key)
        deadline = sent + 2.0
        seen = None
        while seen is None and time.perf_counter() < deadline:
            for at, _, frame in tab.frames[mark:]:
                if repaints_below_the_top_line(frame):
                    seen = at
                    break
            if seen is None:
                tab.arrived.clear()
                try:
                    await asyncio.wait_for(tab.arrived.wait(), timeout=0.5)
                except TimeoutError:
                    pass
        if seen is None:
            tab.lost += 1
        else:
            tab.latencies.append((seen - sent) * 1000)
            tab.steps.append((step - 1) % len(CALL_KEYS))
        await asyncio.sleep(max(0.0, sent + KEY_EVERY - time.perf_counter()))


def make_database(path: Path, tabs: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from callscript.accounts.passwords import hash_password
    from callscript.storage import Store

    names = [f"坐席{i:03d}" for i in range(tabs)]
    phc = hash_password(PASSWORD)  # one hash for all: setting up is not what is measured
    with Store.open(path, synchronous="OFF") as store:
        for name in names:
            store.add_account(name, "agent", phc)
        store.add_leads(
            {"company": f"测试公司{i:05d}", "phone": f"1390000{i:04d}", "contact": "王经理", "industry": "电子"}
            for i in range(tabs * LEADS_PER_TAB)
        )
    return names


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/PID/stat (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far by the server, by all the tabs' apps together, and by this client."""

    server: float
    apps: float
    client: float

    @classmethod
    def take(cls, server_pid: int, app_pids: list[int]) -> CpuSample:
        return cls(cpu_seconds(server_pid), sum(cpu_seconds(pid) for pid in app_pids), time.process_time())

    def __sub__(self, other: CpuSample) -> CpuSample:
        return CpuSample(self.server - other.server, self.apps - other.apps, self.client - other.client)


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB, from /proc/PID/smaps_rollup."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                values[key] = int(rest.split()[0])
    except OSError:
        return 0, 0
    return values.get("Rss", 0), values.get("Pss", 0)


@dataclass
class Result:
    tabs: int
    p50: float
    p99: float
    worst: float
    keys: int
    lost: int
    rss_mib: float
    pss_mib: float
    server_mib: float
    ramp_s: float
    load: float
    """The machine's 1-minute load average at the end of the measuring (other work skews the figures)."""
    idle_cpu: CpuSample
    """CPU per tab per idle second (ms): N tabs on the call screen, no key pressed."""
    key_cpu: CpuSample
    """CPU per key (ms) while the tabs answer, idle cost included."""
    slowest_keys: list[tuple[str, float, float]] = field(default_factory=list)
    """The three keys of the call with the highest p99: (what the key does, p50, p99 in ms)."""


async def run_size(tabs: int, seconds: float, workdir: Path, idle_seconds: float = 10.0) -> Result:
    db_path = workdir / f"floor-{tabs}.db"
    names = make_database(db_path, tabs)
    env = {**os.environ, "CALLSCRIPT_CONFIG": str(workdir / "config.json"), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "callscript", "--db", str(db_path), "serve", "--port", "0"]
        + ["--max-sessions", str(tabs + 5), "--script", str(SCRIPT), "--idle-lock", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
    )
    drain: asyncio.Future[bytes] | None = None
    try:
        assert server.stdout is not None
        line = server.stdout.readline().decode()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"serve did not start: {line}")
        base = f"http://127.0.0.1:{match.group(1)}/"
        drain = asyncio.get_running_loop().run_in_executor(None, server.stdout.read)
        tabs_ = [Tab(i, name) for i, name in enumerate(names)]
        started = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            # Tabs open a little apart, as a floor logs in at the start of a shift.
            pending = []
            for tab in tabs_:
                pending.append(asyncio.create_task(start_tab(session, base, tab)))
                await asyncio.sleep(0.25)
            await asyncio.gather(*pending)
            ramp = time.perf_counter() - started
            await asyncio.sleep(3.0)  # let start-up work settle before measuring
            apps = children_of(server.pid)
            before = CpuSample.take(server.pid, apps)
            await asyncio.sleep(idle_seconds)  # every tab on its call screen, nobody typing
            idle = CpuSample.take(server.pid, apps) - before
            before = CpuSample.take(server.pid, apps)
            until = time.perf_counter() + seconds
            rng = random.Random(tabs)
            await asyncio.gather(*(answer_keys(tab, until, rng.uniform(0, KEY_EVERY)) for tab in tabs_))
            load = os.getloadavg()[0]
            busy = CpuSample.take(server.pid, apps) - before
            memory = [memory_kib(pid) for pid in apps]
            server_rss, _ = memory_kib(server.pid)
            for tab in tabs_:
                if tab.ws is not None:
                    await tab.ws.close()
        latencies = sorted(ms for tab in tabs_ for ms in tab.latencies)
        by_step: dict[int, list[float]] = {}
        for tab in tabs_:
            for step, ms in zip(tab.steps, tab.latencies, strict=True):
                by_step.setdefault(step, []).append(ms)
        lost = sum(tab.lost for tab in tabs_)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if drain is not None:
            output = (await drain).decode("utf-8", "replace")
            if "Traceback" in output:  # a tab's app failed: its error, not only a bench timeout
                print(output[output.index("Traceback") :][:4000], file=sys.stderr)
    if not latencies:
        raise RuntimeError("no key was answered")
    per_idle = 1000 / (tabs * idle_seconds)
    per_key = 1000 / len(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    rss = statistics.mean(r for r, _ in memory) / 1024 if memory else 0.0
    pss = statistics.mean(p for _, p in memory) / 1024 if memory else 0.0
    return Result(
        tabs,
        statistics.median(latencies),
        p99,
        latencies[-1],
        len(latencies),
        lost,
        rss,
        pss,
        server_rss / 1024,
        ramp,
        load,
        CpuSample(idle.server * per_idle, idle.apps * per_idle, idle.client * per_idle),
        CpuSample(busy.server * per_key, busy.apps * per_key, busy.client * per_key),
        slowest_keys(by_step),
    )


def slowest_keys(by_step: dict[int, list[float]], count: int = 3) -> list[tuple[str, float, float]]:
    """Which keys of the call make the tail: (its label in CALL_KEY_LABELS, p50, p99)."""
    figures = []
    for step, samples in by_step.items():
        samples.sort()
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        figures.append((CALL_KEY_LABELS[step], statistics.median(samples), p99))
    return sorted(figures, key=lambda figure: figure[2], reverse=True)[:count]


def show(result: Result) -> None:
    ok = "ok" if result.p99 <= BUDGET_P99_MS else "OVER"
    print(
        f"N={result.tabs:>3}  key→screen p50 {result.p50:6.1f} ms  p99 {result.p99:6.1f} ms "
        f"(budget ≤ {BUDGET_P99_MS:.0f} ms: {ok})  worst {result.worst:6.1f} ms  keys {result.keys}"
        + (f"  unanswered {result.lost}" if result.lost else "")
        + f"  | per session RSS {result.rss_mib:5.1f} MiB, PSS {result.pss_mib:5.1f} MiB"
        f"  | server {result.server_mib:5.1f} MiB  | {result.tabs} logins in {result.ramp_s:4.1f} s"
        f"  | load {result.load:.1f}",
        flush=True,
    )
    idle, key = result.idle_cpu, result.key_cpu
    print(
        f"       CPU per idle tab-second: server {idle.server:.2f} ms, app {idle.apps:.2f} ms, client {idle.client:.2f} ms"
        f"  | CPU per key: server {key.server:.2f} ms, apps {key.apps:.2f} ms, client {key.client:.2f} ms",
        flush=True,
    )
    if result.slowest_keys:
        print(
            "       slowest keys (p50 / p99): "
            + "; ".join(f"{label} {p50:.0f} / {p99:.0f} ms" for label, p50, p99 in result.slowest_keys),
            flush=True,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--seconds", type=float, default=45.0, help="measuring time per size (after log-in)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle time measured before the keys")
    parser.add_argument("--no-search", action="store_true", help="do not grow N until p99 passes the budget")
    parser.add_argument("--max", type=int, default=150, help="largest N the search tries")
    parser.add_argument("--step", type=int, default=25)
    args = parser.parse_args()
    print(f"bench_serve: {os.cpu_count()} CPUs, a key every {KEY_EVERY:g} s per tab, {args.seconds:g} s per size")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        for size in args.sizes:
            results.append(await run_size(size, args.seconds, Path(tmp), args.idle_seconds))
            show(results[-1])
        size = max(args.sizes)
        while not args.no_search and results[-1].p99 <= BUDGET_P99_MS and size + args.step <= args.max:
            size += args.step
            results.append(await run_size(size, args.seconds, Path(tmp), args.idle_seconds))
            show(results[-1])
    at_budget = [r for r in results if r.tabs == BUDGET_AT]
    if at_budget:
        verdict = "within" if at_budget[0].p99 <= BUDGET_P99_MS else "OVER"
        print(f"budget: p99 ≤ {BUDGET_P99_MS:.0f} ms at {BUDGET_AT} sessions: {at_budget[0].p99:.1f} ms ({verdict})")
    over = [r for r in results if r.p99 > BUDGET_P99_MS]
    if over:
        print(f"p99 passes {BUDGET_P99_MS:.0f} ms at N = {over[0].tabs}")
    elif not args.no_search:
        print(f"p99 stayed within {BUDGET_P99_MS:.0f} ms up to N = {results[-1].tabs} (the search's limit)")


if __name__ == "__main__":
    asyncio.run(main())
