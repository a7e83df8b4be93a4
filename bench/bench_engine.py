"""Engine benchmarks (issues 2 and 3): validate, walk, grade — each beside its budget.

    uv run python bench/bench_engine.py [--quick]

1. validate a generated script of 2,000 nodes shaped like scripts/ctrip.yaml
   (lines with variables, tips, options that set facts, input nodes with skip,
   endings, and ctrip.yaml's grading section) — budget 0.3 s;
2. walk 10,000 random steps (choose / enter / skip / back; a finished call is
   backed out of or the next call starts) on scripts/ctrip.yaml — budget 50 µs
   per step; then the same with what the call screen reads after each step;
3. grade 100,000 random fact sets with ctrip.yaml's rules — budget 20 µs per grade.

Each figure is the CPU time of this process, best of several runs, with the median
and the best wall-clock time beside it: on a shared machine wall time also counts
waiting for a core. Exit status 1 if a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callscript.script.facts import BOOL, BUILTIN_FACTS, ENUM, INT  # noqa: E402
from callscript.script.loader import load_script, validate_text  # noqa: E402
from callscript.script.session import CallSession  # noqa: E402

CTRIP = ROOT / "scripts" / "ctrip.yaml"

SAY = [
    "您好!我是**{our_company}**电话销售部的,我姓{agent_surname}。请问{contact_title}**{contact_name}**先生/小姐在吗?",
    "{contact_name}先生/小姐,您好!打个电话过来问候您,**您现在方便讲电话吗?**",
    "请问贵公司平时出差多吗?一般是怎么预订酒店和机票的呢?",
    "我们{our_company}可以为您提供全国各大城市酒店的优惠价格,有问题请拨打{hotline}。",
    "那您一般是预定几星级的酒店?每次出差的费用标准大概是多少?",
]
TIPS = [
    "少说多问",
    "一定要先报出**公司的名称**,然后再报自己姓名",
    "讲电话要真诚,热情,有礼貌",
    "地址一定要复述一遍",
    "一定要等对方挂断电话后,再轻轻放回电话",
]
SETS = [
    "{reached: true}",
    "{travel: often, hosts_clients: false}",
    "{travel: rarely}",
    '{accepts: "yes"}',
    "{accepts: reluctant, needs: hotel_only}",
    "{booking_method: other_center, other_center_member: true}",
    "{books_self: true}",
    "{leisure_travel: sometimes}",
]
OUTCOMES = ["mailed", "not_qualified", "refused", "callback", "member_care", "busy", "no_answer", "invalid_number"]


def generate_script(n_nodes: int = 2000, seed: int = 2024) -> str:
    """A valid script of ``n_nodes`` nodes shaped like scripts/ctrip.yaml.

    Calibrated on ctrip.yaml (49 nodes): 18% endings, 12% input nodes, 2.85 options
    per options node, ~1 fact set per option, 1.55 lines and 1.24 tips per node,
    ~48 YAML values per node. Every line, tip and label is unique (numbered), so no
    cache can flatter the figure.
    """
    rng = random.Random(seed)
    n_end = n_nodes * 18 // 100
    n_mid = n_nodes - n_end
    out = [
        "script:",
        "  name: bench",
        "  title: 生成的基准脚本",
        "  start: n0",
        "  company: 携程旅行网",
        "variables:",
        "  hotline: 800免费电话",
        "nodes:",
    ]

    used = iter(range(n_end))

    def ending() -> str:  # each ending once first (so all are reachable), then any
        return f"e{next(used, rng.randrange(n_end))}"

    for i in range(n_mid):
        forward = f"n{i + 1}" if i + 1 < n_mid else ending()
        out += [f"  n{i}:", f"    title: 第{i}步"]
        # every line and tip unique (numbered), as in a real script: no cache can help
        lines = rng.sample(SAY, rng.choice([1, 2, 2]))
        out += ["    say:"] + [f'      - "{line}({i}.{n})"' for n, line in enumerate(lines)]
        tips = rng.sample(TIPS, rng.choice([0, 1, 1, 2, 2, 2]))
        if tips:
            out += ["    tips:"] + [f"      - {tip}({i}.{n})" for n, tip in enumerate(tips)]
        if i % 7 == 5:
            fact = rng.choice(["hotel_star", "address", "price_range", "other_center_name"])
            out += [
                f"    input: {{fact: {fact}, hint: 请输入}}",
                f"    next: {forward}",
                f"    skip: {{label: 问不到, next: {ending()}}}",
            ]
            continue
        out.append("    options:")
        targets = [forward]
        for _ in range(rng.choice([1, 1, 2, 2, 2, 3])):
            way = rng.randrange(4)  # half to an ending, a quarter back, a quarter ahead
            targets.append(
                ending()
                if way < 2
                else f"n{rng.randrange(i + 1)}"
                if way == 2
                else f"n{min(n_mid - 1, i + rng.randint(1, 20))}"
            )
        for key, target in enumerate(targets, start=1):
            out += [f'      - key: "{key}"', f"        label: 回答{i}.{key}"]
            if rng.random() < 0.7:
                out.append(f"        set: {rng.choice(SETS)}")
            out.append(f"        next: {target}")
    for j in range(n_end):
        out += [
            f"  e{j}:",
            f"    title: 结束{j}",
            f"    say: 好的,谢谢您!再见。({j})",
            f"    tips: 一定要等对方挂断电话后,再轻轻放回电话({j})",
            f"    end: {OUTCOMES[j % len(OUTCOMES)]}",
        ]
    text = "\n".join(out) + "\n"
    if CTRIP.exists():  # a real script carries its grading rules too: take ctrip.yaml's
        source = CTRIP.read_text(encoding="utf-8")
        text += source[source.index("\ngrading:") + 1 :]
    return text


@dataclass
class Measure:
    """Seconds for one run: wall-clock and CPU time of this process, best and median."""

    wall: float
    wall_median: float
    cpu: float
    cpu_median: float

    def per(self, n: int) -> Measure:
        return Measure(self.wall / n, self.wall_median / n, self.cpu / n, self.cpu_median / n)


def timed(fn: Callable[[], object], repeat: int) -> Measure:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return Measure(min(walls), statistics.median(walls), min(cpus), statistics.median(cpus))


def bench_validate(repeat: int) -> tuple[Measure, str]:
    import yaml

    text = generate_script()
    script, problems = validate_text(text, "bench.yaml")
    assert script is not None and len(script.nodes) == 2000, [p.format("bench.yaml") for p in problems if p.is_error][
        :5
    ]
    events = sum(1 for _ in yaml.parse(text, Loader=yaml.CSafeLoader))
    measure = timed(lambda: validate_text(text, "bench.yaml"), repeat)
    # where the time goes: libyaml's events alone, then our tree, then the checks
    from callscript.script.loader import build_script
    from callscript.script.yaml_source import gc_paused, parse_yaml

    def events_only() -> None:
        loader = yaml.CSafeLoader(text)
        get_event = loader.get_event
        while type(get_event()) is not yaml.StreamEndEvent:
            pass
        loader.dispose()

    with gc_paused():
        root = parse_yaml(text)
        libyaml = timed(events_only, repeat).cpu
        tree = timed(lambda: parse_yaml(text), repeat).cpu
        checks = timed(lambda: build_script(root, text, "bench.yaml"), repeat).cpu
    return measure, (
        f"{text.count(chr(10)):,} lines, {len(text.encode()) // 1024:,} KB, {events:,} YAML events; "
        f"libyaml events alone {libyaml:.3f} s, YAML tree {tree:.3f} s (incl. events), checks {checks:.3f} s"
    )


def _walker(script, steps: int, seed: int, screen: bool):
    """A walk of ``steps`` random actions, as an agent would take them: mostly an answer
    the node offers, sometimes back; a finished call is backed out of or the next call
    starts. With ``screen``, also what the call screen reads after each step."""
    rng = random.Random(seed)
    plan = [(rng.random(), rng.randrange(1 << 30)) for _ in range(steps)]
    typed = {
        "hotel_star": ["1", "2", "3", "4", "5"],
        "address": ["广州市天河区体育西路100号"],
        "price_range": ["300-500元"],
        "other_center_name": ["艺龙"],
        "contact_name": ["李娜", "欧阳娜娜"],
        "contact_department": ["行政部"],
    }
    variables = {"agent_name": "王小明", "contact_name": "张伟"}
    counts = dict.fromkeys(("choose", "enter", "skip", "back", "calls"), 0)

    def walk() -> None:
        session = CallSession(script, variables)
        counts["calls"] += 1
        for chance, pick in plan:
            node = session.node
            if session.finished and chance < 0.5:
                session = CallSession(script, variables)
                counts["calls"] += 1
                node = session.node
            if session.finished or (chance < 0.1 and session.can_go_back):
                session.back()
                counts["back"] += 1
            elif node.input is not None:
                if node.skip is not None and chance > 0.8:
                    session.skip()
                    counts["skip"] += 1
                else:
                    values = typed[node.input.fact.name]
                    session.enter(values[pick % len(values)])
                    counts["enter"] += 1
            else:
                options = node.options
                session.choose(options[pick % len(options)].key)
                counts["choose"] += 1
            if screen:
                session.lines(), session.tips(), session.option_labels(), session.grade()

    return walk, counts


def bench_walk(steps: int, repeat: int, screen: bool = False) -> tuple[Measure, str]:
    script = load_script(CTRIP)
    walk, counts = _walker(script, steps, 7, screen)
    measure = timed(walk, repeat).per(steps)
    return measure, ", ".join(f"{k} {v // repeat:,}" for k, v in counts.items())


def random_fact_sets(n: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    specs = list(BUILTIN_FACTS.values())
    out = []
    for _ in range(n):
        facts: dict = {}
        for spec in specs:
            if rng.random() < 0.5:
                continue
            if spec.type == BOOL:
                facts[spec.name] = rng.random() < 0.5
            elif spec.type == ENUM:
                facts[spec.name] = rng.choice(spec.values)
            elif spec.type == INT:
                facts[spec.name] = rng.randint(spec.min, spec.max)
            else:
                facts[spec.name] = "x"
        out.append(facts)
    return out


def bench_grade(n: int, repeat: int) -> tuple[Measure, str]:
    grading = load_script(CTRIP).grading
    fact_sets = random_fact_sets(n)
    evaluate = grading.evaluate

    def run() -> None:
        for facts in fact_sets:
            evaluate(facts)

    measure = timed(run, repeat).per(n)
    grades: dict = {}
    for facts in fact_sets[:10_000]:
        grade = evaluate(facts).grade
        grades[grade] = grades.get(grade, 0) + 1
    mix = ", ".join(f"{k or '无'} {v * 100 // 10_000}%" for k, v in sorted(grades.items(), key=lambda kv: -kv[1]))
    return measure, mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    repeat = 2 if args.quick else 7
    missed: list[str] = []

    def report(what: str, m: Measure, unit: str, scale: float, budget: float, note: str) -> None:
        # Judged on CPU time: on a shared machine wall time also counts waiting for a core.
        ok = m.cpu < budget
        fmt = (lambda v: f"{v * scale:.3f}") if unit == "s" else (lambda v: f"{v * scale:.1f}")
        print(
            f"{what:<44} {fmt(m.cpu):>7} {unit}  (median {fmt(m.cpu_median)}; wall {fmt(m.wall)})   budget {fmt(budget)} {unit}  {'ok' if ok else 'MISSED'}"
        )
        if note:
            print(f"{'':<46}{note}")
        if not ok:
            missed.append(what)

    print(
        f"callscript engine bench — Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"CPU time of this process, best of {repeat} runs (median; best wall-clock time)\n")
    m, note = bench_validate(repeat)
    report("validate a generated 2,000-node script", m, "s", 1, 0.3, note)
    m, note = bench_walk(10_000, repeat)
    report("walk 10,000 random steps on ctrip.yaml", m, "µs", 1e6, 50e-6, "per step; " + note)
    m, _ = bench_walk(10_000, repeat, screen=True)
    report("  the same + lines/tips/options/grade", m, "µs", 1e6, 50e-6, "")
    m, note = bench_grade(100_000, max(2, repeat // 2))
    report("grade 100,000 random fact sets", m, "µs", 1e6, 20e-6, "per grade; " + note)
    if missed:
        print(f"\nMISSED: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
