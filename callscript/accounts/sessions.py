"""Logging in, unlocking an idle-locked app, and managing accounts.

:func:`log_in` turns a name and a password into the :class:`~callscript.core.access.Actor`
an app then acts as (``store.acting_as(actor)``), or refuses with a reason code
(:class:`Refusal`); every attempt is in the audit log. :func:`unlock` is the same check
for the account already logged in, after the idle lock. :class:`AccountAdmin` is what
``callscript users`` does (admin role, or the CLI's local system actor).

The order of a login's checks: a locked account is refused before its password is
looked at; an unknown name spends the same work as a wrong password (no timing tells
which names exist) and is audited without the name (it may be a password typed into
the wrong box); a wrong password is counted (:class:`~callscript.accounts.lockout.LockoutPolicy`);
a disabled account is refused only after a right password, so a guesser learns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from callscript.accounts.lockout import LockoutPolicy
from callscript.accounts.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    spend_as_much_as_a_check,
    verify_password,
)
from callscript.core.access import Actor, AuditAction, Permission, Role

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from callscript.storage import Account, Store

UNKNOWN_NAME = "(unknown)"
"""The audit log's actor for a failed login with a name that is no account's."""


class Refusal(StrEnum):
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"


class LoginRefused(Exception):
    """The login (or unlock) was refused: ``code`` says why, the message is for the person (Chinese)."""

    def __init__(self, message: str, *, code: Refusal, locked_until: datetime | None = None):
        super().__init__(message)
        self.code = code
        self.locked_until = locked_until


def _locked(until: datetime) -> LoginRefused:
    return LoginRefused(f"账号已锁定, 请在 {until:%H:%M} 以后再试", code=Refusal.LOCKED, locked_until=until)


_BAD = "账号或密码不对"
_DISABLED = "账号已停用, 请找管理员"


def _actor_for(account: Account, origin: str) -> Actor:
    return Actor(account.name, Role(account.role), origin, account.id, account.agent_id)


def _check_password(
    store: Store, account: Account, password: str, actor: Actor, policy: LockoutPolicy, hasher: PasswordHasher | None
) -> None:
    """Refuse a locked account, or a wrong password (counted; locking at the limit)."""
    now = store.now()
    if policy.locked(account.locked_until, now):
        assert account.locked_until is not None
        raise _locked(account.locked_until)
    if not verify_password(account.password_hash, password, hasher):
        after = store.record_login_failure(account.id, actor, policy.after_failure, now=now)
        if policy.locked(after.locked_until, now):
            assert after.locked_until is not None
            raise _locked(after.locked_until)
        raise LoginRefused(_BAD, code=Refusal.BAD_CREDENTIALS)
    if needs_rehash(account.password_hash, hasher):
        store.set_password_hash(account.id, hash_password(password, hasher), audit=False)


def log_in(
    store: Store,
    name: str,
    password: str,
    origin: str,
    *,
    policy: LockoutPolicy | None = None,
    hasher: PasswordHasher | None = None,
) -> Actor:
    """The actor for ``name`` if ``password`` is right and the account may log in now.

    Raises :class:`LoginRefused` (``bad_credentials``, ``locked``, ``disabled``). The
    account is linked to its agents row (same name) on its first login if it was not
    yet, so whoever logs in to the calling app can call.
    """
    policy = policy or LockoutPolicy.from_config()
    account = store.account_named(name) if name.strip() else None
    if account is None:
        spend_as_much_as_a_check(password, hasher)
        store.audit(
            AuditAction.LOGIN_FAILED, actor=Actor(UNKNOWN_NAME, Role.AGENT, origin), detail={"reason": "unknown"}
        )
        raise LoginRefused(_BAD, code=Refusal.BAD_CREDENTIALS)
    actor = _actor_for(account, origin)
    _check_password(store, account, password, actor, policy, hasher)
    if account.disabled:
        store.audit(AuditAction.LOGIN_FAILED, actor=actor, detail={"reason": "disabled"})
        raise LoginRefused(_DISABLED, code=Refusal.DISABLED)
    actor = actor.with_agent(store.link_account_agent(account.id))
    store.record_login(account.id, actor)
    return actor


def unlock(
    store: Store,
    actor: Actor,
    password: str,
    *,
    policy: LockoutPolicy | None = None,
    hasher: PasswordHasher | None = None,
) -> None:
    """The idle-locked app's password check, for the account already logged in.

    Wrong passwords count towards the lockout as at the login screen; a lockout or a
    disabled account ends the session (the app's job, on :class:`LoginRefused`)."""
    policy = policy or LockoutPolicy.from_config()
    if actor.account_id is None:
        return  # the system actor (no accounts): nothing to check against
    account = store.get_account(actor.account_id)
    _check_password(store, account, password, actor, policy, hasher)
    if account.disabled:
        raise LoginRefused(_DISABLED, code=Refusal.DISABLED)
    store.record_login(account.id, actor, action=AuditAction.UNLOCK)


@dataclass(frozen=True, slots=True)
class AccountAdmin:
    """``callscript users``: add, change a password, disable/enable, list (needs the accounts permission).

    Every change is audited as ``actor``'s (the CLI: the local system actor)."""

    store: Store
    actor: Actor
    hasher: PasswordHasher | None = None

    def __post_init__(self) -> None:
        self.actor.require(Permission.ACCOUNTS)

    def add(self, name: str, role: Role | str, password: str) -> Account:
        name = name.strip()
        check_new_password(password, name)
        return self.store.add_account(name, Role(role), hash_password(password, self.hasher), actor=self.actor)

    def change_password(self, name: str, password: str) -> Account:
        account = self._named(name)
        check_new_password(password, account.name)
        return self.store.set_password_hash(account.id, hash_password(password, self.hasher), actor=self.actor)

    def set_disabled(self, name: str, disabled: bool = True) -> Account:
        return self.store.set_account_disabled(self._named(name).id, disabled, actor=self.actor)

    def accounts(self) -> list[Account]:
        return self.store.accounts()

    def _named(self, name: str) -> Account:
        from callscript.storage import NotFound

        account = self.store.account_named(name)
        if account is None:
            raise NotFound(f"no account named {name.strip()!r}")
        return account
