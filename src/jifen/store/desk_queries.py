"""Look-ups of the pages: a teacher's qualifying operations a page at a time, the latest settled month, and the
versions reports show with a teacher's totals in them, a few months in one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select

from jifen.domain.operations import Status
from jifen.store.settlements import SettlementRecord
from jifen.store.tables import operations, settlement_units, settlements
from jifen.store.teacher_operations import of_teacher


@dataclass(frozen=True)
class QualifiedOperation:
    app_code: str
    action: str
    indicator: str
    occurred_at: datetime


def qualified_page(connection: Connection, teacher_id: str, month: str, offset: int,
                   limit: int) -> tuple[list[QualifiedOperation], int]:
    """The teacher's counted operations of the month, latest first, and how many there are in all."""
    where = (of_teacher(teacher_id, [month]),
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


def shown_versions(connection: Connection, months: list[str]) -> dict[str, SettlementRecord]:
    """Per month that has one, the version reports show: its latest published one, else its latest draft (as
    ``jifen.store.settlements.shown``, for many months at once)."""
    shown: dict[str, SettlementRecord] = {}
    for row in connection.execute(select(settlements).where(settlements.c.month.in_(months))):
        record = SettlementRecord(**row._mapping)
        held = shown.get(record.month)
        if held is None or (record.published, record.version) > (held.published, held.version):
            shown[record.month] = record
    return shown


@dataclass(frozen=True)
class TeacherTotal:
    total: Decimal
    rank: int | None


def teacher_totals(connection: Connection, settlement_ids: list[int], teacher_id: str) -> dict[int, TeacherTotal]:
    """The teacher's total and rank in school in each of these versions that has the teacher."""
    if not settlement_ids:
        return {}
    rows = connection.execute(
        select(settlement_units.c.settlement_id, settlement_units.c.total, settlement_units.c.rank)
        .where(settlement_units.c.settlement_id.in_(settlement_ids), settlement_units.c.level == "teacher",
               settlement_units.c.code == teacher_id))
    return {r.settlement_id: TeacherTotal(r.total, r.rank) for r in rows}
