"""Event logs for generated calls: walks of the script, so the demo's funnel has something to say.

The demo generator (:mod:`callscript.reports.demo`) decides each call's outcome from
its industry's rates; this module gives it an answer-by-answer log that ends in that
outcome. Walking the script for every one of two million calls would dominate the
run, so, as with the graded fact pools, a pool of walks is made once per outcome
with a real :class:`~callscript.script.session.CallSession` (so every log is one the
app could have written: ``back`` now and then, Ctrl+E now and then, typed answers
that the script accepts) and each call draws one. The walk's times are spread over
the call's length in proportion to how long each answer plausibly takes.

The log is not derived from the call's facts (they come from the fact pools): a
generated call may say B1 in its facts and walk B2. The funnel reads logs, the
market report reads facts; each is realistic on its own.

Deterministic for a seed; its own random generator, so adding logs to the demo did
not change the calls it generates.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from callscript.core.outcomes import OUTCOME_VALUES
from callscript.script.facts import INT
from callscript.script.model import END, INPUT, Node, Script
from callscript.script.session import CallSession, Event, SessionError

TEXT_ANSWERS: dict[str, tuple[str, ...]] = {
    "other_center_name": ("艺龙", "艺龙网", "eLong", "金色世纪", "同程", "去哪儿", "东方航空售票处", "不详"),
    "price_range": ("200-300元", "300元左右", "300-500元", "400元以内", "500元以上", "100-200元", "三四百"),
    "address": ("广州市天河路385号12楼", "深圳市深南大道6008号", "上海市南京西路1266号28楼", "北京市建国路88号"),
}
"""What an agent types at a text input, by fact (other facts get a generic answer)."""
SECONDS = {"choose": (3, 14), "enter": (6, 22), "skip": (3, 8), "back": (2, 6), "end": (2, 5)}
"""A plausible spread of seconds before each kind of answer (relative: scaled to the call)."""
BACK_RATE, END_RATE, SKIP_RATE = 0.05, 0.02, 0.15
FIRST_OPTION_WEIGHT = 0.55
"""Option i (0-based) is taken with weight FIRST_OPTION_WEIGHT**i: the script lists the
common answer first and the refusal last (scripts/ctrip.yaml)."""


@dataclass(frozen=True, slots=True)
class Walk:
    """One log: (kind, node, value) per event, and the relative time before each."""

    events: tuple[tuple[str, str, str | None], ...]
    weights: tuple[int, ...]

    def times(self, start: int, end: int) -> list[int]:
        """Seconds into the day of each event, spread over [start, end) by the weights."""
        span = max(0, end - start - 1)
        total = sum(self.weights) or 1
        out, acc = [], 0
        for w in self.weights:
            acc += w
            out.append(start + acc * span // total)
        return out


def _typed(node: Node, rng: random.Random) -> str:
    assert node.input is not None
    spec = node.input.fact
    if spec.type == INT:
        low = next((v for v in (node.input.min, spec.min) if v is not None), 1)
        high = next((v for v in (node.input.max, spec.max) if v is not None), low + 4)
        return str(rng.randint(low, high))
    if spec.type == "bool":
        return rng.choice(["是", "否"])
    if spec.values:
        return rng.choice(list(spec.values))
    return rng.choice(TEXT_ANSWERS.get(spec.name, ("好的",)))


def _step(session: CallSession, rng: random.Random, weights: list[int]) -> Event:
    node = session.node
    if session.can_go_back and rng.random() < BACK_RATE:
        weights.append(rng.randint(*SECONDS["back"]))
        return session.back()
    if session.can_go_back and rng.random() < END_RATE:
        weights.append(rng.randint(*SECONDS["end"]))
        return session.end(rng.choice(["refused", "refused", "callback", "not_qualified"]))
    if node.kind == INPUT:
        if node.skip is not None and rng.random() < SKIP_RATE:
            weights.append(rng.randint(*SECONDS["skip"]))
            return session.skip()
        weights.append(rng.randint(*SECONDS["enter"]))
        return session.enter(_typed(node, rng))
    options = node.options
    chosen = rng.choices(options, [FIRST_OPTION_WEIGHT**i for i in range(len(options))])[0]
    weights.append(rng.randint(*SECONDS["choose"]))
    return session.choose(chosen.key)


def _walk(script: Script, rng: random.Random, limit: int = 80) -> tuple[str | None, Walk]:
    session = CallSession(script)
    weights: list[int] = []
    events: list[Event] = []
    while not session.finished and len(events) < limit:
        try:
            events.append(_step(session, rng, weights))
        except SessionError:  # a typed answer the script refuses: try another step
            continue
    walk = Walk(tuple((e.kind, e.node, e.value) for e in events), tuple(weights))
    return session.outcome, walk


def walk_pools(
    script: Script, seed: int, per_outcome: int = 48, outcomes: Sequence[str] = OUTCOME_VALUES, tries: int = 20_000
) -> dict[str, list[Walk]]:
    """Up to ``per_outcome`` walks for every outcome. An outcome the script's endings
    never reach in ``tries`` walks (a small script) gets walks ended there by Ctrl+E."""
    rng = random.Random(seed ^ 0x5EED_3A1C)
    pools: dict[str, list[Walk]] = {o: [] for o in outcomes}
    for _ in range(tries):
        outcome, walk = _walk(script, rng)
        if outcome in pools and len(pools[outcome]) < per_outcome:
            pools[outcome].append(walk)
        if all(len(p) >= per_outcome for p in pools.values()):
            break
    for outcome, pool in pools.items():
        while len(pool) < min(per_outcome, 8):
            pool.append(_ended_by_agent(script, rng, outcome))
    return pools


def _ended_by_agent(script: Script, rng: random.Random, outcome: str) -> Walk:
    """A few steps, then Ctrl+E with ``outcome`` (the script has no ending that says it)."""
    session = CallSession(script)
    events: list[Event] = []
    weights: list[int] = []
    for _ in range(rng.randint(0, 4)):
        if session.node.kind == END or session.finished:
            break
        node = session.node
        if node.kind == INPUT:
            try:
                events.append(session.enter(_typed(node, rng)))
            except SessionError:
                break
            weights.append(rng.randint(*SECONDS["enter"]))
            continue
        candidates = [o for o in node.options if script.nodes[o.next].kind != END]
        if not candidates:
            break
        events.append(session.choose(rng.choice(candidates).key))
        weights.append(rng.randint(*SECONDS["choose"]))
    if session.finished:  # pragma: no cover - only non-ending options were chosen
        session = CallSession(script)
        events, weights = [], []
    events.append(session.end(outcome))
    weights.append(rng.randint(*SECONDS["end"]))
    return Walk(tuple((e.kind, e.node, e.value) for e in events), tuple(weights))
