"""Manual adjustments: separate entries with author and time, added after scoring, carried by every later
settlement, shown in the reports; the CLI and the API, on both databases.

The region (every figure below worked out by hand from DOMAIN.md's scoring rule):

    city 640100: county 640104: school S1 (T1, T2), school S2 (T3)
                 county 640122: school S3 (T4)
    city 640200: county 640202: school S4 (T5)

Qualified in 2026-09: T1 two interactive sessions, T2 one.
    interactive_teaching: avg 3/5 = 0.6, full at 1.2 -> T1 20 (capped), T2 20 * 1/1.2 = 16.666.. -> 16.67
    version 1: T1 20; S1 (20 + 50/3)/2 = 18.333.. -> 18.33

Adjustments made after version 1 (so version 1 never changes):
    T1 interactive_teaching +5   (CLI)                       added after the cap: T1 scores 20 + 5
    T1 lesson_prep -2.5          (API, school admin of S1)
    S3 teacher_evaluation +3     (API, county admin of 640122)

Version 2 (averages and caps as before; only totals move):
    T1 20 + 5 - 2.5 = 22.5; T2 16.67 (unchanged); interactive_teaching average 0.6 (unchanged)
    S1 teacher average (22.5 + 50/3)/2 = 235/12 = 19.5833.. -> 19.58; its interactive_teaching row shows the
       teachers' mean: points (20 + 50/3)/2 = 18.33, adjustment (5 + 0)/2 = 2.5; lesson_prep adjustment -1.25
    S3 teacher average 0 + school points 3 -> 3
    counties: 640104 (235/12 + 0)/2 = 235/24 = 9.7916.. -> 9.79; 640122 3; 640202 0
    cities: 640100 (235/24 + 3)/2 = 307/48 = 6.3958.. -> 6.40; 640200 0; region 307/96 = 3.1979.. -> 3.20
"""

from __future__ import annotations

import getpass
from decimal import Decimal
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_error as _error
from factories import jifen as _cli
from factories import CST, at, op, row
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports.datasets import report
from jifen.reports.sheet import rows
from jifen.reports.sheet_data import dataset
from jifen.runtime import Runtime
from jifen.settle.adjustments import AdjustmentRequest, add_adjustment
from jifen.settle.service import settle_month
from jifen.store import adjustments as adjustments_repo
from jifen.web.app import create_app


MONTH = "2026-09"
NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
Y1, Y2 = "640100", "640200"
C1, C2, C3 = "640104", "640122", "640202"
S1, S2, S3, S4 = "640104001", "640104002", "640122001", "640202001"
USERS = {"teacher": ("teacher", "T1"), "school": ("school_admin", S1), "county": ("county_admin", C1),
         "county2": ("county_admin", C2), "city": ("city_admin", Y1), "city2": ("city_admin", Y2),
         "region": ("region_admin", REGION[0])}


@dataclass
class Region:
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def post(self, who: str, **body: Any) -> Any:
        return self.client.post("/api/v1/adjustments", json=body,
                                headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def listing(self, who: str, **params: Any) -> Any:
        return self.client.get("/api/v1/adjustments", params=params,
                               headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def report(self, level: str, code: str, version: int | None = None) -> dict[str, Any]:
        with self.runtime.database.read() as connection:
            return report(connection, level, code, MONTH, version)

    def settle(self) -> int:
        # settled now: after every adjustment made so far, on the wall clock as the CLI and the API record them
        return settle_month(self.runtime.database, self.runtime.ruleset, Month.parse(MONTH), REGION,
                            datetime.now(UTC)).version


@pytest.fixture
def region(runtime: Runtime) -> Iterator[Region]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [
        row("T1", S1, county_code=C1, city_code=Y1), row("T2", S1, county_code=C1, city_code=Y1),
        row("T3", S2, county_code=C1, city_code=Y1), row("T4", S3, county_code=C2, city_code=Y1),
        row("T5", S4, county_code=C3, city_code=Y2),
    ], full=True, now=NOW)
    results = ingest.submit("hite-pi6", [op("teaching.session", teacher=t, duration=900, when=at(d))
                                         for t, d in (("T1", 3), ("T1", 4), ("T2", 5))], NOW)
    assert {str(r.status) for r in results} == {"qualified"}
    assert settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, NOW).version == 1
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], NOW)
              for name, (role, scope) in USERS.items()}
    with TestClient(create_app(runtime)) as client:
        yield Region(runtime, client, tokens)


