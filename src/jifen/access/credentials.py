"""App credentials: issuing and revoking keys with their secrets, and recognising signed requests.

Secrets are random, shown once, and stored only encrypted with the server key (:mod:`jifen.access.server_key`).
An app holds at most two active credentials, so it can rotate: issuing a third revokes the oldest.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.exc import IntegrityError

from jifen.access import signing
from jifen.access.service import catalog_name
from jifen.errors import NotFound, Unauthorized
from jifen.rules.schema import RuleSet
from jifen.store import access as apps_repo
from jifen.store import credentials as repo
from jifen.store.database import Database

KEY_PREFIX = "jfk_"
SECRET_PREFIX = "jfs_"
MAX_ACTIVE = 2
NONCE_TTL = timedelta(minutes=10)  # covers a timestamp up to MAX_SKEW_S ahead, still valid MAX_SKEW_S later
PRUNE_ONE_IN = 50  # prune old nonces on about one signed request in fifty


@dataclass(frozen=True)
class Issued:
    app_code: str
    key: str
    secret: str = field(repr=False)
    revoked: list[str]  # keys revoked to keep at most MAX_ACTIVE active


def issue(database: Database, box: Fernet, rules: RuleSet | Sequence[RuleSet], app_code: str,
          now: datetime) -> Issued:
    """A new key and secret for an app (registered, or in the catalog: then it is registered)."""
    key = KEY_PREFIX + secrets.token_urlsafe(18)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with database.transaction() as connection:
        if not apps_repo.app_exists(connection, app_code):
            apps_repo.add_app(connection, app_code, catalog_name(rules, app_code), now)
        current = repo.active(connection, app_code)
        retired = current[: max(0, len(current) - (MAX_ACTIVE - 1))]
        for old in retired:
            repo.revoke(connection, old.key, now)
        repo.add(connection, app_code, key, box.encrypt(secret.encode("utf-8")).decode("ascii"), now)
    return Issued(app_code, key, secret, [old.key for old in retired])


def revoke(database: Database, key: str, now: datetime) -> str:
    """Revoke a key at once; returns its app's code."""
    with database.transaction() as connection:
        found = repo.by_key(connection, key)
        if found is None:
            raise NotFound(f"no credential with key {key!r}")
        if found.revoked_at is None:
            repo.revoke(connection, key, now)
    return found.app_code


def app_for_signed(database: Database, box: Fernet, request: signing.SignedRequest, now: datetime,
                   prune: Callable[[], bool] = lambda: secrets.randbelow(PRUNE_ONE_IN) == 0) -> str:
    """The app that signed the request; refuses a stale timestamp, unknown or revoked key, bad signature or
    reused nonce (the nonce is recorded only once the signature holds, so nobody else can spend it)."""
    signing.check_timestamp(request, now.timestamp())
    with database.read() as connection:
        found = repo.by_key(connection, request.key)
    if found is None:
        raise Unauthorized(f"signed request: unknown key {request.key[:64]!r}")
    if found.revoked_at is not None:
        raise Unauthorized(f"signed request: key {request.key!r} was revoked at {found.revoked_at.isoformat()}")
    try:
        secret = box.decrypt(found.secret_encrypted.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise Unauthorized(f"signed request: the secret of key {request.key!r} cannot be decrypted with this "
                           "server's key (JIFEN_SECRET_KEY or secret.key changed?)") from exc
    if not signing.check_signature(request, secret):
        raise Unauthorized(f"signed request: bad signature for key {request.key!r} "
                           "(expected HMAC-SHA256 of METHOD, PATH, TIMESTAMP, NONCE, SHA256(BODY))")
    try:
        with database.transaction() as connection:
            repo.add_nonce(connection, request.key, request.nonce, now)
    except IntegrityError as exc:
        raise Unauthorized(f"signed request: nonce {request.nonce!r} was already used with key {request.key!r}"
                           ) from exc
    if prune():
        prune_nonces(database, now)
    return found.app_code


def prune_nonces(database: Database, now: datetime) -> int:
    with database.transaction() as connection:
        return repo.prune_nonces(connection, now - NONCE_TTL)
