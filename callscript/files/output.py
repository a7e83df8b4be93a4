"""Files the product writes: private, whole, and never over something that must survive.

Reports, exports and problem files hold phone numbers and addresses, so:

* **Private.** A file is created with mode 0600 (like the database), whatever the
  umask. A team that shares a folder sets ``CALLSCRIPT_FILE_MODE`` (e.g. ``0640``,
  ``0660``): read and write for the owner, at most read/write for group and others,
  never execute bits. The mode is set exactly (the umask does not change it).
* **Whole.** The data goes to a temporary file in the target's directory, is
  fsynced, then renamed into place (and the directory fsynced): a reader — or a
  crash — sees the old file or the new one, never half of one.
* **Never over what is there** unless the caller says ``force`` (``--force``): without
  it, the new file is linked into place, which fails if a file appeared meanwhile.
* **Never over the database in use** or its ``-wal``/``-shm``/``-journal`` files, even
  with ``force``: compared by resolved path *and* by inode, so a symlink or a hard
  link to the database is caught too. Nor over a directory or a device.

:func:`plan_output` checks all that *before* the work (so ``leads import --problems
PATH`` refuses before the import commits); :func:`write_output` checks again and writes.
Problems are :class:`OutputError` with a message for a person.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DEFAULT_MODE = 0o600
MODE_ENV = "CALLSCRIPT_FILE_MODE"
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")
"""SQLite's companions of a database file: overwriting any of them can lose or corrupt data."""


class OutputError(Exception):
    """A file that will not or cannot be written; the message says which and why."""


def file_mode(environ: Mapping[str, str] | None = None) -> int:
    """The mode for new files: ``$CALLSCRIPT_FILE_MODE`` (octal, e.g. ``0640``), else 0600."""
    text = (os.environ if environ is None else environ).get(MODE_ENV, "").strip()
    if not text:
        return DEFAULT_MODE
    digits = text.lower().removeprefix("0o")
    try:
        mode = int(digits, 8)
    except ValueError:
        raise OutputError(f"{MODE_ENV}={text!r} is not an octal file mode such as 0600 or 0640") from None
    if mode & ~0o666 or mode & 0o600 != 0o600:
        raise OutputError(
            f"{MODE_ENV}={text!r}: a file mode gives the owner read and write (0600) and at most "
            "read/write to group and others (0666), never execute"
        )
    return mode


def database_files(db_path: str | os.PathLike[str]) -> list[Path]:
    """The database file and its -wal, -shm and -journal companions."""
    base = Path(db_path)
    return [base.with_name(base.name + suffix) for suffix in DATABASE_SUFFIXES]


@dataclass(frozen=True, slots=True)
class OutputTarget:
    """A file checked by :func:`plan_output`, to be written by :func:`write_output`."""

    path: Path
    force: bool = False
    mode: int = DEFAULT_MODE
    protected: tuple[Path, ...] = ()


def _identity(path: Path) -> tuple[Path, tuple[int, int] | None]:
    resolved = path.resolve()
    try:
        st = os.stat(resolved)
    except OSError:
        return resolved, None
    return resolved, (st.st_dev, st.st_ino)


def _nearest_directory(path: Path) -> Path:
    """The directory the file goes in, or its nearest existing ancestor (missing ones are created)."""
    parent = path.parent if str(path.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def _check(target: OutputTarget) -> None:
    path = target.path
    if not str(path) or path.name in ("", ".", ".."):
        raise OutputError(f"{path}: not a file name")
    resolved, identity = _identity(path)
    for protected in target.protected:
        other, other_identity = _identity(protected)
        if resolved == other or (identity is not None and identity == other_identity):
            raise OutputError(
                f"{path}: that is the database in use ({protected}); it is never overwritten, "
                "even with --force — choose another file name"
            )
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise OutputError(f"{path}: {_nearest_directory(path)} is not a directory") from None
        raise OutputError(f"{path}: cannot check the file: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path}: exists and is not a regular file; will not replace it")
        if not target.force:
            raise OutputError(f"{path}: already exists; use --force to replace it")
    directory = _nearest_directory(path)
    if not directory.is_dir():
        raise OutputError(f"{path}: {directory} is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in {directory} (permission denied or read-only)")


def plan_output(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    protect: Iterable[str | os.PathLike[str]] = (),
    mode: int | None = None,
) -> OutputTarget:
    """Check that ``path`` may be written, before any work is done; :class:`OutputError` if not.

    ``protect``: database files never to overwrite (their companions are added);
    ``mode``: None reads :func:`file_mode` (the environment).
    """
    protected = tuple(p for db in protect for p in database_files(db))
    target = OutputTarget(Path(path), force, file_mode() if mode is None else mode, protected)
    _check(target)
    return target


Writer = Callable[[IO[bytes]], None]


def write_output(target: OutputTarget, data: bytes | Writer) -> None:
    """Write ``data`` (bytes, or a function writing to a binary file) to the target atomically.

    Checks the target again (time has passed since :func:`plan_output`), creates missing
    directories, then writes a temporary file with the target's mode, fsyncs it and
    moves it into place. On any failure the temporary file is removed, the old file
    (if any) is untouched, and :class:`OutputError` says what happened.
    """
    _place_output(target, lambda path: write_atomically(path, data, mode=target.mode, replace=target.force))


Builder = Callable[[Path], None]
"""Fills a file given its path (for producers that cannot write to a handle: SQLite's backup)."""


def build_output(target: OutputTarget, build: Builder) -> None:
    """:func:`write_output` for a file made by ``build(temporary_path)`` — e.g. a database copy
    made by SQLite, which writes to a path, not to a handle. Same rules: checked again, the
    target's mode, fsynced, moved into place whole, never over a file without ``force``."""
    _place_output(target, lambda path: _place_atomically(path, build, mode=target.mode, replace=target.force))


def _place_output(target: OutputTarget, place: Callable[[Path], None]) -> None:
    """The rules :func:`write_output` and :func:`build_output` share around ``place(path)``: the
    target checked again, missing directories made, every failure an :class:`OutputError`."""
    _check(target)
    path = target.path
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create {directory}: {exc.strerror or exc}") from None
    try:
        place(path)
    except FileExistsError:
        raise OutputError(f"{path}: already exists (created meanwhile); use --force to replace it") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _place_atomically(target: Path, build: Builder, *, mode: int, replace: bool) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    companions = [Path(tmp + suffix) for suffix in DATABASE_SUFFIXES[1:]]
    try:
        os.chmod(tmp, mode)
        build(Path(tmp))
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            _link_into_place(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        for leftover in companions:  # a -journal SQLite left behind after a failure
            with contextlib.suppress(OSError):
                leftover.unlink()
    fsync_directory(directory)


def write_atomically(
    path: str | os.PathLike[str], data: bytes | Writer, *, mode: int = DEFAULT_MODE, replace: bool = True
) -> None:
    """Temporary file in the same directory, exact ``mode``, fsync, then into place, then fsync the directory.

    ``replace=False`` links the file into place instead of renaming, so it fails with
    :class:`FileExistsError` rather than replace a file that appeared meanwhile (a file
    system without hard links falls back to a rename after one more look). OS errors
    propagate; the temporary file never stays behind.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                data(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            _link_into_place(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_directory(directory)


def _link_into_place(tmp: str, target: Path) -> None:
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename in ``directory`` survive a power cut (a no-op where directories cannot be opened)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:  # e.g. Windows: directories cannot be opened; the rename is durable enough there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
