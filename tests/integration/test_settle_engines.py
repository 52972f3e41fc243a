"""jifen settle on each engine stores the same settlement as the Python reference: units, indicators, review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from factories import at, op, row
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store.tables import settlement_indicators, settlement_reviews, settlement_units, settlements

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
MONTH = Month(2026, 9)
REGION = ("640000", "宁夏回族自治区")


def _stored(runtime: Runtime, version: int) -> dict[str, list[tuple[object, ...]]]:
    with runtime.database.read() as connection:
        sid = connection.scalar(select(settlements.c.id).where(settlements.c.month == str(MONTH),
                                                               settlements.c.version == version))
        found = {}
        for table in (settlement_units, settlement_indicators, settlement_reviews):
            columns = [c for c in table.c if c.name != "settlement_id"]
            found[table.name] = sorted(tuple(r) for r in connection.execute(
                select(*columns).where(table.c.settlement_id == sid)))
    return found


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", pytest.param("spark", marks=pytest.mark.spark)])
def test_an_engine_stores_what_the_reference_stores(runtime: Runtime, engine: str) -> None:
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    rows = [row(f"T{n}", f"S{n % 3}", county_code=f"C{n % 2}", online_classrooms=n % 3) for n in range(12)]
    import_rows(ingest, rows, full=True, now=NOW, source="test roster")
    items = [op("teaching.session", teacher=f"T{n % 12}", when=at(1 + n % 20, 8 + n % 9), duration=2400,
                id=f"s{n}") for n in range(60)]
    items += [op("courseware.sync", teacher=f"T{n % 5}", when=at(2 + n % 9, 20), sync_count=3 + n % 4, id=f"c{n}")
              for n in range(25)]
    items += [op("research.activity", teacher="T1", when=at(3 + n, 21), id=f"r{n}") for n in range(9)]
    ingest.submit("seewo-easinote5", items, NOW)
    ingest.submit("online-classroom", [op("class.session", school=f"S{n % 3}", when=at(4 + n % 7, 9), duration=2400,
                                          classroom_id=f"room{n % 2}", id=f"k{n}") for n in range(14)], NOW)
    rules = runtime.rulebook.for_month(MONTH)
    reference = settle_month(runtime.database, rules, MONTH, REGION, NOW, runtime.tz, engine="python")
    other = settle_month(runtime.database, rules, MONTH, REGION, NOW, runtime.tz, engine=engine)
    assert (other.teachers, other.schools, other.counties, other.region_total) == (
        reference.teachers, reference.schools, reference.counties, reference.region_total)
    first, second = _stored(runtime, reference.version), _stored(runtime, other.version)
    assert first["settlement_units"] and first["settlement_indicators"]
    assert second == first


def test_an_unknown_engine_is_refused_naming_the_choices(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="unknown settlement engine 'excel'; expected one of python, duckdb"):
        settle_month(runtime.database, runtime.rulebook.for_month(MONTH), MONTH, REGION, NOW, runtime.tz,
                     engine="excel")
