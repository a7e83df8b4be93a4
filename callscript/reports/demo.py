"""Realistic generated data: a telesales floor calling leads for some weeks.

``callscript demo-data`` uses this so a new user sees real-looking reports at
once; ``bench/bench_reports.py`` uses it (50 agents, a year) for the benchmark.

What is simulated, per working day (Monday–Friday) and agent, from 09:00:

* new leads from the seed's industries (customer-development-methods.txt), each
  industry with its own share of wrong numbers, answer rate, mail rate and
  prospect quality (so the yield table has something to say), plus two rarely
  called industries and some leads with no industry;
* no-answer/busy retries (often the same afternoon: a lead called twice in a
  day), callbacks at the time the prospect asked for, and after a mailing a
  follow-up call 7–10 days later in the 17:30–18:00 window (or on Saturday
  morning, for some agents); some follow-ups are left undone so the due list is
  not empty;
* for every reached call, facts drawn to fit its outcome, graded by the *real*
  grading of the script (``scripts/ctrip.yaml`` if present, else the test
  script), and stored with rule, conditions and qualified flag;
* the agents' 优点/缺点/建议 on most days, in the seed's vocabulary.

Rows go in with ``executemany`` in large transactions (one per simulated day),
with the lead/callback/mailing side effects that ``Store.finish_call`` would
have made. Deterministic for a given seed and end date.
"""

from __future__ import annotations

import json
import random
import sqlite3
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from callscript.config import PROJECT_DIR, default_script_path
from callscript.script.grading import grade_call
from callscript.core.outcomes import Outcome

# --------------------------------------------------------------------------- vocabulary

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = [
    "芳",
    "娜",
    "伟",
    "洋",
    "静",
    "帆",
    "敏",
    "磊",
    "婷",
    "刚",
    "丽",
    "强",
    "超",
    "琳",
    "军",
    "佳",
    "平",
    "翔",
    "晓燕",
    "丹",
    "海燕",
    "建国",
    "志强",
    "秀英",
    "小红",
    "文静",
    "子涵",
    "雨欣",
    "浩然",
    "梓萱",
    "晨",
    "颖",
    "杰",
    "慧",
    "鹏",
    "倩",
    "宇",
    "欣怡",
    "俊杰",
    "思雨",
]
CITIES = ["广州", "深圳", "上海", "北京", "杭州", "成都", "武汉", "南京", "东莞", "佛山", "厦门", "苏州"]
ROADS = [
    "天河路",
    "深南大道",
    "南京西路",
    "建国路",
    "文三路",
    "人民南路",
    "解放大道",
    "中山路",
    "东莞大道",
    "季华路",
    "湖滨北路",
    "干将路",
]
WORDS = [
    "恒信",
    "华通",
    "金桥",
    "远航",
    "嘉禾",
    "新宇",
    "瑞丰",
    "德隆",
    "宏达",
    "百汇",
    "天成",
    "汇丰",
    "长城",
    "东方",
    "联众",
    "博远",
    "信达",
    "中润",
    "鼎盛",
    "安泰",
]
TITLES = ["总经理", "行政经理", "总经理助理", "采购部经理", "销售总监", "办公室主任", "财务经理", "前台", "人事主管"]
CENTERS = ["艺龙", "金色世纪", "同程", "去哪儿", "东方航空售票处"]

# Remarks (优点/缺点/建议) in the seed's words (工作前的准备, 开发过程几个需要注意的要素).
STRENGTHS = [
    "开场白清楚,先报公司再报姓名",
    "声音热忱有活力",
    "自信,熟悉我司和竞争对手的服务",
    "真诚,客户愿意留地址",
    "善用开放式问题",
    "认真倾听,不打断客户",
    "地址复核仔细",
    "语速与客户同步",
    "回访及时,客户记得我们",
]
WEAKNESSES = [
    "语速太快",
    "口头语多(嗯、啊)",
    "问不到消费标准",
    "前台转接后没问到负责人",
    "介绍公司太长,少说多问做得不够",
    "遇到拒绝容易泄气",
    "没有问是否有座机",
    "忘记确认是否方便讲话",
]
SUGGESTIONS = [
    "多问“几星级的酒店”,了解消费能力",
    "下午多打商务网站找来的资料",
    "回访放在17:30-18:00",
    "先问出差频率再介绍公司",
    "准备好便笺纸记回电时间",
    "照镜子调整状态",
    "周末到展会拿名片补充资料",
    "多用封闭式问题确认预订方式",
]


