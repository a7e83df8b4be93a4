"""Accounts: who may log in, with which role, and the counters behind the lockout.

The SQL of :mod:`callscript.accounts` (passwords, lockout rules and the login flow live
there, pure where they can be). Each change is one transaction together with its audit
entry. Password *hashes* pass through here as opaque strings; a password never does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from callscript.core.access import Actor, AuditAction, Role
from callscript.storage.agents import AgentsMixin
from callscript.storage.errors import DuplicateAccount, NotFound
from callscript.storage.records import Account
from callscript.storage.timefmt import iso

FailureRule = Callable[[int, datetime], tuple[int, datetime | None]]
"""(wrong passwords in a row so far, including this one; now) → (count to keep, locked until or None).
The lockout rule itself is :meth:`callscript.accounts.lockout.LockoutPolicy.after_failure`."""


class AccountsMixin(AgentsMixin):
    """``has_accounts``, ``accounts``, ``account_named``, ``get_account``, ``add_account``,
    ``set_password_hash``, ``set_account_disabled``, ``link_account_agent``,
    ``record_login``, ``record_login_failure``."""

    def has_accounts(self) -> bool:
        """True once any account exists: from then on every app starts with a login screen."""
        return self._value("SELECT EXISTS (SELECT 1 FROM accounts)") == 1

    def accounts(self) -> list[Account]:
        return [Account.from_row(r) for r in self._rows("SELECT * FROM accounts ORDER BY name")]

    def account_named(self, name: str) -> Account | None:
        row = self._row("SELECT * FROM accounts WHERE name = ?", (name.strip(),))
        return Account.from_row(row) if row else None

    def get_account(self, account_id: int) -> Account:
        row = self._row("SELECT * FROM accounts WHERE id = ?", (account_id,))
        if row is None:
            raise NotFound(f"no account {account_id}")
        return Account.from_row(row)

    def account_disabled_at(self, account_id: int) -> str | None:
        """The one cheap read the acting view makes before each action (a disabled account's
        sessions end at their next action): the account's ``disabled_at`` (missing: disabled)."""
        row = self._row("SELECT disabled_at FROM accounts WHERE id = ?", (account_id,))
        return "missing" if row is None else row["disabled_at"]

    def add_account(
        self,
        name: str,
        role: Role | str,
        password_hash: str,
        *,
        actor: Actor | None = None,
        now: datetime | None = None,
    ) -> Account:
        """A new account; an ``agent`` is linked to the agents row of the same name (created if new).

        Raises :class:`DuplicateAccount` when the name is taken."""
        name = name.strip()
        if not name:
            raise ValueError("an account needs a name")
        role = Role(role)
        moment = self._now(now)
        stamp = iso(moment)

        def work() -> int:
            if self._value("SELECT id FROM accounts WHERE name = ?", (name,)) is not None:
                raise DuplicateAccount(f"an account named {name!r} exists already")
            agent_id = self.ensure_agent(name, now=moment).id if role is Role.AGENT else None
            account_id = self._insert(
                """INSERT INTO accounts (name, role, password_hash, agent_id, password_changed_at, created_at,
                                         updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (name, role.value, password_hash, agent_id, stamp, stamp, stamp),
            )
            self.audit(
                AuditAction.ACCOUNT_ADDED,
                actor=actor,
                target=f"account:{name}",
                detail={"role": role.value},
                now=moment,
            )
            return account_id

        return self.get_account(self._tx(work))

    def link_account_agent(self, account_id: int, *, now: datetime | None = None) -> int:
        """The agents row the account's calls are made as (same name), created and linked on first use."""
        account = self.get_account(account_id)
        if account.agent_id is not None:
            return account.agent_id

        def work() -> int:
            agent_id = self.ensure_agent(account.name, now=now).id
            self._execute("UPDATE accounts SET agent_id = ? WHERE id = ? AND agent_id IS NULL", (agent_id, account_id))
            return agent_id

        return self._tx(work)

    def set_password_hash(
        self,
        account_id: int,
        password_hash: str,
        *,
        actor: Actor | None = None,
        audit: bool = True,
        now: datetime | None = None,
    ) -> Account:
        """Store a new hash; a changed password also clears the lockout. ``audit=False``: the
        same password re-hashed with stronger parameters at login (not a change)."""
        moment = self._now(now)
        stamp = iso(moment)

        def work() -> None:
            account = self.get_account(account_id)
            if audit:
                self._execute(
                    """UPDATE accounts SET password_hash = ?, password_changed_at = ?, failed_logins = 0,
                           locked_until = NULL, updated_at = ? WHERE id = ?""",
                    (password_hash, stamp, stamp, account_id),
                )
                self.audit(AuditAction.PASSWORD_CHANGED, actor=actor, target=f"account:{account.name}", now=moment)
            else:
                self._execute("UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, account_id))

        self._tx(work)
        return self.get_account(account_id)

    def set_account_disabled(
        self, account_id: int, disabled: bool = True, *, actor: Actor | None = None, now: datetime | None = None
    ) -> Account:
        """Disable (its running sessions end at their next action) or enable an account."""
        moment = self._now(now)
        stamp = iso(moment)

        def work() -> None:
            account = self.get_account(account_id)
            if account.disabled == disabled:
                return
            self._execute(
                "UPDATE accounts SET disabled_at = ?, updated_at = ? WHERE id = ?",
                (stamp if disabled else None, stamp, account_id),
            )
            action = AuditAction.ACCOUNT_DISABLED if disabled else AuditAction.ACCOUNT_ENABLED
            self.audit(action, actor=actor, target=f"account:{account.name}", now=moment)

        self._tx(work)
        return self.get_account(account_id)

    def record_login(
        self, account_id: int, actor: Actor, *, action: AuditAction = AuditAction.LOGIN, now: datetime | None = None
    ) -> None:
        """A right password: the wrong-password count starts again; ``action`` (login, unlock) is audited."""
        moment = self._now(now)

        def work() -> None:
            self._execute("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?", (account_id,))
            self.audit(action, actor=actor, now=moment)

        self._tx(work)

    def record_login_failure(
        self, account_id: int, actor: Actor, rule: FailureRule, *, now: datetime | None = None
    ) -> Account:
        """A wrong password for this account: counted, and the account locked when ``rule`` says so.

        One transaction, so two browsers failing at the same moment each count. Audited as
        ``login_failed``, and ``lockout`` when it locks."""
        moment = self._now(now)
        stamp = iso(moment)

        def work() -> None:
            failures = int(self._value("SELECT failed_logins FROM accounts WHERE id = ?", (account_id,)) or 0) + 1
            keep, locked_until = rule(failures, moment)
            self._execute(
                "UPDATE accounts SET failed_logins = ?, locked_until = COALESCE(?, locked_until), updated_at = ? "
                "WHERE id = ?",
                (keep, iso(locked_until), stamp, account_id),
            )
            self.audit(AuditAction.LOGIN_FAILED, actor=actor, detail={"failures": failures}, now=moment)
            if locked_until is not None:
                self.audit(AuditAction.LOCKOUT, actor=actor, detail={"until": iso(locked_until)}, now=moment)

        self._tx(work)
        return self.get_account(account_id)
