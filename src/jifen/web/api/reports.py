"""GET /api/v1/reports/{level}/{code}?month=YYYY-MM: settled scores, for users whose scope covers them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from jifen.access.scopes import covers
from jifen.domain.periods import Month
from jifen.errors import Forbidden, InvalidInput, NotFound
from jifen.reports import datasets
from jifen.web.deps import CurrentUser, RuntimeDep

router = APIRouter(prefix="/api/v1/reports")

PLURALS = {"teachers": "teacher", "schools": "school", "counties": "county", "cities": "city", "regions": "region"}


@router.get("/{kind}/{code}")
def report(kind: str, code: str, user: CurrentUser, runtime: RuntimeDep,
           month: str = Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
           version: int | None = Query(default=None, ge=1)) -> dict[str, Any]:
    level = PLURALS.get(kind)
    if level is None:
        raise NotFound(f"no report kind {kind!r}; one of {', '.join(PLURALS)}")
    try:
        Month.parse(month)
    except InvalidInput as exc:  # e.g. 2026-13: the pattern admits it, the calendar does not
        detail = {"path": "query.month", "message": exc.message}
        raise InvalidInput(f"query.month: {exc.message}", details=[detail]) from exc
    with runtime.database.read() as connection:
        record = datasets.settlement_for(connection, month, version)
        try:
            chain = datasets.lineage(connection, record.id, level, code)
        except NotFound:
            chain = None
        if chain is None or not covers(user, chain):
            if chain is None and user.role == "region_admin":
                raise NotFound(f"{datasets.LEVEL_NAMES[level]} {code!r} is not in the settlement of {record.month}")
            raise Forbidden(f"{level} {code!r} is outside the scope of user {user.name}")
        return datasets.report(connection, level, code, month, version)
