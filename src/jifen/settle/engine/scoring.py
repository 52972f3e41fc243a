"""The monthly scoring, written once as Ibis expressions, run by DuckDB, SQLite, PostgreSQL and Spark.

It computes what :func:`jifen.settle.compute.settle` computes, from the tables of
:mod:`jifen.settle.engine.inputs`: every roster teacher and school scored on every indicator of its subject
against the region average (zeros included), manual adjustments added after scoring, schools as the mean
of their teachers plus their own points, counties, cities and the region as means of their children.
The rule set enters as the ``indicators`` table, so one expression serves every rule set. Fixed and streak
indicators arrive already scored (count and points per subject, from :mod:`jifen.settle.fixed`): caps and
runs walk each subject's actions in time order, which stays in Python; everything after that is here.

Where rounding happens, and why every engine publishes the reference's figures
-----------------------------------------------------------------------------
The reference is exact (fractions) and rounds half up only when publishing. The engines compute in
float64: SQLite has no DECIMAL, and exact rationals do not fit integer columns once a total adds up
indicators with different denominators. Their floats differ in the last bits (summation order, partial
aggregates), so:

* counts are int64 and only become float64 where they are divided; integer-valued doubles add up exactly
  (below 2**53), so region averages of counts and schools' mean counts are one correctly rounded division;
* nothing is rounded inside the computation: every level rolls up from unrounded values, as the
  reference does;
* figures are published in the engine, once, at the end (:func:`half_up`): ``sign(v) * floor(|v| * 10**p
  + 1/2 + GUARD * 10**p)``, an int64 in units of ``10**-p`` (p = 2 for points and totals, 4 for counts and
  averages), half away from zero like ``round_half_up``. Ranks are taken on those rounded totals, as the
  store's are. Python only turns the integers into Decimals.

``GUARD`` is 1e-9 (in points). The float error is far smaller: a few 1e-14 for a teacher's points, at
worst about 1e-11 for a county's mean of schools' means of a few hundred teachers each. So an exact tie
such as 1.005, which float64 holds as 1.00499999999999989... (and ``|v| * 100 + 1/2`` as 100.99999...),
rounds up on every engine as in the reference. The guard errs only for an exact value less than 1e-9
below a tie without being one. A teacher's relative points ``max * count * n / (full_at * sum)`` cannot
come that close while the indicator's region sum stays below about 2.5 million; averages and schools' mean
counts have small denominators too. Sums and means of several figures can; with fractional parts spread
evenly that happens to about one published figure in ten million.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from jifen.domain.scores import AVERAGE_PLACES, POINTS_PLACES
from jifen.rules.schema import RuleSet
from jifen.settle.compute import FIXED

GUARD = 1e-9
F64 = "float64"


@dataclass(frozen=True)
class ScoringTables:
    """The inputs as Ibis tables, in whichever engine holds them (see :mod:`.inputs` for the columns)."""

    indicators: ir.Table
    teachers: ir.Table
    schools: ir.Table
    counties: ir.Table
    cities: ir.Table
    counts: ir.Table
    assessments: ir.Table
    fixed: ir.Table
    adjustments: ir.Table


@dataclass(frozen=True)
class Published:
    """The two published tables: units (every level) and indicator rows (teachers and schools)."""

    units: ir.Table
    indicators: ir.Table


def half_up(value: ir.NumericValue, places: int) -> ir.IntegerValue:
    """四舍五入 at ``places`` as an integer in units of 10**-places; ties (with the guard) away from zero."""
    scale = 10**places
    magnitude = (value.abs() * scale + (0.5 + GUARD * scale)).floor()
    return ibis.ifelse(value < 0, -magnitude, magnitude).cast("int64")


def unstaged(expr: ir.Table) -> ir.Table:
    """The default stage: leave the expression whole, for engines that plan shared subqueries once."""
    return expr


def published(tables: ScoringTables, rules: RuleSet, region: tuple[str, str],
              stage: Callable[[ir.Table], ir.Table] = unstaged) -> Published:
    """The settlement's published rows, rounded in the engine (see the module docstring).

    ``stage`` may materialise an intermediate table in the engine (see ``backends.staging``): each level
    is read by the next level and by the published rows, and an engine that inlines shared subqueries
    (Spark does) would otherwise compute the lower levels again for every reader.
    """
    scored = stage(scored_rows(tables, float(rules.scoring.full_at)))
    # the region average of each indicator, as scored_rows attached it to every row
    averages = scored.group_by("indicator").aggregate(average=scored.average.max())
    teachers = stage(_teacher_units(tables, scored))
    schools = stage(_school_units(tables, scored, teachers))
    counties = stage(_roll_up("county", schools, tables.counties, tables.counties.parent_code))
    cities = stage(_roll_up("city", counties, tables.cities, ibis.literal(region[0])))
    region_unit = _region_unit(cities, region)
    units = ibis.union(teachers, schools, counties, cities, region_unit)
    school_rows = stage(ibis.union(_indicator_columns(_school_rolled(tables, scored, averages), "school"),
                                   _indicator_columns(scored.filter(scored.subject == "school"), "school")))
    county_rows = stage(_rolled_indicators(school_rows, schools, "county"))
    city_rows = stage(_rolled_indicators(county_rows, counties, "city"))
    indicators = ibis.union(
        _indicator_columns(scored.filter(scored.subject == "teacher"), "teacher"), school_rows, county_rows,
        city_rows, _rolled_indicators(city_rows, cities, "region"),
    )
    return Published(_publish_units(units), _publish_indicators(indicators))


def scored_rows(tables: ScoringTables, full_at: float) -> ir.Table:
    """One row per roster subject and indicator of its subject: its place and maximum, figure, region average,
    points and adjustment."""
    keys = ["subject", "code", "indicator"]
    population = _subjects(tables).join(tables.indicators, "subject")
    population = _attach(population, tables.counts, keys, counted="count")
    population = _attach(population, tables.fixed, keys, fixed_count="count", fixed_points="points")
    population = _attach(population, tables.assessments, keys, score="score")
    population = _attach(population, tables.adjustments, keys, amount="amount")
    with_figures = population.mutate(figure=_figure(population))
    averages = with_figures.group_by("indicator").aggregate(average=with_figures.figure.mean())
    rows = _attach(with_figures, averages, ["indicator"], average="average")
    # only what the levels above read: staged, the table is written once in full (830,000 rows a province)
    return rows.select(*keys, "position", "maximum", "figure", "average", points=_points(rows, full_at),
                       adjustment=rows.amount.fill_null(0.0))


def _subjects(tables: ScoringTables) -> ir.Table:
    """Every scored subject: roster teachers (one classroom, so figures are plain counts) and schools."""
    teachers = tables.teachers.select(subject=ibis.literal("teacher"), code=tables.teachers.code,
                                      classrooms=ibis.literal(1, "int64"))
    schools = tables.schools.select(subject=ibis.literal("school"), code=tables.schools.code,
                                    classrooms=tables.schools.classrooms.cast("int64"))
    return teachers.union(schools)


def _attach(left: ir.Table, right: ir.Table, keys: list[str], **values: str) -> ir.Table:
    """Left-join ``right`` on ``keys`` and keep ``left``'s columns plus ``values`` (new name: column)."""
    renamed = right.select(*keys, **{name: right[column] for name, column in values.items()})
    joined = left.join(renamed, keys, how="left")
    return joined.select(*left.columns, *values)


