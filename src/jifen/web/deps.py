"""Typed dependencies shared by the routers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from jifen.access import service as access
from jifen.access.signing import is_signed
from jifen.errors import Forbidden, Unauthorized
from jifen.runtime import Runtime
from jifen.store.access import User
from jifen.web import sessions
from jifen.web.signed import signed_app


async def get_runtime(request: Request) -> Runtime:
    """The runtime of the app (async: FastAPI runs a plain function dependency in a worker thread)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def current_app(request: Request, runtime: RuntimeDep) -> str:
    """The app behind a bearer app token or, when the request carries X-Jifen-* headers, its signature."""
    if is_signed(request.headers):
        return await signed_app(request, runtime)
    return access.app_for(runtime.database, bearer(request))


async def current_app_token(request: Request, runtime: RuntimeDep) -> tuple[str, str | None]:
    """current_app for a request that stores reports: a bearer token seen before is taken from memory, its hash
    coming back to be checked where the reports are stored (jifen.access.service.KnownAppTokens); a signed request
    is checked here, against the store, and has no token to check again (None)."""
    if is_signed(request.headers):
        return await signed_app(request, runtime), None
    known: access.KnownAppTokens = request.app.state.known_app_tokens
    return known.app_for(runtime.database, bearer(request))


def current_user(request: Request, runtime: RuntimeDep) -> User:
    """The user of a bearer token or, from the pages' scripts, of the signed-in session cookie."""
    token = bearer(request)
    if token and token.startswith("jfa_"):
        raise Forbidden("an app token is not a user's: this endpoint takes a user token (jifen users add)")
    if token is None and sessions.SESSION_COOKIE in request.cookies:
        return session_user(request)
    return access.user_for(runtime.database, token)


def session_user(request: Request) -> User:
    """The signed-in user; a request that changes something must carry the session's CSRF token in a header."""
    session = sessions.of_request(request, datetime.now(UTC))
    if session is None:
        raise Unauthorized("the session has ended (signed out, expired or password changed); sign in at /login")
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        sessions.check_csrf(session.row.csrf_token, request.headers.get(sessions.CSRF_HEADER))
    return session.row.user


CurrentUser = Annotated[User, Depends(current_user)]
