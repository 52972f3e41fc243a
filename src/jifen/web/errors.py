"""One JSON error shape for every error the API answers:

    {"error": {"status": 413, "code": "payload_too_large", "message": "...", "details": [...]}}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Route

from jifen.errors import JifenError

_PAGE_MESSAGES = {404: "没有这个页面，请检查网址，或从首页进入。", 405: "该页面不接受这种请求方式，请从页面上的链接或按钮进入。"}
_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "payload_too_large", 422: "invalid", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"status": status, "code": code, "message": message, "details": details or []}}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"path": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "message": err.get("msg", "")}
            for err in errors]


def install(app: FastAPI) -> None:
    @app.exception_handler(JifenError)
    async def _jifen(request: Request, exc: JifenError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        headers = {**(headers or {}), **getattr(exc, "headers", {})} or None  # e.g. Retry-After on 429
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        first = details[0] if details else {"path": "", "message": "invalid request"}
        message = f"{first['path']}: {first['message']}" if first["path"] else first["message"]
        return error_response(422, "invalid", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if (exc.status_code in _PAGE_MESSAGES and not request.url.path.startswith("/api/")
                and "text/html" in request.headers.get("accept", "")):
            from jifen.web.pages.rendering import error_page  # a browser asking for a page: a page, in Chinese

            return error_page(request, exc.status_code, _PAGE_MESSAGES[exc.status_code])
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allowed = _allowed(request, (headers or {}).get("Allow"))
            message = f"method {request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}"
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return error_response(exc.status_code, code, message, headers=headers)

    def _allowed(request: Request, said: str | None) -> list[str]:
        """Every method some route takes at the path (Starlette names only the first route's: GET and DELETE of
        one path are two routes); what Starlette said when the routes cannot be read."""
        methods: set[str] = set()
        for route in _routes(app.router.routes):
            if route.path_regex.match(request.url.path):
                methods |= set(route.methods or ())
        return sorted(methods) or [m.strip() for m in (said or "").split(",") if m.strip()]

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(500, "internal_error", "internal error; nothing was stored by this request")


def _routes(routes: list[BaseRoute]) -> Iterator[Route]:
    """The routes with methods, those of included routers too."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        inner = getattr(getattr(route, "original_router", None), "routes", None) or getattr(route, "routes", None)
        if inner and not isinstance(route, Route):
            yield from _routes(inner)
