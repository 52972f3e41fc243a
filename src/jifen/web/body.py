"""Reading a request body once, within the size limit, so that every later reader gets the same bytes."""

from __future__ import annotations

from fastapi import Request

from jifen.errors import PayloadTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past ``limit`` bytes (declared or streamed); cached on the request."""
    cached = getattr(request, "_body", None)
    if cached is not None:
        return bytes(cached)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body of {int(declared)} bytes is over the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"body is over the limit of {limit} bytes")
    request._body = bytes(body)  # what Request.body() caches; Request.stream() replays it
    return request._body