def _indicator(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["code"] == code)


def _three_adjustments(region: Region, cli_env: dict[str, str]) -> None:
    added = _cli(cli_env, "adjust", "teacher", "T1", "--month", MONTH, "--indicator", "interactive_teaching",
                 "--points", "5", "--reason", "9月3日课堂网络中断未上报，按课表补计", "--format", "json")
    assert added.exit_code == 0, added.stderr
    response = region.post("school", level="teacher", code="T1", month=MONTH, indicator="lesson_prep",
                           points=-2.5, reason="重复上传的课件")
    assert response.status_code == 201, response.text
    response = region.post("county2", level="school", code=S3, month=MONTH, indicator="teacher_evaluation",
                           points="3", reason="教师评价数据迟报")
    assert response.status_code == 201, response.text


# --- settlement: after scoring, carried into every later version ----------------------------------------------

def test_adjustments_apply_at_the_next_settlement_and_move_no_average(region: Region, cli_env: dict[str, str]) -> None:
    _three_adjustments(region, cli_env)
    # a stored settlement never changes
    v1 = region.report("teacher", "T1")
    assert (v1["version"], v1["total"]) == (1, 20)
    assert all(i["adjustment"] == 0 for i in v1["indicators"])
    assert region.report("school", S1)["total"] == 18.33

    assert region.settle() == 2
    t1 = region.report("teacher", "T1")
    assert (t1["version"], t1["total"]) == (2, 22.5)
    interactive = _indicator(t1, "interactive_teaching")
    assert (interactive["count"], interactive["average"], interactive["points"], interactive["max"],
            interactive["adjustment"]) == (2, 0.6, 20, 20, 5), "the cap holds; the adjustment comes after it"
    lesson = _indicator(t1, "lesson_prep")
    assert (lesson["points"], lesson["adjustment"]) == (0, -2.5)
    t2 = region.report("teacher", "T2")
    assert (t2["total"], _indicator(t2, "interactive_teaching")["average"]) == (16.67, 0.6), "others unchanged"

    s1 = region.report("school", S1)
    assert (s1["teacher_average"], s1["school_points"], s1["total"]) == (19.58, 0, 19.58)
    assert (_indicator(s1, "interactive_teaching")["points"], _indicator(s1, "interactive_teaching")["adjustment"],
            _indicator(s1, "lesson_prep")["adjustment"]) == (18.33, 2.5, -1.25)
    s3 = region.report("school", S3)
    assert (s3["teacher_average"], s3["school_points"], s3["total"]) == (0, 3, 3)
    evaluation = _indicator(s3, "teacher_evaluation")
    assert (evaluation["count"], evaluation["average"], evaluation["points"], evaluation["adjustment"]) == (0, 0, 0, 3)
    assert [(c["county_code"], c["total"]) for c in region.report("city", Y1)["counties"]] == [(C1, 9.79), (C2, 3)]
    whole = region.report("region", REGION[0])
    assert (whole["total"], [(c["city_code"], c["total"]) for c in whole["cities"]]) == (3.2, [(Y1, 6.4), (Y2, 0)])

    # carried into every later re-settlement, and version 1 still reads as it was
    assert region.settle() == 3
    assert region.report("teacher", "T1")["total"] == 22.5
    assert region.report("school", S3)["total"] == 3
    assert region.report("teacher", "T1", version=1)["total"] == 20


def test_reports_list_the_entries_with_author_and_time(region: Region, cli_env: dict[str, str]) -> None:
    _three_adjustments(region, cli_env)
    before = region.report("teacher", "T1")["adjustments"]
    assert [(e["indicator"], e["points"], e["in_settlement"]) for e in before] == [
        ("interactive_teaching", 5, False), ("lesson_prep", -2.5, False)], "made after version 1"
    region.settle()
    entries = region.report("teacher", "T1")["adjustments"]
    assert [(e["indicator"], e["points"], e["author"], e["in_settlement"]) for e in entries] == [
        ("interactive_teaching", 5, f"cli:{getpass.getuser()}", True), ("lesson_prep", -2.5, "school", True)]
    assert entries[0]["reason"] == "9月3日课堂网络中断未上报，按课表补计"
    assert datetime.fromisoformat(entries[1]["created_at"]) <= datetime.now(UTC)
    [school] = region.report("school", S3)["adjustments"]
    assert (school["level"], school["code"], school["points"], school["author"]) == ("school", S3, 3, "county2")
    assert region.report("school", S1)["adjustments"] == [], "a school lists its own entries, not its teachers'"


