"""A small region settled end to end, every expected figure worked out by hand below (no product arithmetic).

Rules used (DOMAIN.md): teacher indicator points = max * min(1, count / (avg * 2)), avg over all roster teachers;
三个课堂 per school = count / online_classrooms (0 counts as 1), its avg = mean over schools; other school
indicators count per school; 教师测评 = 10 * score / 100 for the year's first assessment, in its month. School
total = mean of its teachers' totals + its own indicator points; county = mean of schools; city = mean of
counties; region = mean of cities. Published points are rounded half up to 2 places from the unrounded values,
averages to 4. Ranks: highest first, ties share a rank and list by code.

The region (Asia/Shanghai months):

    city 640100 银川市
      county 640104 兴庆区: school S1 640104001 (2 online classrooms): t01, t02, t03
                            school S2 640104002 (0 online classrooms): t04
      county 640122 贺兰县: school S3 640122001 (1 online classroom):  t05, t06 (t06 reports nothing)
    city 640200 石嘴山市
      county 640202 大武口区: school S4 640202001 (3 online classrooms): t07
                             school S5 640202002 (1 online classroom):  t08

8 roster teachers, 5 schools. Qualified operations in 2026-09:

    indicator (max)            t01 t02 t03 t04 t05 t06 t07 t08 | total  avg = total/8  full at 2*avg
    lesson_prep (20)            10   4   2   8   4   0   2   2 |   32   4              8
    interactive_teaching (20)    1   0   1   0   0   0   2   2 |    6   0.75           1.5
    tutoring (10)                0   0   0   0   3   0   0   0 |    3   0.375          0.75
    teaching_resources (15)      7   0   2   0   0   0   0   0 |    9   1.125          2.25
    literacy_assessment (10)     0   1   0   0   0   0   0   0 |    1   0.125          (score based)
    student_evaluation (10)      0   0   0   1   0   0   0   0 |    1   0.125          0.25
    research_activity, research_resources: none -> avg 0 -> 0 points

    school indicator (max)     S1  S2  S3  S4  S5 | avg over 5 schools
    three_classrooms (15)       4   1   0   3   1 classes; per classroom 4/2=2, 1/max(1,0)=1, 0/1=0, 3/3=1, 1/1=1
                                                  -> avg (2+1+0+1+1)/5 = 1, full at 2
    teacher_evaluation (10)     2   0   1   1   1 | 5/5 = 1, full at 2
    school_affairs (10)         0   3   0   0   0 | 3/5 = 0.6, full at 1.2
    academic_affairs (10): none -> 0
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from jifen.domain.periods import Month
from jifen.errors import NotFound
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.reports.datasets import report
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from factories import CST, at, op, row, sha

MONTH = "2026-09"
NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
S1, S2, S3, S4, S5 = "640104001", "640104002", "640122001", "640202001", "640202002"
TEACHER_INDICATORS = ["lesson_prep", "interactive_teaching", "tutoring", "teaching_resources", "research_activity",
                      "research_resources", "literacy_assessment", "student_evaluation"]
ALL_INDICATORS = ["lesson_prep", "interactive_teaching", "tutoring", "three_classrooms", "teaching_resources",
                  "research_activity", "research_resources", "literacy_assessment", "student_evaluation",
                  "teacher_evaluation", "school_affairs", "academic_affairs"]


def _school(teacher_id: str, school: str, classrooms: int, county: str, city: str) -> Any:
    names = {"640100": "银川市", "640200": "石嘴山市", "640104": "兴庆区", "640122": "贺兰县", "640202": "大武口区"}
    return row(teacher_id, school, county_code=county, city_code=city, online_classrooms=classrooms,
               county_name=names[county], city_name=names[city])


ROSTER = [
    _school("t01", S1, 2, "640104", "640100"),
    _school("t02", S1, 2, "640104", "640100"),
    _school("t03", S1, 2, "640104", "640100"),
    _school("t04", S2, 0, "640104", "640100"),
    _school("t05", S3, 1, "640122", "640100"),
    _school("t06", S3, 1, "640122", "640100"),
    _school("t07", S4, 3, "640202", "640200"),
    _school("t08", S5, 1, "640202", "640200"),
]


def _many(action: str, n: int, **kw: Any) -> list[dict[str, Any]]:
    return [op(action, **kw) for _ in range(n)]


def _submit(ingest: Ingest, app: str, items: list[dict[str, Any]]) -> list[str]:
    return [r.status for r in ingest.submit(app, items, NOW)]


def _build(runtime: Runtime) -> dict[str, list[str]]:
    """Roster, then every app's reports; returns the statuses of the reports whose outcome matters."""
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, ROSTER, full=True, now=NOW)
    seen: dict[str, list[str]] = {}

    lessons = [("t01", 10), ("t02", 4), ("t03", 2), ("t04", 8), ("t05", 4), ("t07", 2), ("t08", 2)]
    items = [item for tid, n in lessons for item in _many("lesson.create", n, teacher=tid)]
    assert set(_submit(ingest, "hite-pi6", items)) == {"qualified"}

    session = {"duration": 1800}
    seen["sessions"] = _submit(ingest, "seewo-easinote5", [
        op("teaching.session", teacher="t01", **session),
        op("teaching.session", teacher="t03", **session),
        *[op("teaching.session", teacher="t08", when=at(10, hour), **session) for hour in (10, 11)],  # apart
        # t07, on the month boundary in Asia/Shanghai:
        op("teaching.session", teacher="t07", when="2026-08-31T16:30:00Z", **session),  # 09-01 00:30 local: Sept
        op("teaching.session", teacher="t07", when="2026-09-01T00:00:00+08:00", **session),  # Sept (08-31 16:00Z)
        op("teaching.session", teacher="t07", when="2026-08-31T23:30:00+08:00", **session),  # August
        op("teaching.session", teacher="t07", when="2026-09-30T16:30:00Z", **session),  # 10-01 00:30 local: Oct
        op("teaching.session", teacher="t01", duration=600),  # under 15 minutes: not qualified
        op("teaching.session", teacher="t99", **session),  # not on the roster: pending, not counted
    ])

    seen["resources"] = _submit(ingest, "renrentong", [
        *_many("article.publish", 6, teacher="t01", public=True),
        op("resource.upload", teacher="t01", public=True, content_sha256=sha("教案")),
        op("resource.upload", teacher="t02", public=True, content_sha256=sha("教案")),  # duplicate content
        op("article.publish", teacher="t02", public=False),  # not public
        *_many("article.publish", 2, teacher="t03", public=True),
    ])

    seen["tutoring"] = _submit(ingest, "digital-school", [
        *_many("qa.answer", 3, teacher="t05"),
        op("tutoring.session", teacher="t05", duration=1000),  # under 20 minutes
    ])

    seen["evaluation"] = _submit(ingest, "evaluation", [
        op("student.record", teacher="t04"),
        *_many("teacher.record", 2, school=S1),
        op("teacher.record", school=S3),
        op("teacher.record", school=S4),
        op("teacher.record", school=S5),
    ])

    # t03's first assessment of 2026 is in August, so the September one does not count.
    seen["assessment_august"] = _submit(ingest, "literacy-assessment", [
        op("assessment.complete", teacher="t03", when=at(20, month="2026-08"), score=90, role="teacher"),
    ])
    seen["assessment"] = _submit(ingest, "literacy-assessment", [
        op("assessment.complete", teacher="t02", when=at(5), score=62.25, role="teacher"),
        op("assessment.complete", teacher="t02", when=at(20), score=95, role="teacher"),  # second this year
        op("assessment.complete", teacher="t03", when=at(10), score=100, role="teacher"),  # second this year
    ])

    classes = {"duration": 2400}
    seen["classes"] = _submit(ingest, "online-classroom", [
        *[op("class.session", school=S1, classroom_id=f"c{i % 2}", when=at(hour=8 + i), **classes) for i in range(4)],
        op("class.session", school=S2, classroom_id="c0", **classes),
        *[op("class.session", school=S4, classroom_id=f"c{i}", **classes) for i in range(3)],
        op("class.session", school=S5, classroom_id="c0", **classes),
        op("class.session", school=S3, classroom_id="c0", duration=1000),  # under 20 minutes
        op("class.session", school="640104999", classroom_id="c0", **classes),  # school not on the roster
    ])

    seen["affairs"] = _submit(ingest, "school-affairs", [
        *_many("affair.record", 3, school=S2, kind="notice"),
        op("affair.record", school=S1, kind="party"),  # not a listed kind
    ])
    return seen


