"""The scoring's input tables, as Arrow: the rule set, the month-end roster and the month's figures.

The scoring definition reads only these tables, so the same inputs can be put into any engine. Caps and
streaks over event times are not tabular arithmetic (they walk each subject's actions in time order), so
they stay in :mod:`jifen.settle.fixed`, run in Python here, and enter the definition as the ``fixed`` table:
per subject and indicator, the month's count and points.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pyarrow as pa

from jifen.domain.organisations import Roster
from jifen.domain.periods import Month
from jifen.rules.schema import RuleSet
from jifen.settle import fixed
from jifen.settle.compute import FIXED, MonthCounts

_STR = pa.string()
_INT = pa.int64()
_FLOAT = pa.float64()

SCHEMAS: dict[str, pa.Schema] = {
    # one row per indicator of the rule set, in rule order
    "indicators": pa.schema([("indicator", _STR), ("position", _INT), ("subject", _STR), ("scoring", _STR),
                             ("maximum", _FLOAT), ("per_classroom", pa.bool_()), ("full_score", _FLOAT)]),
    "teachers": pa.schema([("code", _STR), ("name", _STR), ("parent_code", _STR)]),
    "schools": pa.schema([("code", _STR), ("name", _STR), ("parent_code", _STR), ("classrooms", _INT)]),
    "counties": pa.schema([("code", _STR), ("name", _STR), ("parent_code", _STR)]),
    "cities": pa.schema([("code", _STR), ("name", _STR)]),
    # subject is "teacher" or "school"; code is the teacher id or the school code. One row per
    # (subject, code, indicator) at most: these tables are left-joined onto the scored population.
    "counts": pa.schema([("subject", _STR), ("code", _STR), ("indicator", _STR), ("count", _INT)]),
    "assessments": pa.schema([("subject", _STR), ("code", _STR), ("indicator", _STR), ("score", _FLOAT)]),
    "fixed": pa.schema([("subject", _STR), ("code", _STR), ("indicator", _STR), ("count", _INT),
                        ("points", _FLOAT)]),
    "adjustments": pa.schema([("subject", _STR), ("code", _STR), ("indicator", _STR), ("amount", _FLOAT)]),
}


@dataclass(frozen=True)
class ScoringInputs:
    """Every table the scoring reads, each with the schema in :data:`SCHEMAS`."""

    indicators: pa.Table
    teachers: pa.Table
    schools: pa.Table
    counties: pa.Table
    cities: pa.Table
    counts: pa.Table
    assessments: pa.Table
    fixed: pa.Table
    adjustments: pa.Table

    def tables(self) -> dict[str, pa.Table]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def table(name: str, rows: list[dict[str, object]]) -> pa.Table:
    """An input table from plain rows, with its fixed schema (so an empty table still has its columns)."""
    schema = SCHEMAS[name]
    return pa.Table.from_pylist(rows, schema=schema)


def indicator_rows(rules: RuleSet) -> list[dict[str, object]]:
    """The rule set as data: what the definition needs to know about each indicator."""
    return [
        {"indicator": ind.code, "position": position, "subject": ind.subject, "scoring": ind.scoring,
         "maximum": None if ind.monthly_max is None else float(ind.monthly_max),
         "per_classroom": ind.per_online_classroom, "full_score": float(ind.assessment_full_score)}
        for position, ind in enumerate(rules.indicators)
    ]


def roster_tables(roster: Roster) -> dict[str, pa.Table]:
    return {
        "teachers": table("teachers", [{"code": t.id, "name": t.name, "parent_code": t.school_code}
                                       for t in roster.teachers.values()]),
        "schools": table("schools", [{"code": s.code, "name": s.name, "parent_code": s.county_code,
                                      "classrooms": s.online_classrooms} for s in roster.schools.values()]),
        "counties": table("counties", [{"code": c.code, "name": c.name, "parent_code": c.city_code}
                                       for c in roster.counties.values()]),
        "cities": table("cities", [{"code": c.code, "name": c.name} for c in roster.cities.values()]),
    }


def inputs_for_month(rules: RuleSet, roster: Roster, counts: MonthCounts, month: Month) -> ScoringInputs:
    """The inputs from what ``settle_month`` reads: the month-end roster and the month's counts.

    Counts of fixed and streak indicators are left out of ``counts`` (their figure is the fixed count);
    fixed scores are computed for every subject with events, the others score 0 by construction.
    """
    subject_of = {ind.code: ind.subject for ind in rules.indicators}
    fixed_codes = {ind.code for ind in rules.indicators if ind.scoring in FIXED}
    count_rows = [
        {"subject": subject, "code": code, "indicator": indicator, "count": count}
        for subject, source in (("teacher", counts.teachers), ("school", counts.schools))
        for (code, indicator), count in source.items()
        if subject_of.get(indicator) == subject and indicator not in fixed_codes
    ]
    return ScoringInputs(
        indicators=table("indicators", indicator_rows(rules)),
        **roster_tables(roster),
        counts=table("counts", count_rows),
        assessments=table("assessments", [
            {"subject": "teacher", "code": code, "indicator": indicator, "score": float(score)}
            for (code, indicator), score in counts.assessments.items()
        ]),
        fixed=table("fixed", _fixed_rows(rules, counts, month)),
        adjustments=table("adjustments", [
            {"subject": level, "code": code, "indicator": indicator, "amount": float(amount)}
            for (level, code, indicator), amount in counts.adjustments.items()
            if level in {"teacher", "school"} and amount
        ]),
    )


def _fixed_rows(rules: RuleSet, counts: MonthCounts, month: Month) -> list[dict[str, object]]:
    """Caps and streaks, scored by :func:`jifen.settle.fixed.score` from each subject's event times."""
    fixed_indicators = {ind.code: ind for ind in rules.indicators if ind.scoring in FIXED}
    rows: list[dict[str, object]] = []
    for (code, indicator), events in counts.events.items():
        ind = fixed_indicators.get(indicator)
        if ind is None:
            continue
        scored = fixed.score(ind, events, month)
        rows.append({"subject": ind.subject, "code": code, "indicator": ind.code, "count": scored.count,
                     "points": float(scored.points)})
    return rows