def test_adjustments_of_a_month_add_up_for_the_settlement(region: Region) -> None:
    database, rules = region.runtime.database, region.runtime.ruleset.rules
    for points in ("1.25", "-0.5", "2"):
        add_adjustment(database, rules, AdjustmentRequest("teacher", "T2", MONTH, "tutoring", points, "补录"),
                       author="a", now=NOW, region_code=REGION[0])
    add_adjustment(database, rules, AdjustmentRequest("teacher", "T2", "2026-08", "tutoring", "9", "八月"),
                   author="a", now=NOW, region_code=REGION[0])
    with database.read() as connection:
        totals = adjustments_repo.month_totals(connection, MONTH)
    assert {k: str(v) for k, v in totals.items()} == {("teacher", "T2", "tutoring"): "11/4"}
    region.settle()
    t2 = region.report("teacher", "T2")
    assert (t2["total"], _indicator(t2, "tutoring")["adjustment"]) == (19.42, 2.75)  # 50/3 + 11/4 = 233/12


# --- the CLI ------------------------------------------------------------------------------------------------

def test_cli_prints_the_entry(region: Region, cli_env: dict[str, str]) -> None:
    result = _cli(cli_env, "adjust", "school", S1, "--month", MONTH, "--indicator", "school_affairs",
                  "--points", "-1.5", "--reason", "通知重复上报", "--author", "李老师")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert f"调整 #1 已录入：学校 {S1} {MONTH} school_affairs -1.50，原因：通知重复上报（录入人 李老师，" in text
    assert "下次结算（新版本）时计入" in text
    as_json = _cli(cli_env, "adjust", "teacher", "T2", "--month", MONTH, "--indicator", "tutoring",
                   "--points", "0.5", "--reason", "补录", "--format", "json")
    entry = json.loads(as_json.stdout)
    assert {k: entry[k] for k in ("id", "month", "level", "code", "indicator", "points", "reason", "author")} == {
        "id": 2, "month": MONTH, "level": "teacher", "code": "T2", "indicator": "tutoring", "points": 0.5,
        "reason": "补录", "author": f"cli:{getpass.getuser()}"}


@pytest.mark.parametrize("args, field", [
    (("county", C1, "--indicator", "tutoring", "--points", "1"), "level"),
    (("teacher", "T9", "--indicator", "tutoring", "--points", "1"), "code"),
    (("teacher", "T1", "--indicator", "nope", "--points", "1"), "indicator"),
    (("teacher", "T1", "--indicator", "three_classrooms", "--points", "1"), "indicator"),
    (("school", S1, "--indicator", "tutoring", "--points", "1"), "indicator"),
    (("teacher", "T1", "--indicator", "tutoring", "--points", "1.234"), "points"),
    (("teacher", "T1", "--indicator", "tutoring", "--points", "abc"), "points"),
    (("teacher", "T1", "--indicator", "tutoring", "--points", "0"), "points"),
    (("teacher", "T1", "--indicator", "tutoring", "--points", "1", "--month", "2026-13"), "month"),
    (("teacher", "T1", "--indicator", "tutoring", "--points", "1", "--reason", "  "), "reason"),
])
def test_cli_refuses_bad_input_naming_the_field(region: Region, cli_env: dict[str, str], args: tuple[str, ...],
                                                field: str) -> None:
    defaults = {"--month": MONTH, "--reason": "原因"}
    extra = [item for key, value in defaults.items() if key not in args for item in (key, value)]
    result = _cli(cli_env, "adjust", *args, *extra)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"错误 error: {field}: "), result.stderr
    with region.runtime.database.read() as connection:
        assert adjustments_repo.for_month(connection, MONTH) == [], "nothing stored"


# --- the API ------------------------------------------------------------------------------------------------

def test_api_stores_the_entry_with_the_users_name(region: Region) -> None:
    response = region.post("city", level="teacher", code="T4", month=MONTH, indicator="student_evaluation",
                           points=1.5, reason="评价记录补录")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "month", "level", "code", "indicator", "points", "reason", "author", "created_at"}
    assert {k: body[k] for k in ("month", "level", "code", "indicator", "points", "reason", "author")} == {
        "month": MONTH, "level": "teacher", "code": "T4", "indicator": "student_evaluation", "points": 1.5,
        "reason": "评价记录补录", "author": "city"}
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


