"""Script versions: every version a call was made with, with its full text, so history
stays interpretable after the supervisor edits the YAML and a call resumes on the
text it started with."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from callscript.storage.base import StoreBase, to_text
from callscript.storage.errors import NotFound
from callscript.storage.records import ScriptVersion
from callscript.storage.timefmt import iso, parse_iso

if TYPE_CHECKING:  # the engine is imported lazily: storage must not need it to open a file
    from callscript.script.model import Script


class ScriptsMixin(StoreBase):
    """``store_script_version``, ``get_script_version``, ``script_versions``, ``load_script_version``."""

    def store_script_version(self, script: Script, *, now: datetime | None = None) -> int:
        """The id of this script version (by sha256 of its text), storing the text the first time."""
        sha = script.sha256
        known = self._value("SELECT id FROM scripts WHERE sha256 = ?", (sha,))
        if known is not None:
            return int(known)
        stamp = iso(self._now(now))

        def work() -> int:
            self._execute(
                """INSERT INTO scripts (name, title, sha256, source_text, path, first_seen_at)
                   VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING""",
                (script.name, script.title, sha, script.source_text, to_text(script.path), stamp),
            )
            return int(self._value("SELECT id FROM scripts WHERE sha256 = ?", (sha,)))

        return self._tx(work)

    def get_script_version(self, script_id: int) -> ScriptVersion:
        row = self._row("SELECT * FROM scripts WHERE id = ?", (script_id,))
        if row is None:
            raise NotFound(f"no script version {script_id}")
        return ScriptVersion.from_row(row)

    def script_versions(self, name: str | None = None) -> list[ScriptVersion]:
        if name is None:
            rows = self._rows("SELECT * FROM scripts ORDER BY id")
        else:
            rows = self._rows("SELECT * FROM scripts WHERE name = ? ORDER BY id", (name,))
        return [ScriptVersion.from_row(r) for r in rows]

    def load_script_version(self, script_id: int) -> Script:
        """The script exactly as it was when the call was made (parsed from the stored text)."""
        from callscript.script.loader import load_script_text

        version = self.get_script_version(script_id)
        return load_script_text(version.source_text, path=version.path or f"<script version {script_id}>")

    def last_good_script(self, path: str | os.PathLike[str]) -> Script | None:
        """The last good version of the script file at ``path``, for an app that finds the
        file broken when it starts: of the versions stored from that file (the same file, else
        one of the same name — a checkout may have moved), the one the floor used last or
        stored last, whichever is more recent (a supervisor who reverts to an old text makes
        the old version the one in use again). None when no version of that file is stored.
        Every stored version was valid when it was stored.
        """
        wanted = Path(path)
        rows = self._rows("SELECT id, path, first_seen_at FROM scripts ORDER BY id")
        same = [r for r in rows if r["path"] and _same_file(r["path"], wanted)]
        if not same:
            same = [r for r in rows if r["path"] and Path(r["path"]).name == wanted.name]
        if not same:
            return None
        newest = same[-1]
        ids = [r["id"] for r in same]
        marks = ",".join("?" * len(ids))
        used = self._row(
            f"SELECT script_id, started_at FROM calls WHERE script_id IN ({marks}) ORDER BY started_at DESC LIMIT 1",
            ids,
        )
        chosen = newest["id"]
        if used is not None and _after(used["started_at"], newest["first_seen_at"]):
            chosen = used["script_id"]
        return self.load_script_version(chosen)


def _after(first: str, second: str) -> bool:
    a, b = parse_iso(first), parse_iso(second)
    return a is not None and b is not None and a > b


def _same_file(stored: str, wanted: Path) -> bool:
    try:
        return Path(stored).resolve() == wanted.resolve()
    except OSError:
        return False
