"""Published settlement rows, from any engine or from the exact Python reference, in one comparable shape.

The rows are what the store writes (``settlement_units`` and ``settlement_indicators``): figures rounded
half up, points and totals at POINTS_PLACES, counts and averages at AVERAGE_PLACES, ranks among siblings.
Indicator rows also carry the indicator's maximum, which the explanation pages show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from jifen.domain.organisations import Roster
from jifen.domain.periods import Month
from jifen.domain.scores import AVERAGE_PLACES, POINTS_PLACES, competition_ranks, round_half_up
from jifen.rules.schema import RuleSet
from jifen.settle.compute import LEVELS, MonthCounts, Settlement, Unit
from jifen.settle.engine import backends, scoring
from jifen.settle.engine.inputs import ScoringInputs, inputs_for_month


class UnitRow(NamedTuple):  # tuples: a province makes nearly a million rows, and a dataclass is slow to build
    level: str
    code: str
    name: str
    parent_code: str | None
    total: Decimal
    rank: int
    teacher_average: Decimal | None
    school_points: Decimal | None


class IndicatorRow(NamedTuple):
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
        units = [{"settlement_id": settlement_id, **u._asdict()} for u in self.units]
        indicators = [{"settlement_id": settlement_id, "level": i.level, "code": i.code, "indicator": i.indicator,
                       "count": i.count, "average": i.average, "points": i.points, "adjustment": i.adjustment}
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
    """The scoring on the engine behind ``con`` (``published_tables``), as the rows the store writes: sorted
    in Arrow and converted a column at a time (a province has nearly a million rows)."""
    units, indicators = published_tables(con, rules, inputs, region)
    level = pa.array(LEVELS)
    units = _sorted(units, level_no=pc.index_in(units["level"], level))
    indicators = _sorted(indicators, level_no=pc.index_in(indicators["level"], level),
                         order_no=pc.index_in(indicators["indicator"], pa.array([i.code for i in rules.indicators])))
    unit_rows = map(UnitRow._make, zip(*_columns(units, level=None, code=None, name=None, parent_code=None,
                                       total=POINTS_PLACES, rank=0, teacher_average=POINTS_PLACES,
                                       school_points=POINTS_PLACES), strict=True))
    indicator_rows = map(IndicatorRow._make, zip(*_columns(indicators, level=None, code=None, indicator=None,
                                                 count=AVERAGE_PLACES, average=AVERAGE_PLACES,
                                                 points=POINTS_PLACES, maximum=POINTS_PLACES,
                                                 adjustment=POINTS_PLACES), strict=True))
    return PublishedSettlement(tuple(unit_rows), tuple(indicator_rows))


def _sorted(table: pa.Table, **keys: pa.Array) -> pa.Table:
    """The canonical order (see PublishedSettlement): level, then code, then the indicator's place."""
    for name, values in keys.items():
        table = table.append_column(name, values)
    order = [("level_no", "ascending"), ("code", "ascending")]
    order += [("order_no", "ascending")] if "order_no" in keys else []
    return table.sort_by(order)  # UTF-8 byte order is code point order, as Python sorts strings


def _columns(table: pa.Table, **columns: int | None) -> list[list[Any]]:
    """Each column as Python values: text as is, ``0`` an integer, other places a published Decimal (a null
    where a required figure is null raises)."""
    found = []
    for name, places in columns.items():
        if places is not None and name not in _NULLABLE and table[name].null_count:
            raise ValueError(f"the scoring published a null {name} where a figure is required")
        values = table[name].to_pylist()
        if places is None:
            found.append(values)
        elif places == 0:
            found.append([int(v) for v in values])
        else:
            found.append(list(map(_Decimals(places).__getitem__, values)))
    return found


_NULLABLE = {"teacher_average", "school_points", "maximum"}


class _Decimals(dict[int | None, Decimal | None]):
    """Published integers (units of 10**-places) as Decimals, each made once: a column repeats few values."""

    def __init__(self, places: int) -> None:
        super().__init__({None: None})
        self.scale = _SCALES[places]

    def __missing__(self, units: int) -> Decimal:
        value = self[units] = Decimal(units) * self.scale  # exact: the product has exactly ``places`` decimals
        return value


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
        for level in LEVELS
        for unit in settlement.units[level]
        for score in unit.indicators
    ]
    return _canonical(rules, units, indicators)


def _points(value: Fraction | None) -> Decimal | None:
    return None if value is None else round_half_up(value, POINTS_PLACES)


_SCALES = {places: Decimal(1).scaleb(-places) for places in (POINTS_PLACES, AVERAGE_PLACES)}


def _canonical(rules: RuleSet, units: list[UnitRow], indicators: list[IndicatorRow]) -> PublishedSettlement:
    level = {name: i for i, name in enumerate(LEVELS)}
    order = {ind.code: i for i, ind in enumerate(rules.indicators)}
    return PublishedSettlement(
        tuple(sorted(units, key=lambda u: (level[u.level], u.code))),
        tuple(sorted(indicators, key=lambda i: (level[i.level], i.code, order[i.indicator]))),
    )
