"""Explanations: why a teacher has a month's points, from the stored settlement, on both databases.

The region (every figure below worked out by hand from DOMAIN.md's scoring rule):

    city 640100: county 640104: school S1 (T1, T2), school S2 (T3)
                 county 640122: school S3 (T4)
    city 640200: county 640202: school S4 (T5)

Reports of 2026-09, in the order received:
    T1 hite-pi6 teaching.session 900 s (Sep 3)             qualified
    T1 hite-pi6 teaching.session 900 s (Sep 4)             qualified
    T1 hite-pi6 teaching.session 600 s (Sep 5)             not_qualified (duration)
    T1 smart-classroom resource.upload sha A (Sep 6)        qualified
    T2 hite-pi6 teaching.session 1200 s (Sep 6)            qualified
    T2 smart-classroom resource.upload sha A (Sep 7)        not_qualified (a duplicate of T1's)
    T1 literacy-assessment assessment.complete score 62.3   qualified
    T1 hite-pi6 teaching.session 900 s (Oct 1, 00:30 +08)  -> an October report, not in September's list

    interactive_teaching: T1 2, T2 1 -> avg 3/5 = 0.6, full-marks line 0.6 * 2 = 1.2
        T1: ratio 2 / 0.6 = 3.3333, min(1, 2 / 1.2) = 1 -> 20 (capped by the max)
        T2: ratio 1 / 0.6 = 1.6667, 20 * 1 / 1.2 = 16.666.. -> 16.67
    teaching_resources: T1 1 -> avg 0.2, line 0.4; T1 ratio 5, 15 (capped)
    literacy_assessment: 10 * 62.3 / 100 = 6.23 (assessment: no ratio)
    lesson_prep and the rest: avg 0 -> ratio null, line 0, 0 points
    adjustment before the settlement: T1 tutoring +2.50 -> T1 total 20 + 15 + 6.23 + 2.5 = 43.73
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_error as _error
from factories import jifen as _cli
from factories import CST, at, op, row, sha
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.errors import NotFound, NotSettled
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.ingest.withdrawal import withdraw
from jifen.reports.card import card
from jifen.reports.explain import explanation
from jifen.reports.month_so_far import month_explanation
from jifen.runtime import Runtime
from jifen.settle.adjustments import AdjustmentRequest, add_adjustment
from jifen.settle.service import settle_month
from jifen.web.app import create_app


MONTH = "2026-09"
NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
BEFORE = datetime(2026, 10, 2, 8, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
Y1, Y2 = "640100", "640200"
C1, C2, C3 = "640104", "640122", "640202"
S1, S2, S3, S4 = "640104001", "640104002", "640122001", "640202001"
INDICATOR_KEYS = {"code", "name", "count", "average", "ratio", "full_at_count", "points", "max", "capped",
                  "adjustment"}


@dataclass
class Region:
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def get(self, who: str, teacher: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/explanations/teachers/{teacher}", params=params,
                               headers={"Authorization": f"Bearer {self.tokens[who]}"})


def _settle(runtime: Runtime, now: datetime = NOW) -> int:
    return settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, now).version


@pytest.fixture
def region(runtime: Runtime) -> Iterator[Region]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [
        row("T1", S1, county_code=C1, city_code=Y1, teacher_name="张伟"),
        row("T2", S1, county_code=C1, city_code=Y1, teacher_name="李娜"),
        row("T3", S2, county_code=C1, city_code=Y1), row("T4", S3, county_code=C2, city_code=Y1),
        row("T5", S4, county_code=C3, city_code=Y2),
    ], full=True, now=NOW)
    statuses = [str(r.status) for r in [
        *ingest.submit("hite-pi6", [
            op("teaching.session", teacher="T1", duration=900, when=at(3), id="s-1"),
            op("teaching.session", teacher="T1", duration=900, when=at(4), id="s-2"),
            op("teaching.session", teacher="T1", duration=600, when=at(5), id="s-3"),
        ], NOW),
        *ingest.submit("smart-classroom", [op("resource.upload", teacher="T1", when=at(6), id="r-1",
                                              content_sha256=sha("A"))], NOW),
        *ingest.submit("hite-pi6", [op("teaching.session", teacher="T2", duration=1200, when=at(6), id="s-4")], NOW),
        *ingest.submit("smart-classroom", [op("resource.upload", teacher="T2", when=at(7), id="r-2",
                                              content_sha256=sha("A"))], NOW),
        *ingest.submit("literacy-assessment", [op("assessment.complete", teacher="T1", when=at(8), id="a-1",
                                                  score=62.3, role="teacher")], NOW),
        *ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, id="s-oct",
                                       when=datetime(2026, 10, 1, 0, 30, tzinfo=CST).isoformat())], NOW),
    ]]
    assert statuses == ["qualified", "qualified", "not_qualified", "qualified", "qualified", "not_qualified",
                        "qualified", "qualified"]
    add_adjustment(runtime.database, runtime.ruleset.rules,
                   AdjustmentRequest("teacher", "T1", MONTH, "tutoring", "2.50", "线下辅导记录补录"),
                   author="county-1", now=BEFORE, region_code=REGION[0])
    assert _settle(runtime) == 1
    users = {"teacher": ("teacher", "T1"), "school": ("school_admin", S1), "county": ("county_admin", C1),
             "city2": ("city_admin", Y2), "region": ("region_admin", REGION[0])}
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], NOW)
              for name, (role, scope) in users.items()}
    with TestClient(create_app(runtime)) as client:
        yield Region(runtime, client, tokens)


def _explain(runtime: Runtime, teacher: str, version: int | None = None) -> dict[str, Any]:
    with runtime.database.read() as connection:
        return explanation(connection, teacher, MONTH, version)


def _by_code(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in data["indicators"]}


def _pick(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("count", "average", "ratio", "full_at_count", "points", "max", "capped",
                                 "adjustment")}


def test_each_indicator_shows_the_arithmetic(region: Region) -> None:
    data = _explain(region.runtime, "T1")
    assert (data["month"], data["version"], data["teacher_id"], data["teacher_name"], data["school_code"]) == (
        MONTH, 1, "T1", "张伟", S1)
    assert (data["total"], data["points"], data["adjustment"]) == (43.73, 41.23, 2.5)
    assert data["ruleset"] == {"name": "ningxia-2022", "version": data["ruleset"]["version"], "full_at": 2,
                               "title": "宁夏回族自治区教育平台应用积分规则"}
    items = _by_code(data)
    assert all(INDICATOR_KEYS <= set(i) for i in data["indicators"])
    assert [i["code"] for i in data["indicators"]] == [
        "lesson_prep", "interactive_teaching", "tutoring", "teaching_resources", "research_activity",
        "research_resources", "literacy_assessment", "student_evaluation"]
    assert _pick(items["interactive_teaching"]) == {
        "count": 2, "average": 0.6, "ratio": 3.3333, "full_at_count": 1.2, "points": 20, "max": 20,
        "capped": "max", "adjustment": 0}
    assert _pick(items["teaching_resources"]) == {
        "count": 1, "average": 0.2, "ratio": 5, "full_at_count": 0.4, "points": 15, "max": 15, "capped": "max",
        "adjustment": 0}
    assert _pick(items["lesson_prep"]) == {
        "count": 0, "average": 0, "ratio": None, "full_at_count": 0, "points": 0, "max": 20, "capped": None,
        "adjustment": 0}
    assert _pick(items["tutoring"]) == {
        "count": 0, "average": 0, "ratio": None, "full_at_count": 0, "points": 0, "max": 10, "capped": None,
        "adjustment": 2.5}
    assessment = items["literacy_assessment"]
    assert (assessment["scoring"], assessment["points"], assessment["ratio"], assessment["capped"]) == (
        "assessment", 6.23, None, None)
    assert (assessment["score"], assessment["full_score"]) == (62.3, 100), "the test score the points come from"
    assert _by_code(_explain(region.runtime, "T2"))["literacy_assessment"]["score"] is None, "T2 took no test"

    t2 = _by_code(_explain(region.runtime, "T2"))["interactive_teaching"]
    assert _pick(t2) == {"count": 1, "average": 0.6, "ratio": 1.6667, "full_at_count": 1.2, "points": 16.67,
                         "max": 20, "capped": None, "adjustment": 0}


def test_the_months_reports_with_the_reason_each_did_or_did_not_qualify(region: Region) -> None:
    data = _explain(region.runtime, "T1")
    ops = data["operations"]
    assert [(o["app"], o["id"], o["action"], o["indicator"], o["status"]) for o in ops] == [
        ("hite-pi6", "s-1", "teaching.session", "interactive_teaching", "qualified"),
        ("hite-pi6", "s-2", "teaching.session", "interactive_teaching", "qualified"),
        ("hite-pi6", "s-3", "teaching.session", "interactive_teaching", "not_qualified"),
        ("smart-classroom", "r-1", "resource.upload", "teaching_resources", "qualified"),
        ("literacy-assessment", "a-1", "assessment.complete", "literacy_assessment", "qualified"),
    ], "received order; October's report is not in September's list"
    assert ops[0]["reason"] is None and "duration_s" in ops[2]["reason"]
    assert datetime.fromisoformat(ops[0]["occurred_at"]) == datetime(2026, 9, 3, 10, 0, tzinfo=CST)
    t2 = _explain(region.runtime, "T2")["operations"]
    assert [(o["id"], o["status"]) for o in t2] == [("s-4", "qualified"), ("r-2", "not_qualified")]
    assert t2[1]["reason"], "the duplicate says why"


def test_a_versions_explanation_says_which_reports_came_or_went_after_it(region: Region,
                                                                         cli_env: dict[str, str]) -> None:
    """Reports are read as they stand now; a version's explanation marks those received or withdrawn after it was
    settled, so that it still agrees with its own counts (version 1 counted s-1, withdrawn since)."""
    later = datetime(2026, 10, 3, 9, 0, tzinfo=CST)
    withdraw(region.runtime.database, "hite-pi6", "s-1", later)
    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    late, short = ingest.submit("hite-pi6", [
        op("teaching.session", teacher="T1", duration=900, when=at(9), id="s-late"),
        op("teaching.session", teacher="T1", duration=600, when=at(10), id="s-short")], later)
    assert (str(late.status), str(short.status)) == ("qualified", "not_qualified")
    first = {o["id"]: o for o in _explain(region.runtime, "T1", 1)["operations"]}
    assert (first["s-1"]["before_version"], first["s-1"]["withdrawn_before_version"]) == (True, False)
    assert (first["s-late"]["before_version"], first["s-late"]["withdrawn_before_version"]) == (False, False)
    assert (first["s-2"]["before_version"], first["s-2"]["withdrawn_before_version"]) == (True, False)
    text = _cli(cli_env, "explain", "T1", "--month", MONTH, "--version", "1").stdout
    assert "s-1 teaching.session → 互动授课 达标（2026-10-03 09:00 撤回，在本版结算之后：本版仍计入，下次结算起不计分）" in text
    assert "s-late teaching.session → 互动授课 达标（本版结算之后收到，未计入本版，下次结算计入）" in text
    short_line = next(line for line in text.splitlines() if "s-short" in line)
    assert short_line.endswith("（本版结算之后收到，未计入本版）"), "one that did not qualify is counted at no settlement"

    assert _settle(region.runtime, datetime(2026, 10, 4, 9, 0, tzinfo=CST)) == 2
    second = {o["id"]: o for o in _explain(region.runtime, "T1", 2)["operations"]}
    assert second["s-1"]["withdrawn_before_version"] and second["s-late"]["before_version"]
    text = _cli(cli_env, "explain", "T1", "--month", MONTH, "--version", "2").stdout
    assert "s-1 teaching.session → 互动授课 达标（2026-10-03 09:00 已撤回，不计分）" in text
    assert "本版结算之后" not in text


def test_adjustments_show_with_author_and_time(region: Region) -> None:
    data = _explain(region.runtime, "T1")
    [entry] = data["adjustments"]
    assert {k: entry[k] for k in ("month", "level", "code", "indicator", "points", "reason", "author",
                                  "in_settlement")} == {
        "month": MONTH, "level": "teacher", "code": "T1", "indicator": "tutoring", "points": 2.5,
        "reason": "线下辅导记录补录", "author": "county-1", "in_settlement": True}
    assert datetime.fromisoformat(entry["created_at"]) == BEFORE
    # one made after the settlement is listed as not yet in it, and the next version carries it
    add_adjustment(region.runtime.database, region.runtime.ruleset.rules,
                   AdjustmentRequest("teacher", "T1", MONTH, "lesson_prep", "-1", "重复计入"),
                   author="county-1", now=datetime(2026, 10, 3, tzinfo=CST), region_code=REGION[0])
    first = _explain(region.runtime, "T1")
    assert [e["in_settlement"] for e in first["adjustments"]] == [True, False]
    assert first["total"] == 43.73
    assert _settle(region.runtime, datetime(2026, 10, 4, tzinfo=CST)) == 2
    second = _explain(region.runtime, "T1")
    assert (second["version"], second["total"], second["adjustment"]) == (2, 42.73, 1.5)
    assert [e["in_settlement"] for e in second["adjustments"]] == [True, True]
    assert _by_code(second)["lesson_prep"]["adjustment"] == -1
    assert _explain(region.runtime, "T1", version=1)["total"] == 43.73


def test_unknown_teacher_or_month(region: Region) -> None:
    with pytest.raises(NotFound, match="'T9'"):
        _explain(region.runtime, "T9")
    with pytest.raises(NotSettled, match="2026-08"):
        with region.runtime.database.read() as connection:
            explanation(connection, "T1", "2026-08")


# --- the CLI ------------------------------------------------------------------------------------------------

def test_cli_says_the_arithmetic_in_chinese(region: Region, cli_env: dict[str, str]) -> None:
    result = _cli(cli_env, "explain", "T1", "--month", MONTH)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    text = result.stdout
    assert "总分 43.73 = 指标得分 41.23 + 人工调整 +2.50" in text
    assert ("互动授课（interactive_teaching）：达标次数 2，全区平均 0.6000，比值 3.3333，"
            "满分线 1.2000（平均的2倍），得分 20.00（封顶）") in text
    assert ("教学资源（teaching_resources）：达标次数 1，全区平均 0.2000，比值 5.0000，满分线 0.4000（平均的2倍），"
            "得分 15.00（封顶）") in text
    assert "线上备课（lesson_prep）：达标次数 0，全区平均 0.0000，全区无达标操作，得分 0.00（满分 20）" in text
    assert ("课后辅导（tutoring）：达标次数 0，全区平均 0.0000，全区无达标操作，得分 0.00（满分 10）；"
            "人工调整 +2.50，计 2.50") in text
    assert "教师测评（literacy_assessment）：本月有测评，成绩 62.3，得分 10 × 62.3 ÷ 100 = 6.23（满分 10）" in text
    assert [line for line in text.splitlines() if line.startswith("计分方法：")] == [
        "计分方法：按全区平均计分：得分 = 满分 × min(1, 达标次数 ÷ (全区平均 × 2))；达到全区平均得满分的一半，达到平均的2倍得满分",
        "计分方法：教师测评：当年首次测评计分，得分 = 满分 10 × 测评成绩 ÷ 100"]
    assert "2026-10-02 08:00 课后辅导 +2.50：线下辅导记录补录（录入人 county-1）" in text
    assert "上报记录（按接收顺序，共 5 条）" in text
    assert "- 2026-09-03 10:00 hite-pi6 s-1 teaching.session → 互动授课 达标" in text
    assert "- 2026-09-05 10:00 hite-pi6 s-3 teaching.session → 互动授课 不达标：" in text

    t2 = _cli(cli_env, "explain", "T2", "--month", MONTH).stdout
    assert ("互动授课（interactive_teaching）：达标次数 1，全区平均 0.6000，比值 1.6667，满分线 1.2000（平均的2倍），"
            "得分 20 × 1 ÷ 1.2000 = 16.67（满分 20）") in t2


def test_cli_json_and_errors(region: Region, cli_env: dict[str, str]) -> None:
    result = _cli(cli_env, "explain", "T1", "--month", MONTH, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == _explain(region.runtime, "T1")
    for args, message in ((("T1", "--month", "2026-08"), "month 2026-08 is not settled"),
                          (("T1", "--month", "2026-13"), "2026-13"),
                          (("T9", "--month", MONTH), "'T9'"),
                          (("T1", "--month", MONTH, "--version", "5"), "version 5")):
        failed = _cli(cli_env, "explain", *args)
        assert failed.exit_code != 0 and failed.stderr.startswith("错误 error: "), failed.stderr
        assert message in failed.stderr


# --- the API ------------------------------------------------------------------------------------------------


def test_api_serves_the_same_explanation_within_scope(region: Region) -> None:
    response = region.get("teacher", "T1", month=MONTH)
    assert response.status_code == 200, response.text
    assert response.json() == _explain(region.runtime, "T1")
    for who, teacher in (("school", "T2"), ("county", "T3"), ("city2", "T5"), ("region", "T4")):
        assert region.get(who, teacher, month=MONTH).status_code == 200, (who, teacher)
    assert region.get("region", "T1", month=MONTH, version=1).json()["version"] == 1


@pytest.mark.parametrize("who, teacher", [("teacher", "T2"), ("school", "T3"), ("county", "T4"), ("city2", "T1"),
                                          ("teacher", "T9"), ("school", "T9")])
def test_api_refuses_teachers_outside_the_scope(region: Region, who: str, teacher: str) -> None:
    error = _error(region.get(who, teacher, month=MONTH), 403, "forbidden")
    assert teacher in error["message"] and who in error["message"]


def test_api_errors(region: Region) -> None:
    assert "T9" in _error(region.get("region", "T9", month=MONTH), 404, "not_found")["message"]
    assert "2026-08" in _error(region.get("teacher", "T1", month="2026-08"), 404, "not_settled")["message"]
    for params, path in (({}, "query.month"), ({"month": "2026-9"}, "query.month"),
                         ({"month": "2026-13"}, "query.month"), ({"month": MONTH, "version": "0"}, "query.version")):
        error = _error(region.get("region", "T1", **params), 422, "invalid")
        assert error["details"][0]["path"] == path and error["message"].startswith(f"{path}: ")
    _error(region.client.get("/api/v1/explanations/teachers/T1", params={"month": MONTH}), 401, "unauthorized")



def test_a_report_received_and_withdrawn_after_the_version_was_never_counted_in_it(
        region: Region, cli_env: dict[str, str]) -> None:
    later = datetime(2026, 10, 3, 9, 0, tzinfo=CST)
    ingest = Ingest(region.runtime.database, region.runtime.ruleset.rules, region.runtime.tz)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(9), id="s-gone")], later)
    withdraw(region.runtime.database, "hite-pi6", "s-gone", later)
    gone = {o["id"]: o for o in _explain(region.runtime, "T1", 1)["operations"]}["s-gone"]
    assert (gone["before_version"], gone["withdrawn_before_version"]) == (False, False)
    [line] = [line for line in _cli(cli_env, "explain", "T1", "--month", MONTH).stdout.splitlines()
              if " s-gone " in line]
    assert line.endswith("达标（本版结算之后收到，未计入本版；2026-10-03 09:00 已撤回，不计分）"), line
    assert "本版仍计入" not in line and "下次结算计入" not in line


# --- Shihe: caps and runs of days that reach into other months ------------------------------------------------

def test_what_capped_a_month_from_other_months_of_its_week_and_where_a_streak_began(
        runtime: Runtime, cli_env: dict[str, str]) -> None:
    """Two sessions on 28-29 September use the weekly cap of 2 of the week 28 September - 4 October, so those of
    1-2 October earn nothing; logins every day from 24 September make October's ten days all of the raised kind."""
    runtime.rulebook.use("shihe-2022", Month(2026, 1), NOW)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    late = datetime(2026, 11, 2, 9, 0, tzinfo=CST)
    ingest.submit("space", [
        *[op("teaching.session", teacher="T1", duration=900, when=when, id=f"s-{when[:10]}")
          for when in (at(28, month="2026-09"), at(29, month="2026-09"), at(1, month="2026-10"),
                       at(2, month="2026-10"))],
        *[op("login", teacher="T1", when=at(day, 8, month="2026-09")) for day in range(24, 31)],
        *[op("login", teacher="T1", when=at(day, 8, month="2026-10")) for day in range(1, 11)],
    ], late)
    october = Month(2026, 10)
    settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION, late, runtime.tz)
    with runtime.database.read() as connection:
        data = explanation(connection, "T1", "2026-10", tz=runtime.tz)
    items = _by_code(data)
    session, login = items["teaching.session"], items["login"]
    assert (session["count"], session["points"], login["count"], login["points"]) == (2, 0, 10, 20)
    week = {"period": "week", "from": "2026-09-28", "to": "2026-10-04", "count": 2}
    assert session["carried_in"] == [{**week, "used_before_month": 2}]
    assert login["streaks"] == [{"from": "2026-09-24", "to": "2026-10-10", "days": 17, "days_before_month": 7,
                                 "days_in_month": 10, "raised_from": "2026-10-01"}]
    capped = {o["id"]: o.get("cap") for o in data["operations"] if o.get("over_cap")}
    assert capped == {"s-2026-10-01": {**week, "used_before_month": 2, "used_in_month": 0},
                      "s-2026-10-02": {**week, "used_before_month": 2, "used_in_month": 0}}

    text = _cli(cli_env, "explain", "T1", "--month", "2026-10").stdout
    assert ("互动授课（teaching.session）：达标次数 2，每次 5 分（每周最多 2 次），超出上限的不计分，得分 0.00（月度不设满分）；"
            "2026-09-28至2026-10-04这一周此前月份已有 2 次达标操作计分（上限 2 次）") in text
    assert ("空间登录（login）：活跃 10 天，得分 20.00（月度不设满分）；自 2026-09-24 起连续活跃 17 天"
            "（其中此前月份带入 7 天），2026-10-01 起为连续第 8 天及以后") in text
    assert ("s-2026-10-01 teaching.session → 互动授课 达标（超出次数上限，不计分：2026-09-28至2026-10-04这一周最多 2 次，"
            "已被此前月份的 2 次达标操作用满）") in text


