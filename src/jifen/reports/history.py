"""A teacher's monthly points over the last months, for the history chart: each month with the version reports
show (its latest published one, else its latest draft), or none when it is not settled. Two queries whatever
the number of months."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.reports.numbers import number
from jifen.store import desk_queries


def history(connection: Connection, teacher_id: str, last: Month, months: int) -> dict[str, Any]:
    wanted = [last]
    while len(wanted) < months:
        wanted.insert(0, wanted[0].previous())
    shown = desk_queries.shown_versions(connection, [str(m) for m in wanted])
    totals = desk_queries.teacher_totals(connection, [r.id for r in shown.values()], teacher_id)
    rows = []
    for month in wanted:
        record = shown.get(str(month))
        unit = totals.get(record.id) if record is not None else None
        rows.append({"month": str(month), "settled": unit is not None,
                     "version": record.version if record is not None and unit is not None else None,
                     "state": record.status if record is not None and unit is not None else None,
                     "points": number(unit.total) if unit is not None else None,
                     "rank_in_school": unit.rank if unit is not None else None})
    return {"teacher_id": teacher_id, "from": str(wanted[0]), "to": str(last), "months": rows}
