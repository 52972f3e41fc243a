"""Score arithmetic: exact fractions inside, rounded half up (四舍五入) only where figures are published."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

POINTS_PLACES = 2
AVERAGE_PLACES = 4


def relative_points(maximum: Fraction, count: Fraction, average: Fraction, full_at: Fraction) -> Fraction:
    """``max * min(1, count / (average * full_at))``; an average of 0 gives 0 points."""
    if average <= 0 or count <= 0:
        return Fraction(0)
    return maximum * min(Fraction(1), count / (average * full_at))


def mean(values: Iterable[Fraction]) -> Fraction:
    items = list(values)
    return sum(items, Fraction(0)) / len(items) if items else Fraction(0)


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Exact 四舍五入 of a fraction: 0.125 -> 0.13, -0.125 -> -0.13."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = math.floor(scaled + Fraction(1, 2))
    sign = -1 if value < 0 else 1
    return (Decimal(sign * whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def exact(value: float | int | Decimal | Fraction) -> Fraction:
    """A figure as the decimal it prints as (a float 0.1 is 1/10, not the binary fraction nearest it)."""
    return value if isinstance(value, Fraction) else Fraction(Decimal(str(value)))


def figure_half_up(value: float | int | Decimal | Fraction, places: int = POINTS_PLACES) -> float:
    """A figure for a report, 四舍五入 as the settlement rounds (Python's round() of a float does not: 2.215 is
    2.21 to it). A float is taken as the decimal it prints as."""
    return float(round_half_up(exact(value), places))


def competition_ranks(totals: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal, int]]:
    """Order by total (highest first) then code; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(totals, key=lambda item: (-item[1], item[0]))
    ranked: list[tuple[str, Decimal, int]] = []
    for position, (code, total) in enumerate(ordered, start=1):
        rank = ranked[-1][2] if ranked and ranked[-1][1] == total else position
        ranked.append((code, total, rank))
    return ranked
