"""What a recount keeps in an engine while it runs: its Arrow inputs and each round's answer, released at the end.

Inputs go in through :mod:`jifen.settle.engine.backends` (temporary tables; Spark: temporary views); an
intermediate answer is an Ibis ``cache()`` (a temporary table) or, on Spark, a local checkpoint behind a
temporary view, so a later round reads it as a table and neither the SQL nor Spark's plans nest round into
round.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from jifen.settle.engine import backends


@dataclass
class Scratch:
    """What one recount puts into an engine (Arrow inputs, each round's answer), released when it ends."""

    con: BaseBackend
    prefix: str = field(default_factory=lambda: f"jifen_recount_{uuid.uuid4().hex[:12]}")
    inputs: dict[str, ir.Table] = field(default_factory=dict)
    kept: dict[str, Callable[[], None]] = field(default_factory=dict)  # table name -> how to release it

    def put(self, data: pa.Table, what: str, *, appendable: bool = False) -> ir.Table:
        """An Arrow table as a table of the engine (see ``backends.put_table``); ``appendable`` if ``append``
        is to add rows to it."""
        name = f"{self.prefix}_{what}_{len(self.inputs)}"
        self.inputs[name] = backends.put_table(self.con, name, data, appendable=appendable)
        return self.inputs[name]

    def append(self, table: ir.Table, data: pa.Table) -> None:
        """More rows into a table made by ``put`` (not on Spark, whose views are read-only)."""
        self.con.insert(_short(table), ibis.memtable(data))

    def keep(self, expr: ir.Table) -> ir.Table:
        """An expression computed once and kept in the engine, so later expressions read it as a table."""
        if self.con.name == "pyspark":
            return self._checkpoint(expr)
        kept = expr.cache()
        self.kept[_short(kept)] = kept.release
        return kept

    def _checkpoint(self, expr: ir.Table) -> ir.Table:
        """Spark: computed now, with its lineage cut. A cached view would carry every earlier round's plan
        (each round reads the one before it three times), and planning would grow with every round."""
        session: Any = self.con._session  # type: ignore[attr-defined]  # Ibis has no public accessor
        frame = session.sql(self.con.compile(expr)).localCheckpoint(eager=True)
        name = f"{self.prefix}_kept_{len(self.kept)}_{uuid.uuid4().hex[:6]}"
        frame.createOrReplaceTempView(name)

        def release() -> None:
            session.catalog.dropTempView(name)
            frame.unpersist()

        self.kept[name] = release
        return self.con.table(name)

    def release(self, table: ir.Table) -> None:
        self.kept.pop(_short(table))()

    def close(self) -> None:
        for release in reversed(list(self.kept.values())):
            release()
        self.kept.clear()
        backends.drop_tables(self.con, self.inputs)
        self.inputs.clear()


def _short(table: ir.Table) -> str:
    """A table's own name; engines qualify it (DuckDB: temp.main.NAME)."""
    return table.get_name().rsplit(".", 1)[-1]


@contextmanager
def scratch(con: BaseBackend) -> Iterator[Scratch]:
    space = Scratch(con)
    try:
        with backends.library_warnings_ignored():
            yield space
    finally:
        space.close()


def scalar(con: BaseBackend, expr: ir.IntegerScalar) -> int:
    return int(backends.fetch(con, expr.name("n").as_table())["n"][0].as_py())
