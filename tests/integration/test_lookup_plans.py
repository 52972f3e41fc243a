"""The per-batch look-ups seek the (day, teacher) index however large the store has grown, whatever its statistics.

SQLite's planner joins a long VALUES list to a large table, when the join also filters the table's rows, through
a Bloom filter built by reading the whole table. The test gives the planner the statistics of a 10-million-row
store (sqlite_stat1, as ANALYZE writes them) and reads the plans of the statements the look-ups run.

PostgreSQL's planner, on a table it has no statistics of (loaded since autovacuum last ran), takes
``withdrawn_at IS NULL`` to keep 0.5 % of the rows and hashes a scan of the whole table; the look-ups' lateral
seeks keep to the index there too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, text

from jifen.runtime import Runtime
from jifen.store import appeals, desk_queries, lookups, operation_counts, teacher_operations
from jifen.store.database import Database
from jifen.store.operations import QUALIFIED_PER_DAY, SESSIONS_BY_ID, SESSIONS_NEAR

UNFENCED = ("WITH windows (teacher_id, day, starts, ends) AS ({values}) SELECT o.id FROM windows w "
            "JOIN operations o ON o.teacher_id = w.teacher_id AND o.day = w.day "
            "WHERE o.duration_s IS NOT NULL AND o.withdrawn_at IS NULL AND o.occurred_at < w.ends "
            "AND o.ends_at > w.starts{fence}")


@pytest.fixture
def large_store(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'jifen.sqlite3'}")
    database.ensure_current()
    with database.transaction() as connection:
        connection.execute(text("ANALYZE"))
        connection.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'operations'"))
        connection.execute(text(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES "
            "('operations', 'ix_operations_day_teacher_id_ends_at', '10000000 27000 10 2'), "
            "('operations', 'ix_operations_day_school_code', '10000000 27000 100'), "
            "('operations', 'uq_operations_app_code_external_id', '10000000 2000000 1'), "
            "('operations', 'ix_operations_month_status_indicator', '10000000 800000 300000 30000')"))
    database.dispose()
    return Database(database.url)  # a new connection reads the statistics


def _plan(database: Database, sql: str, width: int, rows: int, fence: str = lookups.FENCE["sqlite"]) -> list[str]:
    keys = [(f"T{n}", "2026-10-20", "2026-10-20 00:00:00.000000", "2026-10-21 00:00:00.000000")[:width]
            for n in range(rows)]
    with database.read() as connection:
        one = "(" + ", ".join(["?"] * width) + ")"
        statement = "EXPLAIN QUERY PLAN " + sql.format(values="VALUES " + ", ".join([one] * rows), fence=fence)
        return [r[3] for r in connection.exec_driver_sql(statement, tuple(v for k in keys for v in k))]


@pytest.mark.parametrize("column", ["teacher_id", "school_code"])
def test_a_full_chunk_of_daily_counts_seeks_the_index_row_by_row(large_store: Database, column: str) -> None:
    plan = _plan(large_store, QUALIFIED_PER_DAY["sqlite"].replace("{column}", column), 3, lookups.CHUNK)
    assert any(f"SEARCH o USING INDEX ix_operations_day_{column}" in step for step in plan), plan
    assert not any("BLOOM FILTER" in step for step in plan), plan


def test_a_full_chunk_of_sessions_reads_the_index_alone_then_rows_by_id(large_store: Database) -> None:
    plan = _plan(large_store, SESSIONS_NEAR["sqlite"], 3, lookups.CHUNK)
    assert any("SEARCH o USING COVERING INDEX ix_operations_day_teacher_id_ends_at (day=? AND teacher_id=? AND "
               "ends_at>?)" in step for step in plan), plan
    assert not any("BLOOM FILTER" in step for step in plan), plan
    with large_store.read() as connection:
        by_id = [r[3] for r in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + SESSIONS_BY_ID.format(keys=", ".join(["?"] * lookups.CHUNK)),
            tuple(range(lookups.CHUNK)))]
    assert any("USING INTEGER PRIMARY KEY" in step for step in by_id) and not any(
        "SCAN" in step or "BLOOM" in step for step in by_id), by_id


def test_the_same_join_with_its_filters_inside_reads_the_whole_table_first(large_store: Database) -> None:
    """Why the filters stay outside the fenced join: inside, a long list gets a Bloom filter."""
    assert any("BLOOM FILTER" in step for step in _plan(large_store, UNFENCED, 4, lookups.CHUNK, fence=""))


_TEACHERS = [f"T{n}" for n in range(40)]
_WINDOWS = ("SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])",
            (_TEACHERS, ["2026-10-20"] * 40, [datetime(2026, 10, 20, 8, tzinfo=UTC)] * 40,
             [datetime(2026, 10, 20, 9, tzinfo=UTC)] * 40))
_STARTS = ("SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[])", _WINDOWS[1][:3])
_DAYS = ("SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])",
         (_TEACHERS, ["interactive_teaching"] * 40, ["2026-10-20"] * 40))
_PG_PLAIN = ("SELECT o.id FROM ({values}) AS w (teacher_id, day, starts, ends) JOIN operations o "
             "ON o.teacher_id = w.teacher_id AND o.day = w.day WHERE o.duration_s IS NOT NULL "
             "AND o.withdrawn_at IS NULL AND o.occurred_at < w.ends AND o.ends_at > w.starts")


@pytest.fixture
def unanalysed_store(runtime: Runtime) -> Database:
    """6,000 sessions of 1,000 teachers on one day, stored since PostgreSQL last gathered statistics."""
    with runtime.database.transaction() as connection:
        connection.execute(text(
            "INSERT INTO operations (app_code, external_id, action, indicator, teacher_id, occurred_at, month, day, "
            "ends_at, duration_s, attributes, status, received_at) "
            "SELECT 'seewo-easinote5', 'x-' || n, 'teaching.session', 'interactive_teaching', 'T' || (n % 1000), "
            "timestamptz '2026-10-20 00:00+00' + n * interval '1 second', '2026-10', '2026-10-20', "
            "timestamptz '2026-10-20 00:30+00' + n * interval '1 second', 1800, '{}', 'qualified', now() "
            "FROM generate_series(1, 6000) AS n"))
    return runtime.database


def _pg_plan(database: Database, sql: str, keys: tuple[str, tuple[list[object], ...]]) -> str:
    values, arrays = keys
    with database.read() as connection:
        return "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql.format(values=values), arrays))


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_without_statistics_postgresql_seeks_the_index_for_each_key(unanalysed_store: Database) -> None:
    for sql, keys in ((SESSIONS_NEAR["postgresql"], _STARTS),
                      (QUALIFIED_PER_DAY["postgresql"].replace("{column}", "teacher_id"), _DAYS)):
        plan = _pg_plan(unanalysed_store, sql, keys)
        assert "Index Scan using ix_operations_day_teacher_id_ends_at" in plan and "Seq Scan" not in plan, plan
    assert "Seq Scan on operations" in _pg_plan(unanalysed_store, _PG_PLAIN, _WINDOWS)  # why: a plain join scans


def _plans_of(database: Database, read: Callable[[Connection], object]) -> list[list[str]]:
    """The plan of every statement ``read`` runs, on the store's statistics."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    with database.read() as connection:
        event.listen(connection, "before_cursor_execute", capture)
        read(connection)
        event.remove(connection, "before_cursor_execute", capture)
        return [[r[3] for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)] for sql, params in seen]