def _settle(runtime: Runtime) -> int:
    s = runtime.settings
    return settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), (s.region_code, s.region_name),
                        NOW).version


def _report(runtime: Runtime, level: str, code: str, version: int | None = None) -> dict[str, Any]:
    with runtime.database.read() as connection:
        return report(connection, level, code, MONTH, version)


def _points(data: dict[str, Any]) -> dict[str, tuple[Any, Any, Any, Any]]:
    return {i["code"]: (i["count"], i["average"], i["points"], i["max"]) for i in data["indicators"]}


@pytest.fixture
def settled(runtime: Runtime) -> Runtime:
    seen = _build(runtime)
    # six September sessions, t07's two in August and October (qualified, for those months), the short one,
    # and the teacher not on the roster.
    assert seen["sessions"] == ["qualified"] * 8 + ["not_qualified", "pending"]
    assert seen["resources"] == ["qualified"] * 7 + ["not_qualified"] * 2 + ["qualified"] * 2
    assert seen["tutoring"] == ["qualified"] * 3 + ["not_qualified"]
    assert seen["assessment_august"] == ["qualified"]
    assert seen["assessment"] == ["qualified", "not_qualified", "not_qualified"]
    assert seen["classes"] == ["qualified"] * 9 + ["not_qualified", "pending"]
    assert seen["affairs"] == ["qualified"] * 3 + ["not_qualified"]
    assert _settle(runtime) == 1
    return runtime


