from decimal import Decimal
from fractions import Fraction

import pytest

from jifen.domain.scores import competition_ranks, mean, relative_points, round_half_up


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(1, 8), 2, "0.13"),  # 0.125: half goes up (四舍五入), not to even
        (Fraction(5, 8), 2, "0.63"),  # 0.625
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(1, 3), 4, "0.3333"),
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(12345, 1000), 2, "12.35"),
        (Fraction(20), 2, "20.00"),
        (Fraction(0), 4, "0.0000"),
    ],
)
def test_round_half_up(value: Fraction, places: int, expected: str) -> None:
    assert round_half_up(value, places) == Decimal(expected)
    assert str(round_half_up(value, places)) == expected


def test_relative_points_half_at_the_average_full_at_twice() -> None:
    full_at = Fraction(2)
    assert relative_points(Fraction(20), Fraction(3), Fraction(3), full_at) == 10
    assert relative_points(Fraction(20), Fraction(6), Fraction(3), full_at) == 20
    assert relative_points(Fraction(20), Fraction(60), Fraction(3), full_at) == 20  # capped at the maximum
    assert relative_points(Fraction(20), Fraction(1), Fraction(3), full_at) == Fraction(20, 6)
    assert relative_points(Fraction(20), Fraction(0), Fraction(3), full_at) == 0
    assert relative_points(Fraction(20), Fraction(5), Fraction(0), full_at) == 0  # nobody did it: 0, not a crash


def test_mean_of_nothing_is_zero() -> None:
    assert mean([]) == 0
    assert mean([Fraction(1), Fraction(2)]) == Fraction(3, 2)


def test_competition_ranks_share_ties_and_list_by_code() -> None:
    ranked = competition_ranks([("B", Decimal("50")), ("A", Decimal("50")), ("C", Decimal("70")),
                                ("D", Decimal("10"))])
    assert ranked == [("C", Decimal("70"), 1), ("A", Decimal("50"), 2), ("B", Decimal("50"), 2),
                      ("D", Decimal("10"), 4)]
