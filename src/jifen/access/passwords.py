"""Users' passwords for the web pages: argon2id hashes (argon2-cffi's RFC 9106 defaults), never the password.

Setting a password ends every session the user had, so a changed password signs out everywhere.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from jifen.errors import InvalidInput, NotFound
from jifen.store import web_accounts as repo
from jifen.store.database import Database

MIN_CHARS = 8
MAX_CHARS = 1024  # hashing cost is bounded whatever is posted


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _decoy() -> str:
    """A hash checked when the name is unknown, so that a wrong name takes as long as a wrong password."""
    return hasher().hash("jifen-decoy-password")


def check_strength(password: str) -> None:
    if len(password) < MIN_CHARS:
        raise InvalidInput(f"password: at least {MIN_CHARS} characters (密码至少 {MIN_CHARS} 位)")
    if len(password) > MAX_CHARS:
        raise InvalidInput(f"password: at most {MAX_CHARS} characters")
    if password != password.strip():
        raise InvalidInput("password: no spaces at either end")


def hash_password(password: str) -> str:
    check_strength(password)
    return hasher().hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; with no hash, a decoy is checked and the answer is no."""
    try:
        return hasher().verify(password_hash or _decoy(), password[:MAX_CHARS]) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def set_password(database: Database, name: str, password: str, now: datetime) -> int:
    """Set a user's password; returns how many of their sessions were ended."""
    hashed = hash_password(password)
    with database.transaction() as connection:
        found = repo.account(connection, name)
        if found is None:
            raise NotFound(f"no user {name!r}; create one with jifen users add")
        repo.set_password(connection, found.id, hashed, now)
        repo.unlock(connection, name)
        repo.clear_failures(connection, name)
        return repo.end_sessions_of(connection, found.id)
