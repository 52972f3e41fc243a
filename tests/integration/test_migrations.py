"""Alembic is the only way tables are made: the migrations build exactly the tables the code describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
