"""The database: one engine per process, migrations through Alembic, transactions as units of work."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError

from jifen.config import normalise_database_url

try:
    import fcntl
except ImportError:  # Windows: no flock (see WriterLock)
    fcntl = None  # type: ignore[assignment]


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self._writers: WriterLock | None = None
        if self.is_sqlite:
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
            database = self.engine.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)  # as the data directory is made
                self._writers = WriterLock(Path(database).with_name(Path(database).name + ".writers.lock"))
        else:
            # No server-side prepared statements: a generic plan of the batch look-ups (a VALUES list joined to
            # operations) can scan the table where every custom plan seeks the index, and cost grows with it.
            self.engine = create_engine(self.url, pool_size=10, max_overflow=10,
                                        connect_args={"prepare_threshold": None})
            _ping_when_idle(self.engine)
        self._point: Any = None  # the connection of point_read, made on first use
        self._point_lock = threading.Lock()

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
        """A unit of work: commits when the block ends, rolls back when it raises. On a SQLite file, writers take
        their turn at the WriterLock first."""
        with self._writers.held() if self._writers else nullcontext(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work: on SQLite it does not take the writer's lock."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(jifen_read=True)
            with connection.begin():
                yield connection

    def point_read(self, sql: str, params: tuple[Any, ...]) -> Any:
        """The first column of the first row of one SELECT (None: no row); ``{p}`` in ``sql`` marks a parameter.

        For the look-up that every app request makes (its token): one statement on a connection kept for these
        reads, in autocommit, instead of a pooled connection, a transaction and its end. The statement sees what is
        committed when it runs, as a read transaction of its own would: a token removed is refused from the next
        request on. A connection found broken is made again once.
        """
        rows = self.point_rows(sql, params, first=True)
        return rows[0][0] if rows else None

    def point_rows(self, sql: str, params: tuple[Any, ...], *, first: bool = False) -> list[tuple[Any, ...]]:
        """Every row of one SELECT (only the first with ``first``), read as point_read reads."""
        statement = sql.format(p="?" if self.is_sqlite else "%s")
        with self._point_lock:
            for attempt in range(2):
                if self._point is None:
                    self._point = self._point_connection()
                try:
                    cursor = self._point.cursor()
                    try:
                        cursor.execute(statement, params)
                        if first:
                            row = cursor.fetchone()
                            return [] if row is None else [tuple(row)]
                        return [tuple(row) for row in cursor.fetchall()]
                    finally:
                        cursor.close()
                except self.engine.dialect.loaded_dbapi.Error:
                    broken, self._point = self._point, None
                    _close_quietly(broken)
                    if attempt:
                        raise
        return []  # not reached: the second attempt returns or raises

    def _point_connection(self) -> Any:
        """A driver connection made as the engine makes its own (on SQLite: its pragmas, autocommit among them),
        then taken out of the pool for point_read alone (closed by it, or by dispose)."""
        pooled = self.engine.raw_connection()
        pooled.detach()
        connection = pooled.dbapi_connection
        if not self.is_sqlite:
            connection.rollback()
            connection.autocommit = True
        return connection

    @contextmanager
    def lock(self, connection: Connection, key: int) -> Iterator[None]:
        """Serialise writers that must see each other's rows (PostgreSQL advisory lock per transaction).

        On SQLite the transaction itself begins IMMEDIATE, which already admits one writer at a time.
        """
        if not self.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield

    def dispose(self) -> None:
        with self._point_lock:
            point, self._point = self._point, None
        _close_quietly(point)
        self.engine.dispose()
        if self._writers is not None:
            self._writers.close()


class WriterLock:
    """The turn of the writers of one SQLite file, across threads and processes (``jifen serve --workers N``,
    a back-fill beside the server).

    SQLite admits one writer at a time, and one that finds the file locked polls: it sleeps 1, 2, 5 ... up to
    100 ms between tries, so two processes writing in turn spend most of the time asleep (two server workers
    stored no more than one). Writers wait here instead, on a lock of their thread and then ``flock`` of a file
    beside the database, and the next one goes on as soon as the last commits. Re-entered by the thread that
    holds it (a write inside a write). Without ``fcntl`` (Windows) only the thread lock is taken, and processes
    fall back to SQLite's polling."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None  # of the lock file, opened by the process on its first write
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._flock(True)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._flock(False)

    def _flock(self, take: bool) -> None:
        if fcntl is None:
            return
        if self._fd is None or self._pid != os.getpid():  # a process of its own, not one forked with it
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX if take else fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is not None and self._pid == os.getpid():
                os.close(fd)

    def __del__(self) -> None:  # a Database dropped without dispose must not keep the file open
        try:
            self.close()
        except Exception:  # noqa: BLE001 - finalising: nothing left to tell
            pass


def _close_quietly(connection: Any) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped either way
        pass


IDLE_PING_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before it is handed out when it has been idle for IDLE_PING_S or more (a server
    restarted meanwhile has dropped it; the pool then makes a new one), as ``pool_pre_ping`` does on every
    checkout: a round trip per transaction, which under load finds the connection it checked in milliseconds ago."""

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("jifen_returned_at")
        if returned is not None and time.monotonic() - returned < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection no longer answers: {exc}") from exc

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["jifen_returned_at"] = time.monotonic()

    event.listen(engine.pool, "checkout", checked_out)
    event.listen(engine.pool, "checkin", checked_in)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # An acknowledged report survives a power loss too: NORMAL may roll back the last commits of a WAL database
    # then. Group commit makes one sync a group; the benchmark measured no difference (benchmarks/ingest.py).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get("jifen_read") else "BEGIN IMMEDIATE")
