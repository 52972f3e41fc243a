"""The teacher's points card (年度积分, 上月增加, 本月积分操作, 继续教育学分) on both databases, via the
service, the CLI and the API. Every figure below worked out by hand from DOMAIN.md.

    city 640100: county 640104: school S1 (T1, T2; T6 joins in September), school S2 (T3)
                 county 640122: school S3 (T4)
    city 640200: county 640202: school S4 (T5)

2026-08 (5 teachers): interactive sessions T1 1, T2 1 -> avg 2/5 = 0.4, full at 0.8 -> T1 20, T2 20
2026-09 (6 teachers): sessions T1 2, T2 1, T6 1 -> avg 4/6, full at 4/3 -> T1 20, T2 15, T6 15;
                      T1's assessment, score 80 -> 10 * 80/100 = 8. T1 28, T2 15, T6 15
2026-10 so far: T1 sessions on Oct 1 00:30 (+08: October, though September in UTC) and Oct 20, a lesson on
                Oct 10, a session of 600 s on Oct 12 (not qualified)

Card of T1 on 2026-10-15: 年度积分 20 + 28 = 48; 上月增加 28; 本月积分操作 2 (Oct 1 session, Oct 10 lesson);
    annual maximum prorated: 2 months on the roster * 100 + 10 (教师测评) = 210
    credits 10 * 48/210 = 2.2857.. -> 2.29
T2: 20 + 15 = 35 -> 10 * 35/210 = 1.6666.. -> 1.67.  T6 (1 month): 15 / (100 + 10) -> 1.3636.. -> 1.36

After adjustments (T1 +10, T5 +300 in September) and a re-settlement (version 2):
    T1 20 + 38 = 58 -> 10 * 58/210 = 2.7619.. -> 2.76;  T5 0 + 300 = 300 >= 210 -> 10 (min(1, ...))
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_error as _error
from factories import jifen as _cli
from factories import CST, at, op, row
from jifen.access.service import add_user
from jifen.domain.credits import credits
from jifen.domain.periods import Month
from jifen.errors import InvalidInput, NotFound
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports.card import card, day_of
from jifen.runtime import Runtime
from jifen.settle.adjustments import AdjustmentRequest, add_adjustment
from jifen.settle.service import settle_month
from jifen.web.app import create_app


REGION = ("640000", "宁夏回族自治区")
Y1, Y2 = "640100", "640200"
C1, C2, C3 = "640104", "640122", "640202"
S1, S2, S3, S4 = "640104001", "640104002", "640122001", "640202001"
ON = date(2026, 10, 15)


@dataclass
class Region:
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def card(self, teacher: str, on: date = ON) -> dict[str, Any]:
        with self.runtime.database.read() as connection:
            return card(connection, teacher, on, self.runtime.tz, self.runtime.ruleset.rules)

    def get(self, who: str, teacher: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/cards/teachers/{teacher}", params=params,
                               headers={"Authorization": f"Bearer {self.tokens[who]}"})


def _settle(runtime: Runtime, month: str, now: datetime) -> int:
    return settle_month(runtime.database, runtime.ruleset, Month.parse(month), REGION, now).version


@pytest.fixture
def region(runtime: Runtime) -> Iterator[Region]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [
        row("T1", S1, county_code=C1, city_code=Y1, teacher_name="张伟"), row("T2", S1, county_code=C1, city_code=Y1),
        row("T3", S2, county_code=C1, city_code=Y1), row("T4", S3, county_code=C2, city_code=Y1),
        row("T5", S4, county_code=C3, city_code=Y2),
    ], full=True, now=datetime(2026, 8, 1, tzinfo=CST))
    august = [op("teaching.session", teacher=t, duration=900, when=at(d, month="2026-08"))
              for t, d in (("T1", 3), ("T2", 4))]
    assert {str(r.status) for r in ingest.submit("hite-pi6", august, datetime(2026, 9, 1, 9, tzinfo=CST))} == {
        "qualified"}
    assert _settle(runtime, "2026-08", datetime(2026, 9, 1, 10, tzinfo=CST)) == 1
    import_rows(ingest, [row("T6", S1, county_code=C1, city_code=Y1)], full=False,
                now=datetime(2026, 9, 1, 11, tzinfo=CST))
    september_now = datetime(2026, 10, 1, 9, tzinfo=CST)
    september = [op("teaching.session", teacher=t, duration=900, when=at(d))
                 for t, d in (("T1", 3), ("T1", 4), ("T2", 5), ("T6", 6))]
    results = ingest.submit("hite-pi6", september, september_now)
    results += ingest.submit("literacy-assessment", [op("assessment.complete", teacher="T1", when=at(8), score=80,
                                                        role="teacher")], september_now)
    assert {str(r.status) for r in results} == {"qualified"}
    assert _settle(runtime, "2026-09", datetime(2026, 10, 1, 10, tzinfo=CST)) == 1
    october = [
        op("teaching.session", teacher="T1", duration=900, when=datetime(2026, 10, 1, 0, 30, tzinfo=CST).isoformat()),
        op("lesson.create", teacher="T1", when=at(10, month="2026-10")),
        op("teaching.session", teacher="T1", duration=600, when=at(12, month="2026-10")),
        op("teaching.session", teacher="T1", duration=900, when=at(20, month="2026-10")),
    ]
    statuses = [str(r.status) for r in ingest.submit("hite-pi6", october, datetime(2026, 11, 1, tzinfo=CST))]
    assert statuses == ["qualified", "qualified", "not_qualified", "qualified"]
    users = {"teacher": ("teacher", "T1"), "school": ("school_admin", S1), "county2": ("county_admin", C2),
             "region": ("region_admin", REGION[0])}
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], september_now)
              for name, (role, scope) in users.items()}
    with TestClient(create_app(runtime)) as client:
        yield Region(runtime, client, tokens)


def test_the_card_of_a_teacher(region: Region) -> None:
    data = region.card("T1")
    assert (data["teacher_id"], data["teacher_name"], data["school_code"], data["on"], data["year"]) == (
        "T1", "张伟", S1, "2026-10-15", 2026)
    assert data["annual_points"] == 48
    assert data["months"] == [{"month": "2026-08", "version": 1, "points": 20, "max": 100},
                              {"month": "2026-09", "version": 1, "points": 28, "max": 100}]
    assert data["last_month"] == {"month": "2026-09", "settled": True, "version": 1, "points": 28}
    assert data["this_month"] == {"month": "2026-10", "qualified_operations": 2, "indicators": [
        {"code": "lesson_prep", "name": "线上备课", "count": 1},
        {"code": "interactive_teaching", "name": "互动授课", "count": 1}]}
    assert data["credits"] == {"credits": 2.29, "full": 10, "annual_points": 48, "annual_max": 210,
                               "months_on_roster": 2, "months_counted": 2, "assessment_max": 10}
    end_of_month = region.card("T1", date(2026, 10, 31))
    assert end_of_month["this_month"]["qualified_operations"] == 3
    assert region.card("T1", date(2026, 10, 1))["this_month"]["qualified_operations"] == 1, "Oct 1 00:30 (+08)"


def test_a_schools_report_naming_the_teacher_is_not_on_the_teachers_card(region: Region) -> None:
    """A school-scored report that also carries a teacher id counts for the school, not on the teacher's card."""
    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    results = ingest.submit("evaluation", [op("teacher.record", teacher="T1", school=S1, when=at(14, month="2026-10"))],
                            datetime(2026, 11, 1, tzinfo=CST))
    assert [str(r.status) for r in results] == ["qualified"]
    this_month = region.card("T1", date(2026, 10, 31))["this_month"]
    assert this_month["qualified_operations"] == 3
    assert {i["code"] for i in this_month["indicators"]} == {"lesson_prep", "interactive_teaching"}


