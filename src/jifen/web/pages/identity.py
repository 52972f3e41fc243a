"""Signing in through the platform's unified identity (统一身份认证), when the settings turn it on:

GET /login/oidc[?next=PATH]   to the OpenID Connect provider (authorization code, PKCE, state, nonce)
GET /login/oidc/callback      back from it: the code exchanged, the ID token verified, the user signed in
GET /login/cas[?next=PATH]    to the CAS server's /login?service=...
GET /login/cas/callback       back from it with a ticket, validated at the CAS server

What a sign-in keeps between leaving and coming back (state, nonce, PKCE verifier, ``next``) travels in a short-lived
cookie, encrypted and authenticated with a key derived from the session secret. A callback without that cookie, or
whose answer does not hold, gets a Chinese error page and no session; a platform user with no Jifen account of the
same name is told who to ask. A signed-in user gets the same server-side session as a password sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from jifen.access import cas
from jifen.access.oidc import OidcConfig, OidcProvider, Pending
from jifen.access.unified import IdentityRefused, PlatformUser, account_of
from jifen.errors import JifenError, NotFound
from jifen.runtime import Runtime
from jifen.web import sessions
from jifen.web.pages.auth import safe_next, signed_in_redirect
from jifen.web.pages.rendering import PageRoute, error_page

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PENDING_COOKIE = "jifen_identity"
PENDING_MAX_AGE = 10 * 60
KEY_PURPOSE = b"jifen unified identity sign-in"

log = logging.getLogger("jifen.identity")


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _box(request: Request) -> Fernet:
    key = hmac.new(sessions.secret_of(request), KEY_PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _keep(response: Response, request: Request, values: dict[str, Any]) -> None:
    token = _box(request).encrypt(json.dumps(values).encode("utf-8")).decode("ascii")
    sessions.set_cookie(response, request, PENDING_COOKIE, token, PENDING_MAX_AGE)


def _kept(request: Request, kind: str) -> dict[str, Any] | None:
    """What the sign-in of this kind kept, if its cookie is there, intact and not older than ten minutes."""
    token = request.cookies.get(PENDING_COOKIE)
    if not token or len(token) > 4096:
        return None
    try:
        values = json.loads(_box(request).decrypt(token.encode("ascii", "replace"), ttl=PENDING_MAX_AGE))
    except (InvalidToken, ValueError):
        return None
    return values if isinstance(values, dict) and values.get("kind") == kind else None


def _oidc(request: Request) -> OidcProvider:
    """The application's OpenID Connect provider (its discovery and keys kept between sign-ins)."""
    state = request.app.state
    if getattr(state, "oidc_provider", None) is None:
        config = OidcConfig.of(_runtime(request).settings)
        if config is None:
            raise NotFound("本系统没有配置 OpenID Connect 统一身份认证。")
        state.oidc_provider = OidcProvider(config)
    provider: OidcProvider = state.oidc_provider
    return provider


def _cas(request: Request) -> cas.CasConfig:
    config = cas.CasConfig.of(_runtime(request).settings)
    if config is None:
        raise NotFound("本系统没有配置 CAS 统一身份认证。")
    return config


def _callback_url(request: Request, name: str) -> str:
    public = _runtime(request).settings.public_url
    if public:
        return public.rstrip("/") + request.app.url_path_for(name)
    return str(request.url_for(name))


def _signed_in(request: Request, user: PlatformUser, next_path: str) -> Response:
    account = account_of(_runtime(request).database, user)
    response = signed_in_redirect(request, account.id, safe_next(next_path), datetime.now(UTC))
    sessions.clear_cookie(response, request, PENDING_COOKIE)
    return response


def _refused(request: Request, error: JifenError) -> Response:
    log.warning("unified identity sign-in refused (%s): %s", error.code, error.message)
    response = error_page(request, error.status, error.message)
    sessions.clear_cookie(response, request, PENDING_COOKIE)
    return response


@router.get("/login/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    provider = _oidc(request)
    url, pending = await run_in_threadpool(provider.begin, _callback_url(request, "oidc_callback"))
    response = RedirectResponse(url, status_code=303)
    _keep(response, request, {"kind": "oidc", "next": safe_next(next), **pending.as_dict()})
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    provider = _oidc(request)
    kept = _kept(request, "oidc")
    pending = Pending.from_dict(kept) if kept is not None else None
    try:
        user = await run_in_threadpool(provider.finish, pending, dict(request.query_params),
                                       _callback_url(request, "oidc_callback"))
        return _signed_in(request, user, kept["next"] if kept else "/")
    except JifenError as exc:
        return _refused(request, exc)


@router.get("/login/cas")
def cas_start(request: Request, next: str = "/") -> Response:
    config = _cas(request)
    response = RedirectResponse(cas.login_url(config, _callback_url(request, "cas_callback")), status_code=303)
    _keep(response, request, {"kind": "cas", "next": safe_next(next)})
    return response


@router.get("/login/cas/callback", name="cas_callback")
async def cas_callback(request: Request) -> Response:
    config = _cas(request)
    kept = _kept(request, "cas")
    try:
        if kept is None:
            raise IdentityRefused("登录请求已过期，或不是从本系统的登录页发起的，登录被拒绝。" + cas.AGAIN)
        user = await run_in_threadpool(cas.validate, config, _callback_url(request, "cas_callback"),
                                       dict(request.query_params))
        return _signed_in(request, user, kept["next"])
    except JifenError as exc:
        return _refused(request, exc)
