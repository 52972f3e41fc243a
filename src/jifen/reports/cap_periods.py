"""What capped a teacher's month under fixed points and streaks, where it reaches into other months: the cap period
that left a report without points (the week of 28 September to 4 October, the year) with the earlier actions that
used it, the periods begun before the month whose earlier actions already used some of a cap, and the runs of days
of a streak with their first day and the days carried in from before the month.

Read from the reports a version counted (received before it, qualified, not withdrawn by then), as the settlement
did (jifen.settle.fixed): caps admit the earliest actions of their period, runs count unbroken days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.domain.operations import Status
from jifen.domain.periods import Month
from jifen.rules.schema import Indicator, RuleSet
from jifen.settle import fixed
from jifen.store import teacher_operations
from jifen.store.teacher_operations import TeacherOperation

LOOK_BACK_MONTHS = 12  # how far back a run of days is followed to find its first day


@dataclass(frozen=True)
class CapDetails:
    over_cap: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (app, id) -> the full period
    carried_in: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # fixed indicator -> periods begun before
    streaks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # streak indicator -> runs of the month


def counted_by(op: TeacherOperation, settled_at: datetime) -> bool:
    """Whether a version settled at ``settled_at`` counted the report: qualified, received before, not withdrawn."""
    return (op.status == Status.QUALIFIED and op.received_at <= settled_at
            and (op.withdrawn_at is None or op.withdrawn_at > settled_at))


def cap_details(connection: Connection, teacher_id: str, month: Month, rules: RuleSet, shown: set[str],
                settled_at: datetime, tz: ZoneInfo) -> CapDetails:
    """For the indicators ``shown`` of the month: see the module. ``tz``: the region's, in which periods count."""
    capped = [ind for ind in rules.indicators if ind.scoring == "fixed" and ind.caps and ind.code in shown]
    streaks = [ind for ind in rules.indicators if ind.scoring == "streak" and ind.streak and ind.code in shown]
    details = CapDetails()
    if not capped and not streaks:
        return details
    start = fixed.window_start(month, capped + streaks)  # as far back as the caps and runs of any of them reach
    months = Month(start.year, start.month).through(month)
    counted = [op for op in teacher_operations.of_months(connection, teacher_id, [str(m) for m in months])
               if counted_by(op, settled_at)]
    first_day = date(month.year, month.month, 1)
    for ind in capped:  # the actions of a period before an indicator's own window fill none of its caps
        _capped(ind, [op for op in counted if op.indicator == ind.code], month, first_day, tz, details)
    for ind in streaks:
        _same_day(ind, [op for op in counted if op.indicator == ind.code], month, tz, details)
        days = {op.occurred_at.astimezone(tz).date() for op in counted if op.indicator == ind.code}
        days |= _earlier_days(connection, teacher_id, ind, months[0], days, settled_at, tz)
        details.streaks[ind.code] = _runs(ind, days, month, first_day)
    return details


def _capped(ind: Indicator, actions: list[TeacherOperation], month: Month, first_day: date, tz: ZoneInfo,
            details: CapDetails) -> None:
    local = [op.occurred_at.astimezone(tz) for op in actions]
    refused = fixed.refusals(ind, local)
    admitted = [when.date() for when, cap in zip(local, refused, strict=True) if cap is None]
    for op, when, cap_index in zip(actions, local, refused, strict=True):
        if cap_index is None or (when.year, when.month) != (month.year, month.month):
            continue
        cap = ind.caps[cap_index]
        first, last = fixed.period_days(cap, when.date())
        used = [day for day in admitted if first <= day <= last]
        details.over_cap[(op.app_code, op.external_id)] = {
            "period": cap.period, "from": first.isoformat(), "to": last.isoformat(), "count": cap.count,
            "used_before_month": sum(1 for day in used if day < first_day),
            "used_in_month": sum(1 for day in used if day >= first_day)}
    for cap in ind.caps:
        first, last = fixed.period_days(cap, first_day)
        before = sum(1 for day in admitted if first <= day < first_day)
        if before:
            details.carried_in.setdefault(ind.code, []).append(
                {"period": cap.period, "from": first.isoformat(), "to": last.isoformat(), "count": cap.count,
                 "used_before_month": before})


def _same_day(ind: Indicator, actions: list[TeacherOperation], month: Month, tz: ZoneInfo,
              details: CapDetails) -> None:
    """A streak scores a day once: the month's actions after the first of their local day earn nothing."""
    seen: set[date] = set()
    for op in sorted(actions, key=lambda op: op.occurred_at):
        day = op.occurred_at.astimezone(tz).date()
        if day in seen and (day.year, day.month) == (month.year, month.month):
            details.over_cap[(op.app_code, op.external_id)] = {
                "period": "day", "from": day.isoformat(), "to": day.isoformat(), "count": 1, "used_before_month": 0,
                "used_in_month": 1, "same_day": True}
        seen.add(day)


def active_days(actions: list[TeacherOperation], tz: ZoneInfo) -> int:
    """The local days a streak's actions fall on: what it counts."""
    return len({op.occurred_at.astimezone(tz).date() for op in actions})


def _earlier_days(connection: Connection, teacher_id: str, ind: Indicator, first_month: Month, days: set[date],
                  settled_at: datetime, tz: ZoneInfo) -> set[date]:
    """The active days of the months before ``first_month`` that belong to a run reaching into it: read month by
    month back while the run goes on (at most a year), so that a run's first day is its own."""
    found: set[date] = set()
    earliest = first_month
    for _ in range(LOOK_BACK_MONTHS):
        if date(earliest.year, earliest.month, 1) not in days | found:
            break
        earliest = earliest.previous()
        found |= {op.occurred_at.astimezone(tz).date()
                  for op in teacher_operations.of_month(connection, teacher_id, str(earliest))
                  if op.indicator == ind.code and counted_by(op, settled_at)}
    return found


def _runs(ind: Indicator, days: set[date], month: Month, first_day: date) -> list[dict[str, Any]]:
    """The runs of days that hold days of the month: first and last day, days before the month and in it, and
    the day the raised points begin (None when the run is too short)."""
    assert ind.streak is not None
    following = month.next()
    end = date(following.year, following.month, 1)
    found = []
    for first, last in fixed.runs(sorted(days)):
        if last < first_day or first >= end:
            continue
        raised = first + timedelta(days=ind.streak.raise_from - 1)
        found.append({"from": first.isoformat(), "to": last.isoformat(), "days": (last - first).days + 1,
                      "days_before_month": max(0, (first_day - first).days),
                      "days_in_month": (min(last, end - timedelta(days=1)) - max(first, first_day)).days + 1,
                      "raised_from": raised.isoformat() if raised <= last else None})
    return found