def test_a_card_as_of_a_day_counts_the_months_ended_by_then(region: Region) -> None:
    """September is settled, but on 15 September it was under way: the card of that day counts August only."""
    mid = region.card("T1", date(2026, 9, 15))
    assert [m["month"] for m in mid["months"]] == ["2026-08"] and mid["annual_points"] == 20
    assert mid["last_month"]["month"] == "2026-08" and mid["this_month"]["month"] == "2026-09"
    after = region.card("T1", date(2026, 10, 1))
    assert [m["month"] for m in after["months"]] == ["2026-08", "2026-09"] and after["annual_points"] == 48


def test_credits_are_prorated_by_the_months_on_the_roster(region: Region) -> None:
    t2 = region.card("T2")
    assert (t2["annual_points"], t2["last_month"]["points"], t2["credits"]["credits"]) == (35, 15, 1.67)
    t6 = region.card("T6")
    assert [m["month"] for m in t6["months"]] == ["2026-09"], "joined in September"
    assert (t6["annual_points"], t6["credits"]["annual_max"], t6["credits"]["months_on_roster"],
            t6["credits"]["credits"]) == (15, 110, 1, 1.36)


def test_the_latest_version_of_each_month_counts_and_credits_stop_at_ten(region: Region) -> None:
    runtime = region.runtime

    def adjust(teacher: str, month: str, indicator: str, points: str) -> None:
        add_adjustment(runtime.database, runtime.ruleset.rules,
                       AdjustmentRequest("teacher", teacher, month, indicator, points, "补录"),
                       author="region", now=datetime(2026, 10, 5, tzinfo=CST), region_code=REGION[0])

    adjust("T1", "2026-09", "tutoring", "10")
    for month in ("2026-08", "2026-09"):  # T5 earns every indicator's maximum, twice: more than the year's 210
        for indicator in runtime.ruleset.rules.indicators_for("teacher"):
            adjust("T5", month, indicator.code, str(indicator.monthly_max))
    assert _settle(runtime, "2026-08", datetime(2026, 10, 6, tzinfo=CST)) == 2
    assert _settle(runtime, "2026-09", datetime(2026, 10, 6, tzinfo=CST)) == 2
    t1 = region.card("T1")
    assert (t1["annual_points"], t1["last_month"], t1["credits"]["credits"]) == (
        58, {"month": "2026-09", "settled": True, "version": 2, "points": 38}, 2.76)
    t5 = region.card("T5")
    assert t5["annual_points"] > 210 and (t5["credits"]["credits"], t5["credits"]["annual_max"]) == (10, 210)


