"""Operations repository: what apps reported, with status and reason; the region's content hashes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from jifen.domain.operations import Status
from jifen.store import operation_counts
from jifen.store.tables import content_hashes, operations, rejections

_CHUNK = 900


@dataclass(frozen=True)
class Stored:
    id: int
    app_code: str
    external_id: str
    action: str
    indicator: str
    teacher_id: str | None
    school_code: str | None
    occurred_at: datetime
    duration_s: float | None
    attributes: dict[str, Any]
    status: str
    reason: str | None
    received_at: datetime
    withdrawn_at: datetime | None = None
    payload_sha256: str | None = None  # None for reports stored before fingerprints (migration 0003)
    month: str = ""  # local month, as stored

    @property
    def counted(self) -> tuple[str | None, str | None, str, str]:
        """What jifen.store.operation_counts counts it under: (teacher_id, school_code, month, indicator)."""
        return (self.teacher_id, self.school_code, self.month, self.indicator)


# Withdrawn operations stay on record but count nowhere: every "qualified" read below also asks this.
_NOT_WITHDRAWN = operations.c.withdrawn_at.is_(None)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _stored(row: Any) -> Stored:
    return Stored(**{k: row._mapping[k] for k in Stored.__dataclass_fields__})


def existing(connection: Connection, app_code: str, external_ids: Iterable[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    for chunk in _chunks(external_ids):
        rows = connection.execute(
            select(operations).where(operations.c.app_code == app_code, operations.c.external_id.in_(chunk))
        )
        found.update((row.external_id, _stored(row)) for row in rows)
    return found


def get(connection: Connection, app_code: str, external_id: str) -> Stored | None:
    return existing(connection, app_code, [external_id]).get(external_id)


def last_rejection(connection: Connection, app_code: str, external_id: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(rejections)
        .where(rejections.c.app_code == app_code, rejections.c.external_id == external_id)
        .order_by(rejections.c.id.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


def seen_contents(connection: Connection, hashes: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    for chunk in _chunks(hashes):
        seen.update(connection.scalars(select(content_hashes.c.sha256).where(content_hashes.c.sha256.in_(chunk))))
    return seen


def assessed_years(connection: Connection, teacher_ids: Iterable[str], indicator: str) -> set[tuple[str, int]]:
    """(teacher, year) pairs that already have a qualified report of the yearly indicator."""
    found: set[tuple[str, int]] = set()
    for chunk in _chunks(teacher_ids):
        rows = connection.execute(
            select(operations.c.teacher_id, operations.c.month).where(
                operations.c.indicator == indicator,
                operations.c.status == Status.QUALIFIED,
                _NOT_WITHDRAWN,
                operations.c.teacher_id.in_(chunk),
            )
        )
        found.update((r.teacher_id, int(r.month[:4])) for r in rows)
    return found


def insert(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = connection.execute(
        operations.insert().returning(operations.c.id, sort_by_parameter_order=True), rows
    )
    return [r.id for r in result]


def add_contents(connection: Connection, pairs: list[tuple[str, int]]) -> None:
    if pairs:
        connection.execute(content_hashes.insert(), [{"sha256": s, "operation_id": i} for s, i in pairs])


def add_rejections(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(rejections.insert(), rows)


def pending(connection: Connection) -> list[Stored]:
    rows = connection.execute(
        select(operations).where(operations.c.status == Status.PENDING, _NOT_WITHDRAWN).order_by(operations.c.id)
    )
    return [_stored(r) for r in rows]


def set_outcome(connection: Connection, operation_id: int, status: str, reason: str | None) -> None:
    connection.execute(
        update(operations).where(operations.c.id == operation_id).values(status=status, reason=reason)
    )


@dataclass(frozen=True)
class SessionRow:
    teacher_id: str
    app_code: str
    action: str
    occurred_at: datetime
    duration_s: float
    day: str  # local


# The two look-ups below leave the status out of WHERE and filter it here: SQLite's planner, without ANALYZE,
# would take ix_operations_status and read every qualified operation instead of seeking (teacher or school, day).

def qualified_with_duration(connection: Connection, teacher_ids: Iterable[str],
                            days: Iterable[str]) -> list[SessionRow]:
    """The teachers' qualified reports that carry a duration and began on one of these local days."""
    found: list[SessionRow] = []
    for teachers in _chunks(teacher_ids):
        for chunk in _chunks(days):
            rows = connection.execute(
                select(operations.c.teacher_id, operations.c.app_code, operations.c.action,
                       operations.c.occurred_at, operations.c.duration_s, operations.c.day,
                       operations.c.status).where(
                    operations.c.teacher_id.in_(teachers),
                    operations.c.day.in_(chunk),
                    operations.c.duration_s.is_not(None),
                    _NOT_WITHDRAWN,
                )
            )
            found.extend(SessionRow(*r[:6]) for r in rows if r[6] == Status.QUALIFIED)
    return found


