"""The admin pages' charts, for users who may read the unit (its admins, those above, its assessment experts):

GET /api/v1/charts/{schools|counties|cities|regions}/{code}/ranking?month=YYYY-MM  the members' totals, ranked
GET /api/v1/charts/{schools|counties|cities|regions}/{code}/radar?month=YYYY-MM    points per indicator against
                                                                                   the region's mean of the level
GET /api/v1/charts/{schools|counties|cities|regions}/{code}/trend[?to=YYYY-MM&months=12]  total month by month
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import Connection

from jifen.access.scopes import sees, told_missing
from jifen.errors import Forbidden, NotFound
from jifen.reports import charts, datasets
from jifen.store import desk_queries
from jifen.store.access import User
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import month_query

router = APIRouter(prefix="/api/v1/charts")

KINDS = {"schools": "school", "counties": "county", "cities": "city", "regions": "region"}
MonthQuery = Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


@router.get("/{kind}/{code}/ranking")
def ranking(kind: str, code: str, user: CurrentUser, runtime: RuntimeDep, month: str = MonthQuery) -> dict[str, Any]:
    level, parsed = _level(kind), str(month_query(month))
    with runtime.database.read() as connection:
        _require_seen(connection, user, level, code, parsed)
        return charts.ranking(connection, level, code, parsed)


@router.get("/{kind}/{code}/radar")
def radar(kind: str, code: str, user: CurrentUser, runtime: RuntimeDep, month: str = MonthQuery) -> dict[str, Any]:
    level, parsed = _level(kind), str(month_query(month))
    with runtime.database.read() as connection:
        _require_seen(connection, user, level, code, parsed)
        return charts.radar(connection, level, code, parsed, runtime.settings.region_code)


@router.get("/{kind}/{code}/trend")
def trend(kind: str, code: str, user: CurrentUser, runtime: RuntimeDep,
          to: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default: the "
                                 "latest settled month"),
          months: int = Query(default=12, ge=1, le=60)) -> dict[str, Any]:
    level = _level(kind)
    with runtime.database.read() as connection:
        last = str(month_query(to, "to")) if to else desk_queries.latest_settled_month(connection)
        if last is None:
            raise NotFound("no month is settled yet")
        _require_seen(connection, user, level, code, last)
        return charts.trend(connection, level, code, month_query(last), months)


def _level(kind: str) -> str:
    level = KINDS.get(kind)
    if level is None:
        raise NotFound(f"no chart of {kind!r}; one of {', '.join(KINDS)}")
    return level


def _require_seen(connection: Connection, user: User, level: str, code: str, month: str) -> None:
    """The unit must be in the month's settlement and readable by the user; one that is not is 404 to the
    region's admins (the month not settled: 404 to everyone)."""
    record = datasets.settlement_for(connection, month)
    try:
        chain: dict[str, str] | None = datasets.lineage(connection, record.id, level, code)
    except NotFound:
        chain = None
    if chain is not None and sees(user, chain):
        return
    if chain is None and told_missing(user, level, code):
        raise NotFound(f"{level} {code!r} is not in the settlement of {month}")
    raise Forbidden(f"{level} {code!r} is outside the scope of user {user.name}")
