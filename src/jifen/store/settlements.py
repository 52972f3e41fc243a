"""Settlement repository: versions of a month's settlement. Rows are never changed once written; a version's
state changes once, from draft to published (``publish``), and the inputs it reflects may be recorded again when a
settlement of later inputs comes out the same (``record_inputs``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, func, select, update

from jifen.store import lookups
from jifen.store.operations import copy_rows
from jifen.store.tables import settlement_indicators, settlement_reviews, settlement_units, settlements


@dataclass(frozen=True)
class SettlementRecord:
    id: int
    month: str
    version: int
    status: str
    ruleset_name: str
    ruleset_version: int
    ruleset_sha256: str
    region_code: str
    region_name: str
    created_at: datetime
    published_at: datetime | None = None
    published_by: str | None = None
    inputs_revision: int = 0

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED


DRAFT = "draft"
PUBLISHED = "published"


@dataclass(frozen=True)
class UnitRow:
    level: str
    code: str
    name: str
    parent_code: str | None
    total: Decimal
    rank: int | None
    teacher_average: Decimal | None
    school_points: Decimal | None


@dataclass(frozen=True)
class IndicatorRow:
    indicator: str
    count: Decimal
    average: Decimal
    points: Decimal
    adjustment: Decimal = Decimal(0)


def next_version(connection: Connection, month: str) -> int:
    latest = connection.scalar(select(func.max(settlements.c.version)).where(settlements.c.month == month))
    return int(latest or 0) + 1


def create(connection: Connection, values: dict[str, Any]) -> int:
    return int(connection.execute(settlements.insert().returning(settlements.c.id), values).scalar_one())


def add_units(connection: Connection, rows: list[dict[str, Any]]) -> None:
    _add(connection, settlement_units, rows)


def add_indicators(connection: Connection, rows: list[dict[str, Any]]) -> None:
    _add(connection, settlement_indicators, rows)


def _add(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """A version's rows, a province's million of them: by COPY on PostgreSQL (an insert of many rows spent 20 s
    where COPY takes a few), in inserts of 5000 elsewhere."""
    if connection.dialect.name == "postgresql" and rows:
        columns = tuple(c.name for c in table.columns if c.name in rows[0])
        copy_rows(connection, table.name, columns, (tuple(row[c] for c in columns) for row in rows))
        return
    for start in range(0, len(rows), 5000):
        connection.execute(table.insert(), rows[start : start + 5000])


def holds(connection: Connection, settlement_id: int, unit_rows: list[dict[str, Any]],
          indicator_rows: list[dict[str, Any]]) -> bool:
    """Whether a version holds exactly these rows, as ``add_units`` and ``add_indicators`` take them: the same keys
    with the same figures, none more, none fewer (its units first: they differ most often)."""
    return (_holds(connection, settlement_id, settlement_units, unit_rows)
            and _holds(connection, settlement_id, settlement_indicators, indicator_rows))


def _holds(connection: Connection, settlement_id: int, table: Table, rows: list[dict[str, Any]]) -> bool:
    names = list(rows[0]) if rows else [c.name for c in table.columns]
    stored = Counter(tuple(r) for r in connection.execute(
        select(*(table.c[name] for name in names)).where(table.c.settlement_id == settlement_id)))
    return stored == Counter(tuple(row[name] for name in names) for row in rows)


def record_inputs(connection: Connection, settlement_id: int, inputs_revision: int) -> None:
    """The inputs a version reflects, once a settlement of later inputs came out the same."""
    connection.execute(update(settlements).where(settlements.c.id == settlement_id)
                       .values(inputs_revision=inputs_revision))


def find(connection: Connection, month: str, version: int | None = None) -> SettlementRecord | None:
    query = select(settlements).where(settlements.c.month == month)
    query = query.where(settlements.c.version == version) if version else query.order_by(settlements.c.version.desc())
    row = connection.execute(query.limit(1)).first()
    return SettlementRecord(**row._mapping) if row else None


def versions(connection: Connection, month: str) -> list[SettlementRecord]:
    rows = connection.execute(select(settlements).where(settlements.c.month == month).order_by(settlements.c.version))
    return [SettlementRecord(**r._mapping) for r in rows]


def shown(connection: Connection, month: str) -> SettlementRecord | None:
    """The version reports show: the latest published one, else the latest draft."""
    query = (select(settlements).where(settlements.c.month == month)
             .order_by((settlements.c.status == PUBLISHED).desc(), settlements.c.version.desc()).limit(1))
    row = connection.execute(query).first()
    return SettlementRecord(**row._mapping) if row else None


def latest_per_month(connection: Connection, months: list[str]) -> dict[str, SettlementRecord]:
    """The latest version of each of these months that has one."""
    if not months:
        return {}
    latest = (select(settlements.c.month, func.max(settlements.c.version).label("version"))
              .where(settlements.c.month.in_(months)).group_by(settlements.c.month).subquery())
    rows = connection.execute(select(settlements).join(
        latest, (settlements.c.month == latest.c.month) & (settlements.c.version == latest.c.version)))
    return {r.month: SettlementRecord(**r._mapping) for r in rows}


def published_months_from(connection: Connection, month: str) -> list[str]:
    """The months from ``month`` on with a published version, in order."""
    return list(connection.scalars(select(settlements.c.month).where(
        settlements.c.month >= month, settlements.c.status == "published").distinct().order_by(settlements.c.month)))


def publish(connection: Connection, settlement_id: int, at: datetime, by: str) -> bool:
    """Mark a draft published; False when it is not a draft (a published version never changes)."""
    result = connection.execute(
        update(settlements).where(settlements.c.id == settlement_id, settlements.c.status == DRAFT)
        .values(status=PUBLISHED, published_at=at, published_by=by)
    )
    return result.rowcount == 1


def all_units(connection: Connection, settlement_id: int) -> list[tuple[str, UnitRow]]:
    """Every unit of a version, with its level: what a comparison of two versions starts from."""
    columns = [settlement_units.c[name] for name in UnitRow.__dataclass_fields__]  # level among them, first
    rows = connection.execute(select(*columns).where(settlement_units.c.settlement_id == settlement_id))
    return [(r[0], UnitRow(*r)) for r in rows]  # by position: 200,000 rows of a province, each read once


def indicators_of(connection: Connection, settlement_id: int, level: str,
                  codes: list[str]) -> dict[str, list[IndicatorRow]]:
    """The indicator rows of these teachers (or schools) of a version, by code."""
    found: dict[str, list[IndicatorRow]] = {}
    for chunk in lookups.chunks(codes):
        rows = connection.execute(select(settlement_indicators).where(
            settlement_indicators.c.settlement_id == settlement_id, settlement_indicators.c.level == level,
            settlement_indicators.c.code.in_(chunk)))
        for r in rows:
            m = r._mapping  # by name: a Row's own count() would shadow the column
            found.setdefault(m["code"], []).append(
                IndicatorRow(m["indicator"], m["count"], m["average"], m["points"], m["adjustment"]))
    return found


def points_of(connection: Connection, settlement_id: int, level: str,
              codes: list[str]) -> dict[str, dict[str, Decimal]]:
    """The points per indicator of these teachers (or schools) of a version, by code: plain tuples, for the
    thousands of rows of a city's or the region's report."""
    found: dict[str, dict[str, Decimal]] = {}
    c = settlement_indicators.c
    for chunk in lookups.chunks(codes):
        rows = connection.execute(select(c.code, c.indicator, c.points).where(
            c.settlement_id == settlement_id, c.level == level, c.code.in_(chunk)))
        for code, indicator, points in rows:
            found.setdefault(code, {})[indicator] = points
    return found


def adjustments_of(connection: Connection, settlement_id: int, level: str, codes: list[str]) -> dict[str, Decimal]:
    """The manual adjustments of these teachers (or schools) of a version, summed over their indicators, by code
    (those with none are left out). A school's rows of teacher indicators hold the mean of its teachers'."""
    found: dict[str, Decimal] = {}
    c = settlement_indicators.c
    for chunk in lookups.chunks(codes):
        rows = connection.execute(select(c.code, func.sum(c.adjustment)).where(
            c.settlement_id == settlement_id, c.level == level, c.code.in_(chunk), c.adjustment != 0,
        ).group_by(c.code))
        found.update((code, Decimal(total)) for code, total in rows)
    return found


def units_of(connection: Connection, settlement_id: int, level: str, codes: list[str]) -> dict[str, UnitRow]:
    """These units of a version, by code (those it has)."""
    found: dict[str, UnitRow] = {}
    for chunk in lookups.chunks(codes):
        rows = connection.execute(select(settlement_units).where(
            settlement_units.c.settlement_id == settlement_id, settlement_units.c.level == level,
            settlement_units.c.code.in_(chunk)))
        found.update((r.code, _unit(r)) for r in rows)
    return found


def level_rows(connection: Connection, settlement_ids: list[int], level: str
               ) -> Iterator[tuple[int, str, str, str | None, Decimal]]:
    """(settlement_id, code, name, parent_code, total) of every unit of a level in these versions: plain tuples,
    for the hundred thousand teachers of a region's year."""
    c = settlement_units.c
    for chunk in lookups.chunks(settlement_ids):
        yield from connection.execute(select(c.settlement_id, c.code, c.name, c.parent_code, c.total).where(
            c.settlement_id.in_(chunk), c.level == level))


