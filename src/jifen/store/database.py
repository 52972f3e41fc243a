"""The database: one engine per process, migrations through Alembic, transactions as units of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text

from jifen.config import normalise_database_url


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        else:
            # No server-side prepared statements: a generic plan of the batch look-ups (a VALUES list joined to
            # operations) can scan the table where every custom plan seeks the index, and cost grows with it.
            self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                        connect_args={"prepare_threshold": None})

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _alembic(self, connection: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(resources.files("jifen.store") / "migrations"))
        config.attributes["connection"] = connection
        return config

    def head(self) -> str:
        with self.engine.connect() as connection:
            script = ScriptDirectory.from_config(self._alembic(connection))
            return str(script.get_current_head())

    def current(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self, revision: str = "head") -> None:
        with self.engine.begin() as connection:
            command.upgrade(self._alembic(connection), revision)

    def downgrade(self, revision: str = "base") -> None:
        with self.engine.begin() as connection:
            command.downgrade(self._alembic(connection), revision)

    def ensure_current(self) -> None:
        """Bring the schema to the latest revision (a new, empty database included)."""
        if self.current() != self.head():
            self.upgrade()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A unit of work: commits when the block ends, rolls back when it raises."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work: on SQLite it does not take the writer's lock."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(jifen_read=True)
            with connection.begin():
                yield connection

    @contextmanager
    def lock(self, connection: Connection, key: int) -> Iterator[None]:
        """Serialise writers that must see each other's rows (PostgreSQL advisory lock per transaction).

        On SQLite the transaction itself begins IMMEDIATE, which already admits one writer at a time.
        """
        if not self.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get("jifen_read") else "BEGIN IMMEDIATE")
