"""GET /api/v1/histories/teachers/{teacher_id}[?to=YYYY-MM&months=12]: a teacher's points month by month (the
teacher desk's chart), for users whose scope covers the teacher; ``to`` defaults to last month."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query

from jifen.domain.periods import Month
from jifen.reports.history import history as history_data
from jifen.store import units
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import month_query, require_covered

router = APIRouter(prefix="/api/v1")


@router.get("/histories/teachers/{teacher_id}")
def history(teacher_id: str, user: CurrentUser, runtime: RuntimeDep,
            to: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
            months: int = Query(default=12, ge=1, le=36)) -> dict[str, Any]:
    last = month_query(to, "to") if to is not None else Month.of(datetime.now(UTC), runtime.tz).previous()
    with runtime.database.read() as connection:
        chain = units.lineages(connection, "teacher", [teacher_id], runtime.settings.region_code).get(teacher_id)
        require_covered(user, chain, "teacher", teacher_id, f"教师 {teacher_id!r} is not on the roster",
                        reading=True)
        return history_data(connection, teacher_id, last, months)
