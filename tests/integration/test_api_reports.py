"""GET /api/v1/reports/{kind}/{code}?month=: settled reports for users whose scope covers them.

The region used here (every figure below worked out by hand from DOMAIN.md's scoring rule):

    city 640100: county 640104: school S1 (T1, T2), school S2 (T3)
                 county 640122: school S3 (T4)
    city 640200: county 640202: school S4 (T5)

Qualified in 2026-09: T1 two interactive sessions; S3 one online class (one classroom).
    interactive_teaching: avg 2/5 = 0.4, full at 0.8 -> T1 20 points, others 0
    three_classrooms: per classroom S3 1, others 0 -> avg 0.25, full at 0.5 -> S3 15 points
    schools: S1 10 (teacher average 10), S2 0, S3 15 (school points 15), S4 0
    counties: 640104 5, 640122 15, 640202 0; cities: 640100 10, 640200 0; region 5
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_error as _error
from factories import CST, at, op, row
from jifen.access.service import add_user, register_app
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.web.app import create_app


MONTH = "2026-09"
NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
Y1, Y2 = "640100", "640200"
C1, C2, C3 = "640104", "640122", "640202"
S1, S2, S3, S4 = "640104001", "640104002", "640122001", "640202001"
TEACHER_INDICATORS = ["lesson_prep", "interactive_teaching", "tutoring", "teaching_resources", "research_activity",
                      "research_resources", "literacy_assessment", "student_evaluation"]
ALL_INDICATORS = ["lesson_prep", "interactive_teaching", "tutoring", "three_classrooms", "teaching_resources",
                  "research_activity", "research_resources", "literacy_assessment", "student_evaluation",
                  "teacher_evaluation", "school_affairs", "academic_affairs"]


@dataclass
class Reports:
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def get(self, who: str | None, path: str, **params: Any) -> Any:
        headers = {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.get(f"/api/v1/reports/{path}", params=params, headers=headers)

    def ok(self, who: str, path: str, month: str = MONTH) -> dict[str, Any]:
        response = self.get(who, path, month=month)
        assert response.status_code == 200, (who, path, response.text)
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def reports(runtime: Runtime) -> Iterator[Reports]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [
        row("T1", S1, county_code=C1, city_code=Y1), row("T2", S1, county_code=C1, city_code=Y1),
        row("T3", S2, county_code=C1, city_code=Y1, online_classrooms=0),
        row("T4", S3, county_code=C2, city_code=Y1),
        row("T5", S4, county_code=C3, city_code=Y2),
    ], full=True, now=NOW)
    results = ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(d))
                                         for d in (3, 4)], NOW)
    results += ingest.submit("online-classroom", [op("class.session", school=S3, duration=1200, classroom_id="R1")],
                             NOW)
    assert {str(r.status) for r in results} == {"qualified"}
    settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, NOW)
    users = {"teacher": ("teacher", "T1"), "school": ("school_admin", S1), "county": ("county_admin", C1),
             "city": ("city_admin", Y1), "region": ("region_admin", REGION[0])}
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], NOW)
              for name, (role, scope) in users.items()}
    tokens["app"] = register_app(runtime.database, runtime.ruleset.rules, "hite-pi6", NOW)
    with TestClient(create_app(runtime)) as client:
        yield Reports(runtime, client, tokens)


# --- who sees what ----------------------------------------------------------------------------------------

EVERY_UNIT = [
    *(f"teachers/{t}" for t in ("T1", "T2", "T3", "T4", "T5")),
    *(f"schools/{s}" for s in (S1, S2, S3, S4)),
    *(f"counties/{c}" for c in (C1, C2, C3)),
    *(f"cities/{c}" for c in (Y1, Y2)),
    f"regions/{REGION[0]}",
]

VISIBLE = {
    "teacher": {"teachers/T1"},
    "school": {"teachers/T1", "teachers/T2", f"schools/{S1}"},
    "county": {"teachers/T1", "teachers/T2", "teachers/T3", f"schools/{S1}", f"schools/{S2}", f"counties/{C1}"},
    "city": {"teachers/T1", "teachers/T2", "teachers/T3", "teachers/T4", f"schools/{S1}", f"schools/{S2}",
             f"schools/{S3}", f"counties/{C1}", f"counties/{C2}", f"cities/{Y1}"},
    "region": set(EVERY_UNIT),
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_each_role_sees_its_scope_and_below_and_nothing_else(reports: Reports, who: str) -> None:
    for path in EVERY_UNIT:
        response = reports.get(who, path, month=MONTH)
        if path in VISIBLE[who]:
            assert response.status_code == 200, (who, path, response.text)
            assert response.json()["month"] == MONTH
        else:
            error = _error(response, 403, "forbidden")
            assert path.split("/")[1] in error["message"] and who in error["message"], (who, path)
    # a code that is in no settlement: refused to everyone but the region, which is told it does not exist
    for path in ("teachers/NOBODY", "schools/999", "counties/999", "cities/999", "regions/650000"):
        if who == "region":
            _error(reports.get(who, path, month=MONTH), 404, "not_found")
        else:
            _error(reports.get(who, path, month=MONTH), 403, "forbidden")


def test_a_teacher_cannot_see_another_teacher(reports: Reports) -> None:
    assert reports.ok("teacher", "teachers/T1")["teacher_id"] == "T1"
    for other in ("T2", "T3", "T5"):
        error = _error(reports.get("teacher", f"teachers/{other}", month=MONTH), 403, "forbidden")
        assert other in error["message"]


@pytest.mark.parametrize("path", ["teachers/T1", f"schools/{S1}", f"regions/{REGION[0]}"])
def test_tokens_that_are_not_a_users_are_refused(reports: Reports, path: str) -> None:
    error = _error(reports.get("app", path, month=MONTH), 403, "forbidden")
    assert "app token" in error["message"]
    missing = reports.get(None, path, month=MONTH)
    _error(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"] == "Bearer"
    for header in ("Bearer jfu_unknown", "Bearer ", f"Basic {reports.tokens['region']}", reports.tokens["region"]):
        response = reports.client.get(f"/api/v1/reports/{path}", params={"month": MONTH},
                                      headers={"Authorization": header})
        _error(response, 401, "unauthorized")


# --- months, versions, kinds ------------------------------------------------------------------------------

def test_a_month_not_settled_is_404_not_settled(reports: Reports) -> None:
    for who, path in (("region", f"regions/{REGION[0]}"), ("teacher", "teachers/T1"), ("school", f"schools/{S1}")):
        error = _error(reports.get(who, path, month="2026-08"), 404, "not_settled")
        assert "2026-08" in error["message"]
    error = _error(reports.get("region", f"regions/{REGION[0]}", month=MONTH, version=2), 404, "not_settled")
    assert "version 2" in error["message"]
    assert reports.get("region", f"regions/{REGION[0]}", month=MONTH, version=1).json()["version"] == 1


def test_ones_own_unit_missing_from_the_settlement_is_404_and_anothers_403(reports: Reports) -> None:
    """A county imported after the month was settled: its admin and expert are told it is not in the settlement;
    another county's admin learns nothing of it."""
    database, region = reports.runtime.database, REGION[0]
    import_rows(Ingest(database, reports.runtime.ruleset.rules, reports.runtime.tz),
                [row("T9", "640999001", county_code="640999", city_code=Y1)], full=False, now=NOW)
    newcomer = {"Authorization": f"Bearer {add_user(database, 'new-county', 'county_admin', '640999', region, NOW)}"}
    expert = {"Authorization": f"Bearer {add_user(database, 'new-expert', 'assessment_expert', '640999', region, NOW)}"}
    for headers in (newcomer, expert):
        for path in ("/api/v1/reports/counties/640999", "/api/v1/charts/counties/640999/ranking"):
            error = _error(reports.client.get(path, params={"month": MONTH}, headers=headers), 404, "not_found")
            assert "not in the settlement" in error["message"], path
        error = _error(reports.client.get("/api/v1/reports/counties/640999", params={"month": MONTH, "version": 1},
                                          headers=headers), 404, "not_found")
        assert error["message"].endswith("is not in the settlement of 2026-09 (version 1)")
    other = _error(reports.get("county", "counties/640999", month=MONTH), 403, "forbidden")
    assert "outside the scope" in other["message"]


