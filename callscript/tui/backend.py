"""The TUI's one door to storage: every database call goes through here, on one thread.

The Textual event loop never touches SQLite. :class:`Backend` owns a
:class:`~callscript.storage.Store` and a single worker thread (a one-thread
executor); screens ``await backend.run(fn, ...)`` for reads and whole actions,
and a :class:`CallRecorder` queues each answer of a call onto the same thread, so
writes are committed in the order the keys were pressed while the screen has
already moved on.

If storage grows a function the app needs, it is used from here only; nothing
else in ``callscript.tui`` imports ``callscript.storage``.

**Who is acting.** The Backend opens the :class:`~callscript.storage.Store`, but the app
acts only through ``acting`` — ``store.acting_as(actor)`` for the account that logged in
(:meth:`Backend.log_in`), or, while no account exists, for the local person at the
terminal with the owner's rights (:meth:`Backend.act_locally`). Every read and write
below goes through that view, so roles are enforced in storage, not by hiding screens.
A :class:`~callscript.core.access.PermissionDenied` with ``account_disabled`` (the
account was disabled since the login) is handed to ``on_account_disabled`` as well as
raised: the app ends the session at that action.
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
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from callscript.core.access import Actor, AuditAction, Denial, Permission, PermissionDenied, system_actor
from callscript.core.lifecycle import CallKind, call_kind
from callscript.core.outcomes import Outcome
from callscript.script.model import Script
from callscript.script.session import CallSession, Event
from callscript.tui.clock import Clock, system_clock
from callscript.workshop.publishing import ScriptSet

if TYPE_CHECKING:  # storage (and sqlite-utils) is imported on the database thread, off the start-up path
    from callscript.core.floor_settings import FloorSettings
    from callscript.core.presence import DayFigures, Presence
    from callscript.floor.board import Board
    from callscript.floor.render import Row
    from callscript.leads import LeadListRow, ListWatch, Look
    from callscript.storage import ActingStore, AppSession, CallRecord, DayReview, Lead, Store, UnfinishedCall
    from callscript.storage.floor import Reassigned
    from callscript.tui.text import TableRow

T = TypeVar("T")

__all__ = [
    "AgentDetail",
    "Backend",
    "CallInfo",
    "CallRecorder",
    "FinishInfo",
    "FloorView",
    "LeadListView",
    "LeadRejected",
    "LeadTaken",
    "NoteItem",
    "SaveStatus",
    "problem_text",
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
    kind: CallKind = CallKind.DEVELOPMENT
    """A development call (main script) or a maintenance call (follow-up script)."""


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
    stage_counts: tuple[tuple[str, int], ...] = ()
    """Rows per stage label in list order (the title's 回电到期 3 · 新客户 97), counted here, not
    on the event loop (a thousand rows: most of the title's cost on a refresh)."""


class ListQuery(NamedTuple):
    """What the lead list on screen shows: its filter (the first three fields), and the view a
    new read is compared with (the app's watch reads it again with its look: :meth:`Backend.look_for_changes`)."""

    agent_id: int
    industry: str | None
    search: str | None
    previous: LeadListView | None


@dataclass(frozen=True, slots=True)
class FloorView:
    """The floor board as read and laid out on the database thread (the screen hands the rows to its table)."""

    board: Board
    wide: tuple[TableRow, ...]
    narrow: tuple[TableRow, ...]
    totals: str
    alerts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AgentDetail:
    """One agent as the board's agent view shows them."""

    agent_id: int
    day: date
    figures: DayFigures | None
    unfinished: tuple[UnfinishedCall, ...]
    callbacks: int
    follow_ups: int
    review: DayReview | None
    agents: tuple[tuple[int, str], ...]
    """Every agent (id, name): whom open work can go to."""


SETTINGS_TTL_SECONDS = 30
"""The floor settings are read again at most this often (a supervisor's change shows within it)."""


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
        """The opened store: used here for logging in only (tests reach it to inject faults)."""
        self.acting: ActingStore | None = None
        """The store as the logged-in account sees it: what every action of the app goes through."""
        self.on_account_disabled: Callable[[PermissionDenied], None] | None = None
        """Called (from any thread) when an action is refused because the account was disabled."""
        self.script_ids: dict[str, int] = {}
        self._floor_settings: tuple[datetime, FloorSettings] | None = None
        self._executor.submit(_import_storage)  # while Textual sets up the screen

    # -- threading ----------------------------------------------------------
    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        return self._executor.submit(fn, *args, **kwargs)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the database thread and wait for it without blocking the event loop."""
        try:
            return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))
        except PermissionDenied as exc:
            self.denied(exc)
            raise

    def denied(self, exc: PermissionDenied) -> None:
        """An action was refused: a disabled account's session ends (``on_account_disabled``)."""
        if exc.code == Denial.ACCOUNT_DISABLED and self.on_account_disabled is not None:
            self.on_account_disabled(exc)

    def shutdown(self) -> None:
        """Finish every queued write, then close the database."""
        try:
            self._executor.submit(self._close).result(timeout=30)
        except Exception:
            pass
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self.store is not None:
            try:
                self.store.end_app_session()  # the claims this app holds go back to the pool
            except Exception:
                pass  # closing must not fail: the session is taken as gone once the process is
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
        file is broken at start of shift), or None (``Store.last_good_script``). Read before
        the login: which script the floor runs is not anyone's private data."""
        return self._opened().last_good_script(path)

    def _opened(self) -> Store:
        if self.store is None:
            from callscript.storage import ErrorCode, StorageError

            raise StorageError("the database is not open", code=ErrorCode.NOT_OPEN)
        return self.store

    def _s(self) -> ActingStore:
        """The acting view (the database open and someone logged in), else ``not_open``."""
        if self.acting is None:
            from callscript.storage import ErrorCode, StorageError

            raise StorageError("nobody has logged in yet", code=ErrorCode.NOT_OPEN)
        return self.acting

    def script_id(self, script: Script) -> int:
        known = self.script_ids.get(script.sha256)
        if known is None:
            view = self.acting
            store = view if view is not None else self._opened()  # before the login: the version in use
            known = self.script_ids[script.sha256] = store.store_script_version(script)
        return known

    # -- who is acting (database thread) ------------------------------------------
    def has_accounts(self) -> bool:
        """Any account at all: then the app starts with the login screen."""
        return self._opened().has_accounts()

    def act_locally(self, name: str, origin: str) -> int:
        """No account exists: the person at this terminal acts with the database owner's rights,
        under the name they gave (the app as it was before accounts). Returns their agent id."""
        agent_id = self._opened().ensure_agent(name).id
        self.acting = self._opened().acting_as(system_actor(origin, name=name, agent_id=agent_id))
        return agent_id

    def log_in(self, name: str, password: str, origin: str) -> Actor:
        """Check the password (:func:`callscript.accounts.log_in`); on success the app acts as the account.

        Raises :class:`~callscript.accounts.LoginRefused` (bad password, locked, disabled)."""
        from callscript.accounts import log_in

        actor = log_in(self._opened(), name, password, origin)
        self.acting = self._opened().acting_as(actor)
        return actor

    def unlock(self, password: str) -> None:
        """The idle lock's password check for the account logged in (:func:`callscript.accounts.unlock`)."""
        from callscript.accounts import unlock

        unlock(self._opened(), self._s().actor, password)

    def audit_session(self, action: AuditAction) -> None:
        """Logout, idle lock, session ended: in the audit log as the account's."""
        if self.acting is not None and not self.acting.actor.is_system:
            self.acting.audit_session(action)

    def log_out(self) -> None:
        """The app is closing: the logout is audited, and nothing more is done as the account."""
        self.audit_session(AuditAction.LOGOUT)
        self.acting = None

    def start_app_session(self, agent_id: int) -> list[AppSession]:
        """This running app's session (its claims are its own); the agent's *other* running apps,
        if any — the agent is told, not refused: two windows are allowed, they just never get
        the same lead."""
        store = self._s()
        store.open_app_session()
        return store.other_live_sessions()

    def industries(self) -> list[str]:
        return self._s().industries()

    def first_list_read(self, agent_id: int) -> tuple[LeadListView | None, list[str]]:
        """The lead list and the industries as the list screen's first frame shows them (read at
        start of shift, before the screen is shown: one layout and one frame, with the rows)."""
        return self.lead_list_view(agent_id), self.industries()

    def lead_rows(
        self, agent_id: int, *, industry: str | None = None, search: str | None = None, limit: int = 500
    ) -> list[LeadListRow]:
        """The lead list as ``callscript leads list --agent`` shows it (:func:`callscript.leads.lead_list`):
        due callbacks and follow-ups first, then new leads, retries, later work — read through the
        acting view, so an agent sees the shared pool and their own callbacks and follow-ups only."""
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
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.stage_label] = counts.get(row.stage_label, 0) + 1
        return LeadListView(rows, table, widest, unfinished, count, tuple(counts.items()))

    def new_watch(self, agent_id: int) -> ListWatch:
        """The agent's :class:`~callscript.leads.ListWatch` (made here: the leads package loads on this thread)."""
        from callscript.leads import ListWatch

        return ListWatch(agent_id)

    def look_for_changes(self, watch: ListWatch, shown: ListQuery | None = None) -> tuple[Look, LeadListView | None]:
        """One look of the agent's :class:`~callscript.leads.ListWatch` (cheap when nothing changed)
        and, when it finds the list stale and a list is on screen (``shown``), that list read
        again in the same trip (None when it reads the same): a refresh costs the event loop one
        hand-over to this thread, not two."""
        look = watch.look(self._s(), self.clock())
        if not look.stale or shown is None:
            return look, None
        view = self.lead_list_view(
            shown.agent_id, industry=shown.industry, search=shown.search, previous=shown.previous
        )
        return look, view

    def import_sample_leads(self, path: Path) -> int:
        """Load the sample lead list (first start on an empty database); returns how many came in."""
        from callscript.leads import import_leads

        acting = self._s()  # anyone who may call may fill an empty floor with the sample list
        if acting.count_leads():
            return 0
        return import_leads(self._opened(), path, default_source="示例客户").imported

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

    def record_publish(self, script: Script, version_id: int, path: str) -> None:
        """A script was published from the editor: audited as the acting account's, or, in
        ``callscript edit`` (a CLI command on the host), as the local system actor's."""
        view = self.acting if self.acting is not None else self._opened().acting_as(self._opened().actor)
        view.record_publish(script, version_id, path=path)

    def unfinished_calls(self, agent_id: int) -> list[UnfinishedCall]:
        return self._s().unfinished_calls(agent_id)

    def start_call(
        self, lead_id: int | None, agent_id: int, scripts: ScriptSet, variables: dict[str, str]
    ) -> tuple[CallInfo, CallSession] | None:
        """Claim the lead (``None``: the next due one) and open a call on it; None if no lead is due.

        A lead that already had materials mailed gets a maintenance call on the follow-up
        script, any other a development call on the main one
        (:func:`callscript.core.lifecycle.call_kind`). The session starts knowing what the
        lead's earlier calls learned, as recorded on the new call row.
        """
        from callscript.storage import LeadUnavailable

        store = self._s()
        if agent_id != store.agent():
            raise PermissionDenied(f"calls are made as agent {store.agent()}, not {agent_id}", code=Denial.NOT_OWN)
        try:
            if lead_id is None:
                lead = store.claim_next_lead()
                if lead is None:
                    return None
            else:
                lead = store.claim_lead(lead_id)
        except LeadUnavailable as exc:
            raise LeadTaken(_taken_message(exc)) from None
        kind = call_kind(mailed_before=store.has_mailing(lead.id))
        script = scripts.for_call(kind)
        values = {**variables, **lead_variables(lead)}
        now = self.clock()
        try:
            call_id = store.start_call(lead.id, self.script_id(script), values, now=now)
        except LeadUnavailable as exc:
            raise LeadTaken(_taken_message(exc)) from None
        session = CallSession(script, values, store.get_call(call_id).carried)
        return CallInfo(call_id, store.get_lead(lead.id), now, agent_id, kind=kind), session

    def resume_call(self, call_id: int) -> tuple[CallInfo, CallSession]:
        """The unfinished call rebuilt from its log, on the script version it was made with."""
        store = self._s()
        record = store.get_call(call_id)
        session = store.resume_call(call_id)
        notes = tuple(NoteItem(e.at, e.value or "", e.important) for e in store.call_events(call_id) if e.is_note)
        kind = call_kind(mailed_before=store.has_mailing(record.lead_id))  # unfinished: it mailed nothing yet
        info = CallInfo(
            call_id, store.get_lead(record.lead_id), record.started_at, record.agent_id, notes, resumed=True, kind=kind
        )
        return info, session

    def discard_call(self, call_id: int, lead_id: int, agent_id: int) -> None:
        """A call opened by mistake (nothing answered yet): delete it and give the lead back."""
        store = self._s()
        store.discard_call(call_id)
        store.release_lead(lead_id)

    def finish_after(
        self,
        write_queued: Callable[[], SaveStatus],
        call_id: int,
        session: CallSession,
        *,
        callback_due: datetime | None = None,
        now: datetime | None = None,
    ) -> tuple[SaveStatus, FinishInfo | None]:
        """The call's queued answers written (``write_queued``: its recorder's), then — if none
        failed — its outcome stored (:meth:`finish_call`), in one trip to this thread. As two
        trips (the answers, then the outcome), each a wake-up of this thread and then of the
        event loop, they were most of the wait of the key that ends a call on a busy floor
        server. The outcome is None when a write failed: the status says which."""
        status = write_queued()
        if status.error:
            return status, None
        return status, self.finish_call(call_id, session, callback_due=callback_due, now=now)

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

    # -- presence and the floor board (docs/floor.md) -----------------------------------
    def report_presence(self, presence: Presence, changed: bool) -> None:
        """This app's state on its session row (``callscript.tui.presence``): a heartbeat, or a change."""
        if self.acting is not None:
            self.acting.report_presence(presence, changed=changed)

    def may_see_floor(self) -> bool:
        """The acting account may open the floor board (supervisors and admins)."""
        return self.acting is not None and self.acting.actor.may(Permission.FLOOR)

    def floor_settings(self) -> FloorSettings:
        """The thresholds and pause maxima as the supervisor set them (cached for a while: they change rarely)."""
        from callscript.core.floor_settings import FloorSettings

        cached = self._floor_settings
        moment = self.clock()
        if cached is None or (moment - cached[0]).total_seconds() > SETTINGS_TTL_SECONDS:
            cached = self._floor_settings = (moment, FloorSettings.from_stored(self._s().floor_settings()))
        return cached[1]

    def floor_view(self) -> FloorView:
        """The board read (one statement) and laid out as the screen's table draws it, on this thread."""
        from callscript.floor.board import read_board
        from callscript.floor.render import NARROW, WIDE, alert_line, board_rows, totals_text

        board = read_board(self._s(), self.clock(), self.floor_settings())
        rows = {layout: tuple(_table_row(r) for r in board_rows(board, layout)) for layout in (WIDE, NARROW)}
        return FloorView(board, rows[WIDE], rows[NARROW], totals_text(board), tuple(map(alert_line, board.alerts)))

    def agent_detail(self, agent_id: int, day: date) -> AgentDetail:
        """What the board's agent view shows: the day's figures, unfinished calls, open work, remarks."""
        from callscript.floor.day import read_day

        store = self._s()
        now = self.clock()
        figures = read_day(store, day, now, agent_id)
        return AgentDetail(
            agent_id=agent_id,
            day=day,
            figures=figures[0].figures if figures else None,
            unfinished=tuple(store.unfinished_calls(agent_id)),
            callbacks=len(store.callbacks(agent_id)),
            follow_ups=len(store.mailings(agent_id, pending_only=True)),
            review=store.day_review(agent_id, day),
            agents=tuple((a.id, a.name) for a in store.agents()),
        )

    def set_remarks(self, agent_id: int, day: date, strengths: str, weaknesses: str, suggestions: str) -> None:
        """优点/缺点/建议 for an agent's day, as the acting supervisor (audited)."""
        self._s().set_day_review(agent_id, day, strengths=strengths, weaknesses=weaknesses, suggestions=suggestions)

    def reassign_work(self, from_agent: int, to_agent: int) -> Reassigned:
        """An absent agent's open callbacks and follow-ups to another agent (audited)."""
        return self._s().reassign_open_work(from_agent, to_agent)

    def close_stale_call(
        self, call_id: int, outcome: str, *, callback_due: datetime | None = None, address: str | None = None
    ) -> CallRecord:
        """Close another agent's unfinished call with an outcome (audited; refused while its agent is in it)."""
        return self._s().close_call_as(
            call_id, outcome, callback_due=callback_due, address=address, note="主管从看板结束", now=self.clock()
        )


