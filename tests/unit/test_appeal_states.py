"""Appeals as a state machine: the allowed steps, errors naming the state, and the credit of one more operation."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from jifen.domain.appeals import (
    FINAL,
    OPEN,
    AppealStateError,
    Standing,
    State,
    Step,
    credit,
    next_state,
    review_step,
)
from jifen.errors import Conflict


@pytest.mark.parametrize(("state", "step", "expected"), [
    (State.SUBMITTED, Step.SCHOOL_APPROVE, State.SCHOOL_APPROVED),
    (State.SUBMITTED, Step.SCHOOL_REJECT, State.REJECTED),
    (State.SUBMITTED, Step.WITHDRAW, State.WITHDRAWN),
    (State.SCHOOL_APPROVED, Step.COUNTY_APPROVE, State.APPROVED),
    (State.SCHOOL_APPROVED, Step.COUNTY_REJECT, State.REJECTED),
    (State.SCHOOL_APPROVED, Step.WITHDRAW, State.WITHDRAWN),
])
def test_the_allowed_steps(state: State, step: Step, expected: State) -> None:
    assert next_state(7, state, step) == expected
    assert next_state(7, state.value, step) == expected, "a stored state reads the same"


ALLOWED = {(State.SUBMITTED, Step.SCHOOL_APPROVE), (State.SUBMITTED, Step.SCHOOL_REJECT),
           (State.SUBMITTED, Step.WITHDRAW), (State.SCHOOL_APPROVED, Step.COUNTY_APPROVE),
           (State.SCHOOL_APPROVED, Step.COUNTY_REJECT), (State.SCHOOL_APPROVED, Step.WITHDRAW)}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("step", [s for s in Step if s != Step.SUBMIT])
def test_every_other_step_is_refused_naming_the_state(state: State, step: Step) -> None:
    if (state, step) in ALLOWED:
        return
    with pytest.raises(AppealStateError) as raised:
        next_state(7, state, step)
    error = raised.value
    assert isinstance(error, Conflict) and error.status == 409 and error.code == "appeal_state"
    assert f"appeal 7 is {state.value}" in error.message and step.value in error.message
    assert (error.state, error.step) == (state, step)


def test_decided_appeals_allow_nothing_and_open_ones_can_be_withdrawn() -> None:
    assert OPEN | FINAL == set(State) and not OPEN & FINAL
    for state in FINAL:
        with pytest.raises(AppealStateError, match="none: the appeal is decided"):
            next_state(1, state, Step.WITHDRAW)
    for state in OPEN:
        assert next_state(1, state, Step.WITHDRAW) == State.WITHDRAWN


def test_the_review_step_follows_the_state() -> None:
    assert review_step(State.SUBMITTED, approve=True) == Step.SCHOOL_APPROVE
    assert review_step(State.SUBMITTED, approve=False) == Step.SCHOOL_REJECT
    assert review_step("school_approved", approve=True) == Step.COUNTY_APPROVE
    assert review_step("school_approved", approve=False) == Step.COUNTY_REJECT


def _relative(count: int, average: str, points: str = "0") -> Standing:
    return Standing(scoring="relative", count=Fraction(count), average=Fraction(average), points=Fraction(points),
                    maximum=Fraction(20), per_action=None, full_at=Fraction(2))


def test_credit_on_a_relative_indicator_is_what_one_more_operation_adds() -> None:
    # average 2, full marks at 4: each operation is worth 20 / 4 = 5 points
    assert credit(_relative(1, "2")) == Decimal("5.00")
    # average 0.75, full at 1.5: count 1 has 40/3, count 2 is capped at 20 -> 20/3
    assert credit(_relative(1, "0.75")) == Decimal("6.67")
    # one appeal approved before counts as one more operation: count 2 is capped already
    assert credit(_relative(1, "0.75"), [Decimal("6.67")]) == Decimal("0.00")
    assert credit(_relative(3, "1.5")) == Decimal("0.00"), "already at the maximum"
    assert credit(_relative(0, "0")) == Decimal("0.00"), "a region average of 0 gives 0 points"
    assert credit(_relative(0, "3")) == Decimal("3.33")


def test_credit_on_a_fixed_indicator_is_one_action_up_to_the_maximum() -> None:
    fixed = Standing(scoring="fixed", count=Fraction(3), average=Fraction(0), points=Fraction(15), maximum=None,
                     per_action=Fraction(5), full_at=Fraction(2))
    assert credit(fixed) == Decimal("5.00")
    capped = Standing(scoring="fixed", count=Fraction(3), average=Fraction(0), points=Fraction(17),
                      maximum=Fraction(20), per_action=Fraction(5), full_at=Fraction(2))
    assert credit(capped) == Decimal("3.00")
    assert credit(capped, [Decimal("3.00")]) == Decimal("0.00")


def test_credit_on_an_assessment_scores_the_appealed_one() -> None:
    assessment = Standing(scoring="assessment", count=Fraction(0), average=Fraction(0), points=Fraction(0),
                          maximum=Fraction(10), per_action=None, full_at=Fraction(2))
    assert credit(assessment, assessment_score=Fraction(85)) == Decimal("8.50")
    assert credit(assessment, assessment_score=None) == Decimal("0.00")
    assert credit(assessment, [Decimal("8.5")], Fraction(90)) == Decimal("0.00"), "one assessment a year"
    earlier_month = replace(assessment, year_elsewhere=Fraction(4))  # scored 40 in an earlier month
    assert credit(earlier_month, assessment_score=Fraction(90)) == Decimal("5.00"), "the better one, not both"
    assert credit(earlier_month, assessment_score=Fraction(30)) == Decimal("0.00")
