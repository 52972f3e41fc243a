"""Qualification: one report against the rule set. Pure; what came before is asked of a History."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from jifen.domain.operations import FieldProblem, Outcome, Report, Status
from jifen.rules.conditions import Context, History, room_key
from jifen.rules.schema import ActionRule, Indicator, RuleSet


class NeverSeen:
    """A history with nothing in it: used to check a report's fields before its subject is known."""

    def content_seen(self, sha256: str) -> bool:
        return False

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool:
        return False


def resolve_action(rules: RuleSet, app_code: str, report: Report) -> tuple[ActionRule, Indicator] | Outcome:
    """The catalog entry for the report's action, or the rejection that names what is wrong."""
    entry = catalog_entry(rules, app_code, report.action)
    return entry if isinstance(entry, Outcome) else with_subject(report, *entry)


def catalog_entry(rules: RuleSet, app_code: str, action: str) -> tuple[ActionRule, Indicator] | Outcome:
    """The rule and indicator of an app's action, or the rejection of an action not in the catalog: the same
    for every report of that app and action (under one rule set), so it can be looked up once for a batch."""
    app = rules.app(app_code)
    rule = app.action(action) if app else None
    if app is None or rule is None:
        return Outcome(Status.REJECTED, None, f"action {action!r} is not in the catalog of app {app_code!r}")
    return rule, rules.indicator(rule.indicator)


def with_subject(report: Report, rule: ActionRule, indicator: Indicator) -> tuple[ActionRule, Indicator] | Outcome:
    """The catalog entry, or the rejection of a report without the teacher or school the indicator scores."""
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
    reason = time_problem(report, tz, now, future_tolerance_s, retention_months)
    if reason:
        return reason
    dry = _dry_context(tz, rule.indicator)
    try:
        for condition in rule.requires:
            reason = condition.check(report, dry)
            if reason:
                return reason
        if rule.qualifies is not None:
            rule.qualifies.check(report, dry)
    except FieldProblem as problem:
        return problem.reason
    if rule.room is not None and room_key(report.value(rule.room)) is None:
        return f"{rule.room} must name a room: a string or a number"
    return None


def time_problem(report: Report, tz: ZoneInfo, now: datetime, future_tolerance_s: int,
                 retention_months: int | None = None) -> str | None:
    """Why a report's time is not taken (in the future, or before the retention window), or None."""
    if report.occurred_at > _latest(now, future_tolerance_s):
        return f"occurred_at is more than {_duration_text(future_tolerance_s)} in the future"
    if retention_months is not None:
        return outside_retention(report.occurred_at, now, tz, retention_months)
    return None


def _duration_text(seconds: int) -> str:
    """300 -> '5 minutes', 60 -> '1 minute', 90 -> '90 seconds'."""
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60} minute{'s' if seconds != 60 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def outside_retention(occurred_at: datetime, now: datetime, tz: ZoneInfo, months: int) -> str | None:
    """Why a report is too old to take, or None. In local time, the current month and the ``months`` months
    before it are inside the window (13: on any day of 2026-11, 2025-10-01 00:00 onwards); earlier is not."""
    local, current = occurred_at.astimezone(tz), _month_number(now, tz)
    if current - (local.year * 12 + local.month) <= months:
        return None
    earliest = (current - 1) - months
    return (f"occurred_at {local.date().isoformat()} is older than the retention window of {months} months "
            f"(the earliest month accepted is {earliest // 12:04d}-{earliest % 12 + 1:02d})")


# The checks of a batch's reports share ``now``, the tolerance and the rule's indicator: what follows from them
# alone is worked out once (a few entries suffice: one ``now`` per batch).

@lru_cache(maxsize=16)
def _latest(now: datetime, future_tolerance_s: int) -> datetime:
    """The latest ``occurred_at`` accepted."""
    return now + timedelta(seconds=future_tolerance_s)


@lru_cache(maxsize=16)
def _month_number(now: datetime, tz: ZoneInfo) -> int:
    """year * 12 + month of the local month of ``now``."""
    today = now.astimezone(tz)
    return today.year * 12 + today.month


@lru_cache(maxsize=256)
def _dry_context(tz: ZoneInfo, indicator: str) -> Context:
    """What a condition sees when a report's fields are checked: no history (Context is frozen, NeverSeen holds
    nothing, so one serves every report of the indicator)."""
    return Context(NeverSeen(), tz, indicator)


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
