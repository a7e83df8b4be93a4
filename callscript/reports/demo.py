"""Realistic generated data: a telesales floor calling leads for some weeks.

``callscript demo-data`` uses this so a new user sees real-looking reports at
once; ``bench/bench_reports.py`` uses it (50 agents, a year) for the benchmark.

What is simulated, per working day and agent, from 09:00:

* new leads from the seed's industries (customer-development-methods.txt), each
  industry with its own share of wrong numbers, answer rate, mail rate and
  prospect quality (so the yield table has something to say), plus two rarely
  called industries and some leads with no industry;
* no-answer/busy retries (often the same afternoon: a lead called twice in a
  day), callbacks at the time the prospect asked for, and after a mailing a
  follow-up call 7–10 days later in its slot: 17:30–18:00 on a working day, or on
  a weekend morning for some agents; some follow-ups are left undone so the due
  list is not empty;
* the days follow China's official calendar (:mod:`callscript.core.china_calendar`):
  nobody calls on a holiday, everybody works a 调休 Saturday;
* every call is marked as ``start_call`` marks it: a maintenance call when its lead
  had been mailed before (:func:`callscript.core.lifecycle.call_kind`), in a
  follow-up slot or not (:func:`callscript.core.followup.in_follow_up_window`);
* maintenance calls (follow-ups) walk the follow-up script
  (``scripts/ctrip-followup.yaml``) when there is one, else a small built-in walk
  with the same facts (:func:`builtin_follow_up`): the switch is
  :data:`FOLLOW_UP_SCRIPT` (one line);
* for every reached call, facts drawn to fit its outcome, graded by the *real*
  grading of the script (``scripts/ctrip.yaml`` if present, else the test
  script), and stored with rule, conditions and qualified flag;
* the agents' 优点/缺点/建议 on most days, in the seed's vocabulary;
* every call's answer-by-answer log, a walk of the script that ends in the call's
  outcome (:mod:`callscript.reports.demo_walks`), and, with ``versions`` > 1, the
  script edited now and then (each stretch of days on its own stored version), so
  the funnel and the version comparison have something to say.

What a call does to its lead — status, next call, set-aside after three
no-answers, which callbacks and follow-ups it completes, the follow-up window it
opens — is asked of the life cycle (:func:`callscript.core.lifecycle.after_call`),
exactly as ``Store.finish_call`` asks it; working days and rest days are
:func:`callscript.core.followup.is_rest_day`'s. Each simulated day is written with
one ``Store.add_history`` call (one transaction, ``executemany``), so after every
day the file is as the app would have left it. Deterministic for a given seed and
end date.

The steps of :func:`generate`, each a function below: :func:`_open_floor` (agents,
script version, graded fact pools), then for every day :func:`_simulate_day`
(per agent :func:`_development_calls`, :func:`_follow_up_calls`,
:func:`_expire_mailings`, :func:`_day_review`; every call through
:func:`_record_call`), and at the end :func:`_still_open` (callbacks not yet made,
follow-ups not yet done).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callscript.config import PROJECT_DIR, default_script_path
from callscript.core import china_calendar
from callscript.core.followup import FOLLOW_UP_WINDOW, in_follow_up_window, is_rest_day
from callscript.core.lifecycle import RETRY_AFTER, AfterCall, after_call, call_kind
from callscript.core.outcomes import Outcome
from callscript.reports.demo_walks import Walk, walk_pools
from callscript.script.grading import Grading, grade_call, settle_facts
from callscript.storage.history import (
    HistoryBatch,
    HistoryCall,
    HistoryCallback,
    HistoryEvent,
    HistoryLead,
    HistoryMailing,
    HistoryReview,
    LeadState,
)

if TYPE_CHECKING:
    from callscript.script.model import Script
    from callscript.storage import Store

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


def graded(facts: dict[str, Any], outcome: Outcome, grading: Grading) -> GradedFacts:
    """A fact set and the grade the script's own grading gives it, as the calls columns:
    as ``Store.finish_call`` keeps them (grading v2: only a final grade; refused settles
    ``accepts = no``)."""
    if not facts:
        return ("{}", None, None, None, "{}", None)
    facts = settle_facts(facts, outcome.value)
    result = grade_call(grading, facts, outcome.value)
    final = result.final
    return (
        _dumps(facts),
        result.grade if final else None,
        result.rule_label if final else None,
        result.rule_index if final else None,
        _dumps(dict(result.conditions)),
        int(bool(result.qualified)),
    )


# --------------------------------------------------------------------------- maintenance calls

FOLLOW_UP_SCRIPT: Path | None = PROJECT_DIR / "scripts" / "ctrip-followup.yaml"
"""The follow-up script maintenance calls walk when the file exists (None: always the built-in walk)."""

FollowUpCall = tuple[Outcome, GradedFacts]
"""How a maintenance call ended, and its facts and grade as the calls columns."""


def builtin_follow_up(rng: random.Random, grading: Grading) -> FollowUpCall:
    """A follow-up call walked without a script, in the seed's 客户维护用语: 确认客户是否收到资料,
    the customer's news, service questions, referrals, 当场预订; member care done, or the
    materials mailed again, or no answer."""
    r = rng.random()
    if r < 0.2:
        return Outcome.NO_ANSWER, graded({}, Outcome.NO_ANSWER, grading)
    facts: dict[str, Any] = {"reached": True, "materials_received": rng.random() < 0.85}
    if rng.random() < 0.3:
        facts["refers_friends"] = True
    if rng.random() < 0.06:
        facts["booked_on_call"] = True
    if not facts["materials_received"] and rng.random() < 0.5:  # lost in the post: mailed again
        facts["address"] = _address(rng)
        return Outcome.MAILED, graded(facts, Outcome.MAILED, grading)
    if r > 0.97:
        facts["accepts"] = "no"
        return Outcome.REFUSED, graded(facts, Outcome.REFUSED, grading)
    return Outcome.MEMBER_CARE, graded(facts, Outcome.MEMBER_CARE, grading)


def script_follow_up(script: Script) -> Callable[[random.Random, Grading], FollowUpCall]:
    """A follow-up call walked through ``script``: a random key at every choice, a plausible
    value at every input (:func:`walk_script`), graded by the script's own grading."""

    def walk(rng: random.Random, grading: Grading) -> FollowUpCall:
        outcome, facts = walk_script(script, rng)
        return outcome, graded(facts, outcome, script.grading)

    return walk


