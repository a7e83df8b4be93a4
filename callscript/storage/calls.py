"""Calls and their append-only event log: starting, recording every answer, finishing
with an outcome (the life cycle decides what that does to the lead), resuming after a
crash, closing what was left unfinished.

A call starts knowing what the lead's earlier calls learned (carried facts, BRIEF v2):
:meth:`CallsMixin.start_call` writes them on the call row as it inserts it, so a resumed
or rebuilt call starts from exactly the same facts (docs/storage.md, "Carried facts")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from callscript.core.cleantext import clean_line, clean_optional, clean_text
from callscript.core.followup import in_follow_up_window
from callscript.core.lifecycle import after_call, call_kind, check_outcome
from callscript.core.outcomes import Outcome
from callscript.script.carry import CarriedFact, carried_from_json
from callscript.script.grading import carries_grade, settle_facts
from callscript.script.problems import ScriptError
from callscript.storage.agents import AgentRef
from callscript.storage.base import to_json, to_text
from callscript.storage.claims import ClaimsMixin
from callscript.storage.errors import CallFinished, ErrorCode, NotFound, StorageError
from callscript.storage.records import CallRecord, EventRecord, UnfinishedCall
from callscript.storage.scripts import ScriptsMixin
from callscript.storage.timefmt import iso, iso_day, parse_iso

if TYPE_CHECKING:  # the engine is imported lazily: storage must not need it to open a file
    from callscript.script.model import Script
    from callscript.script.session import CallSession

SESSION_EVENT_KINDS = ("choose", "enter", "skip", "back", "end")
EVENT_KINDS = (*SESSION_EVENT_KINDS, "note")

_CALL_SELECT = "SELECT c.*, a.name AS agent FROM calls c JOIN agents a ON a.id = c.agent_id"

_UNFINISHED_SELECT = """
    SELECT c.id AS call_id, c.agent_id, a.name AS agent, c.lead_id, l.company, c.started_at,
           (SELECT MAX(e.at) FROM call_events e WHERE e.call_id = c.id) AS last_event_at,
           (SELECT COUNT(*) FROM call_events e WHERE e.call_id = c.id) AS events
    FROM calls c JOIN agents a ON a.id = c.agent_id JOIN leads l ON l.id = c.lead_id
    WHERE c.ended_at IS NULL"""


class CallsMixin(ClaimsMixin, ScriptsMixin):
    """The life of a call: ``start_call`` → ``record_event``/``add_note`` → ``finish_call``."""

    # ------------------------------------------------------------------ starting and recording

    def start_call(
        self,
        lead_id: int,
        agent: AgentRef,
        script_version_id: int,
        variables: Mapping[str, str] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Open a call on a lead (the row exists from here on; the lead is locked to it).

        The row records what the lead's earlier calls had learned (:meth:`carried_facts`,
        read in the same transaction): the facts this call starts knowing, given again
        to the session whenever the call is resumed (:meth:`resume_call`).

        The call is marked once, here, as the life cycle says: development or maintenance
        (:func:`~callscript.core.lifecycle.call_kind`: had the lead been mailed before?) and
        whether it starts inside a follow-up slot
        (:func:`~callscript.core.followup.in_follow_up_window`). The reports count by these marks.
        """
        moment = self._now(now)
        stamp = iso(moment)
        in_slot = int(in_follow_up_window(moment))

        def work() -> int:
            agent_id = self._agent_id(agent)
            self._lock_lead(lead_id)
            self._check_available(self.get_lead(lead_id), agent_id, moment)
            carried = {name: fact.to_json() for name, fact in self.carried_facts(lead_id).items()}
            kind = call_kind(mailed_before=self.has_mailing(lead_id))
            call_id = self._insert(
                """INSERT INTO calls (lead_id, agent_id, script_id, variables, started_at, carried, kind,
                                      follow_up_slot)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    lead_id,
                    agent_id,
                    script_version_id,
                    to_json(variables),
                    stamp,
                    to_json(carried) if carried else None,
                    kind.value,
                    in_slot,
                ),
            )
            self._lock_to_call(lead_id, call_id, agent_id, stamp)
            return call_id

        return self._tx(work)

    def record_event(self, call_id: int, event: Any, *, now: datetime | None = None) -> EventRecord:
        """Append one session event (choose/enter/skip/back/end) to the call's log.

        ``event`` is a ``session.Event``, or anything with ``to_dict()``, or a mapping
        with ``kind``, ``node``, ``value``. Committed (and with the default
        ``synchronous=FULL``, on disk) when this returns. Raises :class:`CallFinished`
        once the call has its outcome.
        """
        if isinstance(event, Mapping):
            data = dict(event)
        elif hasattr(event, "to_dict"):
            data = dict(event.to_dict())
        else:
            data = {"kind": event.kind, "node": event.node, "value": event.value}
        kind = to_text(data.pop("kind", None))
        if kind not in SESSION_EVENT_KINDS:
            raise ValueError(f"event kind is one of {', '.join(SESSION_EVENT_KINDS)}, not {kind!r} (notes: add_note)")
        node = to_text(data.pop("node", None))
        value = to_text(data.pop("value", None))
        if value is not None:  # a typed answer: one line, no control characters, at most 500 characters
            value = clean_line(value, "fact_text")
        return self._append(call_id, kind, node, value, False, data or None, now, open_only=True)

    def add_note(
        self, call_id: int, text: str, important: bool = False, *, node: str | None = None, now: datetime | None = None
    ) -> EventRecord:
        """A free-text note in the call's log (allowed after the outcome too: notes written on hang-up).

        Several lines are kept; control characters are not; at most 2,000 characters."""
        cleaned = clean_text(text or "", "note")
        if not cleaned:
            raise ValueError("a note needs text")
        return self._append(call_id, "note", node, cleaned, important, None, now, open_only=False)

    def _append(
        self,
        call_id: int,
        kind: str,
        node: str | None,
        value: str | None,
        important: bool,
        extra: dict[str, Any] | None,
        now: datetime | None,
        *,
        open_only: bool,
    ) -> EventRecord:
        """One event row in ONE autocommit statement: the hot path (every answer).

        A single write statement takes the write lock before it reads (SQLite opens
        its write transaction at the statement's start, retrying with a fresh
        snapshot while busy), so computing ``seq`` as MAX+1 cannot race another
        writer, and the row is committed — fsynced at ``synchronous=FULL`` — when the
        statement has run to its end. No BEGIN/COMMIT round trips: this is what keeps
        an answer close to a raw INSERT.
        """
        moment = self._now(now)
        stamp = iso(moment)
        condition = "AND c.ended_at IS NULL" if open_only else ""
        sql = f"""INSERT INTO call_events (call_id, seq, at, kind, node, value, important, extra)
                  SELECT c.id, COALESCE((SELECT MAX(seq) FROM call_events WHERE call_id = c.id), 0) + 1,
                         ?, ?, ?, ?, ?, ?
                  FROM calls c WHERE c.id = ? {condition}
                  RETURNING id, seq"""
        params = (stamp, kind, node, value, int(important), to_json(extra) if extra else None, call_id)
        rows = self._append_once(sql, params)
        if not rows:
            if self._value("SELECT 1 FROM calls WHERE id = ?", (call_id,)) is None:
                raise NotFound(f"no call {call_id}")
            raise CallFinished(f"call {call_id} is finished; its log is closed")
        event_id, seq = rows[0]
        return EventRecord(event_id, call_id, seq, moment, kind, node, value, important, extra or {})

    # ------------------------------------------------------------------ finishing

    def finish_call(
        self,
        call_id: int,
        outcome: Outcome | str,
        facts: Mapping[str, Any] | None = None,
        grade_result: Any = None,
        *,
        callback_due: datetime | None = None,
        callback_reason: str | None = None,
        address: str | None = None,
        recovered: bool = False,
        now: datetime | None = None,
    ) -> CallRecord:
        """Close a call with its outcome, final facts and grade — one ``BEGIN IMMEDIATE``
        transaction committed with ``synchronous=FULL``.

        What that does to the lead is :func:`callscript.core.lifecycle.after_call`,
        written as it says: the lead's status and next call time, its claim released;
        an effective outcome completes its open callbacks and mail follow-ups;
        ``callback`` (needs ``callback_due``) adds a callback; ``mailed`` (needs
        ``address`` or the ``address`` fact) adds a mailing whose follow-up is due 7–10
        days later, and so does ``member_care`` when it took an address.
        ``grade_result`` is ``session.grade()`` (``.grade``, ``.rule_label``,
        ``.rule_index``, ``.conditions``, ``.qualified``) or None. Only a final grade
        is kept (:func:`callscript.script.grading.carries_grade`: ``mailed``,
        ``not_qualified``, ``member_care`` with the contact reached); ``refused`` settles
        ``accepts = no`` (:func:`~callscript.script.grading.settle_facts`), whoever ends it.
        """
        moment = self._now(now)
        stamp = iso(moment)
        facts = {k: _clean_fact(k, v) for k, v in dict(facts or {}).items() if v is not None}
        mail_to = clean_line(address or to_text(facts.get("address")) or "", "address")
        callback_reason = clean_optional(callback_reason, "reason")
        outcome = check_outcome(outcome, callback_due=callback_due, address=mail_to)
        facts = settle_facts(facts, outcome.value)  # refused, from any path: accepts = no
        grade = _grade_fields(grade_result)
        if not carries_grade(outcome.value, facts):  # grading v2: only a final grade is kept
            grade.update(grade=None, rule=None, rule_index=None)

        def work() -> None:
            call = self._row("SELECT * FROM calls WHERE id = ?", (call_id,))
            if call is None:
                raise NotFound(f"no call {call_id}")
            if call["ended_at"] is not None:
                raise CallFinished(f"call {call_id} already ended with {call['outcome']}")
            lead_id, agent_id = call["lead_id"], call["agent_id"]
            lead = self._row("SELECT status, assigned_agent_id FROM leads WHERE id = ?", (lead_id,))
            if lead is None:  # pragma: no cover - a foreign key keeps the lead
                raise NotFound(f"no lead {lead_id}")
            pending = [
                (row["id"], date.fromisoformat(row["follow_up_from"]))
                for row in self._rows(
                    "SELECT id, follow_up_from FROM mailings WHERE lead_id = ? AND follow_up_done_at IS NULL",
                    (lead_id,),
                )
            ]
            after = after_call(
                lead["status"],
                outcome,
                moment,
                callback_due=callback_due,
                address=mail_to,
                no_answers_before=self.no_answer_streaks([lead_id])[lead_id],
                retry_after=self.retry_after,
                pending_follow_up_from=min((first for _, first in pending), default=None),
            )
            self._execute(
                """UPDATE calls SET ended_at = ?, outcome = ?, facts = ?, grade = ?, grade_rule = ?,
                       grade_rule_index = ?, conditions = ?, qualified = ?, callback_due = ?, recovered = ?
                   WHERE id = ?""",
                (
                    stamp,
                    outcome.value,
                    to_json(facts),
                    grade["grade"],
                    grade["rule"],
                    grade["rule_index"],
                    to_json(grade["conditions"]),
                    grade["qualified"],
                    iso(callback_due),
                    int(recovered),
                    call_id,
                ),
            )
            self._set_after_call(lead_id, after, outcome.value, agent_id, lead["assigned_agent_id"], stamp)
            if after.completes_callbacks:
                self._complete_open_work(lead_id, stamp, call_id, follow_ups=False)
            closed = [mailing_id for mailing_id, first in pending if after.closes_follow_up(first)]
            if closed:
                self._complete_follow_ups(closed, stamp, call_id)
            if after.callback_due is not None:
                self._add_callback(call_id, lead_id, agent_id, after.callback_due, callback_reason, stamp)
            if after.mailing is not None:
                self._add_mailing(call_id, lead_id, agent_id, after.mailing)

        with self._durable():
            self._tx(work)
        return self.get_call(call_id)

    def finish_session(self, call_id: int, session: CallSession, **options: Any) -> CallRecord:
        """:meth:`finish_call` with the outcome, facts and grade taken from a finished session."""
        if session.outcome is None:
            raise ValueError("the session has no outcome yet")
        return self.finish_call(call_id, session.outcome, session.facts, session.grade(), **options)

    def discard_call(self, call_id: int) -> None:
        """Delete a call in which nothing was answered yet (dialled by mistake). Refuses otherwise."""

        def work() -> None:
            call = self._row("SELECT * FROM calls WHERE id = ?", (call_id,))
            if call is None:
                raise NotFound(f"no call {call_id}")
            if call["ended_at"] is not None:
                raise CallFinished(f"call {call_id} is finished")
            if self._value("SELECT COUNT(*) FROM call_events WHERE call_id = ?", (call_id,)):
                raise StorageError(
                    f"call {call_id} has answers recorded; close it with an outcome instead",
                    code=ErrorCode.CALL_HAS_ANSWERS,
                )
            self._unlock_from_call(call["lead_id"], call_id)
            self._execute("DELETE FROM calls WHERE id = ?", (call_id,))

        self._tx(work)

    # ------------------------------------------------------------------ reading

    def call_owner(self, call_id: int) -> int:
        """The id of the agent who made the call (:class:`NotFound` if there is no such call)."""
        agent_id = self._value("SELECT agent_id FROM calls WHERE id = ?", (call_id,))
        if agent_id is None:
            raise NotFound(f"no call {call_id}")
        return int(agent_id)

    def get_call(self, call_id: int) -> CallRecord:
        row = self._row(f"{_CALL_SELECT} WHERE c.id = ?", (call_id,))
        if row is None:
            raise NotFound(f"no call {call_id}")
        return CallRecord.from_row(row)

    def list_calls(
        self,
        *,
        agent: AgentRef | None = None,
        lead_id: int | None = None,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        finished: bool | None = None,
        limit: int | None = None,
    ) -> list[CallRecord]:
        """Calls in start order; ``since``/``until`` are local days, inclusive."""
        where: list[str] = []
        params: list[Any] = []
        if agent is not None:
            where.append("c.agent_id = ?")
            params.append(self._agent_id(agent, create=False))
        if lead_id is not None:
            where.append("c.lead_id = ?")
            params.append(lead_id)
        if since is not None:
            where.append("c.started_at >= ?")
            params.append(iso_day(since))
        if until is not None:
            where.append("c.started_at < ?")
            params.append((date.fromisoformat(iso_day(until)) + timedelta(days=1)).isoformat())
        if finished is not None:
            where.append("c.ended_at IS NOT NULL" if finished else "c.ended_at IS NULL")
        sql = _CALL_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY c.started_at, c.id LIMIT ?"
        return [
            CallRecord.from_row(r)
            for r in self._rows(sql, [*params, self.backend.no_limit if limit is None else limit])
        ]

    def count_calls(self) -> int:
        """How many calls the file holds, finished or not."""
        return int(self._value("SELECT COUNT(*) FROM calls"))

    def carried_facts(self, lead_id: int) -> dict[str, CarriedFact]:
        """What the lead's finished calls learned: per fact, the value of the latest call
        that had it, with the call that learned it (its id and start). A value a call only
        carried on unchanged keeps the call it came from; one it changed is that call's.

        All facts, also those that do not carry (``reached``, ``address`` …): which of
        them a new call starts with is its script's business
        (:func:`callscript.script.carry.carry_over`).
        """
        offered: dict[str, CarriedFact] = {}
        rows = self._rows(
            """SELECT id, started_at, facts, carried FROM calls
               WHERE lead_id = ? AND ended_at IS NOT NULL ORDER BY started_at, id""",
            (lead_id,),
        )
        for row in rows:
            started_with = carried_from_json(json.loads(row["carried"]) if row["carried"] else None)
            for name, value in (json.loads(row["facts"]) if row["facts"] else {}).items():
                if value is None:
                    continue
                earlier = started_with.get(name)
                if earlier is not None and type(earlier.value) is type(value) and earlier.value == value:
                    offered[name] = earlier
                else:
                    offered[name] = CarriedFact(value, row["id"], parse_iso(row["started_at"]))
        return offered

    def call_events(self, call_id: int, *, notes: bool = True) -> list[EventRecord]:
        """The call's log in order (``notes=False``: only the session events, as replayed)."""
        sql = "SELECT * FROM call_events WHERE call_id = ?" + ("" if notes else " AND kind != 'note'")
        return [EventRecord.from_row(r) for r in self._rows(sql + " ORDER BY seq", (call_id,))]

    def calls_for_export(
        self, *, since: date | None = None, until: date | None = None, agent: str | None = None
    ) -> list[dict[str, Any]]:
        """What the supervisor's call sheet needs: every finished call started on days
        ``since``..``until`` (inclusive; None: no bound), of the agent named ``agent`` if
        given, in start order: ``call_id, day, started_at, ended_at, agent, company,
        contact, title, phone, phone_norm, phone_kind, industry, source, outcome, grade,
        grade_rule, qualified, conditions, facts`` (JSON text), ``script_id`` and
        ``notes`` (the call's notes joined with `` | ``)."""
        where = ["c.ended_at IS NOT NULL"]
        params: list[Any] = []
        if since is not None:
            where.append("substr(c.started_at, 1, 10) >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("substr(c.started_at, 1, 10) <= ?")
            params.append(until.isoformat())
        if agent:
            where.append("a.name = ?")
            params.append(agent)
        return self._rows(
            f"""SELECT c.id AS call_id, substr(c.started_at, 1, 10) AS day, c.started_at, c.ended_at,
                       a.name AS agent, l.company, l.contact, l.title, l.phone, l.phone_norm, l.phone_kind,
                       l.industry, l.source, c.outcome, c.grade, c.grade_rule, c.qualified, c.conditions, c.facts,
                       c.script_id,
                       (SELECT group_concat(e.value, ' | ') FROM
                            (SELECT value FROM call_events WHERE call_id = c.id AND kind = 'note' ORDER BY seq) e)
                           AS notes
                FROM calls c
                JOIN agents a ON a.id = c.agent_id
                JOIN leads l ON l.id = c.lead_id
                WHERE {" AND ".join(where)}
                ORDER BY c.started_at, c.id""",
            params,
        )

    # ------------------------------------------------------------------ recovery

    def unfinished_calls(self, agent: AgentRef | None = None) -> list[UnfinishedCall]:
        """Calls without an outcome (this agent's, or everyone's), most recent first."""
        if agent is None:
            rows = self._rows(_UNFINISHED_SELECT + " ORDER BY c.started_at DESC, c.id DESC")
        else:
            try:
                agent_id = self._agent_id(agent, create=False)
            except NotFound:
                return []
            rows = self._rows(
                _UNFINISHED_SELECT + " AND c.agent_id = ? ORDER BY c.started_at DESC, c.id DESC", (agent_id,)
            )
        return [UnfinishedCall.from_row(r) for r in rows]

    def stale_unfinished_calls(
        self, older_than: timedelta = timedelta(hours=2), *, now: datetime | None = None
    ) -> list[UnfinishedCall]:
        """Unfinished calls with no activity for ``older_than``: for the supervisor to resolve."""
        cutoff = self._now(now) - older_than
        return [c for c in self.unfinished_calls() if c.last_activity < cutoff]

    def resume_call(self, call_id: int, script: Script | None = None) -> CallSession:
        """Rebuild the call's session from its log, exactly where it stopped.

        Without ``script`` the version stored with the call is used (so a call
        started before the supervisor edited the YAML resumes on the old text). A
        ``script`` with a different sha256 is refused.
        """
        from callscript.script.session import CallSession, Event

        call = self.get_call(call_id)
        version = self.get_script_version(call.script_id)
        if script is None:
            script = self.load_script_version(call.script_id)
        elif script.sha256 != version.sha256:
            raise StorageError(
                f"call {call_id} was made with script version {version.sha256[:12]}, not {script.sha256[:12]}; "
                "resume it with the stored version (pass no script)",
                code=ErrorCode.SCRIPT_VERSION_MISMATCH,
            )
        events = [Event.from_dict(e.event_dict()) for e in self.call_events(call_id, notes=False)]
        return CallSession.rebuild(script, events, variables=call.variables or None, carried=call.carried)

    def close_call(
        self,
        call_id: int,
        outcome: Outcome | str,
        *,
        callback_due: datetime | None = None,
        address: str | None = None,
        note: str | None = None,
        now: datetime | None = None,
    ) -> CallRecord:
        """Close an unfinished call (crash recovery / supervisor) with an outcome.

        Facts and grade come from replaying its log on its stored script; if that
        cannot be done the call is closed with no facts. Marked ``recovered``.
        """
        facts: dict[str, Any] = {}
        grade = None
        try:
            session = self.resume_call(call_id)
            if not session.finished:  # in memory only: grade it as a call ending so is graded
                session.end(Outcome(outcome).value)
            facts, grade = dict(session.facts), session.grade()
        except (ImportError, StorageError, ValueError, KeyError, ScriptError) as exc:  # keep the record closable
            note = (note + "; " if note else "") + f"closed without replay: {exc}"
        if note:
            self.add_note(call_id, note, now=now)
        return self.finish_call(
            call_id, outcome, facts, grade, callback_due=callback_due, address=address, recovered=True, now=now
        )


def _clean_fact(name: str, value: Any) -> Any:
    """A fact as stored: text facts (an address, a competitor's name) are one clean line, bounded."""
    if isinstance(value, str):
        return clean_line(value, "address" if name == "address" else "fact_text")
    return value


def _grade_fields(result: Any) -> dict[str, Any]:
    """The calls columns for a grade: ``session.grade()``'s result, a mapping with the same names, or None."""
    if result is None:
        return {"grade": None, "rule": None, "rule_index": None, "conditions": {}, "qualified": None}
    if isinstance(result, Mapping):
        get = result.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(result, name, default)

    qualified = get("qualified", None)
    return {
        "grade": to_text(get("grade", None)),
        "rule": to_text(get("rule_label", None)),
        "rule_index": get("rule_index", None),
        "conditions": dict(get("conditions", None) or {}),
        "qualified": None if qualified is None else int(bool(qualified)),
    }