@dataclass(frozen=True, slots=True)
class Industry:
    name: str  # "" = no industry recorded
    weight: float  # share of new leads
    invalid: float  # wrong/empty numbers among new leads
    answer: float  # picked up (else no answer / busy)
    mail: float  # mailed, of the reached
    quality: int  # 0–2: how good the prospects are (travel, hotel star, acceptance)


# The seed's list (customer-development-methods.txt, 行业开拓方法); figures invented but plausible.
INDUSTRIES: tuple[Industry, ...] = (
    Industry("电信业", 8, 0.08, 0.70, 0.32, 1),
    Industry("金融业", 10, 0.05, 0.72, 0.38, 2),
    Industry("房地产业", 9, 0.10, 0.65, 0.30, 1),
    Industry("娱乐业", 4, 0.15, 0.55, 0.18, 0),
    Industry("体育活动", 2, 0.12, 0.60, 0.22, 1),
    Industry("旅游业", 5, 0.08, 0.70, 0.28, 1),
    Industry("餐饮服务业", 6, 0.18, 0.60, 0.12, 0),
    Industry("工矿企业", 5, 0.12, 0.58, 0.26, 1),
    Industry("医药保健业", 8, 0.06, 0.70, 0.40, 2),
    Industry("零售业", 6, 0.14, 0.62, 0.15, 0),
    Industry("百货业", 3, 0.12, 0.60, 0.16, 0),
    Industry("批发业", 6, 0.10, 0.65, 0.30, 1),
    Industry("汽车工业", 5, 0.07, 0.68, 0.36, 2),
    Industry("航空公司", 1, 0.05, 0.75, 0.20, 1),
    Industry("文化业", 3, 0.10, 0.62, 0.20, 0),
    Industry("收藏业", 0.4, 0.20, 0.55, 0.25, 1),
    Industry("铁水陆路运输", 4, 0.09, 0.66, 0.30, 1),
    Industry("学校", 3, 0.06, 0.70, 0.10, 0),
    Industry("党政机关", 2, 0.04, 0.75, 0.08, 0),
    Industry("事业单位", 3, 0.05, 0.72, 0.14, 0),
    Industry("慈善机构行业组织", 0.6, 0.10, 0.65, 0.12, 0),
    Industry("临时组织", 0.3, 0.45, 0.45, 0.10, 0),
    Industry("", 1.5, 0.20, 0.60, 0.20, 0),
)

SUFFIX = {
    "电信业": "通信",
    "金融业": "投资",
    "房地产业": "置业",
    "娱乐业": "文化娱乐",
    "体育活动": "体育",
    "旅游业": "旅行社",
    "餐饮服务业": "餐饮",
    "工矿企业": "矿业",
    "医药保健业": "医药",
    "零售业": "商贸",
    "百货业": "百货",
    "批发业": "贸易",
    "汽车工业": "汽车",
    "航空公司": "航空服务",
    "文化业": "传媒",
    "收藏业": "艺术品",
    "铁水陆路运输": "物流",
    "学校": "教育",
    "党政机关": "办公室",
    "事业单位": "中心",
    "慈善机构行业组织": "基金会",
    "临时组织": "筹备组",
    "": "实业",
}

