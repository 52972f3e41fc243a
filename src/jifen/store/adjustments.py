"""Adjustments repository: manual entries added after scoring, each with its author and time; never edited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, select

from jifen.store import month_inputs
from jifen.store.tables import adjustments


@dataclass(frozen=True)
class Adjustment:
    id: int
    month: str
    level: str
    code: str
    indicator: str
    points: Decimal
    reason: str
    author: str
    created_at: datetime


def _adjustment(row: Any) -> Adjustment:
    return Adjustment(**{k: row._mapping[k] for k in Adjustment.__dataclass_fields__})


def add(connection: Connection, values: dict[str, Any]) -> Adjustment:
    new_id = int(connection.execute(adjustments.insert().returning(adjustments.c.id), values).scalar_one())
    month_inputs.bump(connection, [values["month"]])  # the month's next settlement carries it
    row = connection.execute(select(adjustments).where(adjustments.c.id == new_id)).one()
    return _adjustment(row)


def for_month(connection: Connection, month: str) -> list[Adjustment]:
    """The month's entries in the order they were made."""
    rows = connection.execute(select(adjustments).where(adjustments.c.month == month).order_by(adjustments.c.id))
    return [_adjustment(r) for r in rows]


def for_unit(connection: Connection, month: str, level: str, code: str) -> list[Adjustment]:
    rows = connection.execute(
        select(adjustments)
        .where(adjustments.c.month == month, adjustments.c.level == level, adjustments.c.code == code)
        .order_by(adjustments.c.id)
    )
    return [_adjustment(r) for r in rows]


def unit_total(connection: Connection, month: str, level: str, code: str, indicator: str) -> Decimal:
    """The points of a unit's adjustments of one month and indicator, summed."""
    return sum((e.points for e in for_unit(connection, month, level, code) if e.indicator == indicator), Decimal(0))


def month_totals(connection: Connection, month: str) -> dict[tuple[str, str, str], Fraction]:
    """Points per (level, code, indicator) of the month, summed exactly, for the settlement."""
    totals: dict[tuple[str, str, str], Fraction] = defaultdict(Fraction)
    for entry in for_month(connection, month):
        totals[(entry.level, entry.code, entry.indicator)] += Fraction(entry.points)
    return dict(totals)


def made_between(connection: Connection, month: str, start: datetime, end: datetime) -> list[Adjustment]:
    """The month's adjustments made after ``start`` and up to ``end``, in the order made."""
    rows = connection.execute(select(adjustments).where(
        adjustments.c.month == month, adjustments.c.created_at > start, adjustments.c.created_at <= end,
    ).order_by(adjustments.c.id))
    return [_adjustment(row) for row in rows]
