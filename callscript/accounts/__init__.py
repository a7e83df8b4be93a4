"""Accounts: passwords, the lockout rule, and logging in and out (docs/deploy.md, "Accounts").

Pure where it can be (:mod:`~callscript.accounts.passwords` and
:mod:`~callscript.accounts.lockout` touch no database); :mod:`~callscript.accounts.sessions`
is the flow the apps and the CLI use, over the SQL in :mod:`callscript.storage.accounts`.
The role policy itself (who may do what) is :mod:`callscript.core.access`, because the
storage layer and the reports enforce it and may not import this package.
"""

from callscript.accounts.lockout import LockoutPolicy
from callscript.accounts.passwords import MIN_LENGTH, PasswordRejected, check_new_password
from callscript.accounts.sessions import (
    AccountAdmin,
    LoginRefused,
    Refusal,
    log_in,
    unlock,
)

__all__ = [
    "MIN_LENGTH",
    "AccountAdmin",
    "LockoutPolicy",
    "LoginRefused",
    "PasswordRejected",
    "Refusal",
    "check_new_password",
    "log_in",
    "unlock",
]
