"""The board as text: one set of cells for the app's screen and ``callscript floor``, and its JSON.

Both views draw the same strings (:func:`board_rows`), so the terminal view and the app's screen
say the same thing. Cells are plain text measured in terminal cells by whoever lays them out
(the app's table, rich's table), so Chinese names and labels keep the columns aligned. Two
layouts: :data:`WIDE` (120 columns: every figure, the 7-day average apart, the last outcome)
and :data:`NARROW` (80 columns: the average beside today's rate, no last outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from callscript.core.outcomes import OUTCOME_LABELS, Outcome
from callscript.core.presence import PAUSE_LABELS, STATE_LABELS, AgentState
from callscript.floor.alerts import Alert
from callscript.floor.board import AgentLine, Board

SPARKS = "▁▂▃▄▅▆▇█"
FIRST_HOUR = 8
"""The spark line starts at 08:00 (or the first hour with a call, if earlier)."""

STATE_STYLES: dict[AgentState, str] = {
    AgentState.IN_CALL: "bold green",
    AgentState.WRAP_UP: "cyan",
    AgentState.PAUSED: "yellow",
    AgentState.LOCKED: "magenta",
    AgentState.READY: "",
    AgentState.OFFLINE: "dim",
}
ALERT_STYLE = "bold red"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    label: str
    min_width: int
    share: int = 0


WIDE: tuple[ColumnSpec, ...] = (
    ColumnSpec("坐席", 6),
    ColumnSpec("状态", 9),
    ColumnSpec("时长", 5),
    ColumnSpec("节点 / 客户", 12, share=3),
    ColumnSpec("拨打", 4),
    ColumnSpec("有效", 4),
    ColumnSpec("寄卡", 4),
    ColumnSpec("好", 3),
    ColumnSpec("寄卡率", 6),
    ColumnSpec("7日均", 6),
    ColumnSpec("最后结果", 12),
    ColumnSpec("每小时通话", 10, share=1),
)
NARROW: tuple[ColumnSpec, ...] = (
    ColumnSpec("坐席", 6),
    ColumnSpec("状态", 8),
    ColumnSpec("时长", 5),
    ColumnSpec("节点", 8, share=3),
    ColumnSpec("拨打", 4),
    ColumnSpec("有效", 4),
    ColumnSpec("寄卡", 4),
    ColumnSpec("好", 3),
    ColumnSpec("寄卡率", 8),
    ColumnSpec("每小时", 6, share=1),
)
WIDE_FROM = 110
"""Terminal columns from which the wide layout is used."""


def layout(width: int) -> tuple[ColumnSpec, ...]:
    return WIDE if width >= WIDE_FROM else NARROW


@dataclass(frozen=True, slots=True)
class Row:
    key: int
    """The agent id."""
    cells: tuple[str, ...]
    style: str
    """For the first two cells (name and state): the state's colour, red when there is an alert."""


def clock_span(seconds: float | None) -> str:
    """``03:12`` below an hour, ``1:05:00`` above; ``—`` when there is nothing to time."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def rate(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def spark(hours: dict[int, int] | Any, until: int, *, last: int | None = None) -> str:
    """Calls per hour as bars from 08:00 (or the first hour with calls) to hour ``until``;
    ``last``: only that many hours, the latest."""
    if not hours and until < FIRST_HOUR:
        return ""
    first = min([FIRST_HOUR, *hours])
    span = list(range(first, until + 1))
    if last is not None:
        span = span[-last:]
    peak = max(hours.values(), default=0)
    out = []
    for hour in span:
        n = hours.get(hour, 0)
        out.append(" " if n == 0 or peak == 0 else SPARKS[min(len(SPARKS) - 1, (n * len(SPARKS) - 1) // peak)])
    return "".join(out)


def state_text(line: AgentLine) -> str:
    label = STATE_LABELS[line.state]
    if line.state is AgentState.PAUSED and line.reason is not None:
        label += "·" + PAUSE_LABELS[line.reason]
    if line.windows > 1:
        label += f"×{line.windows}"
    return label


def duration_text(line: AgentLine, now: datetime) -> str:
    """On a call: how long the call has run; 离线: since when (a time of day); else time in the state."""
    if line.state is AgentState.OFFLINE:
        return f"{line.since:%H:%M}" if line.since is not None and line.since.date() == now.date() else "—"
    if line.call_seconds(now) is not None and line.state is not AgentState.WRAP_UP:
        return clock_span(line.call_seconds(now))
    return clock_span(None if line.since is None else (now - line.since).total_seconds())


def node_text(line: AgentLine, board: Board) -> str:
    if line.state is AgentState.OFFLINE:
        return ""
    if line.state is AgentState.PAUSED and line.reason is not None:
        return f"最长 {board.settings.pause_minutes(line.reason)} 分钟"
    if line.state is AgentState.WRAP_UP:
        return "整理 · " + (line.company or "")
    if line.call_id is not None:
        return line.node_title or line.node or ""
    return ""


def outcome_text(line: AgentLine, now: datetime) -> str:
    if line.last_outcome is None:
        return ""
    try:
        label = OUTCOME_LABELS[Outcome(line.last_outcome)]
    except ValueError:
        label = line.last_outcome
    label = label.split(",")[0]
    at = line.last_outcome_at
    if at is None:
        return label
    return f"{label} {at:%H:%M}" if at.date() == now.date() else f"{label} {at:%m-%d}"


def mail_rate_text(line: AgentLine, *, with_average: bool) -> str:
    today = line.today.mail_rate
    average = line.average.mail_rate
    if today is None:
        return "—" if not with_average or average is None else f"— /{rate(average)}"
    text = rate(today)
    if average is not None:
        arrow = "↑" if today > average else "↓" if today < average else "="
        text += arrow + (rate(average) if with_average else "")
    return text


def board_rows(board: Board, columns: tuple[ColumnSpec, ...]) -> list[Row]:
    """Every agent's line as cells for ``columns`` (:data:`WIDE` or :data:`NARROW`)."""
    now = board.at
    wide = columns is WIDE
    rows = []
    for line in board.agents:
        t = line.today
        cells = [
            line.name,
            state_text(line),
            duration_text(line, now),
            node_text(line, board),
            str(t.leads) if t.leads else "",
            str(t.effective) if t.leads else "",
            str(t.mailed) if t.leads else "",
            str(t.good) if t.leads else "",
            mail_rate_text(line, with_average=not wide),
        ]
        if wide:
            cells += [rate(line.average.mail_rate), outcome_text(line, now), spark(line.hours, now.hour)]
        else:
            cells.append(spark(line.hours, now.hour, last=6))
        style = ALERT_STYLE if line.alerts else STATE_STYLES[line.state]
        rows.append(Row(line.agent_id, tuple(cells), style))
    return rows


