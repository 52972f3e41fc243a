"""Reading a request body: within the limit, and a client that leaves mid-body said as the request's error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import Request

from jifen.errors import JifenError, PayloadTooLarge
from jifen.web.body import read_body


def _request(messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    pending = list(messages)

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/operations", "headers": headers or []}
    return Request(scope, receive)


def test_a_body_in_chunks_is_read_whole() -> None:
    request = _request([{"type": "http.request", "body": b'{"a":', "more_body": True},
                        {"type": "http.request", "body": b" 1}", "more_body": False}])
    assert asyncio.run(read_body(request, 100)) == b'{"a": 1}'


def test_a_client_that_leaves_mid_body_is_an_error_of_the_request() -> None:
    request = _request([{"type": "http.request", "body": b'{"operations": [', "more_body": True},
                        {"type": "http.disconnect"}], headers=[(b"content-length", b"100")])
    with pytest.raises(JifenError) as caught:
        asyncio.run(read_body(request, 1000))
    assert caught.value.status == 400 and "closed the connection after 16 bytes" in str(caught.value)


def test_a_streamed_body_past_the_limit_is_refused() -> None:
    request = _request([{"type": "http.request", "body": b"x" * 60, "more_body": True},
                        {"type": "http.request", "body": b"x" * 60, "more_body": False}])
    with pytest.raises(PayloadTooLarge):
        asyncio.run(read_body(request, 100))
