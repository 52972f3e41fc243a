"""Key look-ups in plain SQL, for the ingestion path that runs them for every batch.

SQLAlchemy compiles an ``IN`` list or a VALUES list with a bound parameter per element on every call; for a
batch of a thousand reports that costs more than the query. These helpers write the placeholders directly,
in the driver's own style, a chunk of keys at a time (SQLite allows 32,766 parameters a statement).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import Connection

CHUNK = 900
# SQLite (3.38 and later) joins a VALUES list of a few hundred rows to a large table through a Bloom filter, which
# it builds by reading the whole table first (1.5 s at 10 million operations, for a join that otherwise takes
# 2 ms), when the join also filters the table's rows by other columns. A join statement therefore does only the
# join inside a subquery fenced by ``{fence}`` (LIMIT -1 on SQLite, which keeps the planner from merging it into
# the outer query) and filters outside it, so that SQLite seeks the index for each row of the list.
FENCE = {"sqlite": " LIMIT -1"}
# PostgreSQL takes the keys as arrays instead, one per column (``unnest``): a statement of a few parameters in place
# of one with a placeholder per key, which the server parses and plans in a fraction of the time, and no chunks.
# (Not prepared: a generic plan of these joins scans operations where each custom plan seeks the index.)
# A join statement on PostgreSQL reads the table in a lateral subquery fenced by OFFSET 0, so that each key
# seeks the index whatever the planner believes of the table. Without statistics (a table loaded since autovacuum
# last ran, or autovacuum off) it takes ``withdrawn_at IS NULL`` to keep 0.5 % of the rows and hashes a scan of the
# whole table instead: 2 ms a look-up at 6,000 operations where the seeks take 0.15 ms, and growing with the table.


T = TypeVar("T")


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """The distinct values, ``CHUNK`` at a time: one ``IN`` list each, under SQLite's bound-parameter limit."""
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def marker(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def rows_in(connection: Connection, sql: str, keys: Sequence[Any], params: tuple[Any, ...] = ()) -> Iterator[Any]:
    """Rows of ``sql``, whose ``{keys}`` becomes the placeholders of a chunk of keys (on PostgreSQL, a subquery of
    one text array), after ``params`` (``{p}`` marks a placeholder of those)."""
    mark = marker(connection)
    if connection.dialect.name == "postgresql":  # one array of every key
        if keys:
            statement = sql.format(keys=f"SELECT unnest({mark}::text[])", p=mark)
            yield from connection.exec_driver_sql(statement, (*params, list(keys)))
        return
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        statement = sql.format(keys=", ".join([mark] * len(chunk)), p=mark)
        yield from connection.exec_driver_sql(statement, (*params, *chunk))


def rows_joined(connection: Connection, sql: str, tuples: Sequence[tuple[Any, ...]], casts: Sequence[str] = ()
                ) -> Iterator[Any]:
    """Rows of ``sql``, whose ``{values}`` becomes a VALUES list of a chunk of tuples (on PostgreSQL, ``unnest`` of an
    array per position, text unless ``casts`` gives its type, e.g. ``::timestamptz``) and ``{fence}`` the dialect's
    subquery fence (see FENCE)."""
    if not tuples:
        return
    mark = marker(connection)
    width = len(tuples[0])
    if connection.dialect.name == "postgresql":  # an array per position, of every tuple
        kinds = [*casts, *[""] * (width - len(casts))]
        arrays = ", ".join(f"{mark}{kind or '::text'}[]" for kind in kinds)
        statement = sql.format(values=f"SELECT * FROM unnest({arrays})", fence="")
        yield from connection.exec_driver_sql(statement, tuple(list(column) for column in zip(*tuples)))
        return
    one = "(" + ", ".join([mark] * width) + ")"
    fence = FENCE.get(connection.dialect.name, "")
    for start in range(0, len(tuples), CHUNK):
        chunk = tuples[start : start + CHUNK]
        statement = sql.format(values="VALUES " + ", ".join([one] * len(chunk)), fence=fence)
        yield from connection.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))
