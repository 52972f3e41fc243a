"""Fixed points per qualifying action with caps per period, and daily streaks. Pure.

A cap admits the earliest qualifying actions of its period (day, week Monday-Sunday, month, year, all in
local time); an action beyond any of its caps scores nothing and uses up no cap. Streak scoring gives
``points`` for each day with activity, and ``raised`` from day ``raise_from`` of an unbroken run of days.
Actions before the month only fill caps and runs: the month's points come from the month's actions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from jifen.domain.periods import Month
from jifen.rules.schema import Cap, Indicator


@dataclass(frozen=True)
class FixedScore:
    count: int  # qualifying actions (streak: active days) in the month
    admitted: int  # of those, how many scored
    points: Fraction


def window_start(month: Month, indicators: list[Indicator]) -> date:
    """The first local day whose actions can matter for the month: caps and runs reach back this far."""
    first = date(month.year, month.month, 1)
    start = min(date(month.year, 1, 1), first - timedelta(days=first.weekday()))
    for indicator in indicators:
        if indicator.streak is not None:
            start = min(start, first - timedelta(days=indicator.streak.raise_from - 1))
    return start


def _period(cap: Cap, day: date) -> tuple[int, ...]:
    if cap.period == "day":
        return (day.toordinal(),)
    if cap.period == "week":
        return ((day - timedelta(days=day.weekday())).toordinal(),)
    if cap.period == "month":
        return (day.year, day.month)
    return (day.year,)


def period_days(cap: Cap, day: date) -> tuple[date, date]:
    """The first and last local day of the cap's period that holds ``day``."""
    if cap.period == "day":
        return day, day
    if cap.period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if cap.period == "month":
        following = Month(day.year, day.month).next()
        return date(day.year, day.month, 1), date(following.year, following.month, 1) - timedelta(days=1)
    return date(day.year, 1, 1), date(day.year, 12, 31)


def admissions(indicator: Indicator, actions: list[datetime]) -> list[bool]:
    """Whether each action (a local time, any order) fits the indicator's caps, in the order given: the earliest
    actions of each period are admitted; ties keep the order given."""
    return [refused is None for refused in refusals(indicator, actions)]


def refusals(indicator: Indicator, actions: list[datetime]) -> list[int | None]:
    """For each action (a local time, any order), the index of the first of the indicator's caps whose period was
    full when it came, or None when the caps admitted it: the earliest actions of each period are admitted; ties
    keep the order given."""
    used: Counter[tuple[int, tuple[int, ...]]] = Counter()
    refused: list[int | None] = [None] * len(actions)
    for index in sorted(range(len(actions)), key=actions.__getitem__):
        day = actions[index].date()
        keys = [(i, _period(cap, day)) for i, cap in enumerate(indicator.caps)]
        full = next((i for i, key in enumerate(keys) if used[key] >= indicator.caps[i].count), None)
        if full is None:
            used.update(keys)
        refused[index] = full
    return refused


def runs(days: list[date]) -> list[tuple[date, date]]:
    """The unbroken runs of days (first, last) among these days, in order."""
    found: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if found and day - found[-1][1] == timedelta(days=1):
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def fixed_score(indicator: Indicator, actions: list[datetime], month: Month) -> FixedScore:
    """Points of a fixed indicator; ``actions`` are local times of qualifying actions, any order."""
    assert indicator.points is not None
    count = admitted = 0
    for moment, fits in zip(actions, admissions(indicator, actions), strict=True):
        if (moment.year, moment.month) == (month.year, month.month):
            count += 1
            admitted += fits
    return FixedScore(count, admitted, Fraction(indicator.points) * admitted)


def streak_score(indicator: Indicator, actions: list[datetime], month: Month) -> FixedScore:
    """Points of a streak indicator: one scoring per active day, raised within long runs."""
    assert indicator.points is not None and indicator.streak is not None
    points = Fraction(0)
    count = 0
    for first, last in runs([moment.date() for moment in actions]):
        for n in range((last - first).days + 1):  # the run's day n + 1
            day = first + timedelta(days=n)
            if (day.year, day.month) == (month.year, month.month):
                count += 1
                raised = n + 1 >= indicator.streak.raise_from
                points += Fraction(indicator.streak.raised if raised else indicator.points)
    return FixedScore(count, count, points)


# the most periods of a kind that share days with one month (31 days touch at most 6 weeks)
_PERIODS_IN_A_MONTH = {"day": 31, "week": 6, "month": 1, "year": 1}


def month_reach(indicator: Indicator) -> Fraction | None:
    """The most a fixed or streak indicator can score in a month, as its caps allow (a streak: every day raised);
    None for one without caps, which can score without end."""
    if indicator.points is None:
        return None
    if indicator.scoring == "streak" and indicator.streak is not None:
        return Fraction(max(indicator.points, indicator.streak.raised)) * _PERIODS_IN_A_MONTH["day"]
    if not indicator.caps:
        return None
    actions = min(cap.count * _PERIODS_IN_A_MONTH[cap.period] for cap in indicator.caps)
    return Fraction(indicator.points) * actions


def score(indicator: Indicator, actions: list[datetime], month: Month) -> FixedScore:
    if indicator.scoring == "streak":
        return streak_score(indicator, actions, month)
    return fixed_score(indicator, actions, month)