def test_the_latest_version_is_served_unless_one_is_asked_for(reports: Reports) -> None:
    runtime = reports.runtime
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T5", duration=900, when=at(9))], NOW)
    settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, NOW)
    latest = reports.ok("region", "teachers/T5")
    assert (latest["version"], latest["total"]) == (2, 16.67)  # avg 3/5, full at 1.2: 20 / 1.2
    first = reports.get("region", "teachers/T5", month=MONTH, version=1).json()
    assert (first["version"], first["total"]) == (1, 0)


@pytest.mark.parametrize("params, path", [
    ({}, "query.month"),
    ({"month": ""}, "query.month"),
    ({"month": "2026-9"}, "query.month"),
    ({"month": "September"}, "query.month"),
    ({"month": "2026-09-01"}, "query.month"),
    ({"month": MONTH, "version": "0"}, "query.version"),
    ({"month": MONTH, "version": "latest"}, "query.version"),
])
def test_a_missing_or_malformed_month_is_422_naming_the_parameter(reports: Reports, params: dict[str, str],
                                                                  path: str) -> None:
    error = _error(reports.get("region", "teachers/T1", **params), 422, "invalid")
    assert error["details"][0]["path"] == path
    assert error["message"].startswith(f"{path}: ")


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0001-01", "9999-12"])
def test_a_month_that_does_not_exist_is_422(reports: Reports, month: str) -> None:
    error = _error(reports.get("region", "teachers/T1", month=month), 422, "invalid")
    assert month in error["message"] and error["message"].startswith("query.month: ")
    assert [d["path"] for d in error["details"]] == ["query.month"]