def walk_script(script: Script, rng: random.Random, *, max_steps: int = 80) -> tuple[Outcome, dict[str, Any]]:
    """One random walk from the script's start to an ending: any option at a choice, a value
    the fact takes at an input (or its skip), the call ended as member care if it runs long."""
    from callscript.script.model import INPUT
    from callscript.script.session import CallSession, InputRefused

    session = CallSession(script)
    for _ in range(max_steps):
        if session.finished:
            break
        node = session.node
        if node.kind == INPUT and node.input is not None:
            try:
                session.enter(_typed(node.input.fact, node.input.min, node.input.max, rng))
            except InputRefused:
                if node.skip is None:
                    break
                session.skip()
        elif node.by_key:
            session.choose(rng.choice(list(node.by_key)))
        else:
            break
    if not session.finished:
        session.end(Outcome.MEMBER_CARE.value)
    assert session.outcome is not None
    return Outcome(session.outcome), {k: v for k, v in session.facts.items() if v is not None}


def _typed(fact: Any, low: int | None, high: int | None, rng: random.Random) -> str:
    """What an agent might type for ``fact`` (a FactSpec)."""
    if fact.type == "int":
        first = low if low is not None else (fact.min if fact.min is not None else 1)
        last = high if high is not None else (fact.max if fact.max is not None else 5)
        return str(rng.randint(first, max(first, last)))
    if fact.type == "bool":
        return rng.choice(["是", "否"])
    if fact.type == "enum" and fact.values:
        return rng.choice(list(fact.values))
    return _address(rng) if fact.name == "address" else rng.choice(["最近出差多", "换了新办公室", "一切都好"])


def follow_up_walk() -> Callable[[random.Random, Grading], FollowUpCall]:
    """The follow-up script's walk when :data:`FOLLOW_UP_SCRIPT` exists, else :func:`builtin_follow_up`."""
    if FOLLOW_UP_SCRIPT is not None and FOLLOW_UP_SCRIPT.exists():
        from callscript.script.loader import load_script

        return script_follow_up(load_script(FOLLOW_UP_SCRIPT))
    return builtin_follow_up


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
    saturday_share: float = 0.3  # agents who do follow-ups on weekend mornings (rest days that are no holiday)
    script_path: Path | None = None
    pool_size: int = 96  # graded fact sets drawn per (outcome, quality)
    now: datetime | None = None  # the simulation stops here on its last day (default: end of day)
    events: bool = True  # write each call's answer-by-answer log (a walk of the script)
    versions: int = 1  # script versions used, one after another over the days (edits of the title)


