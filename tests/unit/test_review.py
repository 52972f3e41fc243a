"""The review list (待核查) as a pure function: above ratio x average AND in the top share of the population."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from jifen.rules.loader import load_shipped
from jifen.rules.schema import Review
from jifen.settle.compute import IndicatorScore, Settlement, Unit
from jifen.settle.review import Flag, flagged, review_list, rows

DEFAULT = Review()  # ratio 5, top share 0.1 %


def _population(n: int, **counts: int) -> dict[str, Fraction]:
    """n units: the named ones with their counts, the rest (u000, u001, ...) with 0."""
    figures = {f"u{i:03d}": Fraction(0) for i in range(n - len(counts))}
    figures.update({code: Fraction(c) for code, c in counts.items()})
    assert len(figures) == n
    return figures


def _mean(figures: dict[str, Fraction]) -> Fraction:
    return sum(figures.values(), Fraction(0)) / len(figures)


def test_the_defaults_are_five_times_and_the_top_tenth_of_a_percent() -> None:
    assert (DEFAULT.ratio, DEFAULT.top_share) == (Decimal(5), Decimal("0.001"))
    rules = load_shipped("ningxia-2022").rules
    assert (rules.review.ratio, rules.review.top_share) == (Decimal(5), Decimal("0.001"))


def test_exactly_ratio_times_the_average_is_not_flagged() -> None:
    at_threshold = _population(10, a=10, b=10)  # average 2, 5 x 2 = 10: a is not above it
    assert _mean(at_threshold) == 2
    assert flagged(DEFAULT, at_threshold, _mean(at_threshold)) == []
    above = _population(10, a=11, b=10)  # average 2.1, threshold 10.5
    assert flagged(DEFAULT, above, _mean(above)) == ["a"]


def test_above_the_ratio_but_outside_the_top_share_is_not_flagged() -> None:
    figures = _population(100, a=30, b=20)  # average 0.5, threshold 2.5: both above; top 1 of 100 is a only
    assert flagged(DEFAULT, figures, _mean(figures)) == ["a"]


def test_ties_at_the_top_share_boundary_are_all_flagged() -> None:
    figures = _population(100, a=30, b=30, c=20)  # top 1 unit, but a and b share the top count
    assert flagged(DEFAULT, figures, _mean(figures)) == ["a", "b"]
    wider = Review(ratio=Decimal(5), top_share=Decimal("0.05"))  # top 5 of 100
    figures = _population(100, a=50, b=40, c=30, d=20, e=10, f=10, g=9)  # average 1.69, threshold 8.45
    assert flagged(wider, figures, _mean(figures)) == ["a", "b", "c", "d", "e", "f"]  # f ties e at the 5th


def test_the_top_is_at_least_one_unit_and_rounds_up() -> None:
    small = _population(3, a=9)  # 0.1 % of 3 rounds up to 1
    assert flagged(Review(ratio=Decimal(2)), small, _mean(small)) == ["a"]
    figures = _population(1001, a=100, b=90, c=80)  # ceil(0.001 * 1001) = 2
    assert flagged(DEFAULT, figures, _mean(figures)) == ["a", "b"]


def test_both_thresholds_are_configurable() -> None:
    figures = _population(10, a=4, b=3, c=2, d=1)  # average 1
    assert flagged(Review(ratio=Decimal("2.5"), top_share=Decimal(1)), figures, _mean(figures)) == ["a", "b"]
    assert flagged(Review(ratio=Decimal("0.5"), top_share=Decimal("0.2")), figures, _mean(figures)) == ["a", "b"]


def test_a_zero_average_flags_no_one() -> None:
    assert flagged(DEFAULT, _population(10), Fraction(0)) == []
    assert flagged(DEFAULT, _population(10, a=3), Fraction(0)) == []  # an average that does not fit: still none
    assert flagged(DEFAULT, {}, Fraction(0)) == []


def _score(code: str, count: int | Fraction, average: Fraction) -> IndicatorScore:
    return IndicatorScore(code, Fraction(count), average, Fraction(0), None)


def test_review_list_reads_teachers_for_teacher_indicators_and_schools_for_school_indicators() -> None:
    rules = load_shipped("ningxia-2022").rules
    teachers = [f"t{i}" for i in range(20)]
    avg_sessions = Fraction(40, 20)  # t0 has 40 sessions, the others none: average 2, threshold 10
    avg_assess = Fraction(1, 20)
    teacher_units = [
        Unit("teacher", tid, f"教师{tid}", "S1" if i < 10 else "S2", Fraction(0), [
            _score("interactive_teaching", 40 if tid == "t0" else 0, avg_sessions),
            _score("literacy_assessment", 1 if tid == "t1" else 0, avg_assess),  # assessment: never reviewed
        ]) for i, tid in enumerate(teachers)
    ]
    avg_classes = Fraction(13, 4)
    school_units = [
        Unit("school", code, f"学校{code}", county, Fraction(0), [
            _score("interactive_teaching", 40 if code == "S1" else 0, avg_sessions),  # teachers' mean: not reviewed
            _score("three_classrooms", classes, avg_classes),
        ]) for code, county, classes in (("S1", "C1", 0), ("S2", "C1", 1), ("S3", "C2", 12), ("S4", "C2", 0))
    ]
    settlement = Settlement(
        averages={"interactive_teaching": avg_sessions, "literacy_assessment": avg_assess,
                  "three_classrooms": avg_classes},
        units={"teacher": teacher_units, "school": school_units, "county": [], "city": [], "region": []},
    )
    review = Review(ratio=Decimal(3), top_share=Decimal("0.1"))  # top 2 of 20 teachers, top 1 of 4 schools
    flags = review_list(rules.model_copy(update={"review": review}), settlement)
    assert flags == [
        Flag("teacher", "t0", "interactive_teaching", "S1", Fraction(40), avg_sessions),
        Flag("school", "S3", "three_classrooms", "C2", Fraction(12), avg_classes),
    ]
    assert rows(7, flags) == [
        {"settlement_id": 7, "level": "teacher", "code": "t0", "indicator": "interactive_teaching",
         "parent_code": "S1", "count": Decimal("40.0000"), "average": Decimal("2.0000")},
        {"settlement_id": 7, "level": "school", "code": "S3", "indicator": "three_classrooms",
         "parent_code": "C2", "count": Decimal("12.0000"), "average": Decimal("3.2500")},
    ]


def test_rows_round_half_up_to_four_places() -> None:
    flag = Flag("school", "S1", "three_classrooms", "C1", Fraction(7, 3), Fraction(1, 16))
    (row,) = rows(1, [flag])
    assert (row["count"], row["average"]) == (Decimal("2.3333"), Decimal("0.0625"))
    assert rows(1, [Flag("teacher", "t", "tutoring", "S", Fraction(1, 3), Fraction(5, 100000))])[0]["average"] == (
        Decimal("0.0001"))
