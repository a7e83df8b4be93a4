"""Reports as a rich table, CSV, JSON or XLSX — one description, four writers.

A report becomes a :class:`Document`: a title, a few JSON-safe facts about it
(``meta``: dates, grouping) and one or more :class:`Sheet` s (the main table, and
for the daily table the agents' remarks). Every writer walks the
same sheets, so a cell is the same number in every format; only its spelling
differs, by the column's kind:

========  ==============  ============  ==================  ====================
kind      table           CSV           JSON                XLSX
========  ==============  ============  ==================  ====================
int       ``12``          ``12``        ``12``              12
rate      ``33.3%``       ``0.3333``    ``0.3333``          0.3333 (shown 33.3%)
seconds   ``83.5``        ``83.5``      ``83.5``            83.5
rank      ``2``           ``2``         ``2``               2
p         ``0.0123``      ``0.0123``    ``0.0123``          0.0123
text      as is           as is [1]_    string              string, never a formula
when      ``03-05 15:00`` ISO 8601      ISO 8601            date / datetime
========  ==============  ============  ==================  ====================

.. [1] Text that looks like a spreadsheet formula gets a leading ``'``.

CSV and XLSX are written by :mod:`callscript.files.tabular`, the one writer of every
spreadsheet the product hands out (formula, date and percent rules live there).

An empty value (a rate when 总个数 is 0, a rank of a low-sample industry, a
remark not written) is an empty cell: blank in the table and CSV, ``null`` in
JSON, an empty cell in XLSX. Never 0.

CSV holds the main sheet only (header row, data rows, then the 合计 row) and is
written UTF-8 with a byte-order mark when it goes to a file, so Excel shows the
Chinese (none on the terminal). XLSX has one worksheet per sheet, header in row 1.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callscript.core.china_calendar import estimate_note
from callscript.core.cleantext import for_display
from callscript.core.lifecycle import CARD, GIFT
from callscript.files import tabular
from callscript.reports.due import DueItem, DueList
from callscript.reports.greetings import GreetingList
from callscript.reports.queries import BY_LABELS, Counts, MaintenanceSummary, Remark, Summary, YieldTable

FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text / int / rate / seconds / rank / when / p (a p-value, rounded to 4 places)


@dataclass(slots=True)
class Sheet:
    key: str  # JSON key of its rows: "rows" for the main sheet
    name: str  # table title / worksheet name
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None


@dataclass(slots=True)
class Document:
    report: str  # daily / range / yield / due
    title: str
    subtitle: str
    meta: dict[str, Any] = field(default_factory=dict)
    sheets: list[Sheet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed under the table format only


# --------------------------------------------------------------------------- reports → documents

COUNT_COLUMNS: tuple[Column, ...] = (
    Column("leads", "总个数", "int"),
    Column("effective", "有效数", "int"),
    Column("mailed", "寄卡量", "int"),
    Column("good", "好", "int"),
    Column("fair", "一般", "int"),
    Column("marginal", "勉强", "int"),
    Column("mail_rate", "寄卡率", "rate"),
    Column("effective_rate", "有效率", "rate"),
    Column("good_rate", "好客户率", "rate"),
    Column("calls", "通话数", "int"),
    Column("avg_call_seconds", "平均时长(秒)", "seconds"),
    Column("callbacks_made", "回电数", "int"),
)
REMARK_COLUMNS: tuple[Column, ...] = (
    Column("strengths", "优点"),
    Column("weaknesses", "缺点"),
    Column("suggestions", "建议"),
)
TOTAL_LABEL = "合计"


def count_values(c: Counts) -> list[Any]:
    return [
        c.leads,
        c.effective,
        c.mailed,
        c.good,
        c.fair,
        c.marginal,
        c.mail_rate,
        c.effective_rate,
        c.good_rate,
        c.calls,
        c.avg_call_seconds,
        c.callbacks_made,
    ]


def _remark_values(r: Remark | None) -> list[Any]:
    return [None, None, None] if r is None else [r.strengths, r.weaknesses, r.suggestions]


def _summary_document(s: Summary) -> Document:
    keys = {
        "industry": [Column("industry", "行业")],
        "agent": [Column("agent", "业务员")],
        "both": [Column("agent", "业务员"), Column("industry", "行业")],
    }[s.by]
    with_remarks = s.is_daily and s.by == "agent"
    columns = [*keys, *COUNT_COLUMNS, *(REMARK_COLUMNS if with_remarks else ())]
    rows = []
    for r in s.rows:
        key_values = {"industry": [r.industry], "agent": [r.agent], "both": [r.agent, r.industry]}[s.by]
        rows.append([*key_values, *count_values(r.counts), *(_remark_values(r.remark) if with_remarks else ())])
    total = [
        TOTAL_LABEL,
        *([""] if s.by == "both" else []),
        *count_values(s.total),
        *([None, None, None] if with_remarks else []),
    ]
    when = s.start.isoformat() if s.is_daily else f"{s.start.isoformat()} 至 {s.end.isoformat()}"
    doc = Document(
        "daily" if s.is_daily else "range",
        s.title,
        f"{when}  {BY_LABELS[s.by]}",
        {"from": s.start.isoformat(), "to": s.end.isoformat(), "by": s.by, "kind": "development"},
        [
            Sheet(
                "rows",
                f"{'日分析表' if s.is_daily else '日分析总表'} {s.start:%Y-%m-%d}"
                + ("" if s.is_daily else f" 至 {s.end:%Y-%m-%d}"),
                columns,
                rows,
                total,
            )
        ],
    )
    if s.is_daily and not with_remarks:
        doc.sheets.append(
            Sheet(
                "remarks",
                "优点缺点建议",
                [Column("day", "日期", "when"), Column("agent", "业务员"), *REMARK_COLUMNS],
                [[r.day, r.agent, r.strengths, r.weaknesses, r.suggestions] for r in s.remarks],
            )
        )
    if not s.rows:
        doc.notes.append("这一天没有通话记录。" if s.is_daily else "这段时间没有通话记录。")
    return doc


YIELD_COLUMNS: tuple[Column, ...] = (
    Column("industry", "行业"),
    Column("leads", "总个数", "int"),
    Column("mailed", "寄卡量", "int"),
    Column("mail_rate", "寄卡率", "rate"),
    Column("mail_rank", "寄卡率排名", "rank"),
    Column("good", "好", "int"),
    Column("good_rate", "好客户率", "rate"),
    Column("good_rank", "好客户率排名", "rank"),
    Column("effective", "有效数", "int"),
    Column("effective_rate", "有效率", "rate"),
    Column("sample", "样本"),
)


def low_sample_label(min_leads: int) -> str:
    return f"样本少(<{min_leads})"


def _yield_document(y: YieldTable) -> Document:
    marker = low_sample_label(y.min_leads)
    rows = [
        [
            r.industry,
            r.counts.leads,
            r.counts.mailed,
            r.counts.mail_rate,
            r.mail_rank,
            r.counts.good,
            r.counts.good_rate,
            r.good_rank,
            r.counts.effective,
            r.counts.effective_rate,
            marker if r.low_sample else None,
        ]
        for r in y.rows
    ]
    t = y.total
    total = [
        TOTAL_LABEL,
        t.leads,
        t.mailed,
        t.mail_rate,
        None,
        t.good,
        t.good_rate,
        None,
        t.effective,
        t.effective_rate,
        None,
    ]
    if y.start is None and y.end is None:
        when = "全部日期"
    else:
        when = f"{y.start.isoformat() if y.start else '开始'} 至 {y.end.isoformat() if y.end else '今天'}"
    doc = Document(
        "yield",
        y.title,
        f"{when}  按寄卡率、好客户率排名",
        {
            "from": y.start.isoformat() if y.start else None,
            "to": y.end.isoformat() if y.end else None,
            "min_leads": y.min_leads,
        },
        [Sheet("rows", "数据产出分析表", list(YIELD_COLUMNS), rows, total)],
    )
    doc.notes.append(f"总个数少于 {y.min_leads} 的行业标为“{marker}”,排在后面,不参加排名。")
    return doc


MAINTENANCE_COLUMNS: tuple[Column, ...] = (
    Column("agent", "业务员"),
    Column("due", "应回访", "int"),
    Column("done", "已回访", "int"),
    Column("done_in_window", "窗口内", "int"),
    Column("done_in_slot", "窗口内且时段内", "int"),
    Column("missed", "逾期未回访", "int"),
    Column("calls", "维护通话", "int"),
    Column("reached", "接通", "int"),
    Column("materials_received", "确认收到资料", "int"),
    Column("booked_on_call", "当场预订", "int"),
    Column("avg_call_seconds", "平均时长(秒)", "seconds"),
)


def _maintenance_values(c: Any) -> list[Any]:
    return [
        c.due,
        c.done,
        c.done_in_window,
        c.done_in_slot,
        c.missed,
        c.calls,
        c.reached,
        c.materials_received,
        c.booked_on_call,
        c.avg_call_seconds,
    ]


def _maintenance_document(m: MaintenanceSummary) -> Document:
    when = m.start.isoformat() if m.is_daily else f"{m.start.isoformat()} 至 {m.end.isoformat()}"
    doc = Document(
        "maintenance",
        m.title,
        f"{when}  按业务员",
        {"from": m.start.isoformat(), "to": m.end.isoformat(), "by": "agent", "kind": "maintenance"},
        [
            Sheet(
                "rows",
                f"{m.title} {m.start:%Y-%m-%d}" + ("" if m.is_daily else f" 至 {m.end:%Y-%m-%d}"),
                list(MAINTENANCE_COLUMNS),
                [[r.agent, *_maintenance_values(r.counts)] for r in m.rows],
                [TOTAL_LABEL, *_maintenance_values(m.total)],
            )
        ],
    )
    doc.notes.append(
        "应回访: 寄资料后第7至10天的回访; 窗口内: 在这几天里回访; 时段内: 工作日17:30-18:00或休息日。"
        " 维护通话: 已寄过资料的客户的电话(不计入数据情况日分析表)。"
    )
    if not m.rows:
        doc.notes.insert(0, "这一天没有客户维护。" if m.is_daily else "这段时间没有客户维护。")
    return doc


GREETING_COLUMNS: tuple[Column, ...] = (
    Column("agent", "业务员"),
    Column("company", "公司"),
    Column("contact", "联系人"),
    Column("phone", "电话"),
    Column("industry", "行业"),
    Column("grade", "评级"),
    Column("flag", "标识"),
    Column("gift", "赠送"),
    Column("address", "地址"),
    Column("sms", "短信内容"),
)
SMS_COLUMNS: tuple[Column, ...] = (Column("mobile", "手机号码"), Column("sms", "短信内容"), Column("agent", "业务员"))
MAIL_COLUMNS: tuple[Column, ...] = (
    Column("contact", "收件人"),
    Column("company", "公司"),
    Column("address", "地址"),
    Column("phone", "电话"),
    Column("gift", "寄送"),
    Column("agent", "业务员"),
)
GREETING_PARTS: tuple[str, ...] = ("all", "sms", "mail")
"""Which sheet comes first (and is the CSV): everything, the SMS platform's, the mail room's."""


def greetings_document(g: GreetingList, part: str = "all") -> Document:
    """The greeting list: everyone (with the SMS text, the gift, the address), the SMS platform's
    sheet (mobile numbers only) and the mail room's (those with an address); ``part`` first."""
    if part not in GREETING_PARTS:
        raise ValueError(f"part is one of {', '.join(GREETING_PARTS)}, not {part!r}")
    everyone = Sheet(
        "rows",
        "节日问候名单",
        list(GREETING_COLUMNS),
        [
            [
                i.agent,
                i.company,
                i.contact,
                i.phone,
                i.industry,
                i.grade,
                i.flag_note,
                i.gift,
                i.address,
                i.sms if i.sms is not None else "(座机, 不能发短信)",
            ]
            for i in g.items
        ],
    )
    sms = Sheet("sms", "短信平台", list(SMS_COLUMNS), [[i.mobile, i.sms, i.agent] for i in g.items if i.sms])
    mail = Sheet(
        "mail",
        "寄送清单",
        list(MAIL_COLUMNS),
        [[i.contact, i.company, i.address, i.phone, i.gift, i.agent] for i in g.items if i.address],
    )
    chosen = {"all": everyone, "sms": sms, "mail": mail}[part]
    sheets = [chosen, *(s for s in (everyone, sms, mail) if s is not chosen)]
    if chosen is not everyone:  # the JSON's main rows stay "rows"
        chosen.key, everyone.key = "rows", "everyone"
    when = g.holiday.describe() if g.holiday is not None else g.day.isoformat()
    doc = Document(
        "greetings",
        g.title,
        f"{when}  {g.company}",
        {
            "holiday": g.holiday.name if g.holiday is not None else None,
            "from": g.holiday.first.isoformat() if g.holiday is not None else g.day.isoformat(),
            "to": g.holiday.last.isoformat() if g.holiday is not None else g.day.isoformat(),
            "estimated": bool(g.holiday and g.holiday.estimated),
            "company": g.company,
            "part": part,
        },
        sheets,
    )
    doc.notes.append(
        f"好客户送{GIFT}, 着重标识的一般客户(通话里有重要备注“!”)寄{CARD}; 都发短信(手机号)。"
        f" {GIFT} {len(g.gifts)} 份, {CARD} {len(g.cards)} 张, 短信 {len(sms.rows)} 条, 没有地址 "
        f"{sum(1 for i in g.items if not i.address)} 位。"
    )
    if g.holiday is not None:
        note = estimate_note(g.holiday.first)
        if note:
            doc.notes.append(note)
    if not g.items:
        doc.notes.insert(0, "没有需要问候的客户。")
    return doc


