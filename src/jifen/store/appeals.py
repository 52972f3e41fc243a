"""Appeals repository: appeals with their current state, and every step taken on them. Nothing is deleted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, select, update
from sqlalchemy.exc import IntegrityError

from jifen.domain.appeals import State
from jifen.errors import Conflict
from jifen.store import lookups
from jifen.store.tables import appeal_steps, appeals, operations, teachers
from jifen.store.teacher_operations import of_teacher


@dataclass(frozen=True)
class Appeal:
    id: int
    operation_id: int
    teacher_id: str
    school_code: str
    county_code: str
    month: str
    indicator: str
    reason: str
    state: str
    filed_by: str
    filed_at: datetime
    updated_at: datetime
    points: Decimal | None
    settlement_version: int | None
    adjustment_id: int | None
    app_code: str = ""  # of the operation appealed
    external_id: str = ""
    action: str = ""
    occurred_at: datetime | None = None
    status: str = ""  # the operation's status
    status_reason: str | None = None
    teacher_name: str | None = None
    operation_withdrawn_at: datetime | None = None  # when its app withdrew the report appealed


@dataclass(frozen=True)
class StepRow:
    appeal_id: int
    step: str
    state: str
    actor: str
    actor_role: str
    note: str | None
    at: datetime


_OPERATION_FIELDS = (operations.c.app_code, operations.c.external_id, operations.c.action, operations.c.occurred_at,
                     operations.c.status, operations.c.reason.label("status_reason"),
                     operations.c.withdrawn_at.label("operation_withdrawn_at"))


def _query() -> Select[Any]:
    return (select(appeals, *_OPERATION_FIELDS, teachers.c.name.label("teacher_name"))
            .join(operations, operations.c.id == appeals.c.operation_id)
            .outerjoin(teachers, teachers.c.id == appeals.c.teacher_id))


def _appeal(row: Any) -> Appeal:
    return Appeal(**{k: row._mapping[k] for k in Appeal.__dataclass_fields__})


def add(connection: Connection, values: dict[str, Any], step: dict[str, Any]) -> Appeal:
    """A new appeal with its first step; Conflict when the operation already has an open or approved appeal."""
    try:
        with connection.begin_nested():
            new_id = int(connection.execute(appeals.insert().returning(appeals.c.id), values).scalar_one())
    except IntegrityError:
        raise Conflict(f"operation {values['operation_id']} already has an appeal under review or approved",
                       details=[{"path": "operation", "message": "one open appeal per operation"}]) from None
    add_step(connection, {**step, "appeal_id": new_id})
    found = get(connection, new_id)
    assert found is not None
    return found


def add_step(connection: Connection, values: dict[str, Any]) -> None:
    connection.execute(appeal_steps.insert(), values)


def move(connection: Connection, appeal_id: int, from_state: str, values: dict[str, Any]) -> bool:
    """Set the state (and other columns) if the appeal is still in ``from_state``; False when it no longer is."""
    result = connection.execute(update(appeals).where(appeals.c.id == appeal_id, appeals.c.state == from_state)
                                .values(**values))
    return result.rowcount == 1


def get(connection: Connection, appeal_id: int) -> Appeal | None:
    row = connection.execute(_query().where(appeals.c.id == appeal_id)).first()
    return _appeal(row) if row else None


def held_for(connection: Connection, operation_id: int) -> Appeal | None:
    """The operation's open or approved appeal, if any."""
    held = [s.value for s in (State.SUBMITTED, State.SCHOOL_APPROVED, State.APPROVED)]
    row = connection.execute(_query().where(appeals.c.operation_id == operation_id,
                                            appeals.c.state.in_(held))).first()
    return _appeal(row) if row else None


def held_operations(connection: Connection, operation_ids: Iterable[int]) -> dict[int, Appeal]:
    """Of these operations, those with an open or approved appeal, and the appeal."""
    wanted = list(dict.fromkeys(operation_ids))
    held = [s.value for s in (State.SUBMITTED, State.SCHOOL_APPROVED, State.APPROVED)]
    found: dict[int, Appeal] = {}
    for chunk in lookups.chunks(wanted):
        rows = connection.execute(_query().where(appeals.c.operation_id.in_(chunk),
                                                 appeals.c.state.in_(held)))
        found.update((int(r.operation_id), _appeal(r)) for r in rows)
    return found


def listing(connection: Connection, *, teacher_id: str | None = None, school_code: str | None = None,
            county_code: str | None = None, states: Iterable[str] | None = None, limit: int = 500) -> list[Appeal]:
    """Appeals, newest first, narrowed to a teacher, a school or a county and to some states."""
    query = _query()
    if teacher_id is not None:
        query = query.where(appeals.c.teacher_id == teacher_id)
    if school_code is not None:
        query = query.where(appeals.c.school_code == school_code)
    if county_code is not None:
        query = query.where(appeals.c.county_code == county_code)
    if states is not None:
        query = query.where(appeals.c.state.in_(list(states)))
    rows = connection.execute(query.order_by(appeals.c.id.desc()).limit(limit))
    return [_appeal(r) for r in rows]


def approved_credits(connection: Connection, teacher_id: str, month: str, indicator: str) -> list[Decimal]:
    """The credits of the appeals approved on a teacher's indicator of a month, in the order approved."""
    rows = connection.execute(
        select(appeals.c.points).where(appeals.c.teacher_id == teacher_id, appeals.c.month == month,
                                       appeals.c.indicator == indicator, appeals.c.state == State.APPROVED.value)
        .order_by(appeals.c.updated_at, appeals.c.id))
    return [Decimal(p or 0) for (p,) in rows]


def approved_times(connection: Connection, teacher_id: str, months: list[str], indicator: str) -> list[datetime]:
    """When the reports of the appeals approved on a teacher's indicator in these months occurred."""
    return list(connection.scalars(
        select(operations.c.occurred_at).join(appeals, operations.c.id == appeals.c.operation_id).where(
            appeals.c.teacher_id == teacher_id, appeals.c.month.in_(months), appeals.c.indicator == indicator,
            appeals.c.state == State.APPROVED.value)))


def steps(connection: Connection, appeal_ids: Iterable[int]) -> dict[int, list[StepRow]]:
    wanted = list(dict.fromkeys(appeal_ids))
    found: dict[int, list[StepRow]] = {i: [] for i in wanted}
    for chunk in lookups.chunks(wanted):
        rows = connection.execute(select(appeal_steps).where(appeal_steps.c.appeal_id.in_(chunk))
                                  .order_by(appeal_steps.c.id))
        for r in rows:
            found[int(r.appeal_id)].append(StepRow(**{k: r._mapping[k] for k in StepRow.__dataclass_fields__}))
    return found


@dataclass(frozen=True)
class Uncounted:
    """A teacher's report that did not count, as an appeal form shows it."""

    id: int
    app_code: str
    external_id: str
    action: str
    indicator: str
    month: str
    occurred_at: datetime
    status: str
    reason: str | None


def uncounted(connection: Connection, teacher_id: str, months: Iterable[str], statuses: Iterable[str],
              limit: int = 200) -> list[Uncounted]:
    """The teacher's reports of these months in these statuses, not withdrawn, newest first."""
    rows = connection.execute(
        select(*(operations.c[k] for k in Uncounted.__dataclass_fields__))
        .where(of_teacher(teacher_id, months),
               operations.c.status.in_(list(statuses)), operations.c.withdrawn_at.is_(None))
        .order_by(operations.c.occurred_at.desc(), operations.c.id.desc()).limit(limit))
    return [Uncounted(**r._mapping) for r in rows]