# Teacher totals (unrounded, then rounded half up):
#   t01 = lesson 20*min(1, 10/8)=20 + interactive 20*(1/1.5)=40/3 + resources 15*min(1, 7/2.25)=15
#       = 35 + 40/3 = 145/3 = 48.3333.. -> 48.33
#   t02 = lesson 20*(4/8)=10 + assessment 10*62.25/100=6.225 = 16.225 -> 16.23 (half up; half-even gives 16.22)
#   t03 = lesson 20*(2/8)=5 + interactive 40/3 + resources 15*(2/2.25)=40/3 = 5 + 80/3 = 95/3 = 31.6667 -> 31.67
#         (adding the rounded parts 5 + 13.33 + 13.33 would give 31.66)
#   t04 = lesson 20*min(1, 8/8)=20 + student_evaluation 10*min(1, 1/0.25)=10 = 30
#   t05 = lesson 20*(4/8)=10 + tutoring 10*min(1, 3/0.75)=10 = 20
#   t06 = 0 (on the roster, nothing reported)
#   t07 = lesson 20*(2/8)=5 + interactive 20*min(1, 2/1.5)=20 = 25
#   t08 = 5 + 20 = 25
TEACHER_TOTALS = {"t01": 48.33, "t02": 16.23, "t03": 31.67, "t04": 30, "t05": 20, "t06": 0, "t07": 25, "t08": 25}

# Region averages per indicator (4 places): see the module docstring.
AVERAGES = {"lesson_prep": 4, "interactive_teaching": 0.75, "tutoring": 0.375, "three_classrooms": 1,
            "teaching_resources": 1.125, "research_activity": 0, "research_resources": 0,
            "literacy_assessment": 0.125, "student_evaluation": 0.125, "teacher_evaluation": 1,
            "school_affairs": 0.6, "academic_affairs": 0}
MAXIMA = {"lesson_prep": 20, "interactive_teaching": 20, "tutoring": 10, "three_classrooms": 15,
          "teaching_resources": 15, "research_activity": 10, "research_resources": 15, "literacy_assessment": 10,
          "student_evaluation": 10, "teacher_evaluation": 10, "school_affairs": 10, "academic_affairs": 10}


def _expected(codes: list[str], figures: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any, Any, Any]]:
    """(count, average, points, max) per indicator; indicators not given have count 0 and 0 points."""
    return {c: (figures.get(c, (0, 0))[0], AVERAGES[c], figures.get(c, (0, 0))[1], MAXIMA[c]) for c in codes}


def test_every_teacher_total(settled: Runtime) -> None:
    for teacher_id, total in TEACHER_TOTALS.items():
        data = _report(settled, "teacher", teacher_id)
        assert data["total"] == total, teacher_id
        assert [i["code"] for i in data["indicators"]] == TEACHER_INDICATORS
        # the sum of the published points differs from the total only by rounding
        assert abs(sum(i["points"] for i in data["indicators"]) - total) <= 0.01 * len(TEACHER_INDICATORS)


