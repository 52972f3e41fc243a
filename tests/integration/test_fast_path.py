"""POST /api/v1/operations answers the same through its fast path (jifen.web.fast_path) as through FastAPI.

Two applications over two stores made alike, one with the fast path and one without it, are sent the same
requests in the same order: valid and invalid bodies, both envelopes, batch replays and conflicts, every refusal
of authentication, limits and rate limits, signed requests, and an unexpected error. Each pair of answers must
be the same to the byte (status, headers, body), up to the keys and tokens each store issued itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from factories import at, op, row
from jifen.access import credentials
from jifen.access.service import add_user, register_app
from jifen.config import Settings
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.web.app import create_app
from jifen.web.fast_path import OperationsFastPath
from jifen.web.ratelimit import RateLimiter

URL = "/api/v1/operations"
APP = "seewo-easinote5"
NOW = datetime.now(UTC)


def without_fast_path(app: FastAPI) -> FastAPI:
    """The same application, every request routed by FastAPI (before the first request builds the stack)."""
    kept = [m for m in app.user_middleware if m.cls is not OperationsFastPath]
    assert len(kept) == len(app.user_middleware) - 1 and app.middleware_stack is None
    app.user_middleware = kept
    return app


@dataclass
class Side:
    """One application over a store of its own, with what that store issued."""

    runtime: Runtime
    client: TestClient
    token: str
    user_token: str
    key: str
    secret: str

    def post(self, body: bytes, headers: dict[str, Any] | None = None, *, auth: bool = True, path: str = URL) -> Any:
        sent: dict[str, Any] = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.post(path, content=body, headers=sent)

    def signed(self, body: bytes, *, secret: str | None = None, nonce: str = "n-1", stamp: int | None = None) -> Any:
        stamp = int(time.time()) if stamp is None else stamp
        canonical = "\n".join(["POST", URL, str(stamp), nonce, hashlib.sha256(body).hexdigest()])
        signature = hmac.new((secret or self.secret).encode(), canonical.encode(), hashlib.sha256).hexdigest()
        return self.post(body, {"X-Jifen-Key": self.key, "X-Jifen-Timestamp": str(stamp), "X-Jifen-Nonce": nonce,
                                "X-Jifen-Signature": signature}, auth=False)

    def mask(self, text: str) -> str:
        """The answer with this store's own key and tokens replaced by names."""
        for value, name in ((self.token, "TOKEN"), (self.user_token, "USER_TOKEN"), (self.key, "KEY")):
            text = text.replace(value, name)
        return text


def _side(folder: Path, fast: bool) -> Side:
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'jifen.sqlite3'}", max_batch_items=5,
                        max_body_bytes=4000, rate_limit_per_s=0)
    runtime = Runtime.open(settings)
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz), [row("T1", "S1"), row("T2", "S1")],
                full=False, now=NOW)
    token = register_app(runtime.database, runtime.ruleset.rules, APP, NOW)
    user_token = add_user(runtime.database, "admin", "region_admin", settings.region_code, settings.region_code, NOW)
    issued = credentials.issue(runtime.database, runtime.server_key, runtime.ruleset.rules, APP, NOW)
    app = create_app(runtime)
    client = TestClient(app if fast else without_fast_path(app), raise_server_exceptions=False)
    return Side(runtime, client, token, user_token, issued.key, issued.secret)


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    fast, routed = _side(tmp_path / "fast", True), _side(tmp_path / "routed", False)
    with fast.client, routed.client:
        yield fast, routed
    fast.runtime.close()
    routed.runtime.close()


def _same(fast: Side, routed: Side, send: Any) -> Any:
    """Send the same request to both sides; their answers must be the same. Returns the fast side's."""
    one, other = send(fast), send(routed)
    assert one.status_code == other.status_code, (one.text, other.text)
    assert fast.mask(one.text) == routed.mask(other.text)
    headers = [(k, fast.mask(v)) for k, v in one.headers.items()]
    assert headers == [(k, routed.mask(v)) for k, v in other.headers.items()]
    return one


def _body(items: Any, **envelope: Any) -> bytes:
    return json.dumps({"operations": items, **envelope}, ensure_ascii=False).encode()


SESSION = "teaching.session"

