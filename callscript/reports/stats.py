"""The few statistics the analytics reports use, written out so a test can check them by hand.

* :func:`wilson` — the 95% Wilson score interval of a proportion: unlike the textbook
  ``p ± 1.96·√(p(1−p)/n)`` it stays inside [0, 1] and is honest for small ``n`` and for
  rates near 0 (a 寄卡率 of 2 in 40 is not "5% ± 6.8%").
* :func:`two_proportion_test` — the two-sided two-proportion z-test with the pooled
  rate (is version B's rate different from version A's?), and the guard that says
  when it cannot tell: the normal approximation it rests on needs enough calls and
  enough of both answers (:data:`MIN_CALLS`, :data:`MIN_EXPECTED`).
* :func:`percentile` — nearest-rank percentiles of a histogram (seconds at a node).

Pure functions over ints; no SQL, no rendering.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The standard normal's 97.5th percentile: a two-sided 95% interval."""

MIN_CALLS = 30
"""A version is compared with the previous one only when both have at least this many calls."""
MIN_EXPECTED = 5
"""…and, at the pooled rate, each version expects at least this many calls with *and*
this many without (the usual rule for the normal approximation: n·p ≥ 5 and n·(1−p) ≥ 5)."""
SIGNIFICANT = 0.05
"""A difference is called 明显 when the test's p-value is below this."""


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval (low, high) of ``successes / n``; None when ``n`` is 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes out of {n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not 0.9999999999999999
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True, slots=True)
class Comparison:
    """Version B against version A for one rate."""

    z: float | None
    p_value: float | None  # two-sided; None when the test cannot tell
    enough: bool  # False: too few calls to tell (see :data:`MIN_CALLS`, :data:`MIN_EXPECTED`)

    @property
    def significant(self) -> bool:
        return self.enough and self.p_value is not None and self.p_value < SIGNIFICANT


def enough_to_compare(x1: int, n1: int, x2: int, n2: int) -> bool:
    """The guard of :func:`two_proportion_test`: both have ``MIN_CALLS`` calls, and at the
    pooled rate each expects ``MIN_EXPECTED`` successes and as many failures."""
    if n1 < MIN_CALLS or n2 < MIN_CALLS:
        return False
    pooled = (x1 + x2) / (n1 + n2)
    return all(n * pooled >= MIN_EXPECTED and n * (1 - pooled) >= MIN_EXPECTED for n in (n1, n2))


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> Comparison:
    """Two-sided z-test of ``x2/n2`` against ``x1/n1`` with the pooled standard error:

    z = (p2 − p1) / √(p(1−p)(1/n1 + 1/n2)),  p = (x1 + x2) / (n1 + n2),
    p-value = 2·(1 − Φ(|z|)) = erfc(|z| / √2).
    """
    if not enough_to_compare(x1, n1, x2, n2):
        return Comparison(None, None, False)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x2 / n2 - x1 / n1) / se
    return Comparison(z, math.erfc(abs(z) / math.sqrt(2)), True)


def percentile(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The nearest-rank percentile: the smallest value ``v`` with at least ⌈fraction·N⌉
    of the N observations ≤ ``v`` (the median of 1, 2, 3, 4 is 2). None when empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover - seen reaches total
