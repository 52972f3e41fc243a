"""A teacher's monthly points over the last months, for the history chart: each month with the version reports
show (its latest published one, else its latest draft), or none when it is not settled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.reports.numbers import number
from jifen.store import settlements as repo


def history(connection: Connection, teacher_id: str, last: Month, months: int) -> dict[str, Any]:
    wanted = [last]
    while len(wanted) < months:
        wanted.insert(0, wanted[0].previous())
    rows = []
    for month in wanted:
        record = repo.shown(connection, str(month))
        unit = repo.unit(connection, record.id, "teacher", teacher_id) if record is not None else None
        rows.append({"month": str(month), "settled": unit is not None,
                     "version": record.version if record is not None and unit is not None else None,
                     "state": record.status if record is not None and unit is not None else None,
                     "points": number(unit.total) if unit is not None else None,
                     "rank_in_school": unit.rank if unit is not None else None})
    return {"teacher_id": teacher_id, "from": str(wanted[0]), "to": str(last), "months": rows}