BODIES: list[tuple[str, bytes]] = [
    ("one qualified", _body([op(SESSION, teacher="T1", duration=1200, id="a1", when=at(3, 9))])),
    ("the same again", _body([op(SESSION, teacher="T1", duration=1200, id="a1", when=at(3, 9))])),
    ("same id, other content", _body([op(SESSION, teacher="T1", duration=1300, id="a1", when=at(3, 9))])),
    ("a mixed batch", _body([op(SESSION, teacher="T2", duration=1200, id="b1", when=at(4, 9)),
                             op(SESSION, teacher="T2", duration=60, id="b2", when=at(4, 11)),
                             op(SESSION, teacher="T9", duration=1200, id="b3", when=at(4, 13)),
                             op("no.such.action", teacher="T1", id="b4"),
                             {"id": "b5", "action": SESSION}], batch_id="batch-1")),
    ("the batch replayed", _body([op(SESSION, teacher="T2", duration=1200, id="b1", when=at(4, 9)),
                                  op(SESSION, teacher="T2", duration=60, id="b2", when=at(4, 11)),
                                  op(SESSION, teacher="T9", duration=1200, id="b3", when=at(4, 13)),
                                  op("no.such.action", teacher="T1", id="b4"),
                                  {"id": "b5", "action": SESSION}], batch_id="batch-1")),
    ("the batch id with other items", _body([op(SESSION, teacher="T1", duration=1200, id="c1")], batch_id="batch-1")),
    ("the provincial envelope", json.dumps({"count": 1, "seqNO": 7, "dataContent": [
        op(SESSION, teacher="T1", duration=1500, id="d1", when=at(5, 9))]}).encode()),
    ("a count that does not match", json.dumps({"count": 2, "dataContent": [op(SESSION, teacher="T1")]}).encode()),
    ("both envelopes", json.dumps({"operations": [], "dataContent": []}).encode()),
    ("no items", _body([])),
    ("too many items", _body([op(SESSION, teacher="T1", duration=1200, id=f"e{i}") for i in range(6)])),
    ("a body over the limit", _body([op(SESSION, teacher="T1", duration=1200, note="x" * 5000)])),
    ("not JSON", b"{\"operations\": ["),
    ("empty", b""),
    ("a list", b"[]"),
    ("NaN", b"{\"operations\": [{\"id\": \"f1\", \"duration_s\": NaN}]}"),
    ("a number too large", b"{\"operations\": [{\"id\": \"f2\", \"duration_s\": 1e400}]}"),
    ("a lone surrogate", b"{\"operations\": [{\"id\": \"g\\ud800\", \"action\": \"x\"}]}"),
    ("nested too deeply", b"{\"operations\": " + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("invalid UTF-8", b"{\"operations\": [\"\xff\"]}"),
    ("a bad batch id", _body([], batch_id="")),
    ("items that are not objects", _body([1, "two", None, []])),
]


@pytest.mark.parametrize("name", [name for name, _ in BODIES])
def test_every_body_gets_the_same_answer(sides: tuple[Side, Side], name: str) -> None:
    fast, routed = sides
    for _, body in BODIES[: [n for n, _ in BODIES].index(name) + 1]:  # the ones before it too: the same history
        _same(fast, routed, lambda side, body=body: side.post(body))


def test_every_refusal_of_authentication_is_the_same(sides: tuple[Side, Side]) -> None:
    fast, routed = sides
    body = _body([op(SESSION, teacher="T1", duration=1200, id="h1")])
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer jfa_unknown"}, {"Authorization": "Bearer \xe9\xe9".encode("latin-1")}):
        answer = _same(fast, routed, lambda side, headers=headers: side.post(body, headers, auth=False))
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    answer = _same(fast, routed, lambda side: side.post(body, {"Authorization": f"Bearer {side.user_token}"}))
    assert answer.status_code == 401


def test_signed_requests_are_judged_the_same(sides: tuple[Side, Side]) -> None:
    fast, routed = sides
    body = _body([op(SESSION, teacher="T1", duration=1200, id="s1", when=at(6, 9))])
    assert _same(fast, routed, lambda side: side.signed(body)).status_code == 200
    for refused in (lambda side: side.signed(body),  # the nonce again
                    lambda side: side.signed(body, nonce="n-2", secret="jfs_wrong"),
                    lambda side: side.signed(body, nonce="n-3", stamp=1),
                    lambda side: side.post(body, {"X-Jifen-Key": side.key}, auth=False)):
        assert _same(fast, routed, refused).status_code == 401


def test_rate_limits_answer_the_same(sides: tuple[Side, Side]) -> None:
    fast, routed = sides
    for side in sides:  # two requests at once, then one every 100 s, on a clock that stands still
        side.client.app.state.rate_limiter = RateLimiter(0.01, 2, clock=lambda: 1000.0)  # type: ignore[attr-defined]
    for n in range(3):
        answer = _same(fast, routed, lambda side, n=n: side.post(_body([op(SESSION, teacher="T1", id=f"r{n}")])))
    assert answer.status_code == 429 and answer.headers["retry-after"] == "100"


def test_an_unexpected_error_gets_the_same_500(sides: tuple[Side, Side]) -> None:
    fast, routed = sides

    class Broken:
        def submit(self, _submission: Any) -> Any:
            raise RuntimeError("the writer is broken")

    for side in sides:
        side.client.app.state.ingest_writer = Broken()  # type: ignore[attr-defined]
    answer = _same(fast, routed, lambda side: side.post(_body([op(SESSION, teacher="T1", id="u1")])))
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal_error"


def test_other_methods_and_paths_go_on_to_fastapi(sides: tuple[Side, Side]) -> None:
    fast, routed = sides
    _same(fast, routed, lambda side: side.post(_body([op(SESSION, teacher="T1", id="p1")]), path=URL + "/"))
    _same(fast, routed, lambda side: side.client.get(URL, headers={"Authorization": f"Bearer {side.token}"}))
    _same(fast, routed, lambda side: side.client.put(URL, headers={"Authorization": f"Bearer {side.token}"}))
    _same(fast, routed, lambda side: side.client.get(URL + "/a1", headers={"Authorization": f"Bearer {side.token}"}))


def test_the_fast_path_answers_without_fastapi_routing(tmp_path: Path) -> None:
    """With FastAPI's router refusing every request, the fast path still answers: it does not go through it."""
    side = _side(tmp_path, True)
    app = side.client.app
    router = app.router  # type: ignore[attr-defined]

    async def refusing(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] != "http", f"FastAPI routed {scope['method']} {scope['path']}"
        await router(scope, receive, send)

    app.router = refusing  # type: ignore[attr-defined]
    with side.client:
        answer = side.post(_body([op(SESSION, teacher="T1", duration=1200, id="q1", when=at(7, 9))]))
        assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "qualified"
        assert side.post(b"[]").json()["error"]["code"] == "invalid"
        assert side.post(b"{}", auth=False).json()["error"]["code"] == "unauthorized"
    side.runtime.close()
