"""Practice: the agents' call screen over the script being edited, with nothing stored.

:class:`PracticeCallScreen` *is* the agents' :class:`~callscript.tui.screens.call.CallScreen`
(same widgets, keys, dialogs, side panel and grading), given a
:class:`PracticeRecorder` instead of the database recorder through the screen's
``recorder=`` parameter. Only the two places where the agents' screen talks to
the database directly are replaced: finishing (here: an in-memory summary, no
``calls`` row) and discarding (here: just leave). So a practice walk writes
nothing to the calls tables, and every key behaves exactly as on the floor.

The summary after a practice call also prints the walk as a script-test case
(answers, outcome, grade, end node); ``a`` appends it to ``NAME.tests.yaml``
(checked against the script first, written atomically), and the editor's
tests and coverage are run again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from callscript.core.followup import follow_up_dates
from callscript.core.outcomes import Outcome
from callscript.core.reading import MAX_SCRIPT_BYTES, read_bounded
from callscript.script.model import Script
from callscript.script.problems import Mark, Problem
from callscript.script.session import CallSession, Event
from callscript.script.yaml_source import YamlSourceError, decode_source
from callscript.storage.records import CallRecord, Lead
from callscript.tui.backend import CallInfo, FinishInfo, NoteItem, SaveStatus, lead_variables
from callscript.tui.host import EditorHost
from callscript.tui.screens.call import CallScreen
from callscript.tui.screens.summary import summary_table
from callscript.tui.widgets import TopBar
from callscript.workshop.path_explorer import answers_list
from callscript.workshop.publishing import publish_atomically
from callscript.workshop.script_tests import final_grade, load_tests_text

#: Sample lead the practice call is made to (fills {lead_company}, {contact_name}, ...).
PRACTICE_LEAD = Lead(
    id=0,
    company="练习客户有限公司",
    phone="0755-26880000",
    phone_norm="+8675526880000",
    contact="王建华",
    title="行政经理",
    department="行政部",
    industry="练习",
)
PRACTICE_MARK = Text(" 练习 · 不保存 ", "bold black on cyan")


class PracticeRecorder:
    """The call screen's recorder for practice: keeps the events in memory, saves nothing.

    A :class:`~callscript.tui.screens.call.Recorder` like the database's
    :class:`~callscript.tui.backend.CallRecorder`; every step is "saved" at once
    (to this list), so the screen never waits on a database.
    """

    def __init__(self) -> None:
        self.events: list[tuple[Event, datetime]] = []
        self.notes: list[NoteItem] = []
        self.on_status: Callable[[SaveStatus], None] | None = None

    @property
    def status(self) -> SaveStatus:
        return SaveStatus(0, len(self.events) + len(self.notes))

    def _report(self) -> None:
        if self.on_status is not None:
            self.on_status(self.status)

    def record(self, event: Event, at: datetime) -> None:
        self.events.append((event, at))
        self._report()

    def note(self, text: str, important: bool, node: str | None, at: datetime) -> None:
        self.notes.append(NoteItem(at, text, important))
        self._report()

    def retry(self) -> None:
        self._report()

    def write_queued(self) -> SaveStatus:
        return self.status  # nothing is queued: every answer is kept in memory as it is given


class PracticeCallScreen(CallScreen):
    """The agents' call screen on the edited script; F5 (or Esc before the first answer) leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "leave", "离开练习", key_display="F5", priority=True)]

    def __init__(
        self,
        script: Script,
        variables: dict[str, str],
        now: datetime,
        lead: Lead = PRACTICE_LEAD,
        tests_path: Path | None = None,
    ) -> None:
        self.practice = PracticeRecorder()
        self.tests_path = tests_path
        values = {**variables, **lead_variables(lead)}
        info = CallInfo(call_id=0, lead=lead, started_at=now, agent_id=0)
        super().__init__(info, CallSession(script, values), recorder=self.practice)
        self.practice.on_status = self._post_status

    @property
    def host(self) -> EditorHost:
        return cast(EditorHost, self.app)

    def on_mount(self) -> None:
        self.notify("和坐席一样的通话界面, 什么都不保存; F5 回到编辑器", title="练习模式")

    def action_leave(self) -> None:
        self.dismiss(None)

    def _render_saved(self) -> None:
        """Where agents see "✓ 已保存", practice says it saves nothing."""
        self.query_one(TopBar).set(saved=PRACTICE_MARK)

    @work(exclusive=True, group="finish")
    async def finish(self) -> None:
        """End of the practice call: the agents' summary card, built in memory (no calls row)."""
        now = self.host.clock()
        finish = practice_finish(self.info, self.session, now, self.callback_due)
        info = replace(self.info, notes=tuple(self.notes))
        self.app.switch_screen(PracticeSummaryScreen(info, self.session, finish, self.tests_path))

    @work(exclusive=True, group="finish")
    async def _discard(self) -> None:
        self.dismiss(None)


