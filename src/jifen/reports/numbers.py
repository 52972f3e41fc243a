"""Figures as JSON numbers and as Chinese text, the same in every teacher-facing view."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from jifen.domain.scores import round_half_up


def number(value: Decimal | None) -> int | float | None:
    """A JSON number: whole values as integers, others as their decimal value."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def rounded(value: Fraction | Decimal, places: int) -> int | float:
    result = number(round_half_up(Fraction(value), places))
    assert result is not None
    return result


def fixed(value: int | float | None, places: int) -> str:
    """``6`` -> ``6.0000`` (places 4); None -> ``-``."""
    if value is None:
        return "-"
    return f"{round_half_up(Fraction(Decimal(str(value))), places)}"


def plain(value: int | float | None) -> str:
    """``2.0`` -> ``2``, ``1.5`` -> ``1.5``; None -> ``-``."""
    if value is None:
        return "-"
    text = str(Decimal(str(value)))
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(value: int | float, places: int = 2) -> str:
    return ("+" if value >= 0 else "") + fixed(value, places)
