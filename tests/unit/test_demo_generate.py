"""The demo's synthetic region and month of traffic: shape, determinism, coverage of the catalog, outcomes."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jifen.demo.actions import profile_for
from jifen.demo.region import CITIES, COUNTIES, SUBJECTS, build_region, chinese_number
from jifen.demo.usage import DemoTraffic, generate_month
from jifen.domain.operations import Report, Status
from jifen.errors import InvalidInput
from jifen.ingest.qualify import check_fields, qualify, resolve_action
from jifen.rules.conditions import FirstOfYear
from jifen.rules.loader import load_shipped
from jifen.rules.schema import RuleSet

RULES = load_shipped("ningxia-2022").rules
MONTH = "2024-03"
TZ = ZoneInfo("Asia/Shanghai")
CATALOG = {(app.code, rule.action) for app in RULES.apps for rule in app.actions}


@pytest.fixture(scope="module")
def rows() -> list[Any]:
    return build_region(1000, seed=7)


@pytest.fixture(scope="module")
def traffic(rows: list[Any]) -> DemoTraffic:
    return generate_month(rows, RULES, MONTH, seed=7)


def _items(traffic: DemoTraffic) -> list[tuple[str, dict[str, Any]]]:
    return [(app, item) for app, items in traffic.batches.items() for item in items]


def test_region_has_five_cities_and_every_county_has_schools() -> None:
    rows = build_region(2000)
    assert len(rows) == 2000
    assert {(r.city_code, r.city_name) for r in rows} == set(CITIES.items())
    assert {r.county_code for r in rows} == {code for code, _, _ in COUNTIES}
    ids = [r.teacher_id for r in rows]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"T\d{7}", i) for i in ids)
    schools = {r.school_code: r for r in rows}
    assert 40 <= len(schools) <= 60
    per_county = Counter(r.county_code for r in schools.values())
    assert min(per_county.values()) >= 2
    sizes = Counter(r.school_code for r in rows)
    assert 10 <= min(sizes.values()) and max(sizes.values()) <= 80
    for school in schools.values():
        assert re.fullmatch(school.county_code + r"\d{3}", school.school_code)
        assert school.city_code[:4] == school.county_code[:4]
        assert re.fullmatch(r".+(市|区|县)第.+(小学|中学)", school.school_name)
    assert len({r.school_name for r in schools.values()}) == len(schools)
    classrooms = Counter(r.online_classrooms for r in schools.values())
    assert set(classrooms) <= set(range(5)) and classrooms[0] > 0
    assert {r.subject for r in rows} <= set(SUBJECTS)
    assert all(2 <= len(r.teacher_name) <= 3 for r in rows)


@pytest.mark.parametrize("teachers", [20, 57, 130, 400, 5000])
def test_small_and_large_regions_are_exact(teachers: int) -> None:
    rows = build_region(teachers, seed=3)
    assert len(rows) == teachers
    schools = {r.school_code: r.county_code for r in rows}
    assert min(Counter(schools.values()).values()) >= 2
    assert min(Counter(r.school_code for r in rows).values()) >= 10
    if teachers >= 400:
        assert len({r.city_code for r in rows}) == 5


def test_region_is_deterministic() -> None:
    assert build_region(300, seed=5) == build_region(300, seed=5)
    assert build_region(300, seed=5) != build_region(300, seed=6)


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in (1, 10, 12, 20, 35, 100, 105, 110, 999)] == [
        "一", "十", "十二", "二十", "三十五", "一百", "一百零五", "一百一十", "九百九十九"]


def test_traffic_is_deterministic(rows: list[Any], traffic: DemoTraffic) -> None:
    again = generate_month(rows, RULES, MONTH, seed=7)
    assert again.batches == traffic.batches
    assert again.resent == traffic.resent
    assert again.late_roster == traffic.late_roster
    assert generate_month(rows, RULES, MONTH, seed=8).batches != traffic.batches


def test_every_catalog_action_has_a_generator() -> None:
    for app, action in CATALOG:
        assert profile_for(app, action) is not None


@pytest.mark.parametrize("teachers", [20, 1000])
def test_every_app_and_action_appears(teachers: int, rows: list[Any], traffic: DemoTraffic) -> None:
    if teachers != len(rows):
        traffic = generate_month(build_region(teachers), RULES, MONTH)
    assert set(traffic.batches) == {app.code for app in RULES.apps}
    assert {(app, item["action"]) for app, item in _items(traffic)} == CATALOG


def test_an_action_without_a_generator_is_named() -> None:
    data = RULES.model_dump(mode="json")
    data["apps"].append({"code": "new-app", "name": "新应用", "actions": [
        {"action": "thing.do", "indicator": "lesson_prep"}]})
    with pytest.raises(InvalidInput, match="new-app.*thing.do"):
        generate_month(build_region(20), RuleSet.model_validate(data), MONTH)


def test_month_must_be_year_and_month(rows: list[Any]) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        generate_month(rows, RULES, "2024-13")


def test_items_have_the_envelope_apps_post(rows: list[Any], traffic: DemoTraffic) -> None:
    schools = {r.school_code for r in rows}
    start = datetime(2024, 3, 1, tzinfo=TZ)
    end = datetime(2024, 4, 1, tzinfo=TZ)
    for app, items in traffic.batches.items():
        ids = [item["id"] for item in items]
        assert len(set(ids)) == len(ids), app
        for item in items:
            assert set(item) <= {"id", "action", "teacher_id", "school_id", "occurred_at", "duration_s", "attributes"}
            assert ("teacher_id" in item) != ("school_id" in item)
            assert item["occurred_at"].endswith("+08:00")
            assert start <= datetime.fromisoformat(item["occurred_at"]) < end
            assert isinstance(item["attributes"], dict)
            if "school_id" in item:
                assert item["school_id"] in schools
    assert [i["occurred_at"] for i in traffic.batches["seewo-easinote5"]] == sorted(
        i["occurred_at"] for i in traffic.batches["seewo-easinote5"])


def test_school_scored_reports(traffic: DemoTraffic) -> None:
    for app, item in _items(traffic):
        subject = RULES.indicator(RULES.app(app).action(item["action"]).indicator).subject  # type: ignore[union-attr]
        assert ("school_id" in item) == (subject == "school")
    classes = traffic.batches["online-classroom"]
    assert all("classroom_id" in i["attributes"] or "duration_s" in i for i in classes)
    affairs = {i["attributes"].get("kind") for i in traffic.batches["school-affairs"]}
    assert {"notice", "approval"} <= affairs


def test_most_activity_is_on_school_days(traffic: DemoTraffic) -> None:
    stamps = [datetime.fromisoformat(item["occurred_at"]) for _, item in _items(traffic)]
    weekday = sum(s.weekday() < 5 for s in stamps) / len(stamps)
    daytime = sum(7 <= s.hour < 18 for s in stamps) / len(stamps)
    assert weekday > 0.85 and daytime > 0.6


def test_usage_is_zero_inflated_and_heavy_tailed(rows: list[Any], traffic: DemoTraffic) -> None:
    per_teacher = Counter(item["teacher_id"] for _, item in _items(traffic) if "teacher_id" in item)
    idle = sum(1 for r in rows if r.teacher_id not in per_teacher) / len(rows)
    assert 0.25 <= idle <= 0.45
    counts = sorted(per_teacher[r.teacher_id] for r in rows if r.teacher_id in per_teacher)
    mean = sum(counts) / len(counts)
    assert counts[-1] > 4 * mean and counts[len(counts) // 2] < mean
    assert 18 <= sum(len(items) for items in traffic.batches.values()) / len(rows) <= 45


def test_resent_items_repeat_items_of_the_same_app(traffic: DemoTraffic) -> None:
    assert traffic.resent
    for app, items in traffic.resent.items():
        by_id = {item["id"]: item for item in traffic.batches[app]}
        for item in items:
            assert by_id[item["id"]] == item


def test_late_teachers_report_before_they_are_on_the_roster(rows: list[Any], traffic: DemoTraffic) -> None:
    assert len(traffic.late_roster) == 5
    on_roster = {r.teacher_id for r in rows}
    reporting = {item.get("teacher_id") for _, item in _items(traffic)}
    schools = {r.school_code for r in rows}
    for late in traffic.late_roster:
        assert late.teacher_id not in on_roster and late.teacher_id in reporting
        assert late.school_code in schools


class _History:
    def __init__(self) -> None:
        self.contents: set[str] = set()
        self.counted: set[tuple[str, str, int]] = set()

    def content_seen(self, sha256: str) -> bool:
        return sha256 in self.contents

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool:
        return (teacher_id, indicator, year) in self.counted


def test_outcomes_are_a_realistic_mix(traffic: DemoTraffic) -> None:
    """Run every report through the real qualification: mostly qualified, 10-20 % not, a few rejected."""
    history, statuses, reasons = _History(), Counter[Status](), Counter[str]()
    now = datetime(2024, 4, 2, tzinfo=timezone(timedelta(hours=8)))
    for app, item in _items(traffic):
        report = Report(item["id"], item["action"], datetime.fromisoformat(item["occurred_at"]),
                        item.get("teacher_id"), item.get("school_id"), item.get("duration_s"), item["attributes"])
        resolved = resolve_action(RULES, app, report)
        assert isinstance(resolved, tuple)
        rule = resolved[0]
        reason = check_fields(report, rule, TZ, now, 300)
        if reason:
            statuses[Status.REJECTED] += 1
            reasons[reason] += 1
            continue
        outcome = qualify(report, rule, history, TZ)
        statuses[outcome.status] += 1
        if outcome.reason:
            reasons[outcome.reason.split(" ")[0] if " " in outcome.reason else outcome.reason] += 1
        if outcome.status == Status.QUALIFIED:
            history.contents.update(item["attributes"][f[11:]] for f in rule.content_fields)
            if isinstance(rule.qualifies, FirstOfYear) and report.teacher_id:
                history.counted.add((report.teacher_id, rule.indicator, 2024))
    total = sum(statuses.values())
    assert 0.10 <= statuses[Status.NOT_QUALIFIED] / total <= 0.20
    assert 0 < statuses[Status.REJECTED] / total < 0.01
    assert "duration_s is missing" in reasons
    for reason in ("duration_s", "attributes.sync_count", "attributes.chars", "attributes.kind", "duplicate_content",
                   "not_first_of_year"):
        assert reasons[reason] > 0, reason


@pytest.mark.parametrize("teachers", [40, 1000])
def test_demo_usage_sheet_has_varied_figures_and_the_ones_to_doubt(teachers: int) -> None:
    from jifen.demo.figures import classroom_weeks, usage_workbook
    from jifen.domain import classroom_usage as usage
    from jifen.ingest.usage_sheet import read_sheet

    region = build_region(teachers, seed=7)
    county = region[0].county_code
    weeks, roles = classroom_weeks(region, county, MONTH, seed=7)
    sheet = read_sheet(usage_workbook(weeks), "usage.xlsx")
    figures = [usage.Figure(r.school_code, r.week, t, rooms, uses)
               for r in sheet for t, (rooms, uses) in r.rooms.items()]
    month_weeks = usage.weeks_of_month(2024, 3)
    assert {r.week for r in sheet} == set(month_weeks)
    assert {r.school_code for r in sheet} == {r.school_code for r in region if r.county_code == county}
    assert [f.school_code for f in usage.repeated_flags(figures, month_weeks, 3)] == [roles.repeated]
    assert (roles.idle, "vr") in {(f.school_code, f.room_type) for f in usage.zero_flags(figures, month_weeks, 2)}
    below = usage.below_standard_flags(usage.averages(figures, month_weeks), {"online_interactive": 5.0})
    assert roles.low_online in {f.school_code for f in below}
    assert any(f.uses for f in figures)


def test_demo_registration_export_reads_back_with_a_few_schools_under_60_percent() -> None:
    from datetime import date

    from jifen.demo.figures import registration_workbook
    from jifen.ingest.registration_sheet import read_sheet

    region = build_region(1000, seed=7)
    county = region[0].county_code
    data, low = registration_workbook(region, county, date(2024, 4, 5), seed=7)
    rows = read_sheet(data, "platform.xlsx")
    assert {r.school_code for r in rows} == {r.school_code for r in region}
    under = {r.school_code for r in rows if r.counts["students_registered"] < 0.6 * r.counts["students"]}
    assert under == set(low) and 0 < len(under) < len(rows) / 3
    assert any(r.school_code in under for r in rows if r.school_code.startswith(county))