def practice_finish(
    info: CallInfo,
    session: CallSession,
    now: datetime,
    callback_due: datetime | None = None,
) -> FinishInfo:
    """What the agents' summary card needs, as if the call had been stored (only a final grade is kept)."""
    grade = final_grade(session)
    facts = dict(session.facts)
    record = CallRecord(
        id=0,
        lead_id=info.lead.id,
        agent_id=0,
        script_id=0,
        started_at=info.started_at,
        ended_at=now,
        outcome=session.outcome,
        facts=facts,
        grade=grade.grade,
        grade_rule=grade.rule_label,
        grade_rule_index=grade.rule_index,
        conditions=dict(grade.conditions),
        qualified=grade.qualified,
        callback_due=callback_due if session.outcome == Outcome.CALLBACK.value else None,
    )
    follow_from = follow_by = None
    if session.outcome == Outcome.MAILED.value:
        follow_from, follow_by = follow_up_dates(now.date())  # the one rule (core.followup)
    return FinishInfo(record, info.lead, follow_from, follow_by)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if value in ("skip", "back"):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def practice_case_yaml(session: CallSession, name: str = "练习") -> str:
    """The walk as a case for ``NAME.tests.yaml`` (indented to sit under ``cases:``); its
    grade is the one the call keeps (final), as script tests check it."""
    grade = final_grade(session)
    answers = answers_list((event.kind, event.value) for event in session.events)
    lines = [f"  {name}:", "    answers: [" + ", ".join(_flow(a) for a in answers) + "]"]
    lines.append(f"    outcome: {session.outcome if session.outcome else 'null'}")
    lines.append(f"    grade: {grade.grade if grade.grade else 'null'}")
    lines.append(f"    ends_at: {session.node_id}")
    return "\n".join(lines)


def add_test_case(tests_path: Path, session: CallSession, base: str = "练习") -> tuple[str, list[Problem]]:
    """Append the walk to the script's tests file as a new case (created with ``cases:`` if missing).

    The new file is checked against the script first and written atomically only
    if it reads cleanly; returns the case's name and the problems (empty: written).
    """
    try:
        existing = decode_source(read_bounded(tests_path, MAX_SCRIPT_BYTES))
    except FileNotFoundError:
        existing = "# Script tests; see docs/script-format.md.\ncases:\n"
    except (OSError, YamlSourceError) as exc:
        return "", [Problem(Mark(1, 1), f"cannot read {tests_path.name}: {exc}")]
    number = 1
    while f"\n  {base}{number}:" in "\n" + existing:
        number += 1
    name = f"{base}{number}"
    text = existing if existing.endswith("\n") else existing + "\n"
    text += practice_case_yaml(session, name) + "\n"
    cases, problems = load_tests_text(text, session.script)
    errors = [p for p in problems if p.is_error]
    if errors or name not in {c.name for c in cases}:
        return name, errors or [
            Problem(
                Mark(1, 1),
                f"{tests_path.name}: the case would not be read as '{name}' (is cases: the last section, with cases two spaces in?)",
            )
        ]
    publish_atomically(tests_path, text)
    return name, []


class PracticeSummaryScreen(Screen[None]):
    """The agents' summary card for a practice call, and the walk as a test case. Enter: again; Esc: editor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "again", "再练一次"),
        Binding("a", "add_case", "加进测试"),
        Binding("escape", "leave", "回到编辑器"),
        Binding("f5", "leave", "回到编辑器", key_display="F5"),  # F5 leaves practice, as on the call screen
    ]

    def __init__(
        self, info: CallInfo, session: CallSession, finish: FinishInfo, tests_path: Path | None = None
    ) -> None:
        super().__init__()
        self.info = info
        self.session = session
        self.finish = finish
        self.tests_path = tests_path
        self.added: str | None = None
        """The name of the case this walk was added as (tests wait for it)."""

    @property
    def host(self) -> EditorHost:
        return cast(EditorHost, self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-box"):
            yield Static(Text("练习小结 (没有保存)", "bold"), id="summary-title")
            yield Static(summary_table(self.info, self.session, self.finish, self.host.clock()), id="summary-card")
            where = self.tests_path.name if self.tests_path else "NAME.tests.yaml"
            yield Static(Text(f"作为脚本测试 (按 a 加进 {where}, 或贴到 cases: 下):", "dim"), id="practice-case-title")
            yield Static(Text(practice_case_yaml(self.session)), id="practice-case")
        yield Footer(compact=True, show_command_palette=False)

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_again(self) -> None:
        variables = dict(self.session.variables)
        self.app.switch_screen(
            PracticeCallScreen(self.session.script, variables, self.host.clock(), tests_path=self.tests_path)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add_case":
            return self.tests_path is not None and self.added is None
        return True

    @work(exclusive=True, group="add-case")
    async def action_add_case(self) -> None:
        if self.tests_path is None or self.added is not None:
            return
        try:
            name, problems = await asyncio.to_thread(add_test_case, self.tests_path, self.session)
        except OSError as exc:
            self.notify(f"没有写进 {self.tests_path.name}: {exc.strerror or exc}", severity="error")
            return
        if problems:
            self.notify(problems[0].format(self.tests_path.name), title="没有加进测试", severity="warning", timeout=10)
            return
        self.added = name
        self.refresh_bindings()
        self.notify(f"已加进 {self.tests_path.name}: 「{name}」", title="测试")
        self.host.tests_changed()