DURATION = {  # seconds (min, max) a call of this outcome lasts
    Outcome.INVALID_NUMBER: (8, 20),
    Outcome.NO_ANSWER: (25, 45),
    Outcome.BUSY: (5, 12),
    Outcome.REFUSED: (20, 90),
    Outcome.NOT_QUALIFIED: (60, 200),
    Outcome.CALLBACK: (30, 120),
    Outcome.MAILED: (180, 480),
    Outcome.MEMBER_CARE: (90, 300),
}


# --------------------------------------------------------------------------- facts and grades


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), list(weights.values()))[0]


def _address(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)}市{rng.choice(ROADS)}{rng.randint(1, 999)}号{rng.randint(2, 30)}楼"


def generate_facts(outcome: Outcome, quality: int, rng: random.Random) -> dict[str, Any]:
    """Facts a call ending in ``outcome`` plausibly learned (BRIEF's fact names and values)."""
    if not outcome.effective:
        return {}
    f: dict[str, Any] = {"reached": True}
    if rng.random() < 0.12:
        f["via_receptionist"] = True
    q = quality
    if outcome is Outcome.MAILED:
        f["travel"] = _pick(rng, {"often": 0.45 + 0.1 * q, "rarely": 0.35, "never": 0.1})
        if rng.random() < 0.25 + 0.05 * q:
            f["hosts_clients"] = True
        if f["travel"] != "often":
            f["leisure_travel"] = _pick(rng, {"often": 0.2, "sometimes": 0.5, "never": 0.3})
        if rng.random() < 0.85:
            f["books_self"] = True
        method = _pick(rng, {"other_center": 25, "agreement": 20, "on_arrival": 20, "ad_hoc": 30, "member": 5})
        f["booking_method"] = method
        if method == "other_center":
            f["other_center_name"] = rng.choice(CENTERS)
            f["other_center_member"] = rng.random() < 0.4
        if method == "member":
            f["is_member"] = True
            f["refers_friends"] = rng.random() < 0.5
        if method == "on_arrival":
            f["expense"] = _pick(rng, {"reimbursed": 0.7, "self_paid": 0.3})
        f["needs"] = _pick(rng, {"both": 70, "hotel_only": 15, "flight_only": 15})
        if rng.random() < 0.85:
            f["hotel_star"] = _pick(rng, {1: 4, 2: 22 - 4 * q, 3: 40, 4: 20 + 6 * q, 5: 6 + 4 * q})
            f["price_range"] = {1: "100元以下", 2: "100-200元", 3: "200-400元", 4: "400-700元", 5: "700元以上"}[
                f["hotel_star"]
            ]
        f["accepts"] = _pick(rng, {"yes": 0.55 + 0.1 * q, "reluctant": 0.2, "later": 0.2})
        if rng.random() < 0.02 + 0.01 * q:
            f["booked_on_call"] = True
        f["address"] = _address(rng)
    elif outcome is Outcome.CALLBACK:
        if rng.random() < 0.5:
            f["travel"] = _pick(rng, {"often": 0.5 + 0.1 * q, "rarely": 0.4, "never": 0.1})
    elif outcome is Outcome.REFUSED:
        f["accepts"] = "no"
        if rng.random() < 0.4:
            f["travel"] = _pick(rng, {"often": 0.3, "rarely": 0.4, "never": 0.3})
        if rng.random() < 0.2:
            f["booking_method"] = _pick(rng, {"other_center": 0.6, "agreement": 0.4})
    elif outcome is Outcome.NOT_QUALIFIED:
        f["travel"] = _pick(rng, {"rarely": 0.4, "never": 0.6})
        f["leisure_travel"] = _pick(rng, {"never": 0.7, "sometimes": 0.3})
        if rng.random() < 0.5:
            f["books_self"] = False
            f["needs"] = "none"
        if rng.random() < 0.3:
            f["hotel_star"] = rng.choice([1, 1, 2])
    elif outcome is Outcome.MEMBER_CARE:
        f["is_member"] = True
        f["booking_method"] = "member"
        f["refers_friends"] = rng.random() < 0.4
        if rng.random() < 0.6:
            f["accepts"] = "yes"
        if rng.random() < 0.6:
            f["hotel_star"] = rng.choice([2, 3, 3, 4, 5])
            f["travel"] = _pick(rng, {"often": 0.6, "rarely": 0.4})
    return f