DUE_COLUMNS: tuple[Column, ...] = (
    Column("kind", "类型"),
    Column("status", "状态"),
    Column("due", "应办", "when"),
    Column("due_by", "截止", "when"),
    Column("slot", "建议时段"),
    Column("agent", "业务员"),
    Column("company", "公司"),
    Column("contact", "联系人"),
    Column("phone", "电话"),
    Column("industry", "行业"),
    Column("grade", "评级"),
    Column("note", "备注"),
)


def _due_row(i: DueItem) -> list[Any]:
    return [
        i.kind_label,
        i.status_label,
        i.due,
        i.due_by,
        i.slot,
        i.agent,
        i.company,
        i.contact,
        i.phone,
        i.industry,
        i.grade,
        i.note,
    ]


def _due_document(d: DueList) -> Document:
    doc = Document(
        "due",
        d.title,
        f"{d.now:%Y-%m-%d %H:%M}",
        {"now": d.now.isoformat(timespec="seconds"), "in_window_now": d.in_window_now},
        [Sheet("rows", "待办", list(DUE_COLUMNS), [_due_row(i) for i in d.items])],
    )
    doc.notes.append(
        "回访时段: 寄资料后第7至10天, 工作日17:30-18:00, 休息日(周末、节假日)全天; 调休上班日算工作日。"
        + (" 现在正是回访时段。" if d.in_window_now else "")
    )
    if not d.items:
        doc.notes.insert(0, "没有到期的回电或回访。")
    return doc