ALLOWED = [("school", "teacher", "T2"), ("school", "school", S1), ("county", "teacher", "T3"),
           ("county", "school", S2), ("city", "teacher", "T4"), ("city", "school", S3),
           ("region", "teacher", "T5"), ("region", "school", S4), ("county2", "school", S3)]
REFUSED = [("school", "teacher", "T3"), ("school", "school", S2), ("school", "teacher", "T4"),
           ("county", "school", S3), ("county", "teacher", "T5"), ("city2", "teacher", "T1"),
           ("city", "school", S4), ("school", "teacher", "T9"), ("county", "school", "640104999")]


@pytest.mark.parametrize("who, level, code", ALLOWED)
def test_admins_adjust_within_their_scope(region: Region, who: str, level: str, code: str) -> None:
    indicator = "tutoring" if level == "teacher" else "school_affairs"
    response = region.post(who, level=level, code=code, month=MONTH, indicator=indicator, points=1, reason="r")
    assert response.status_code == 201, response.text
    assert response.json()["author"] == who


@pytest.mark.parametrize("who, level, code", REFUSED)
def test_admins_cannot_adjust_outside_their_scope(region: Region, who: str, level: str, code: str) -> None:
    indicator = "tutoring" if level == "teacher" else "school_affairs"
    response = region.post(who, level=level, code=code, month=MONTH, indicator=indicator, points=1, reason="r")
    error = _error(response, 403, "forbidden")
    assert code in error["message"] and who in error["message"]


def test_teachers_and_apps_may_not_adjust(region: Region) -> None:
    response = region.post("teacher", level="teacher", code="T1", month=MONTH, indicator="tutoring", points=1,
                           reason="r")
    assert "teacher" in _error(response, 403, "forbidden")["message"]
    body = {"level": "teacher", "code": "T1", "month": MONTH, "indicator": "tutoring", "points": 1, "reason": "r"}
    _error(region.client.post("/api/v1/adjustments", json=body), 401, "unauthorized")
    with region.runtime.database.read() as connection:
        assert adjustments_repo.for_month(connection, MONTH) == []


GOOD = {"level": "teacher", "code": "T1", "month": MONTH, "indicator": "tutoring", "points": 1, "reason": "r"}


@pytest.mark.parametrize("change, field", [
    ({"level": "county"}, "level"),
    ({"code": ""}, "code"),
    ({"month": "2026-13"}, "month"),
    ({"month": "2026-9"}, "month"),
    ({"indicator": "nope"}, "indicator"),
    ({"indicator": "three_classrooms"}, "indicator"),
    ({"points": "1.234"}, "points"),
    ({"points": 0.001}, "points"),
    ({"points": "abc"}, "points"),
    ({"points": 0}, "points"),
    ({"points": True}, "points"),
    ({"points": None}, "points"),
    ({"points": "NaN"}, "points"),
    ({"points": 1e20}, "points"),
    ({"reason": " "}, "reason"),
    ({"reason": "x" * 2001}, "reason"),
    ({"code": "T9"}, "code"),  # the region sees the whole roster: told the teacher is not on it
    ({"author": "someone else"}, "author"),
    ({"points": "__missing__"}, "points"),
    ({"code": 1}, "code"),
])
def test_api_refuses_bad_input_naming_the_field(region: Region, change: dict[str, Any], field: str) -> None:
    body = {**GOOD, **change}
    body = {k: v for k, v in body.items() if v != "__missing__"}
    error = _error(region.post("region", **body), 422, "invalid")
    assert error["details"][0]["path"] == field, error
    assert error["message"].startswith(f"{field}: "), error


