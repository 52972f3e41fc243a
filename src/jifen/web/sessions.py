"""Sessions of the web pages: a random id in a signed cookie, the session itself kept on the server.

The cookie holds ``ID.SIGNATURE`` (HMAC-SHA256 of the id under the session secret); the store keeps only the
SHA-256 of the id, with the user, an expiry and the session's CSRF token. Signing out deletes the session and a
new password deletes all of the user's sessions, so neither can be replayed. Cookies are HttpOnly, SameSite=Lax
and Secure when the page is served over https.

Before sign-in, the login form is protected by a double-submit token: a signed cookie and the same token in a
hidden field.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import Request, Response

from jifen.config import Settings
from jifen.errors import Forbidden, InvalidInput
from jifen.store import web_accounts as repo
from jifen.store.database import Database

SESSION_COOKIE = "jifen_session"
LOGIN_CSRF_COOKIE = "jifen_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
KEY_FILE = "session.key"
MIN_SECRET_CHARS = 32


@dataclass(frozen=True)
class Session:
    id_sha256: str
    row: repo.SessionRow


def session_secret(settings: Settings) -> bytes:
    """JIFEN_SESSION_SECRET, else the data directory's session.key (made on first use, mode 0600)."""
    if settings.session_secret is not None:
        secret = settings.session_secret.get_secret_value()
        if len(secret) < MIN_SECRET_CHARS:
            raise InvalidInput(f"JIFEN_SESSION_SECRET must be at least {MIN_SECRET_CHARS} characters; make one with: "
                               "python -c 'import secrets; print(secrets.token_urlsafe(48))'")
        return secret.encode("utf-8")
    return _read_or_create(settings.data_dir / KEY_FILE)


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another server process may be writing it this instant
            key = path.read_bytes().strip()
            if len(key) >= MIN_SECRET_CHARS:
                return key
            time.sleep(0.02)
        raise InvalidInput(f"{path} holds no session secret (at least {MIN_SECRET_CHARS} characters)") from None
    key = secrets.token_urlsafe(48).encode("ascii")
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    return key


def secret_of(request: Request) -> bytes:
    """The application's session secret, read once."""
    state = request.app.state
    if getattr(state, "session_secret", None) is None:
        state.session_secret = session_secret(state.runtime.settings)
    secret: bytes = state.session_secret
    return secret


def sign(secret: bytes, value: str) -> str:
    return f"{value}.{hmac.new(secret, value.encode('ascii'), hashlib.sha256).hexdigest()}"


def unsign(secret: bytes, signed: str | None) -> str | None:
    """The value of a signed cookie, or None when it is missing or its signature does not hold."""
    if not signed or len(signed) > 200 or not signed.isascii():
        return None
    value, _, signature = signed.rpartition(".")
    if not value or not hmac.compare_digest(sign(secret, value), signed):
        return None
    return value


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("ascii")).hexdigest()


def start(database: Database, secret: bytes, user_id: int, now: datetime, hours: float) -> tuple[str, str]:
    """A new session for the user; returns the cookie value and the session's CSRF token."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with database.transaction() as connection:
        repo.end_expired(connection, now)
        repo.add_session(connection, _sha(session_id), user_id, csrf, now, now + timedelta(hours=hours))
    return sign(secret, session_id), csrf


def current(database: Database, secret: bytes, cookie: str | None, now: datetime) -> Session | None:
    session_id = unsign(secret, cookie)
    if session_id is None:
        return None
    with database.read() as connection:
        row = repo.session(connection, _sha(session_id), now)
    return Session(_sha(session_id), row) if row is not None else None


def end(database: Database, session: Session) -> None:
    with database.transaction() as connection:
        repo.end_session(connection, session.id_sha256)


def of_request(request: Request, now: datetime) -> Session | None:
    """The signed-in session the request's cookie names, if any (read once per request)."""
    if "jifen_session" not in request.scope.setdefault("state", {}):
        found = current(request.app.state.runtime.database, secret_of(request), request.cookies.get(SESSION_COOKIE),
                        now)
        request.scope["state"]["jifen_session"] = found
    session: Session | None = request.scope["state"]["jifen_session"]
    return session


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace")):
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
