"""What a screen may use of the app that shows it: typed views, so no screen imports an app.

Textual types ``screen.app`` as a plain :class:`~textual.app.App`. A screen that needs the
app's database thread, clock or agent reads them through a ``host`` property instead, cast
to one of the Protocols below: exactly the attributes and methods screens use, nothing
more. The apps satisfy them (mypy checks it where each app is defined, and
``tests/tui/test_imports.py`` checks it at run time), so imports go one way only: the apps
import the screens, the screens import this module, never an app.

* :class:`CallHost` — the call screen and its dialogs (database thread, clock, business hours). Two apps show them: the agents'
  app (:mod:`callscript.tui.app`) and the script editor's practice pane
  (:mod:`callscript.tui.editor`).
* :class:`ReportsHost` — the day's report screen (any app with a database and a clock).
* :class:`SessionHost` — the login screen and the idle lock (the agents' app).
* :class:`AgentAppHost` — the agents' app: the lead list, add lead, the summary card.
* :class:`EditorHost` — the editor's app: its screen and the practice screens.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.worker import Worker

    from callscript.core.access import Actor
    from callscript.core.when import BusinessHours
    from callscript.script.model import Script
    from callscript.tui.backend import Backend
    from callscript.tui.clock import Clock


@runtime_checkable
class CallHost(Protocol):
    """What the call screen and its dialogs read from their app."""

    backend: Backend
    """The one database thread (the call's recorder writes through it)."""
    clock: Clock
    cursor_blink: bool
    """False in tests and snapshots: a blinking cursor never renders the same twice."""
    live_timer: bool
    """False in tests and snapshots: the call timer stands still."""
    back_guard: float
    """Seconds an input box must have been empty before Backspace goes back a step."""
    business_hours: BusinessHours
    """When callbacks may be booked (``CALLSCRIPT_BUSINESS_HOURS``, read once when the app starts)."""


@runtime_checkable
class ReportsHost(Protocol):
    """What the report screen reads from its app when it is not given its own."""

    db_path: Path
    clock: Clock


@runtime_checkable
class SessionHost(Protocol):
    """What the login screen and the idle lock read from their app."""

    backend: Backend
    origin: str
    """Where this session is, for the audit log: the browser's address, or ``tty:…@host``."""
    cursor_blink: bool


@runtime_checkable
class AgentAppHost(CallHost, ReportsHost, SessionHost, Protocol):
    """The agents' app, as its screens see it (start of shift → lead list → calls → summary)."""

    actor: Actor | None
    """Who is acting (the account logged in, or the local person while no account exists)."""
    agent_name: str
    company: str
    """The company name said in the greeting (empty: the script's own)."""
    agent_id: int
    sample_leads: Path | None
    """The sample lead list offered on an empty database (None: this installation has none)."""
    floor_allowed: bool
    """The account may open the floor board (``b`` on the lead list): a supervisor or an admin."""

    async def open_call(self, lead_id: int | None, *, replace: Screen[Any] | None = None) -> bool:
        """Claim ``lead_id`` (None: the next due lead) and show its call screen."""
        ...

    async def next_call(self, replace: Screen[Any] | None = None) -> bool:
        """Claim the next due lead and show its call screen in place of ``replace``."""
        ...

    def offer_resume(self) -> Worker[None]:
        """Offer this agent's unfinished calls (a worker: the offer waits for the agent)."""
        ...


@runtime_checkable
class EditorHost(CallHost, Protocol):
    """The script editor's app, as the editor screen and the practice screens see it."""

    def practice_variables(self, script: Script) -> dict[str, str]:
        """Who a practice call is made by (fills ``{agent_name}``, ``{our_company}``)."""
        ...

    def tests_changed(self) -> None:
        """The script's tests file was written: run the tests again."""
        ...
