"""The review list (待核查): counts a bureau should look at before publishing a month.

Pure. For each indicator, a unit of its scored population (teachers for teacher indicators, schools for
school indicators) is flagged when its count is above ``ratio`` times the region average *and* it is among
the top ``top_share`` of that population by count: the top ``max(1, ceil(top_share * population))`` units,
with every unit tied at the boundary included. An average of 0 flags no one.

Indicators scored by assessment are left out: their count only says whether the yearly test was taken.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jifen.domain.organisations import Roster
from jifen.domain.scores import AVERAGE_PLACES, round_half_up
from jifen.rules.schema import Review, RuleSet
from jifen.settle.compute import Figures, Settlement


@dataclass(frozen=True)
class Flag:
    level: str  # teacher or school
    code: str
    indicator: str
    parent_code: str | None  # the teacher's school, the school's county
    count: Fraction
    average: Fraction


def flagged(review: Review, counts: Mapping[str, Fraction], average: Fraction) -> list[str]:
    """The codes flagged in one indicator's population (code -> count), highest count first, then by code."""
    if average <= 0 or not counts:
        return []
    top = max(1, math.ceil(Fraction(review.top_share) * len(counts)))
    boundary = sorted(counts.values(), reverse=True)[top - 1]
    threshold = Fraction(review.ratio) * average
    return sorted((code for code, count in counts.items() if count > threshold and count >= boundary),
                  key=lambda code: (-counts[code], code))


def review_of_figures(rules: RuleSet, roster: Roster, figured: Figures) -> list[Flag]:
    """The same flags as ``review_list``, from the figures the scoring starts from rather than a settlement
    computed in Python (for settlements computed on an engine)."""
    flags: list[Flag] = []
    parents = {"teacher": {code: t.school_code for code, t in roster.teachers.items()},
               "school": {code: s.county_code for code, s in roster.schools.items()}}
    for level, population in (("teacher", figured.teachers), ("school", figured.schools)):
        for indicator in (i.code for i in rules.indicators_for(level) if i.scoring != "assessment"):
            average = figured.averages.get(indicator, Fraction(0))
            counts = population[indicator]
            flags.extend(Flag(level, code, indicator, parents[level].get(code), counts[code], average)
                         for code in flagged(rules.review, counts, average))
    return flags


def review_list(rules: RuleSet, settlement: Settlement) -> list[Flag]:
    """Every flag of a settled month: teachers first, then schools; indicators in rule order."""
    flags: list[Flag] = []
    for level in ("teacher", "school"):
        indicators = [i.code for i in rules.indicators_for(level) if i.scoring != "assessment"]
        counts: dict[str, dict[str, Fraction]] = {code: {} for code in indicators}
        parents: dict[str, str | None] = {}
        for unit in settlement.units.get(level, []):
            parents[unit.code] = unit.parent_code
            for score in unit.indicators:
                if score.code in counts:
                    counts[score.code][unit.code] = score.count
        for indicator in indicators:
            average = settlement.averages.get(indicator, Fraction(0))
            flags.extend(Flag(level, code, indicator, parents[code], counts[indicator][code], average)
                         for code in flagged(rules.review, counts[indicator], average))
    return flags


def rows(settlement_id: int, flags: list[Flag]) -> list[dict[str, Any]]:
    """``settlement_reviews`` rows; counts and averages rounded half up to 4 places, like the indicators'."""
    return [
        {"settlement_id": settlement_id, "level": f.level, "code": f.code, "indicator": f.indicator,
         "parent_code": f.parent_code, "count": round_half_up(f.count, AVERAGE_PLACES),
         "average": round_half_up(f.average, AVERAGE_PLACES)}
        for f in flags
    ]
