"""Qualification: one report against the rule set. Pure; what came before is asked of a History."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.domain.operations import FieldProblem, Outcome, Report, Status
from jifen.rules.conditions import Context, History
from jifen.rules.schema import ActionRule, Indicator, RuleSet


class NeverSeen:
    """A history with nothing in it: used to check a report's fields before its subject is known."""

    def content_seen(self, sha256: str) -> bool:
        return False

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool:
        return False


def resolve_action(rules: RuleSet, app_code: str, report: Report) -> tuple[ActionRule, Indicator] | Outcome:
    """The catalog entry for the report's action, or the rejection that names what is wrong."""
    app = rules.app(app_code)
    rule = app.action(report.action) if app else None
    if app is None or rule is None:
        return Outcome(Status.REJECTED, None, f"action {report.action!r} is not in the catalog of app {app_code!r}")
    indicator = rules.indicator(rule.indicator)
    field = "teacher_id" if indicator.subject == "teacher" else "school_id"
    if subject_of(report, indicator) is None:
        return Outcome(Status.REJECTED, indicator.code, f"{field} is missing (action {report.action} is scored "
                       f"for the {indicator.subject})")
    return rule, indicator


def subject_of(report: Report, indicator: Indicator) -> str | None:
    return report.teacher_id if indicator.subject == "teacher" else report.school_id


def check_fields(
    report: Report, rule: ActionRule, tz: ZoneInfo, now: datetime, future_tolerance_s: int,
    retention_months: int | None = None,
) -> str | None:
    """The reason a report is rejected, or None when its fields are all there and well formed."""
    if report.occurred_at > now + timedelta(seconds=future_tolerance_s):
        return f"occurred_at is more than {future_tolerance_s // 60} minutes in the future"
    if retention_months is not None:
        reason = outside_retention(report.occurred_at, now, tz, retention_months)
        if reason:
            return reason
    dry = Context(NeverSeen(), tz, rule.indicator)
    try:
        for condition in rule.requires:
            reason = condition.check(report, dry)
            if reason:
                return reason
        if rule.qualifies is not None:
            rule.qualifies.check(report, dry)
    except FieldProblem as problem:
        return problem.reason
    return None


def outside_retention(occurred_at: datetime, now: datetime, tz: ZoneInfo, months: int) -> str | None:
    """Why a report is too old to take, or None. In local time, the current month and the ``months`` months
    before it are inside the window (13: on any day of 2026-11, 2025-10-01 00:00 onwards); earlier is not."""
    local, today = occurred_at.astimezone(tz), now.astimezone(tz)
    if (today.year * 12 + today.month) - (local.year * 12 + local.month) <= months:
        return None
    earliest = (today.year * 12 + today.month - 1) - months
    return (f"occurred_at {local.date().isoformat()} is older than the retention window of {months} months "
            f"(the earliest month accepted is {earliest // 12:04d}-{earliest % 12 + 1:02d})")


def qualify(report: Report, rule: ActionRule, history: History, tz: ZoneInfo) -> Outcome:
    """Qualified or not, once the report's fields are known to be good and its subject is on the roster."""
    if rule.qualifies is None:
        return Outcome(Status.QUALIFIED, rule.indicator)
    try:
        reason = rule.qualifies.check(report, Context(history, tz, rule.indicator))
    except FieldProblem as problem:
        return Outcome(Status.REJECTED, rule.indicator, problem.reason)
    if reason:
        return Outcome(Status.NOT_QUALIFIED, rule.indicator, reason)
    return Outcome(Status.QUALIFIED, rule.indicator)