def unit(connection: Connection, settlement_id: int, level: str, code: str) -> UnitRow | None:
    row = connection.execute(
        select(settlement_units).where(
            settlement_units.c.settlement_id == settlement_id,
            settlement_units.c.level == level,
            settlement_units.c.code == code,
        )
    ).first()
    return _unit(row) if row else None


def children(connection: Connection, settlement_id: int, level: str, parent_code: str) -> list[UnitRow]:
    rows = connection.execute(
        select(settlement_units)
        .where(
            settlement_units.c.settlement_id == settlement_id,
            settlement_units.c.level == level,
            settlement_units.c.parent_code == parent_code,
        )
        .order_by(settlement_units.c.rank, settlement_units.c.code)
    )
    return [_unit(r) for r in rows]


def indicators(connection: Connection, settlement_id: int, level: str, code: str) -> list[IndicatorRow]:
    rows = connection.execute(
        select(settlement_indicators).where(
            settlement_indicators.c.settlement_id == settlement_id,
            settlement_indicators.c.level == level,
            settlement_indicators.c.code == code,
        )
    )
    return [IndicatorRow(r.indicator, r.count, r.average, r.points, r.adjustment) for r in rows]


@dataclass(frozen=True)
class ReviewRow:
    level: str
    code: str
    name: str
    indicator: str
    parent_code: str | None
    count: Decimal
    average: Decimal