GradedFacts = tuple[str, str | None, str | None, int | None, str, int | None]
"""(facts JSON, grade, rule label, rule index, conditions JSON, qualified) — the calls columns."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def graded(facts: dict[str, Any], outcome: Outcome, grading) -> GradedFacts:
    if not facts:
        return ("{}", None, None, None, "{}", None)
    result = grade_call(grading, facts, outcome.value)
    return (
        _dumps(facts),
        result.grade,
        result.rule_label,
        result.rule_index,
        _dumps(dict(result.conditions)),
        int(bool(result.qualified)),
    )


def demo_script_path() -> Path:
    """The shipped script (:func:`callscript.config.default_script_path`) if it is there, else the tests' small one."""
    shipped = default_script_path()
    return shipped if shipped.exists() else PROJECT_DIR / "tests" / "scripts" / "mini.yaml"


# --------------------------------------------------------------------------- the simulation


@dataclass(slots=True)
class DemoConfig:
    days: int = 21  # calendar days, ending on ``end``
    agents: int = 8
    seed: int = 1
    end: date | None = None  # last simulated day (default: today)
    calls_per_day: tuple[int, int] = (70, 120)  # per agent and working day
    saturday_share: float = 0.3  # agents who do follow-ups on Saturday morning
    script_path: Path | None = None
    pool_size: int = 96  # graded fact sets drawn per (outcome, quality)
    now: datetime | None = None  # the simulation stops here on its last day (default: end of day)


@dataclass(slots=True)
class DemoStats:
    agents: int = 0
    leads: int = 0
    calls: int = 0
    callbacks: int = 0
    mailings: int = 0
    remarks: int = 0
    first_day: date | None = None
    last_day: date | None = None
    industries: list[str] = field(default_factory=list)


def agent_names(n: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    fixed = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴刚"]
    for name in fixed[:n]:
        names.append(name)
        seen.add(name)
    while len(names) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


class _Clock:
    """Fast local ISO stamps for a fixed UTC offset."""

    def __init__(self, tz: tzinfo, day: date):
        offset = datetime.combine(day, datetime.min.time(), tz).strftime("%z")
        self.suffix = f"{offset[:3]}:{offset[3:]}"

    def stamp(self, day: date, seconds: int) -> str:
        h, rest = divmod(seconds, 3600)
        m, s = divmod(rest, 60)
        return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}{self.suffix}"


MORNING, LUNCH, AFTERNOON, CLOSE, WINDOW_END = 9 * 3600, 12 * 3600, 13 * 3600 + 1800, 17 * 3600 + 1800, 18 * 3600

LEAD_SQL = """INSERT INTO leads (id, company, contact, title, phone, phone_norm, phone_kind, industry, source,
                                 status, attempts, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'demo', 'new', 0, ?, ?)"""