def qualified_per_day(connection: Connection, subject_column: str, codes: Iterable[str], indicators: Iterable[str],
                      days: Iterable[str]) -> list[tuple[str, str, str, int]]:
    """(teacher or school, indicator, local day, count) of qualified operations on these days."""
    column = operations.c[subject_column]
    wanted = list(dict.fromkeys(indicators))
    found: list[tuple[str, str, str, int]] = []
    for subjects in _chunks(codes):
        for chunk in _chunks(days):
            rows = connection.execute(
                select(column, operations.c.indicator, operations.c.day, operations.c.status, func.count())
                .where(column.in_(subjects), operations.c.day.in_(chunk), operations.c.indicator.in_(wanted),
                       _NOT_WITHDRAWN)
                .group_by(column, operations.c.indicator, operations.c.day, operations.c.status)
            )
            found.extend((r[0], r[1], r[2], int(r[4])) for r in rows if r[3] == Status.QUALIFIED)
    return found


def qualified_counts(connection: Connection, month: str, subject_column: str) -> list[tuple[str, str, int]]:
    """(subject code, indicator, count) of the month's qualified operations, per teacher or per school.

    Read from the counts kept as operations are stored (jifen.store.operation_counts), not by grouping them."""
    kind = {"teacher_id": "teacher", "school_code": "school"}[subject_column]
    return operation_counts.of_month(connection, kind, month)


def qualified_attributes(connection: Connection, month: str, indicator: str) -> list[tuple[str, dict[str, Any]]]:
    rows = connection.execute(
        select(operations.c.teacher_id, operations.c.attributes).where(
            operations.c.month == month,
            operations.c.status == Status.QUALIFIED,
            operations.c.indicator == indicator,
            _NOT_WITHDRAWN,
        )
    )
    return [(r.teacher_id, r.attributes) for r in rows]


def qualified_times(connection: Connection, indicators: list[str], start: datetime, end: datetime,
                    subject_column: str) -> list[tuple[str, str, datetime]]:
    """(teacher or school, indicator, occurred_at) of qualified operations in [start, end)."""
    subject = operations.c[subject_column]
    rows = connection.execute(
        select(subject, operations.c.indicator, operations.c.occurred_at).where(
            operations.c.indicator.in_(indicators),
            operations.c.status == Status.QUALIFIED,
            _NOT_WITHDRAWN,
            operations.c.occurred_at >= start,
            operations.c.occurred_at < end,
        )
    )
    return [(r[0], r[1], r[2]) for r in rows]


def withdraw(connection: Connection, app_code: str, external_id: str, now: datetime) -> Stored | None:
    """Mark the app's operation withdrawn at ``now`` unless it already is; the operation as it now stands."""
    connection.execute(
        update(operations)
        .where(operations.c.app_code == app_code, operations.c.external_id == external_id, _NOT_WITHDRAWN)
        .values(withdrawn_at=now)
    )
    return get(connection, app_code, external_id)


def status_counts(connection: Connection, month: str | None = None) -> dict[str, int]:
    query = select(operations.c.status, func.count()).group_by(operations.c.status)
    if month:
        query = query.where(operations.c.month == month)
    counts = {r[0]: int(r[1]) for r in connection.execute(query)}
    rejected = select(func.count()).select_from(rejections)
    counts[Status.REJECTED] = int(connection.scalar(rejected) or 0)
    return counts