def add_reviews(connection: Connection, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        connection.execute(settlement_reviews.insert(), rows[start : start + 5000])


def reviews(connection: Connection, settlement_id: int, level: str, parent_codes: list[str]) -> list[ReviewRow]:
    """The review list's teachers (or schools) under these schools (or counties), with their names."""
    if not parent_codes:
        return []
    rows = connection.execute(
        select(settlement_reviews, settlement_units.c.name)
        .join(settlement_units, (settlement_units.c.settlement_id == settlement_reviews.c.settlement_id)
              & (settlement_units.c.level == settlement_reviews.c.level)
              & (settlement_units.c.code == settlement_reviews.c.code))
        .where(
            settlement_reviews.c.settlement_id == settlement_id,
            settlement_reviews.c.level == level,
            settlement_reviews.c.parent_code.in_(parent_codes),
        )
        .order_by(settlement_reviews.c.parent_code, settlement_reviews.c.code, settlement_reviews.c.indicator)
    )
    return [ReviewRow(**{k: r._mapping[k] for k in ReviewRow.__dataclass_fields__}) for r in rows]


def _unit(row: Any) -> UnitRow:
    return UnitRow(**{k: row._mapping[k] for k in UnitRow.__dataclass_fields__})


def refresh_statistics(connection: Connection) -> None:
    """PostgreSQL: fresh planner statistics for the settlement tables after a version is stored. A new version
    adds a province's hundred thousand rows at once; planned on the statistics of before, a teacher's card read
    the whole version for one row, and autovacuum may analyse them only much later."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE settlements, settlement_units, settlement_indicators")
