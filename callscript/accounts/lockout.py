"""The lockout and idle-lock rules: pure arithmetic on counts and times.

* Five wrong passwords in a row lock the account for 15 minutes; both numbers are
  configurable (``$CALLSCRIPT_LOCKOUT_ATTEMPTS``, ``$CALLSCRIPT_LOCKOUT_MINUTES``, read
  by :func:`LockoutPolicy.from_config`). When it locks, the count starts again, so the
  next five wrong passwords after the lock lock it again. A right password resets it.
* While locked, no password is checked at all (not even the right one): the answer is
  "locked until HH:MM".
* An app idle for 10 minutes (``$CALLSCRIPT_IDLE_LOCK_MINUTES``) asks for the password
  again; wrong passwords there count the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from callscript.config import idle_lock_minutes, lockout_attempts, lockout_minutes


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    idle_lock: timedelta = timedelta(minutes=10)

    @classmethod
    def from_config(cls) -> LockoutPolicy:
        """The numbers from the environment (docs/deploy.md), else 5 / 15 min / 10 min."""
        return cls(lockout_attempts(), timedelta(minutes=lockout_minutes()), timedelta(minutes=idle_lock_minutes()))

    def after_failure(self, failures: int, now: datetime) -> tuple[int, datetime | None]:
        """``failures`` wrong passwords in a row (this one included) → (count to keep, locked until).

        The storage layer calls this inside the transaction that counts
        (:meth:`callscript.storage.Store.record_login_failure`)."""
        if failures >= self.max_failures:
            return 0, now + self.lock_for
        return failures, None

    @staticmethod
    def locked(locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and now < locked_until

    def idle_for_too_long(self, idle: timedelta) -> bool:
        return idle >= self.idle_lock
