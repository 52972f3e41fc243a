"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from jifen.access import service as access
from jifen.errors import Forbidden
from jifen.runtime import Runtime
from jifen.store.access import User


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_app(request: Request, runtime: RuntimeDep) -> str:
    return access.app_for(runtime.database, bearer(request))


def current_user(request: Request, runtime: RuntimeDep) -> User:
    token = bearer(request)
    if token and token.startswith("jfa_"):
        raise Forbidden("an app token cannot read reports; use a user token (jifen users add)")
    return access.user_for(runtime.database, token)


AppCode = Annotated[str, Depends(current_app)]
CurrentUser = Annotated[User, Depends(current_user)]