def test_listing_shows_the_entries_within_the_users_scope(region: Region, cli_env: dict[str, str]) -> None:
    _three_adjustments(region, cli_env)
    region.post("region", level="teacher", code="T5", month=MONTH, indicator="tutoring", points=2, reason="r")
    region.post("region", level="teacher", code="T5", month="2026-08", indicator="tutoring", points=2, reason="r")

    def seen(who: str) -> list[tuple[str, str]]:
        response = region.listing(who, month=MONTH)
        assert response.status_code == 200, response.text
        assert response.json()["month"] == MONTH
        return [(e["code"], e["indicator"]) for e in response.json()["adjustments"]]

    assert seen("region") == [("T1", "interactive_teaching"), ("T1", "lesson_prep"), (S3, "teacher_evaluation"),
                              ("T5", "tutoring")]
    assert seen("school") == [("T1", "interactive_teaching"), ("T1", "lesson_prep")]
    assert seen("teacher") == [("T1", "interactive_teaching"), ("T1", "lesson_prep")]
    assert seen("county2") == [(S3, "teacher_evaluation")]
    assert seen("city") == [("T1", "interactive_teaching"), ("T1", "lesson_prep"), (S3, "teacher_evaluation")]
    assert seen("city2") == [("T5", "tutoring")]
    for params in ({}, {"month": "2026-13"}, {"month": "Sept"}):
        error = _error(region.listing("region", **params), 422, "invalid")
        assert error["details"][0]["path"] == "query.month"


def test_the_service_checks_without_a_user(region: Region) -> None:
    """The CLI's path: no scope, every check of the values still holds."""
    with pytest.raises(InvalidInput, match=r"^indicator: .*teacher_evaluation.*school, not a teacher"):
        add_adjustment(region.runtime.database, region.runtime.ruleset.rules,
                       AdjustmentRequest("teacher", "T1", MONTH, "teacher_evaluation", "1", "r"),
                       author="x", now=NOW, region_code=REGION[0])
    with pytest.raises(InvalidInput, match="^author: "):
        add_adjustment(region.runtime.database, region.runtime.ruleset.rules,
                       AdjustmentRequest("teacher", "T1", MONTH, "tutoring", "1", "r"),
                       author=" ", now=NOW, region_code=REGION[0])


def test_a_units_adjustments_of_an_indicator_stay_within_its_monthly_maximum(region: Region) -> None:
    """tutoring's monthly maximum is 10: one entry, or all of a unit's entries of the month summed, go no further
    either way; another unit, indicator or month has its own room."""
    database, rules = region.runtime.database, region.runtime.ruleset.rules

    def add(code: str, indicator: str, points: str, month: str = MONTH) -> None:
        add_adjustment(database, rules, AdjustmentRequest("teacher", code, month, indicator, points, "r"),
                       author="x", now=NOW, region_code=REGION[0])

    with pytest.raises(InvalidInput) as raised:
        add("T1", "tutoring", "10.01")
    assert raised.value.message == "points: +10.01 comes to +10.01, beyond ±10, the monthly maximum of tutoring"
    assert raised.value.details == [{"path": "points", "message": raised.value.message.removeprefix("points: ")}]
    add("T1", "tutoring", "7")
    with pytest.raises(InvalidInput, match=r"^points: \+3.01 with the \+7.00 made before comes to \+10.01, beyond ±10"):
        add("T1", "tutoring", "3.01")
    add("T1", "tutoring", "3")
    add("T1", "tutoring", "-20")  # from +10 to -10
    with pytest.raises(InvalidInput, match=r"comes to -10.01, beyond ±10"):
        add("T1", "tutoring", "-0.01")
    add("T2", "tutoring", "10")
    add("T1", "lesson_prep", "-20")  # lesson_prep's maximum is 20
    add("T1", "tutoring", "10", month="2026-08")
    with database.read() as connection:
        assert adjustments_repo.unit_total(connection, MONTH, "teacher", "T1", "tutoring") == Decimal("-10")


def test_a_fixed_indicators_adjustments_stay_within_what_its_caps_let_it_score(region: Region) -> None:
    """Shihe sets no monthly maximum: class.notice (5 points, 2 a week) scores at most 2 x 6 weeks x 5 = 60 in a
    month, class.create (50, once a year) 50, a login (1, 2 once a run is long) 2 x 31 = 62. An extra zero typed
    is refused; an indicator without caps would have no bound."""
    runtime = region.runtime
    runtime.rulebook.use("shihe-2022", Month(2026, 1), NOW)
    rules = runtime.rulebook.rules_for

    def add(indicator: str, points: str) -> None:
        add_adjustment(runtime.database, rules, AdjustmentRequest("teacher", "T1", MONTH, indicator, points, "r"),
                       author="x", now=NOW, region_code=REGION[0])

    with pytest.raises(InvalidInput) as raised:
        add("class.notice", "500")
    assert raised.value.message == ("points: +500.00 comes to +500.00, beyond ±60, the most class.notice can score "
                                    "in a month, as its caps allow")
    add("class.notice", "60")
    for indicator, most in (("class.create", "50"), ("login", "62")):
        with pytest.raises(InvalidInput, match=f"beyond ±{most},"):
            add(indicator, str(int(most) + 1))
        add(indicator, f"-{most}")


