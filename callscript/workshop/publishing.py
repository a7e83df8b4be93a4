"""Publishing a script to a running floor: a cheap change watcher and an atomic write.

No Textual; the agent's app calls :meth:`ScriptWatcher.check` *between* calls,
and the editor calls :func:`publish_atomically` on Ctrl+S.

The watcher's contract
----------------------
``watcher = ScriptWatcher(path)`` loads the script (raises
:class:`~callscript.script.problems.ScriptError` if the file is invalid at start-up; pass
``script=`` to adopt one you already loaded). ``watcher.script`` is always the
last **good** script: the one the next call must use.

``watcher.check()`` returns a :class:`WatchResult`:

* ``status == "unchanged"``: nothing to do. This is the common case and costs one
  ``stat()``: the file's (device, inode, size, mtime, ctime) are compared with the
  last look. Only when they differ is the file read and hashed; same hash as the
  current script (a ``touch``, a save without edits) is still ``"unchanged"``.
* ``status == "published"``: the file holds a new, valid script;
  ``result.script`` is it, and ``watcher.script`` now is too. Start the *next* call
  on it; a call in progress keeps the script object it started with (a
  :class:`~callscript.script.session.CallSession` holds its own reference), and the call
  row names the version by ``script.sha256``.
* ``status == "rejected"``: the file changed but cannot be used (invalid, or
  unreadable, or gone). ``result.problems`` lists every problem with its line;
  ``result.script`` and ``watcher.script`` are the last good script, unchanged.
  ``result.notice`` is a one-line message for the agent's status bar. The same
  bad content is validated once: later checks return ``"unchanged"`` until the
  file changes again, while ``watcher.problems`` keeps the list for the supervisor.

``check()`` never raises for a bad file; it does file I/O and validation, so a
Textual app runs it in a worker (it takes a few milliseconds on the shipped
script, and only when the file changed). It is not thread-safe: one watcher per
app, checked from one place. ``settle_s`` (default 0) makes a check ignore a file
modified less than that many seconds ago, for editors that write in place
non-atomically; a file written by :func:`publish_atomically` never needs it.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from callscript.core.lifecycle import CallKind
from callscript.core.reading import MAX_SCRIPT_BYTES, read_bounded
from callscript.files.output import write_atomically
from callscript.script.loader import load_script, validate_text
from callscript.script.model import Script
from callscript.script.problems import Mark, Problem
from callscript.script.yaml_source import YamlSourceError, decode_source

UNCHANGED, PUBLISHED, REJECTED = "unchanged", "published", "rejected"
_MISSING = "<missing>"  # the file was gone (or unreadable) at the last look, and that was reported


@dataclass(frozen=True)
class WatchResult:
    status: str
    script: Script
    """The script the next call uses: the new one when published, else the last good one."""
    problems: tuple[Problem, ...] = ()
    sha256: str | None = None
    """Hash of the file content this result is about (None when unchanged or unreadable)."""

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def rejected(self) -> bool:
        return self.status == REJECTED

    @property
    def notice(self) -> str:
        """A one-line message for the agent (empty when there is nothing to say)."""
        if self.status == PUBLISHED:
            return f"新版本话术已启用 (下一通电话起): {self.script.title} {self.script.sha256[:8]}"
        if self.status == REJECTED:
            errors = sum(p.is_error for p in self.problems)
            return f"话术文件有 {errors} 处错误, 未启用; 继续使用版本 {self.script.sha256[:8]} (请主管检查)"
        return ""


@dataclass
class _Seen:
    stat: tuple[int, ...] | None = None
    sha256: str | None = None


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class ScriptWatcher:
    """Watches one script file and keeps the last good :class:`Script` (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], script: Script | None = None, *, settle_s: float = 0.0):
        self.path = Path(path)
        self.settle_s = settle_s
        self._seen = _Seen()
        if script is None:
            st = self._stat()
            script = load_script(self.path)
            if st is not None and self._stat() == st:
                self._seen = _Seen(st, script.sha256)
        self.script: Script = script
        self.problems: tuple[Problem, ...] = ()
        """The problems of the last rejected content (empty once a good version is published)."""

    def _stat(self) -> tuple[int, ...] | None:
        try:
            return _stat_key(os.stat(self.path))
        except OSError:
            return None

    def may_have_changed(self) -> bool:
        """Whether :meth:`check` would read the file: one ``stat()``, nothing read (cheap enough
        for an event loop; the read and the validation belong in a thread)."""
        key = self._stat()
        if key is None:
            return not self._missing_reported
        return key != self._seen.stat

    @property
    def _missing_reported(self) -> bool:
        """The file was missing (or unreadable) at the last look, and that was reported."""
        return self._seen.stat is None and self._seen.sha256 == _MISSING

    def check(self, *, force: bool = False) -> WatchResult:
        """Look at the file once; see the module docstring for what each status means."""
        try:
            st = os.stat(self.path)
        except OSError as exc:
            if self._missing_reported:
                return WatchResult(UNCHANGED, self.script)
            self._seen = _Seen(None, _MISSING)
            return self._reject((Problem(Mark(1, 1), f"cannot read the script file: {exc.strerror or exc}"),), None)
        key = _stat_key(st)
        if not force and key == self._seen.stat:
            return WatchResult(UNCHANGED, self.script)
        if self.settle_s and time.time() - st.st_mtime < self.settle_s:
            return WatchResult(UNCHANGED, self.script)  # still being written; look again next time
        try:
            data = read_bounded(self.path, MAX_SCRIPT_BYTES)
        except OSError as exc:
            self._seen = _Seen(None, _MISSING)
            return self._reject((Problem(Mark(1, 1), f"cannot read the script file: {exc.strerror or exc}"),), None)
        sha = hashlib.sha256(data).hexdigest()
        previous = self._seen.sha256
        self._seen = _Seen(key, sha)
        if sha == self.script.sha256:
            self.problems = ()
            return WatchResult(UNCHANGED, self.script)
        if sha == previous and not force:
            return WatchResult(UNCHANGED, self.script)  # the same rejected content, already reported
        try:
            text = decode_source(data)
        except YamlSourceError as exc:
            return self._reject((exc.problem,), sha)
        script, problems = validate_text(text, str(self.path))
        if script is None:
            return self._reject(tuple(problems), sha)
        self.problems = ()
        if script.sha256 == self.script.sha256:  # same text (e.g. only a BOM added)
            return WatchResult(UNCHANGED, self.script)
        self.script = script
        self.problems = ()
        return WatchResult(PUBLISHED, script, tuple(problems), script.sha256)

    def _reject(self, problems: tuple[Problem, ...], sha: str | None) -> WatchResult:
        self.problems = problems
        return WatchResult(REJECTED, self.script, problems, sha)


