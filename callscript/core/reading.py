"""Reading a file the user names, never more than a limit: the one bounded read.

``st_size`` says nothing about ``/dev/zero``, a FIFO, a terminal or ``/proc`` files, and a file
can grow while it is read; so every file the product reads because someone named it (a lead
list, a script, a tests file, an answers file, the config file) is read in chunks and the read
stops one byte past the limit, which is then an error that says so — memory never grows past
the limit whatever the path names. Pipes still work (``leads import <(…)``), within the limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable

CHUNK = 1 << 20

MAX_SCRIPT_BYTES = 64 * 1024 * 1024
"""Scripts, script tests, drafts, answers and facts files: a 2,000-node script is well under 1 MB;
the cap leaves room for the YAML reader to say what is wrong with a hostile document (a 50 MB
mapping 10,000 levels deep is "nesting deeper than 64 levels", not "too big")."""

MAX_CONFIG_BYTES = 1024 * 1024
"""The agent's config file (a name and a company)."""


class FileTooBig(OSError):
    """The file is longer than the limit for its kind; nothing past the limit was read."""

    def __init__(self, path: str | os.PathLike[str], limit: int):
        super().__init__(f"{path}: more than {_size(limit)}; not read (is it the right file?)")
        self.path = str(path)
        self.limit = limit


def read_bounded(
    path: str | os.PathLike[str],
    limit: int,
    *,
    check_start: Callable[[bytes], None] | None = None,
) -> bytes:
    """The file's bytes, at most ``limit`` of them (:class:`FileTooBig` past that).

    ``check_start(first_chunk)`` may raise to stop early (a lead list that starts with NUL bytes
    is no CSV: no need to read 200 MB of ``/dev/zero`` to say so). ``OSError`` as ``open`` and
    ``read`` raise them (missing, a directory, no permission).
    """
    parts: list[bytes] = []
    total = 0
    with open(path, "rb", buffering=0) as handle:
        while total <= limit:
            block = handle.read(min(CHUNK, limit + 1 - total))
            if not block:
                break
            if not parts and check_start is not None:
                check_start(block)
            parts.append(block)
            total += len(block)
    if total > limit:
        raise FileTooBig(path, limit)
    return b"".join(parts)


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB" if limit >= 1024 else f"{limit} bytes"