def test_a_unit_not_on_the_months_roster_is_refused_as_it_would_count_nowhere(region: Region) -> None:
    """T5 leaves from October (T6 takes the place): an adjustment to T5 in October would be left out of every
    settlement of it."""
    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1), row("T2", S1, county_code=C1, city_code=Y1),
                         row("T3", S2, county_code=C1, city_code=Y1), row("T4", S3, county_code=C2, city_code=Y1),
                         row("T6", S4, county_code=C3, city_code=Y2)],
                full=True, now=NOW, effective_from=Month(2026, 10))
    with pytest.raises(InvalidInput, match="^code: teacher 'T5' is not on the roster of 2026-10: "):
        add_adjustment(region.runtime.database, region.runtime.ruleset.rules,
                       AdjustmentRequest("teacher", "T5", "2026-10", "tutoring", "1", "r"),
                       author="x", now=NOW, region_code=REGION[0])
    assert add_adjustment(region.runtime.database, region.runtime.ruleset.rules,
                          AdjustmentRequest("teacher", "T5", MONTH, "tutoring", "1", "r"),
                          author="x", now=NOW, region_code=REGION[0]).code == "T5", "September still has T5"


def test_the_report_table_shows_the_entries(region: Region, cli_env: dict[str, str]) -> None:
    _three_adjustments(region, cli_env)
    first = _cli(cli_env, "report", "teacher", "T1", "--month", MONTH)
    assert first.exit_code == 0, first.stderr
    assert "人工调整" in first.stdout and "重复上传的课件" in first.stdout and "下次结算计入" in first.stdout
    region.settle()
    school = _cli(cli_env, "report", "school", S3, "--month", MONTH).stdout
    assert "人工调整" in school and "教师评价数据迟报" in school and "下次结算计入" not in school
    assert "人工调整" not in _cli(cli_env, "report", "teacher", "T2", "--month", MONTH).stdout


def test_score_sheets_show_the_adjustment_beside_the_indicators(region: Region, cli_env: dict[str, str]) -> None:
    """The files and the report page list each indicator's computed points; the adjustments are a column of their
    own (a county's the mean of its schools'), so the indicators and the adjustment add up to the total."""
    with region.runtime.database.read() as connection:
        assert "人工调整" not in rows("county", dataset(connection, "county", C1, MONTH)).headers, "none yet"
    _three_adjustments(region, cli_env)
    region.settle()
    with region.runtime.database.read() as connection:
        county = rows("county", dataset(connection, "county", C1, MONTH))
        city = rows("city", dataset(connection, "city", Y1, MONTH))
        before = rows("county", dataset(connection, "county", C1, MONTH, 1))
    assert "人工调整" not in before.headers, "version 1 was settled before the entries"
    column = county.headers.index("人工调整")
    assert county.headers[column + 1 :] == ["总分", "较上月"]
    by_code = {r[2]: r for r in county.rows}
    # S1: interactive_teaching (5 + 0) / 2 and lesson_prep (-2.5 + 0) / 2; S2 none
    assert (by_code[S1][column], by_code[S2][column]) == (1.25, 0)
    for member in county.rows:
        indicators = sum(v or 0 for v in member[3:column])
        assert abs(indicators + member[column] - member[column + 1]) <= 0.01 * len(county.headers), member
    city_column = city.headers.index("人工调整")
    # counties: 640104 the mean of S1 and S2, (1.25 + 0) / 2; 640122 the mean of S3 alone
    assert {r[2]: r[city_column] for r in city.rows} == {C1: 0.63, C2: 3}
    csv = _cli(cli_env, "report", "county", C1, "--month", MONTH, "--format", "csv")
    assert csv.exit_code == 0, csv.stderr
    header = next(line for line in csv.stdout.splitlines() if line.startswith("排名"))
    assert header.endswith("人工调整,总分,较上月"), header
