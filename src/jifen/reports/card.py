"""A teacher's points card on a day: 年度积分 (the year's settled months), 上月增加 (last month's points),
本月积分操作 (this month's qualifying operations so far) and the year's continuing-education credits.

Each month counts with the version reports show: its latest published one, else its latest draft; ``drafts``
names the months read from a draft. The card of a day covers the settled months of its year that have ended by
the end of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.domain import credits as credit_rules
from jifen.domain.operations import Status
from jifen.domain.periods import Month
from jifen.errors import InvalidInput, NotFound
from jifen.reports import datasets
from jifen.reports.cap_periods import active_days
from jifen.reports.numbers import number
from jifen.rules.schema import RuleSet
from jifen.store import settlements as repo
from jifen.store import desk_queries, teacher_operations, units


@dataclass(frozen=True)
class SettledMonth:
    month: str
    version: int
    points: Decimal
    monthly_max: Decimal
    assessment_max: Decimal
    draft: bool = False


def card(connection: Connection, teacher_id: str, on: date, tz: ZoneInfo, rules: RuleSet) -> dict[str, Any]:
    """``rules``: the rule set in force in the month of ``on``, which names this month's indicators."""
    teacher = units.teacher(connection, teacher_id)
    if teacher is None:
        raise NotFound(f"教师 {teacher_id!r} is not on the roster")
    this_month = Month(on.year, on.month)
    next_day = on + timedelta(days=1)
    # the year's months ended by the end of ``on``: the month of ``on`` is still under way then, whenever it was
    # settled, unless ``on`` is its last day (a past year's card, of 31 December, counts December)
    ended = months_ended(on)
    wanted = [str(Month(on.year, n)) for n in range(1, ended + 1)] + [str(this_month.previous())]
    shown = desk_queries.shown_versions(connection, wanted)  # the year's months in two queries, not two each
    totals = desk_queries.teacher_totals(connection, [r.id for r in shown.values()], teacher_id)
    settled = [m for m in (_settled(connection, shown, totals, str(Month(on.year, n)))
                           for n in range(1, ended + 1)) if m is not None]
    last = _settled(connection, shown, totals, str(this_month.previous()))
    own = {indicator.code for indicator in rules.indicators_for("teacher")}  # not a school's that names the teacher
    end_of_on = datetime(next_day.year, next_day.month, next_day.day, tzinfo=tz)
    counts = {code: n for code, n in teacher_operations.qualified_by_indicator(
        connection, teacher_id, str(this_month), before=end_of_on).items() if code in own}
    streaks = {ind.code for ind in rules.indicators_for("teacher") if ind.scoring == "streak" and ind.code in counts}
    if streaks:  # a streak counts days, not reports (a second login of a day earns nothing)
        reports = [op for op in teacher_operations.of_month(connection, teacher_id, str(this_month))
                   if op.indicator in streaks and op.occurred_at < end_of_on and op.status == Status.QUALIFIED
                   and op.withdrawn_at is None]  # as the counts kept are
        counts.update((code, active_days([op for op in reports if op.indicator == code], tz)) for code in streaks)
    credited, maximum, earned, counted = credit_rules.of_year((m.points, m.monthly_max, m.assessment_max)
                                                              for m in settled)
    annual = sum((m.points for m in settled), Decimal(0))
    # with no month settled yet, credits are 0 of what the rules in force can earn, or none at all when they have
    # no annual maximum to prorate against (fixed points): what the card says once a month is settled
    if not settled:
        earned = Decimal(0) if monthly_teacher_max(rules) + yearly_assessment_max(rules) > 0 else None
    return {
        "teacher_id": teacher.id, "teacher_name": teacher.name, "school_code": teacher.school_code,
        "on": on.isoformat(), "year": on.year,
        "annual_points": number(annual),
        "last_month": {"month": str(this_month.previous()), "settled": last is not None,
                       "version": last.version if last else None, "points": number(last.points) if last else None},
        "this_month": {"month": str(this_month), "qualified_operations": sum(counts.values()),
                       "indicators": _this_month(rules, counts)},
        "months": [{"month": m.month, "version": m.version, "points": number(m.points), "max": number(m.monthly_max)}
                   for m in settled],
        "credits": {"credits": number(earned), "full": number(credit_rules.FULL_CREDITS),
                    "annual_points": number(credited), "annual_max": number(maximum), "months_on_roster": len(settled),
                    "months_counted": counted,
                    "assessment_max": number(max(m.assessment_max for m in settled)) if settled else None},
        "drafts": sorted({m.month for m in settled if m.draft} | ({last.month} if last and last.draft else set())),
    }


def months_ended(on: date) -> int:
    """How many months of the year of ``on`` have ended by the end of that day (its own, on its last day)."""
    return on.month if (on + timedelta(days=1)).month != on.month else on.month - 1


def day_of(year: int | None, on: date | None, today: date, path: str = "on", what: str = "a card") -> date:
    """The day a card (or ``what`` else counts a year's months) is for: ``on`` (not after today); else the last day
    of ``year`` (today in the current year); else today."""
    if on is not None:
        if on > today:
            message = f"{on.isoformat()} is after today, {today.isoformat()}: {what} counts the months ended by its day"
            raise InvalidInput(f"{path}: {message}", details=[{"path": path, "message": message}])
        return on
    if year is None or year == today.year:
        return today
    if not 2000 <= year < today.year:
        message = f"{year} is not a year from 2000 to {today.year}"
        raise InvalidInput(f"year: {message}", details=[{"path": "year", "message": message}])
    return date(year, 12, 31)


def _settled(connection: Connection, shown: dict[str, repo.SettlementRecord],
             totals: dict[int, desk_queries.TeacherTotal], month: str) -> SettledMonth | None:
    record = shown.get(month)
    if record is None:
        return None
    unit = totals.get(record.id)
    if unit is None:
        return None
    rules = datasets.settlement_rules(connection, record)
    return SettledMonth(record.month, record.version, unit.total, monthly_teacher_max(rules),
                        yearly_assessment_max(rules), draft=not record.published)


def monthly_teacher_max(rules: RuleSet) -> Decimal:
    """The most a teacher can earn in a month from relatively scored indicators (the yearly assessment apart)."""
    return sum((Decimal(i.monthly_max) for i in rules.indicators_for("teacher")
                if i.scoring == "relative" and i.monthly_max is not None), Decimal(0))


def yearly_assessment_max(rules: RuleSet) -> Decimal:
    """The yearly assessment's maximum, counted once a year."""
    return sum((Decimal(i.annual_max if i.annual_max is not None else i.monthly_max or 0)
                for i in rules.indicators_for("teacher") if i.scoring == "assessment"), Decimal(0))


def _this_month(rules: RuleSet, counts: dict[str, int]) -> list[dict[str, Any]]:
    order = {ind.code: i for i, ind in enumerate(rules.indicators)}
    names = {ind.code: ind.name for ind in rules.indicators}
    return [{"code": code, "name": names.get(code, code), "count": count}
            for code, count in sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))]