def document(report: Any) -> Document:
    """The :class:`Document` for a Summary, YieldTable or DueList (a Document passes through)."""
    if isinstance(report, Document):
        return report
    if isinstance(report, Summary):
        return _summary_document(report)
    if isinstance(report, YieldTable):
        return _yield_document(report)
    if isinstance(report, DueList):
        return _due_document(report)
    if isinstance(report, MaintenanceSummary):
        return _maintenance_document(report)
    if isinstance(report, GreetingList):
        return greetings_document(report)
    raise TypeError(f"not a report: {type(report).__name__}")


# --------------------------------------------------------------------------- cell spellings


def text_cell(value: Any, kind: str) -> str:
    """How a value reads in the table format (and on the summary screen)."""
    if value is None:
        return ""
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "p":
        return "<0.0001" if float(value) < 0.00005 else f"{float(value):.4f}"
    if kind == "seconds":
        return f"{float(value):.1f}"
    if kind == "when":
        return f"{value:%m-%d %H:%M}" if isinstance(value, datetime) else f"{value:%m-%d}"
    return for_display(str(value)) or ""  # stored text never puts escape sequences on a terminal


_TABULAR_KINDS = {
    "text": tabular.TEXT,
    "int": tabular.INT,
    "rank": tabular.INT,
    "p": tabular.TEXT,  # a float already rounded to 4 places: CSV writes it as is, XLSX as a number
    "rate": tabular.RATE,
    "seconds": tabular.DECIMAL,
    "when": tabular.WHEN,
}
"""A report column's kind as the tabular writer spells it (CSV and XLSX follow its rules)."""


