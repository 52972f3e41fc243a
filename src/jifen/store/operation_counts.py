"""Counts of qualified operations per teacher or school, month and indicator, kept in step with the operations.

Every change that makes an operation count or stop counting (stored qualified, a pending report qualified once
its teacher or school is on the roster, a qualified report withdrawn) adds its delta here in the same
transaction, so reads are current the moment the change commits, and settlement reads counts instead of
grouping every operation of the month. It also raises the months' input revisions (``jifen.store.month_inputs``),
so a settled month whose counts change is known to need a new version.

The counts equal a GROUP BY over qualified, not withdrawn operations by ``teacher_id`` (kind 'teacher') and by
``school_code`` (kind 'school'): an operation carrying both counts under each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, select

from jifen.store import lookups, month_inputs
from jifen.store.tables import operation_counts

Key = tuple[str, str, str, str]  # (subject_kind, code, month, indicator)
Counted = tuple[str | None, str | None, str, str]  # an operation's (teacher_id, school_code, month, indicator)


def deltas(operations: Iterable[Counted], sign: int = 1) -> Counter[Key]:
    """``sign`` under the teacher and under the school of each (teacher_id, school_code, month, indicator)."""
    found: Counter[Key] = Counter()
    for teacher_id, school_code, month, indicator in operations:
        for kind, code in (("teacher", teacher_id), ("school", school_code)):
            if code is not None:
                found[(kind, code, month, indicator)] += sign
    return found


def apply(connection: Connection, changes: Mapping[Key, int]) -> None:
    """Add the deltas, one upsert for the whole batch; a count that falls to zero stays as a zero row."""
    rows = [(*k, n) for k, n in sorted(changes.items()) if n]  # sorted: concurrent writers lock rows in one order
    if not rows:
        return
    months = sorted({key[2] for key, n in changes.items() if n})  # their settlements are out of date
    if connection.dialect.name == "sqlite":  # an upsert as SQLAlchemy would write it, without making it each time
        connection.exec_driver_sql(_SQLITE_UPSERT, rows)
        month_inputs.bump(connection, months)
    else:  # one statement for the batch and its months: its keys are distinct, as an upsert requires
        connection.exec_driver_sql(_PG_UPSERT, (*(list(column) for column in zip(*rows)), months))


_FIELDS = ("subject_kind", "code", "month", "indicator", "count")
_SQLITE_UPSERT = (f"INSERT INTO operation_counts ({', '.join(_FIELDS)}) VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (month, subject_kind, code, indicator) "
                  "DO UPDATE SET count = (operation_counts.count + excluded.count)")
# The counts, a column an array, and the months' revisions in the same statement (a data-modifying WITH runs
# whatever the statement reads of it), in key order as the rows come (unnest keeps it).
_PG_UPSERT = (
    f"WITH counted AS (INSERT INTO operation_counts ({', '.join(_FIELDS)}) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::integer[]) "
    "ON CONFLICT (month, subject_kind, code, indicator) DO UPDATE SET count = operation_counts.count + excluded.count) "
    f"{month_inputs.PG_BUMP}"
)


def of_month(connection: Connection, subject_kind: str, month: str, code: str | None = None
             ) -> list[tuple[str, str, int]]:
    """(code, indicator, count) of the month for teachers or schools, or one of them; zero counts left out."""
    query = select(operation_counts.c.code, operation_counts.c.indicator, operation_counts.c.count).where(
        operation_counts.c.subject_kind == subject_kind, operation_counts.c.month == month,
        operation_counts.c.count != 0,
    )
    if code is not None:
        query = query.where(operation_counts.c.code == code)
    return [(r[0], r[1], int(r[2])) for r in connection.execute(query)]


def counted_years(connection: Connection, teacher_ids: Iterable[str], indicator: str, years: Iterable[int]
                  ) -> set[tuple[str, int]]:
    """(teacher, year) pairs of these years in which the teacher has a qualified, not withdrawn operation of the
    indicator: a seek per month of the years and teacher (the key leads with the month)."""
    months = [f"{year:04d}-{month:02d}" for year in sorted(set(years)) for month in range(1, 13)]
    found: set[tuple[str, int]] = set()
    for chunk in lookups.chunks(teacher_ids):
        rows = connection.execute(select(operation_counts.c.code, operation_counts.c.month).where(
            operation_counts.c.month.in_(months), operation_counts.c.subject_kind == "teacher",
            operation_counts.c.code.in_(chunk), operation_counts.c.indicator == indicator,
            operation_counts.c.count > 0,
        ))
        found.update((r.code, int(r.month[:4])) for r in rows)
    return found
