"""Why a teacher has the points of a month: per indicator the arithmetic of the stored settlement, the manual
adjustments, and the month's reports with the reason each did or did not qualify. A plain dict for the CLI and
the API; ``explain_text`` says it in Chinese.

Figures come from the stored settlement (count and average rounded to 4 places, points to 2), so the ratio and
the full-marks line are worked out from the published figures.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.domain.scores import AVERAGE_PLACES
from jifen.errors import NotFound
from jifen.reports import adjustment_entries, datasets
from jifen.reports.numbers import number, plain, rounded
from jifen.rules.schema import Indicator, RuleSet
from jifen.reports.cap_periods import CapDetails, cap_details, counted_by
from jifen.store import settlements as repo
from jifen.store import teacher_operations
from jifen.store.settlements import IndicatorRow


def explanation(connection: Connection, teacher_id: str, month: str, version: int | None = None,
                tz: ZoneInfo = ZoneInfo("Asia/Shanghai")) -> dict[str, Any]:
    """``tz``: the region's time zone, in which caps count their days, weeks and years."""
    record = datasets.settlement_for(connection, month, version)
    rules = datasets.settlement_rules(connection, record)
    unit = repo.unit(connection, record.id, "teacher", teacher_id)
    if unit is None:
        raise NotFound(f"教师 {teacher_id!r} is not in the settlement of {record.month} (version {record.version})")
    rows = {r.indicator: r for r in repo.indicators(connection, record.id, "teacher", teacher_id)}
    reports = teacher_operations.of_month(connection, teacher_id, record.month)
    counted = [op for op in reports if counted_by(op, record.created_at)]  # what this version counted
    caps = cap_details(connection, teacher_id, Month.parse(record.month), rules, set(rows), record.created_at, tz)
    indicators = [_indicator(ind, rows[ind.code], rules, _score(ind, counted), caps)
                  for ind in rules.indicators if ind.code in rows]
    adjustment = sum((Decimal(str(i["adjustment"])) for i in indicators), Decimal(0))
    # the total is rounded once from unrounded points, so the points are read off it, not summed from
    # the rounded per-indicator figures (which may differ from it by a cent)
    points = unit.total - adjustment
    return {
        "month": record.month, "version": record.version, "state": record.status,
        "settled_at": record.created_at.isoformat(),
        "ruleset": {"name": rules.name, "version": rules.version, "title": rules.title,
                    "full_at": number(rules.scoring.full_at)},
        "teacher_id": teacher_id, "teacher_name": unit.name, "school_code": unit.parent_code,
        "total": number(unit.total), "points": number(points), "adjustment": number(adjustment),
        "rank_in_school": unit.rank,
        "indicators": indicators,
        "methods": methods(rules, [ind for ind in rules.indicators if ind.code in rows]),
        "adjustments": adjustment_entries.entries(connection, record, "teacher", teacher_id),
        # the month's reports as they stand now, each saying whether this version was settled with it, so that a
        # version's explanation reads the same however late it is read
        "operations": [operation_json(op, record.created_at, caps) for op in reports],
        "settled": True,
    }


def operation_json(op: teacher_operations.TeacherOperation, settled_at: datetime, caps: CapDetails
                   ) -> dict[str, Any]:
    """A report with its outcome; ``before_version`` and ``withdrawn_before_version``: whether it was received,
    and withdrawn, by ``settled_at``; ``cap``: the full cap period of a qualified report that earned nothing."""
    return {
        "app": op.app_code, "id": op.external_id, "action": op.action, "occurred_at": op.occurred_at.isoformat(),
        "received_at": op.received_at.isoformat(), "indicator": op.indicator, "status": op.status,
        "reason": op.reason, "withdrawn_at": op.withdrawn_at.isoformat() if op.withdrawn_at else None,
        "before_version": op.received_at <= settled_at,
        "withdrawn_before_version": op.withdrawn_at is not None and op.withdrawn_at <= settled_at,
        **({"over_cap": True, "cap": caps.over_cap[(op.app_code, op.external_id)]}
           if (op.app_code, op.external_id) in caps.over_cap else {})}


def methods(rules: RuleSet, indicators: list[Indicator]) -> list[str]:
    """How the rule set scores these indicators, a sentence for each way it scores one of them (in rule order)."""
    found: list[str] = []
    full_at = plain(rules.scoring.full_at)
    for ind in indicators:
        if ind.scoring == "relative":
            text = (f"按全区平均计分：得分 = 满分 × min(1, 达标次数 ÷ (全区平均 × {full_at}))；达到全区平均得满分的一半，"
                    f"达到平均的{full_at}倍得满分")
        elif ind.scoring == "assessment":
            text = (f"{ind.name}：当年首次测评计分，得分 = 满分 {plain(ind.monthly_max)} × 测评成绩 ÷ "
                    f"{plain(ind.assessment_full_score)}")
        elif ind.scoring == "fixed":
            text = "按次计分：每次达标操作计该指标规定的分值，超出每天、每周或每年次数上限的操作不计分"
        else:
            assert ind.streak is not None  # the schema requires it of streak scoring
            text = (f"{ind.name}：每天达标计 {plain(ind.points)} 分，连续第 {ind.streak.raise_from} 天起每天计 "
                    f"{plain(ind.streak.raised)} 分，中断后重新计数")
        if text not in found:
            found.append(text)
    return found


def _score(ind: Indicator, counted: list[Any]) -> Any:
    """The test score of the assessment an assessment indicator counted this month (None otherwise)."""
    if ind.scoring != "assessment":
        return None
    return next((op.attributes.get(ind.assessment_attribute) for op in counted if op.indicator == ind.code), None)


def fixed_extras(ind: Indicator, caps: CapDetails) -> dict[str, Any]:
    """What reaches in from other months: cap periods begun before the month, whose earlier actions used some of
    the cap; the runs of active days with their first day and the days carried in."""
    if ind.scoring == "fixed":
        return {"carried_in": caps.carried_in.get(ind.code, [])}
    if ind.scoring == "streak":
        return {"streaks": caps.streaks.get(ind.code, [])}
    return {}


def _indicator(ind: Indicator, row: IndicatorRow, rules: RuleSet, score: Any = None,
               caps: CapDetails | None = None) -> dict[str, Any]:
    maximum = None if ind.monthly_max is None else Decimal(ind.monthly_max)
    ratio = full_at_count = None
    capped = "max" if maximum is not None and row.points >= maximum else None
    if ind.scoring == "relative":
        if row.average > 0:
            ratio = rounded(Fraction(row.count) / Fraction(row.average), AVERAGE_PLACES)
        full_at_count = rounded(Fraction(row.average) * Fraction(rules.scoring.full_at), AVERAGE_PLACES)
    elif ind.scoring == "fixed" and ind.points is not None and capped is None:
        if row.points < row.count * ind.points:
            capped = "caps"  # qualifying actions beyond a per-period cap earned nothing
    return {
        "code": ind.code, "name": ind.name, "category": ind.category, "scoring": ind.scoring,
        "count": number(row.count), "average": number(row.average), "ratio": ratio, "full_at_count": full_at_count,
        "points": number(row.points), "max": number(maximum), "capped": capped,
        "adjustment": number(row.adjustment), "total": number(row.points + row.adjustment),
        "per_action": number(ind.points), "caps": [{"period": c.period, "count": c.count} for c in ind.caps],
        **({"score": score, "full_score": number(ind.assessment_full_score)} if ind.scoring == "assessment" else {}),
        **fixed_extras(ind, caps or CapDetails()),
    }
