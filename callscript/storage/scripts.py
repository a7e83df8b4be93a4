"""Script versions: every version a call was made with, with its full text, so history
stays interpretable after the supervisor edits the YAML and a call resumes on the
text it started with."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from callscript.storage.base import StoreBase, to_text
from callscript.storage.errors import NotFound
from callscript.storage.records import ScriptVersion
from callscript.storage.timefmt import iso

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