def test_a_past_years_card_counts_its_december(region: Region) -> None:
    """The card of 31 October (the month's last day) counts October; of 30 October, not yet; a past year's card
    is of its 31 December, and counts December."""
    runtime = region.runtime
    assert _settle(runtime, "2026-10", datetime(2026, 11, 2, tzinfo=CST)) == 1
    last_day, day_before = region.card("T1", date(2026, 10, 31)), region.card("T1", date(2026, 10, 30))
    assert [m["month"] for m in last_day["months"]] == ["2026-08", "2026-09", "2026-10"]
    assert [m["month"] for m in day_before["months"]] == ["2026-08", "2026-09"]
    assert last_day["annual_points"] > day_before["annual_points"]
    assert last_day["last_month"]["month"] == "2026-09" and last_day["this_month"]["month"] == "2026-10"
    assert day_of(2026, None, date(2027, 3, 1)) == date(2026, 12, 31)


def test_a_year_without_settled_months(region: Region) -> None:
    past = region.card("T1", date(2025, 12, 31))
    assert (past["year"], past["annual_points"], past["months"], past["credits"]["credits"]) == (2025, 0, [], 0)
    assert past["last_month"] == {"month": "2025-11", "settled": False, "version": None, "points": None}
    january = region.card("T1", date(2027, 1, 10))
    assert (january["annual_points"], january["last_month"]["month"], january["last_month"]["settled"]) == (
        0, "2026-12", False)
    with pytest.raises(NotFound, match="'T9'"):
        region.card("T9")


