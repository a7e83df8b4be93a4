"""Passwords: the rules when one is set, argon2id hashes, verification, re-hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from accounts.conftest import FAST
from callscript.accounts.passwords import (
    MIN_LENGTH,
    PARAMETERS,
    PasswordRejected,
    check_new_password,
    default_hasher,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_short_password_refused_with_a_message_in_both_languages():
    with pytest.raises(PasswordRejected) as refused:
        check_new_password("x" * (MIN_LENGTH - 1), "王芳")
    assert f"至少 {MIN_LENGTH}" in str(refused.value) and f"at least {MIN_LENGTH}" in str(refused.value)
    check_new_password("x" * MIN_LENGTH, "王芳")


@pytest.mark.parametrize("bad", ["wangfang", "WangFang", "        ", "y" * 257])
def test_name_as_password_spaces_and_huge_passwords_refused(bad):
    with pytest.raises(PasswordRejected):
        check_new_password(bad, "wangfang")


def test_default_parameters_are_rfc_9106_low_memory_argon2id():
    hasher = default_hasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert PARAMETERS.type.name == "ID"


def test_hash_is_argon2id_salted_and_never_the_password():
    one, two = hash_password("correct horse", FAST), hash_password("correct horse", FAST)
    assert one.startswith("$argon2id$") and one != two  # a salt each time
    assert "correct horse" not in one
    assert verify_password(one, "correct horse", FAST)
    assert not verify_password(one, "correct horsf", FAST)


def test_malformed_hash_is_a_mismatch_not_an_error():
    assert not verify_password("not a hash", "whatever1", FAST)
    assert needs_rehash("not a hash", FAST)


def test_weaker_parameters_need_a_rehash():
    weak = hash_password("correct horse", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    assert needs_rehash(weak, default_hasher())
    assert not needs_rehash(weak, FAST)
