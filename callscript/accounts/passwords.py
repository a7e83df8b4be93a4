"""Passwords: checked when set, hashed with argon2id, verified in constant work.

**The hash.** argon2-cffi's argon2id with RFC 9106's "low memory" profile: 64 MiB of
memory, 3 passes, 4 lanes, a 16-byte random salt, a 32-byte tag, stored as the PHC
string (``$argon2id$v=19$m=65536,t=3,p=4$salt$tag``). Why these: argon2id is the RFC's
recommendation for passwords (memory-hard against GPU guessing, side-channel
resistant); the low-memory profile is the RFC's choice for machines that cannot give
2 GiB to one login — the floor server logs twenty agents in at the start of a shift
on 2 cores. One check costs ~0.16 s and 64 MiB there: slow for a guesser, unnoticed
by a person. A stored hash with weaker parameters is re-hashed at the next good
login (:func:`needs_rehash`).

**Never in clear.** A password lives only in the variable that carries it from the
prompt or the login box to :func:`hash_password`/:func:`verify_password`. It is never
stored, logged, put in an exception, an audit entry or a repr.

**When set.** At least :data:`MIN_LENGTH` characters, not the account's own name
(:func:`check_new_password`); the message says so in Chinese and English.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
"""Shortest password accepted (NIST SP 800-63B's floor for a memorised secret)."""

MAX_LENGTH = 256
"""Longest: a bound on the work one login can ask for (argon2 itself takes any length)."""

PARAMETERS = profiles.RFC_9106_LOW_MEMORY
"""argon2id, m=64 MiB, t=3, p=4: see the module's docstring for why."""


class PasswordRejected(ValueError):
    """A new password that does not meet the rules; the message is for the person typing it."""


@cache
def default_hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(PARAMETERS)


def check_new_password(password: str, name: str = "") -> None:
    """Raise :class:`PasswordRejected` unless ``password`` may be set for account ``name``."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"密码至少 {MIN_LENGTH} 个字符 (a password needs at least {MIN_LENGTH} characters)")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"密码最多 {MAX_LENGTH} 个字符 (a password has at most {MAX_LENGTH} characters)")
    if name and password.strip().casefold() == name.strip().casefold():
        raise PasswordRejected("密码不能和账号名相同 (the password cannot be the account's name)")
    if not password.strip():
        raise PasswordRejected("密码不能全是空格 (the password cannot be only spaces)")


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The PHC string to store for ``password``."""
    return (hasher or default_hasher()).hash(password)


def verify_password(stored_hash: str, password: str, hasher: PasswordHasher | None = None) -> bool:
    """True when ``password`` matches ``stored_hash``. A malformed hash is a mismatch, not an error
    (its text must not travel in an exception)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return (hasher or default_hasher()).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, hasher: PasswordHasher | None = None) -> bool:
    """True when the hash was made with other parameters than today's (re-hash it after a good login)."""
    try:
        return (hasher or default_hasher()).check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


@cache
def _decoy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("callscript: no such account")


def spend_as_much_as_a_check(password: str, hasher: PasswordHasher | None = None) -> None:
    """Verify against a decoy hash, so a login with an unknown name takes as long as one with a
    wrong password (the answer time does not tell which names exist)."""
    hasher = hasher or default_hasher()
    verify_password(_decoy_hash(hasher), password, hasher)
