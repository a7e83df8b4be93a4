"""The TUI's one door to storage: every database call goes through here, on one thread.

The Textual event loop never touches SQLite. :class:`Backend` owns a
:class:`~callscript.storage.Store` and a single worker thread (a one-thread
executor); screens ``await backend.run(fn, ...)`` for reads and whole actions,
and a :class:`CallRecorder` queues each answer of a call onto the same thread, so
writes are committed in the order the keys were pressed while the screen has
already moved on.

If storage grows a function the app needs, it is used from here only; nothing
else in ``callscript.tui`` imports ``callscript.storage``.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from callscript.core.outcomes import Outcome
from callscript.script.model import Script
from callscript.script.session import CallSession, Event
from callscript.tui.clock import Clock, system_clock

if TYPE_CHECKING:  # storage (and sqlite-utils) is imported on the database thread, off the start-up path
    from callscript.leads import LeadListRow, ListWatch, Look
    from callscript.storage import CallRecord, Lead, Store, UnfinishedCall
    from callscript.tui.text import TableRow

T = TypeVar("T")

__all__ = [
    "Backend",
    "CallInfo",
    "CallRecorder",
    "FinishInfo",
    "LeadListView",
    "LeadRejected",
    "LeadTaken",
    "NoteItem",
    "SaveStatus",
]


class LeadRejected(ValueError):
    """The add-lead form has a bad field; ``field`` names it, the message is for the agent."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class LeadTaken(Exception):
    """Another agent (or another call) has this lead; the message is for the agent."""


@dataclass(frozen=True, slots=True)
class NoteItem:
    at: datetime
    text: str
    important: bool


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the call screen needs besides the session."""

    call_id: int
    lead: Lead
    started_at: datetime
    agent_id: int
    notes: tuple[NoteItem, ...] = ()
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class FinishInfo:
    """The finished call as stored, for the summary card."""

    record: CallRecord
    lead: Lead
    follow_up_from: date | None = None
    follow_up_by: date | None = None


@dataclass(frozen=True, slots=True)
class LeadListView:
    """The lead list as read and laid out on the database thread: the event loop only hands
    ``table`` to the table widget."""

    rows: tuple[LeadListRow, ...]
    table: tuple[TableRow, ...]
    widest: tuple[int, ...]
    """The widest cell of each column, in terminal cells (a phone number is never cut)."""
    unfinished: int
    """This agent's calls without an outcome."""
    leads_in_database: int | None = None
    """Counted only when nothing is listed (an empty database: offer the sample leads)."""


@dataclass(frozen=True, slots=True)
class SaveStatus:
    """Where a call's log stands: everything saved, writing, or stuck on an error."""

    pending: int
    saved: int
    error: str | None = None