def _change(now_count: int, before: int) -> str:
    if before <= 0:
        return ""
    delta = (now_count - before) / before
    return f" {delta:+.0%}"


def totals_text(board: Board) -> str:
    """The line above the table: who is doing what, and today's calls against the previous working day's."""
    t = board.totals
    live = sum(n for state, n in t.by_state.items() if state is not AgentState.OFFLINE)
    states = " · ".join(
        f"{STATE_LABELS[s]} {t.by_state[s]}" for s in AgentState if s is not AgentState.OFFLINE and t.by_state.get(s)
    )
    head = f"{board.at:%m-%d %H:%M:%S}  在线 {live}" + (f" ({states})" if states else "")
    head += f"  离线 {t.by_state.get(AgentState.OFFLINE, 0)}"
    calls = f"通话 {t.today.calls:,} · 有效 {t.today.effective:,} · 寄资料 {t.today.mailed:,} · 好 {t.today.good:,}"
    if t.previous is not None and t.previous_day is not None:
        p = t.previous
        calls += (
            f"  │ {t.previous_day:%m-%d} 同一时间: {p.calls:,}{_change(t.today.calls, p.calls)}"
            f" · {p.effective:,} · {p.mailed:,} · {p.good:,}"
        )
    return head + "\n" + calls


def alert_line(alert: Alert) -> str:
    return f"⚠ {alert.since:%H:%M} {alert.agent} {alert.label}: {alert.text}"


# --------------------------------------------------------------------------- JSON


def _counts(c: Any) -> dict[str, Any]:
    return {
        "leads": c.leads,
        "effective": c.effective,
        "mailed": c.mailed,
        "good": c.good,
        "mail_rate": None if c.mail_rate is None else round(float(c.mail_rate), 4),
        "effective_rate": None if c.effective_rate is None else round(float(c.effective_rate), 4),
    }


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def _alert(alert: Alert) -> dict[str, Any]:
    return {
        "kind": alert.kind.value,
        "label": alert.label,
        "agent": alert.agent,
        "text": alert.text,
        "since": _when(alert.since),
    }


def board_json(board: Board) -> dict[str, Any]:
    """``callscript floor --json``: the board as plain values (field names in docs/floor.md)."""
    now = board.at
    agents = []
    for line in board.agents:
        average = line.average
        agents.append(
            {
                "agent": line.name,
                "state": line.state.value,
                "state_label": STATE_LABELS[line.state],
                "pause_reason": None if line.reason is None else line.reason.value,
                "since": _when(line.since),
                "windows": line.windows,
                "call_id": line.call_id,
                "node": line.node,
                "node_title": line.node_title,
                "company": line.company,
                "call_seconds": None if line.call_seconds(now) is None else round(line.call_seconds(now) or 0),
                "today": _counts(line.today),
                "average": {
                    "working_days": average.days,
                    **{
                        f"{k}_per_day": None if average.per_day(k) is None else round(average.per_day(k) or 0, 2)
                        for k in ("leads", "effective", "mailed", "good")
                    },
                    "mail_rate": None if average.mail_rate is None else round(float(average.mail_rate), 4),
                    "effective_rate": None
                    if average.effective_rate is None
                    else round(float(average.effective_rate), 4),
                },
                "last_outcome": line.last_outcome,
                "last_outcome_at": _when(line.last_outcome_at),
                "calls_per_hour": {f"{h:02d}": n for h, n in line.hours.items()},
                "alerts": [_alert(a) for a in line.alerts],
            }
        )
    t = board.totals
    previous = None
    if t.previous is not None and t.previous_day is not None:
        previous = {
            "day": t.previous_day.isoformat(),
            "until": f"{now:%H:%M:%S}",
            "calls": t.previous.calls,
            "effective": t.previous.effective,
            "mailed": t.previous.mailed,
            "good": t.previous.good,
        }
    return {
        "at": _when(now),
        "day": board.day.isoformat(),
        "average_days": [d.isoformat() for d in board.average_days],
        "totals": {
            "calls": t.today.calls,
            "effective": t.today.effective,
            "mailed": t.today.mailed,
            "good": t.today.good,
            "leads": _counts(t.counts),
            "previous": previous,
            "by_state": {s.value: n for s, n in t.by_state.items()},
        },
        "agents": agents,
        "alerts": [_alert(a) for a in board.alerts],
        "settings": dict(board.settings.values),
    }
