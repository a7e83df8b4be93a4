"""The agent app's side of publishing: follow the script files, switch only between calls.

:class:`ScriptFollower` wraps a :class:`~callscript.workshop.publishing.ScriptSetWatcher` for
the app: one :class:`~callscript.workshop.publishing.ScriptWatcher` for the main script and
one for the follow-up script beside it (maintenance calls), each as its contract says:

* a timer looks at the file every ``poll`` seconds: one ``stat()`` on the event loop
  when nothing changed (no thread, no worker: an idle tab costs next to nothing); read +
  validate in a thread worker only when it did, so a version
  published mid-call is noticed, validated and *staged* (``watcher.script``)
  while the call goes on, and a file broken by hand after it is rejected without
  losing the staged good version;
* :meth:`script_for_next_call` looks once more (a file changed a moment ago) and
  returns the last good scripts (a :class:`~callscript.workshop.publishing.ScriptSet`).
  The app calls it when it starts a call, and only then replaces the scripts it starts
  calls on: the call in progress keeps the :class:`~callscript.script.model.Script` its
  session holds, and the new call row names the new version of the script it is made
  on (``Backend.start_call`` picks development or follow-up → ``store_script_version``);
* what the agent sees: one notice per change: "新版本话术已启用 (下一通电话起)"
  for a new version, "话术文件有 N 处错误, 未启用; 继续使用版本 …" for a file
  that does not validate (the problems go to the app log and stay in
  ``watcher.problems``; the supervisor sees them in ``callscript edit`` /
  ``callscript check``).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from callscript.core.lifecycle import CallKind
from callscript.workshop.publishing import ScriptSet, ScriptSetWatcher, WatchResult

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from callscript.script.model import Script

POLL_SECONDS = 5.0
"""How often the files are looked at: a new version is announced within this (calls pick it
up at their start in any case: :meth:`ScriptFollower.script_for_next_call` looks once more)."""


class ScriptFollower:
    def __init__(self, app: App, watcher: ScriptSetWatcher, poll: float = POLL_SECONDS) -> None:
        self.app = app
        self.watcher = watcher
        self.poll = poll
        self._lock = threading.Lock()  # the watchers are not thread-safe: one check at a time
        self._busy = False
        self.thread_checks = 0
        """How many looks found a file changed and read it in a thread (the rest were one ``stat()``)."""
        self.notices: list[str] = []
        """Every notice shown to the agent, in order."""
        self.in_use: ScriptSet = watcher.scripts
        """The scripts calls are started on (changes only in :meth:`script_for_next_call`)."""

    @classmethod
    def load(
        cls,
        app: App,
        path: str | os.PathLike[str],
        poll: float = POLL_SECONDS,
        followup: str | os.PathLike[str] | None = None,
    ) -> ScriptFollower:
        """Load the script and its follow-up script when that file exists (raises
        :class:`~callscript.script.problems.ScriptError` if one is invalid) and follow both."""
        return cls(app, ScriptSetWatcher(path, followup), poll)

    @classmethod
    def from_stored(
        cls,
        app: App,
        path: str | os.PathLike[str],
        followup: str | os.PathLike[str] | None,
        stored: Mapping[CallKind, Script],
        poll: float = POLL_SECONDS,
    ) -> ScriptFollower:
        """Follow both files, starting each script in ``stored`` on that version — the last
        good version kept in the database, when its file is broken at start of shift. The
        first :meth:`check_now` reports the file's problems with the running apps' notice; a
        fixed file is used from the next call."""
        return cls(app, ScriptSetWatcher(path, followup, stored=stored), poll)

    async def check_now(self) -> None:
        """One look at the file now (in a thread), reported as the timer's looks are."""
        try:
            result = await asyncio.to_thread(self.check)
        except Exception as exc:
            self.app.log.error(f"script check failed: {type(exc).__name__}: {exc}")
            return
        self._report(result)

    def start(self) -> None:
        if self.poll > 0:
            self.app.set_interval(self.poll, self._tick, name="script-watch")

    def check(self) -> list[tuple[CallKind, WatchResult]]:
        """One look at each file (any thread)."""
        with self._lock:
            return self.watcher.check()

    def _tick(self) -> None:
        if self._busy or not self.watcher.may_have_changed():
            return
        self.thread_checks += 1
        self._busy = True
        self.app.run_worker(self._check_in_thread, thread=True, group="script-watch", exit_on_error=False)

    def _check_in_thread(self) -> None:
        try:
            results = self.check()
        except Exception as exc:
            self.app.call_from_thread(self.app.log.error, f"script check failed: {type(exc).__name__}: {exc}")
            return
        finally:
            self._busy = False
        try:
            self.app.call_from_thread(self._report, results)
        except RuntimeError:  # the app is closing
            pass

    def _report(self, results: list[tuple[CallKind, WatchResult]]) -> None:
        for kind, result in results:
            path = self.watcher.watchers[kind].path
            if result.published:
                self._notice(result.notice, "话术更新", "information")
            elif result.rejected:
                for problem in result.problems:
                    self.app.log.warning(problem.format(str(path)))
                self._notice(f"{path.name}: {result.notice}", "话术文件有错误", "warning")

    def _notice(self, text: str, title: str, severity: SeverityLevel) -> None:
        self.notices.append(text)
        self.app.notify(text, title=title, severity=severity, timeout=8)

    async def script_for_next_call(self) -> ScriptSet:
        """Between calls: the last good version of each script (after one more look at the files)."""
        try:
            results = await asyncio.to_thread(self.check)
        except Exception as exc:
            self.app.log.error(f"script check failed: {type(exc).__name__}: {exc}")
        else:
            self._report(results)
        self.in_use = self.watcher.scripts
        return self.in_use
