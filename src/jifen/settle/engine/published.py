"""Published settlement rows, from any engine or from the exact Python reference, in one comparable shape.

The rows are what the store writes (``settlement_units`` and ``settlement_indicators``): figures rounded
half up, points and totals at POINTS_PLACES, counts and averages at AVERAGE_PLACES, ranks among siblings.
Indicator rows also carry the indicator's maximum, which the explanation pages show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa
from ibis.backends import BaseBackend

from jifen.domain.organisations import Roster
from jifen.domain.periods import Month
from jifen.domain.scores import AVERAGE_PLACES, POINTS_PLACES, competition_ranks, round_half_up
from jifen.rules.schema import RuleSet
from jifen.settle.compute import LEVELS, MonthCounts, Settlement, Unit
from jifen.settle.engine import backends, scoring
from jifen.settle.engine.inputs import ScoringInputs, inputs_for_month


@dataclass(frozen=True, order=True)
class UnitRow:
    level: str
    code: str
    name: str
    parent_code: str | None
    total: Decimal
    rank: int
    teacher_average: Decimal | None
    school_points: Decimal | None


@dataclass(frozen=True, order=True)
class IndicatorRow:
    level: str
    code: str
    indicator: str
    count: Decimal
    average: Decimal
    points: Decimal
    maximum: Decimal | None
    adjustment: Decimal


@dataclass(frozen=True)
class PublishedSettlement:
    """Rows in a canonical order (level from teacher up, then code, then indicator in rule order)."""

    units: tuple[UnitRow, ...]
    indicators: tuple[IndicatorRow, ...]

    def store_rows(self, settlement_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Unit and indicator rows as the store's tables take them (they have no maximum column)."""
        units = [{"settlement_id": settlement_id, **asdict(u)} for u in self.units]
        indicators = [{"settlement_id": settlement_id, **{k: v for k, v in asdict(i).items() if k != "maximum"}}
                      for i in self.indicators]
        return units, indicators


def published_tables(con: BaseBackend, rules: RuleSet, inputs: ScoringInputs,
                     region: tuple[str, str]) -> tuple[pa.Table, pa.Table]:
    """Put the inputs into the engine behind ``con``, run the scoring there, and read the rounded units and
    indicators back as Arrow (figures as integers in units of 10**-places)."""
    with backends.library_warnings_ignored():
        tables = backends.put_tables(con, inputs.tables())
        try:
            with backends.staging(con) as stage:
                result = scoring.published(scoring.ScoringTables(**tables), rules, region, stage)
                return backends.fetch(con, result.units), backends.fetch(con, result.indicators)
        finally:
            backends.drop_tables(con, tables)


def published_rows(con: BaseBackend, rules: RuleSet, inputs: ScoringInputs,
                   region: tuple[str, str]) -> PublishedSettlement:
    """The scoring on the engine behind ``con`` (``published_tables``), as the rows the store writes."""
    units, indicators = published_tables(con, rules, inputs, region)
    return _canonical(rules, [_unit_row(r) for r in units.to_pylist()],
                      [_indicator_row(r) for r in indicators.to_pylist()])


def published_for_month(con: BaseBackend, rules: RuleSet, roster: Roster, counts: MonthCounts,
                        region: tuple[str, str], month: Month) -> PublishedSettlement:
    """What ``settle_month`` would publish for what it reads, computed by the engine behind ``con``."""
    return published_rows(con, rules, inputs_for_month(rules, roster, counts, month), region)


def reference_rows(rules: RuleSet, settlement: Settlement) -> PublishedSettlement:
    """The same rows from :func:`jifen.settle.compute.settle`, rounded exactly by ``round_half_up``."""
    units: list[UnitRow] = []
    for level, members in settlement.units.items():
        siblings: dict[str | None, list[Unit]] = defaultdict(list)
        for unit in members:
            siblings[unit.parent_code].append(unit)
        for group in siblings.values():
            totals = {u.code: round_half_up(u.total, POINTS_PLACES) for u in group}
            ranks = {code: rank for code, _total, rank in competition_ranks(list(totals.items()))}
            units.extend(UnitRow(level, u.code, u.name, u.parent_code, totals[u.code], ranks[u.code],
                                 _points(u.teacher_average), _points(u.school_points)) for u in group)
    indicators = [
        IndicatorRow(level, unit.code, score.code, round_half_up(score.count, AVERAGE_PLACES),
                     round_half_up(score.average, AVERAGE_PLACES), round_half_up(score.points, POINTS_PLACES),
                     _points(score.maximum), round_half_up(score.adjustment, POINTS_PLACES))
        for level in ("teacher", "school")
        for unit in settlement.units[level]
        for score in unit.indicators
    ]
    return _canonical(rules, units, indicators)


def _points(value: Fraction | None) -> Decimal | None:
    return None if value is None else round_half_up(value, POINTS_PLACES)


def _unit_row(row: dict[str, Any]) -> UnitRow:
    return UnitRow(row["level"], row["code"], row["name"], row["parent_code"],
                   _required(_decimal(row["total"], POINTS_PLACES)), int(row["rank"]),
                   _decimal(row["teacher_average"], POINTS_PLACES),
                   _decimal(row["school_points"], POINTS_PLACES))


def _indicator_row(row: dict[str, Any]) -> IndicatorRow:
    return IndicatorRow(row["level"], row["code"], row["indicator"],
                        _required(_decimal(row["count"], AVERAGE_PLACES)),
                        _required(_decimal(row["average"], AVERAGE_PLACES)),
                        _required(_decimal(row["points"], POINTS_PLACES)),
                        _decimal(row["maximum"], POINTS_PLACES),
                        _required(_decimal(row["adjustment"], POINTS_PLACES)))


def _decimal(units: int | None, places: int) -> Decimal | None:
    """A published integer (units of 10**-places) as the Decimal the store writes."""
    if units is None:
        return None
    return Decimal(int(units)) * _SCALES[places]  # exact: the product has exactly ``places`` decimals


_SCALES = {places: Decimal(1).scaleb(-places) for places in (POINTS_PLACES, AVERAGE_PLACES)}


def _required(value: Decimal | None) -> Decimal:
    if value is None:
        raise ValueError("the scoring published a null where a figure is required")
    return value


def _canonical(rules: RuleSet, units: list[UnitRow], indicators: list[IndicatorRow]) -> PublishedSettlement:
    level = {name: i for i, name in enumerate(LEVELS)}
    order = {ind.code: i for i, ind in enumerate(rules.indicators)}
    return PublishedSettlement(
        tuple(sorted(units, key=lambda u: (level[u.level], u.code))),
        tuple(sorted(indicators, key=lambda i: (level[i.level], i.code, order[i.indicator]))),
    )