def _table_row(row: Row) -> TableRow:
    from callscript.tui.text import TableRow

    return TableRow(row.key, row.cells, row.style, 2)


def _import_storage() -> None:
    from callscript import storage  # noqa: F401


def lead_variables(lead: Lead) -> dict[str, str]:
    """The lead's part of a call's variables (``{lead_company}``, ``{contact_name}`` …): the
    agents' calls and the editor's practice calls both fill lines from here."""
    return {
        "lead_company": lead.company or "",
        "contact_name": lead.contact or "",
        "contact_title": lead.title or "",
        "contact_department": lead.department or "",
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
    "lead_claimed_by_other_session": "这个客户已在你的另一个窗口里领取",
    "lead_closed": "这个客户已经结束跟进, 不再拨打",
    "lead_dead": "这个号码是空号/错号, 不再拨打",
}
"""What the agent is told for each reason code of ``LeadUnavailable`` (``callscript.storage.ErrorCode``)."""

_PROBLEM_MESSAGES = {
    "not_a_database": "这个文件不是 callscript 的数据库",
    "database_damaged": "数据库文件已损坏; 请主管运行 callscript db check, 再用备份恢复 (callscript db restore)",
    "disk_full": "磁盘已满, 这一步没有保存; 请腾出空间 (找主管或管理员), 然后重试",
    "read_only": "数据库不能写入 (文件或所在目录是只读的)",
    "cannot_open": "打不开数据库文件",
    "io_error": "读写数据库时磁盘出错",
    "database_unreachable": "连不上数据库服务器; 答案已按顺序排队, 服务器恢复后自动保存, 通话可以继续",
}
"""What the agent is told when the database file itself is the trouble (``DatabaseProblem``)."""


