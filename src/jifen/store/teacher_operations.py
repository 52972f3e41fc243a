"""A teacher's own reports of a month, for explanations and the points card."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select

from jifen.domain.operations import Status
from jifen.store import operation_counts
from jifen.store.tables import operations


@dataclass(frozen=True)
class TeacherOperation:
    app_code: str
    external_id: str
    action: str
    indicator: str
    occurred_at: datetime
    received_at: datetime
    status: str
    reason: str | None
    withdrawn_at: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def of_teacher(teacher_id: str, months: Iterable[str]) -> ColumnElement[bool]:
    """The teacher's operations of these months ('YYYY-MM'), as the index finds them: it leads with the local day
    (reports arrive for today, so its new entries land together), so a month is asked for as its days, one seek
    each. The month itself is not asked: a planner would take the month's whole range of the (month, status,
    indicator) index for it."""
    days = [f"{month}-{day:02d}" for month in sorted(set(months))
            for day in range(1, monthrange(int(month[:4]), int(month[5:7]))[1] + 1)]
    return and_(operations.c.day.in_(days), operations.c.teacher_id == teacher_id)


_FIELDS = {"app_code", "external_id", "action", "indicator", "occurred_at", "received_at", "status", "reason",
           "withdrawn_at", "attributes"}


def of_month(connection: Connection, teacher_id: str, month: str) -> list[TeacherOperation]:
    """Every stored report of the teacher in the month (local time), in the order they were received."""
    return of_months(connection, teacher_id, [month])


def of_months(connection: Connection, teacher_id: str, months: list[str]) -> list[TeacherOperation]:
    """Every stored report of the teacher in these months, in received order."""
    rows = connection.execute(
        select(operations.c.app_code, operations.c.external_id, operations.c.action, operations.c.indicator,
               operations.c.occurred_at, operations.c.received_at, operations.c.status, operations.c.reason,
               operations.c.withdrawn_at, operations.c.attributes)
        .where(of_teacher(teacher_id, months))
        .order_by(operations.c.id)
    )
    return [TeacherOperation(**{k: r._mapping[k] for k in _FIELDS}) for r in rows]


def qualified_by_indicator(connection: Connection, teacher_id: str, month: str,
                           before: datetime | None = None) -> dict[str, int]:
    """Qualified reports of the teacher in the month per indicator; with ``before``, those that occurred earlier.

    The month's counts are read as kept (jifen.store.operation_counts); with ``before``, the few qualified reports
    that occurred at or after it (for today's card, none or those within the future tolerance) are taken off."""
    counts = {indicator: count for _code, indicator, count in operation_counts.of_month(
        connection, "teacher", month, teacher_id)}
    if before is not None:
        later = connection.execute(
            select(operations.c.indicator, func.count())
            .where(of_teacher(teacher_id, [month]), operations.c.occurred_at >= before,
                   operations.c.status == Status.QUALIFIED, operations.c.withdrawn_at.is_(None))
            .group_by(operations.c.indicator)
        )
        for indicator, count in later:
            counts[indicator] = counts.get(indicator, 0) - int(count)
    return {indicator: count for indicator, count in counts.items() if count}
