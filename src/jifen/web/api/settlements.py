"""A month's settlement versions, for users:

GET  /api/v1/settlements/{month}: the versions, draft or published, and which one reports show.
GET  /api/v1/settlements/{month}/diff?from=N&to=M: what changed between two versions, within the user's scope.
POST /api/v1/settlements/{month}/versions/{n}/publish: publish the latest draft (region admins only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from jifen.access.scopes import sees
from jifen.errors import Forbidden, InvalidInput
from jifen.reports import versions as datasets
from jifen.settle import publication
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import MAX_NUMBER, MAX_VERSION, month_path

router = APIRouter(prefix="/api/v1/settlements")

MonthPath = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


@router.get("/{month}")
def versions(user: CurrentUser, runtime: RuntimeDep, month: MonthPath) -> dict[str, Any]:
    listing = publication.list_versions(runtime.database, _month(month), runtime.rulebook.for_month)
    return datasets.versions_data(listing)


@router.get("/{month}/diff")
def diff(user: CurrentUser, runtime: RuntimeDep, month: MonthPath,
         from_version: int | None = Query(default=None, alias="from", ge=1, le=MAX_VERSION),
         to_version: int | None = Query(default=None, alias="to", ge=1, le=MAX_VERSION),
         level: str | None = Query(default=None, description="teacher, school, county, city or region"),
         limit: int = Query(default=1000, ge=1, le=MAX_NUMBER,
                            description="at most this many units, largest moves first"),
         ) -> dict[str, Any]:
    with runtime.database.read() as connection:
        parsed = _month(month)
        try:
            return datasets.diff_data(connection, parsed, from_version, to_version, level=level, limit=limit,
                                      covers=lambda chain: sees(user, chain))
        except InvalidInput as exc:  # name the query parameter at fault, as FastAPI's own checks do
            details = [{**d, "path": f"query.{d['path']}"} for d in exc.details]
            raise InvalidInput(exc.message, details=details) from exc


@router.post("/{month}/versions/{version}/publish")
def publish(user: CurrentUser, runtime: RuntimeDep, month: MonthPath,
            version: int = Path(ge=1, le=MAX_VERSION)) -> dict[str, Any]:
    if user.role != "region_admin":
        raise Forbidden(f"user {user.name} is a {user.role}; only the region's admins publish settlements")
    publication.publish(runtime.database, _month(month), version, user.name, datetime.now(UTC), runtime.tz)
    return datasets.versions_data(publication.list_versions(runtime.database, month, runtime.rulebook.for_month))


def _month(month: str) -> str:
    """The month as given, refused with the parameter named when the calendar has no such month (2026-13)."""
    return str(month_path(month))
