"""What every page shares: the templates, the signed-in user, and errors answered as Chinese pages.

A page's errors are pages, not the API's JSON: :class:`PageRoute` turns a JifenError raised while answering
(scope refusals included) into the error page with its status, and a missing session into a redirect to
``/login?next=...``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from jifen.access.scopes import ROLE_NAMES
from jifen.domain.periods import Month
from jifen.errors import JifenError
from jifen.reports import reasons
from jifen.store.access import User
from jifen.web import sessions
from jifen.web.pages import vendor
from jifen.reports.error_sentences import sentence_for

# Pages load scripts and styles from this server only; ECharts and the page script set styles from script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
ERROR_TITLES = {401: "需要登录", 403: "无权访问", 404: "未找到", 409: "无法完成", 422: "输入有误"}
# What a page says when the service's own message is not Chinese (the API's messages are English, for integrators):
# the message then follows as the details, for whoever looks into it.
ERROR_SENTENCES = {
    401: "请先登录后再试。", 403: "您没有执行此操作的权限。", 404: "要找的内容不存在，或已被删除。",
    409: "当前状态下无法完成此操作（例如该版本已发布，或已有更新的版本），请刷新页面后再试。",
    413: "提交的内容过大，请删减后重试。", 422: "提交的内容有误，请检查后重试。",
}


class SignInRequired(Exception):
    """No signed-in session: the page answers with a redirect to the sign-in page."""


@dataclass(frozen=True)
class SignedIn:
    user: User
    csrf_token: str
    session: sessions.Session

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.user.role, self.user.role)


def signed_in(request: Request) -> SignedIn:
    session = sessions.of_request(request, datetime.now(UTC))
    if session is None:
        raise SignInRequired()
    return SignedIn(session.row.user, session.row.csrf_token, session)


PageUser = Annotated[SignedIn, Depends(signed_in)]


def templates(request: Request) -> Jinja2Templates:
    state = request.app.state
    if getattr(state, "page_templates", None) is None:
        found = Jinja2Templates(directory=str(resources.files("jifen.web") / "templates"))
        found.env.globals["role_names"] = ROLE_NAMES
        found.env.globals["site_name"] = state.runtime.settings.heading
        found.env.filters["reason"] = reasons.in_chinese  # a stored reason, as people read it
        tz = state.runtime.tz
        found.env.filters["local"] = lambda instant: (  # an ISO instant as the region's local time, to the minute
            datetime.fromisoformat(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M") if instant else "-")
        state.page_templates = found
    built: Jinja2Templates = state.page_templates
    return built


def render(request: Request, name: str, context: dict[str, Any], status: int = 200,
           signed: SignedIn | None = None) -> HTMLResponse:
    """A page from its template, with the signed-in user (for the header and the forms' CSRF field)."""
    runtime = request.app.state.runtime
    values = {"signed": signed, "csrf_field": sessions.CSRF_FIELD, "charts_ready": vendor.available("echarts"),
              "npm_command": vendor.NPM_COMMAND, "nav_month": str(Month.of(datetime.now(UTC), runtime.tz).previous()),
              **context}
    response = templates(request).TemplateResponse(request, name, values, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    signed = None
    try:
        signed = signed_in(request)
    except (SignInRequired, JifenError):
        pass
    title = ERROR_TITLES.get(status, "出错了")
    details = None
    if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
        sentence = sentence_for(message) or ERROR_SENTENCES.get(status, "服务器未能完成请求，请稍后重试。")
        message, details = sentence, message
    return render(request, "error.html", {"title": title, "status": status, "message": message, "details": details},
                  status, signed)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


class PageRoute(APIRoute):
    """A page's route: errors become Chinese error pages, a missing session a redirect to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return login_redirect(request)
            except JifenError as exc:
                return error_page(request, exc.status, exc.message)
            except RequestValidationError as exc:
                where = "、".join(str(e.get("loc", ("",))[-1]) for e in exc.errors())
                return error_page(request, 422, f"网址中的参数不正确：{where}")

        return page_handler
