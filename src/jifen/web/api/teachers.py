"""A teacher's views, for users whose scope covers the teacher:

GET /api/v1/explanations/teachers/{teacher_id}?month=YYYY-MM[&version=N]: why the teacher has a month's points
    (this month, or last month before its settlement: the reports so far, ``settled`` false).
GET /api/v1/cards/teachers/{teacher_id}[?on=YYYY-MM-DD]: the points card (年度积分, 上月增加, 本月积分操作, 学分).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query

from jifen.domain.periods import Month
from jifen.errors import NotFound, NotSettled
from jifen.reports import datasets
from jifen.reports.card import card as card_data
from jifen.reports.card import day_of
from jifen.reports.explain import explanation
from jifen.reports.month_so_far import awaiting, so_far
from jifen.store import units
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import MAX_VERSION, day_query, month_query, require_covered

router = APIRouter(prefix="/api/v1")


@router.get("/explanations/teachers/{teacher_id}")
def explain(teacher_id: str, user: CurrentUser, runtime: RuntimeDep,
            month: str = Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
            version: int | None = Query(default=None, ge=1, le=MAX_VERSION)) -> dict[str, Any]:
    parsed = month_query(month)
    with runtime.database.read() as connection:
        try:
            record = datasets.settlement_for(connection, month, version)
        except NotSettled:
            now = datetime.now(UTC)
            if version is not None or not awaiting(parsed, now, runtime.tz):
                raise
            # a month awaiting its settlement: the teacher as the roster has them now
            roster = units.lineages(connection, "teacher", [teacher_id], runtime.settings.region_code).get(teacher_id)
            require_covered(user, roster, "teacher", teacher_id, f"教师 {teacher_id!r} is not on the roster",
                            reading=True)
            return so_far(connection, teacher_id, parsed, runtime.rulebook.rules_for(parsed), now, runtime.tz)
        try:
            chain: dict[str, str] | None = datasets.lineage(connection, record.id, "teacher", teacher_id)
        except NotFound:
            chain = None
        require_covered(user, chain, "teacher", teacher_id,
                        f"教师 {teacher_id!r} is not in the settlement of {record.month} (version {record.version})",
                        reading=True)
        return explanation(connection, teacher_id, month, version, tz=runtime.tz)


@router.get("/cards/teachers/{teacher_id}")
def card(teacher_id: str, user: CurrentUser, runtime: RuntimeDep,
         on: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
         ) -> dict[str, Any]:
    today = datetime.now(UTC).astimezone(runtime.tz).date()
    day = day_of(None, day_query(on) if on is not None else None, today, "query.on")
    rules = runtime.rulebook.rules_for(Month(day.year, day.month))
    with runtime.database.read() as connection:
        chain = units.lineages(connection, "teacher", [teacher_id], runtime.settings.region_code).get(teacher_id)
        require_covered(user, chain, "teacher", teacher_id, f"教师 {teacher_id!r} is not on the roster",
                        reading=True)
        return card_data(connection, teacher_id, day, runtime.tz, rules)