def test_teacher_report_shows_the_arithmetic(settled: Runtime) -> None:
    t01 = _report(settled, "teacher", "t01")
    assert {k: t01[k] for k in ("month", "version", "teacher_id", "school_code", "total")} == {
        "month": MONTH, "version": 1, "teacher_id": "t01", "school_code": S1, "total": 48.33}
    # capped at the max twice: lesson_prep 10 >= 8 and teaching_resources 7 >= 2.25
    assert _points(t01) == _expected(TEACHER_INDICATORS, {
        "lesson_prep": (10, 20), "interactive_teaching": (1, 13.33), "teaching_resources": (7, 15)})

    # 教师测评 6.225 -> 6.23 (exact half at the third decimal, rounded up); the second one that year is ignored
    t02 = _report(settled, "teacher", "t02")
    assert t02["total"] == 16.23
    assert _points(t02) == _expected(TEACHER_INDICATORS, {"lesson_prep": (4, 10), "literacy_assessment": (1, 6.23)})

    # August assessment first: the September one earns nothing; two 40/3 parts round to 31.67 together
    t03 = _report(settled, "teacher", "t03")
    assert t03["total"] == 31.67
    assert _points(t03) == _expected(TEACHER_INDICATORS, {
        "lesson_prep": (2, 5), "interactive_teaching": (1, 13.33), "teaching_resources": (2, 13.33)})

    # month boundary: 2026-08-31T16:30Z and 2026-09-01T00:00+08:00 count (both August in UTC); 2026-08-31T23:30+08:00
    # (August) and 2026-09-30T16:30Z (October 1st locally, September in UTC) do not
    t07 = _report(settled, "teacher", "t07")
    assert _points(t07)["interactive_teaching"] == (2, 0.75, 20, 20)
    assert t07["total"] == 25

    t06 = _report(settled, "teacher", "t06")
    assert t06["total"] == 0
    assert _points(t06) == _expected(TEACHER_INDICATORS, {})


def test_teacher_not_on_the_roster_is_not_settled(settled: Runtime) -> None:
    with pytest.raises(NotFound):
        _report(settled, "teacher", "t99")
    with pytest.raises(NotFound):
        _report(settled, "school", "640104999")


# School S1: teacher average (145/3 + 16.225 + 95/3) / 3 = (80 + 16.225) / 3 = 32.075 -> 32.08
#            own points: three_classrooms 15*min(1, 2/2)=15 + teacher_evaluation 10*min(1, 2/2)=10 = 25
#            total 57.075 -> 57.08
# Per teacher indicator, the school row shows the mean count, the region average and the mean points:
#   lesson_prep      count (10+4+2)/3 = 5.3333, points (20+10+5)/3 = 35/3 = 11.67
#   interactive      count (1+0+1)/3 = 0.6667,  points (40/3+0+40/3)/3 = 80/9 = 8.89
#   resources        count (7+0+2)/3 = 3,       points (15+0+40/3)/3 = 85/9 = 9.44
#   assessment       count 1/3 = 0.3333,        points 6.225/3 = 2.075 -> 2.08
def test_school_report_with_all_twelve_indicators(settled: Runtime) -> None:
    data = _report(settled, "school", S1)
    assert {k: data[k] for k in ("month", "version", "school_code", "teacher_average", "school_points", "total")} \
        == {"month": MONTH, "version": 1, "school_code": S1, "teacher_average": 32.08, "school_points": 25,
            "total": 57.08}
    assert [i["code"] for i in data["indicators"]] == ALL_INDICATORS
    assert _points(data) == _expected(ALL_INDICATORS, {
        "lesson_prep": (5.3333, 11.67), "interactive_teaching": (0.6667, 8.89), "teaching_resources": (3, 9.44),
        "literacy_assessment": (0.3333, 2.08), "three_classrooms": (2, 15), "teacher_evaluation": (2, 10)})
    # teachers ranked within the school
    assert [(t["teacher_id"], t["total"], t["rank"]) for t in data["teachers"]] == [
        ("t01", 48.33, 1), ("t03", 31.67, 2), ("t02", 16.23, 3)]


# S2: 0 online classrooms count as 1: 1 class -> figure 1 -> 15*(1/2) = 7.5; school_affairs 10*min(1, 3/1.2) = 10
#     teacher average 30 (t04 alone) + 17.5 = 47.5
# S3: (20 + 0) / 2 = 10 + teacher_evaluation 10*(1/2) = 5 -> 15
# S4: 3 classes / 3 classrooms = 1 -> 7.5; teacher_evaluation 5; t07 25 -> 37.5
# S5: 1 class / 1 classroom = 1 -> 7.5; teacher_evaluation 5; t08 25 -> 37.5   (a tie with S4)
def test_school_figures_per_online_classroom(settled: Runtime) -> None:
    expected = {
        S2: (30, 17.5, 47.5, {"three_classrooms": (1, 7.5), "school_affairs": (3, 10)}),
        S3: (10, 5, 15, {"teacher_evaluation": (1, 5)}),
        S4: (25, 12.5, 37.5, {"three_classrooms": (1, 7.5), "teacher_evaluation": (1, 5)}),
        S5: (25, 12.5, 37.5, {"three_classrooms": (1, 7.5), "teacher_evaluation": (1, 5)}),
    }
    for code, (teacher_average, school_points, total, own) in expected.items():
        data = _report(settled, "school", code)
        assert (data["teacher_average"], data["school_points"], data["total"]) == (
            teacher_average, school_points, total), code
        school_only = {c: v for c, v in _points(data).items() if c not in TEACHER_INDICATORS}
        assert school_only == _expected(["three_classrooms", "teacher_evaluation", "school_affairs",
                                         "academic_affairs"], own), code


