"""Figures schools and the national platform supply, end to end on every database: weekly classroom usage through
the API (scoped, replaced on resubmission, sheets stored all or nothing), registration imports, and the county
dataset the bulletin reads (``usage_data.county_usage``).

The county used here (贺兰县 640122) and what it reports, April 2023 (weeks of 3, 10, 17 and 24 April):

    S1 贺兰一小: 2 online classrooms, teachers T1, T2. Online interactive 2 rooms 10 uses and tablet 1 room 3 uses,
       the same three weeks running (3, 10, 17 April) -> repeated; 10/2 = 5 a room a week, meets the standard.
       Online classes: 1 on 10 March, 2 on 25 April. T1: 3 micro-lectures and 1 MOOC this term (and a
       duplicate micro-lecture, not counted).
    S2 贺兰二小: 0 online classrooms (counts as one), teacher T3. Online interactive 2 rooms with 4 then 2 uses
       (17, 24 April) -> 1.5 a room a week, below 5; reading 1 room unused both weeks -> zero for 2 weeks.
       Online classes: 5 on 26 April, 1 on 2 May (next month). T3: a micro-lecture in February (last term),
       and one in April that the app withdrew.
    S3 贺兰三小: 1 online classroom, teacher T4; supplies nothing.
    S9 in another county (640104), teacher T9.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import CST, api_error, at, op, row, sha, workbook
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.ingest.roster_import import import_rows
from jifen.ingest.school_figures import import_registration
from jifen.ingest.service import Ingest
from jifen.ingest.usage_sheet import headers
from jifen.ingest.withdrawal import withdraw
from jifen.reports import usage_sheets
from jifen.reports.usage_data import FigureSettings, county_usage
from jifen.runtime import Runtime
from jifen.store.tables import classroom_usage
from jifen.web.app import create_app

NOW = datetime(2023, 5, 6, 9, 0, tzinfo=CST)
REGION = "640000"
COUNTY, OTHER_COUNTY = "640122", "640104"
S1, S2, S3, S9 = "640122001", "640122002", "640122003", "640104009"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def usage_path(school: str, week: str = "") -> str:
    return f"/api/v1/schools/{school}/classroom-usage" + (f"/{week}" if week else "")


@dataclass
class Ctx:
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def put(self, who: str, school: str, week: str, rooms: dict[str, Any]) -> Any:
        return self.client.put(usage_path(school, week), json={"rooms": rooms}, headers=self.auth(who))

    def get(self, who: str, school: str, **params: str) -> Any:
        return self.client.get(usage_path(school), params=params, headers=self.auth(who))

    def upload(self, who: str, data: bytes, name: str = "usage.xlsx") -> Any:
        return self.client.post("/api/v1/classroom-usage/import", files={"file": (name, data, XLSX)},
                                headers=self.auth(who))

    def stored(self) -> int:
        with self.runtime.database.read() as connection:
            return int(connection.scalar(select(func.count()).select_from(classroom_usage)) or 0)


@pytest.fixture
def ctx(runtime: Runtime) -> Iterator[Ctx]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [
        row("T1", S1, county_code=COUNTY, online_classrooms=2, school_name="贺兰一小", county_name="贺兰县"),
        row("T2", S1, county_code=COUNTY, online_classrooms=2, school_name="贺兰一小", county_name="贺兰县"),
        row("T3", S2, county_code=COUNTY, online_classrooms=0, school_name="贺兰二小", county_name="贺兰县"),
        row("T4", S3, county_code=COUNTY, online_classrooms=1, school_name="贺兰三小", county_name="贺兰县"),
        row("T9", S9, county_code=OTHER_COUNTY, school_name="兴庆一小"),
    ], full=True, now=NOW)
    users = {"school": ("school_admin", S1), "county": ("county_admin", COUNTY),
             "other_county": ("county_admin", OTHER_COUNTY), "city": ("city_admin", "Y1"),
             "region": ("region_admin", REGION), "teacher": ("teacher", "T1")}
    tokens = {name: add_user(runtime.database, name, role, scope, REGION, NOW)
              for name, (role, scope) in users.items()}
    with TestClient(create_app(runtime)) as client:
        yield Ctx(runtime, client, tokens)



# --- the API ----------------------------------------------------------------------------------------------


def test_a_school_admin_submits_a_week_and_a_resubmission_replaces_it(ctx: Ctx) -> None:
    response = ctx.put("school", S1, "2023-04-17", {"online_interactive": {"rooms": 3, "uses": 15},
                                                    "tablet": {"rooms": 2, "uses": 0}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["school_code"] == S1 and body["week"] == "2023-04-17"
    assert body["rooms"]["online_interactive"]["rooms"] == 3
    assert body["rooms"]["online_interactive"]["per_room"] == 5.0
    assert body["rooms"]["online_interactive"]["submitted_by"] == "school"
    assert body["rooms"]["online_interactive"]["submitted_at"].endswith("+08:00")

    again = ctx.put("county", S1, "2023-04-17", {"online_interactive": {"rooms": 3, "uses": 20}})
    assert again.status_code == 200, again.text
    rooms = again.json()["rooms"]
    assert rooms["online_interactive"]["uses"] == 20 and rooms["online_interactive"]["submitted_by"] == "county"
    assert rooms["tablet"] == {**rooms["tablet"], "rooms": 2, "uses": 0, "submitted_by": "school"}
    assert ctx.stored() == 2

    listing = ctx.get("school", S1, **{"from": "2023-04-01", "to": "2023-04-30"})
    assert listing.status_code == 200, listing.text
    assert [w["week"] for w in listing.json()["weeks"]] == ["2023-04-17"]
    assert list(listing.json()["weeks"][0]["rooms"]) == ["online_interactive", "tablet"]
    assert ctx.get("school", S1, **{"from": "2023-05-01", "to": "2023-05-31"}).json()["weeks"] == []


@pytest.mark.parametrize(("who", "school", "status", "code"), [
    ("school", S2, 403, "forbidden"),
    ("other_county", S1, 403, "forbidden"),
    ("teacher", S1, 403, "forbidden"),
    ("region", "NOSCHOOL", 404, "not_found"),
    ("county", "NOSCHOOL", 403, "forbidden"),
])
def test_submissions_outside_the_scope_are_refused(ctx: Ctx, who: str, school: str, status: int, code: str) -> None:
    error = api_error(ctx.put(who, school, "2023-04-17", {"vr": {"rooms": 1, "uses": 1}}), status, code)
    assert school in error["message"] or "teacher" in error["message"]
    assert ctx.stored() == 0


def test_readers_outside_the_scope_are_refused(ctx: Ctx) -> None:
    ctx.put("school", S1, "2023-04-17", {"vr": {"rooms": 1, "uses": 1}})
    assert ctx.get("city", S1, **{"from": "2023-04-01"}).status_code == 200  # the roster puts S1 under city Y1
    api_error(ctx.get("other_county", S1), 403, "forbidden")
    api_error(ctx.get("region", "NOSCHOOL"), 404, "not_found")
    api_error(ctx.client.get(usage_path(S1)), 401, "unauthorized")


@pytest.mark.parametrize(("week", "rooms", "path", "fragment"), [
    ("2023-04-19", {"vr": {"rooms": 1, "uses": 1}}, "path.week", "is a Wednesday; weeks start on Monday: 2023-04-17"),
    ("2023-13-01", {"vr": {"rooms": 1, "uses": 1}}, "path.week", "is not a date"),
    ("2023-04-17", {"gym": {"rooms": 1, "uses": 1}}, "rooms", "'gym' is not a room type"),
    ("2023-04-17", {"tablet": {"rooms": 1, "uses": -2}}, "rooms.tablet.uses", "-2 is not between 0 and"),
    ("2023-04-17", {"tablet": {"rooms": 0, "uses": 2}}, "rooms.tablet.uses", "2 uses with no rooms"),
    ("2023-04-17", {"tablet": {"rooms": 1}}, "rooms.tablet", "must be"),
    ("2023-04-17", {}, "rooms", "give at least one room type"),
    ("2099-01-05", {"vr": {"rooms": 1, "uses": 1}}, "week", "has not begun"),
    ("0001-01-01", {"vr": {"rooms": 1, "uses": 1}}, "path.week", "outside the years 1970-9998"),
])
def test_bad_figures_are_refused_naming_the_field(ctx: Ctx, week: str, rooms: dict[str, Any], path: str,
                                                  fragment: str) -> None:
    error = api_error(ctx.put("school", S1, week, rooms), 422, "invalid")
    assert error["details"][0]["path"] == path
    assert fragment in error["message"]
    assert ctx.stored() == 0


def test_a_body_that_is_not_the_shape_is_refused(ctx: Ctx) -> None:
    response = ctx.client.put(usage_path(S1, "2023-04-17"), json={"rooms": {}, "extra": 1}, headers=ctx.auth("school"))
    api_error(response, 422, "invalid")
    api_error(ctx.get("school", S1, **{"from": "yesterday"}), 422, "invalid")
    far = api_error(ctx.get("school", S1, **{"from": "0001-01-01"}), 422, "invalid")
    assert far["details"][0]["path"] == "query.from" and "outside the years" in far["message"]
    error = api_error(ctx.get("school", S1, **{"from": "2023-04-30", "to": "2023-04-01"}), 422, "invalid")
    assert "before" in error["message"] and [d["path"] for d in error["details"]] == ["query.to"]


def test_a_sheet_is_stored_whole_or_not_at_all(ctx: Ctx) -> None:
    header = headers()[:7]
    good = workbook([header, [S1, "贺兰一小", "2023-04-17", 3, 15, 2, 1],
                     [S2, "贺兰二小", date(2023, 4, 17), 1, 0, None, None]])
    response = ctx.upload("county", good)
    assert response.status_code == 200, response.text
    assert response.json() == {"file": "usage.xlsx", "rows": 2, "schools": 2, "figures": 3, "weeks": ["2023-04-17"]}
    assert ctx.stored() == 3

    bad = workbook([header, [S1, "贺兰一小", "2023-04-24", 3, 15, 2, 1], [S2, "贺兰二小", "2023-04-24", 1, "x", 0, 0]])
    error = api_error(ctx.upload("county", bad), 422, "invalid")
    assert error["message"] == "usage.xlsx row 3, column E (在线互动教室使用次数): 'x' is not a whole number"
    assert ctx.stored() == 3

    outside = workbook([header, [S1, "贺兰一小", "2023-04-24", 3, 15, 2, 1], [S9, "兴庆一小", "2023-04-24", 1, 1, 0, 0]])
    error = api_error(ctx.upload("county", outside), 403, "forbidden")
    assert S9 in error["message"]
    unknown = workbook([header, [S1, "贺兰一小", "2023-04-24", 3, 15, 2, 1], ["NOPE", "?", "2023-04-24", 1, 1, 0, 0]])
    error = api_error(ctx.upload("region", unknown), 422, "invalid")
    assert "row 3: school 'NOPE' is not on the roster" in error["message"]
    api_error(ctx.upload("teacher", good), 403, "forbidden")
    assert ctx.stored() == 3

    raw = ctx.client.post("/api/v1/classroom-usage/import", content=good,
                          headers={**ctx.auth("school"), "content-type": XLSX})
    api_error(raw, 403, "forbidden")  # the school admin of S1 may not submit for S2
    empty = ctx.client.post("/api/v1/classroom-usage/import", headers=ctx.auth("county"))
    assert "multipart field 'file'" in api_error(empty, 422, "invalid")["message"]
    for declared in ("multipart/form-data; boundary=xyz", "multipart/form-data"):
        garbled = ctx.client.post("/api/v1/classroom-usage/import", content=b"not a form",
                                  headers={**ctx.auth("county"), "content-type": declared})
        assert api_error(garbled, 422, "invalid")["details"][0]["path"] == "file"
    assert ctx.stored() == 3


def test_a_school_admin_sends_their_own_row_of_the_countys_sheet(ctx: Ctx) -> None:
    """The bureau hands out the county's sheet; a school's admin fills in their row alone: the blank rows of the
    other schools are not reports, so they are neither stored nor outside the admin's scope."""
    header = headers()[:7]
    sheet = workbook([header, [S1, "贺兰一小", "2023-04-17", 3, 15, 2, 1], [S2, "贺兰二小", "2023-04-17", None, None],
                      [S3, "贺兰三小", "2023-04-17"]])
    response = ctx.upload("school", sheet)
    assert response.status_code == 200, response.text
    assert response.json() == {"file": "usage.xlsx", "rows": 1, "schools": 1, "figures": 2, "weeks": ["2023-04-17"]}
    assert ctx.stored() == 2
    blank = workbook([header, [S2, "贺兰二小", "2023-04-17"]])
    assert "no row holds any figures" in api_error(ctx.upload("county", blank), 422, "invalid")["message"]


