"""What storage refuses to do, with a stable reason code.

Every error has a ``code`` (:class:`ErrorCode`, a ``str``): callers branch on the
code (``exc.code == ErrorCode.LEAD_IN_CALL``, or the plain string
``"lead_in_call"``), never on the message, which is for people and may change.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why storage said no. The values are stable: tests, the TUI and scripts match on them."""

    STORAGE_ERROR = "storage_error"
    """Anything without a more precise code."""
    NO_DATABASE = "no_database"
    """Opening without ``create`` a file that does not exist."""
    NOT_WAL = "not_wal"
    """The file could not be switched to the WAL journal."""
    SCHEMA_TOO_NEW = "schema_too_new"
    """The file was written by a newer callscript."""
    NOT_OPEN = "not_open"
    """The database has not been opened (yet) by whoever holds the store."""
    NOT_FOUND = "not_found"
    """No lead / call / agent / script version with that id or name."""
    DUPLICATE_PHONE = "duplicate_phone"
    """Another lead has the same normalised phone number."""
    LEAD_DO_NOT_CALL = "lead_do_not_call"
    """The lead is marked do-not-call."""
    LEAD_IN_CALL = "lead_in_call"
    """The lead is in a call already."""
    LEAD_CLAIMED_BY_OTHER = "lead_claimed_by_other"
    """Another agent holds an unexpired claim on the lead."""
    CALL_FINISHED = "call_finished"
    """The call has its outcome; its log is closed (notes are still allowed)."""
    CALL_HAS_ANSWERS = "call_has_answers"
    """A call with answers recorded cannot be discarded, only closed with an outcome."""
    SCRIPT_VERSION_MISMATCH = "script_version_mismatch"
    """A call resumes only on the script version it was made with."""
    LEAD_CLOSED = "lead_closed"
    """The lead's development is over (refused, not qualified, member care done): not callable."""
    LEAD_DEAD = "lead_dead"
    """The lead's number is invalid (空号/错号): not callable."""
    LEAD_CLAIMED_BY_OTHER_SESSION = "lead_claimed_by_other_session"
    """The same agent holds the lead in another running app (a second window or terminal)."""
    NOT_A_DATABASE = "not_a_database"
    """The file is not an SQLite database, or an SQLite database of another program."""
    DATABASE_DAMAGED = "database_damaged"
    """SQLite found the file damaged (SQLITE_CORRUPT): run ``callscript db check``; restore a backup."""
    DISK_FULL = "disk_full"
    """The disk (or the file system's quota) is full: what was being written was not saved."""
    READ_ONLY = "read_only"
    """The file, or the directory SQLite needs for its -wal/-shm files, cannot be written."""
    CANNOT_OPEN = "cannot_open"
    """The file cannot be opened or created (missing directory, permission denied)."""
    IO_ERROR = "io_error"
    """The operating system reported an I/O error while reading or writing the file."""
    RESTORE_REFUSED = "restore_refused"
    """``db restore``: the source is not a sound callscript database, or the live one is in use."""
    DUPLICATE_ACCOUNT = "duplicate_account"
    """An account with that name exists already."""
    DATABASE_UNREACHABLE = "database_unreachable"
    """The PostgreSQL server cannot be reached (down, restarting, the network): nothing was
    written by the step that failed; try again once it is back (the app keeps the answers queued)."""
    CALL_IN_PROGRESS = "call_in_progress"
    """The call's agent is still in it (their app reports it within the last seconds): not closed from the floor."""
    AGENT_PRESENT = "agent_present"
    """The agent is logged in and heard from: their callbacks and follow-ups are not taken away."""


class StorageError(Exception):
    """Something the storage layer refuses to do; the message is for a person, ``code`` for code."""

    code: ErrorCode = ErrorCode.STORAGE_ERROR

    def __init__(self, message: str, *, code: ErrorCode | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class DatabaseProblem(StorageError):
    """The file itself is the trouble (not a database, damaged, disk full, read-only, unreadable):
    nothing the command asked for can be done with it. ``path`` is the file."""

    def __init__(self, message: str, *, code: ErrorCode, path: str | None = None, detail: str | None = None):
        super().__init__(message, code=code)
        self.path = path
        self.detail = detail


class NotFound(StorageError, LookupError):
    """No row with that id (or name)."""

    code = ErrorCode.NOT_FOUND


class LeadUnavailable(StorageError):
    """The lead cannot be taken: ``code`` says why (do-not-call, in a call, claimed by another agent)."""

    def __init__(self, message: str, *, code: ErrorCode):
        super().__init__(message, code=code)


class DuplicateLead(StorageError):
    """A lead with the same normalised phone number exists already (``existing_id``)."""

    code = ErrorCode.DUPLICATE_PHONE

    def __init__(self, message: str, existing_id: int):
        super().__init__(message)
        self.existing_id = existing_id


class CallFinished(StorageError):
    """The call already has its outcome; only notes may still be added."""

    code = ErrorCode.CALL_FINISHED


class DuplicateAccount(StorageError):
    """An account with that name exists already."""

    code = ErrorCode.DUPLICATE_ACCOUNT
