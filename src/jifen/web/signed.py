"""The signed-request door: read the body once (bounded), then let the credentials service judge the signature.

The body is kept on the request (as ``Request.body()`` does), so the route reads the same bytes again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from jifen.access import credentials, signing
from jifen.runtime import Runtime
from jifen.web.body import read_body


async def signed_app(request: Request, runtime: Runtime) -> str:
    body = await read_body(request, runtime.settings.max_body_bytes)
    signed = signing.from_headers(dict(request.headers), request.method, _target(request), body)
    return await run_in_threadpool(credentials.app_for_signed, runtime.database, runtime.server_key, signed,
                                   datetime.now(UTC))


def _target(request: Request) -> str:
    """The path as sent (percent-encoding kept), plus "?" and the raw query string when there is one."""
    raw = request.scope.get("raw_path")
    path = raw.split(b"?", 1)[0].decode("latin-1") if raw else request.url.path
    return signing.target(path, request.scope.get("query_string", b"").decode("latin-1"))
