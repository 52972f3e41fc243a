"""The per-batch look-ups seek the (teacher, day) index on SQLite however large the store has grown.

SQLite's planner joins a long VALUES list to a large table through a Bloom filter built by reading the whole
table. The test gives the planner the statistics of a 10-million-row store (sqlite_stat1, as ANALYZE writes
them) and reads the plan of the statement the look-ups run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.store import lookups
from jifen.store.database import Database

SESSIONS = ("WITH windows (teacher_id, day, starts, ends) AS ({values}) SELECT o.id FROM windows w "
            "JOIN operations o ON o.teacher_id = w.teacher_id AND o.day = w.day "
            "WHERE o.duration_s IS NOT NULL AND o.withdrawn_at IS NULL AND o.occurred_at < w.ends "
            "AND o.ends_at > w.starts")


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
            "('operations', 'uq_operations_app_code_external_id', '10000000 2000000 1')"))
    database.dispose()
    return Database(database.url)  # a new connection reads the statistics


def _plan(database: Database, rows: int) -> list[str]:
    windows = [(f"T{n}", "2026-10-20", "2026-10-20 00:00:00.000000", "2026-10-21 00:00:00.000000")
               for n in range(rows)]
    with database.read() as connection:
        one = "(" + ", ".join(["?"] * 4) + ")"
        statement = "EXPLAIN QUERY PLAN " + SESSIONS.format(values="VALUES " + ", ".join([one] * rows))
        return [r[3] for r in connection.exec_driver_sql(statement, tuple(v for w in windows for v in w))]


def test_a_chunk_of_the_look_ups_seeks_the_index_row_by_row(large_store: Database) -> None:
    chunk = lookups.JOIN_CHUNK["sqlite"]
    plan = _plan(large_store, chunk)
    assert any("SEARCH o USING INDEX ix_operations_teacher_id_day" in step for step in plan), plan
    assert not any("BLOOM FILTER" in step for step in plan), plan


def test_a_longer_list_would_read_the_whole_table_first(large_store: Database) -> None:
    """Why the chunk is small: with a few hundred rows the same statement builds a Bloom filter."""
    assert any("BLOOM FILTER" in step for step in _plan(large_store, 900))