@pytest.mark.parametrize("kind", ["teacher", "school", "provinces", "TEACHERS", "users"])
def test_an_unknown_report_kind_is_404(reports: Reports, kind: str) -> None:
    error = _error(reports.get("region", f"{kind}/T1", month=MONTH), 404, "not_found")
    assert kind in error["message"]


# --- the JSON of each report ------------------------------------------------------------------------------

INDICATOR_FIELDS = {"code", "count", "average", "points", "max"}
# Fields the API adds to those the issue names; pinned so that any further change is deliberate.
INDICATOR_EXTRAS = {"name", "category", "subject", "adjustment"}


def _check_indicators(indicators: list[dict[str, Any]], codes: list[str]) -> dict[str, dict[str, Any]]:
    assert [i["code"] for i in indicators] == codes
    for indicator in indicators:
        assert set(indicator) == INDICATOR_FIELDS | INDICATOR_EXTRAS
    return {i["code"]: i for i in indicators}


def test_teacher_report(reports: Reports) -> None:
    body = reports.ok("school", "teachers/T1")
    assert set(body) == {"month", "version", "state", "teacher_id", "school_code", "total", "indicators",
                         "teacher_name", "rank_in_school", "adjustments"}
    assert (body["month"], body["version"], body["teacher_id"], body["school_code"], body["total"]) == (
        MONTH, 1, "T1", S1, 20)
    by_code = _check_indicators(body["indicators"], TEACHER_INDICATORS)
    assert {k: by_code["interactive_teaching"][k] for k in INDICATOR_FIELDS} == {
        "code": "interactive_teaching", "count": 2, "average": 0.4, "points": 20, "max": 20}
    assert {k: by_code["lesson_prep"][k] for k in INDICATOR_FIELDS} == {
        "code": "lesson_prep", "count": 0, "average": 0, "points": 0, "max": 20}
    assert by_code["literacy_assessment"]["max"] == 10
    assert sum(i["points"] for i in body["indicators"]) == body["total"]
    other = reports.ok("school", "teachers/T2")
    assert (other["total"], other["school_code"]) == (0, S1)
    assert (body["rank_in_school"], other["rank_in_school"]) == (1, 2)


def test_school_report_has_all_twelve_indicators(reports: Reports) -> None:
    body = reports.ok("county", f"schools/{S1}")
    assert set(body) == {"month", "version", "state", "school_code", "teacher_average", "school_points", "total",
                         "indicators", "school_name", "county_code", "rank_in_county", "teachers", "adjustments",
                         "review"}
    assert (body["month"], body["version"], body["school_code"]) == (MONTH, 1, S1)
    assert (body["teacher_average"], body["school_points"], body["total"]) == (10, 0, 10)
    by_code = _check_indicators(body["indicators"], ALL_INDICATORS)
    assert {k: by_code["interactive_teaching"][k] for k in ("count", "average", "points", "max")} == {
        "count": 1, "average": 0.4, "points": 10, "max": 20}, "a school shows its teachers' mean"
    assert [(t["teacher_id"], t["total"], t["rank"]) for t in body["teachers"]] == [("T1", 20, 1), ("T2", 0, 2)]

    s3 = reports.ok("region", f"schools/{S3}")
    assert (s3["teacher_average"], s3["school_points"], s3["total"]) == (0, 15, 15)
    three = _check_indicators(s3["indicators"], ALL_INDICATORS)["three_classrooms"]
    assert {k: three[k] for k in INDICATOR_FIELDS} == {
        "code": "three_classrooms", "count": 1, "average": 0.25, "points": 15, "max": 15}


