"""Drafts and saving for the script editor (``callscript edit``): what Ctrl+S does.

No Textual; file I/O only (the editor runs these in a worker thread).

* ``scripts/NAME.yaml`` is the **published** script: what agents' apps load and
  watch (:class:`~callscript.workshop.publishing.ScriptWatcher`).
* ``scripts/NAME.draft.yaml`` is the **draft**: the editor's text saved while it
  still has errors. Agents never read it. It is written atomically too, and
  removed once the text is published.
* Saving text with **no errors** (warnings are fine) publishes it with
  :func:`~callscript.workshop.publishing.publish_atomically` (temp file, fsync, rename, fsync
  of the folder). :class:`SaveOutcome` carries the script that was published and
  the one it replaced, so the caller stores both as versions in the database
  (``Store.store_script_version``): the previous text is never lost, even when it
  was edited by hand outside the editor.
* Drafts are not stored in the database: the ``scripts`` table holds versions
  agents can call on (each parses into a :class:`~callscript.script.model.Script`), and
  a draft with errors is not one.

Opening (:func:`open_for_edit`): a draft newer than the published file is what
the supervisor was working on, so it is opened; an older draft (the file was
published since, e.g. by hand) is left alone and reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from callscript.core.reading import MAX_SCRIPT_BYTES, read_bounded
from callscript.script.loader import validate_text
from callscript.script.model import Script
from callscript.script.problems import Problem
from callscript.script.yaml_source import YamlSourceError, decode_source
from callscript.workshop.publishing import publish_atomically

PUBLISHED_FILE, DRAFT_FILE, NEW_FILE = "published", "draft", "new"

NEW_SCRIPT_TEMPLATE = """\
# A new call script; see docs/script-format.md.
script:
  name: {name}
  title: 新话术
  start: opening
nodes:
  opening:
    title: 开场白
    say: 您好!我是{{our_company}}的{{agent_name}},请问{{contact_name}}在吗?
    options:
      - key: "1"
        label: 本人接听
        set: {{reached: true}}
        next: closing
      - key: "2"
        label: 空号/错号
        set: {{reached: false}}
        next: bye_invalid
  closing:
    title: 结束语
    say: 谢谢您,再见!
    end: not_qualified
  bye_invalid:
    title: 空号
    say: 打扰了,再见。
    end: invalid_number
"""


def draft_path(path: str | os.PathLike[str]) -> Path:
    """``scripts/NAME.yaml`` → ``scripts/NAME.draft.yaml``."""
    path = Path(path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.draft{path.suffix or '.yaml'}")


def read_text_file(path: str | os.PathLike[str]) -> str:
    """A script file's text as the validator reads it (UTF-8, BOM and CRLF handled)."""
    return decode_source(read_bounded(path, MAX_SCRIPT_BYTES))


@dataclass(frozen=True)
class EditSource:
    text: str
    kind: str
    """``published`` (the script file), ``draft`` (NAME.draft.yaml) or ``new`` (no file yet)."""
    published_text: str | None
    """What agents load now (None: no file, or unreadable)."""
    note: str = ""
    """One line for the supervisor about what was opened and why."""


def open_for_edit(path: str | os.PathLike[str]) -> EditSource:
    """The text to edit: the draft if it is newer than the published file, else the file."""
    path = Path(path)
    draft = draft_path(path)
    published: str | None = None
    note = ""
    try:
        published = read_text_file(path)
    except FileNotFoundError:
        pass
    except (OSError, YamlSourceError) as exc:
        note = f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc}); "
    try:
        draft_text = read_text_file(draft)
    except (OSError, YamlSourceError):
        draft_text = None
    if draft_text is not None:
        newer = published is None or _mtime(draft) >= _mtime(path)
        if newer and draft_text != published:
            return EditSource(
                draft_text, DRAFT_FILE, published, note + f"打开的是草稿 {draft.name} (未发布); 没有错误时 Ctrl+S 发布"
            )
        if not newer:
            note += f"{draft.name} 比已发布的文件旧, 没有打开它 (再存草稿会覆盖它)"
    if published is not None:
        return EditSource(published, PUBLISHED_FILE, published, note)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in stem) or "script"
    return EditSource(NEW_SCRIPT_TEMPLATE.format(name=name), NEW_FILE, None, note + f"新文件 {path.name}: Ctrl+S 创建")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@dataclass
class SaveOutcome:
    published: bool
    """True: the text is now the script agents load. False: saved as a draft only."""
    path: Path
    """The file written: the script file, or its draft."""
    problems: list[Problem] = field(default_factory=list)
    script: Script | None = None
    """The published script (None for a draft)."""
    previous: Script | None = None
    """The script the publish replaced, when the old file was a valid script with other text."""
    previous_problems: list[Problem] = field(default_factory=list)
    """Why the replaced file was not a valid script (it is then not stored as a version)."""
    sha256: str | None = None
    unchanged: bool = False
    """The published file already held exactly this text: nothing was written."""
    replaced_sha256: str | None = None
    """SHA-256 of the text the publish replaced (None: there was no file)."""

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)


def save_edit(path: str | os.PathLike[str], text: str) -> SaveOutcome:
    """Ctrl+S: publish ``text`` if it has no errors, else write it to the draft file.

    Never raises for bad script text; an ``OSError`` from writing propagates (the
    editor shows it and keeps the text).
    """
    path = Path(path)
    script, problems = validate_text(text, str(path))
    if script is None:
        draft = draft_path(path)
        publish_atomically(draft, text)
        return SaveOutcome(False, draft, problems)
    previous: Script | None = None
    previous_problems: list[Problem] = []
    try:
        old_text: str | None = read_text_file(path)
    except FileNotFoundError:
        old_text = None
    except (OSError, YamlSourceError):
        old_text = None
    if old_text is not None and old_text != text:
        previous, previous_problems = validate_text(old_text, str(path))
    if old_text == text:
        sha = script.sha256
        unchanged = True
    else:
        sha = publish_atomically(path, text)
        unchanged = False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(draft_path(path))
    replaced = hashlib.sha256(old_text.encode("utf-8")).hexdigest() if old_text is not None else None
    return SaveOutcome(
        True, path, problems, script, previous, previous_problems if previous is None else [], sha, unchanged, replaced
    )