def test_the_day_of_a_card() -> None:
    today = date(2026, 11, 23)
    assert day_of(None, None, today) == today
    assert day_of(2026, None, today) == today
    assert day_of(2025, None, today) == date(2025, 12, 31)
    assert day_of(None, date(2026, 3, 1), today) == date(2026, 3, 1)
    with pytest.raises(InvalidInput, match="^on: 2026-11-24 is after today, 2026-11-23"):
        day_of(None, date(2026, 11, 24), today)
    for year in (2027, 1999):
        with pytest.raises(InvalidInput, match="^year: "):
            day_of(year, None, today)


def test_credit_arithmetic_rounds_half_up() -> None:
    from decimal import Decimal

    assert credits(Decimal("48"), Decimal("210")) == Decimal("2.29")
    assert credits(Decimal("1.05"), Decimal("40")) == Decimal("0.26")  # 0.2625 -> 0.26; 10 * 1.05/40
    assert credits(Decimal("1.1"), Decimal("40")) == Decimal("0.28")  # 0.275 exactly -> 0.28 (half up)
    assert credits(Decimal("500"), Decimal("210")) == Decimal("10.00")
    assert credits(Decimal("-5"), Decimal("210")) == Decimal("0.00")
    assert credits(Decimal("5"), Decimal("0")) is None



def test_a_year_of_two_rule_sets_credits_the_months_with_a_maximum() -> None:
    """July under Ningxia (20 of 100, the assessment 10 a year), August and September under Shihe's fixed points
    (98 and 64, no maximum): the Shihe points do not fill Ningxia's maximum, nor drop the assessment's."""
    from decimal import Decimal

    from jifen.domain.credits import of_year

    ningxia, shihe = (Decimal(100), Decimal(10)), (Decimal(0), Decimal(0))
    months = [(Decimal(20), *ningxia), (Decimal(98), *shihe), (Decimal(64), *shihe)]
    assert of_year(months) == (Decimal(20), Decimal(110), Decimal("1.82"), 1)
    assert of_year(months[1:]) == (Decimal(0), Decimal(0), None, 0), "no month with a maximum: no credits"


# --- the CLI ------------------------------------------------------------------------------------------------

def test_cli_card_in_chinese_and_json(region: Region, cli_env: dict[str, str]) -> None:
    result = _cli(cli_env, "card", "T1", "--on", "2026-10-15")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2026 年积分卡 张伟 T1，学校 640104001（截至 2026-10-15）",
        "年度积分 48.00（已结算月份：08月 20.00 草稿、09月 28.00 草稿）",
        "上月增加 28.00（2026-09 第1版，草稿）",
        "本月积分操作 2 次（2026-10，截至 2026-10-15）",
        "- 线上备课（lesson_prep）1 次",
        "- 互动授课（interactive_teaching）1 次",
        "继续教育学分 2.29 / 10（年度积分 48.00 ÷ 年度满分 210，在册 2 个月，含教师测评 10）",
    ]
    as_json = _cli(cli_env, "card", "T1", "--on", "2026-10-15", "--format", "json")
    assert json.loads(as_json.stdout) == region.card("T1")
    past = json.loads(_cli(cli_env, "card", "T1", "--year", "2025", "--format", "json").stdout)
    assert (past["on"], past["annual_points"]) == ("2025-12-31", 0)
    now = json.loads(_cli(cli_env, "card", "T1", "--format", "json").stdout)
    assert now["year"] == datetime.now(UTC).astimezone(region.runtime.tz).year
    text = _cli(cli_env, "card", "T1", "--year", "2025").stdout
    assert "上月增加 -（2025-11 尚未结算）" in text and "继续教育学分 0.00 / 10（本年尚无结算月份）" in text