def test_a_run_of_days_is_followed_back_to_its_first_day(runtime: Runtime) -> None:
    """A run from 25 November 2025 into January 2026: January's window reaches back to December only."""
    runtime.rulebook.use("shihe-2022", Month(2025, 11), NOW)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    days = [datetime(2025, 11, 25, 8, tzinfo=CST) + timedelta(days=n) for n in range(40)]  # to 3 January
    ingest.submit("space", [op("login", teacher="T1", when=d.isoformat()) for d in days], NOW)
    january = Month(2026, 1)
    settle_month(runtime.database, runtime.rulebook.for_month(january), january, REGION, NOW, runtime.tz)
    with runtime.database.read() as connection:
        login = _by_code(explanation(connection, "T1", "2026-01", tz=runtime.tz))["login"]
    assert login["streaks"] == [{"from": "2025-11-25", "to": "2026-01-03", "days": 40, "days_before_month": 37,
                                 "days_in_month": 3, "raised_from": "2025-12-02"}]


def test_a_second_login_of_a_day_is_said_to_earn_nothing_and_days_are_what_a_streak_counts(
        runtime: Runtime, cli_env: dict[str, str]) -> None:
    """Logins on 1-3 October, two more on the 3rd: October settled scores 3 days; the later two of the 3rd earn
    nothing and say so; November, still running, counts its days so far alike on the card and the explanation."""
    runtime.rulebook.use("shihe-2022", Month(2026, 1), NOW)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=C1, city_code=Y1)], full=True, now=NOW)
    late = datetime(2026, 11, 3, 20, 0, tzinfo=CST)
    ingest.submit("space", [
        *[op("login", teacher="T1", when=at(day, 8, month="2026-10"), id=f"l-{day}") for day in (1, 2, 3)],
        op("login", teacher="T1", when=at(3, 20, month="2026-10"), id="l-3-again"),
        op("login", teacher="T1", when=at(3, 21, month="2026-10"), id="l-3-third"),
        *[op("login", teacher="T1", when=at(day, hour, month="2026-11"), id=f"n-{day}-{hour}")
          for day, hour in ((1, 8), (2, 8), (2, 9))],
    ], late)
    october = Month(2026, 10)
    settle_month(runtime.database, runtime.rulebook.for_month(october), october, REGION, late, runtime.tz)
    with runtime.database.read() as connection:
        data = explanation(connection, "T1", "2026-10", tz=runtime.tz)
        running = month_explanation(connection, "T1", "2026-11", None, rules_for=runtime.rulebook.rules_for,
                                    now=late, tz=runtime.tz)
        today = card(connection, "T1", date(2026, 11, 3), runtime.tz, runtime.rulebook.rules_for(Month(2026, 11)))
    login = _by_code(data)["login"]
    assert (login["count"], login["points"]) == (3, 3)
    assert {o["id"] for o in data["operations"] if o.get("over_cap")} == {"l-3-again", "l-3-third"}
    text = _cli(cli_env, "explain", "T1", "--month", "2026-10").stdout
    assert "l-3-again login → 空间登录 达标（当天已计一次，不重复计分）" in text
    assert "l-3 login → 空间登录 达标\n" in text  # the day's first counts
    assert _by_code(running)["login"]["count"] == 2
    assert {o["id"] for o in running["operations"] if o.get("over_cap")} == {"n-2-9"}
    assert [(i["code"], i["count"]) for i in today["this_month"]["indicators"]] == [("login", 2)]


