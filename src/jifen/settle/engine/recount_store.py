"""The recount of the operations stored in the database: moved out chunk by chunk, then counted on an engine.

The engine is DuckDB in memory unless another is given (:func:`jifen.settle.engine.backends.connect`).
"""

from __future__ import annotations

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend
from sqlalchemy import Connection, func, select

from jifen.rules.schema import RuleSet
from jifen.settle.engine import backends
from jifen.settle.engine import recount_fields as flat
from jifen.settle.engine.recount import ROSTER_SCHEMA, recount, rules_of
from jifen.settle.engine.recount_engine import Scratch, scratch
from jifen.store.database import Database
from jifen.store.tables import operations, schools, teachers

# What the recount reads of an operation: the stored outcome (status, indicator) is left behind, and the times
# it compares go in as microseconds since the epoch (engines read timestamps each their own way).
_LEFT_OUT = ("external_id", "indicator", "status", "occurred_at", "received_at", "withdrawn_at")
_TIMES = {"received_us": "received_at", "withdrawn_us": "withdrawn_at"}


def input_schema(fields: list[flat.FlatField]) -> pa.Schema:
    """The operations as the recount reads them (see ``recount_input``)."""
    kept = [f for f in flat.schema(fields) if f.name not in _LEFT_OUT]
    return pa.schema([*kept, *(pa.field(name, pa.int64()) for name in _TIMES)])


def recount_input(batch: pa.RecordBatch, target: pa.Schema) -> pa.RecordBatch:
    """Flattened operations (``recount_fields.schema``) as the recount reads them."""
    columns = {name: batch.column(name) for name in target.names if name not in _TIMES}
    times = {name: pc.cast(batch.column(source), pa.int64()) for name, source in _TIMES.items()}
    return pa.RecordBatch.from_pydict({**columns, **times}, schema=target)


def roster_table(connection: Connection) -> pa.Table:
    """The teachers and schools on the roster now: those ingestion judges reports for."""
    rows = [{"kind": "teacher", "code": c} for c in connection.scalars(select(teachers.c.id).where(
        teachers.c.active.is_(True)))]
    rows += [{"kind": "school", "code": c} for c in connection.scalars(select(schools.c.code).where(
        schools.c.active.is_(True)))]
    return pa.Table.from_pylist(rows, schema=ROSTER_SCHEMA)


def load_operations(space: Scratch, connection: Connection, fields: list[flat.FlatField], month: str | None,
                    chunk: int = 50_000) -> ir.Table:
    """The operations moved into the engine chunk by chunk: all of them, or those received up to the month's
    last one (``month``). Never the whole set in Python at once."""
    where = None
    if month is not None:
        last = select(func.max(operations.c.id)).where(operations.c.month == month).scalar_subquery()
        where = operations.c.id <= last
    target = input_schema(fields)
    parts = (recount_input(batch, target) for batch in flat.batches(connection, fields, where=where, chunk=chunk))
    if space.con.name == "pyspark":  # a view is one DataFrame: Spark takes the rows at once
        return space.put(pa.Table.from_batches(list(parts), schema=target), "operations")
    table = space.put(target.empty_table(), "operations", appendable=True)
    for part in parts:
        space.append(table, pa.Table.from_batches([part]))
    return table


def recount_store(database: Database, rules: RuleSet, con: BaseBackend | None = None, *, month: str | None = None,
                  rounds: list[int] | None = None) -> pa.Table:
    """The recount of the stored operations on ``con`` (an in-memory DuckDB by default): every month, or one
    (``month``, YYYY-MM) judged with everything received before its last operation."""
    fields = flat.flat_fields(rules)
    rules_of(rules)  # fail before moving any data
    engine = backends.connect_duckdb() if con is None else con
    try:
        with scratch(engine) as space:
            with database.read() as connection:  # one snapshot of operations and roster, released before counting
                ops = load_operations(space, connection, fields, month)
                roster = space.put(roster_table(connection), "roster")
            found = recount(engine, ops, roster, rules, fields, rounds=rounds)
    finally:
        if con is None:
            engine.disconnect()
    if month is not None:
        found = found.filter(pc.equal(found["month"], month))
    return found
