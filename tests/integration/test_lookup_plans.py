"""The per-batch look-ups seek the (teacher, day) index on SQLite however large the store has grown.

SQLite's planner joins a long VALUES list to a large table, when the join also filters the table's rows, through
a Bloom filter built by reading the whole table. The test gives the planner the statistics of a 10-million-row
store (sqlite_stat1, as ANALYZE writes them) and reads the plans of the statements the look-ups run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.store import lookups
from jifen.store.database import Database
from jifen.store.operations import QUALIFIED_PER_DAY, SESSIONS_OVERLAPPING

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
            "('operations', 'ix_operations_teacher_id_day', '10000000 500 10'), "
            "('operations', 'ix_operations_school_code_day', '10000000 5000 100'), "
            "('operations', 'uq_operations_app_code_external_id', '10000000 2000000 1')"))
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
    plan = _plan(large_store, QUALIFIED_PER_DAY.replace("{column}", column), 3, lookups.CHUNK)
    assert any(f"SEARCH o USING INDEX ix_operations_{column}_day" in step for step in plan), plan
    assert not any("BLOOM FILTER" in step for step in plan), plan


def test_a_full_chunk_of_sessions_seeks_the_index_row_by_row(large_store: Database) -> None:
    plan = _plan(large_store, SESSIONS_OVERLAPPING, 4, lookups.CHUNK)
    assert any("SEARCH o USING INDEX ix_operations_teacher_id_day" in step for step in plan), plan
    assert not any("BLOOM FILTER" in step for step in plan), plan


def test_the_same_join_with_its_filters_inside_reads_the_whole_table_first(large_store: Database) -> None:
    """Why the filters stay outside the fenced join: inside, a long list gets a Bloom filter."""
    assert any("BLOOM FILTER" in step for step in _plan(large_store, UNFENCED, 4, lookups.CHUNK, fence=""))
