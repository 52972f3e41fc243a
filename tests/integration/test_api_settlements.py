"""/api/v1/settlements: a month's versions, the diff within a user's scope, and publication by the region's admins,
every error in the one error shape.

    city 640100: county 640104: school S1 (T1, T2); county 640122: school S3 (T4)
    city 640200: county 640202: school S4 (T5)

Version 1: T1 two sessions (avg 2/4 = 0.5, full at 1: T1 20). Version 2 adds a late session each for T2 and T5:
avg 4/4 = 1, full at 2: T1 20, T2 10, T5 10.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import CST, api_error, at, op, row
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.web.app import create_app

MONTH = "2026-09"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
S1, S3, S4 = "640104001", "640122001", "640202001"


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]

    def call(self, method: str, who: str, path: str, **params: Any) -> Any:
        return self.client.request(method, f"/api/v1/settlements/{path}", params=params,
                                   headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def ok(self, method: str, who: str, path: str, **params: Any) -> dict[str, Any]:
        response = self.call(method, who, path, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Api]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code="640104", city_code="640100"),
                         row("T2", S1, county_code="640104", city_code="640100"),
                         row("T4", S3, county_code="640122", city_code="640100"),
                         row("T5", S4, county_code="640202", city_code="640200")], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(d)) for d in (3, 4)], NOW)
    settle_month(runtime.database, runtime.ruleset, Month(2026, 9), REGION, NOW, runtime.tz)
    ingest.submit("hite-pi6", [op("teaching.session", teacher=t, duration=900, when=at(20)) for t in ("T2", "T5")],
                  NOW)
    settle_month(runtime.database, runtime.ruleset, Month(2026, 9), REGION, NOW, runtime.tz)
    users = {"teacher": ("teacher", "T2"), "county": ("county_admin", "640104"), "region": ("region_admin", REGION[0])}
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], NOW)
              for name, (role, scope) in users.items()}
    with TestClient(create_app(runtime)) as client:
        yield Api(client, tokens)


def test_versions_list_state_and_what_reports_show(api: Api) -> None:
    body = api.ok("GET", "teacher", MONTH)
    assert (body["month"], body["shown_version"], body["inputs_changed"]) == (MONTH, 2, False)
    assert [(v["version"], v["state"], v["shown"], v["published_by"]) for v in body["versions"]] == [
        (1, "draft", False, None), (2, "draft", True, None)]
    assert set(body["versions"][0]) == {"version", "state", "shown", "created_at", "ruleset", "published_at",
                                        "published_by"}


def test_the_diff_is_cut_to_the_users_scope(api: Api) -> None:
    everything = api.ok("GET", "region", f"{MONTH}/diff")
    assert (everything["from_version"], everything["to_version"]) == (1, 2)
    assert [(c["level"], c["code"], c["change"]) for c in everything["changes"] if c["level"] == "teacher"] == [
        ("teacher", "T2", 10), ("teacher", "T5", 10)]
    county = api.ok("GET", "county", f"{MONTH}/diff", **{"from": 1, "to": 2})
    assert {c["code"] for c in county["changes"]} == {"T2", S1, "640104"}
    assert county["counts"] == {"teacher": 1, "school": 1, "county": 1, "city": 0, "region": 0}
    mine = api.ok("GET", "teacher", f"{MONTH}/diff", level="teacher")
    assert [c["code"] for c in mine["changes"]] == ["T2"]
    limited = api.ok("GET", "region", f"{MONTH}/diff", limit=1)
    assert (len(limited["changes"]), limited["total_changes"]) == (1, len(everything["changes"]))


def test_only_a_region_admin_publishes_and_only_the_latest_draft(api: Api) -> None:
    api_error(api.call("POST", "county", f"{MONTH}/versions/2/publish"), 403, "forbidden")
    error = api_error(api.call("POST", "region", f"{MONTH}/versions/1/publish"), 409, "conflict")
    assert "not the latest" in error["message"]
    body = api.ok("POST", "region", f"{MONTH}/versions/2/publish")
    published = body["versions"][1]
    assert (published["state"], published["published_by"], published["shown"]) == ("published", "region", True)
    error = api_error(api.call("POST", "region", f"{MONTH}/versions/2/publish"), 409, "conflict")
    assert "already published" in error["message"]
    assert api.ok("GET", "teacher", MONTH)["shown_version"] == 2
    diff = api.ok("GET", "region", f"{MONTH}/diff")
    assert (diff["from_version"], diff["from_state"], diff["to_state"]) == (1, "draft", "published")


@pytest.mark.parametrize(("method", "path", "params", "status", "code"), [
    ("GET", "2026-08", {}, 404, "not_settled"),
    ("GET", "2026-08/diff", {}, 404, "not_settled"),
    ("GET", f"{MONTH}/diff", {"to": 5}, 404, "not_settled"),
    ("POST", f"{MONTH}/versions/9/publish", {}, 404, "not_settled"),
    ("GET", "2026-13", {}, 422, "invalid"),
    ("GET", "2026-9", {}, 422, "invalid"),
    ("GET", f"{MONTH}/diff", {"from": 0}, 422, "invalid"),
    ("GET", f"{MONTH}/diff", {"level": "district"}, 422, "invalid"),
    ("POST", f"{MONTH}/versions/0/publish", {}, 422, "invalid"),
])
def test_errors_share_the_one_shape(api: Api, method: str, path: str, params: dict[str, Any], status: int,
                                    code: str) -> None:
    api_error(api.call(method, "region", path, **params), status, code)


def test_a_bad_level_or_a_missing_earlier_version_names_the_query_parameter(api: Api) -> None:
    error = api_error(api.call("GET", "region", f"{MONTH}/diff", level="district"), 422, "invalid")
    assert [d["path"] for d in error["details"]] == ["query.level"]
    error = api_error(api.call("GET", "region", f"{MONTH}/diff", to=1), 422, "invalid")
    assert [d["path"] for d in error["details"]] == ["query.from"]
    assert "only version 1" in error["message"]
    error = api_error(api.call("GET", "region", "2026-13/diff"), 422, "invalid")
    assert [d["path"] for d in error["details"]] == ["path.month"]


def test_a_token_is_needed(api: Api) -> None:
    api_error(api.client.get(f"/api/v1/settlements/{MONTH}"), 401, "unauthorized")