@pytest.mark.parametrize("args, message", [
    (("T9",), "'T9'"),
    (("T1", "--on", "2026-13-01"), "on: "),
    (("T1", "--on", "yesterday"), "on: "),
    (("T1", "--on", "9999-12-31"), "outside the years 1970-9998"),
    (("T1", "--year", "2999"), "year: "),
    (("T1", "--year", "2025", "--on", "2025-05-01"), "--year or --on"),
])
def test_cli_card_errors(region: Region, cli_env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = _cli(cli_env, "card", *args)
    assert result.exit_code != 0 and result.stderr.startswith("错误 error: "), (result.stdout, result.stderr)
    assert message in result.stderr


# --- the API ------------------------------------------------------------------------------------------------


def test_api_card_within_scope(region: Region) -> None:
    response = region.get("teacher", "T1", on="2026-10-15")
    assert response.status_code == 200, response.text
    assert response.json() == region.card("T1")
    assert region.get("school", "T6", on="2026-10-15").json()["credits"]["credits"] == 1.36
    assert region.get("county2", "T4", on="2026-10-15").status_code == 200
    today = region.get("region", "T5")
    assert today.status_code == 200 and today.json()["on"] == datetime.now(UTC).astimezone(region.runtime.tz).date(
    ).isoformat()


@pytest.mark.parametrize("who, teacher", [("teacher", "T2"), ("school", "T3"), ("county2", "T1"), ("school", "T9")])
def test_api_card_refused_outside_the_scope(region: Region, who: str, teacher: str) -> None:
    error = _error(region.get(who, teacher), 403, "forbidden")
    assert teacher in error["message"] and who in error["message"]


def test_api_card_errors(region: Region) -> None:
    assert "T9" in _error(region.get("region", "T9"), 404, "not_found")["message"]
    tomorrow = (datetime.now(UTC).astimezone(region.runtime.tz) + timedelta(days=1)).date().isoformat()
    for on in ("2026-13-01", "2026-1-1", "today", "9999-12-31", "0001-01-01", tomorrow):
        error = _error(region.get("region", "T1", on=on), 422, "invalid")
        assert error["details"][0]["path"] == "query.on" and error["message"].startswith("query.on: ")
    _error(region.client.get("/api/v1/cards/teachers/T1"), 401, "unauthorized")


def test_credits_under_a_rule_set_without_an_annual_maximum_are_none_with_or_without_a_settled_month(
        runtime: Runtime, cli_env: dict[str, str]) -> None:
    """Shihe scores fixed points with no annual maximum: no credits, before any month is settled as after."""
    runtime.rulebook.use("shihe-2022", Month(2025, 10), datetime(2025, 10, 1, tzinfo=CST))
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True,
                now=datetime(2025, 10, 1, tzinfo=CST))
    rules = runtime.rulebook.rules_for(Month(2025, 10))
    with runtime.database.read() as connection:
        before = card(connection, "T1", date(2025, 10, 15), runtime.tz, rules)
    assert (before["credits"]["credits"], before["months"]) == (None, [])
    text = _cli(cli_env, "card", "T1", "--on", "2025-10-15").stdout
    assert "继续教育学分 -（本规则无年度满分，不折算学分）" in text, text
    ingest.submit("space", [op("login", teacher="T1", when=at(2, month="2025-10"))],
                  datetime(2025, 10, 2, 11, tzinfo=CST))
    october = Month(2025, 10)
    settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION,
                 datetime(2025, 11, 1, 10, tzinfo=CST), runtime.tz)
    with runtime.database.read() as connection:
        after = card(connection, "T1", date(2025, 11, 15), runtime.tz, runtime.rulebook.rules_for(Month(2025, 11)))
    assert (after["credits"]["credits"], after["annual_points"]) == (None, 1)
    assert "继续教育学分 -（本规则无年度满分，不折算学分）" in _cli(cli_env, "card", "T1", "--on", "2025-11-15").stdout


# --- the list of a unit's credits (继续教育学分) ----------------------------------------------------------------

def _credits(region: Region, level: str, code: str, on: date = ON) -> dict[str, Any]:
    from jifen.reports.credits_list import credits_list

    with region.runtime.database.read() as connection:
        return credits_list(connection, level, code, on)


