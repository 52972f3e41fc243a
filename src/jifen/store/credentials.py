"""App credentials (key and encrypted secret) and the nonces of signed requests already seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from jifen.store.tables import app_credentials, request_nonces


@dataclass(frozen=True)
class Credential:
    app_code: str
    key: str
    secret_encrypted: str
    created_at: datetime
    revoked_at: datetime | None


def add(connection: Connection, app_code: str, key: str, secret_encrypted: str, now: datetime) -> None:
    connection.execute(insert(app_credentials).values(
        app_code=app_code, key=key, secret_encrypted=secret_encrypted, created_at=now))


def by_key(connection: Connection, key: str) -> Credential | None:
    row = connection.execute(select(app_credentials).where(app_credentials.c.key == key)).first()
    return _credential(row) if row else None


def active(connection: Connection, app_code: str) -> list[Credential]:
    """The app's credentials not revoked, oldest first."""
    rows = connection.execute(
        select(app_credentials)
        .where(app_credentials.c.app_code == app_code, app_credentials.c.revoked_at.is_(None))
        .order_by(app_credentials.c.created_at, app_credentials.c.id)
    )
    return [_credential(row) for row in rows]


def revoke(connection: Connection, key: str, now: datetime) -> None:
    connection.execute(update(app_credentials).where(app_credentials.c.key == key).values(revoked_at=now))


def add_nonce(connection: Connection, key: str, nonce: str, now: datetime) -> None:
    """Raises IntegrityError when the key has used the nonce already."""
    connection.execute(insert(request_nonces).values(app_key=key, nonce=nonce, seen_at=now))


def prune_nonces(connection: Connection, before: datetime) -> int:
    return connection.execute(delete(request_nonces).where(request_nonces.c.seen_at < before)).rowcount


def _credential(row) -> Credential:  # type: ignore[no-untyped-def]
    return Credential(row.app_code, row.key, row.secret_encrypted, row.created_at, row.revoked_at)
