"""Every error the API answers has one shape: {"error": {"status", "code", "message", "details"}}."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import CST, api_error, op, row
from jifen.access.service import add_user, register_app
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.web.app import create_app


NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
OPS = "/api/v1/operations"
TEN_MB = 10 * 1024 * 1024


@dataclass
class Ctx:
    client: TestClient
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post_ops(self, body: bytes, who: str = "app") -> Any:
        return self.client.post(OPS, content=body, headers={**self.auth(who), "content-type": "application/json"})

    def report(self, who: str | None, path: str, **params: str) -> Any:
        headers = self.auth(who) if who else {}
        return self.client.get(f"/api/v1/reports/{path}", params=params, headers=headers)


@pytest.fixture
def ctx(runtime: Runtime) -> Iterator[Ctx]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S2")], full=False, now=NOW)
    settle_month(runtime.database, runtime.ruleset, Month.parse("2026-09"), REGION, NOW)
    tokens = {
        "app": register_app(runtime.database, runtime.ruleset.rules, "seewo-easinote5", NOW),
        "teacher": add_user(runtime.database, "t1", "teacher", "T1", REGION[0], NOW),
        "region": add_user(runtime.database, "region", "region_admin", REGION[0], REGION[0], NOW),
    }
    with TestClient(create_app(runtime)) as client:
        yield Ctx(client, tokens)


def _ops(items: Any) -> bytes:
    return json.dumps({"operations": items}).encode()


Request = Callable[[Ctx], Any]

def _past_the_versions_column() -> list[tuple[str, int, str, Request]]:
    """A version past its 32-bit column (PostgreSQL answered 500) and one past any 64-bit integer (SQLite's driver
    raised), on each endpoint that takes one."""
    cases: list[tuple[str, int, str, Request]] = []
    for big in (2**31, 10**23):
        cases += [
            (f"a report's version {big}", 422, "invalid",
             lambda c, v=big: c.report("region", "teachers/T1", month="2026-09", version=str(v))),
            (f"an explanation's version {big}", 422, "invalid",
             lambda c, v=big: c.client.get("/api/v1/explanations/teachers/T1",
                                           params={"month": "2026-09", "version": str(v)}, headers=c.auth("region"))),
            (f"publishing version {big}", 422, "invalid",
             lambda c, v=big: c.client.post(f"/api/v1/settlements/2026-09/versions/{v}/publish",
                                            headers=c.auth("region"))),
        ]
    return cases


CASES: list[tuple[str, int, str, Request]] = [
    # 401
    ("post without token", 401, "unauthorized", lambda c: c.client.post(OPS, json={"operations": []})),
    ("post with unknown token", 401, "unauthorized",
     lambda c: c.client.post(OPS, json={"operations": []}, headers={"Authorization": "Bearer jfa_nope"})),
    ("post with Basic scheme", 401, "unauthorized",
     lambda c: c.client.post(OPS, json={"operations": []}, headers={"Authorization": f"Basic {c.tokens['app']}"})),
    ("post with a user token", 401, "unauthorized", lambda c: c.post_ops(_ops([]), who="region")),
    ("get operation without token", 401, "unauthorized", lambda c: c.client.get(f"{OPS}/x")),
    ("report without token", 401, "unauthorized", lambda c: c.report(None, "teachers/T1", month="2026-09")),
    ("report with unknown token", 401, "unauthorized",
     lambda c: c.client.get("/api/v1/reports/teachers/T1", params={"month": "2026-09"},
                            headers={"Authorization": "Bearer jfu_nope"})),
    # 403
    ("report with an app token", 403, "forbidden", lambda c: c.report("app", "teachers/T1", month="2026-09")),
    ("report outside the scope", 403, "forbidden", lambda c: c.report("teacher", "teachers/T2", month="2026-09")),
    ("report above the scope", 403, "forbidden", lambda c: c.report("teacher", "schools/S1", month="2026-09")),
    # 404
    ("unknown route", 404, "not_found", lambda c: c.client.get("/api/v1/nothing-here")),
    ("unknown route outside the api", 404, "not_found", lambda c: c.client.get("/nothing-here")),
    ("unknown report kind", 404, "not_found", lambda c: c.report("region", "provinces/640000", month="2026-09")),
    ("unknown operation id", 404, "not_found", lambda c: c.client.get(f"{OPS}/never", headers=c.auth("app"))),
    ("unknown unit", 404, "not_found", lambda c: c.report("region", "teachers/NOBODY", month="2026-09")),
    ("month not settled", 404, "not_settled", lambda c: c.report("region", "regions/640000", month="2026-08")),
    ("version not settled", 404, "not_settled",
     lambda c: c.report("region", "regions/640000", month="2026-09", version="2")),
    # 405
    ("PUT operations", 405, "method_not_allowed", lambda c: c.client.put(OPS, json={"operations": []})),
    ("GET operations list", 405, "method_not_allowed", lambda c: c.client.get(OPS, headers=c.auth("app"))),
    ("DELETE catalog", 405, "method_not_allowed", lambda c: c.client.delete("/api/v1/catalog")),
    ("POST report", 405, "method_not_allowed",
     lambda c: c.client.post("/api/v1/reports/teachers/T1?month=2026-09", headers=c.auth("region"))),
    # 413
    ("more than 5000 items", 413, "payload_too_large",
     lambda c: c.post_ops(_ops([op("research.activity", teacher="T1") for _ in range(5001)]))),
    ("body over 10 MB", 413, "payload_too_large",
     lambda c: c.post_ops(_ops([op("research.activity", teacher="T1", pad="x" * TEN_MB)]))),
    ("chunked body over 10 MB", 413, "payload_too_large",
     lambda c: c.client.post(OPS, content=iter([b'{"operations": [' + b" " * TEN_MB, b"]}"]), headers=c.auth("app"))),
    # 422
    *_past_the_versions_column(),
    ("a diff to a version past a 32-bit column", 422, "invalid",
     lambda c: c.client.get("/api/v1/settlements/2026-09/diff", params={"to": str(2**31)}, headers=c.auth("region"))),
    ("the largest version a 32-bit column holds, not settled", 404, "not_settled",
     lambda c: c.report("region", "regions/640000", month="2026-09", version=str(2**31 - 1))),
    ("an appeal of an operation id beyond any", 422, "invalid",
     lambda c: c.client.post("/api/v1/appeals", json={"operation": 10**23, "reason": "hello world"},
                             headers=c.auth("region"))),
    ("body not JSON", 422, "invalid", lambda c: c.post_ops(b"{not json")),
    ("body not UTF-8", 422, "invalid", lambda c: c.post_ops(b"\xff\xfe\xfd")),
    ("body empty", 422, "invalid", lambda c: c.post_ops(b"")),
    ("body a list", 422, "invalid", lambda c: c.post_ops(b"[]")),
    ("operations missing", 422, "invalid", lambda c: c.post_ops(b'{"ops": []}')),
    ("operations not a list", 422, "invalid", lambda c: c.post_ops(b'{"operations": {}}')),
    ("NaN in the body", 422, "invalid", lambda c: c.post_ops(b'{"operations": [NaN]}')),
    ("JSON nested too deeply", 422, "invalid",
     lambda c: c.post_ops(b'{"operations": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")),
    ("report month missing", 422, "invalid", lambda c: c.report("region", "teachers/T1")),
    ("report month malformed", 422, "invalid", lambda c: c.report("region", "teachers/T1", month="09/2026")),
    ("report month 13", 422, "invalid", lambda c: c.report("region", "teachers/T1", month="2026-13")),
    ("report version 0", 422, "invalid",
     lambda c: c.report("region", "teachers/T1", month="2026-09", version="0")),
]


@pytest.mark.parametrize("status, code, send", [pytest.param(s, c, f, id=name) for name, s, c, f in CASES])
def test_every_error_has_the_one_shape(ctx: Ctx, status: int, code: str, send: Request) -> None:
    response = send(ctx)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["details"], list)
    for detail in error["details"]:
        assert set(detail) == {"path", "message"} and isinstance(detail["path"], str) and detail["message"]
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    if status == 422:
        assert error["details"], "a 422 names the path at fault"


def test_a_method_not_allowed_names_every_method_the_path_takes(ctx: Ctx) -> None:
    """GET and DELETE of one report are two routes: the answer lists both, in Allow and in the message."""
    refused = ctx.client.put(f"{OPS}/a1", headers=ctx.auth("app"))
    assert refused.status_code == 405
    assert refused.headers["allow"] == "DELETE, GET"
    assert refused.json()["error"]["message"].endswith("allowed: DELETE, GET")
    assert ctx.client.put(OPS).headers["allow"] == "POST"


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/v1/histories/teachers/T1?to=2026-00", "to"),
    ("/api/v1/charts/counties/640104/trend?to=2026-13", "to"),
    ("/api/v1/explanations/teachers/T1?month=2026-13", "month"),
])
def test_a_month_the_calendar_lacks_is_named_by_its_parameter(ctx: Ctx, path: str, parameter: str) -> None:
    error = api_error(ctx.client.get(path, headers=ctx.auth("region")), 422, "invalid")
    assert error["message"].startswith(f"query.{parameter}: ") and error["details"][0]["path"] == f"query.{parameter}"
