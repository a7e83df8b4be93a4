"""Logging in: right and wrong passwords, the lockout, disabled accounts, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.conftest import FAST
from callscript.accounts import AccountAdmin, LockoutPolicy, LoginRefused, log_in, unlock
from callscript.accounts.passwords import PasswordRejected
from callscript.core.access import PermissionDenied, Role
from callscript.storage import DuplicateAccount

POLICY = LockoutPolicy(max_failures=5, lock_for=timedelta(minutes=15))
PASSWORD = "s3cret-Pw!"


@pytest.fixture
def admin(store):
    return AccountAdmin(store, store.actor, FAST)


def login(store, name="王芳", password=PASSWORD, origin="10.0.0.5"):
    return log_in(store, name, password, origin, policy=POLICY, hasher=FAST)


def test_an_agent_account_is_linked_to_its_agent_row_and_logs_in(store, admin):
    account = admin.add("王芳", "agent", PASSWORD)
    assert account.agent_id == store.ensure_agent("王芳").id
    actor = login(store)
    assert (actor.name, actor.role, actor.account_id, actor.agent_id) == (
        "王芳",
        Role.AGENT,
        account.id,
        account.agent_id,
    )
    assert actor.origin == "10.0.0.5"
    last = store.audit_entries()[-1]
    assert (last.action, last.actor, last.origin, last.account_id) == ("login", "王芳", "10.0.0.5", account.id)


def test_supervisor_gets_an_agent_row_at_first_login(store, admin):
    account = admin.add("李主管", "supervisor", PASSWORD)
    assert account.agent_id is None
    actor = login(store, "李主管")
    assert actor.agent_id == store.get_agent("李主管").id == store.get_account(account.id).agent_id


def test_duplicate_name_refused(store, admin):
    admin.add("王芳", "agent", PASSWORD)
    with pytest.raises(DuplicateAccount) as refused:
        admin.add("王芳", "admin", PASSWORD)
    assert refused.value.code == "duplicate_account"


def test_short_password_refused_before_anything_is_written(store, admin):
    with pytest.raises(PasswordRejected):
        admin.add("王芳", "agent", "short")
    assert store.accounts() == [] and store.audit_entries() == []


def test_wrong_password_and_unknown_name_look_the_same(store, admin):
    admin.add("王芳", "agent", PASSWORD)
    with pytest.raises(LoginRefused) as wrong:
        login(store, password="nope-nope")
    with pytest.raises(LoginRefused) as unknown:
        login(store, name="不存在")
    assert str(wrong.value) == str(unknown.value) == "账号或密码不对"
    assert wrong.value.code == unknown.value.code == "bad_credentials"
    failed = [e for e in store.audit_entries() if e.action == "login_failed"]
    assert [(e.actor, e.detail) for e in failed] == [("王芳", {"failures": 1}), ("(unknown)", {"reason": "unknown"})]
    assert all("不存在" not in str(e) for e in store.audit_entries())  # a typed name that is no account's is not kept


def test_five_wrong_passwords_lock_for_fifteen_minutes(store, admin, clock):
    admin.add("王芳", "agent", PASSWORD)
    for _ in range(4):
        with pytest.raises(LoginRefused) as refused:
            login(store, password="wrong-password")
        assert refused.value.code == "bad_credentials"
    with pytest.raises(LoginRefused) as fifth:
        login(store, password="wrong-password")
    assert fifth.value.code == "locked"
    assert fifth.value.locked_until == clock.now + timedelta(minutes=15)
    assert "10:15" in str(fifth.value)
    with pytest.raises(LoginRefused) as still:  # even the right password, while locked
        login(store)
    assert still.value.code == "locked"
    clock.now += timedelta(minutes=15)
    assert login(store).name == "王芳"
    actions = [e.action for e in store.audit_entries()]
    assert actions.count("lockout") == 1 and actions[-1] == "login"


def test_a_right_password_resets_the_count(store, admin):
    admin.add("王芳", "agent", PASSWORD)
    for _ in range(4):
        with pytest.raises(LoginRefused):
            login(store, password="wrong-password")
    login(store)
    for _ in range(4):
        with pytest.raises(LoginRefused) as refused:
            login(store, password="wrong-password")
        assert refused.value.code == "bad_credentials"


def test_disabled_account_refused_only_after_a_right_password(store, admin):
    admin.add("王芳", "agent", PASSWORD)
    admin.set_disabled("王芳")
    with pytest.raises(LoginRefused) as wrong:
        login(store, password="wrong-password")
    assert wrong.value.code == "bad_credentials"
    with pytest.raises(LoginRefused) as right:
        login(store)
    assert right.value.code == "disabled" and "停用" in str(right.value)
    admin.set_disabled("王芳", False)
    assert login(store).name == "王芳"


def test_unlock_counts_wrong_passwords_like_a_login(store, admin, clock):
    admin.add("王芳", "agent", PASSWORD)
    actor = login(store)
    for _ in range(4):
        with pytest.raises(LoginRefused):
            unlock(store, actor, "wrong-password", policy=POLICY, hasher=FAST)
    with pytest.raises(LoginRefused) as locked:
        unlock(store, actor, "wrong-password", policy=POLICY, hasher=FAST)
    assert locked.value.code == "locked"
    clock.now += timedelta(minutes=16)
    unlock(store, actor, PASSWORD, policy=POLICY, hasher=FAST)
    assert store.audit_entries()[-1].action == "unlock"


def test_password_change_clears_the_lock_and_is_audited(store, admin):
    admin.add("王芳", "agent", PASSWORD)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            login(store, password="wrong-password")
    admin.change_password("王芳", "another-pw-1")
    assert login(store, password="another-pw-1").name == "王芳"
    changed = [e for e in store.audit_entries() if e.action == "password_changed"]
    assert [(e.actor, e.target, e.origin) for e in changed] == [("system", "account:王芳", "cli:test@host")]


def test_weak_stored_hash_is_upgraded_at_login(store):
    from argon2 import PasswordHasher

    from callscript.accounts.passwords import hash_password

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    store.add_account("王芳", "agent", hash_password(PASSWORD, weak))
    strong = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    log_in(store, "王芳", PASSWORD, "tty", policy=POLICY, hasher=strong)
    assert "m=16,t=2" in store.account_named("王芳").password_hash
    assert [e.action for e in store.audit_entries()].count("password_changed") == 0


def test_only_accounts_permission_may_administer(store, admin):
    admin.add("王芳", "agent", PASSWORD)
    admin.add("李主管", "supervisor", PASSWORD)
    for name in ("王芳", "李主管"):
        with pytest.raises(PermissionDenied) as refused:
            AccountAdmin(store, login(store, name), FAST)
        assert refused.value.code == "not_permitted"


def test_account_repr_never_shows_the_hash(store, admin):
    account = admin.add("王芳", "agent", PASSWORD)
    assert "argon2" not in repr(account) and "argon2" not in str(account)


def test_lockout_numbers_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CALLSCRIPT_LOCKOUT_ATTEMPTS", "3")
    monkeypatch.setenv("CALLSCRIPT_LOCKOUT_MINUTES", "30")
    monkeypatch.setenv("CALLSCRIPT_IDLE_LOCK_MINUTES", "2.5")
    policy = LockoutPolicy.from_config()
    assert policy == LockoutPolicy(3, timedelta(minutes=30), timedelta(minutes=2.5))
    monkeypatch.setenv("CALLSCRIPT_LOCKOUT_ATTEMPTS", "zero")
    with pytest.raises(ValueError, match="CALLSCRIPT_LOCKOUT_ATTEMPTS"):
        LockoutPolicy.from_config()
