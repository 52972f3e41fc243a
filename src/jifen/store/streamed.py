"""Large reads straight from the driver, a chunk of plain tuples at a time.

Moving a month's operations out of the store (the Parquet export, the recount) reads millions of rows. Through
SQLAlchemy's result each row becomes a Row object and each value passes its type's processor (JSON parsed, every
timestamp made timezone-aware): more than half the time of the whole move at a province's size. These reads take
the driver's tuples as they come instead, and leave the values' conversion to the caller, column by column.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select


def driver_rows(connection: Connection, query: Select[Any], chunk: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``query``, ``chunk`` at a time, as the driver returns them (on SQLite, timestamps are text).

    The values ``query`` compares with are written into the statement, so they may only be text and numbers. On
    PostgreSQL the rows come through a server-side cursor: at most a chunk is held in memory, on either database.
    Runs in ``connection``'s transaction."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"jifen_rows_{uuid.uuid4().hex[:12]}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield rows
    finally:
        cursor.close()