@pytest.mark.parametrize("kind, code, level, children, expected_total, expected_children", [
    ("counties", C1, "county", "schools", 5,
     [{"school_code": S1, "school_name": f"学校{S1}", "total": 10, "rank": 1},
      {"school_code": S2, "school_name": f"学校{S2}", "total": 0, "rank": 2}]),
    ("cities", Y1, "city", "counties", 10,
     [{"county_code": C2, "county_name": f"县{C2}", "total": 15, "rank": 1},
      {"county_code": C1, "county_name": f"县{C1}", "total": 5, "rank": 2}]),
    ("regions", REGION[0], "region", "cities", 5,
     [{"city_code": Y1, "city_name": f"市{Y1}", "total": 10, "rank": 1},
      {"city_code": Y2, "city_name": f"市{Y2}", "total": 0, "rank": 2}]),
])
def test_county_city_and_region_reports_rank_their_children(
        reports: Reports, kind: str, code: str, level: str, children: str, expected_total: float,
        expected_children: list[dict[str, Any]]) -> None:
    body = reports.ok("region", f"{kind}/{code}")
    review = {"review"} if level == "county" else set()  # the review list (待核查), empty in this region
    assert set(body) == ({"month", "version", "state", f"{level}_code", "total", children, f"{level}_name",
                          "indicators"} | review)
    assert (body["month"], body["version"], body[f"{level}_code"], body["total"]) == (
        MONTH, 1, code, expected_total)
    # its points per indicator: the mean of its children's, adding up to its total (no adjustments here)
    assert sum(i["points"] for i in body["indicators"]) == pytest.approx(expected_total, abs=0.01)
    assert body[children] == expected_children
    if level == "region":
        assert body["region_name"] == REGION[1]


# --- downloads: ?format=xlsx|csv ----------------------------------------------------------------------------


def test_a_county_downloads_its_report_as_xlsx(reports: Reports) -> None:
    import io
    from urllib.parse import quote

    import openpyxl

    response = reports.get("county", f"counties/{C1}", month=MONTH, format="xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote('县区积分报表')}_{C1}_{MONTH}_v1.xlsx" in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]][:3] == ["排名", "名称", "代码"]
    county = reports.ok("county", f"counties/{C1}")
    assert [(r[0].value, r[2].value, r[-2].value) for r in sheet.iter_rows(min_row=3)] == [
        (s["rank"], s["school_code"], s["total"]) for s in county["schools"]]


def test_a_school_downloads_its_report_as_csv(reports: Reports) -> None:
    import csv

    response = reports.get("school", f"schools/{S1}", month=MONTH, format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment; " in response.headers["content-disposition"]
    lines = list(csv.reader(response.content.decode("utf-8-sig").splitlines()))
    assert lines[0][:3] == ["排名", "姓名", "代码"] and lines[0][-2:] == ["总分", "较上月"]
    school = reports.ok("school", f"schools/{S1}")
    assert [(r[2], float(r[-2]), r[-1]) for r in lines[1:]] == [
        (t["teacher_id"], t["total"], "") for t in school["teachers"]]  # 2026-08 is not settled: no change


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_download_outside_the_scope_is_refused(reports: Reports, fmt: str) -> None:
    error = _error(reports.get("school", f"schools/{S2}", month=MONTH, format=fmt), 403, "forbidden")
    assert S2 in error["message"]
    _error(reports.get("teacher", "teachers/T2", month=MONTH, format=fmt), 403, "forbidden")


def test_an_unknown_format_is_422(reports: Reports) -> None:
    error = _error(reports.get("region", f"regions/{REGION[0]}", month=MONTH, format="pdf"), 422, "invalid")
    assert error["details"][0]["path"] == "query.format"
