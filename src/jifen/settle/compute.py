"""The monthly settlement as one pure computation over the roster and the month's qualified counts.

Arithmetic is exact (fractions); figures are rounded half up only when published, so every level is
rolled up from unrounded values.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from jifen.domain.organisations import Roster
from jifen.domain.periods import Month
from jifen.domain.scores import mean, relative_points
from jifen.rules.schema import Indicator, RuleSet
from jifen.settle import fixed

FIXED = {"fixed", "streak"}


@dataclass(frozen=True)
class MonthCounts:
    """Qualified operations of a month: per (teacher, indicator), per (school, indicator), and scores."""

    teachers: dict[tuple[str, str], int] = field(default_factory=dict)
    schools: dict[tuple[str, str], int] = field(default_factory=dict)
    assessments: dict[tuple[str, str], Fraction] = field(default_factory=dict)
    # manual adjustments per (level, code, indicator): added after scoring, they move no average or cap
    adjustments: dict[tuple[str, str, str], Fraction] = field(default_factory=dict)
    # fixed and streak indicators: local times of qualifying actions per (teacher or school, indicator),
    # from fixed.window_start() to the month's end
    events: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    count: Fraction
    average: Fraction
    points: Fraction
    maximum: Fraction | None
    adjustment: Fraction = Fraction(0)

    @property
    def total(self) -> Fraction:
        return self.points + self.adjustment


@dataclass
class Unit:
    level: str
    code: str
    name: str
    parent_code: str | None
    total: Fraction
    indicators: list[IndicatorScore] = field(default_factory=list)
    teacher_average: Fraction | None = None
    school_points: Fraction | None = None


@dataclass
class Settlement:
    averages: dict[str, Fraction]
    units: dict[str, list[Unit]]


LEVELS = ("teacher", "school", "county", "city", "region")


@dataclass(frozen=True)
class Figures:
    """What each teacher and school is scored on, per indicator (the count, per online classroom where the rule
    says so, or the fixed count), and the region averages of those figures."""

    teachers: dict[str, dict[str, Fraction]]  # indicator -> teacher id -> figure
    schools: dict[str, dict[str, Fraction]]  # indicator -> school code -> figure
    averages: dict[str, Fraction]
    scored: dict[tuple[str, str], fixed.FixedScore]  # fixed and streak indicators, per (code, indicator)


def figures(rules: RuleSet, roster: Roster, counts: MonthCounts, month: Month) -> Figures:
    scored = {
        (code, ind.code): fixed.score(ind, counts.events.get((code, ind.code), []), month)
        for ind in rules.indicators if ind.scoring in FIXED
        for code in (roster.teachers if ind.subject == "teacher" else roster.schools)
    }
    teacher_figures = {
        ind.code: {tid: _teacher_figure(ind, tid, counts, scored) for tid in roster.teachers}
        for ind in rules.indicators_for("teacher")
    }
    school_figures = {
        ind.code: {code: _school_figure(ind, counts.schools.get((code, ind.code), 0), school.online_classrooms)
                   if ind.scoring not in FIXED else Fraction(scored[(code, ind.code)].count)
                   for code, school in roster.schools.items()}
        for ind in rules.indicators_for("school")
    }
    averages = {code: mean(values.values()) for code, values in {**teacher_figures, **school_figures}.items()}
    return Figures(teacher_figures, school_figures, averages, scored)


def settle(rules: RuleSet, roster: Roster, counts: MonthCounts, region: tuple[str, str],
           month: Month) -> Settlement:
    full_at = Fraction(rules.scoring.full_at)
    teacher_indicators = rules.indicators_for("teacher")
    school_indicators = rules.indicators_for("school")
    figured = figures(rules, roster, counts, month)
    teacher_figures, school_figures, averages, scored = (figured.teachers, figured.schools, figured.averages,
                                                         figured.scored)

    teachers: list[Unit] = []
    for tid, teacher in roster.teachers.items():
        scores = [
            _adjusted(_score(ind, teacher_figures[ind.code][tid], averages[ind.code], full_at,
                             counts.assessments.get((tid, ind.code)), scored.get((tid, ind.code))),
                      counts.adjustments.get(("teacher", tid, ind.code)))
            for ind in teacher_indicators
        ]
        teachers.append(Unit("teacher", tid, teacher.name, teacher.school_code,
                             sum((s.total for s in scores), Fraction(0)), scores))

    by_school: dict[str, list[Unit]] = defaultdict(list)
    for unit in teachers:
        by_school[unit.parent_code or ""].append(unit)
    schools: list[Unit] = []
    for code, school in roster.schools.items():
        staff = by_school.get(code, [])
        own = [_adjusted(_score(ind, school_figures[ind.code][code], averages[ind.code], full_at, None,
                                scored.get((code, ind.code))),
                         counts.adjustments.get(("school", code, ind.code)))
               for ind in school_indicators]
        teacher_average = mean(u.total for u in staff)
        school_points = sum((s.total for s in own), Fraction(0))
        rolled = [
            IndicatorScore(ind.code, mean(u.indicators[i].count for u in staff), averages[ind.code],
                           mean(u.indicators[i].points for u in staff), _maximum(ind),
                           mean(u.indicators[i].adjustment for u in staff))
            for i, ind in enumerate(teacher_indicators)
        ]
        schools.append(Unit("school", code, school.name, school.county_code, teacher_average + school_points,
                            _in_rule_order(rules, rolled + own), teacher_average, school_points))

    counties = _roll_up("county", schools, {c: (x.name, x.city_code) for c, x in roster.counties.items()})
    cities = _roll_up("city", counties, {c: (x.name, region[0]) for c, x in roster.cities.items()})
    regions = _roll_up("region", cities, {region[0]: (region[1], None)})
    return Settlement(averages, {"teacher": teachers, "school": schools, "county": counties,
                                 "city": cities, "region": regions})


def _teacher_figure(indicator: Indicator, teacher_id: str, counts: MonthCounts,
                    scored: dict[tuple[str, str], fixed.FixedScore]) -> Fraction:
    if indicator.scoring in FIXED:
        return Fraction(scored[(teacher_id, indicator.code)].count)
    return Fraction(counts.teachers.get((teacher_id, indicator.code), 0))


def _school_figure(indicator: Indicator, count: int, classrooms: int) -> Fraction:
    if indicator.per_online_classroom:
        return Fraction(count, max(1, classrooms))
    return Fraction(count)


def _score(indicator: Indicator, figure: Fraction, average: Fraction, full_at: Fraction,
           assessment: Fraction | None, fixed_score: fixed.FixedScore | None) -> IndicatorScore:
    if fixed_score is not None:
        return IndicatorScore(indicator.code, figure, average, fixed_score.points, _maximum(indicator))
    maximum = Fraction(indicator.monthly_max or 0)
    if indicator.scoring == "assessment":
        score = assessment if assessment is not None else Fraction(0)
        points = maximum * score / Fraction(indicator.assessment_full_score)
    else:
        points = relative_points(maximum, figure, average, full_at)
    return IndicatorScore(indicator.code, figure, average, points, maximum)


def _maximum(indicator: Indicator) -> Fraction | None:
    return None if indicator.monthly_max is None else Fraction(indicator.monthly_max)


def _adjusted(score: IndicatorScore, adjustment: Fraction | None) -> IndicatorScore:
    if not adjustment:
        return score
    return IndicatorScore(score.code, score.count, score.average, score.points, score.maximum, adjustment)


def _in_rule_order(rules: RuleSet, scores: list[IndicatorScore]) -> list[IndicatorScore]:
    order = {ind.code: i for i, ind in enumerate(rules.indicators)}
    return sorted(scores, key=lambda s: order[s.code])


def _roll_up(level: str, children: list[Unit], parents: dict[str, tuple[str, str | None]]) -> list[Unit]:
    """Each parent's total, and each of its indicators' figures, is the mean of its children's; parents without
    children are left out."""
    grouped: dict[str, list[Unit]] = defaultdict(list)
    for child in children:
        grouped[child.parent_code or ""].append(child)
    return [
        Unit(level, code, name, parent, mean(c.total for c in grouped[code]), _mean_indicators(grouped[code]))
        for code, (name, parent) in sorted(parents.items())
        if grouped.get(code)
    ]


def _mean_indicators(children: list[Unit]) -> list[IndicatorScore]:
    """Each indicator's figures as the mean of the children's (every child lists the rule set's indicators alike),
    so a county's indicator columns are rounded once, from unrounded values, as its total is."""
    return [
        IndicatorScore(first.code, mean(c.indicators[i].count for c in children), first.average,
                       mean(c.indicators[i].points for c in children), first.maximum,
                       mean(c.indicators[i].adjustment for c in children))
        for i, first in enumerate(children[0].indicators)
    ]