def test_a_school_reports_only_the_weeks_of_months_it_is_on_the_roster(ctx: Ctx) -> None:
    """S3 leaves from May 2023 (a full import of the county without it): April's weeks are still its own to report,
    May's would count nowhere and are refused, through the API and in a sheet."""
    ingest = Ingest(ctx.runtime.database, ctx.runtime.ruleset.rules, ctx.runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=COUNTY, online_classrooms=2, school_name="贺兰一小",
                             county_name="贺兰县"),
                         row("T3", S2, county_code=COUNTY, online_classrooms=0, school_name="贺兰二小",
                             county_name="贺兰县")],
                full=True, now=NOW, effective_from=Month(2023, 5))
    rooms = {"tablet": {"rooms": 1, "uses": 3}}
    assert ctx.put("county", S3, "2023-04-24", rooms).status_code == 200
    refused = api_error(ctx.put("county", S3, "2023-05-01", rooms), 422, "invalid")
    assert refused["message"] == (f"week: school '{S3}' is not on the roster of 2023-05, the month of week "
                                  "2023-05-01: its figures would count nowhere")
    sheet = workbook([headers()[:7], [S3, "贺兰三小", "2023-05-01", 1, 2, None, None]])
    assert "row 2: school" in api_error(ctx.upload("county", sheet), 422, "invalid")["message"]


