"""Ctrl+S in the editor: publish a script with no errors, keep a draft of one with errors.

:func:`callscript.workshop.drafts.save_edit` decides and writes, atomically, in a
thread. This module is the editor's side of it:

* :class:`FileState` — what the file is to the agents' apps (published, a draft, new,
  or broken by hand), which the editor's title shows;
* :func:`save_script` — the flow: write, update the state, then store both the
  replaced text and the new one as script versions in the database, through the
  app's :class:`~callscript.tui.backend.Backend` (its one database thread), so
  ``callscript diff`` can compare them;
* the :class:`Notice` list that tells the supervisor what happened, including a file
  changed elsewhere since it was opened.

See docs/script-format.md, "Editing in the app".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.notifications import SeverityLevel

from callscript.tui.backend import Backend
from callscript.tui.editor.checks import text_sha
from callscript.workshop.drafts import DRAFT_FILE, NEW_FILE, PUBLISHED_FILE, EditSource, SaveOutcome, save_edit

BROKEN_FILE = "broken"
"""The published file, as opened, does not validate (edited by hand)."""


@dataclass
class FileState:
    """What the edited file is to the agents' apps, as the editor's title shows it."""

    kind: str
    """published | draft | new | broken."""
    saved_sha: str
    """The text last saved from here (or as opened): the editor's text is "modified" when it differs."""
    published_sha: str | None
    """The version the agents' apps load (None: there is no valid published file)."""

    @classmethod
    def opened(cls, source: EditSource) -> FileState:
        return cls(
            kind=source.kind,
            saved_sha=text_sha(source.text) if source.kind != NEW_FILE else "",
            published_sha=text_sha(source.published_text) if source.published_text is not None else None,
        )

    def saved(self, text: str, outcome: SaveOutcome) -> None:
        self.saved_sha = text_sha(text)
        if outcome.published:
            self.kind = PUBLISHED_FILE
            self.published_sha = outcome.sha256
        else:
            self.kind = DRAFT_FILE


@dataclass(frozen=True)
class Notice:
    """One notification for the supervisor."""

    message: str
    title: str = ""
    severity: SeverityLevel = "information"
    timeout: float | None = None


async def save_script(
    path: Path, text: str, file: FileState, backend: Backend, on_saved: Callable[[], None]
) -> tuple[SaveOutcome, list[Notice]]:
    """Save ``text`` (publish, or a draft), update ``file``, call ``on_saved``, store the versions.

    ``on_saved`` runs as soon as the file is written (the title shows it before the
    database is reached). An ``OSError`` from writing propagates: nothing changed.
    """
    known = file.published_sha  # what the file held when it was opened or last published from here
    outcome = await asyncio.to_thread(save_edit, path, text)
    file.saved(text, outcome)
    on_saved()
    if not outcome.published:
        draft = Notice(
            f"有 {outcome.errors} 个错误: 草稿已存到 {outcome.path.name}, 没有发布; 坐席继续用原来的版本",
            title="草稿已保存",
            severity="warning",
            timeout=8,
        )
        return outcome, [draft]
    notices: list[Notice] = []
    stored = await _store_versions(backend, outcome, notices)
    if outcome.unchanged:
        notices.append(Notice("和已发布的版本一样, 没有改动", title="已保存"))
    else:
        notices.append(
            Notice(
                f"已发布版本 {outcome.sha256[:8] if outcome.sha256 else ''}: 坐席下一通电话起使用{stored}",
                title="已发布",
                timeout=6,
            )
        )
    if not outcome.unchanged and outcome.replaced_sha256 not in (None, known):
        kept = (
            "也存进了数据库 (可以用 callscript diff 比较)" if outcome.previous is not None else "有错误, 没有存进数据库"
        )
        notices.append(
            Notice(
                f"文件在打开后被别处改过 (版本 {outcome.replaced_sha256[:8]}); 被替换的那个版本{kept}",
                title="注意",
                severity="warning",
                timeout=10,
            )
        )
    return outcome, notices


async def _store_versions(backend: Backend, outcome: SaveOutcome, notices: list[Notice]) -> str:
    """The replaced script and the new one as versions in the database (previous first).

    Returns the words the "published" notice ends with; a failure is a notice of its
    own (the file is published all the same: agents load the file, not the database).
    """
    try:
        if outcome.previous is not None:
            await backend.run(backend.open, outcome.previous)
        assert outcome.script is not None
        version_id = await backend.run(backend.open, outcome.script)
        if not outcome.unchanged:  # the audit log names who published which version
            await backend.run(backend.record_publish, outcome.script, version_id, str(outcome.path))
    except Exception as exc:
        notices.append(
            Notice(
                f"文件已发布, 但版本没有存进数据库: {type(exc).__name__}: {exc}",
                severity="error",
                timeout=10,
            )
        )
        return ""
    return f" (数据库版本 #{version_id})"