def _taken_message(exc: Exception) -> str:
    return _TAKEN_MESSAGES.get(str(getattr(exc, "code", "")), str(exc))


def problem_text(exc: BaseException) -> str:
    """An error from storage in the agent's words: the file's trouble in Chinese with the details
    after it; anything else as its type and message."""
    said = _PROBLEM_MESSAGES.get(str(getattr(exc, "code", "")))
    if said:
        return f"{said} ({exc})"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- recorder


@dataclass(slots=True)
class _Job:
    what: str  # "event" | "note"
    run: Callable[[ActingStore], Any]
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

    def write_queued(self) -> SaveStatus:
        """Try every queued write now (on the database thread: finishing the call, see
        :meth:`Backend.finish_after`); the status after."""
        return self._drain()

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

        store = self.backend.acting
        while self._queue:
            job = self._queue[0]
            try:
                if store is None:
                    raise StorageError("数据库没有打开", code=ErrorCode.NOT_OPEN)
                job.run(store)
            except PermissionDenied as exc:  # the account was disabled: the session ends
                with self._lock:
                    self._error = "账号已停用" if exc.code == Denial.ACCOUNT_DISABLED else str(exc)
                self._report()
                self.backend.denied(exc)
                return self.status
            except Exception as exc:
                with self._lock:
                    self._error = problem_text(exc)
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
