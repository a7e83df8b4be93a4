"""Exports for people outside the app: the mail room's list and the supervisor's call sheet.

* :func:`mailings_table` — one row per thing to post: who (contact, title,
  company), the address *as read back* on the call, what to send (member card and
  materials, a replacement card, materials for friends), the agent and the day.
  Mailings recorded by ``mailed`` calls and by ``member_care`` calls that took an
  address (a member's lost card, new materials to pass on to friends).
* :func:`calls_table` — one row per finished call: lead, agent, outcome, grade and
  the rule that gave it, the three conditions, every fact, the call's notes.

Both go to CSV or XLSX through :mod:`callscript.files.tabular` (UTF-8 with BOM and
CRLF; dates ISO 8601 in CSV, date cells in XLSX; text a spreadsheet would run as a
formula stays text). Headers and values are Chinese (``lang="zh"``, default)
or English headers with raw values (``lang="en"``: ``true``/``false``, enum codes),
for other programs. ``mask_phones`` shows ``138 **** 5678``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from callscript.core.outcomes import OUTCOME_LABELS, OUTCOME_VALUES, Outcome

if TYPE_CHECKING:
    from callscript.storage import Store
from callscript.core.phones import display_phone, mask_phone
from callscript.files import tabular
from callscript.script.facts import BUILTIN_FACTS

FORMATS = ("csv", "xlsx")
LANGS = ("zh", "en")

CARD_AND_MATERIALS = "会员卡+会员资料"
"""What a prospect who agreed gets (seed: 邮寄携程卡和会员资料)."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    width: int = 12
    kind: str = tabular.TEXT

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(slots=True)
class ExportTable:
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    """Values by column key, already as shown (``lang`` applied)."""

    def header(self, lang: str) -> list[str]:
        return [c.title(lang) for c in self.columns]

    def values(self) -> Iterable[list[Any]]:
        for row in self.rows:
            yield [row.get(c.key) for c in self.columns]


# ---------------------------------------------------------------------------
# Mailings
# ---------------------------------------------------------------------------

MAILING_COLUMNS = [
    Column("mailed_on", "寄出日期", "mailed_on", 12, tabular.WHEN),
    Column("contact", "联系人", "contact", 10),
    Column("title", "职位", "title", 12),
    Column("company", "公司", "company", 30),
    Column("address", "地址", "address", 40),
    Column("send", "寄送内容", "send", 20),
    Column("agent", "业务员", "agent", 10),
    Column("phone", "电话", "phone", 16),
    Column("industry", "行业", "industry", 10),
    Column("grade", "评级", "grade", 6),
    Column("follow_up", "回访日期", "follow_up", 24),
    Column("call_id", "通话编号", "call_id", 8, tabular.INT),
]


def what_to_send(facts: dict[str, Any], outcome: str | None = None) -> str:
    """The seed's rules: a prospect gets the member card and materials; a member who
    lost the card gets a new one; a member who refers friends gets new materials and a
    card to pass on."""
    if facts.get("is_member") or outcome == Outcome.MEMBER_CARE.value:
        parts = []
        if facts.get("new_card"):
            parts.append("补寄会员卡")
        if facts.get("refers_friends"):
            parts.append("新会员资料+新卡(转送朋友)")
        return "、".join(parts) or "会员资料"
    return CARD_AND_MATERIALS


def mailings_table(
    store: Store,
    *,
    since: date | None = None,
    until: date | None = None,
    mask_phones: bool = False,
    lang: str = "zh",
) -> ExportTable:
    """What to post for mail days ``since``..``until`` (inclusive; None: no bound)."""
    _check_lang(lang)
    rows = store.mailings_for_export(since=since, until=until)
    rows.sort(key=lambda r: (r["mailed_on"], r["call_id"]))
    table = ExportTable("mailings", MAILING_COLUMNS)
    for r in rows:
        facts = _facts(r["facts"])
        follow = f"{r['follow_up_from']}~{r['follow_up_by']}" if r["follow_up_from"] else ""
        table.rows.append(
            {
                "mailed_on": r["mailed_on"],
                "contact": r["contact"] or "",
                "title": r["title"] or "",
                "company": r["company"],
                "address": r["address"],
                "send": what_to_send(facts, r["outcome"]),
                "agent": r["agent"],
                "phone": _phone(r["phone"], r["phone_norm"], mask_phones),
                "industry": r["industry"] or "",
                "grade": r["grade"] or "",
                "follow_up": follow,
                "call_id": r["call_id"],
            }
        )
    return table


# ---------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------

CALL_COLUMNS = [
    Column("call_id", "通话编号", "call_id", 8, tabular.INT),
    Column("day", "日期", "day", 11, tabular.WHEN),
    Column("started_at", "开始时间", "started_at", 20, tabular.WHEN),
    Column("ended_at", "结束时间", "ended_at", 20, tabular.WHEN),
    Column("agent", "业务员", "agent", 10),
    Column("company", "公司", "company", 30),
    Column("contact", "联系人", "contact", 10),
    Column("title", "职位", "title", 12),
    Column("phone", "电话", "phone", 16),
    Column("phone_kind", "号码类型", "phone_kind", 8),
    Column("industry", "行业", "industry", 10),
    Column("source", "来源", "source", 10),
    Column("outcome", "结果", "outcome", 12),
    Column("effective", "有效", "effective", 6),
    Column("grade", "评级", "grade", 6),
    Column("grade_rule", "评级依据", "grade_rule", 30),
    Column("qualified", "准客户", "qualified", 8),
]

