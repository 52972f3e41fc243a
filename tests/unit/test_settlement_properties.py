"""Properties of the settlement that hold for any region and any month of reports."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.domain.periods import Month
from jifen.rules.loader import load_shipped
from jifen.settle.compute import settle
from strategies import month_counts, rosters

RULES = load_shipped("ningxia-2022").rules
MONTH = Month(2026, 9)
REGION = ("640000", "宁夏回族自治区")
MAXIMA = {i.code: Fraction(i.monthly_max) for i in RULES.indicators}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def months(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    roster = draw(rosters())
    return roster, draw(month_counts(RULES, roster))


@SETTINGS
@given(months())
def test_points_never_exceed_a_maximum(month) -> None:  # type: ignore[no-untyped-def]
    roster, counts = month
    result = settle(RULES, roster, counts, REGION, MONTH)
    for level in ("teacher", "school"):
        for unit in result.units[level]:
            for score in unit.indicators:
                assert 0 <= score.points <= MAXIMA[score.code]
    teacher_max = sum((m for c, m in MAXIMA.items() if RULES.indicator(c).subject == "teacher"), Fraction(0))
    school_max = sum((m for c, m in MAXIMA.items() if RULES.indicator(c).subject == "school"), Fraction(0))
    assert all(u.total <= teacher_max for u in result.units["teacher"])
    assert all(u.total <= teacher_max + school_max for u in result.units["school"])
    for level in ("county", "city", "region"):
        assert all(0 <= u.total <= teacher_max + school_max for u in result.units[level])


@SETTINGS
@given(months(), st.data())
def test_more_qualifying_operations_never_lower_a_teachers_points(month, data) -> None:  # type: ignore[no-untyped-def]
    roster, counts = month
    if not roster.teachers:
        return
    teacher = data.draw(st.sampled_from(sorted(roster.teachers)))
    indicator = data.draw(st.sampled_from([i.code for i in RULES.indicators_for("teacher") if i.scoring == "relative"]))
    extra = data.draw(st.integers(1, 10))
    more = dict(counts.teachers)
    more[(teacher, indicator)] = more.get((teacher, indicator), 0) + extra
    before = {u.code: u for u in settle(RULES, roster, counts, REGION, MONTH).units["teacher"]}
    after = {u.code: u for u in settle(RULES, roster, replace(counts, teachers=more), REGION, MONTH).units["teacher"]}
    assert after[teacher].total >= before[teacher].total
    changed = next(s for s in after[teacher].indicators if s.code == indicator)
    unchanged = next(s for s in before[teacher].indicators if s.code == indicator)
    assert changed.points >= unchanged.points


@SETTINGS
@given(months())
def test_school_score_is_teacher_average_plus_school_points(month) -> None:  # type: ignore[no-untyped-def]
    roster, counts = month
    result = settle(RULES, roster, counts, REGION, MONTH)
    teachers = result.units["teacher"]
    for school in result.units["school"]:
        staff = [t.total for t in teachers if t.parent_code == school.code]
        average = sum(staff, Fraction(0)) / len(staff) if staff else Fraction(0)
        own = sum((s.points for s in school.indicators if RULES.indicator(s.code).subject == "school"), Fraction(0))
        assert school.teacher_average == average
        assert school.school_points == own
        assert school.total == average + own


@SETTINGS
@given(months())
def test_settling_the_same_input_twice_gives_identical_results(month) -> None:  # type: ignore[no-untyped-def]
    roster, counts = month
    assert settle(RULES, roster, counts, REGION, MONTH) == settle(RULES, roster, counts, REGION, MONTH)


@SETTINGS
@given(months(), st.sampled_from(["ningxia-2022", "shihe-2022"]), st.integers(1, 5), st.sampled_from(["0.1", "1"]))
def test_the_review_list_from_figures_equals_the_one_from_a_settlement(month, name, ratio, share) -> None:  # type: ignore[no-untyped-def]
    """An engine's settlement has no Python Settlement to flag from: flags from the figures must be the same."""
    from jifen.rules.schema import Review
    from jifen.settle.compute import figures
    from jifen.settle.review import review_list, review_of_figures

    roster, counts = month
    rules = load_shipped(name).rules.model_copy(update={"review": Review(ratio=ratio, top_share=share)})
    settled = settle(rules, roster, counts, REGION, MONTH)
    assert review_of_figures(rules, roster, figures(rules, roster, counts, MONTH)) == review_list(rules, settled)
