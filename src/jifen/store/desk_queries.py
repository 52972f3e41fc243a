"""Look-ups of the pages: a teacher's qualifying operations a page at a time, and the latest settled month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from jifen.domain.operations import Status
from jifen.store.tables import operations, settlements


@dataclass(frozen=True)
class QualifiedOperation:
    app_code: str
    action: str
    indicator: str
    occurred_at: datetime


def qualified_page(connection: Connection, teacher_id: str, month: str, offset: int,
                   limit: int) -> tuple[list[QualifiedOperation], int]:
    """The teacher's counted operations of the month, latest first, and how many there are in all."""
    where = (operations.c.teacher_id == teacher_id, operations.c.month == month,
             operations.c.status == Status.QUALIFIED, operations.c.withdrawn_at.is_(None))
    total = int(connection.scalar(select(func.count()).select_from(operations).where(*where)) or 0)
    rows = connection.execute(
        select(operations.c.app_code, operations.c.action, operations.c.indicator, operations.c.occurred_at)
        .where(*where).order_by(operations.c.occurred_at.desc(), operations.c.id.desc()).offset(offset).limit(limit)
    )
    return [QualifiedOperation(r.app_code, r.action, r.indicator, r.occurred_at) for r in rows], total


def latest_settled_month(connection: Connection) -> str | None:
    found: str | None = connection.scalar(select(func.max(settlements.c.month)))
    return found