# County 640104 = (57.075 + 47.5) / 2 = 52.2875 -> 52.29; 640122 = 15; 640202 = (37.5 + 37.5) / 2 = 37.5
# City 640100 = (52.2875 + 15) / 2 = 33.64375 -> 33.64   (from the rounded counties: (52.29+15)/2 = 33.645 -> 33.65)
# City 640200 = 37.5
# Region 640000 = (33.64375 + 37.5) / 2 = 35.571875 -> 35.57
def test_roll_up_and_rankings(settled: Runtime) -> None:
    county = _report(settled, "county", "640104")
    assert (county["county_code"], county["total"]) == ("640104", 52.29)
    assert [(s["school_code"], s["total"], s["rank"]) for s in county["schools"]] == [(S1, 57.08, 1), (S2, 47.5, 2)]

    tied = _report(settled, "county", "640202")
    assert tied["total"] == 37.5
    # a tie shares the rank and lists by code
    assert [(s["school_code"], s["total"], s["rank"]) for s in tied["schools"]] == [(S4, 37.5, 1), (S5, 37.5, 1)]

    assert _report(settled, "county", "640122")["total"] == 15

    city = _report(settled, "city", "640100")
    assert city["total"] == 33.64
    assert [(c["county_code"], c["county_name"], c["total"], c["rank"]) for c in city["counties"]] == [
        ("640104", "兴庆区", 52.29, 1), ("640122", "贺兰县", 15, 2)]

    region = _report(settled, "region", settled.settings.region_code)
    assert (region["region_code"], region["total"]) == ("640000", 35.57)
    assert [(c["city_code"], c["city_name"], c["total"], c["rank"]) for c in region["cities"]] == [
        ("640200", "石嘴山市", 37.5, 1), ("640100", "银川市", 33.64, 2)]


def _snapshot(runtime: Runtime, version: int) -> list[dict[str, Any]]:
    levels = [("teacher", t) for t in TEACHER_TOTALS] + [("school", s) for s in (S1, S2, S3, S4, S5)] + [
        ("county", "640104"), ("county", "640122"), ("county", "640202"), ("city", "640100"), ("city", "640200"),
        ("region", "640000")]
    out = []
    for level, code in levels:
        data = _report(runtime, level, code, version)
        assert data["version"] == version
        out.append({k: v for k, v in data.items() if k != "version"})
    return out


def test_settling_again_makes_a_new_version_with_the_same_figures(settled: Runtime) -> None:
    first = _snapshot(settled, 1)
    assert _settle(settled) == 2
    assert _report(settled, "region", "640000")["version"] == 2  # the latest by default
    assert _snapshot(settled, 2) == first
    assert _snapshot(settled, 1) == first


def test_a_roster_change_after_settlement_leaves_version_1_alone(settled: Runtime) -> None:
    first = _snapshot(settled, 1)
    ingest = Ingest(settled.database, settled.ruleset.rules, settled.tz)
    # t99 joins S3: their pending session qualifies; t02 moves to S2
    moved = [*ROSTER[:1], _school("t02", S2, 0, "640104", "640100"), *ROSTER[2:],
             _school("t99", S3, 1, "640122", "640100")]
    result = import_rows(ingest, moved, full=True, now=NOW)
    assert result.resolved == {"qualified": 1}

    assert _snapshot(settled, 1) == first
    assert _settle(settled) == 2
    assert _snapshot(settled, 1) == first
    with pytest.raises(NotFound):
        _report(settled, "teacher", "t99", version=1)

    # Version 2 sees 9 teachers: lesson_prep avg 32/9, full at 64/9; t02: 20 * 4/(64/9) = 20 * 9/16 = 11.25
    # interactive_teaching total 7, avg 7/9, full at 14/9; t99: 20 * 1/(14/9) = 90/7 = 12.857.. -> 12.86
    t02 = _report(settled, "teacher", "t02")
    assert (t02["version"], t02["school_code"]) == (2, S2)
    assert _points(t02)["lesson_prep"] == (4, 3.5556, 11.25, 20)
    t99 = _report(settled, "teacher", "t99")
    assert _points(t99)["interactive_teaching"] == (1, 0.7778, 12.86, 20)
    assert t99["total"] == 12.86
    assert _report(settled, "teacher", "t02", version=1)["school_code"] == S1