class Backend:
    """A Store plus the one thread that uses it."""

    def __init__(
        self, db_path: Path | None, *, clock: Clock = system_clock, store_options: dict[str, Any] | None = None
    ):
        self.db_path = db_path
        self.clock = clock
        self._store_options = store_options or {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callscript-db")
        self.store: Store | None = None
        self.script_ids: dict[str, int] = {}
        self._executor.submit(_import_storage)  # while Textual sets up the screen

    # -- threading ----------------------------------------------------------
    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        return self._executor.submit(fn, *args, **kwargs)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the database thread and wait for it without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def shutdown(self) -> None:
        """Finish every queued write, then close the database."""
        try:
            self._executor.submit(self._close).result(timeout=30)
        except Exception:
            pass
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    # -- everything below runs on the database thread --------------------------
    def open(self, script: Script | None = None) -> int | None:
        """Open (create, migrate) the database and register ``script``; returns its version id."""
        if self.store is None:
            from callscript.storage import Store

            self.store = Store.open(self.db_path, clock=self.clock, **self._store_options)
        return self.script_id(script) if script is not None else None

    def last_good_script(self, path: Path) -> Script | None:
        """The last good version of the script file at ``path`` stored in the database (the
        file is broken at start of shift), or None (``Store.last_good_script``)."""
        return self._s().last_good_script(path)

    def _s(self) -> Store:
        if self.store is None:
            from callscript.storage import ErrorCode, StorageError

            raise StorageError("the database is not open", code=ErrorCode.NOT_OPEN)
        return self.store

    def script_id(self, script: Script) -> int:
        known = self.script_ids.get(script.sha256)
        if known is None:
            known = self.script_ids[script.sha256] = self._s().store_script_version(script)
        return known

    def ensure_agent(self, name: str) -> int:
        return self._s().ensure_agent(name).id

    def industries(self) -> list[str]:
        return self._s().industries()

    def lead_rows(
        self, agent_id: int, *, industry: str | None = None, search: str | None = None, limit: int = 500
    ) -> list[LeadListRow]:
        """The lead list as ``callscript leads list --agent`` shows it (:func:`callscript.leads.lead_list`):
        due callbacks and follow-ups first, then new leads, retries, later work."""
        from callscript.leads import lead_list  # phonenumbers loads here, on the database thread

        return lead_list(self._s(), agent=agent_id, industry=industry or None, search=search or None, limit=limit)

    def lead_list_view(
        self,
        agent_id: int,
        *,
        industry: str | None = None,
        search: str | None = None,
        previous: LeadListView | None = None,
        limit: int = 500,
    ) -> LeadListView | None:
        """The lead list, laid out for the table; None when it is exactly ``previous`` (a
        refresh that found nothing to redraw costs the event loop nothing)."""
        from rich.cells import cell_len

        from callscript.tui.text import lead_table_row

        now = self.clock()
        rows = tuple(self.lead_rows(agent_id, industry=industry, search=search, limit=limit))
        table = tuple(lead_table_row(row, now) for row in rows)
        unfinished = len(self._s().unfinished_calls(agent_id))
        if previous is not None and (previous.rows, previous.table, previous.unfinished) == (rows, table, unfinished):
            return None
        columns = len(table[0].cells) if table else 0
        widest = tuple(max(cell_len(row.cells[i]) for row in table) for i in range(columns))
        count = None if rows or industry or search else self._s().count_leads()
        return LeadListView(rows, table, widest, unfinished, count)

    def new_watch(self, agent_id: int) -> ListWatch:
        """The agent's :class:`~callscript.leads.ListWatch` (made here: the leads package loads on this thread)."""
        from callscript.leads import ListWatch

        return ListWatch(agent_id)

    def look_for_changes(self, watch: ListWatch) -> Look:
        """One look of the agent's :class:`~callscript.leads.ListWatch` (cheap when nothing changed)."""
        return watch.look(self._s(), self.clock())

    def import_sample_leads(self, path: Path) -> int:
        """Load the sample lead list (first start on an empty database); returns how many came in."""
        from callscript.leads import import_leads

        return import_leads(self._s(), path, default_source="示例客户").imported

    def add_lead(self, company: str, phone: str, *, contact: str = "", title: str = "", industry: str = "") -> Lead:
        from callscript.storage import DuplicateLead

        company, phone = company.strip(), phone.strip()
        if not company:
            raise LeadRejected("公司名称不能为空", "company")
        if not phone:
            raise LeadRejected("电话不能为空", "phone")
        problem = phone_problem(phone)
        if problem:
            raise LeadRejected(f"号码无效: {problem}", "phone")
        try:
            return self._s().add_lead(
                company,
                phone,
                contact=contact.strip() or None,
                title=title.strip() or None,
                industry=industry.strip() or None,
                source="手动添加",
            )
        except DuplicateLead as exc:
            existing = self._s().get_lead(exc.existing_id) if exc.existing_id else None
            who = f" ({existing.company})" if existing else ""
            raise LeadRejected(f"这个号码已经在客户列表里了{who}", "phone") from None
        except ValueError as exc:
            raise LeadRejected(f"号码无效: {exc}", "phone") from None

    def unfinished_calls(self, agent_id: int) -> list[UnfinishedCall]:
        return self._s().unfinished_calls(agent_id)

    def start_call(
        self, lead_id: int | None, agent_id: int, script: Script, variables: dict[str, str]
    ) -> tuple[CallInfo, CallSession] | None:
        """Claim the lead (``None``: the next due one) and open a call on it; None if no lead is due."""
        from callscript.storage import LeadUnavailable

        store = self._s()
        try:
            if lead_id is None:
                lead = store.claim_next_lead(agent_id)
                if lead is None:
                    return None
            else:
                lead = store.claim_lead(lead_id, agent_id)
        except LeadUnavailable as exc:
            raise LeadTaken(_taken_message(exc)) from None
        values = {**variables, **lead_variables(lead)}
        now = self.clock()
        try:
            call_id = store.start_call(lead.id, agent_id, self.script_id(script), values, now=now)
        except LeadUnavailable as exc:
            raise LeadTaken(_taken_message(exc)) from None
        session = CallSession(script, values)
        return CallInfo(call_id, store.get_lead(lead.id), now, agent_id), session

    def resume_call(self, call_id: int) -> tuple[CallInfo, CallSession]:
        """The unfinished call rebuilt from its log, on the script version it was made with."""
        store = self._s()
        record = store.get_call(call_id)
        session = store.resume_call(call_id)
        notes = tuple(NoteItem(e.at, e.value or "", e.important) for e in store.call_events(call_id) if e.is_note)
        info = CallInfo(
            call_id, store.get_lead(record.lead_id), record.started_at, record.agent_id, notes, resumed=True
        )
        return info, session

    def discard_call(self, call_id: int, lead_id: int, agent_id: int) -> None:
        """A call opened by mistake (nothing answered yet): delete it and give the lead back."""
        store = self._s()
        store.discard_call(call_id)
        store.release_lead(lead_id, agent_id)

    def finish_call(
        self,
        call_id: int,
        session: CallSession,
        *,
        callback_due: datetime | None = None,
        address: str | None = None,
        now: datetime | None = None,
    ) -> FinishInfo:
        from callscript.core.followup import follow_up_dates
        from callscript.storage import CallFinished

        store = self._s()
        if session.outcome != Outcome.CALLBACK.value:
            callback_due = None
        try:
            record = store.finish_session(call_id, session, callback_due=callback_due, address=address, now=now)
        except CallFinished:
            record = store.get_call(call_id)  # finished already (a retry after a lost reply)
        lead = store.get_lead(record.lead_id)
        follow_from = follow_by = None
        if record.outcome == Outcome.MAILED.value and record.ended_at is not None:
            follow_from, follow_by = follow_up_dates(record.ended_at.date())
        return FinishInfo(record, lead, follow_from, follow_by)


def _import_storage() -> None:
    from callscript import storage  # noqa: F401


def lead_variables(lead: Lead) -> dict[str, str]:
    return {
        "lead_company": lead.company or "",
        "contact_name": lead.contact or "",
        "contact_title": lead.title or "",
        "phone": lead.phone or "",
    }


def phone_problem(phone: str) -> str | None:
    """Why ``phone`` is not a callable number (Chinese), or None."""
    from callscript.core.phones import PhoneError, parse_phone  # phonenumbers loads here, on the database thread

    try:
        parse_phone(phone)
    except PhoneError as exc:
        return str(exc)
    return None


_TAKEN_MESSAGES = {
    "lead_do_not_call": "这个客户标记为不要再打",
    "lead_in_call": "这个客户正在通话中",
    "lead_claimed_by_other": "这个客户已被其他坐席领取",
}
"""What the agent is told for each reason code of ``LeadUnavailable`` (``callscript.storage.ErrorCode``)."""


def _taken_message(exc: Exception) -> str:
    return _TAKEN_MESSAGES.get(str(getattr(exc, "code", "")), str(exc))


# --------------------------------------------------------------------------- recorder


@dataclass(slots=True)
class _Job:
    what: str  # "event" | "note"
    run: Callable[[Store], Any]
    label: str = ""


class CallRecorder:
    """One call's writes, in key order, on the database thread.

    ``record``/``note`` return at once. Jobs are kept in a queue that only the
    database thread touches; the first job that fails stops the queue (later
    answers wait behind it, so the log never has a hole) and is retried by
    :meth:`retry`. ``on_status`` is called *on the database thread* after every
    change; the call screen turns it into a message (thread-safe).
    """

    def __init__(self, backend: Backend, call_id: int, on_status: Callable[[SaveStatus], None]):
        self.backend = backend
        self.call_id = call_id
        self._on_status = on_status
        self._queue: deque[_Job] = deque()  # database thread only
        self._saved = 0
        self._error: str | None = None
        self._lock = threading.Lock()  # guards the counters read by `status`

    def record(self, event: Event, at: datetime) -> None:
        call_id = self.call_id
        self._submit(_Job("event", lambda store: store.record_event(call_id, event, now=at), event.kind))

    def note(self, text: str, important: bool, node: str | None, at: datetime) -> None:
        call_id = self.call_id
        self._submit(_Job("note", lambda store: store.add_note(call_id, text, important, node=node, now=at), "note"))

    def retry(self) -> None:
        self.backend.submit(self._drain)

    def flushed(self) -> Future[SaveStatus]:
        """A future that resolves once every queued write has been tried (for finishing the call)."""
        return self.backend.submit(self._drain)

    @property
    def status(self) -> SaveStatus:
        with self._lock:
            return SaveStatus(len(self._queue), self._saved, self._error)

    def _submit(self, job: _Job) -> None:
        self.backend.submit(self._enqueue, job)

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            self._queue.append(job)
        if self._error is None:
            self._drain()
        else:
            self._report()

    def _drain(self) -> SaveStatus:
        from callscript.storage import ErrorCode, StorageError

        store = self.backend.store
        while self._queue:
            job = self._queue[0]
            try:
                if store is None:
                    raise StorageError("数据库没有打开", code=ErrorCode.NOT_OPEN)
                job.run(store)
            except Exception as exc:
                with self._lock:
                    self._error = f"{type(exc).__name__}: {exc}"
                self._report()
                return self.status
            with self._lock:
                self._queue.popleft()
                self._saved += 1
                self._error = None
        self._report()
        return self.status

    def _report(self) -> None:
        try:
            self._on_status(self.status)
        except Exception:
            pass
