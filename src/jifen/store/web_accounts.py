"""Web sign-in rows: users' password hashes, failed sign-ins and locks by name, and server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from jifen.store.access import User
from jifen.store.tables import login_failures, login_locks, user_passwords, users, web_sessions


@dataclass(frozen=True)
class Account:
    id: int
    user: User
    password_hash: str | None


@dataclass(frozen=True)
class SessionRow:
    user_id: int
    user: User
    csrf_token: str
    expires_at: datetime


def account(connection: Connection, name: str) -> Account | None:
    row = connection.execute(
        select(users.c.id, users.c.name, users.c.role, users.c.scope_code, user_passwords.c.password_hash)
        .outerjoin(user_passwords, user_passwords.c.user_id == users.c.id)
        .where(users.c.name == name)
    ).first()
    return Account(row.id, User(row.name, row.role, row.scope_code), row.password_hash) if row else None


def set_password(connection: Connection, user_id: int, password_hash: str, now: datetime) -> None:
    connection.execute(delete(user_passwords).where(user_passwords.c.user_id == user_id))
    connection.execute(user_passwords.insert().values(user_id=user_id, password_hash=password_hash, changed_at=now))


def add_failure(connection: Connection, name: str, now: datetime) -> None:
    connection.execute(login_failures.insert().values(user_name=name, failed_at=now))


def failures_since(connection: Connection, name: str, since: datetime) -> int:
    return int(connection.scalar(select(func.count()).select_from(login_failures).where(
        login_failures.c.user_name == name, login_failures.c.failed_at > since)) or 0)


def clear_failures(connection: Connection, name: str) -> None:
    connection.execute(delete(login_failures).where(login_failures.c.user_name == name))


def locked_until(connection: Connection, name: str) -> datetime | None:
    found: datetime | None = connection.scalar(
        select(login_locks.c.locked_until).where(login_locks.c.user_name == name))
    return found


def lock(connection: Connection, name: str, until: datetime) -> None:
    connection.execute(delete(login_locks).where(login_locks.c.user_name == name))
    connection.execute(login_locks.insert().values(user_name=name, locked_until=until))


def unlock(connection: Connection, name: str) -> None:
    connection.execute(delete(login_locks).where(login_locks.c.user_name == name))


def add_session(connection: Connection, id_sha256: str, user_id: int, csrf_token: str, now: datetime,
                expires_at: datetime) -> None:
    connection.execute(web_sessions.insert().values(id_sha256=id_sha256, user_id=user_id, csrf_token=csrf_token,
                                                    created_at=now, expires_at=expires_at))


def session(connection: Connection, id_sha256: str, now: datetime) -> SessionRow | None:
    row = connection.execute(
        select(web_sessions.c.user_id, web_sessions.c.csrf_token, web_sessions.c.expires_at, users.c.name,
               users.c.role, users.c.scope_code)
        .join(users, users.c.id == web_sessions.c.user_id)
        .where(web_sessions.c.id_sha256 == id_sha256, web_sessions.c.expires_at > now)
    ).first()
    if row is None:
        return None
    return SessionRow(row.user_id, User(row.name, row.role, row.scope_code), row.csrf_token, row.expires_at)


def end_session(connection: Connection, id_sha256: str) -> None:
    connection.execute(delete(web_sessions).where(web_sessions.c.id_sha256 == id_sha256))


def end_expired(connection: Connection, now: datetime) -> None:
    connection.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))


def end_sessions_of(connection: Connection, user_id: int) -> int:
    return connection.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount


def prune(connection: Connection, now: datetime, failures_before: datetime) -> None:
    """Forget expired sessions, ended locks and failures too old to count."""
    end_expired(connection, now)
    connection.execute(delete(login_locks).where(login_locks.c.locked_until <= now))
    connection.execute(delete(login_failures).where(login_failures.c.failed_at <= failures_before))
