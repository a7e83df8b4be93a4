"""Code the multi-process storage tests run in forked child processes.

Each worker appends one JSON line to its report file *after* a storage call has
returned, with a single ``os.write`` — so every complete line the parent reads
describes something the store reported as saved, even if the child is SIGKILLed
mid-way (the kernel keeps what was written; a cut-off last line is ignored).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from datetime import datetime, timedelta

from callscript.script.session import CallSession
from callscript.storage import Store
from storage.helpers import finish_kwargs, mini_script, random_step


class Reporter:
    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def __call__(self, **fields) -> None:
        os.write(self.fd, (json.dumps(fields, ensure_ascii=False) + "\n").encode("utf-8"))


def fork(target, *args) -> int:
    """Run ``target(*args)`` in a forked child; its pid. Exit status 0, or 1 with the traceback on stderr.

    ``os.fork`` because a child must start in milliseconds for the crash test to
    kill it many times (a fresh interpreter importing the app takes ~0.5 s; the
    multiprocessing forkserver in Python 3.11 re-runs pytest's main script in every
    child). The parent must hold no open SQLite connection while forking.
    """
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            target(*args)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    return pid


def wait_exit(pid: int) -> int:
    """Reap a child; its exit code, or -signal if a signal killed it."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def read_reports(path) -> list[dict]:
    """The complete lines of a report file."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.split("\n")[:-1] if line]


def crash_walker(db: str, agent_name: str, seed: int, report_path: str, ready_fd: int) -> None:
    """Walk calls as fast as possible until killed: resume own unfinished calls first."""
    out = Reporter(report_path)
    rng = random.Random(seed)
    script = mini_script()
    store = Store.open(db)
    script_id = store.store_script_version(script)
    agent = store.ensure_agent(agent_name)
    os.write(ready_fd, b"r")
    while True:
        unfinished = store.unfinished_calls(agent)
        if unfinished:
            call_id = unfinished[0].call_id
            session = store.resume_call(call_id)
            out(t="resumed", call=call_id, node=session.node_id, facts=session.facts, events=len(session.events))
        else:
            lead = store.claim_next_lead(agent)
            if lead is None:
                out(t="done")
                return
            call_id = store.start_call(lead.id, agent, script_id)
            out(t="started", call=call_id, lead=lead.id)
            session = CallSession(script)
        while not session.finished:
            event = random_step(session, rng)
            record = store.record_event(call_id, event)
            out(
                t="event",
                call=call_id,
                seq=record.seq,
                kind=event.kind,
                node=event.node,
                value=event.value,
                at_node=session.node_id,
                facts=session.facts,
            )
            if rng.random() < 0.05:
                note = store.add_note(call_id, f"note {record.seq}")
                out(t="note", call=call_id, seq=note.seq)
        store.finish_session(call_id, session, **finish_kwargs(session))
        out(t="finished", call=call_id, outcome=session.outcome)


def claiming_agent(db: str, agent_name: str, seed: int, report_path: str, start_at: float) -> None:
    """Claim leads until none is left; record a whole call on each. Reports lock errors instead of dying."""
    import time

    out = Reporter(report_path)
    rng = random.Random(seed)
    script = mini_script()
    store = Store.open(db)
    script_id = store.store_script_version(script)
    agent = store.ensure_agent(agent_name)
    while time.time() < start_at:  # start together
        time.sleep(0.001)
    # every call is a callback for tomorrow at the earliest, so no lead comes round twice
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    try:
        while True:
            lead = store.claim_next_lead(agent)
            if lead is None:
                break
            call_id = store.start_call(lead.id, agent, script_id)
            session = CallSession(script)
            events = 0
            while not session.finished:
                store.record_event(call_id, random_step(session, rng, back_rate=0.1))
                events += 1
            store.finish_session(call_id, session, **finish_kwargs(session, tomorrow))
            out(t="call", lead=lead.id, call=call_id, events=events, outcome=session.outcome)
    except sqlite3.OperationalError as exc:
        out(t="error", error=str(exc))
        raise
    out(t="done", retries=store.lock_retries)
    store.close()


def same_agent_app(db: str, agent_name: str, seed: int, report_path: str, start_at: float) -> None:
    """One running app of ``agent_name`` (its own app session): claim, call, finish until no lead
    is left. A second process with the same agent name is the agent's second window."""
    import time

    from callscript.storage import LeadUnavailable

    out = Reporter(report_path)
    rng = random.Random(seed)
    script = mini_script()
    store = Store.open(db)
    script_id = store.store_script_version(script)
    agent = store.ensure_agent(agent_name)
    store.open_app_session(agent)
    while time.time() < start_at:
        time.sleep(0.001)
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    while True:
        lead = store.claim_next_lead(agent)
        if lead is None:
            break
        try:
            call_id = store.start_call(lead.id, agent, script_id)
        except LeadUnavailable as exc:
            out(t="refused", lead=lead.id, code=str(exc.code))
            continue
        session = CallSession(script)
        while not session.finished:
            store.record_event(call_id, random_step(session, rng, back_rate=0.0, end_rate=0.3))
        store.finish_session(call_id, session, **finish_kwargs(session, tomorrow))
        out(t="call", lead=lead.id, call=call_id, outcome=session.outcome)
    out(t="done")
    store.end_app_session()
    store.close()


