"""Alembic is the only way tables are made: the migrations build exactly the tables the code describes."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from jifen.store import operation_counts, teacher_operations
from jifen.store.database import Database
from jifen.store.tables import metadata


def test_upgrade_builds_the_described_schema_and_downgrade_removes_it(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert database.current() is None
        database.ensure_current()
        assert database.current() == database.head()
        assert set(metadata.tables) <= set(inspect(database.engine).get_table_names())
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
        database.downgrade("base")
        assert not set(metadata.tables) & set(inspect(database.engine).get_table_names())
        database.ensure_current()
        assert database.current() == database.head()
    finally:
        database.dispose()


def test_reports_stored_without_a_local_day_get_theirs_and_show_in_their_teachers_month(database_url: str) -> None:
    """Reports stored before revision 0002 have no day; since 0011 a teacher's month is read by its days."""
    database = Database(database_url)
    try:
        database.upgrade("0010")
        with database.transaction() as connection:
            connection.execute(text(
                "INSERT INTO operations (app_code, external_id, action, indicator, teacher_id, occurred_at, month, "
                "attributes, status, received_at) VALUES ('app', 'old-1', 'resource.upload', 'resource_upload', "
                "'T1', :at, '2026-10', '{}', 'qualified', :at)"), {"at": datetime(2026, 9, 30, 17, 30, tzinfo=UTC)})
        database.ensure_current()
        with database.read() as connection:
            assert connection.scalar(text("SELECT day FROM operations WHERE external_id = 'old-1'")) == "2026-10-01"
            assert [o.external_id for o in teacher_operations.of_month(connection, "T1", "2026-10")] == ["old-1"]
    finally:
        database.dispose()


def test_the_counts_keep_their_rows_when_their_key_is_reordered(database_url: str) -> None:
    """Revision 0012 keys operation_counts by month first, and back; the counts themselves never change."""
    database = Database(database_url)
    rows = [("teacher", "T1", "2026-10", "resource_upload", 3), ("school", "S1", "2026-09", "three_classrooms", 2)]
    read = text("SELECT subject_kind, code, month, indicator, count FROM operation_counts ORDER BY code")
    try:
        database.upgrade("0011")
        with database.transaction() as connection:
            connection.execute(text("INSERT INTO operation_counts (subject_kind, code, month, indicator, count) "
                                    "VALUES (:k, :c, :m, :i, :n)"),
                               [dict(zip("kcmin", row, strict=True)) for row in rows])
        database.upgrade("0012")
        with database.transaction() as connection:
            assert [tuple(r) for r in connection.execute(read)] == sorted(rows, key=lambda r: r[1])
            operation_counts.apply(connection, {("teacher", "T1", "2026-10", "resource_upload"): 1})
        database.downgrade("0011")
        with database.read() as connection:
            assert [tuple(r) for r in connection.execute(read)][1] == ("teacher", "T1", "2026-10", "resource_upload", 4)
    finally:
        database.dispose()
