"""Bulk history: rows of calls that were not made through this store, written fast.

The demo generator (``callscript.reports.demo``) simulates weeks of a floor and
writes each simulated day with :meth:`HistoryMixin.add_history`: one transaction,
``executemany`` per table, rows with their ids given (so the generator can link
them without reading back). The rows must already be what ``finish_call`` would
have left — the generator asks the life cycle (:mod:`callscript.core.lifecycle`)
for every lead's state — because nothing here re-derives them. Time stamps are
text as storage writes them (:func:`callscript.storage.timefmt.iso`), days
``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from callscript.storage.base import StoreBase


class HistoryLead(NamedTuple):
    """A new lead (status ``new``; its state after the day's calls is a :class:`LeadState`)."""

    id: int
    company: str
    contact: str | None
    title: str | None
    phone: str
    phone_norm: str
    phone_kind: str | None
    industry: str | None
    source: str | None
    created_at: str


class HistoryCall(NamedTuple):
    """A finished call: outcome, facts and grade as ``finish_call`` stores them (JSON text)."""

    id: int
    lead_id: int
    agent_id: int
    script_id: int
    started_at: str
    ended_at: str
    outcome: str
    facts: str
    grade: str | None
    grade_rule: str | None
    grade_rule_index: int | None
    conditions: str
    qualified: int | None
    callback_due: str | None
    kind: str = "development"
    """``callscript.core.lifecycle.call_kind`` of the lead as it was when the call started."""
    follow_up_slot: int = 0
    """1 when the call started inside a follow-up slot (``callscript.core.followup.in_follow_up_window``)."""


class HistoryCallback(NamedTuple):
    id: int
    call_id: int
    lead_id: int
    agent_id: int
    due_at: str
    reason: str | None
    created_at: str
    done_at: str | None
    done_call_id: int | None


class HistoryMailing(NamedTuple):
    id: int
    call_id: int
    lead_id: int
    agent_id: int
    address: str
    mailed_on: str
    follow_up_from: str
    follow_up_by: str
    follow_up_done_at: str | None
    follow_up_call_id: int | None


class HistoryEvent(NamedTuple):
    """One answer of a history call's log (``call_events``), ``seq`` 1, 2, … per call."""

    call_id: int
    seq: int
    at: str
    kind: str
    node: str | None
    value: str | None


class HistoryReview(NamedTuple):
    """An agent's 优点/缺点/建议 for a day (replaces one already written)."""

    agent_id: int
    day: str
    strengths: str | None
    weaknesses: str | None
    suggestions: str | None
    updated_at: str


class LeadState(NamedTuple):
    """A lead as its last call left it (``callscript.core.lifecycle.after_call``)."""

    lead_id: int
    status: str
    next_call_at: str | None
    attempts: int
    last_called_at: str
    last_outcome: str
    assigned_agent_id: int | None


@dataclass(slots=True)
class HistoryBatch:
    """One transaction's worth of history (the demo writes one per simulated day)."""

    leads: list[HistoryLead] = field(default_factory=list)
    calls: list[HistoryCall] = field(default_factory=list)
    callbacks: list[HistoryCallback] = field(default_factory=list)
    mailings: list[HistoryMailing] = field(default_factory=list)
    reviews: list[HistoryReview] = field(default_factory=list)
    lead_states: list[LeadState] = field(default_factory=list)
    events: list[HistoryEvent] = field(default_factory=list)


class NextIds(NamedTuple):
    """The first free id of each table rows are given ids in."""

    lead: int
    call: int
    callback: int
    mailing: int


assert HistoryCall._fields[5:7] == ("ended_at", "outcome")


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_LEAD_SQL = (
    "INSERT INTO leads (id, company, contact, title, phone, phone_norm, phone_kind, industry, source,"
    " status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', 0, ?, ?)"
)
_REVIEW_SQL = """INSERT INTO agent_day_reviews (agent_id, day, strengths, weaknesses, suggestions, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (agent_id, day) DO UPDATE SET strengths = excluded.strengths,
                     weaknesses = excluded.weaknesses, suggestions = excluded.suggestions,
                     updated_at = excluded.updated_at"""
_STATE_SQL = """UPDATE leads SET status = ?, next_call_at = ?, attempts = ?, last_called_at = ?, last_outcome = ?,
                    assigned_agent_id = ?, updated_at = ? WHERE id = ?"""


class HistoryMixin(StoreBase):
    """``add_history``, and what a generator needs to add to a file that has data: ``next_ids``, ``phone_norms``."""

    def next_ids(self) -> NextIds:
        """The first id not yet used in leads, calls, callbacks and mailings."""
        return NextIds(
            *(
                int(self._value(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) + 1
                for table in ("leads", "calls", "callbacks", "mailings")
            )
        )

    def phone_norms(self) -> set[str]:
        """Every lead's normalised number (a generator must not reuse one)."""
        return set(self._column("SELECT phone_norm FROM leads"))

    def add_history(self, batch: HistoryBatch) -> None:
        """Write ``batch`` in one ``BEGIN IMMEDIATE`` transaction (leads, calls, their logs,
        callbacks, mailings, reviews, then the leads' states), or nothing.

        Calls with a log go in as the app writes them: started, then their answers, then
        finished — so a finished call's analytics row (storage/analytics_tables.py) is
        computed once, as it finishes, rather than once for every answer added after."""

        def work() -> None:
            self._executemany(_LEAD_SQL, [(*lead, lead.created_at) for lead in batch.leads])
            columns = set(self.backend.column_names("calls"))
            fields = [f for f in HistoryCall._fields if f in columns]  # a file older than the marks: the
            assert tuple(fields) == HistoryCall._fields[: len(fields)]  # migration that adds them marks them
            logged = {e.call_id for e in batch.events}
            # a call with a log is written started only, its events, then its end: the triggers
            # that keep the analytics tables read the log when the call ends
            rows = [(*c[:5], None, None, *c[7:]) if c.id in logged else c for c in batch.calls]
            self._executemany(_insert_sql("calls", fields), [row[: len(fields)] for row in rows])
            self._executemany(_insert_sql("call_events", HistoryEvent._fields), batch.events)
            self._executemany(
                "UPDATE calls SET ended_at = ?, outcome = ? WHERE id = ?",
                [(c.ended_at, c.outcome, c.id) for c in batch.calls if c.id in logged],
            )
            self._executemany(_insert_sql("callbacks", HistoryCallback._fields), batch.callbacks)
            self._executemany(_insert_sql("mailings", HistoryMailing._fields), batch.mailings)
            self._executemany(_REVIEW_SQL, batch.reviews)
            self._executemany(
                _STATE_SQL,
                [
                    (
                        s.status,
                        s.next_call_at,
                        s.attempts,
                        s.last_called_at,
                        s.last_outcome,
                        s.assigned_agent_id,
                        s.last_called_at,
                        s.lead_id,
                    )
                    for s in batch.lead_states
                ],
            )
            self.backend.after_ids_given()

        self._tx(work)
