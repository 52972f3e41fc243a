"""Hypothesis strategies: random regions and months of qualified counts."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from jifen.domain.organisations import City, County, Roster, School, Teacher
from jifen.rules.schema import RuleSet
from jifen.settle.compute import MonthCounts


@st.composite
def rosters(draw: st.DrawFn, max_schools: int = 6, max_teachers: int = 6) -> Roster:
    city_count = draw(st.integers(1, 2))
    cities = {f"Y{i}": City(f"Y{i}", f"市{i}") for i in range(city_count)}
    counties: dict[str, County] = {}
    schools: dict[str, School] = {}
    teachers: dict[str, Teacher] = {}
    for c in range(draw(st.integers(1, 3))):
        county = County(f"C{c}", f"县{c}", f"Y{c % city_count}")
        counties[county.code] = county
        for s in range(draw(st.integers(1, max_schools))):
            school = School(f"{county.code}S{s}", f"学校{s}", county.code, draw(st.integers(0, 4)))
            schools[school.code] = school
            for t in range(draw(st.integers(0, max_teachers))):
                teacher = Teacher(f"{school.code}T{t}", f"教师{t}", "数学", school.code)
                teachers[teacher.id] = teacher
    used_cities = {c.city_code for c in counties.values()}
    return Roster({k: v for k, v in cities.items() if k in used_cities}, counties, schools, teachers)


counts_values = st.integers(0, 30) | st.just(0)


@st.composite
def month_counts(draw: st.DrawFn, rules: RuleSet, roster: Roster) -> MonthCounts:
    teacher_counts = {
        (tid, ind.code): draw(counts_values)
        for tid in roster.teachers for ind in rules.indicators_for("teacher") if ind.scoring == "relative"
    }
    school_counts = {
        (code, ind.code): draw(counts_values)
        for code in roster.schools for ind in rules.indicators_for("school")
    }
    assessments: dict[tuple[str, str], Fraction] = {}
    for tid in roster.teachers:
        if draw(st.booleans()):
            teacher_counts[(tid, "literacy_assessment")] = 1
            assessments[(tid, "literacy_assessment")] = Fraction(draw(st.integers(0, 100)))
    return MonthCounts(teachers=teacher_counts, schools=school_counts, assessments=assessments)


ACTIONS = [
    ("seewo-easinote5", "teaching.session", "teacher"),
    ("seewo-easinote5", "courseware.sync", "teacher"),
    ("seewo-easinote5", "library.upload", "teacher"),
    ("digital-school", "qa.answer", "teacher"),
    ("literacy-assessment", "assessment.complete", "teacher"),
    ("online-classroom", "class.session", "school"),
    ("school-affairs", "affair.record", "school"),
]


@st.composite
def reports(draw: st.DrawFn, teachers: list[str], schools: list[str], month: str = "2026-09") -> tuple[str, dict]:  # type: ignore[type-arg]
    """(app code, item) of a report that may or may not qualify, for a known or an unknown subject."""
    app, action, subject = draw(st.sampled_from(ACTIONS))
    day, hour, minute = draw(st.integers(1, 28)), draw(st.integers(7, 21)), draw(st.integers(0, 59))
    item: dict[str, object] = {
        "id": draw(st.text("abcdef0123456789", min_size=1, max_size=6)),
        "action": action,
        "occurred_at": f"{month}-{day:02d}T{hour:02d}:{minute:02d}:00+08:00",
        "attributes": {},
    }
    pool = teachers if subject == "teacher" else schools
    item["teacher_id" if subject == "teacher" else "school_id"] = draw(st.sampled_from([*pool, "UNKNOWN"]))
    attributes: dict[str, object] = {}
    if action in {"teaching.session", "class.session"}:
        item["duration_s"] = draw(st.sampled_from([300, 900, 1200, 2400]))
    if action == "class.session":
        attributes["classroom_id"] = "r1"
    if action == "courseware.sync":
        attributes["sync_count"] = draw(st.integers(0, 5))
    if action == "library.upload":
        attributes["content_sha256"] = draw(st.sampled_from(["a" * 64, "b" * 64, "c" * 64]))
    if action == "assessment.complete":
        attributes.update(score=draw(st.integers(0, 100)), role="teacher")
    if action == "affair.record":
        attributes["kind"] = draw(st.sampled_from(["notice", "meeting", "party"]))
    item["attributes"] = attributes
    return app, item
