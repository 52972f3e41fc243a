"""POST /api/v1/operations, the request every app makes for every report, answered without FastAPI's routing
and dependency resolution: by the same dependency (jifen.web.ratelimit.limit_storing_app), the same route function
(jifen.web.api.operations.submit) and the same exception handlers, called directly.

For a single-item report, finding the route among the others and resolving its dependencies cost FastAPI more than
authenticating, rate-limiting, reading and answering the request together. The route stays declared (the API
document lists it, and this middleware is the only difference: without it FastAPI answers the same request the same
way, which tests/integration/test_fast_path.py checks answer by answer).

The middleware sits where FastAPI puts an application's middleware: inside the server-error handler, so an
unexpected error still gets the one 500 answer and is logged, and outside the exception handlers, which it looks
up itself as they are looked up for a route (by the exception's class, most specific first). Every other request
(another method or path, a trailing slash, a websocket) goes on to FastAPI untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from jifen.web.api import operations
from jifen.web.ratelimit import limit_storing_app

PATH = "/api/v1/operations"
Handler = Callable[[Request, Exception], Awaitable[Response]]


class OperationsFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or get_route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        application: FastAPI = scope["app"]
        request = Request(scope, receive, send)
        try:
            response = await operations.submit(request, await limit_storing_app(request), application.state.runtime)
        except Exception as error:
            handler = handler_for(application, error)
            if handler is None:
                raise  # to the server-error handler: the 500 answer, as from the route
            response = await handler(request, error)
        await response(scope, receive, send)


def handler_for(application: FastAPI, error: Exception) -> Handler | None:
    """The exception handler FastAPI would answer ``error`` with from a route: the one registered for the most
    specific class of the error, not counting the catch-all (500, Exception), which the server-error handler
    applies further out."""
    handlers: dict[Any, Handler] = application.exception_handlers  # type: ignore[assignment]
    for kind in type(error).__mro__:
        if kind in handlers and kind is not Exception:
            return handlers[kind]
    return None
