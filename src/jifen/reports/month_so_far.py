"""A teacher's month before it is settled: this month, still running, or last month awaiting its first settlement.

Its reports are known, with the reason each did or did not qualify, and so is each indicator's qualifying count so
far; its points are not, until the month is settled. The same shape as a settled month's explanation
(jifen.reports.explain), with ``settled`` false and no figure of the scoring (``version``, ``total``, ``points``,
an indicator's ``average`` and ``points`` ... are null).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.errors import NotFound, NotSettled
from jifen.reports.cap_periods import active_days, cap_details, counted_by
from jifen.reports.explain import explanation, fixed_extras, methods, operation_json
from jifen.reports.numbers import number
from jifen.rules.schema import RuleSet
from jifen.settle.adjustments import as_json
from jifen.store import adjustments as adjustments_repo
from jifen.store import teacher_operations, units


def awaiting(month: Month, now: datetime, tz: ZoneInfo) -> bool:
    """Whether a month without a settlement is one whose points are still to come: this month, or the last."""
    local = now.astimezone(tz)
    current = Month(local.year, local.month)
    return month in (current, current.previous())


def month_explanation(connection: Connection, teacher_id: str, month: str, version: int | None, *,
                      rules_for: Callable[[Month], RuleSet], now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The settled explanation of the month; for a month awaiting its settlement (no version asked), its reports
    so far. Another month not settled is NotSettled."""
    try:
        return explanation(connection, teacher_id, month, version, tz=tz)
    except NotSettled:
        parsed = Month.parse(month)
        if version is not None or not awaiting(parsed, now, tz):
            raise
        return so_far(connection, teacher_id, parsed, rules_for(parsed), now, tz)


def so_far(connection: Connection, teacher_id: str, month: Month, rules: RuleSet, now: datetime,
           tz: ZoneInfo) -> dict[str, Any]:
    """The month's reports as they stand at ``now`` and the qualifying count per teacher indicator; ``rules``: the
    rule set in force for the month."""
    teacher = units.teacher(connection, teacher_id)
    if teacher is None:
        raise NotFound(f"教师 {teacher_id!r} is not on the roster")
    local = now.astimezone(tz)
    own = rules.indicators_for("teacher")
    reports = teacher_operations.of_month(connection, teacher_id, str(month))
    caps = cap_details(connection, teacher_id, month, rules, {ind.code for ind in own}, now, tz)
    counts = Counter(op.indicator for op in reports if counted_by(op, now))
    for ind in own:  # a streak counts days, not reports (a second login of a day earns nothing)
        if ind.scoring == "streak":
            counts[ind.code] = active_days([op for op in reports if op.indicator == ind.code and counted_by(op, now)],
                                           tz)
    return {
        "month": str(month), "version": None, "state": "not_settled", "settled_at": None,
        "ruleset": {"name": rules.name, "version": rules.version, "title": rules.title,
                    "full_at": number(rules.scoring.full_at)},
        "teacher_id": teacher_id, "teacher_name": teacher.name, "school_code": teacher.school_code,
        "total": None, "points": None, "adjustment": None, "rank_in_school": None,
        "indicators": [
            {"code": ind.code, "name": ind.name, "category": ind.category, "scoring": ind.scoring,
             "count": counts.get(ind.code, 0), "average": None, "ratio": None, "full_at_count": None,
             "points": None, "max": number(ind.monthly_max), "capped": None, "adjustment": None, "total": None,
             "per_action": number(ind.points), "caps": [{"period": c.period, "count": c.count} for c in ind.caps],
             **fixed_extras(ind, caps)}
            for ind in own],
        "methods": methods(rules, own),
        "adjustments": [{**as_json(entry), "in_settlement": False}
                        for entry in adjustments_repo.for_unit(connection, str(month), "teacher", teacher_id)],
        "operations": [operation_json(op, now, caps) for op in reports],
        "settled": False,
        "running": (local.year, local.month) == (month.year, month.month),  # else: ended, awaiting its settlement
        "as_of": now.isoformat(),
    }