def json_cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("rate", "p"):
        return round(float(value), 4)
    if kind == "seconds":
        return round(float(value), 1)
    if kind == "when":
        return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()
    return value


# --------------------------------------------------------------------------- writers


def to_table(doc: Document, *, width: int | None = None, color: bool = False) -> str:
    """The document as rich tables (box drawing; CJK columns aligned by display width)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def table_of(sheet: Sheet, title: str) -> Table:
        t = Table(
            title=title,
            box=box.SIMPLE_HEAVY,
            title_justify="left",
            show_edge=False,
            pad_edge=False,
            header_style="bold",
            footer_style="bold",
            show_footer=sheet.total is not None,
        )
        totals = sheet.total if sheet.total is not None else [None] * len(sheet.columns)
        for col, foot in zip(sheet.columns, totals, strict=True):
            numeric = col.kind in ("int", "rate", "seconds", "rank", "p")
            wrap = col.key in ("strengths", "weaknesses", "suggestions", "note", "company")
            t.add_column(
                col.label,
                footer=text_cell(foot, col.kind),
                justify="right" if numeric else "left",
                no_wrap=not wrap,
                max_width=24 if wrap else None,
                overflow="fold",
            )
        for row in sheet.rows:
            t.add_row(*(text_cell(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)))
        return t

    parts: list[Any] = []
    main = doc.sheets[0]
    parts.append(table_of(main, f"{doc.title}  {doc.subtitle}"))
    for sheet in doc.sheets[1:]:
        if sheet.rows:
            parts.append(Text(""))
            parts.append(table_of(sheet, sheet.name))
    if doc.notes:
        parts.append(Text(""))
    for note in doc.notes:
        parts.append(Text(note, style="dim"))
    probe = Console(width=10_000, file=io.StringIO())
    needed = max((probe.measure(p).maximum for p in parts), default=80)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or max(needed, 40),
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=False,
    )
    for p in parts:
        console.print(p)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def tabular_sheet(sheet: Sheet) -> tabular.Sheet:
    """A report sheet for the tabular writer (CSV and XLSX share its formula, date and percent rules)."""
    columns = [tabular.Column(c.label, _TABULAR_KINDS[c.kind]) for c in sheet.columns]
    return tabular.Sheet(sheet.name, columns, sheet.rows, sheet.total)


def to_csv(doc: Document) -> str:
    """The main sheet as CSV text (header, rows, 合计); a file gets the byte-order mark on writing."""
    return tabular.csv_text(tabular_sheet(doc.sheets[0]))


def to_data(doc: Document) -> dict[str, Any]:
    """The JSON document as Python values."""
    data: dict[str, Any] = {"report": doc.report, "title": doc.title, **doc.meta}
    main = doc.sheets[0]
    data["columns"] = [{"key": c.key, "label": c.label} for c in main.columns]
    for sheet in doc.sheets:
        data[sheet.key] = [
            {c.key: json_cell(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)} for row in sheet.rows
        ]
    if main.total is not None:
        data["total"] = {c.key: json_cell(v, c.kind) for v, c in zip(main.total, main.columns, strict=True)}
    return data


def to_json(doc: Document) -> str:
    return json.dumps(to_data(doc), ensure_ascii=False, indent=2) + "\n"


def to_xlsx(doc: Document) -> bytes:
    """Every sheet as a worksheet: header bold and frozen, 合计 bold, rates as percentages."""
    return tabular.xlsx_bytes([tabular_sheet(sheet) for sheet in doc.sheets], title=f"{doc.title} {doc.subtitle}")


def render(report: Any, fmt: str, *, width: int | None = None, color: bool = False) -> str | bytes:
    """``report`` in ``fmt`` (table/csv/json as text, xlsx as bytes)."""
    doc = document(report)
    if fmt == "table":
        return to_table(doc, width=width, color=color)
    if fmt == "csv":
        return to_csv(doc)
    if fmt == "json":
        return to_json(doc)
    if fmt == "xlsx":
        return to_xlsx(doc)
    raise ValueError(f"format is one of {', '.join(FORMATS)}, not {fmt!r}")