def steady_writer(db: str, agent_name: str, seed: int, report_path: str, stop_path: str) -> None:
    """An agent calling without pause until the file ``stop_path`` appears, through a database server that may go
    away: every step that fails with ``database_unreachable`` is reported and tried again
    (as the app's recorder does), after looking whether it landed after all (the server may
    have committed a step whose answer was lost with the connection)."""
    import time

    from callscript.storage import ErrorCode, StorageError

    out = Reporter(report_path)
    rng = random.Random(seed)
    script = mini_script()
    store = Store.open(db)
    script_id = store.store_script_version(script)
    agent = store.ensure_agent(agent_name)

    def insist(step, landed=lambda: None):
        while True:
            try:
                return step()
            except StorageError as exc:
                if exc.code != ErrorCode.DATABASE_UNREACHABLE:
                    raise
                out(t="unreachable", at=time.time())
                # look whether the step landed before sending it again; while the server cannot
                # say, keep looking (sending it blind could repeat a step that did land)
                while True:
                    time.sleep(0.2)
                    try:
                        found = landed()
                        break
                    except StorageError as looking:
                        if looking.code != ErrorCode.DATABASE_UNREACHABLE:
                            raise
                if found is not None:
                    return found

    while not os.path.exists(stop_path):
        lead = insist(lambda: store.claim_next_lead(agent))
        if lead is None:
            out(t="done")
            return

        def my_call_on(lead_id=lead.id):
            calls = [c for c in store.unfinished_calls(agent) if c.lead_id == lead_id]
            return calls[0].call_id if calls else None

        call_id = insist(lambda lead_id=lead.id: store.start_call(lead_id, agent, script_id), my_call_on)
        session = CallSession(script)
        while not session.finished:
            event = random_step(session, rng)
            expected = len(store_events(store, call_id, insist)) + 1

            def landed(call_id=call_id, expected=expected):
                events = store.call_events(call_id, notes=False)
                return events[-1] if len(events) >= expected else None

            record = insist(lambda call_id=call_id, event=event: store.record_event(call_id, event), landed)
            out(
                t="event",
                call=call_id,
                seq=record.seq,
                kind=event.kind,
                node=event.node,
                value=event.value,
                at=time.time(),
            )

        def finished(call_id=call_id):
            return store.get_call(call_id) if store.get_call(call_id).outcome else None

        insist(lambda c=call_id, s=session: store.finish_session(c, s, **finish_kwargs(s)), finished)
        out(t="finished", call=call_id, outcome=session.outcome, at=time.time())
    out(t="done")


def store_events(store, call_id, insist):
    return insist(lambda: store.call_events(call_id, notes=False))
