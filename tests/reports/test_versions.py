"""Script versions compared, with a known answer worked out by hand.

Script funnel_test (tests/reports/funnel.yaml), three versions, and another script:

version  calls  no answer  mailed (of them 好)  refused   有效  寄卡  好
#1       200    50         40 (20)              110       150   40    20
#2       250    60         75 (30)              115       190   75    30
#3       20     5          10 (0)               5         15    10    0      ← too few calls to tell
#4 other 50     0          10 (10)              40        50    10    10     ← a first version: nothing to compare

寄卡率 #2 against #1, by hand: p1 = 40/200 = 0.2, p2 = 75/250 = 0.3, pooled p = 115/450;
se = √(p(1−p)(1/200 + 1/250)) = 0.041379…; z = 0.1 / se = 2.41668…; two-sided p = 0.01566….
Wilson 95% of 75/250: centre (0.3 + z²/500)/(1 + z²/250), half-width
z·√(0.3·0.7/250 + z²/250000)/(1 + z²/250) → (0.24657, 0.35948).
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction as F
from pathlib import Path

import pytest

from callscript.cli.analytics_cmds import describe_changes
from callscript.reports.stats import enough_to_compare, percentile, two_proportion_test, wilson
from callscript.reports.versions import TOO_FEW, compare_versions, resolve_version
from callscript.storage import Store

SCRIPT_TEXT = (Path(__file__).with_name("funnel.yaml")).read_text(encoding="utf-8")
EDITED = SCRIPT_TEXT.replace("label: 不要\n", "label: 不需要, 谢谢\n").replace(
    "title: 漏斗测试脚本", "title: 漏斗测试脚本 第二版"
)
THIRD = EDITED.replace("title: 核对\n", "title: 核对信息\n")
VERSIONS = [  # id, name, text, sha, day, (no_answer, mailed_good, mailed_other, refused)
    (1, "funnel_test", SCRIPT_TEXT, "a1" * 32, "2025-03-03", (50, 20, 20, 110)),
    (2, "funnel_test", EDITED, "b2" * 32, "2025-03-10", (60, 30, 45, 115)),
    (3, "funnel_test", THIRD, "c3" * 32, "2025-03-17", (5, 0, 10, 5)),
    (4, "other", SCRIPT_TEXT.replace("name: funnel_test", "name: other"), "d4" * 32, "2025-03-17", (0, 10, 0, 40)),
]
Z = 1.959963984540054


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    path = tmp_path_factory.mktemp("versions") / "v.db"
    store = Store.open(path, synchronous="OFF")
    c = store.conn
    c.execute("BEGIN")
    c.execute("INSERT INTO agents (id, name, created_at) VALUES (1, '王芳', 'x')")
    lead = 0
    for version_id, name, text, sha, day, (no_answer, good, mailed, refused) in VERSIONS:
        c.execute(
            "INSERT INTO scripts (id, name, title, sha256, source_text, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
            (version_id, name, name, sha, text, f"{day}T08:00:00+08:00"),
        )
        outcomes = [("no_answer", None)] * no_answer + [("mailed", "好")] * good + [("mailed", "一般")] * mailed
        outcomes += [("refused", None)] * refused
        for outcome, grade in outcomes:
            lead += 1
            c.execute(
                "INSERT INTO leads (id, company, phone, phone_norm, created_at, updated_at) VALUES (?, ?, ?, ?, 'x', 'x')",
                (lead, f"公司{lead}", str(lead), str(lead)),
            )
            c.execute(
                "INSERT INTO calls (lead_id, agent_id, script_id, started_at, ended_at, outcome, grade) "
                "VALUES (?, 1, ?, ?, ?, ?, ?)",
                (lead, version_id, f"{day}T10:00:00+08:00", f"{day}T10:05:00+08:00", outcome, grade),
            )
    c.execute("COMMIT")
    yield c
    store.close()


def test_counts_rates_and_the_previous_version(conn):
    report = compare_versions(conn)
    got = [
        (r.version.id, r.previous.id if r.previous else None, r.calls, r.effective.count, r.mailed.count, r.good.count)
        for r in report.rows
    ]
    assert got == [
        (1, None, 200, 150, 40, 20),
        (2, 1, 250, 190, 75, 30),
        (3, 2, 20, 15, 10, 0),
        (4, None, 50, 50, 10, 10),
    ]
    two = report.row(2)
    assert (two.mailed.rate, two.effective.rate, two.good.rate) == (F(3, 10), F(19, 25), F(3, 25))
    assert two.mailed.previous_rate == F(1, 5)
    assert (two.first_day, two.last_day) == (date(2025, 3, 10), date(2025, 3, 10))


def test_the_two_proportion_test_by_hand(conn):
    mailed = compare_versions(conn).row(2).mailed
    pooled = 115 / 450
    se = math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 250))
    z = (0.3 - 0.2) / se
    assert z == pytest.approx(2.416684, abs=1e-6)
    p_value = 2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2))))  # 2·(1 − Φ(|z|))
    assert p_value == pytest.approx(0.0156626, abs=1e-6)
    assert mailed.versus is not None and mailed.versus.enough
    assert mailed.versus.z == pytest.approx(z, rel=1e-12)
    assert mailed.versus.p_value == pytest.approx(p_value, rel=1e-9)
    assert mailed.verdict == "明显更高"
    effective = compare_versions(conn).row(2).effective  # 150/200 vs 190/250: p ≈ 0.81
    assert effective.verdict == "差别不明显" and effective.versus.p_value == pytest.approx(0.80624, abs=1e-5)


def test_wilson_interval_by_hand(conn):
    n, p = 250, 0.3
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    low, high = compare_versions(conn).row(2).mailed.interval
    assert (low, high) == pytest.approx((centre - half, centre + half), rel=1e-12)
    assert (low, high) == pytest.approx((0.246572, 0.359482), abs=1e-6)
    assert wilson(0, 0) is None
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0  # never outside [0, 1]


def test_too_few_calls_to_tell(conn):
    report = compare_versions(conn)
    three = report.row(3)  # 20 calls: below the 30-call minimum
    assert three.calls == 20 and three.mailed.versus is not None and not three.mailed.versus.enough
    assert three.mailed.verdict == TOO_FEW and three.mailed.versus.p_value is None
    assert three.mailed.interval is not None  # the interval is still shown: it says how little is known
    first = report.row(4)
    assert first.previous is None and first.mailed.versus is None and first.mailed.verdict == ""
    # enough calls, too few of one answer: 1 good in 40 against 0 in 40 (pooled 1/80: 0.5 expected)
    assert not enough_to_compare(1, 40, 0, 40) and not two_proportion_test(1, 40, 0, 40).enough
    assert enough_to_compare(5, 30, 5, 30) and not enough_to_compare(5, 29, 5, 30)


def test_what_changed_is_beside_the_figures(conn):
    report = compare_versions(conn, differ=describe_changes)
    assert report.row(1).changes is None and report.row(4).changes is None
    two = report.row(2).changes
    assert any("不需要, 谢谢" in line for line in two), two
    assert any("核对信息" in line for line in report.row(3).changes)


def test_a_range_and_a_script_name(conn):
    report = compare_versions(conn, date(2025, 3, 10), date(2025, 3, 31), name="funnel_test")
    assert [(r.version.id, r.calls) for r in report.rows] == [(1, 0), (2, 250), (3, 20)]
    assert report.row(2).mailed.verdict == TOO_FEW  # against #1's 0 calls in the range


def test_versions_are_found_by_id_sha_or_name(conn):
    assert resolve_version(conn, "2").id == 2 and resolve_version(conn, "#3").id == 3
    assert resolve_version(conn, "b2b2").id == 2 and resolve_version(conn, "funnel_test").id == 3
    with pytest.raises(LookupError, match="no script version"):
        resolve_version(conn, "zzzz")


def test_percentile_is_nearest_rank():
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2
    assert percentile({10: 9, 100: 1}, 0.9) == 10 and percentile({10: 9, 100: 2}, 0.9) == 100
    assert percentile({}, 0.5) is None
