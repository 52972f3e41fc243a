"""Seeded random regions and months for the engine tests, and one region built around exact ties.

Random regions have a few cities, counties, schools and teachers, with the shapes that roll-ups must
handle: a school without teachers, a county without schools, a city without counties. Counts are
zero-inflated; assessments, manual adjustments (some negative) and, for fixed rule sets, event times
are drawn as the store would hand them to the settlement.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from jifen.domain.organisations import City, County, Roster, School, Teacher
from jifen.domain.periods import Month
from jifen.rules.schema import RuleSet
from jifen.settle import fixed
from jifen.settle.compute import FIXED, MonthCounts

MONTH = Month(2026, 9)
REGION = ("640000", "宁夏回族自治区")


@dataclass(frozen=True)
class Case:
    name: str
    rules: RuleSet
    roster: Roster
    counts: MonthCounts


def random_roster(rng: random.Random) -> Roster:
    cities = {f"Y{i}": City(f"Y{i}", f"市{i}") for i in range(rng.randint(1, 3))}
    counties: dict[str, County] = {}
    schools: dict[str, School] = {}
    teachers: dict[str, Teacher] = {}
    for city in cities.values():
        for c in range(rng.randint(1, 2)):
            county = County(f"{city.code}C{c}", f"县{c}", city.code)
            counties[county.code] = county
            for s in range(rng.randint(1, 3)):
                school = School(f"{county.code}S{s}", f"学校{s}", county.code, rng.choice([0, 1, 1, 2, 3, 5]))
                schools[school.code] = school
                for t in range(rng.randint(1, 5)):
                    teacher = Teacher(f"{school.code}T{t}", f"教师{t}", "数学", school.code)
                    teachers[teacher.id] = teacher
    # the shapes a roll-up must handle: no teachers, no schools, no counties
    first = next(iter(counties.values()))
    schools["EMPTY"] = School("EMPTY", "空学校", first.code, 2)
    counties["NOSCHOOLS"] = County("NOSCHOOLS", "无校县", first.city_code)
    cities["NOCOUNTIES"] = City("NOCOUNTIES", "无县市")
    return Roster(cities, counties, schools, teachers)


def _count(rng: random.Random) -> int:
    return 0 if rng.random() < 0.45 else rng.randint(1, 30)


def _cents(rng: random.Random, low: int, high: int) -> Fraction:
    return Fraction(Decimal(rng.randint(low, high)) / 100)


def random_counts(rng: random.Random, rules: RuleSet, roster: Roster) -> MonthCounts:
    teacher_counts = {(tid, ind.code): _count(rng) for tid in roster.teachers
                      for ind in rules.indicators_for("teacher") if ind.scoring == "relative"}
    school_counts = {(code, ind.code): _count(rng) for code in roster.schools
                     for ind in rules.indicators_for("school") if ind.scoring == "relative"}
    assessments: dict[tuple[str, str], Fraction] = {}
    for ind in rules.indicators:
        if ind.scoring != "assessment":
            continue
        for tid in roster.teachers:
            if rng.random() < 0.4:
                teacher_counts[(tid, ind.code)] = 1
                assessments[(tid, ind.code)] = _cents(rng, 0, 10000)
    adjustments: dict[tuple[str, str, str], Fraction] = {}
    for level, codes, subject in (("teacher", roster.teachers, "teacher"), ("school", roster.schools, "school")):
        for code in codes:
            if rng.random() < 0.25:
                ind = rng.choice(rules.indicators_for(subject) or rules.indicators)
                adjustments[(level, code, ind.code)] = _cents(rng, -800, 800)
    events = {(tid, ind.code): _events(rng, ind.scoring == "streak") for tid in roster.teachers
              for ind in rules.indicators_for("teacher") if ind.scoring in FIXED and rng.random() < 0.6}
    # counts of fixed indicators reach the settlement too; it must score them from events only
    for (tid, code), times in events.items():
        teacher_counts[(tid, code)] = len(times) + 3
    return MonthCounts(teachers=teacher_counts, schools=school_counts, assessments=assessments,
                       adjustments=adjustments, events=events)


def _events(rng: random.Random, streak: bool) -> list[datetime]:
    """Local times from the window start (the year's first day) to the month's end, mostly in the month."""
    first = date(MONTH.year, MONTH.month, 1)
    if streak:
        start = first - timedelta(days=rng.randint(0, 10))
        days = [start + timedelta(days=d) for d in range(rng.randint(1, 30)) if rng.random() < 0.85]
    else:
        days = [first + timedelta(days=rng.randint(-40, 29)) for _ in range(rng.randint(1, 12))]
        days += [date(MONTH.year, rng.randint(1, 8), rng.randint(1, 28)) for _ in range(rng.randint(0, 2))]
    start_of_year, after = fixed.window_start(MONTH, []), date(MONTH.next().year, MONTH.next().month, 1)
    return [datetime(d.year, d.month, d.day, rng.randint(7, 21), rng.randint(0, 59))
            for d in days if start_of_year <= d < after]


def random_case(rules: RuleSet, seed: int) -> Case:
    rng = random.Random(f"{rules.name}-{seed}")
    roster = random_roster(rng)
    return Case(f"{rules.name}-{seed}", rules, roster, random_counts(rng, rules, roster))


def ties_case(rules: RuleSet) -> Case:
    """A region whose exact figures land on half a cent (or half of 10**-4), where float64 may not.

    * teacher T1's lesson_prep: 20 * 1 / (2 * 160 / 10) = 0.625 -> 0.63 (10 teachers, 160 in all);
    * T2's literacy assessment 10.05: 10 * 10.05 / 100 = 1.005 -> 1.01 (float64 holds 1.00499...);
    * school A's two teachers are adjusted +0.01 and 0.00 besides: a mean adjustment of 0.005 -> 0.01;
    * school B's teachers -0.01 and 0.00: -0.005 -> -0.01 (half away from zero, as the reference);
    * county K2's schools total 0.11 and 0.18: 0.145 -> 0.15 (float64 holds 0.14499...);
    * school P's 7 online classes over 32 classrooms: 0.21875 -> 0.2188, the region average over seven
      schools 0.03125 -> 0.0313;
    * schools Z1 and Z2 (county K3, no teachers) both total 0: they share rank 1.
    """
    cities = {"Y1": City("Y1", "市1")}
    counties = {"K1": County("K1", "县1", "Y1"), "K2": County("K2", "县2", "Y1"), "K3": County("K3", "县3", "Y1")}
    schools = {
        "A": School("A", "甲", "K1", 1), "B": School("B", "乙", "K1", 1), "P": School("P", "丙", "K1", 32),
        "Q": School("Q", "丁", "K2", 1), "R": School("R", "戊", "K2", 1),
        "Z1": School("Z1", "己", "K3", 1), "Z2": School("Z2", "庚", "K3", 1),
    }
    staff = {"A": ["A1", "A2"], "B": ["B1", "B2"], "P": ["T1", "T2", "T3", "T4"], "Q": ["Q1"], "R": ["R1"]}
    teachers = {tid: Teacher(tid, tid, "数学", school) for school, ids in staff.items() for tid in ids}
    teacher_counts = {("T1", "lesson_prep"): 1, ("T3", "lesson_prep"): 159, ("T2", "literacy_assessment"): 1}
    cent = Fraction(1, 100)
    adjustments = {("teacher", "A1", "tutoring"): cent, ("teacher", "B1", "tutoring"): -cent,
                   ("teacher", "Q1", "tutoring"): 11 * cent, ("teacher", "R1", "tutoring"): 18 * cent}
    return Case(
        f"{rules.name}-ties", rules, Roster(cities, counties, schools, teachers),
        MonthCounts(teachers=teacher_counts, schools={("P", "three_classrooms"): 7},
                    assessments={("T2", "literacy_assessment"): Fraction(Decimal("10.05"))},
                    adjustments=adjustments),
    )
