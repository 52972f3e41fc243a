"""The Ibis scoring publishes, on every engine, exactly the rows of the exact Python reference."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.backends import BaseBackend

from jifen.domain.scores import round_half_up
from jifen.errors import InvalidInput
from jifen.rules.loader import load_shipped
from jifen.settle.compute import settle
from jifen.settle.engine import backends
from jifen.settle.engine.published import PublishedSettlement, published_for_month, reference_rows
from jifen.settle.engine.scoring import half_up
from regions import MONTH, REGION, Case, random_case, ties_case
from strategies import month_counts, rosters

ENGINE_MARKS = {"postgres": pytest.mark.postgres, "spark": pytest.mark.spark}


def on_engines(engines: list[str], cases: list[Case]) -> list[Any]:
    """(engine, case) parameters with each engine's marker, for the ``engine`` fixture (indirect)."""
    return [pytest.param(engine, case, id=f"{engine}-{case.name}",
                         marks=[ENGINE_MARKS[engine]] if engine in ENGINE_MARKS else [])
            for engine in engines for case in cases]


NINGXIA = load_shipped("ningxia-2022").rules
SHIHE = load_shipped("shihe-2022").rules
CASES = [ties_case(NINGXIA), *(random_case(NINGXIA, seed) for seed in range(4)),
         *(random_case(SHIHE, seed) for seed in range(3))]
# Spark spends seconds per run on job scheduling alone: the ties and one random region per rule set
SPARK_CASES = [c for c in CASES if c.name in {"ningxia-2022-ties", "ningxia-2022-0", "shihe-2022-0"}]
FAST_ENGINES = ["duckdb", "sqlite", "postgres"]
RUNS = [*on_engines(FAST_ENGINES, CASES), *on_engines(["spark"], SPARK_CASES)]
FAST_ENGINE_PARAMS = [pytest.param(e, marks=ENGINE_MARKS.get(e, [])) for e in FAST_ENGINES]


def _reference(case: Case) -> PublishedSettlement:
    return reference_rows(case.rules, settle(case.rules, case.roster, case.counts, REGION, MONTH))


def _on(con: BaseBackend, case: Case) -> PublishedSettlement:
    return published_for_month(con, case.rules, case.roster, case.counts, REGION, MONTH)


def _differences(got: PublishedSettlement, want: PublishedSettlement) -> list[str]:
    """The first few rows that differ, named, so a failure says where an engine parted from the reference."""
    lines = [f"units: {len(got.units)} rows, reference {len(want.units)}"] if len(got.units) != len(want.units) else []
    lines += [f"unit {g} != {w}" for g, w in zip(got.units, want.units, strict=False) if g != w]
    lines += [f"indicator {g} != {w}" for g, w in zip(got.indicators, want.indicators, strict=False) if g != w]
    return lines[:8]


@pytest.mark.parametrize(("engine", "case"), RUNS, indirect=["engine"])
def test_engine_publishes_the_reference_rows(engine: BaseBackend, case: Case) -> None:
    want = _reference(case)
    got = _on(engine, case)
    assert got == want, "\n".join(_differences(got, want))


@pytest.fixture(scope="module")
def duckdb_backend() -> Iterator[BaseBackend]:
    con = backends.connect_duckdb()
    yield con
    con.disconnect()


@st.composite
def hypothesis_months(draw: st.DrawFn) -> Case:
    """The suite's shared random regions and counts, with manual adjustments on top (cents, either sign)."""
    roster = draw(rosters())
    counts = draw(month_counts(NINGXIA, roster))
    subjects = [("teacher", code) for code in roster.teachers] + [("school", code) for code in roster.schools]
    chosen = draw(st.lists(st.sampled_from(subjects), unique=True, max_size=4)) if subjects else []
    adjustments = {
        (level, code, draw(st.sampled_from([i.code for i in NINGXIA.indicators_for(level)]))):
            Fraction(draw(st.integers(-900, 900)), 100)
        for level, code in chosen
    }
    return Case("hypothesis", NINGXIA, roster, replace(counts, adjustments=adjustments))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hypothesis_months())
def test_duckdb_publishes_the_reference_rows_for_any_region(duckdb_backend: BaseBackend, case: Case) -> None:
    want = _reference(case)
    got = _on(duckdb_backend, case)
    assert got == want, "\n".join(_differences(got, want))


def _unit(rows: PublishedSettlement, level: str, code: str) -> dict[str, object]:
    return next(u._asdict() for u in rows.units if (u.level, u.code) == (level, code))


def _indicator(rows: PublishedSettlement, level: str, code: str, indicator: str) -> dict[str, object]:
    return next(i._asdict() for i in rows.indicators if (i.level, i.code, i.indicator) == (level, code, indicator))


