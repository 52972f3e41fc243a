"""Signing in and out of the pages:

GET  /login[?next=PATH]  the sign-in form (登录), with a double-submit CSRF token
POST /login              name, password, csrf_token: a session cookie and a redirect to ``next``, or the form again
GET  /logout             a button to sign out (退出)
POST /logout             csrf_token: the session ends on the server and its cookie is cleared

The form also offers the unified-identity providers the settings turn on (pages/identity.py); with
JIFEN_LOCAL_LOGIN=false it offers only those and passwords are refused.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from jifen.access.lockout import Policy
from jifen.access.signin import SignInRefused, sign_in
from jifen.access.unified import configured
from jifen.errors import Forbidden
from jifen.runtime import Runtime
from jifen.web import sessions
from jifen.web.body import read_body
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, SignInRequired, render, signed_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_FORM_BYTES = 16 * 1024
LOGIN_CSRF_MAX_AGE = 2 * 60 * 60


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each), within a small size limit; any other body has none
    (so its CSRF check fails)."""
    body = await read_body(request, MAX_FORM_BYTES)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    fields: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(key, value)
    return fields


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (``//host``, ``/\\host``) or a scheme (else ``default``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return default
    return target


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _login_form(request: Request, next_path: str, error: str | None, status: int, name: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    settings = _runtime(request).settings
    response = render(request, "login.html", {"title": "登录", "next": next_path, "error": error, "name": name,
                                              "login_csrf": token, "local_login": settings.local_login,
                                              "identity_providers": configured(settings)}, status)
    sessions.set_cookie(response, request, sessions.LOGIN_CSRF_COOKIE,
                        sessions.sign(sessions.secret_of(request), token), LOGIN_CSRF_MAX_AGE)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    try:
        signed_in(request)
        return RedirectResponse(safe_next(next), status_code=303)
    except SignInRequired:
        return _login_form(request, safe_next(next), None, 200)


@router.post("/login")
async def login(request: Request) -> Response:
    if not _runtime(request).settings.local_login:
        raise Forbidden("本系统已关闭用户名密码登录，请使用统一身份认证登录。")
    fields = await form_fields(request)
    next_path = safe_next(fields.get("next"))
    expected = sessions.unsign(sessions.secret_of(request), request.cookies.get(sessions.LOGIN_CSRF_COOKIE))
    if expected is None:
        return _login_form(request, next_path, "登录页面已过期，请重新输入用户名和密码。", 403)
    sessions.check_csrf(expected, fields.get(sessions.CSRF_FIELD))
    runtime = _runtime(request)
    name = fields.get("name", "").strip()
    now = datetime.now(UTC)
    try:
        account = sign_in(runtime.database, Policy.from_settings(runtime.settings), name,
                          fields.get("password", ""), now)
    except SignInRefused as exc:
        return _login_form(request, next_path, exc.message, 401, name)
    return signed_in_redirect(request, account.id, next_path, now)


def signed_in_redirect(request: Request, user_id: int, next_path: str, now: datetime) -> Response:
    """A new session for the user (however they proved who they are) and a redirect to ``next_path``."""
    runtime = _runtime(request)
    cookie, _csrf = sessions.start(runtime.database, sessions.secret_of(request), user_id, now,
                                   runtime.settings.session_hours)
    response = RedirectResponse(next_path, status_code=303)
    sessions.set_cookie(response, request, sessions.SESSION_COOKIE, cookie,
                        int(runtime.settings.session_hours * 3600))
    sessions.clear_cookie(response, request, sessions.LOGIN_CSRF_COOKIE)
    return response


@router.get("/logout")
def logout_page(request: Request, signed: PageUser) -> Response:
    return render(request, "logout.html", {"title": "退出"}, signed=signed)


@router.post("/logout")
async def logout(request: Request) -> Response:
    fields = await form_fields(request)
    response = RedirectResponse("/login", status_code=303)
    try:
        signed: SignedIn = signed_in(request)
    except SignInRequired:
        sessions.clear_cookie(response, request, sessions.SESSION_COOKIE)
        return response
    sessions.check_csrf(signed.csrf_token, fields.get(sessions.CSRF_FIELD))
    sessions.end(_runtime(request).database, signed.session)
    sessions.clear_cookie(response, request, sessions.SESSION_COOKIE)
    return response