# --- a month not settled yet ------------------------------------------------------------------------------------

def test_a_month_not_settled_yet_shows_its_reports_so_far_with_the_reason_each_did_not_qualify(
        region: Region, cli_env: dict[str, str]) -> None:
    """October, with September settled (2 October): its reports so far and their outcomes, no points yet. A month
    neither running nor awaiting its first settlement (August here) is still not settled."""
    runtime = region.runtime
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    [short] = ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=300, id="s-short",
                                            when=datetime(2026, 10, 2, 8, 30, tzinfo=CST).isoformat())], NOW)
    assert str(short.status) == "not_qualified"
    with runtime.database.read() as connection:
        data = month_explanation(connection, "T1", "2026-10", None, rules_for=runtime.rulebook.rules_for,
                                 now=NOW, tz=runtime.tz)
        with pytest.raises(NotSettled, match="2026-08"):
            month_explanation(connection, "T1", "2026-08", None, rules_for=runtime.rulebook.rules_for, now=NOW,
                              tz=runtime.tz)
        with pytest.raises(NotSettled, match="version 1"):
            month_explanation(connection, "T1", "2026-10", 1, rules_for=runtime.rulebook.rules_for, now=NOW,
                              tz=runtime.tz)
        settled = month_explanation(connection, "T1", MONTH, None, rules_for=runtime.rulebook.rules_for, now=NOW,
                                    tz=runtime.tz)
    assert settled == {**_explain(runtime, "T1")} and settled["settled"] is True
    assert (data["settled"], data["running"], data["version"], data["total"], data["state"]) == (
        False, True, None, None, "not_settled")
    assert (data["teacher_name"], data["school_code"]) == ("张伟", S1)
    assert [(o["id"], o["status"], o["reason"]) for o in data["operations"]] == [
        ("s-oct", "qualified", None), ("s-short", "not_qualified", "duration_s 300 < 900")]
    counts = _by_code(data)
    assert (counts["interactive_teaching"]["count"], counts["interactive_teaching"]["points"]) == (1, None)

    # the CLI and the API, on the clock of today: this month, with a report of a minute ago that did not qualify
    now = datetime.now(CST)
    this = Month(now.year, now.month)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=60, id="s-now",
                                  when=max(now - timedelta(minutes=1), this.start(CST)).isoformat())], now)
    text = _cli(cli_env, "explain", "T1", "--month", str(this)).stdout
    assert f"{this} 积分说明（尚未结算，本月进行中，规则 ningxia-2022 v1）张伟 T1，学校 {S1}" in text
    assert "得分待该月结算后给出" in text and "- 互动授课（interactive_teaching）：达标次数 0" in text
    assert "s-now teaching.session → 互动授课 不达标：" in text
    served = region.get("teacher", "T1", month=str(this))
    assert served.status_code == 200, served.text
    assert [(o["id"], o["status"]) for o in served.json()["operations"]] == [("s-now", "not_qualified")]
    _error(region.get("teacher", "T2", month=str(this)), 403, "forbidden")
    assert "version 1" in _error(region.get("teacher", "T1", month=str(this), version=1), 404, "not_settled")[
        "message"]
