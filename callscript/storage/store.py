"""The storage API the TUI, CLI, reports and lead import use (no SQL outside this package).

One :class:`Store` wraps one connection to one database file. Every public method
is one short transaction; every write is committed before the method returns.
A ``Store`` may be shared between threads (a Textual worker and the UI thread):
calls are serialised by a lock. Several *processes* (one per agent) share a file
safely: SQLite's locking plus ``BEGIN IMMEDIATE`` for every write.

The life of a call::

    store = Store.open()                            # data/callscript.db, $CALLSCRIPT_DB or --db
    agent = store.ensure_agent("王芳")
    for unfinished in store.unfinished_calls(agent.id):   # crash recovery first
        session = store.resume_call(unfinished.call_id)   # … or store.close_call(id, outcome)
    script_id = store.store_script_version(script)
    lead = store.claim_next_lead(agent.id)          # atomic: no two agents get the same lead
    call_id = store.start_call(lead.id, agent.id, script_id, variables)
    store.record_event(call_id, session.choose("1"))   # after every answer; durable on return
    store.add_note(call_id, "下午三点后再打", important=True)
    store.record_event(call_id, session.end("mailed"))
    store.finish_session(call_id, session, address=...)   # outcome, facts, grade; callbacks/mailings

**How it is put together.** ``Store`` is composed of one part per seam, each a mixin
over one :class:`~callscript.storage.base.StoreBase` (the connection, the lock,
transactions and the handful of statement methods):

* ``agents.py`` — agents and their day reviews;
* ``followups.py`` — callbacks and mailings;
* ``leads.py`` — adding, importing, reading and editing leads, the lead list's tiers, do-not-call;
* ``claims.py`` — claiming leads, and locking a lead to its call;
* ``scripts.py`` — script versions;
* ``calls.py`` — calls and their event log: start, record, finish, resume, close;
* ``app_sessions.py`` — every running app is a session; a claim belongs to one;
* ``checks.py`` — ``db check``, ``quick_check`` before a command uses the file;
* ``backup.py`` — ``db backup`` / ``db restore`` (SQLite's online backup API);
* ``history.py`` — bulk history (the demo generator);
* ``audit.py`` — the append-only audit log;
* ``accounts.py`` — accounts, their roles and the lockout counters;
* ``acting.py`` — :meth:`acting_as`: the store as one account sees it (roles enforced,
  reads narrowed, changes audited); ``StoreParts`` is every part above but history.

Mixins rather than repositories the facade delegates to, because the parts share
one connection, one lock and one transaction depth (``update_lead`` marks
do-not-call, ``finish_call`` moves the lead and completes its callbacks, all inside
one transaction, by plain method calls), and the public surface stays exactly the
methods callers already use, without a forwarding method for each. Each part
subclasses only the parts it uses, so its dependencies are in its class line.
"""

from __future__ import annotations

from callscript.storage.acting import StoreParts
from callscript.storage.history import HistoryMixin


class Store(StoreParts, HistoryMixin):
    """The app's database. Create with :meth:`Store.open`."""