@dataclass(slots=True)
class DemoStats:
    agents: int = 0
    leads: int = 0
    calls: int = 0
    callbacks: int = 0
    mailings: int = 0
    remarks: int = 0
    events: int = 0
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


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


MORNING, LUNCH, AFTERNOON = 9 * 3600, 12 * 3600, 13 * 3600 + 1800
CLOSE, WINDOW_END = _seconds(FOLLOW_UP_WINDOW[0]), _seconds(FOLLOW_UP_WINDOW[1])
"""Development calls stop when the follow-up window opens (17:30); follow-ups end with it (18:00)."""

MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "186", "188", "159", "187", "189")
AREA_CODES = (("020", "广州"), ("0755", "深圳"), ("021", "上海"), ("010", "北京"), ("0571", "杭州"), ("028", "成都"))


class _Clock:
    """The simulation's times: a day and seconds since midnight, as datetimes and as stored text."""

    def __init__(self, tz: tzinfo, day: date):
        self.tz = tz
        offset = datetime.combine(day, datetime.min.time(), tz).strftime("%z")
        self.suffix = f"{offset[:3]}:{offset[3:]}"

    def stamp(self, day: date, seconds: int) -> str:
        """Fast local ISO stamp, as storage writes them."""
        h, rest = divmod(seconds, 3600)
        m, s = divmod(rest, 60)
        return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}{self.suffix}"

    def moment(self, day: date, seconds: int) -> datetime:
        return datetime.combine(day, time(0), self.tz) + timedelta(seconds=seconds)

    def text(self, moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat(timespec="seconds")


@dataclass(slots=True)
class _Lead:
    """A generated lead as its calls leave it (what ``Store.finish_call`` would have written)."""

    industry: int  # index into INDUSTRIES
    status: str = "new"
    attempts: int = 0
    no_answers: int = 0
    next_call_at: datetime | None = None
    last_called_at: str = ""
    last_outcome: str = ""
    assigned: int | None = None
    mailed: bool = False  # materials were mailed to it: its next calls are maintenance calls


@dataclass(slots=True)
class _Callback:
    id: int
    lead: int
    due_day: date
    due_sec: int
    call_id: int
    created: str


@dataclass(slots=True)
class _Mailing:
    id: int
    call_id: int
    lead: int
    address: str
    mailed_on: date
    follow_from: date
    follow_by: date
    agent: int  # the agent who mailed it (and follows it up)


@dataclass(slots=True)
class _Agent:
    """One agent's id and open work: callbacks promised, mailings to follow up, retries to make."""

    id: int
    saturdays: bool  # works weekend mornings (follow-ups only; not on holidays)
    callbacks: list[_Callback] = field(default_factory=list)
    mailings: list[_Mailing] = field(default_factory=list)
    retries: list[tuple[int, date, int]] = field(default_factory=list)  # (lead, not before day, seconds)


@dataclass(slots=True)
class _Floor:
    """Everything the simulation carries from one day to the next."""

    cfg: DemoConfig
    rng: random.Random
    clock: _Clock
    script_id: int
    agents: list[_Agent]
    pools: dict[tuple[Outcome, int], list[GradedFacts]]
    next_lead: int
    next_call: int
    next_callback: int
    next_mailing: int
    taken: set[str]  # phone numbers in use
    created: str  # when the generated leads were entered
    stop_at: int  # seconds into the last day when the simulation stops
    stats: DemoStats
    leads: dict[int, _Lead] = field(default_factory=dict)
    pending: dict[int, list[_Mailing]] = field(default_factory=dict)  # lead → mailings not followed up
    agent_by_id: dict[int, _Agent] = field(default_factory=dict)
    follow_up: Callable[[random.Random, Grading], FollowUpCall] = builtin_follow_up
    grading: Grading | None = None
    walks: dict[str, list[Walk]] = field(default_factory=dict)  # per outcome (empty: no logs)
    walk_rng: random.Random = field(default_factory=random.Random)  # its own: the calls stay as they were
    version_from: list[tuple[date, int]] = field(default_factory=list)  # (first day, script id), in order

    def script_for(self, day: date) -> int:
        """The script version in use on ``day`` (the last one whose first day has come)."""
        chosen = self.script_id
        for first, script_id in self.version_from:
            if first <= day:
                chosen = script_id
        return chosen


@dataclass(slots=True)
class _Day:
    """One simulated day: its date, where it stops, and the rows it writes."""

    day: date
    stop: int
    batch: HistoryBatch = field(default_factory=HistoryBatch)
    touched: set[int] = field(default_factory=set)  # leads called today

    @property
    def working(self) -> bool:
        return not is_rest_day(self.day)

    @property
    def weekend(self) -> bool:
        """A rest day that is an ordinary weekend (not a holiday break): some agents do follow-ups."""
        return not self.working and china_calendar.day_label(self.day) == "周末"


def generate(
    store: Store,
    config: DemoConfig | None = None,
    *,
    progress: Callable[[date, int], None] | None = None,
) -> DemoStats:
    """Fill ``store`` (migrated) with a simulated floor, one transaction per day. Adds to what is there."""
    cfg = config or DemoConfig()
    floor = _open_floor(store, cfg)
    for day in _days(floor):
        today = _simulate_day(floor, day)
        store.add_history(today.batch)
        _count(floor.stats, today.batch)
        if progress is not None:
            progress(day, floor.stats.calls)
    rest = _still_open(floor)
    store.add_history(rest)
    _count(floor.stats, rest)
    return floor.stats


def _open_floor(store: Store, cfg: DemoConfig) -> _Floor:
    """The agents (created if new), the script version the calls are made with, the first
    free ids and the numbers already in use, and the graded fact pools every call draws from."""
    from callscript.script.loader import load_script

    rng = random.Random(cfg.seed)
    now = cfg.now or datetime.now().astimezone()
    end = cfg.end or now.date()
    first = end - timedelta(days=cfg.days - 1)
    tz = now.tzinfo or datetime.now().astimezone().tzinfo
    assert tz is not None  # astimezone() always sets one
    clock = _Clock(tz, end)
    entered = clock.moment(first, 8 * 3600)
    script = load_script(cfg.script_path or demo_script_path())
    names = agent_names(cfg.agents, rng)
    agent_ids = [store.ensure_agent(name, now=entered).id for name in names]
    script_id = store.store_script_version(script, now=entered)
    ids = store.next_ids()
    floor = _Floor(
        cfg=cfg,
        rng=rng,
        clock=clock,
        script_id=script_id,
        agents=[],
        pools={},
        next_lead=ids.lead,
        next_call=ids.call,
        next_callback=ids.callback,
        next_mailing=ids.mailing,
        taken=store.phone_norms() if ids.lead > 1 else set(),
        created=clock.stamp(first, 8 * 3600),
        stop_at=(cfg.now.hour * 3600 + cfg.now.minute * 60) if cfg.now is not None else 24 * 3600,
        stats=DemoStats(first_day=first, last_day=end, agents=len(agent_ids)),
    )
    floor.pools = _fact_pools(script.grading, cfg.pool_size, rng)
    floor.grading = script.grading
    floor.follow_up = follow_up_walk()
    if cfg.events:
        floor.walks = walk_pools(script, cfg.seed)
        floor.walk_rng = random.Random(cfg.seed * 7919 + 17)
    floor.version_from = _script_versions(store, script, cfg.versions, first, end, entered)
    floor.agents = [_Agent(agent_id, rng.random() < cfg.saturday_share) for agent_id in agent_ids]
    floor.agent_by_id = {agent.id: agent for agent in floor.agents}
    floor.stats.industries = [i.name for i in INDUSTRIES if i.name]
    return floor


def _script_versions(
    store: Store, script: Script, versions: int, first: date, end: date, entered: datetime
) -> list[tuple[date, int]]:
    """``versions`` stored versions of the script, each used from its first day on: the
    text with its title edited (第2版, 第3版, …), so each is a version of its own (a new
    sha256) that walks the same nodes. The first is the script as it is."""
    out = [(first, store.store_script_version(script, now=entered))]
    span = (end - first).days + 1
    for k in range(2, versions + 1):
        day = first + timedelta(days=span * (k - 1) // versions)
        edited = _edited_title(script, k)
        out.append((day, store.store_script_version(edited, now=entered + timedelta(days=(day - first).days))))
    return out


def _edited_title(script: Script, k: int) -> Script:
    from callscript.script.loader import load_script_text

    lines = script.source_text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("  title: "):  # the script's own title (the first two-space title line)
            lines[i] = line.rstrip("\n") + f" (第{k}版)\n"
            break
    else:
        lines.append(f"\n# 第{k}版\n")
    return load_script_text("".join(lines), path=script.path)


def _fact_pools(grading: Grading, size: int, rng: random.Random) -> dict[tuple[Outcome, int], list[GradedFacts]]:
    """Graded fact sets per (outcome, industry quality): grading every call would dominate the run."""
    return {
        (outcome, quality): [
            graded(generate_facts(outcome, quality, rng), outcome, grading)
            for _ in range(size if outcome.effective else 1)
        ]
        for outcome in Outcome
        for quality in range(3)
    }


def _days(floor: _Floor) -> Iterator[date]:
    """The days anyone works: working days (调休 Saturdays too), and plain weekend days (not
    holidays) when some agents do follow-ups."""
    stats = floor.stats
    assert stats.first_day is not None and stats.last_day is not None
    weekend_staff = any(agent.saturdays for agent in floor.agents)
    day = stats.first_day
    while day <= stats.last_day:
        if not is_rest_day(day) or (weekend_staff and _Day(day, 0).weekend):
            yield day
        day += timedelta(days=1)


def _simulate_day(floor: _Floor, day: date) -> _Day:
    """One day of the floor: every agent's calls, follow-ups and remarks, and the leads as the calls left them."""
    today = _Day(day, floor.stop_at if day == floor.stats.last_day else 24 * 3600)
    for agent in floor.agents:
        if not today.working and not (agent.saturdays and today.weekend):
            continue
        t = (MORNING if today.working else 10 * 3600) + floor.rng.randint(0, 900)
        t = _development_calls(floor, today, agent, t)
        _follow_up_calls(floor, today, agent, t)
        _expire_mailings(floor, today, agent)
        _day_review(floor, today, agent)
    for lead_id in sorted(today.touched):
        lead = floor.leads[lead_id]
        today.batch.lead_states.append(
            LeadState(
                lead_id,
                lead.status,
                floor.clock.text(lead.next_call_at),
                lead.attempts,
                lead.last_called_at,
                lead.last_outcome,
                lead.assigned,
            )
        )
    return today


def _development_calls(floor: _Floor, today: _Day, agent: _Agent, t: int) -> int:
    """Calls from the morning until the follow-up window opens (weekdays): a due callback
    first, sometimes a retry whose time has come, otherwise a new lead. Returns the time after."""
    rng = floor.rng
    target = rng.randint(*floor.cfg.calls_per_day) if today.working else rng.randint(4, 10)
    made = 0
    while today.working and t < CLOSE and made < target and t < today.stop:
        if LUNCH <= t < AFTERNOON:
            t = AFTERNOON + rng.randint(0, 300)
            continue
        due_cb = next((cb for cb in agent.callbacks if (cb.due_day, cb.due_sec) <= (today.day, t)), None)
        if due_cb is not None:
            t = _record_call(floor, today, agent, due_cb.lead, _callback_outcome(rng), t)
        elif agent.retries and rng.random() < 0.35 and agent.retries[0][1:] <= (today.day, t):
            lead_id = agent.retries.pop(0)[0]
            if floor.leads[lead_id].status != "retry":  # called since (a callback, a mailing): not a retry now
                continue
            t = _record_call(floor, today, agent, lead_id, _first_outcome(floor, lead_id, retry=True), t)
        else:
            lead_id = _new_lead(floor, today)
            t = _record_call(floor, today, agent, lead_id, _first_outcome(floor, lead_id, retry=False), t)
        made += 1
    agent.retries.sort(key=lambda r: (r[1], r[2]))
    return t


def _follow_up_calls(floor: _Floor, today: _Day, agent: _Agent, t: int) -> None:
    """Follow-ups of mailings whose window has opened, in the follow-up slot: 17:30–18:00 on
    working days, weekend mornings for some agents; short calls walked by :attr:`_Floor.follow_up`;
    about one in ten is left for the due list (and some windows close before their turn)."""
    rng = floor.rng
    t = max(t, CLOSE) if today.working else t
    window_end = WINDOW_END if today.working else 12 * 3600
    due = sorted((m for m in agent.mailings if m.follow_from <= today.day), key=lambda m: (m.follow_by, m.id))
    called: set[int] = set()
    for mailing in due:
        if t >= window_end or t >= today.stop or mailing.lead in called or rng.random() < 0.1:
            continue
        called.add(mailing.lead)
        assert floor.grading is not None
        outcome, facts = floor.follow_up(rng, floor.grading)
        t = _record_call(floor, today, agent, mailing.lead, outcome, t, quick=True, facts=facts)


def _expire_mailings(floor: _Floor, today: _Day, agent: _Agent) -> None:
    """Mailings whose window closed over two weeks ago are written as never followed up."""
    for mailing in [m for m in agent.mailings if m.follow_by < today.day - timedelta(days=14)]:
        agent.mailings.remove(mailing)  # (still pending for the life cycle: floor.pending keeps it)
        today.batch.mailings.append(_mailing_row(mailing, agent, None, None))


def _day_review(floor: _Floor, today: _Day, agent: _Agent) -> None:
    """The agent's 优点/缺点/建议 on most working days (not before the day is over)."""
    rng = floor.rng
    if today.working and today.stop >= CLOSE and rng.random() < 0.7:
        today.batch.reviews.append(
            HistoryReview(
                agent.id,
                today.day.isoformat(),
                rng.choice(STRENGTHS),
                rng.choice(WEAKNESSES) if rng.random() < 0.8 else None,
                rng.choice(SUGGESTIONS) if rng.random() < 0.7 else None,
                floor.clock.stamp(today.day, WINDOW_END),
            )
        )


def _new_lead(floor: _Floor, today: _Day) -> int:
    """A new lead from a weighted industry, with a number not yet in use."""
    rng = floor.rng
    index = rng.choices(range(len(INDUSTRIES)), [i.weight for i in INDUSTRIES])[0]
    industry = INDUSTRIES[index]
    lead_id = floor.next_lead
    floor.next_lead += 1
    while True:
        n = rng.randrange(2 * 10**7, 9 * 10**7)
        if rng.random() < 0.6:
            phone = f"{rng.choice(MOBILE_PREFIXES)}{n:08d}"
            norm, kind = f"+86{phone}", "mobile"
        else:
            code, _city = rng.choice(AREA_CODES)
            phone = f"{code}-{n:08d}"
            norm, kind = f"+86{code[1:]}{n:08d}", "landline"
        if norm not in floor.taken:
            floor.taken.add(norm)
            break
    company = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{SUFFIX[industry.name]}有限公司"
    contact = rng.choice(SURNAMES) + rng.choice(["先生", "小姐", "经理", "总"])
    today.batch.leads.append(
        HistoryLead(
            lead_id,
            company,
            contact,
            rng.choice(TITLES),
            phone,
            norm,
            kind,
            industry.name or None,
            "demo",
            floor.created,
        )
    )
    floor.leads[lead_id] = _Lead(index)
    return lead_id


def _first_outcome(floor: _Floor, lead_id: int, *, retry: bool) -> Outcome:
    """How a development call on this lead ends, by its industry's rates (a retry is never a wrong number)."""
    rng = floor.rng
    ind = INDUSTRIES[floor.leads[lead_id].industry]
    if not retry and rng.random() < ind.invalid:
        return Outcome.INVALID_NUMBER
    r = rng.random()
    if r > ind.answer:
        return Outcome.BUSY if r > 1 - (1 - ind.answer) * 0.25 else Outcome.NO_ANSWER
    if rng.random() < ind.mail:
        return Outcome.MAILED
    r = rng.random()
    if r < 0.18:
        return Outcome.CALLBACK
    if r < 0.6:
        return Outcome.REFUSED
    return Outcome.NOT_QUALIFIED if r < 0.96 else Outcome.MEMBER_CARE


def _callback_outcome(rng: random.Random) -> Outcome:
    """How a call made at the time a prospect asked for ends."""
    if rng.random() < 0.2:
        return Outcome.NO_ANSWER
    return _pick(rng, {Outcome.MAILED: 0.55, Outcome.REFUSED: 0.2, Outcome.NOT_QUALIFIED: 0.15, Outcome.CALLBACK: 0.1})


def _next_working_day(day: date) -> date:
    """The next working day in China's calendar (a 调休 Saturday is one; a holiday is not)."""
    day += timedelta(days=1)
    while is_rest_day(day):
        day += timedelta(days=1)
    return day


def _record_call(
    floor: _Floor,
    today: _Day,
    agent: _Agent,
    lead_id: int,
    outcome: Outcome,
    start: int,
    quick: bool = False,
    facts: GradedFacts | None = None,
) -> int:
    """One call at ``start`` (seconds into the day) and everything it does, as the life cycle
    says: the lead's new state, the callbacks and follow-ups it completes, the callback or
    mailing it makes, and (the agent's habit) when a no-answer is tried again. Returns the
    time the agent is ready for the next call."""
    rng, clock, day = floor.rng, floor.clock, today.day
    call_id = floor.next_call
    floor.next_call += 1
    lead = floor.leads[lead_id]
    low, high = (40, 150) if quick and outcome.effective else DURATION[outcome]
    ended_sec = start + rng.randint(low, high)
    if facts is None:
        pool = floor.pools[(outcome, INDUSTRIES[lead.industry].quality)]
        facts = pool[rng.randrange(len(pool))]
    facts_json, grade, rule, rule_index, conditions, qualified = facts
    started = clock.moment(day, start)
    kind = call_kind(mailed_before=lead.mailed)  # as start_call marks it
    pending = floor.pending.get(lead_id, [])
    ended_text = clock.stamp(day, ended_sec)
    callback_due = None
    if outcome is Outcome.CALLBACK:
        if ended_sec < 15 * 3600 and rng.random() < 0.5:
            due_day, due_sec = day, ended_sec + rng.choice([2, 3, 4]) * 3600
        else:
            due_day = _next_working_day(day)
            due_sec = rng.choice([10, 11, 14, 15, 16]) * 3600 + rng.choice([0, 1800])
        callback_due = clock.moment(due_day, due_sec)
    address = None  # the address read back: a mailed call's fact (parsed only when there is one)
    if '"address"' in facts_json:
        address = json.loads(facts_json).get("address")
    if outcome is Outcome.MAILED and not address:
        address = _address(rng)
    after = after_call(
        lead.status,
        outcome,
        clock.moment(day, ended_sec),
        callback_due=callback_due,
        address=address,
        no_answers_before=lead.no_answers,
        retry_after=RETRY_AFTER,
        pending_follow_up_from=min((m.follow_from for m in pending), default=None),
    )
    script_id = floor.script_for(day)
    if floor.walks:
        _write_log(floor, today, call_id, outcome, start, ended_sec)
    today.batch.calls.append(
        HistoryCall(
            call_id,
            lead_id,
            agent.id,
            script_id,
            clock.stamp(day, start),
            ended_text,
            outcome.value,
            facts_json,
            grade,
            rule,
            rule_index,
            conditions,
            qualified,
            clock.text(callback_due),
            kind.value,
            int(in_follow_up_window(started)),
        )
    )
    _complete_open_work(floor, today, agent, lead_id, call_id, ended_text, after)
    if after.callback_due is not None:
        agent.callbacks.append(
            _Callback(
                floor.next_callback,
                lead_id,
                after.callback_due.date(),
                _seconds(after.callback_due.time()),
                call_id,
                ended_text,
            )
        )
        floor.next_callback += 1
    if after.mailing is not None:
        plan = after.mailing
        mailing = _Mailing(
            floor.next_mailing,
            call_id,
            lead_id,
            plan.address,
            plan.mailed_on,
            plan.follow_up_from,
            plan.follow_up_by,
            agent.id,
        )
        agent.mailings.append(mailing)
        floor.pending.setdefault(lead_id, []).append(mailing)
        floor.next_mailing += 1
        lead.mailed = True
    lead.status, lead.next_call_at, lead.no_answers = after.status, after.next_call_at, after.no_answers
    lead.attempts += 1
    lead.last_called_at, lead.last_outcome = ended_text, outcome.value
    if after.assign_to_caller:
        lead.assigned = agent.id
    today.touched.add(lead_id)
    if outcome in (Outcome.NO_ANSWER, Outcome.BUSY) and not quick and rng.random() < 0.85:  # (a follow-up: next slot)
        _schedule_retry(floor, agent, lead_id, day, start, after.next_call_at)
    return ended_sec + (rng.randint(10, 40) if quick else rng.randint(20, 100))


def _write_log(floor: _Floor, today: _Day, call_id: int, outcome: Outcome, start: int, ended: int) -> None:
    """The call's answers: a walk of the script ending in ``outcome``, spread over the call."""
    pool = floor.walks.get(outcome.value)
    if not pool:
        return
    walk = pool[floor.walk_rng.randrange(len(pool))]
    stamp, day = floor.clock.stamp, today.day
    today.batch.events.extend(
        HistoryEvent(call_id, seq, stamp(day, at), kind, node, value)
        for seq, ((kind, node, value), at) in enumerate(zip(walk.events, walk.times(start, ended)), 1)
    )


def _schedule_retry(
    floor: _Floor, agent: _Agent, lead_id: int, day: date, start: int, not_before: datetime | None
) -> None:
    """When the agent tries a no-answer again: often the same afternoon, else a later morning;
    never before the life cycle allows (a lead set aside waits for the next morning)."""
    rng = floor.rng
    if start < 14 * 3600 and rng.random() < 0.45:
        when = (day, start + 2 * 3600 + rng.randint(0, 3600))
    else:
        when = (day + timedelta(days=rng.choice([1, 1, 2, 3])), MORNING)
    if not_before is not None:
        when = max(when, (not_before.date(), _seconds(not_before.time())))
    agent.retries.append((lead_id, *when))


def _complete_open_work(
    floor: _Floor, today: _Day, agent: _Agent, lead_id: int, call_id: int, ended_text: str, after: AfterCall
) -> None:
    """The lead's open callbacks and the pending follow-ups this call closes (the life cycle's
    :meth:`~callscript.core.lifecycle.AfterCall.closes_follow_up`) are done by it (written now, final)."""
    if after.completes_callbacks:
        for cb in [cb for cb in agent.callbacks if cb.lead == lead_id and cb.call_id != call_id]:
            agent.callbacks.remove(cb)
            today.batch.callbacks.append(_callback_row(floor, cb, agent, ended_text, call_id))
    pending = floor.pending.get(lead_id, [])
    for mailing in [m for m in pending if after.closes_follow_up(m.follow_from)]:
        pending.remove(mailing)
        owner = floor.agent_by_id[mailing.agent]
        if mailing in owner.mailings:  # (else it expired: written already as never followed up)
            owner.mailings.remove(mailing)
            today.batch.mailings.append(_mailing_row(mailing, owner, ended_text, call_id))


def _callback_row(
    floor: _Floor, cb: _Callback, agent: _Agent, done_at: str | None, done_call: int | None
) -> HistoryCallback:
    due = floor.clock.stamp(cb.due_day, cb.due_sec)
    return HistoryCallback(cb.id, cb.call_id, cb.lead, agent.id, due, "客户要求回电", cb.created, done_at, done_call)


def _mailing_row(mailing: _Mailing, agent: _Agent, done_at: str | None, done_call: int | None) -> HistoryMailing:
    return HistoryMailing(
        mailing.id,
        mailing.call_id,
        mailing.lead,
        agent.id,
        mailing.address,
        mailing.mailed_on.isoformat(),
        mailing.follow_from.isoformat(),
        mailing.follow_by.isoformat(),
        done_at,
        done_call,
    )


def _still_open(floor: _Floor) -> HistoryBatch:
    """What is still open when the simulation ends: callbacks not yet made, mailings not yet followed up."""
    batch = HistoryBatch()
    for agent in floor.agents:
        batch.callbacks += [_callback_row(floor, cb, agent, None, None) for cb in agent.callbacks]
        batch.mailings += [_mailing_row(m, agent, None, None) for m in agent.mailings]
    return batch


def _count(stats: DemoStats, batch: HistoryBatch) -> None:
    stats.leads += len(batch.leads)
    stats.calls += len(batch.calls)
    stats.callbacks += len(batch.callbacks)
    stats.mailings += len(batch.mailings)
    stats.remarks += len(batch.reviews)
    stats.events += len(batch.events)