@dataclass(frozen=True)
class ScriptSet:
    """The scripts a floor starts calls on: the development script (数据开发, from 开场白)
    and the follow-up script for maintenance calls (客户维护: the lead already had materials
    mailed). Without a follow-up script every call uses the development one."""

    development: Script
    maintenance: Script | None = None

    def for_call(self, kind: CallKind | str) -> Script:
        """The script a call of this kind (:func:`callscript.core.lifecycle.call_kind`) starts on."""
        if CallKind(kind) is CallKind.MAINTENANCE and self.maintenance is not None:
            return self.maintenance
        return self.development

    @property
    def scripts(self) -> tuple[Script, ...]:
        return (self.development,) if self.maintenance is None else (self.development, self.maintenance)


class ScriptSetWatcher:
    """One :class:`ScriptWatcher` per script of a :class:`ScriptSet`: both files are
    published and followed alike (a new valid version of either is used from the next
    call on; a broken file never replaces the last good version).

    The follow-up script is followed when its file exists at start-up (it is optional:
    ``followup`` None or a missing file means the development script serves every call).
    """

    def __init__(
        self,
        development: str | os.PathLike[str],
        followup: str | os.PathLike[str] | None = None,
        *,
        stored: Mapping[CallKind, Script] | None = None,
    ):
        """``stored``: start a script on this version instead of loading its file (the file is
        broken at start of shift and the database keeps its last good version); the file is
        still followed, and a fixed file is used from the next call on."""
        stored = stored or {}
        self.watchers: dict[CallKind, ScriptWatcher] = {
            CallKind.DEVELOPMENT: ScriptWatcher(development, script=stored.get(CallKind.DEVELOPMENT))
        }
        if followup is not None and (Path(followup).is_file() or CallKind.MAINTENANCE in stored):
            self.watchers[CallKind.MAINTENANCE] = ScriptWatcher(followup, script=stored.get(CallKind.MAINTENANCE))

    @property
    def scripts(self) -> ScriptSet:
        """The last good version of each script."""
        maintenance = self.watchers.get(CallKind.MAINTENANCE)
        return ScriptSet(self.watchers[CallKind.DEVELOPMENT].script, maintenance.script if maintenance else None)

    def may_have_changed(self) -> bool:
        """Whether either file may have changed (:meth:`ScriptWatcher.may_have_changed`)."""
        return any(watcher.may_have_changed() for watcher in self.watchers.values())

    def check(self) -> list[tuple[CallKind, WatchResult]]:
        """One look at each file (:meth:`ScriptWatcher.check`), in the order development, maintenance."""
        return [(kind, watcher.check()) for kind, watcher in self.watchers.items()]


SCRIPT_FILE_MODE = 0o644
"""A new script file is readable by every account on the machine (the agents' apps read it)."""


def publish_atomically(path: str | os.PathLike[str], text: str) -> str:
    """Replace ``path`` with ``text`` (UTF-8) so a reader sees the old file or the new, never half.

    Writes a temporary file in the same directory, fsyncs it, renames it over
    ``path`` (atomic on POSIX and on Windows via :func:`os.replace`), then fsyncs
    the directory so the rename itself survives a power cut (the one atomic writer,
    :func:`callscript.files.output.write_atomically`). The file keeps the old file's
    permission bits (:data:`SCRIPT_FILE_MODE` for a new file: agents' apps, possibly
    under other accounts, must read it; it holds no customer data). Returns the SHA-256 of the
    bytes written, which is the version's ``sha256``. Does not validate: callers
    publish only text that validated (see :func:`publish_if_valid`).
    """
    target = Path(path)
    data = text.encode("utf-8")
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        mode = SCRIPT_FILE_MODE
    write_atomically(target, data, mode=mode)
    return hashlib.sha256(data).hexdigest()


@dataclass
class PublishResult:
    published: bool
    script: Script | None
    problems: list[Problem] = field(default_factory=list)
    sha256: str | None = None


def publish_if_valid(path: str | os.PathLike[str], text: str) -> PublishResult:
    """Validate ``text``; publish it atomically only if it has no errors (warnings are fine)."""
    script, problems = validate_text(text, str(path))
    if script is None:
        return PublishResult(False, None, problems)
    sha = publish_atomically(path, text)
    return PublishResult(True, script, problems, sha)
