"""``callscript edit``: the script editor's app.

It shows one :class:`~callscript.tui.editor.screen.EditorScreen` and gives it, and
the practice screens, what they read from their app (:class:`~callscript.tui.host.EditorHost`):
the database thread (used on the first publish only: editing and practice never
touch the database), the clock, and who a practice call is made by.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, CSSPathType
from textual.binding import Binding, BindingType

from callscript.config import AgentConfig, business_hours, resolve_db_path
from callscript.core.when import BusinessHours
from callscript.script.model import Script
from callscript.tui import wide_chars
from callscript.tui.backend import Backend
from callscript.tui.clock import Clock, system_clock
from callscript.tui.editor.screen import DEBOUNCE, EditorScreen
from callscript.tui.widgets import CallInput
from callscript.workshop.drafts import open_for_edit

if TYPE_CHECKING:
    from callscript.tui.host import EditorHost


class EditorApp(App[None]):
    """``callscript edit``: the editor screen, plus what the agents' call screen needs for practice."""

    CSS_PATH: ClassVar[CSSPathType | None] = ["../app.tcss", "editor.tcss"]
    TITLE = "callscript edit"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "request_quit", "退出", key_display="^Q", priority=True)]

    def __init__(
        self,
        script_path: Path,
        db_path: Path | None = None,
        *,
        clock: Clock | None = None,
        tests_path: Path | None = None,
        debounce: float = DEBOUNCE,
        highlight: bool = True,
        cursor_blink: bool = True,
        live_timer: bool = True,
        back_guard: float | None = None,
        hours: BusinessHours | None = None,
        store_options: Mapping[str, Any] | None = None,
        agent: str | None = None,
    ) -> None:
        super().__init__()
        wide_chars.install()  # notices over a widget's edge keep every Chinese character
        self.script_path = Path(script_path)
        self.db_path = resolve_db_path(db_path)
        self.clock: Clock = clock or system_clock
        self.tests_path = tests_path
        self.debounce = debounce
        self.highlight = highlight
        self.cursor_blink = cursor_blink
        self.live_timer = live_timer
        self.back_guard: float = back_guard if back_guard is not None else CallInput.back_guard
        # Read once, here, and passed down (screens see it as CallHost.business_hours).
        self.business_hours: BusinessHours = hours if hours is not None else business_hours()
        self.agent = agent
        # The database is opened on the first publish only (editing and practice never touch it).
        self.backend = Backend(self.db_path, clock=self.clock, store_options=dict(store_options or {}))
        self.source = open_for_edit(self.script_path)

    def on_mount(self) -> None:
        self.push_screen(
            EditorScreen(
                self.script_path,
                self.source,
                tests_path=self.tests_path,
                debounce=self.debounce,
                highlight=self.highlight,
            )
        )

    def on_unmount(self) -> None:
        self.backend.shutdown()

    def tests_changed(self) -> None:
        """The tests file was written (a practice walk added as a case): run the tests again."""
        for screen in self.screen_stack:
            if isinstance(screen, EditorScreen):
                screen.rerun_tests()

    def action_request_quit(self) -> None:
        """Ctrl+Q anywhere (practice too): the editor asks first when there are unsaved edits."""
        editors = [s for s in self.screen_stack if isinstance(s, EditorScreen)]
        if editors and editors[0].modified:
            if self.screen is not editors[0]:
                self.pop_screen()  # leave practice first, so the question is asked over the text
            editors[0].action_quit()
        else:
            self.exit()

    def practice_variables(self, script: Script) -> dict[str, str]:
        """Who the practice call is made by: the configured agent name, else a sample one."""
        name = self.agent or AgentConfig.load().agent_name or "张三"
        return {"agent_name": name, "our_company": script.company}


if TYPE_CHECKING:

    def _gives_its_screens_what_they_read(app: EditorApp) -> EditorHost:
        return app  # mypy: the app satisfies the editor's and practice's view of it (callscript/tui/host.py)
