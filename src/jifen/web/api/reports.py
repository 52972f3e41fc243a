"""GET /api/v1/reports/{level}/{code}?month=YYYY-MM: settled scores, for users whose scope covers them.

``format=xlsx`` or ``format=csv`` answers the same report as a file to download, under the same scope checks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection

from jifen.access.scopes import sees, told_missing
from jifen.domain.periods import Month
from jifen.errors import Forbidden, InvalidInput, NotFound
from jifen.reports import datasets, sheet_data
from jifen.reports.sheet import rows
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.downloads import sheet_file
from jifen.web.scoping import MAX_VERSION

router = APIRouter(prefix="/api/v1/reports")

PLURALS = {"teachers": "teacher", "schools": "school", "counties": "county", "cities": "city", "regions": "region"}


@router.get("/{kind}/{code}", response_model=None)
def report(kind: str, code: str, user: CurrentUser, runtime: RuntimeDep,
           month: str = Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
           version: int | None = Query(default=None, ge=1, le=MAX_VERSION),
           format: str = Query(default="json", pattern=r"^(json|xlsx|csv)$",
                               description="json, or a file to download: xlsx or csv")) -> dict[str, Any] | Response:
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
        if chain is None or not sees(user, chain):  # read: an expert reads their county's or the region's
            if chain is None and told_missing(user, level, code):
                raise NotFound(f"{datasets.LEVEL_NAMES[level]} {code!r} is not in the settlement of {record.month} "
                               f"(version {record.version})")
            raise Forbidden(f"{level} {code!r} is outside the scope of user {user.name}")
        if format != "json":
            return _download(connection, level, code, month, version, format)
        return datasets.report(connection, level, code, month, version)


def _download(connection: Connection, level: str, code: str, month: str, version: int | None,
              kind: str) -> Response:
    """The report as an attachment; filename* carries the Chinese name, filename an ASCII fallback."""
    sheet = rows(level, sheet_data.dataset(connection, level, code, month, version))
    return sheet_file(sheet, kind, f"report_{level}_{code}_{month}")