def test_the_ties_case_lands_on_ties_and_rounds_them_up() -> None:
    """The constructed ties are real ties in the reference, so the engine comparison above tests them."""
    rows = _reference(ties_case(NINGXIA))
    assert _indicator(rows, "teacher", "T1", "lesson_prep")["points"] == Decimal("0.63")
    assert _indicator(rows, "teacher", "T2", "literacy_assessment")["points"] == Decimal("1.01")
    assert _unit(rows, "school", "A")["teacher_average"] == Decimal("0.01")
    assert _indicator(rows, "school", "A", "tutoring")["adjustment"] == Decimal("0.01")
    assert _unit(rows, "school", "B")["total"] == Decimal("-0.01")
    assert _unit(rows, "county", "K2")["total"] == Decimal("0.15")
    assert _indicator(rows, "school", "P", "three_classrooms")["count"] == Decimal("0.2188")
    assert _indicator(rows, "school", "P", "three_classrooms")["average"] == Decimal("0.0313")
    assert _unit(rows, "school", "Z1")["rank"] == _unit(rows, "school", "Z2")["rank"] == 1


@pytest.mark.parametrize("engine", FAST_ENGINE_PARAMS, indirect=True)
def test_half_up_rounds_as_the_reference(engine: BaseBackend) -> None:
    """Exact ties (which float64 may hold just below), values just off a tie, negatives, both places."""
    exact = ("0.015", "-0.015", "3.335", "2.675", "1.0049999", "-0.005", "0", "0.00625", "0.03125", "12345.675",
             "1.005", "0.145", "-0.145", "0.00145", "0.00465")
    values = [Fraction(text) for text in exact] + [Fraction(1, 3), Fraction(-2, 3)]
    table = ibis.memtable(pa.table({"v": [float(v) for v in values]}))
    query = table.select(p2=half_up(table.v, 2), p4=half_up(table.v, 4))
    with backends.library_warnings_ignored():
        got = backends.rows(engine, query)
    want = [{"p2": int(round_half_up(v, 2).scaleb(2)), "p4": int(round_half_up(v, 4).scaleb(4))} for v in values]
    assert got == want


TABLES_LEFT = {
    "duckdb": "SELECT table_name FROM information_schema.tables",
    "sqlite": "SELECT name FROM sqlite_temp_master UNION ALL SELECT name FROM sqlite_master",
    "postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema LIKE 'pg_temp%' "
                "OR table_schema = current_schema()",
}


@pytest.mark.parametrize("engine", FAST_ENGINE_PARAMS, indirect=True)
def test_a_run_leaves_no_tables_behind(engine: BaseBackend) -> None:
    """Inputs and staged levels are temporary and dropped, so a long-lived connection does not fill up."""
    _on(engine, CASES[1])
    assert engine.raw_sql(TABLES_LEFT[engine.name]).fetchall() == []


@pytest.mark.postgres
def test_postgres_connection_works_in_the_schema_of_its_url(postgres_url: str) -> None:
    con = backends.connect("postgres", url=postgres_url)
    try:
        assert con.raw_sql("SELECT current_schema()").fetchone()[0] == backends.search_path(postgres_url)
    finally:
        con.disconnect()


def test_unknown_engine_is_named() -> None:
    with pytest.raises(backends.EngineUnavailable, match="unknown engine 'oracle'"):
        backends.connect("oracle")


def test_the_postgres_engine_on_another_store_says_what_it_needs() -> None:
    with pytest.raises(backends.EngineUnavailable, match="this store is sqlite: set JIFEN_DATABASE_URL"):
        backends.connect("postgres", url="sqlite:///jifen.sqlite3")


@pytest.mark.parametrize("master", ["notaurl", "local[", "spark://", "local[two]", "http://host:7077", ""])
def test_a_spark_master_spark_does_not_take_is_named_before_spark_starts(master: str) -> None:
    with pytest.raises(InvalidInput, match=f"Spark master {re.escape(repr(master))} is not one Spark takes"):
        backends.spark_session(master)


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[2,3]", "spark://10.0.0.5:7077",
                                    "spark://a:7077,b:7077", "yarn", "k8s://https://10.0.0.1:6443"])
def test_the_masters_spark_takes_are_accepted(master: str) -> None:
    assert backends.SPARK_MASTER.fullmatch(master)


def test_a_failure_inside_spark_names_the_master_and_sparks_first_line() -> None:
    class Py4JJavaError(Exception):
        pass

    Py4JJavaError.__module__ = "py4j.protocol"
    failure = backends.spark_failure(Py4JJavaError("\nAn error occurred while calling o42.sql.\n: java..."), "yarn")
    assert isinstance(failure, backends.EngineUnavailable)
    assert failure.message == "Spark at yarn failed: An error occurred while calling o42.sql."
    ours = ValueError("a bug of ours")
    assert backends.spark_failure(ours, "yarn") is ours, "only Spark's own errors are taken for the engine's"


def test_spark_without_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(backends.EngineUnavailable, match=r"jifen\[spark\]"):
        backends.spark_session()