CALL_SQL = """INSERT INTO calls (id, lead_id, agent_id, script_id, started_at, ended_at, outcome, facts, grade,
                                 grade_rule, grade_rule_index, conditions, qualified, callback_due)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
CALLBACK_SQL = """INSERT INTO callbacks (id, call_id, lead_id, agent_id, due_at, reason, created_at, done_at, done_call_id)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
MAILING_SQL = """INSERT INTO mailings (id, call_id, lead_id, agent_id, address, mailed_on, follow_up_from, follow_up_by,
                                      follow_up_done_at, follow_up_call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
REVIEW_SQL = """INSERT INTO agent_day_reviews (agent_id, day, strengths, weaknesses, suggestions, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (agent_id, day) DO UPDATE SET strengths = excluded.strengths,
                    weaknesses = excluded.weaknesses, suggestions = excluded.suggestions,
                    updated_at = excluded.updated_at"""

MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "186", "188", "159", "187", "189")
AREA_CODES = (("020", "广州"), ("0755", "深圳"), ("021", "上海"), ("010", "北京"), ("0571", "杭州"), ("028", "成都"))


def generate(
    conn: sqlite3.Connection,
    config: DemoConfig | None = None,
    *,
    progress: Callable[[date, int], None] | None = None,
) -> DemoStats:
    """Fill the (migrated) database behind ``conn`` with a simulated floor. Adds to what is there."""
    from callscript.script.loader import load_script

    cfg = config or DemoConfig()
    rng = random.Random(cfg.seed)
    now = cfg.now or datetime.now().astimezone()
    end = cfg.end or now.date()
    first = end - timedelta(days=cfg.days - 1)
    tz = now.tzinfo or datetime.now().astimezone().tzinfo
    clock = _Clock(tz, end)
    stamp = clock.stamp
    stop_at = (cfg.now.hour * 3600 + cfg.now.minute * 60) if cfg.now is not None else 24 * 3600
    stats = DemoStats(first_day=first, last_day=end)

    script = load_script(cfg.script_path or demo_script_path())
    grading = script.grading
    created = stamp(first, 8 * 3600)

    # --- agents, script version, id counters
    names = agent_names(cfg.agents, rng)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("INSERT OR IGNORE INTO agents (name, created_at) VALUES (?, ?)", [(n, created) for n in names])
        ids = dict(
            conn.execute(f"SELECT name, id FROM agents WHERE name IN ({','.join('?' * len(names))})", names).fetchall()
        )
        conn.execute(
            """INSERT INTO scripts (name, title, sha256, source_text, path, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (sha256) DO NOTHING""",
            (script.name, script.title, script.sha256, script.source_text, script.path, created),
        )
        script_id = conn.execute("SELECT id FROM scripts WHERE sha256 = ?", (script.sha256,)).fetchone()[0]
        next_lead = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM leads").fetchone()[0] or 0) + 1
        next_call = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM calls").fetchone()[0] or 0) + 1
        next_cb = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM callbacks").fetchone()[0] or 0) + 1
        next_mail = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM mailings").fetchone()[0] or 0) + 1
        taken = {row[0] for row in conn.execute("SELECT phone_norm FROM leads")} if next_lead > 1 else set()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    agent_ids = [ids[n] for n in names]
    stats.agents = len(agent_ids)
    first_lead = next_lead

    # --- graded fact pools
    pools: dict[tuple[Outcome, int], list[GradedFacts]] = {}
    for outcome in Outcome:
        for q in range(3):
            pools[(outcome, q)] = [
                graded(generate_facts(outcome, q, rng), outcome, grading)
                for _ in range(cfg.pool_size if outcome.effective else 1)
            ]

    industries = list(INDUSTRIES)
    weights = [i.weight for i in industries]
    stats.industries = [i.name for i in industries if i.name]
    lead_industry = array("B")  # industry index per lead id - first_lead

    def new_lead(day: date, rows: list) -> int:
        nonlocal next_lead
        index = rng.choices(range(len(industries)), weights)[0]
        industry = industries[index]
        lead_id = next_lead
        next_lead += 1
        while True:
            n = rng.randrange(2 * 10**7, 9 * 10**7)
            if rng.random() < 0.6:
                phone = f"{rng.choice(MOBILE_PREFIXES)}{n:08d}"
                norm, kind = f"+86{phone}", "mobile"
            else:
                code, _city = rng.choice(AREA_CODES)
                phone = f"{code}-{n:08d}"
                norm, kind = f"+86{code[1:]}{n:08d}", "landline"
            if norm not in taken:
                taken.add(norm)
                break
        company = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{SUFFIX[industry.name]}有限公司"
        contact = rng.choice(SURNAMES) + rng.choice(["先生", "小姐", "经理", "总"])
        rows.append(
            (lead_id, company, contact, rng.choice(TITLES), phone, norm, kind, industry.name or None, created, created)
        )
        lead_industry.append(index)
        return lead_id

    # --- per-agent queues
    retries: list[list[tuple[int, date, int]]] = [[] for _ in agent_ids]  # (lead, not before day, seconds)
    callbacks: list[list[list[Any]]] = [[] for _ in agent_ids]  # [cb_id, lead, due_day, due_sec, call_id, created]
    mailings: list[list[list[Any]]] = [[] for _ in agent_ids]  # [m_id, call_id, lead, addr, day, from, by, grade]
    saturday = {i for i in range(len(agent_ids)) if rng.random() < cfg.saturday_share}

    def pool(outcome: Outcome, lead: int) -> GradedFacts:
        q = industries[lead_industry[lead - first_lead]].quality if lead >= first_lead else 1
        choices = pools[(outcome, q)]
        return choices[rng.randrange(len(choices))]

    def first_outcome(ind: Industry, retry: bool) -> Outcome:
        r = rng.random()
        if not retry and r < ind.invalid:
            return Outcome.INVALID_NUMBER
        r = rng.random()
        if r > ind.answer:
            return Outcome.BUSY if r > 1 - (1 - ind.answer) * 0.25 else Outcome.NO_ANSWER
        r = rng.random()
        if r < ind.mail:
            return Outcome.MAILED
        r = rng.random()
        return (
            Outcome.CALLBACK
            if r < 0.18
            else Outcome.REFUSED
            if r < 0.6
            else Outcome.NOT_QUALIFIED
            if r < 0.96
            else Outcome.MEMBER_CARE
        )

    def callback_outcome() -> Outcome:
        r = rng.random()
        if r < 0.2:
            return Outcome.NO_ANSWER
        return _pick(
            rng, {Outcome.MAILED: 0.55, Outcome.REFUSED: 0.2, Outcome.NOT_QUALIFIED: 0.15, Outcome.CALLBACK: 0.1}
        )

    day = first
    while day <= end:
        weekday = day.weekday()
        working = weekday < 5
        if weekday == 6 or (weekday == 5 and not saturday):
            day += timedelta(days=1)
            continue
        lead_rows: list[tuple] = []
        call_rows: list[tuple] = []
        callback_rows: list[tuple] = []
        mailing_rows: list[tuple] = []
        review_rows: list[tuple] = []
        last_day = day == end
        day_stop = stop_at if last_day else 24 * 3600

        for a, agent_id in enumerate(agent_ids):
            if not working and a not in saturday:
                continue
            t = (MORNING if working else 10 * 3600) + rng.randint(0, 900)
            target = rng.randint(*cfg.calls_per_day) if working else rng.randint(4, 10)
            made = 0
            my_callbacks, my_retries, my_mail = callbacks[a], retries[a], mailings[a]

            def record(lead: int, outcome: Outcome, start: int, quick: bool = False) -> int:
                nonlocal next_call, next_cb, next_mail
                call_id = next_call
                next_call += 1
                low, high = (40, 150) if quick and outcome.effective else DURATION[outcome]
                length = rng.randint(low, high)
                facts_json, grade, rule, rule_index, conds, qualified = pool(outcome, lead)
                started, ended = stamp(day, start), stamp(day, start + length)
                due_text = None
                if outcome is Outcome.CALLBACK:
                    if start + length < 15 * 3600 and rng.random() < 0.5:
                        due_day, due_sec = day, start + length + rng.choice([2, 3, 4]) * 3600
                    else:
                        due_day = day + timedelta(days=1 if weekday < 4 else 7 - weekday)
                        due_sec = rng.choice([10, 11, 14, 15, 16]) * 3600 + rng.choice([0, 1800])
                    due_text = stamp(due_day, due_sec)
                    my_callbacks.append([next_cb, lead, due_day, due_sec, call_id, ended])
                    next_cb += 1
                call_rows.append(
                    (
                        call_id,
                        lead,
                        agent_id,
                        script_id,
                        started,
                        ended,
                        outcome.value,
                        facts_json,
                        grade,
                        rule,
                        rule_index,
                        conds,
                        qualified,
                        due_text,
                    )
                )
                if outcome.effective:  # what finish_call does: open callbacks / follow-ups of the lead are done
                    for cb in [cb for cb in my_callbacks if cb[1] == lead and cb[4] != call_id]:
                        my_callbacks.remove(cb)
                        callback_rows.append(
                            (cb[0], cb[4], lead, agent_id, stamp(cb[2], cb[3]), "客户要求回电", cb[5], ended, call_id)
                        )
                    for m in [m for m in my_mail if m[2] == lead]:
                        my_mail.remove(m)
                        mailing_rows.append(
                            (
                                m[0],
                                m[1],
                                lead,
                                agent_id,
                                m[3],
                                m[4].isoformat(),
                                m[5].isoformat(),
                                m[6].isoformat(),
                                ended,
                                call_id,
                            )
                        )
                if outcome is Outcome.MAILED:
                    address = json.loads(facts_json).get("address") or _address(rng)
                    my_mail.append(
                        [
                            next_mail,
                            call_id,
                            lead,
                            address,
                            day,
                            day + timedelta(days=7),
                            day + timedelta(days=10),
                            grade,
                        ]
                    )
                    next_mail += 1
                elif outcome in (Outcome.NO_ANSWER, Outcome.BUSY) and rng.random() < 0.85:
                    if start < 14 * 3600 and rng.random() < 0.45:
                        my_retries.append((lead, day, start + 2 * 3600 + rng.randint(0, 3600)))
                    else:
                        my_retries.append((lead, day + timedelta(days=rng.choice([1, 1, 2, 3])), MORNING))
                return start + length + (rng.randint(10, 40) if quick else rng.randint(20, 100))

            # development calls (weekdays) until 17:30
            while working and t < CLOSE and made < target and t < day_stop:
                if LUNCH <= t < AFTERNOON:
                    t = AFTERNOON + rng.randint(0, 300)
                    continue
                due_cb = next((cb for cb in my_callbacks if (cb[2], cb[3]) <= (day, t)), None)
                if due_cb is not None:
                    t = record(due_cb[1], callback_outcome(), t)
                elif my_retries and rng.random() < 0.35 and (my_retries[0][1], my_retries[0][2]) <= (day, t):
                    lead, _, _ = my_retries.pop(0)
                    t = record(lead, first_outcome(industries[lead_industry[lead - first_lead]], True), t)
                else:
                    lead = new_lead(day, lead_rows)
                    t = record(lead, first_outcome(industries[lead_industry[lead - first_lead]], False), t)
                made += 1
            my_retries.sort(key=lambda r: (r[1], r[2]))

            # follow-ups: from 17:00 (the seed's 17:30-18:00 window, and the half hour before it when
            # the list is long) on weekdays, Saturday morning for some; short calls
            t = max(t, CLOSE - 1800) if working else t
            window_end = WINDOW_END if working else 12 * 3600
            due_mail = sorted((m for m in my_mail if m[5] <= day), key=lambda m: (m[6], m[0]))
            for m in due_mail:
                if t >= window_end or t >= day_stop or rng.random() < 0.1:  # some are left for the due list
                    continue
                outcome = Outcome.MEMBER_CARE if rng.random() < 0.8 else Outcome.NO_ANSWER
                t = record(m[2], outcome, t, quick=True)
            # mailings whose window closed over two weeks ago: written as never followed up
            for m in [m for m in my_mail if m[6] < day - timedelta(days=14)]:
                my_mail.remove(m)
                mailing_rows.append(
                    (m[0], m[1], m[2], agent_id, m[3], m[4].isoformat(), m[5].isoformat(), m[6].isoformat(), None, None)
                )
            # the day's remarks
            if working and (not last_day or day_stop >= CLOSE) and rng.random() < 0.7:
                review_rows.append(
                    (
                        agent_id,
                        day.isoformat(),
                        rng.choice(STRENGTHS),
                        rng.choice(WEAKNESSES) if rng.random() < 0.8 else None,
                        rng.choice(SUGGESTIONS) if rng.random() < 0.7 else None,
                        stamp(day, WINDOW_END),
                    )
                )

        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(LEAD_SQL, lead_rows)
            conn.executemany(CALL_SQL, call_rows)
            conn.executemany(CALLBACK_SQL, callback_rows)
            conn.executemany(MAILING_SQL, mailing_rows)
            conn.executemany(REVIEW_SQL, review_rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        stats.leads += len(lead_rows)
        stats.calls += len(call_rows)
        stats.callbacks += len(callback_rows)
        stats.mailings += len(mailing_rows)
        stats.remarks += len(review_rows)
        if progress is not None:
            progress(day, stats.calls)
        day += timedelta(days=1)

    # what is still open at the end: callbacks not yet made, mailings not yet followed up
    rest_cb = [
        (cb[0], cb[4], cb[1], agent_ids[a], stamp(cb[2], cb[3]), "客户要求回电", cb[5], None, None)
        for a, cbs in enumerate(callbacks)
        for cb in cbs
    ]
    rest_mail = [
        (m[0], m[1], m[2], agent_ids[a], m[3], m[4].isoformat(), m[5].isoformat(), m[6].isoformat(), None, None)
        for a, ms in enumerate(mailings)
        for m in ms
    ]
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(CALLBACK_SQL, rest_cb)
        conn.executemany(MAILING_SQL, rest_mail)
        _update_leads(conn, first_lead)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    stats.callbacks += len(rest_cb)
    stats.mailings += len(rest_mail)
    return stats


def _update_leads(conn: sqlite3.Connection, first_lead: int) -> None:
    """Lead status, attempts and next call from each generated lead's calls (as finish_call leaves them)."""
    conn.execute(
        """
        UPDATE leads SET attempts = s.n, last_called_at = s.ended_at, last_outcome = s.outcome,
               updated_at = s.ended_at,
               status = CASE s.outcome WHEN 'invalid_number' THEN 'dead'
                                       WHEN 'no_answer' THEN 'retry' WHEN 'busy' THEN 'retry'
                                       WHEN 'callback' THEN 'callback' WHEN 'mailed' THEN 'mailed'
                                       ELSE 'closed' END,
               next_call_at = CASE s.outcome
                   WHEN 'callback' THEN (SELECT MIN(due_at) FROM callbacks cb
                                         WHERE cb.lead_id = leads.id AND cb.done_at IS NULL)
                   WHEN 'mailed' THEN (SELECT MIN(follow_up_from) || 'T00:00:00' || substr(s.ended_at, 20)
                                       FROM mailings m WHERE m.lead_id = leads.id AND m.follow_up_done_at IS NULL)
                   WHEN 'no_answer' THEN strftime('%Y-%m-%dT%H:%M:%S', substr(s.ended_at, 1, 19), '+1 hour')
                                         || substr(s.ended_at, 20)
                   WHEN 'busy' THEN strftime('%Y-%m-%dT%H:%M:%S', substr(s.ended_at, 1, 19), '+1 hour')
                                    || substr(s.ended_at, 20)
               END,
               assigned_agent_id = CASE WHEN s.outcome IN ('callback', 'mailed') THEN s.agent_id END
        FROM (SELECT lead_id, agent_id, ended_at, outcome, n FROM (
                  SELECT lead_id, agent_id, ended_at, outcome,
                         COUNT(*) OVER (PARTITION BY lead_id) AS n,
                         ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY started_at DESC, id DESC) AS rn
                  FROM calls WHERE lead_id >= ? AND ended_at IS NOT NULL)
              WHERE rn = 1) AS s
        WHERE leads.id = s.lead_id
        """,
        (first_lead,),
    )