@pytest.mark.parametrize("read", [
    lambda c: teacher_operations.of_month(c, "T1", "2026-10"),
    lambda c: desk_queries.qualified_page(c, "T1", "2026-10", 0, 20),
    lambda c: appeals.uncounted(c, "T1", ["2026-09", "2026-10"], ["not_qualified", "pending"]),
], ids=["month", "counted page", "uncounted"])
def test_a_teachers_months_seek_each_of_their_days(large_store: Database, read: Callable[[Connection], object]
                                                   ) -> None:
    """The index leads with the day: a teacher's month is one seek per day, never a month's range or a scan."""
    for plan in _plans_of(large_store, read):
        assert any("SEARCH operations USING INDEX ix_operations_day_teacher_id_ends_at (day=? AND teacher_id=?)"
                   in step for step in plan), plan
        assert not any(step.startswith("SCAN operations") for step in plan), plan


def test_a_months_counts_are_one_range_of_the_key(large_store: Database) -> None:
    """operation_counts is keyed by month first: a settlement's read of a month, and whether teachers were counted
    in a year, seek the key rather than reading every month kept."""
    (month,) = _plans_of(large_store, lambda c: operation_counts.of_month(c, "teacher", "2026-10"))
    assert any("SEARCH operation_counts USING INDEX sqlite_autoindex_operation_counts_1 (month=? AND subject_kind=?)"
               in step for step in month), month
    (years,) = _plans_of(large_store, lambda c: operation_counts.counted_years(c, ["T1", "T2"], "literacy_assessment", [2026]))
    assert any("SEARCH operation_counts USING INDEX sqlite_autoindex_operation_counts_1 (month=? AND subject_kind=? "
               "AND code=? AND indicator=?)" in step for step in years), years