# --- the county dataset -----------------------------------------------------------------------------------


def _supply_april(ctx: Ctx) -> None:
    runtime = ctx.runtime
    for week in ("2023-04-03", "2023-04-10", "2023-04-17"):
        assert ctx.put("school", S1, week, {"online_interactive": {"rooms": 2, "uses": 10},
                                            "tablet": {"rooms": 1, "uses": 3}}).status_code == 200
    for week, uses in (("2023-04-17", 4), ("2023-04-24", 2)):
        response = ctx.put("county", S2, week, {"online_interactive": {"rooms": 2, "uses": uses},
                                                "reading": {"rooms": 1, "uses": 0}})
        assert response.status_code == 200, response.text
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)

    def online(school: str, day: int, hour: int, month: str = "2023-04") -> dict[str, Any]:
        return op("class.session", school=school, duration=1200, when=at(day, hour, month=month),
                  classroom_id=f"R{hour}")

    classes = [online(S1, 10, 9, "2023-03"), online(S1, 25, 9), online(S1, 25, 11),
               *(online(S2, 26, h) for h in (8, 9, 10, 11, 14)), online(S2, 2, 9, "2023-05")]
    resources = [op("microlecture.upload", teacher="T1", when=at(d, month="2023-04"), content_sha256=sha(f"m{d}"),
                    id=f"t1-lecture-{d - 2}") for d in (3, 4, 5)]
    resources += [op("mooc.add", teacher="T1", when=at(6, month="2023-03"), content_sha256=sha("mooc")),
                  op("microlecture.upload", teacher="T3", when=at(20, month="2023-02"), content_sha256=sha("old"))]
    results = ingest.submit("online-classroom", classes, NOW) + ingest.submit("digital-school", resources, NOW)
    assert {str(r.status) for r in results} == {"qualified"}, results
    # neither a duplicate upload nor a withdrawn one counts
    again = ingest.submit("digital-school", [
        op("microlecture.upload", teacher="T1", when=at(7, month="2023-04"), content_sha256=sha("m3")),
        op("microlecture.upload", teacher="T3", when=at(7, month="2023-04"), content_sha256=sha("w"), id="gone"),
    ], NOW)
    assert [str(r.status) for r in again] == ["not_qualified", "qualified"]
    withdraw(runtime.database, "digital-school", "gone", NOW)
    export = workbook([
        ["学校代码", "学校名称", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"],
        [S1, "贺兰县第一小学", 50, 50, 950, 1000, 300],
        [S2, "贺兰县第二小学", 20, 20, 100, 500, 40],
        ["640999999", "外县学校", 1, 1, 1, 1, 1],
    ])
    summary = import_registration(runtime.database, export, "export.xlsx", date(2023, 5, 5), by="bureau", now=NOW)
    assert (summary.schools, summary.skipped) == (2, ["row 4: 640999999"])


def _dataset(ctx: Ctx, month: str = "2023-04", **kwargs: Any) -> dict[str, Any]:
    with ctx.runtime.database.read() as connection:
        return county_usage(connection, COUNTY, month, **kwargs)


def test_the_dataset_has_every_school_even_with_nothing_supplied(ctx: Ctx) -> None:
    data = _dataset(ctx)
    assert set(data) == {"county_code", "month", "registration", "online_classes", "digital_school",
                         "classroom_usage"}
    assert (data["county_code"], data["month"]) == (COUNTY, "2023-04")
    assert data["registration"]["as_of"] is None and data["registration"]["below"] == []
    assert [r["school_code"] for r in data["registration"]["rows"]] == [S1, S2, S3]
    assert data["registration"]["rows"][2] == {  # nothing imported: not known, rather than zero
        "school_code": S3, "school_name": "贺兰三小", "imported": False, "teachers_registered": None, "teachers": None,
        "teacher_rate": None, "students_registered": None, "students": None, "student_rate": None,
        "parents_registered": None}
    assert [r["classes"] for r in data["online_classes"]["rows"]] == [0, 0, 0]
    assert [r["microlectures_per_teacher"] for r in data["digital_school"]["rows"]] == [0, 0, 0]
    assert data["classroom_usage"]["weeks"] == [] and data["classroom_usage"]["flags"] == []
    with pytest.raises(InvalidInput, match="is not YYYY-MM"):
        _dataset(ctx, "2023-4")


def test_the_dataset_of_april(ctx: Ctx) -> None:
    _supply_april(ctx)
    data = _dataset(ctx)

    registration = data["registration"]
    assert registration["as_of"] == "2023-05-05" and registration["threshold"] == 0.6
    assert registration["totals"] == {"teachers_registered": 70, "teachers": 70, "students_registered": 1050,
                                      "students": 1500, "parents_registered": 340}
    first = registration["rows"][0]
    assert first == {"school_code": S1, "school_name": "贺兰一小", "imported": True, "teachers_registered": 50,
                     "teachers": 50,
                     "teacher_rate": 1.0, "students_registered": 950, "students": 1000, "student_rate": 0.95,
                     "parents_registered": 300}
    assert [(r["school_code"], r["student_rate"]) for r in registration["below"]] == [(S2, 0.2)]

    online = data["online_classes"]
    # the weeks run from the week of the region's first class of the term (Friday 10 March): from Monday 6 March
    assert (online["term_start"], online["counted_from"], online["weeks"], online["standard_per_week"]) == (
        "2023-03-01", "2023-03-06", 8.0, 5.0)
    # 5 classes in 8 weeks: 0.625, rounded half up (四舍五入) as every published figure is
    assert [(r["school_code"], r["rooms"], r["classes"], r["per_room"], r["per_room_per_week"], r["meets_standard"])
            for r in online["rows"]] == [(S2, 0, 5, 5.0, 0.63, False), (S1, 2, 3, 1.5, 0.19, False),
                                         (S3, 1, 0, 0.0, 0.0, False)]

    digital = data["digital_school"]
    assert digital["term_start"] == "2023-03-01"
    assert [(r["school_code"], r["teachers"], r["microlectures"], r["moocs"], r["microlectures_per_teacher"],
             r["moocs_per_teacher"]) for r in digital["rows"]] == [
        (S1, 2, 3, 1, 1.5, 0.5), (S2, 1, 0, 0, 0.0, 0.0), (S3, 1, 0, 0, 0.0, 0.0)]

    usage = data["classroom_usage"]
    assert usage["weeks"] == ["2023-04-03", "2023-04-10", "2023-04-17", "2023-04-24"]
    assert usage["room_types"][0] == {"code": "online_interactive", "name": "在线互动教室", "standard_per_week": 5.0}
    assert usage["room_types"][1] == {"code": "tablet", "name": "平板智慧教室", "standard_per_week": None}
    rows = [(r["school_code"], r["room_type"], r["rooms"], r["uses"], r["per_room_per_week"]) for r in usage["rows"]]
    assert rows == [
        (S1, "online_interactive", 2, 10, 5.0), (S2, "online_interactive", 2, 3, 1.5),
        (S1, "tablet", 1, 3, 3.0), (S2, "reading", 1, 0, 0.0)]
    assert [(f["school_code"], f["room_type"], f["kind"], f["weeks"]) for f in usage["flags"]] == [
        (S1, None, "repeated", 3), (S2, "reading", "zero", 2), (S2, "online_interactive", "below_standard", 2)]
    assert usage["flags"][0]["message"] == "贺兰一小连续3周报送的项目教室数据重复不变，真假难辨，请核实。"
    assert usage["flags"][0]["school_name"] == "贺兰一小"


def test_a_month_reads_the_roster_at_its_end_not_a_later_one(ctx: Ctx) -> None:
    """From May T1 teaches at S2 and a school S4 opens: April's figures, which its ranking was settled on, keep
    April's schools and T1's micro-lectures at S1; May's follow the new roster."""
    _supply_april(ctx)
    april = _dataset(ctx)
    S4 = "640122004"
    import_rows(Ingest(ctx.runtime.database, ctx.runtime.ruleset.rules, ctx.runtime.tz), [
        row("T1", S2, county_code=COUNTY, online_classrooms=0, school_name="贺兰二小", county_name="贺兰县"),
        row("T5", S4, county_code=COUNTY, online_classrooms=1, school_name="贺兰四小", county_name="贺兰县"),
    ], full=False, now=NOW, effective_from=Month(2023, 5))
    assert _dataset(ctx) == april
    may = _dataset(ctx, "2023-05")
    assert [r["school_code"] for r in may["registration"]["rows"]] == [S1, S2, S3, S4]
    assert [(r["school_code"], r["teachers"], r["microlectures"]) for r in may["digital_school"]["rows"]] == [
        (S2, 2, 3), (S1, 1, 0), (S3, 1, 0), (S4, 1, 0)]


def test_figures_read_as_of_a_settlement_leave_out_later_reports_and_withdrawals(ctx: Ctx) -> None:
    """A bulletin of a version reads the reports as the version did: one received later is not counted, and one
    withdrawn later still is."""
    _supply_april(ctx)
    settled = NOW + timedelta(minutes=1)
    ingest = Ingest(ctx.runtime.database, ctx.runtime.ruleset.rules, ctx.runtime.tz)
    late = op("class.session", school=S3, duration=1200, when=at(27, 9, month="2023-04"), classroom_id="R1",
              id="late")
    assert str(ingest.submit("online-classroom", [late], NOW + timedelta(hours=1))[0].status) == "qualified"
    withdraw(ctx.runtime.database, "digital-school", "t1-lecture-3", NOW + timedelta(hours=1))

    def classes(data: dict[str, Any]) -> dict[str, int]:
        return {r["school_code"]: r["classes"] for r in data["online_classes"]["rows"]}

    def lectures(data: dict[str, Any]) -> dict[str, int]:
        return {r["school_code"]: r["microlectures"] for r in data["digital_school"]["rows"]}

    now = _dataset(ctx)
    assert classes(now)[S3] == 1 and lectures(now)[S1] == 2
    then = _dataset(ctx, received_by=settled)
    assert classes(then)[S3] == 0 and lectures(then)[S1] == 3
    assert classes(_dataset(ctx, received_by=NOW - timedelta(minutes=1))) == {S1: 0, S2: 0, S3: 0}


def test_a_run_of_weeks_is_told_at_its_whole_length(ctx: Ctx) -> None:
    """S3's reading room unused for the 8 weeks from 6 March to 24 April: April's flag says 8 weeks, not the
    weeks that the flag needs at the least."""
    for n in range(8):
        week = (date(2023, 3, 6) + timedelta(days=7 * n)).isoformat()
        assert ctx.put("county", S3, week, {"reading": {"rooms": 1, "uses": 0}}).status_code == 200
    flags = _dataset(ctx)["classroom_usage"]["flags"]
    assert [(f["school_code"], f["kind"], f["weeks"]) for f in flags] == [(S3, "zero", 8)]
    assert "连续8周" in flags[0]["message"]


def test_read_on_a_day_of_the_month_the_weeks_end_with_that_day(ctx: Ctx) -> None:
    """From Monday 6 March to Tuesday 18 April (read on the 17th): 43 days, 6.14 weeks, not the 8 to the month's end,
    and the classes of those weeks (S1's of 10 March; not those of 25 and 26 April); read after the month, as a
    bulletin is, the weeks are the whole month's."""
    _supply_april(ctx)
    online = _dataset(ctx, as_of=date(2023, 4, 17))["online_classes"]
    assert (online["counted_from"], online["weeks"]) == ("2023-03-06", 6.14)
    assert [(r["school_code"], r["classes"], r["per_room_per_week"]) for r in online["rows"]] == [
        (S1, 1, 0.08), (S2, 0, 0.0), (S3, 0, 0.0)]  # 1 class / 2 rooms / 6.14 weeks
    assert _dataset(ctx, as_of=date(2023, 5, 8))["online_classes"]["weeks"] == 8.0
    sheet = usage_sheets.figures(_dataset(ctx), "贺兰县", "2023年4月")
    online_sheet = next(s for s in sheet if s.name == "在线课堂")
    assert "2023-03-06平台有开课记录以来至2023年4月" in online_sheet.title, "the weeks the figures count"
    assert "标准每室每周5节" in online_sheet.title, "the standard as a figure is written, not 5.0"


def test_a_later_term_start_and_other_thresholds(ctx: Ctx) -> None:
    _supply_april(ctx)
    strict = FigureSettings(registration_threshold=0.96, online_standard_per_week=1.0)
    data = _dataset(ctx, term_start=date(2023, 4, 24), figures=strict)
    online = data["online_classes"]
    assert (online["term_start"], online["weeks"]) == ("2023-04-24", 1.0)
    assert [(r["school_code"], r["classes"], r["per_room_per_week"], r["meets_standard"]) for r in online["rows"]] == [
        (S2, 5, 5.0, True), (S1, 2, 1.0, True), (S3, 0, 0.0, False)]
    assert [r["school_code"] for r in data["registration"]["below"]] == [S2, S1]
    assert [r["microlectures"] for r in data["digital_school"]["rows"]] == [0, 0, 0]
    with pytest.raises(InvalidInput, match="term_start"):
        _dataset(ctx, term_start=date(2023, 5, 1))


def test_a_month_reads_its_own_weeks_and_the_export_of_its_bulletin(ctx: Ctx) -> None:
    _supply_april(ctx)
    march = _dataset(ctx, "2023-03")
    assert march["registration"]["as_of"] is None  # the export of 5 May is after March's bulletin
    assert march["classroom_usage"]["weeks"] == [] and march["classroom_usage"]["rows"] == []
    assert [(r["school_code"], r["classes"]) for r in march["online_classes"]["rows"]][:1] == [(S1, 1)]
    may = _dataset(ctx, "2023-05")
    assert may["registration"]["as_of"] == "2023-05-05"
    assert [(f["school_code"], f["kind"], f["weeks"]) for f in may["classroom_usage"]["flags"]] == []
    assert may["classroom_usage"]["weeks"] == []


def test_a_reimport_of_the_same_date_replaces_it(ctx: Ctx) -> None:
    export = workbook([["学校代码", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"],
                       [S1, 1, 2, 3, 4, 5]])
    import_registration(ctx.runtime.database, export, "a.xlsx", date(2023, 5, 5), by="bureau", now=NOW)
    again = workbook([["学校名称", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"],
                      ["贺兰一小", 2, 2, 4, 4, 6]])
    import_registration(ctx.runtime.database, again, "b.xlsx", date(2023, 5, 5), by="bureau", now=NOW)
    row1 = _dataset(ctx)["registration"]["rows"][0]
    assert (row1["school_name"], row1["students_registered"], row1["student_rate"]) == ("贺兰一小", 4, 1.0)
    nobody = workbook([["学校名称", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"],
                       ["外县学校", 2, 2, 4, 4, 6]])
    with pytest.raises(InvalidInput, match="none of its 1 schools is on the roster"):
        import_registration(ctx.runtime.database, nobody, "c.xlsx", date(2023, 5, 6), by="bureau", now=NOW)


def test_an_unknown_county_is_not_found(ctx: Ctx) -> None:
    from jifen.errors import NotFound

    with pytest.raises(NotFound, match="county '999'"):
        with ctx.runtime.database.read() as connection:
            county_usage(connection, "999", "2023-04")


def test_figures_read_before_their_month_began_are_refused(ctx: Ctx) -> None:
    """A day before the month would count its weeks of online classes back from before the term's classes."""
    with ctx.runtime.database.read() as connection:
        with pytest.raises(InvalidInput, match="as_of: 2023-03-01 is before 2023-04"):
            county_usage(connection, COUNTY, "2023-04", as_of=date(2023, 3, 1))
        assert county_usage(connection, COUNTY, "2023-04", as_of=date(2023, 4, 1))["month"] == "2023-04"


def test_an_export_naming_some_schools_leaves_the_others_at_their_earlier_counts(ctx: Ctx) -> None:
    header = ["学校代码", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"]
    both = workbook([header, [S1, 10, 20, 300, 400, 50], [S2, 5, 10, 100, 200, 20]])
    import_registration(ctx.runtime.database, both, "a.xlsx", date(2023, 5, 2), by="bureau", now=NOW)
    one = workbook([header, [S2, 8, 10, 150, 200, 30]])
    import_registration(ctx.runtime.database, one, "b.xlsx", date(2023, 5, 5), by="bureau", now=NOW)
    registration = _dataset(ctx)["registration"]
    counts = {r["school_code"]: r["students_registered"] for r in registration["rows"]}
    assert (counts[S1], counts[S2], registration["as_of"]) == (300, 150, "2023-05-05")