_PHONE_KIND_ZH = {"mobile": "手机", "landline": "座机", "other": "其他"}


def calls_table(
    store: Store,
    *,
    since: date | None = None,
    until: date | None = None,
    agent: str | None = None,
    mask_phones: bool = False,
    lang: str = "zh",
) -> ExportTable:
    """Every finished call started on days ``since``..``until`` (inclusive), with facts and grade."""
    _check_lang(lang)
    rows = store.calls_for_export(since=since, until=until, agent=agent)
    facts_by_call = {r["call_id"]: _facts(r["facts"]) for r in rows}
    conditions_by_call = {r["call_id"]: _facts(r["conditions"]) for r in rows}
    specs, condition_labels = _script_labels(store, {r["script_id"] for r in rows})
    condition_names = _ordered_keys(conditions_by_call.values(), tuple(condition_labels))
    fact_names = _ordered_keys(facts_by_call.values(), tuple(BUILTIN_FACTS))
    columns = list(CALL_COLUMNS)
    columns += [Column(f"cond:{n}", condition_labels.get(n, n), n, 14) for n in condition_names]
    columns += [Column(f"fact:{n}", specs[n].label if n in specs else n, n, 12) for n in fact_names]
    columns.append(Column("notes", "备注", "notes", 40))
    zh = lang == "zh"
    table = ExportTable("calls", columns)
    for r in rows:
        outcome = r["outcome"]
        effective = Outcome(outcome).effective if outcome in OUTCOME_VALUES else None
        row: dict[str, Any] = {
            "call_id": r["call_id"],
            "day": r["day"],
            "started_at": r["started_at"],
            "ended_at": r["ended_at"],
            "agent": r["agent"],
            "company": r["company"],
            "contact": r["contact"] or "",
            "title": r["title"] or "",
            "phone": _phone(r["phone"], r["phone_norm"], mask_phones),
            "phone_kind": (
                _PHONE_KIND_ZH.get(r["phone_kind"] or "", r["phone_kind"] or "") if zh else r["phone_kind"] or ""
            ),
            "industry": r["industry"] or "",
            "source": r["source"] or "",
            "outcome": _outcome(outcome, zh),
            "effective": _bool(effective, zh),
            "grade": r["grade"] or "",
            "grade_rule": r["grade_rule"] or "",
            "qualified": _bool(None if r["qualified"] is None else bool(r["qualified"]), zh),
            "notes": r["notes"] or "",
        }
        for n in condition_names:
            row[f"cond:{n}"] = _bool(conditions_by_call[r["call_id"]].get(n), zh)
        facts = facts_by_call[r["call_id"]]
        for n in fact_names:
            row[f"fact:{n}"] = _fact_value(specs.get(n), facts.get(n), zh)
        table.rows.append(row)
    return table


def _outcome(value: str | None, zh: bool) -> str:
    if value is None:
        return ""
    if zh and value in OUTCOME_VALUES:
        return OUTCOME_LABELS[Outcome(value)]
    return value


def _bool(value: bool | None, zh: bool) -> str:
    if value is None:
        return ""
    if zh:
        return "是" if value else "否"
    return "true" if value else "false"


def _script_labels(store: Store, script_ids: set[int]) -> tuple[dict[str, Any], dict[str, str]]:
    """Fact specs (for labels and value names) and condition labels of the scripts the
    calls were made with; the built-in facts when a stored script cannot be read."""
    specs: dict[str, Any] = dict(BUILTIN_FACTS)
    conditions: dict[str, str] = {}
    for script_id in sorted(i for i in script_ids if i is not None):
        try:
            script = store.load_script_version(script_id)
        except Exception:  # an export must not fail on an old script that no longer loads
            continue
        for name, spec in script.facts.items():
            specs.setdefault(name, spec)
        for condition in script.grading.conditions:
            conditions.setdefault(condition.name, condition.label or condition.name)
    return specs, conditions


def _fact_value(spec: Any, value: Any, zh: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _bool(value, zh)
    if zh and spec is not None and isinstance(value, (str, int)):
        return spec.display(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _ordered_keys(dicts: Iterable[dict[str, Any]], first: tuple[str, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        for key in d:
            seen.setdefault(key, None)
    known = [k for k in first if k in seen]
    return known + sorted(k for k in seen if k not in first)


def _facts(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _phone(raw: str, norm: str, mask: bool) -> str:
    shown = display_phone(norm) if norm and norm.startswith("+") else raw
    return mask_phone(shown) if mask else shown


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang is one of {', '.join(LANGS)}, not {lang!r}")


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def to_sheet(table: ExportTable, lang: str = "zh") -> tabular.Sheet:
    """The export as a sheet for the tabular writer (its formula, date and number rules)."""
    columns = [tabular.Column(c.title(lang), c.kind, c.width) for c in table.columns]
    return tabular.Sheet(table.name, columns, table.values())


def write_table(table: ExportTable, fmt: str, out: IO[bytes], *, lang: str = "zh") -> None:
    """Write the export as CSV (UTF-8 with BOM, CRLF) or XLSX to ``out``."""
    _check_lang(lang)
    if fmt == "csv":
        tabular.write_csv(to_sheet(table, lang), out)
    elif fmt == "xlsx":
        tabular.write_xlsx([to_sheet(table, lang)], out)
    else:
        raise ValueError(f"format is one of {', '.join(FORMATS)}, not {fmt!r}")
