"""Which months' inputs changed since they were settled: one revision number per month.

Every write that changes what a month's settlement reads (an operation that starts or stops counting, an
adjustment, a roster import) raises the month's revision in its own transaction. A settlement reads the revisions
of the months it reads (``jifen.settle.inputs``) before anything else and keeps their sum
(``settlements.inputs_revision``); a greater sum now means inputs that version did not see. Reading first is what
makes this safe on PostgreSQL: a change committed after the read raises the sum past the kept one, so it is never
missed (at worst a month is settled once more than needed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from jifen.store.tables import month_inputs, settlements


def bump(connection: Connection, months: Iterable[str]) -> None:
    """Raise the revision of each month by one (in month order, so concurrent writers lock rows alike)."""
    rows = [{"month": month, "revision": 1} for month in sorted(set(months))]
    if rows:
        connection.execute(_UPSERTS[connection.dialect.name], rows)


def _upsert(insert: Callable[[Table], Any]) -> Any:
    statement = insert(month_inputs)
    return statement.on_conflict_do_update(index_elements=[month_inputs.c.month],
                                           set_={"revision": month_inputs.c.revision + 1})


# Built once: the ingestion bumps for every group of reports, and building the statement cost more than running it
_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}
# The same on PostgreSQL for an array of months (%s, text[], sorted), to end a statement that changes counts with
# (jifen.store.operation_counts).
PG_BUMP = ("INSERT INTO month_inputs (month, revision) SELECT unnest(%s::text[]), 1 "
           "ON CONFLICT (month) DO UPDATE SET revision = month_inputs.revision + 1")


def settled_from(connection: Connection, first_month: str) -> list[str]:
    """The settled months from ``first_month`` on (those a roster import restating them may put out of date)."""
    return list(connection.scalars(select(settlements.c.month).where(settlements.c.month >= first_month)
                                   .distinct().order_by(settlements.c.month)))


def revisions(connection: Connection, months: Iterable[str]) -> dict[str, int]:
    """The revision of each month asked for (0 for a month nothing has changed yet)."""
    wanted = sorted(set(months))
    found: dict[str, int] = {}
    if wanted:
        rows = connection.execute(select(month_inputs.c.month, month_inputs.c.revision)
                                  .where(month_inputs.c.month.in_(wanted)))
        found = {month: int(revision) for month, revision in rows}
    return {month: found.get(month, 0) for month in wanted}
