"""Appeals (申诉): a teacher asks that a report which did not count be credited. Pure: states, who moves an
appeal from one state to the next, and what one more qualifying operation is worth.

    submitted 待学校审核 --school approves--> school_approved 待区县审核 --county approves--> approved 已通过
        |  \\--school rejects--> rejected 未通过              \\--county rejects--> rejected 未通过
        \\--teacher withdraws--> withdrawn 已撤回  <--teacher withdraws-- school_approved

Approved, rejected and withdrawn are final. A step that the current state does not allow raises
:class:`AppealStateError`, naming the state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from jifen.domain.scores import POINTS_PLACES, relative_points, round_half_up
from jifen.errors import Conflict

REASON_MIN = 5
REASON_MAX = 500
NOTE_MAX = 500


class State(StrEnum):
    SUBMITTED = "submitted"
    SCHOOL_APPROVED = "school_approved"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    """What happened to an appeal; every step is kept with who took it and when."""

    SUBMIT = "submit"
    SCHOOL_APPROVE = "school_approve"
    SCHOOL_REJECT = "school_reject"
    COUNTY_APPROVE = "county_approve"
    COUNTY_REJECT = "county_reject"
    WITHDRAW = "withdraw"


STATE_NAMES = {State.SUBMITTED: "待学校审核", State.SCHOOL_APPROVED: "待区县审核", State.APPROVED: "已通过",
               State.REJECTED: "未通过", State.WITHDRAWN: "已撤回"}
STEP_NAMES = {Step.SUBMIT: "提交申诉", Step.SCHOOL_APPROVE: "学校审核通过，转区县", Step.SCHOOL_REJECT: "学校驳回",
              Step.COUNTY_APPROVE: "区县审核通过", Step.COUNTY_REJECT: "区县驳回", Step.WITHDRAW: "教师撤回"}
OPEN = frozenset({State.SUBMITTED, State.SCHOOL_APPROVED})
FINAL = frozenset({State.APPROVED, State.REJECTED, State.WITHDRAWN})
# Who reviews an appeal in each open state: its school's admin first, then its county's.
REVIEWER = {State.SUBMITTED: "school_admin", State.SCHOOL_APPROVED: "county_admin"}

_MOVES: dict[tuple[State, Step], State] = {
    (State.SUBMITTED, Step.SCHOOL_APPROVE): State.SCHOOL_APPROVED,
    (State.SUBMITTED, Step.SCHOOL_REJECT): State.REJECTED,
    (State.SCHOOL_APPROVED, Step.COUNTY_APPROVE): State.APPROVED,
    (State.SCHOOL_APPROVED, Step.COUNTY_REJECT): State.REJECTED,
    (State.SUBMITTED, Step.WITHDRAW): State.WITHDRAWN,
    (State.SCHOOL_APPROVED, Step.WITHDRAW): State.WITHDRAWN,
}


class AppealStateError(Conflict):
    """A step the appeal's current state does not allow."""

    code = "appeal_state"

    def __init__(self, appeal_id: int, state: State, step: Step) -> None:
        allowed = ", ".join(s.value for (st, s) in _MOVES if st == state) or "none: the appeal is decided"
        super().__init__(f"appeal {appeal_id} is {state.value} ({STATE_NAMES[state]}); {step.value} is not allowed "
                         f"in that state (allowed: {allowed})",
                         details=[{"path": "state", "message": f"{state.value}: {step.value} not allowed"}])
        self.state = state
        self.step = step


def next_state(appeal_id: int, state: State | str, step: Step) -> State:
    """The state after ``step``; AppealStateError when the current state does not allow it."""
    current = State(state)
    moved = _MOVES.get((current, step))
    if moved is None:
        raise AppealStateError(appeal_id, current, step)
    return moved


def review_step(state: State | str, approve: bool, role: str | None = None) -> Step:
    """The review step of a reviewer's ``role`` (school_admin or county_admin); without one, the step open to the
    reviewer of ``state``: the school's in submitted, the county's after. A role's step the state does not allow
    (the school's once the school has approved) is for next_state to refuse, naming the state."""
    county = role == "county_admin" if role in ("school_admin", "county_admin") else (
        State(state) == State.SCHOOL_APPROVED)
    if county:
        return Step.COUNTY_APPROVE if approve else Step.COUNTY_REJECT
    return Step.SCHOOL_APPROVE if approve else Step.SCHOOL_REJECT


@dataclass(frozen=True)
class Standing:
    """An indicator's figures for one teacher in the month's latest settlement, as stored."""

    scoring: str  # relative, fixed, streak or assessment
    count: Fraction
    average: Fraction
    points: Fraction  # the indicator's points, before adjustments
    maximum: Fraction | None  # monthly maximum, if any
    per_action: Fraction | None  # fixed and streak: points per qualifying action
    full_at: Fraction  # relative: full marks at this many times the average
    assessment_full: Fraction = Fraction(100)
    year_elsewhere: Fraction = Fraction(0)  # assessment: its points (adjustments included) in the year's other months
    # fixed and streak: the points the appealed action adds with the caps and runs replayed (the month's qualifying
    # actions and those of appeals approved before, with and without it); None: one action's points
    action_gain: Fraction | None = None


def credit(standing: Standing, earlier: Sequence[Decimal] = (), assessment_score: Fraction | None = None) -> Decimal:
    """The points that one more qualifying operation adds, given the credits of the appeals approved before on the
    same teacher, month and indicator (``earlier``: each counted as one operation more, ``k`` of them). Rounded
    to the cent, never negative; 0 when the indicator is at its maximum or the region average is 0 (relative).

    - relative: ``p(count + k + 1) - p(count + k)`` with ``p`` the scoring rule at the settlement's average;
    - fixed and streak: what the action adds with its caps and runs replayed (``action_gain``: nothing in a week
      or year whose cap is full, a day's login once), up to what is left under the monthly maximum;
    - assessment: the appealed assessment scored (``max * score / full score``) less the points already had that
      year, in this month and the others (one assessment a year counts: the better one, never two).
    """
    k = Fraction(len(earlier))
    if standing.scoring == "relative":
        maximum = standing.maximum or Fraction(0)
        before = relative_points(maximum, standing.count + k, standing.average, standing.full_at)
        after = relative_points(maximum, standing.count + k + 1, standing.average, standing.full_at)
        value = after - before
    elif standing.scoring == "assessment":
        if assessment_score is None or standing.maximum is None or earlier:
            value = Fraction(0)  # once a year: one assessment counts
        else:
            score = min(max(assessment_score, Fraction(0)), standing.assessment_full)
            value = standing.maximum * score / standing.assessment_full - standing.points - standing.year_elsewhere
    else:
        value = standing.action_gain if standing.action_gain is not None else standing.per_action or Fraction(0)
        if standing.maximum is not None:
            value = min(value, standing.maximum - standing.points - sum((Fraction(e) for e in earlier), Fraction(0)))
    return round_half_up(max(value, Fraction(0)), POINTS_PLACES)
