"""The facts contract (BRIEF, "Facts"): what a call can learn, and what values it may take.

Options and inputs in a script set facts; grading reads only facts; storage and
reports rely on these names. A fact not yet learned is *unknown* — it is simply
absent from the facts mapping, which is different from ``False``.

A script may declare more facts of its own (``facts:`` section); the built-in ones
below cannot be redefined.

**Carried facts** (BRIEF v2): a later call on the same lead starts knowing what earlier
calls learned. A fact *carries* unless it describes the call itself rather than the
prospect (:attr:`FactSpec.carries` false): who answered this call (``reached``,
``via_receptionist``) and what this call did (``address`` read back for a mailing,
``booked_on_call``, ``refers_friends``) — carried, those would make every later call
look reached, mailed, booked or referred again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from callscript.core.numerals import NUMERAL_CHARS, NumeralError, parse_int

FactValue = bool | int | str

BOOL, INT, ENUM, TEXT = "bool", "int", "enum", "text"
FACT_TYPES = (BOOL, INT, ENUM, TEXT)


class FactValueError(ValueError):
    """A value a fact cannot take; the message is written for the agent/supervisor."""


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    type: str
    label: str
    values: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    value_labels: dict[str, str] = field(default_factory=dict)
    carries: bool = True
    """A later call on the lead starts knowing this fact (see the module docstring)."""

    def check(self, value: Any) -> FactValue:
        """Return ``value`` if this fact may take it, else raise :class:`FactValueError`."""
        if self.type == BOOL:
            if isinstance(value, bool):
                return value
            raise FactValueError(f"fact '{self.name}' is true or false, not {value!r}")
        if self.type == INT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise FactValueError(f"fact '{self.name}' is a whole number, not {value!r}")
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise FactValueError(f"fact '{self.name}' must be between {self.min} and {self.max}, not {value}")
            return value
        if self.type == ENUM:
            if isinstance(value, str) and value in self.values:
                return value
            allowed = ", ".join(self.values)
            raise FactValueError(f"fact '{self.name}' takes one of {allowed}; not {value!r}{_bool_hint(value)}")
        if isinstance(value, str):
            return value
        raise FactValueError(f"fact '{self.name}' is text, not {value!r}{_bool_hint(value)}")

    def parse_text(self, text: str) -> FactValue:
        """Parse what an agent typed (or a CLI/JSON string) into a value of this fact."""
        raw = text.strip()
        if self.type == INT:
            try:
                number = typed_int(raw)
            except NumeralError:
                raise FactValueError(f"请输入整数 {self.range_hint()}".strip()) from None
            if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
                raise FactValueError(f"超出范围: {self.range_hint()}")
            return number
        if self.type == BOOL:
            lowered = raw.lower()
            if lowered in ("true", "yes", "y", "1", "是", "有"):
                return True
            if lowered in ("false", "no", "n", "0", "否", "没有", "无"):
                return False
            raise FactValueError("请输入 是/否 (yes/no)")
        if self.type == ENUM:
            if raw in self.values:
                return raw
            raise FactValueError(f"可选值: {', '.join(self.values)}")
        if not raw:
            raise FactValueError("不能为空")
        return raw

    def range_hint(self) -> str:
        if self.type == INT and self.min is not None and self.max is not None:
            return f"{self.min}–{self.max}"
        return ""

    def display(self, value: FactValue) -> str:
        """How a value is shown to a person (Chinese labels for enum values)."""
        if isinstance(value, bool):
            return "是" if value else "否"
        if self.type == ENUM:
            return self.value_labels.get(str(value), str(value))
        return str(value)


MAX_UNIT = 3
"""A counting word after a number (星, 星级, 个, 次, 人) is at most this many letters."""


def typed_int(text: str) -> int:
    """A whole number as an agent types it: ``4``, ``４``, ``四``, ``4星``, ``四星级``, ``3 次``.

    The number may be written in digits or Chinese numerals (:mod:`callscript.core.numerals`)
    and be followed by a counting word of up to three letters that are not numerals
    (``4星`` is 4; ``四十`` is forty, not 4 and a unit). Raises
    :class:`~callscript.core.numerals.NumeralError` otherwise.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    end = len(value)
    while end and value[end - 1].isalpha() and not value[end - 1].isdigit() and value[end - 1] not in NUMERAL_CHARS:
        end -= 1
    if 0 < len(value) - end <= MAX_UNIT and value[:end].strip():  # a unit alone (星) is no number
        return parse_int(value[:end])
    return parse_int(value)


def _enum(name: str, label: str, **values: str) -> FactSpec:
    return FactSpec(name, ENUM, label, tuple(values), value_labels=dict(values))


BUILTIN_FACTS: dict[str, FactSpec] = {
    spec.name: spec
    for spec in (
        FactSpec("reached", BOOL, "联系人接听", carries=False),
        FactSpec("via_receptionist", BOOL, "经前台转接", carries=False),
        _enum("travel", "出差频率", often="经常出差", rarely="一年一两次", never="几乎不出差"),
        FactSpec("hosts_clients", BOOL, "接待客户订房订票"),
        _enum("leisure_travel", "外出旅游", often="经常旅游", sometimes="偶尔旅游", never="不旅游"),
        FactSpec("books_self", BOOL, "自己预订酒店机票"),
        _enum(
            "booking_method",
            "预订方式",
            other_center="其它订房中心",
            agreement="协议酒店/办事处",
            on_arrival="到当地再找",
            ad_hoc="没有固定方式",
            member="已是会员",
        ),
        FactSpec("other_center_name", TEXT, "常用订房中心"),
        FactSpec("other_center_member", BOOL, "其它订房中心会员"),
        _enum("needs", "需求", both="酒店和机票", hotel_only="只订酒店", flight_only="只订机票", none="都不需要"),
        FactSpec("hotel_star", INT, "酒店星级", min=1, max=5),
        FactSpec("price_range", TEXT, "价位/费用标准"),
        _enum("expense", "差旅费", reimbursed="报销", self_paid="自费"),
        _enum("accepts", "是否接受", yes="愿意接受", reluctant="勉强接受", later="寄过来再说", no="不要"),
        FactSpec("is_member", BOOL, "已是会员"),
        FactSpec("refers_friends", BOOL, "乐意推荐", carries=False),
        FactSpec("booked_on_call", BOOL, "当场预订", carries=False),
        FactSpec("address", TEXT, "寄送地址", carries=False),
    )
}


def _bool_hint(value: Any) -> str:
    # A YAML facts file with `accepts: yes` unquoted: YAML 1.1 reads it as true.
    return (
        " (YAML reads unquoted yes/no/on/off as true/false; put the value in quotes)" if isinstance(value, bool) else ""
    )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (the file is empty)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"the value {value!r}"


def check_facts(facts: dict[str, Any], catalogue: dict[str, FactSpec]) -> dict[str, FactValue]:
    """Validate a whole facts object (e.g. from ``grade --facts``). ``None`` means unknown."""
    if not isinstance(facts, dict):
        raise FactValueError(
            f'facts must be a mapping of fact name to value, such as {{"travel": "often", "hotel_star": 3}}; found {_kind(facts)}'
        )
    clean: dict[str, FactValue] = {}
    for name, value in facts.items():
        spec = catalogue.get(name)
        if spec is None:
            raise FactValueError(f"unknown fact '{name}' (known: {', '.join(catalogue)})")
        if value is None:
            continue
        clean[name] = spec.check(value)
    return clean
