"""Continuing-education credits from a year's points (DOMAIN.md, "Decisions"). Pure.

credits = 10 * min(1, annual points / annual maximum), the annual maximum prorated by the months the teacher was
on the roster that year: each such month's teacher maximum (100 in Ningxia) plus, once, the yearly assessment's
(教师测评, 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from jifen.domain.scores import POINTS_PLACES, round_half_up

FULL_CREDITS = Decimal(10)


def annual_max(monthly_maxima: Iterable[Decimal], assessment_max: Decimal) -> Decimal:
    """The prorated annual maximum: the months on the roster, plus the yearly assessment once (0 with no month)."""
    months = list(monthly_maxima)
    return sum(months, Decimal(0)) + assessment_max if months else Decimal(0)


def credits(annual_points: Decimal, maximum: Decimal) -> Decimal | None:
    """Credits rounded half up to 2 places, between 0 and 10; None when there is no maximum to prorate against."""
    if maximum <= 0:
        return None
    share = min(Fraction(1), max(Fraction(0), Fraction(annual_points) / Fraction(maximum)))
    return round_half_up(Fraction(FULL_CREDITS) * share, POINTS_PLACES)


def of_year(months: Iterable[tuple[Decimal, Decimal, Decimal]]) -> tuple[Decimal, Decimal, Decimal | None, int]:
    """(annual points, prorated annual maximum, credits, months counted) of a teacher's settled months of a year,
    each given as (its points, its rules' teacher maximum, its rules' yearly assessment maximum). Only the months
    scored under rules with a maximum count, points and maximum alike: a month of fixed points (Shihe) has no
    maximum to prorate, and its points would fill another month's. The assessment counts once, at its largest
    maximum."""
    counted = [m for m in months if m[1] > 0]
    annual = sum((points for points, _, _ in counted), Decimal(0))
    maximum = annual_max((monthly for _, monthly, _ in counted),
                         max((assessment for _, _, assessment in counted), default=Decimal(0)))
    return annual, maximum, credits(annual, maximum), len(counted)
