"""Hypothesis strategies: random regions, months of qualified counts, reports, and arbitrary request bodies."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
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


# --- arbitrary request bodies, for "no input produces a 500" ----------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(2**80), 2**80) | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)

_instants = st.one_of(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-14))]))
    .map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # naive
    st.text(max_size=30),
)


@st.composite
def operation_items(draw: st.DrawFn) -> object:
    """An item near the envelope's shape: the usual fields, each either plausible or any JSON value."""
    _app, action, _subject = draw(st.sampled_from(ACTIONS))
    plausible: dict[str, st.SearchStrategy[object]] = {
        "id": st.text(max_size=140) | st.integers(),
        "action": st.just(action) | st.text(max_size=70),
        "teacher_id": st.sampled_from(["T1", "T2", "UNKNOWN"]) | st.text(max_size=70),
        "school_id": st.sampled_from(["S1", "S2"]) | st.text(max_size=70),
        "occurred_at": _instants,
        "duration_s": st.floats() | st.integers(-(2**70), 2**70),
        "attributes": st.dictionaries(st.sampled_from(["content_sha256", "score", "role", "sync_count", "x"]),
                                      json_values, max_size=4),
    }
    item: dict[str, object] = {}
    for name, values in plausible.items():
        if draw(st.integers(0, 9)) > 0:
            item[name] = draw(values | json_values) if draw(st.integers(0, 9)) == 0 else draw(values)
    if draw(st.integers(0, 9)) == 0:
        item[draw(st.text(max_size=8))] = draw(json_values)
    return item


envelopes = st.one_of(
    json_values,
    st.fixed_dictionaries({"operations": st.lists(operation_items() | json_values, max_size=6)},
                          optional={"batch_id": json_values, "extra": json_values}),
)
