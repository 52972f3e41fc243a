"""Apps, their API tokens, and users with their report tokens. Only token hashes are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from jifen.store import lookups
from jifen.store.database import Database
from jifen.store.tables import app_credentials, app_tokens, apps, users


@dataclass(frozen=True)
class User:
    name: str
    role: str
    scope_code: str


def app_exists(connection: Connection, code: str) -> bool:
    return connection.scalar(select(apps.c.code).where(apps.c.code == code)) is not None


def add_app(connection: Connection, code: str, name: str, now: datetime) -> None:
    connection.execute(apps.insert().values(code=code, name=name, registered_at=now))


def add_app_token(connection: Connection, code: str, token_sha256: str, now: datetime) -> None:
    connection.execute(app_tokens.insert().values(app_code=code, token_sha256=token_sha256, created_at=now))


def remove_app_token(connection: Connection, token_sha256: str) -> str | None:
    """Remove an app token; the app it belonged to, or None when no token has that hash."""
    code = connection.scalar(select(app_tokens.c.app_code).where(app_tokens.c.token_sha256 == token_sha256))
    if code is not None:
        connection.execute(app_tokens.delete().where(app_tokens.c.token_sha256 == token_sha256))
    return code


_APP_FOR_TOKEN = "SELECT app_code FROM app_tokens WHERE token_sha256 = {p}"


def app_for_token(database: Database, token_sha256: str) -> str | None:
    """The app a token belongs to, as one statement outside any transaction (Database.point_read): the look-up of
    every app request. It reads what is committed when it runs, so a token removed stops working at the next
    request."""
    code: str | None = database.point_read(_APP_FOR_TOKEN, (token_sha256,))
    return code


def apps_for_tokens(connection: Connection, token_sha256s: list[str]) -> dict[str, str]:
    """token hash -> app, for those of the hashes that are a token: inside a transaction, as it stands there."""
    rows = lookups.rows_in(connection, "SELECT token_sha256, app_code FROM app_tokens WHERE token_sha256 IN ({keys})",
                           list(dict.fromkeys(token_sha256s)))
    return {row[0]: row[1] for row in rows}


def registered_apps(connection: Connection) -> list[tuple[str, str, datetime]]:
    rows = connection.execute(select(apps.c.code, apps.c.name, apps.c.registered_at).order_by(apps.c.code))
    return [(r.code, r.name, r.registered_at) for r in rows]


def app_access(connection: Connection) -> dict[str, tuple[int, list[tuple[str, datetime]]]]:
    """Per app: how many API tokens it holds, and its signing keys not revoked with when each was issued (secrets
    and tokens are never shown again)."""
    found: dict[str, tuple[int, list[tuple[str, datetime]]]] = {}
    tokens = dict(connection.execute(select(app_tokens.c.app_code, func.count()).group_by(app_tokens.c.app_code)).all())
    keys: dict[str, list[tuple[str, datetime]]] = {}
    for code, key, created_at in connection.execute(
            select(app_credentials.c.app_code, app_credentials.c.key, app_credentials.c.created_at)
            .where(app_credentials.c.revoked_at.is_(None)).order_by(app_credentials.c.created_at)):
        keys.setdefault(code, []).append((key, created_at))
    for code in {*tokens, *keys}:
        found[code] = (int(tokens.get(code, 0)), keys.get(code, []))
    return found


def user_exists(connection: Connection, name: str) -> bool:
    return connection.scalar(select(users.c.id).where(users.c.name == name)) is not None


def add_user(connection: Connection, user: User, token_sha256: str, now: datetime) -> None:
    connection.execute(
        users.insert().values(
            name=user.name, role=user.role, scope_code=user.scope_code, token_sha256=token_sha256, created_at=now
        )
    )


def user_for_token(connection: Connection, token_sha256: str) -> User | None:
    row = connection.execute(
        select(users.c.name, users.c.role, users.c.scope_code).where(users.c.token_sha256 == token_sha256)
    ).first()
    return User(row.name, row.role, row.scope_code) if row else None
