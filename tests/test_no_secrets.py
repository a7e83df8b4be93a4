"""No password or password hash appears in any log, export, listing or error.

Accounts are made and used the ways the product offers (the CLI with a prompt and with
--password-stdin, logins right and wrong, a lockout, a password change, a rejected
password), then every output a person or a program sees is searched for the passwords,
the hashes and the hashes' salt and tag.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from callscript.accounts import LockoutPolicy, LoginRefused, log_in
from callscript.accounts.passwords import PasswordRejected, check_new_password
from callscript.cli.main import cli
from callscript.storage import Store

PASSWORDS = {"管理员": "Adm1n-secret-zq", "王芳": "Agent-secret-xy", "changed": "Changed-secret-wv"}


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result


@pytest.fixture
def floor(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "c.db")
    outputs: list[str] = []
    prompt = f"{PASSWORDS['管理员']}\n{PASSWORDS['管理员']}\n"
    outputs.append(run("users", "add", "管理员", "--role", "admin", "--db", db, input=prompt).output)
    stdin = f"{PASSWORDS['王芳']}\n"
    outputs.append(run("users", "add", "王芳", "--role", "agent", "--password-stdin", "--db", db, input=stdin).output)
    outputs.append(run("users", "add", "短", "--role", "agent", "--password-stdin", "--db", db, input="short\n").output)
    mismatch = f"{PASSWORDS['changed']}\nsomething-else\n{PASSWORDS['changed']}\n{PASSWORDS['changed']}\n"
    outputs.append(run("users", "passwd", "管理员", "--db", db, input=mismatch).output)
    with Store.open(db) as store:
        store.add_lead("甲公司", "13800000001")
        policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=15))
        for attempt in ("wrong-" + PASSWORDS["王芳"], PASSWORDS["王芳"][:-1], PASSWORDS["王芳"] + "x"):
            with pytest.raises(LoginRefused) as refused:
                log_in(store, "王芳", attempt, "10.0.0.1", policy=policy)
            outputs += [str(refused.value), repr(refused.value)]
        with pytest.raises(LoginRefused) as locked:
            log_in(store, "王芳", PASSWORDS["王芳"], "10.0.0.1", policy=policy)
        outputs += [str(locked.value), repr(locked.value)]
        with pytest.raises(LoginRefused) as unknown:
            log_in(store, PASSWORDS["王芳"], PASSWORDS["王芳"], "10.0.0.1", policy=policy)  # password in the name box
        outputs += [str(unknown.value), repr(unknown.value)]
        hashes = [account.password_hash for account in store.accounts()]
        outputs += [repr(account) for account in store.accounts()]
    for args in (
        ["users", "list"],
        ["users", "list", "--json"],
        ["audit"],
        ["audit", "--format", "csv"],
        ["audit", "--format", "json"],
        ["export", "calls", "--out", "-"],
        ["db", "check"],
    ):
        outputs.append(run(*args, "--db", db).output)
    assert run("audit", "--format", "csv", "--out", "audit.csv", "--db", db).exit_code == 0
    outputs.append((tmp_path / "audit.csv").read_text(encoding="utf-8-sig"))
    return outputs, hashes, Path(db)


def secrets_in(hashes: list[str]) -> list[str]:
    """The passwords, each whole hash, and each hash's salt and tag (the parts that identify it)."""
    parts = []
    for phc in hashes:
        parts.append(phc)
        parts += [piece for piece in phc.split("$") if len(piece) >= 16]
    return [*PASSWORDS.values(), *parts]


def test_no_password_or_hash_in_any_output(floor):
    outputs, hashes, _ = floor
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)
    text = "\n".join(outputs)
    assert "login_failed" in text and "password_changed" in text  # the outputs are the real ones
    for secret in secrets_in(hashes):
        assert secret not in text, f"found {secret[:6]}… in an output"
    assert "argon2" not in text


def test_no_password_in_the_database_file(floor):
    _, hashes, db = floor
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for password in PASSWORDS.values():
        assert password.encode() not in raw
    with Store.open(db) as store:
        audit_text = "\n".join(map(str, store.audit_entries()))
    for secret in secrets_in(hashes):
        assert secret not in audit_text


def test_a_rejected_password_is_not_repeated_in_the_message():
    for bad in ("shorty7", "x" * 300):
        with pytest.raises(PasswordRejected) as rejected:
            check_new_password(bad, "wangfang")
        assert bad not in str(rejected.value) and bad not in repr(rejected.value)
