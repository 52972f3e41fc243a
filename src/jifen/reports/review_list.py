"""The review list (待核查) in a school's and a county's report: flagged counts to look at before publishing.

``ratio`` is count / region average from the published (4-place) figures, rounded half up to 2 places; None
when the published average rounds to 0.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from jifen.domain.scores import round_half_up
from jifen.rules.schema import RuleSet
from jifen.store import settlements as repo

RATIO_PLACES = 2


def for_school(connection: Connection, rules: RuleSet, settlement_id: int, school_code: str) -> list[dict[str, Any]]:
    """The school's teachers on the review list."""
    return [{"teacher_id": r.code, "teacher_name": r.name, **_figures(rules, r)}
            for r in _ordered(rules, repo.reviews(connection, settlement_id, "teacher", [school_code]))]


def for_county(connection: Connection, rules: RuleSet, settlement_id: int, county_code: str) -> list[dict[str, Any]]:
    """Teachers of the county's schools, then the schools themselves (school indicators)."""
    schools = [u.code for u in repo.children(connection, settlement_id, "school", county_code)]
    teachers = [{"level": "teacher", "teacher_id": r.code, "teacher_name": r.name, "school_code": r.parent_code,
                 **_figures(rules, r)}
                for r in _ordered(rules, repo.reviews(connection, settlement_id, "teacher", schools))]
    own = [{"level": "school", "school_code": r.code, "school_name": r.name, **_figures(rules, r)}
           for r in _ordered(rules, repo.reviews(connection, settlement_id, "school", [county_code]))]
    return teachers + own


def _ordered(rules: RuleSet, rows: list[repo.ReviewRow]) -> list[repo.ReviewRow]:
    order = {ind.code: i for i, ind in enumerate(rules.indicators)}
    return sorted(rows, key=lambda r: (order.get(r.indicator, len(order)), -r.count, r.code))


def _figures(rules: RuleSet, row: repo.ReviewRow) -> dict[str, Any]:
    names = {ind.code: ind.name for ind in rules.indicators}
    ratio = None if row.average == 0 else round_half_up(Fraction(row.count) / Fraction(row.average), RATIO_PLACES)
    return {"indicator": row.indicator, "indicator_name": names.get(row.indicator, row.indicator),
            "count": _number(row.count), "average": _number(row.average), "ratio": _number(ratio)}


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
