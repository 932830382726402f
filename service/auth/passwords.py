"""Passwords hashed with argon2 (pwdlib's recommended settings), never kept or logged in clear.

A sign-in for an email nobody has still runs one argon2 verification, against a hash made for
that purpose, so how long the answer takes does not tell whether the account exists.
"""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash

MIN_LENGTH = 8  # what `tsudoi users add` accepts; a sign-in checks whatever it is sent
MAX_LENGTH = 1024  # longer is refused before hashing: argon2 reads all of it


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """A hash of a value no one signs in with, so an unknown account costs what a known one does."""
    return _hasher().hash("tsudoi: no such account")


def hash_password(password: str) -> str:
    """The argon2 hash kept in place of the password."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from; with no hash (an
    unknown or password-less account) a dummy verification runs and the answer is False."""
    if len(password) > MAX_LENGTH:
        return False
    if password_hash is None:
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed stored hash signs no one in
        _hasher().verify(password, _dummy_hash())
        return False