def _figure(rows: ir.Table) -> ir.FloatingValue:
    """The scored figure: fixed count, count per online classroom (0 classrooms count as 1), or count."""
    counted = rows.counted.fill_null(0).cast(F64)
    # both sides float: PostgreSQL divides integers as integers
    classrooms = ibis.greatest(rows.classrooms, 1).cast(F64)
    return ibis.cases(
        (rows.scoring.isin(sorted(FIXED)), rows.fixed_count.fill_null(0).cast(F64)),
        (rows.per_classroom & (rows.subject == "school"), counted / classrooms),
        else_=counted,
    )


def _points(rows: ir.Table, full_at: float) -> ir.FloatingValue:
    """``max * min(1, figure / (average * full_at))``, 0 for a zero average or figure; or assessment/fixed."""
    base = (rows.average * full_at).nullif(0.0)
    relative = ibis.ifelse((rows.average > 0) & (rows.figure > 0),
                           rows.maximum * ibis.least(ibis.literal(1.0), rows.figure / base), 0.0)
    assessed = rows.maximum * rows.score.fill_null(0.0) / rows.full_score
    return ibis.cases(
        (rows.scoring.isin(sorted(FIXED)), rows.fixed_points.fill_null(0.0)),
        (rows.scoring == "assessment", assessed),
        else_=relative,
    ).cast(F64)


def _teacher_units(tables: ScoringTables, scored: ir.Table) -> ir.Table:
    mine = scored.filter(scored.subject == "teacher")
    totals = mine.group_by("code").aggregate(sum_total=(mine.points + mine.adjustment).sum())
    rows = _attach(tables.teachers, totals, ["code"], sum_total="sum_total")
    return _unit_columns(rows, "teacher", rows.parent_code, rows.sum_total.fill_null(0.0))


def _school_units(tables: ScoringTables, scored: ir.Table, teachers: ir.Table) -> ir.Table:
    """A school's total: the mean of its teachers' totals (0 without teachers) plus its own points."""
    staff = teachers.group_by(code=teachers.parent_code).aggregate(teacher_mean=teachers.total.mean())
    mine = scored.filter(scored.subject == "school")
    own = mine.group_by("code").aggregate(own_sum=(mine.points + mine.adjustment).sum())
    rows = _attach(_attach(tables.schools, staff, ["code"], teacher_mean="teacher_mean"),
                   own, ["code"], own_sum="own_sum")
    teacher_average = rows.teacher_mean.fill_null(0.0)
    school_points = rows.own_sum.fill_null(0.0)
    return _unit_columns(rows, "school", rows.parent_code, teacher_average + school_points,
                         teacher_average, school_points)