def test_a_units_credits_list_gives_each_teacher_what_the_card_gives(region: Region) -> None:
    listed = _credits(region, "region", REGION[0])
    assert [(t["teacher_id"], t["school_code"], t["months_on_roster"], t["annual_points"], t["annual_max"],
             t["credits"]) for t in listed["teachers"]] == [
        ("T1", S1, 2, 48, 210, 2.29), ("T2", S1, 2, 35, 210, 1.67), ("T6", S1, 1, 15, 110, 1.36),
        ("T3", S2, 2, 0, 210, 0), ("T4", S3, 2, 0, 210, 0), ("T5", S4, 2, 0, 210, 0)]
    for teacher in listed["teachers"]:
        assert teacher["credits"] == region.card(teacher["teacher_id"])["credits"]["credits"]
    assert [m["month"] for m in listed["months"]] == ["2026-08", "2026-09"] and listed["full"] == 10
    assert [t["teacher_id"] for t in _credits(region, "county", C1)["teachers"]] == ["T1", "T2", "T6", "T3"]
    assert [t["teacher_id"] for t in _credits(region, "city", Y2)["teachers"]] == ["T5"]
    assert [t["teacher_id"] for t in _credits(region, "school", S1, date(2026, 9, 15))["teachers"]] == ["T1", "T2"]
    assert _credits(region, "school", S1, date(2026, 8, 30))["teachers"] == [], "no month ended yet"


def test_the_credits_list_at_the_command_line(region: Region, cli_env: dict[str, str], tmp_path: Any) -> None:
    from openpyxl import load_workbook

    table = _cli(cli_env, "credits", "school", S1, "--on", "2026-10-15")
    assert table.exit_code == 0, table.stderr
    assert "2026 年继续教育学分" in table.stdout and "2.29" in table.stdout and "T6" in table.stdout
    as_json = json.loads(_cli(cli_env, "credits", "county", C1, "--on", "2026-10-15", "--format", "json").stdout)
    assert as_json == _credits(region, "county", C1)
    book = tmp_path / "credits.xlsx"
    written = _cli(cli_env, "credits", "region", REGION[0], "--on", "2026-10-15", "--format", "xlsx", "-o", str(book))
    assert written.exit_code == 0 and "6 teachers written" in written.stdout
    sheet = load_workbook(book).active
    assert [c.value for c in sheet[2]] == ["教师编号", "姓名", "学校代码", "学校", "县区", "在册月数", "计入月数",
                                           "计入积分", "年度满分", "继续教育学分"]
    assert [c.value for c in sheet[3]][0:2] == ["T1", "张伟"] and sheet[3][9].value == 2.29
    refused = _cli(cli_env, "credits", "school", S1, "--format", "xlsx")
    assert refused.exit_code != 0 and "-o FILE.xlsx" in refused.stderr
    for level, code in (("region", "640001"), ("school", "999999")):
        unknown = _cli(cli_env, "credits", level, code)
        assert unknown.exit_code != 0 and f"{level} '{code}' is not on the roster" in unknown.stderr
    future = _cli(cli_env, "credits", "school", S1, "--on", "2999-01-01")
    assert future.exit_code != 0 and "the credits list counts the months ended by its day" in future.stderr


def test_the_credits_list_through_the_api_within_scope(region: Region) -> None:
    def get(who: str, path: str, **params: Any) -> Any:
        return region.client.get(f"/api/v1/credits/{path}", params=params,
                                 headers={"Authorization": f"Bearer {region.tokens[who]}"})

    school = get("school", f"schools/{S1}", on="2026-10-15")
    assert school.status_code == 200, school.text
    assert school.json() == _credits(region, "school", S1)
    download = get("region", f"regions/{REGION[0]}", on="2026-10-15", format="csv")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert "T5" in download.content.decode("utf-8-sig")
    _error(get("county2", f"counties/{C1}"), 403, "forbidden")
    _error(get("school", f"counties/{C1}"), 403, "forbidden")
    _error(get("teacher", f"schools/{S1}"), 403, "forbidden")
    _error(get("region", "schools/NOPE"), 404, "not_found")
    _error(get("region", "teachers/T1"), 404, "not_found")
    assert _error(get("region", f"schools/{S1}", year=2999), 422, "invalid")["details"][0]["path"] == "query.year"
