"""GET /api/v1/credits/{kind}/{code}?year=YYYY: the year's continuing-education credits of every teacher of a
school, county, city or the region, for users whose scope covers it; ``format=xlsx`` or ``csv`` downloads them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Response

from jifen.access.scopes import sees, told_missing
from jifen.errors import Forbidden, InvalidInput, NotFound
from jifen.reports.card import day_of
from jifen.reports.credits_list import credits_list, sheet
from jifen.store import units
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.downloads import sheet_file
from jifen.web.scoping import day_query

router = APIRouter(prefix="/api/v1/credits")

PLURALS = {"schools": "school", "counties": "county", "cities": "city", "regions": "region"}


@router.get("/{kind}/{code}", response_model=None)
def credits(kind: str, code: str, user: CurrentUser, runtime: RuntimeDep,
            year: int | None = Query(default=None, description="YYYY (default: this year; a past year to its end)"),
            on: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                                   description="YYYY-MM-DD: the months ended by that day"),
            format: str = Query(default="json", pattern=r"^(json|xlsx|csv)$",
                                description="json, or a file to download: xlsx or csv")) -> dict[str, Any] | Response:
    level = PLURALS.get(kind)
    if level is None:
        raise NotFound(f"no credits list of {kind!r}; one of {', '.join(PLURALS)}")
    if year is not None and on is not None:
        raise InvalidInput("query.on: give year or on, not both", details=[{"path": "query.on",
                                                                          "message": "not with year"}])
    today = datetime.now(UTC).astimezone(runtime.tz).date()
    try:
        day = day_of(year, day_query(on) if on is not None else None, today, "query.on", "the credits list")
    except InvalidInput as exc:
        if year is None:
            raise
        raise InvalidInput(f"query.year: {exc.message.removeprefix('year: ')}",
                           details=[{"path": "query.year", "message": exc.message.removeprefix("year: ")}]) from exc
    region = runtime.settings.region_code
    with runtime.database.read() as connection:
        chain = units.chain_of(connection, level, code, region)
        if chain is None or not sees(user, chain):
            if chain is None and told_missing(user, level, code):
                raise NotFound(f"{level} {code!r} is not on the roster")
            raise Forbidden(f"{level} {code!r} is outside the scope of user {user.name}")
        data = credits_list(connection, level, code, day)
    if format == "json":
        return data
    return sheet_file(sheet(data), format, f"credits_{level}_{code}_{day.year}")