def _roll_up(level: str, children: ir.Table, parents: ir.Table, parent_of: ir.Value) -> ir.Table:
    """Each parent's total is the mean of its children's totals; parents without children drop out."""
    means = children.group_by(code=children.parent_code).aggregate(child_mean=children.total.mean())
    rows = parents.mutate(grand_parent=parent_of).join(means, "code")
    return _unit_columns(rows, level, rows.grand_parent, rows.child_mean)


def _region_unit(cities: ir.Table, region: tuple[str, str]) -> ir.Table:
    summary = cities.aggregate(region_mean=cities.total.mean(), children=cities.count())
    rows = summary.filter(summary.children > 0).mutate(code=ibis.literal(region[0]),
                                                        name=ibis.literal(region[1]))
    return _unit_columns(rows, "region", ibis.null("string"), rows.region_mean)


def _unit_columns(rows: ir.Table, level: str, parent: ir.Value, total: ir.Value,
                  teacher_average: ir.Value | None = None, school_points: ir.Value | None = None) -> ir.Table:
    """The common shape of unit rows, so every level can be stacked into one table."""
    return rows.select(
        level=ibis.literal(level), code=rows.code.cast("string"), name=rows.name.cast("string"),
        parent_code=parent.cast("string"), total=total.cast(F64),
        teacher_average=(ibis.null(F64) if teacher_average is None else teacher_average).cast(F64),
        school_points=(ibis.null(F64) if school_points is None else school_points).cast(F64),
    )


def _school_rolled(tables: ScoringTables, scored: ir.Table, averages: ir.Table) -> ir.Table:
    """A school's rows for teacher indicators: means over its teachers (zeros when it has none)."""
    mine = scored.filter(scored.subject == "teacher")
    staff = mine.join(tables.teachers.select(code="code", school="parent_code"), "code")
    means = staff.group_by(code=staff.school, indicator=staff.indicator).aggregate(
        mean_figure=staff.figure.mean(), mean_points=staff.points.mean(), mean_adjustment=staff.adjustment.mean(),
    )
    kinds = tables.indicators.filter(tables.indicators.subject == "teacher")
    frame = tables.schools.select("code").cross_join(kinds.select("indicator", "position", "maximum"))
    rows = _attach(_attach(frame, means, ["code", "indicator"], mean_figure="mean_figure",
                           mean_points="mean_points", mean_adjustment="mean_adjustment"),
                   averages, ["indicator"], region_average="average")
    return rows.select("code", "indicator", "position", "maximum",
                       figure=rows.mean_figure.fill_null(0.0), average=rows.region_average.fill_null(0.0),
                       points=rows.mean_points.fill_null(0.0), adjustment=rows.mean_adjustment.fill_null(0.0))


def _rolled_indicators(rows: ir.Table, children: ir.Table, level: str) -> ir.Table:
    """A level's indicator rows: each the mean of its children's (``rows``, of the ``children`` units), so they are
    rounded once, from unrounded values, as the totals are."""
    kids = children.select(child="code", parent="parent_code")
    joined = rows.join(kids, rows.code == kids.child)
    means = joined.group_by(code=joined.parent, indicator=joined.indicator).aggregate(
        position=joined.position.min(), figure=joined["count"].mean(), average=joined.average.max(),
        points=joined.points.mean(), maximum=joined.maximum.max(), adjustment=joined.adjustment.mean())
    return _indicator_columns(means, level)


def _indicator_columns(rows: ir.Table, level: str) -> ir.Table:
    return rows.select(
        level=ibis.literal(level), code=rows.code.cast("string"), indicator=rows.indicator.cast("string"),
        position=rows.position.cast("int64"), count=rows.figure.cast(F64), average=rows.average.cast(F64),
        points=rows.points.cast(F64), maximum=rows.maximum.cast(F64), adjustment=rows.adjustment.cast(F64),
    )


def _publish_units(units: ir.Table) -> ir.Table:
    """Rounded figures, and ranks among siblings (same level and parent): equal totals share a rank."""
    rounded = units.select("level", "code", "name", "parent_code", total=half_up(units.total, POINTS_PLACES),
                           teacher_average=half_up(units.teacher_average, POINTS_PLACES),
                           school_points=half_up(units.school_points, POINTS_PLACES))
    siblings = ibis.window(group_by=[rounded.level, rounded.parent_code], order_by=ibis.desc(rounded.total))
    return rounded.mutate(rank=(ibis.rank().over(siblings) + 1).cast("int64"))


def _publish_indicators(rows: ir.Table) -> ir.Table:
    return rows.select(
        "level", "code", "indicator", "position",
        count=half_up(rows["count"], AVERAGE_PLACES), average=half_up(rows.average, AVERAGE_PLACES),
        points=half_up(rows.points, POINTS_PLACES), maximum=half_up(rows.maximum, POINTS_PLACES),
        adjustment=half_up(rows.adjustment, POINTS_PLACES),
    )
