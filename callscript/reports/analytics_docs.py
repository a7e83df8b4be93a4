"""The analytics reports as :class:`~callscript.reports.render.Document` s: the funnel, the
version comparison, the market answers and agent coaching, in all four formats.

One description per report, as for the daily tables: the rich table, CSV, JSON and
XLSX are the same cells (:mod:`callscript.reports.render` spells them by column
kind). JSON keys are English, labels Chinese; every sheet's rows are under its key
(``rows`` for the main one). The table format prints the notes under the tables
(the top five losses in words, the coaching sentences, the versions not shown).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from callscript.reports.coaching import Coaching
from callscript.reports.funnel import OUTCOME_SHORT, Funnel
from callscript.reports.market import BOOKING_METHODS, EXPENSES, PRICE_LABELS, STARS, MarketReport
from callscript.reports.render import TOTAL_LABEL, Column, Document, Sheet
from callscript.reports.stats import MIN_CALLS, MIN_EXPECTED, SIGNIFICANT
from callscript.reports.versions import RATES, TOO_FEW, VersionsReport


def _when(start: Any, end: Any) -> str:
    if start is None and end is None:
        return "全部日期"
    return f"{start.isoformat() if start else '开始'} 至 {end.isoformat() if end else '今天'}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


# --------------------------------------------------------------------------- funnel

FUNNEL_COLUMNS: tuple[Column, ...] = (
    Column("node", "节点"),
    Column("node_id", "节点id"),
    Column("arrivals", "到达", "int"),
    Column("went_on", "继续", "int"),
    Column("ended", "结束", "int"),
    *(Column(f"ended_{o}", label, "int") for o, label in OUTCOME_SHORT.items()),
    Column("left", "中断", "int"),
    Column("lost", "流失", "int"),
    Column("loss_rate", "流失率", "rate"),
    Column("undone", "撤回", "int"),
    Column("median_seconds", "中位秒", "int"),
    Column("p90_seconds", "P90秒", "int"),
)
OPTION_COLUMNS: tuple[Column, ...] = (
    Column("node", "节点"),
    Column("node_id", "节点id"),
    Column("key", "按键"),
    Column("option", "选项"),
    Column("leads_to", "去向"),
    Column("count", "次数", "int"),
    Column("share", "占比", "rate"),
)
LOSS_COLUMNS: tuple[Column, ...] = (
    Column("rank", "排名", "rank"),
    Column("node", "节点"),
    Column("node_id", "节点id"),
    Column("lost", "流失", "int"),
    Column("loss_rate", "流失率", "rate"),
    Column("share_of_lost", "占全部流失", "rate"),
    Column("text", "说明"),
)


def funnel_document(f: Funnel) -> Document:
    rows = []
    for n in f.nodes:
        rows.append(
            [
                n.title,
                n.node,
                n.arrivals,
                n.went_on,
                n.ended_total,
                *(n.ended.get(o, 0) for o in OUTCOME_SHORT),
                n.left,
                n.lost,
                n.loss_rate,
                n.undone,
                n.median_seconds,
                n.p90_seconds,
            ]
        )
    ended = f.ended_by_outcome()
    total = [
        TOTAL_LABEL,
        "",
        sum(n.arrivals for n in f.nodes),
        sum(n.went_on for n in f.nodes),
        sum(ended.values()),
        *(ended.get(o, 0) for o in OUTCOME_SHORT),
        sum(n.left for n in f.nodes),
        f.lost,
        _share(f.lost, f.calls),  # of the calls: the share of calls lost anywhere
        sum(n.undone for n in f.nodes),
        None,
        None,
    ]
    options = [
        [n.title, n.node, o.key, o.label, o.target_title, o.count, o.share] for n in f.nodes for o in f.options(n.node)
    ]
    sentences = f.loss_sentences()
    losses = [
        [rank, n.title, n.node, n.lost, n.loss_rate, _share(n.lost, f.lost), text]
        for rank, (n, text) in enumerate(zip(f.top_losses(), sentences, strict=True), 1)
    ]
    v = f.version
    filters = "".join(
        part for part in (f"  行业 {f.industry}" if f.industry else "", f"  业务员 {f.agent}" if f.agent else "")
    )
    doc = Document(
        "funnel",
        f.title,
        f"{v.title or v.name} 版本 #{v.id} ({v.sha256[:8]})  {_when(f.start, f.end)}{filters}  通话 {f.calls:,}",
        {
            "script_version": v.id,
            "script": v.name,
            "sha256": v.sha256,
            "from": _iso(f.start),
            "to": _iso(f.end),
            "industry": f.industry,
            "agent": f.agent,
            "calls": f.calls,
            "finished": f.finished,
            "unfinished": f.unfinished,
            "other_versions": [{"script_version": o.id, "sha256": o.sha256, "calls": n} for o, n in f.other_versions],
        },
        [
            Sheet("rows", "话术漏斗", list(FUNNEL_COLUMNS), rows, total),
            Sheet("losses", "流失最多的地方", list(LOSS_COLUMNS), losses),
            Sheet("options", "各选项占比", list(OPTION_COLUMNS), options),
        ],
    )
    if f.calls == 0:
        doc.notes.append("这段时间这个版本没有通话记录。")
    elif sentences:
        doc.notes.append("流失最多的地方:")
        doc.notes.extend(sentences)
    else:
        doc.notes.append("没有流失: 没有拒绝, 也没有中断的通话。")
    doc.notes.append(
        "到达 = 继续 + 结束 + 中断; 进入结束节点算在做出回答的节点上结束。流失 = 拒绝 + 中断;"
        " 合计行的流失率是占通话数的比例。撤回: 在这里按了返回 (这一步被撤销, 不算到达, 但停留的时间算进时长)。"
    )
    if f.undone_endings:
        doc.notes.append(f"另有 {f.undone_endings:,} 次进入结束节点后又返回 (撤回了结束)。")
    if f.unmatched:
        doc.notes.append(f"有 {f.unmatched:,} 步在这个版本的话术里找不到 (记录与话术不符)。")
    if f.other_versions:
        others = ", ".join(f"#{o.id} ({o.sha256[:8]}) {n:,} 通" for o, n in f.other_versions)
        doc.notes.append(f"这段时间还有其它版本的通话: {others}; 用 --script-version 查看。")
    return doc


# --------------------------------------------------------------------------- versions

VERSION_COLUMNS: tuple[Column, ...] = (
    Column("script", "脚本"),
    Column("script_version", "版本", "int"),
    Column("sha256", "sha256"),
    Column("first_day", "第一天", "when"),
    Column("last_day", "最后一天", "when"),
    Column("calls", "通话数", "int"),
    Column("rate_name", "指标"),
    Column("count", "数量", "int"),
    Column("rate", "比率", "rate"),
    Column("low", "95%下限", "rate"),
    Column("high", "95%上限", "rate"),
    Column("previous_version", "上一版", "int"),
    Column("previous_rate", "上一版比率", "rate"),
    Column("p_value", "p值", "p"),
    Column("verdict", "结论"),
)
CHANGE_COLUMNS: tuple[Column, ...] = (
    Column("script_version", "版本", "int"),
    Column("previous_version", "上一版", "int"),
    Column("change", "改动"),
)


def versions_document(r: VersionsReport) -> Document:
    rows = []
    changes = []
    for row in r.rows:
        v = row.version
        for key, label in RATES:
            fig = row.figure(key)
            interval = fig.interval
            p_value = fig.versus.p_value if fig.versus is not None else None
            rows.append(
                [
                    v.name,
                    v.id,
                    v.sha256[:12],
                    row.first_day,
                    row.last_day,
                    row.calls,
                    label,
                    fig.count,
                    fig.rate,
                    interval[0] if interval else None,
                    interval[1] if interval else None,
                    row.previous.id if row.previous else None,
                    fig.previous_rate,
                    round(p_value, 4) if p_value is not None else None,
                    fig.verdict or None,
                ]
            )
        for line in row.changes or []:
            changes.append([v.id, row.previous.id if row.previous else None, line])
    doc = Document(
        "versions",
        r.title,
        f"{_when(r.start, r.end)}  每个版本与同一脚本的上一版比较",
        {"from": _iso(r.start), "to": _iso(r.end), "min_calls": MIN_CALLS, "min_expected": MIN_EXPECTED},
        [
            Sheet("rows", "话术版本对比", list(VERSION_COLUMNS), rows),
            Sheet("changes", "版本改动", list(CHANGE_COLUMNS), changes),
        ],
    )
    if not r.rows:
        doc.notes.append("还没有保存任何话术版本。")
    doc.notes.append(
        "比率按通话算: 有效率 = 有效通话/通话数, 寄卡率 = 寄资料/通话数, 好客户率 = 有效且评为好/通话数;"
        " 95% 区间为 Wilson 区间。p值: 与上一版的双侧两比例 z 检验;"
        f" p < {SIGNIFICANT} 记为明显更高/更低。"
    )
    doc.notes.append(
        f"“{TOO_FEW}”: 任一版本不到 {MIN_CALLS} 通, 或按合并比率任一版本预计的有/无不到 {MIN_EXPECTED} 通。"
    )
    return doc


# --------------------------------------------------------------------------- market

MARKET_COLUMNS: tuple[Column, ...] = (
    Column("industry", "行业"),
    Column("booking_answered", "预订方式回答数", "int"),
    *(Column(f"booking_{key}", label, "rate") for key, label in BOOKING_METHODS),
    Column("centres_named", "说出订房中心", "int"),
    Column("top_centres", "常用订房中心"),
    Column("stars_answered", "星级回答数", "int"),
    *(Column(f"star_{s}", f"{s}星", "rate") for s in STARS),
    Column("prices_answered", "价位回答数", "int"),
    *(Column(f"price_{i}", label, "rate") for i, label in enumerate(PRICE_LABELS, 1)),
    Column("expense_answered", "报销/自费回答数", "int"),
    *(Column(f"expense_{key}", label, "rate") for key, label in EXPENSES),
)
CENTRE_COLUMNS: tuple[Column, ...] = (
    Column("industry", "行业"),
    Column("centre", "订房中心"),
    Column("companies", "家数", "int"),
    Column("share", "占比", "rate"),
)
ANSWER_COLUMNS: tuple[Column, ...] = (
    Column("industry", "行业"),
    Column("question", "问题"),
    Column("answer", "回答"),
    Column("companies", "家数", "int"),
    Column("share", "占比", "rate"),
)


def _market_row(m: Any) -> list[Any]:
    centres = ", ".join(f"{name} {n}" for name, n in m.top_centres())
    return [
        m.industry,
        m.booking_answered,
        *(m.share(m.booking.get(key, 0), m.booking_answered) for key, _ in BOOKING_METHODS),
        m.centres_named,
        centres or None,
        m.stars_answered,
        *(m.share(m.stars.get(s, 0), m.stars_answered) for s in STARS),
        m.prices_answered,
        *(m.share(m.prices.get(label, 0), m.prices_answered) for label in PRICE_LABELS),
        m.expense_answered,
        *(m.share(m.expense.get(key, 0), m.expense_answered) for key, _ in EXPENSES),
    ]


def _answers(m: Any) -> list[list[Any]]:
    out: list[list[Any]] = []
    questions = (
        ("预订方式", [(label, m.booking.get(key, 0)) for key, label in BOOKING_METHODS], m.booking_answered),
        ("订房中心", m.top_centres(limit=len(m.centres)), m.centres_named),
        ("酒店星级", [(f"{s}星", m.stars.get(s, 0)) for s in STARS], m.stars_answered),
        ("价位", [(label, m.prices.get(label, 0)) for label in PRICE_LABELS], m.prices_answered),
        ("报销/自费", [(label, m.expense.get(key, 0)) for key, label in EXPENSES], m.expense_answered),
    )
    for question, answers, whole in questions:
        for answer, n in answers:
            if n:
                out.append([m.industry, question, answer, n, m.share(n, whole)])
    return out


def market_document(r: MarketReport) -> Document:
    rows = [_market_row(m) for m in r.rows]
    centres = [
        [m.industry, name, n, m.share(n, m.centres_named)] for m in r.rows for name, n in m.top_centres(len(m.centres))
    ]
    answers = [a for m in [*r.rows, r.total] for a in _answers(m)]
    doc = Document(
        "market",
        r.title,
        f"{_when(r.start, r.end)}  每家公司每个问题只算最近一次的回答",
        {"from": _iso(r.start), "to": _iso(r.end), "aliases": r.aliases_source},
        [
            Sheet("rows", "市场情况", list(MARKET_COLUMNS), rows, _market_row(r.total)),
            Sheet("centres", "竞争订房中心", list(CENTRE_COLUMNS), centres),
            Sheet("answers", "各问题回答", list(ANSWER_COLUMNS), answers),
        ],
    )
    if not r.rows:
        doc.notes.append("这段时间没有记录到市场情况的回答。")
    doc.notes.append("占比都是占回答了这个问题的公司; 订房中心按别名表合并: " + (r.aliases_source or "(没有别名表)"))
    return doc


# --------------------------------------------------------------------------- coaching

COACHING_COLUMNS: tuple[Column, ...] = (
    Column("node", "节点"),
    Column("node_id", "节点id"),
    Column("arrivals", "到达", "int"),
    Column("ended", "在此结束", "int"),
    Column("ended_rate", "结束占比", "rate"),
    Column("lost", "流失", "int"),
    Column("loss_rate", "流失率", "rate"),
    Column("floor_arrivals", "其他人到达", "int"),
    Column("floor_ended_rate", "其他人结束占比", "rate"),
    Column("floor_loss_rate", "其他人流失率", "rate"),
    Column("loss_gap", "流失率差", "rate"),
)
COACHING_REMARK_COLUMNS: tuple[Column, ...] = (
    Column("day", "日期", "when"),
    Column("strengths", "优点"),
    Column("weaknesses", "缺点"),
    Column("suggestions", "建议"),
)


def coaching_document(c: Coaching) -> Document:
    rows = [
        [
            n.title,
            n.node,
            n.arrivals,
            n.ended,
            n.ended_rate,
            n.lost,
            n.loss_rate,
            n.floor_arrivals,
            n.floor_ended_rate,
            n.floor_loss_rate,
            n.loss_gap,
        ]
        for n in c.nodes
    ]
    v = c.version
    doc = Document(
        "coaching",
        c.title,
        f"{c.agent}  {v.title or v.name} 版本 #{v.id}  {_when(c.start, c.end)}  通话 {c.calls:,} (其他人 {c.floor_calls:,})",
        {
            "agent": c.agent,
            "script_version": v.id,
            "from": _iso(c.start),
            "to": _iso(c.end),
            "calls": c.calls,
            "floor_calls": c.floor_calls,
        },
        [
            Sheet("rows", f"{c.agent} 与其他人", list(COACHING_COLUMNS), rows),
            Sheet(
                "remarks",
                "优点缺点建议",
                list(COACHING_REMARK_COLUMNS),
                [[r.day, r.strengths, r.weaknesses, r.suggestions] for r in c.remarks],
            ),
        ],
    )
    doc.notes.extend(c.sentences())
    doc.notes.append("流失率差 = 本人流失率 − 其他人流失率 (正数: 本人在这里流失得多)。")
    return doc
