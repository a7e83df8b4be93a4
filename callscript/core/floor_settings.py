"""The floor board's thresholds and the pauses' maximum lengths: what the supervisor sets.

One home for their names, defaults, bounds and Chinese labels. They are kept in the
database (``floor_settings``, one row per setting changed from its default; written by
``callscript floor settings KEY VALUE`` and audited), so every app on the floor and every board reads the
same values; this module says what a value may be. Pure: no database.

The alerts they drive are :mod:`callscript.floor.alerts`; docs/floor.md lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from callscript.core.presence import PAUSE_LABELS, PauseReason


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    label: str
    default: int
    low: int
    high: int
    unit: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("long_call_minutes", "通话过长", 15, 1, 240, "分钟", "一通电话进行了这么久就提醒 (到点即提醒)"),
    Setting("idle_minutes", "空闲过久", 10, 1, 480, "分钟", "登录后就绪 (不在通话、整理或暂停中) 这么久就提醒"),
    Setting("callback_overdue_minutes", "回电逾期", 10, 1, 240, "分钟", "今天约好的回电过了时间这么久还没打就提醒"),
    Setting(
        "effective_min_leads",
        "有效率样本",
        30,
        30,
        10000,
        "个客户",
        "坐席今天打过至少这么多客户才比较有效率 (双比例检验需要至少30个)",
    ),
    Setting(
        "effective_gap_points",
        "有效率差距",
        10,
        1,
        100,
        "个百分点",
        "坐席的有效率比其他人低这么多个百分点, 且双比例检验 p<0.05, 才算明显偏低",
    ),
    *(
        Setting(
            f"pause_max_{reason.value}", f"{label}最长", minutes, 1, 480, "分钟", f"暂停「{label}」超过这么久就提醒"
        )
        for reason, label, minutes in (
            (PauseReason.REST, PAUSE_LABELS[PauseReason.REST], 15),
            (PauseReason.LUNCH, PAUSE_LABELS[PauseReason.LUNCH], 60),
            (PauseReason.TRAINING, PAUSE_LABELS[PauseReason.TRAINING], 120),
            (PauseReason.MEETING, PAUSE_LABELS[PauseReason.MEETING], 60),
            (PauseReason.OTHER, PAUSE_LABELS[PauseReason.OTHER], 15),
        )
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def pause_key(reason: PauseReason) -> str:
    return f"pause_max_{reason.value}"


def parse_setting(key: str, value: str | int) -> int:
    """The value ``key`` may take, from what was typed; ``ValueError`` (for people) otherwise."""
    setting = BY_KEY.get(key)
    if setting is None:
        raise ValueError(f"no floor setting {key!r}; one of: {', '.join(BY_KEY)}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not a whole number") from None
    if not setting.low <= number <= setting.high:
        raise ValueError(f"{key}: {number} is outside {setting.low}–{setting.high} {setting.unit}")
    return number


@dataclass(frozen=True, slots=True)
class FloorSettings:
    """Every setting's value (the defaults, overridden by what is stored)."""

    values: Mapping[str, int]

    @classmethod
    def defaults(cls) -> FloorSettings:
        return cls({s.key: s.default for s in SETTINGS})

    @classmethod
    def from_stored(cls, stored: Mapping[str, str]) -> FloorSettings:
        """From the stored rows; a row that does not parse (written by hand) keeps the default."""
        values = {s.key: s.default for s in SETTINGS}
        for key, text in stored.items():
            try:
                values[key] = parse_setting(key, text)
            except ValueError:
                continue
        return cls(values)

    def __getitem__(self, key: str) -> int:
        return self.values[key]

    def pause_minutes(self, reason: PauseReason) -> int:
        """The longest a pause for ``reason`` may last before the board says so."""
        return self.values[pause_key(reason)]

    def changed(self) -> dict[str, int]:
        """The settings that differ from their defaults."""
        return {s.key: self.values[s.key] for s in SETTINGS if self.values[s.key] != s.default}
