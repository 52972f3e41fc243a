"""Weekly classroom usage, by school admins for their school and county, city or region admins within scope:

PUT /api/v1/schools/{school_code}/classroom-usage/{week} {"rooms": {TYPE: {"rooms": N, "uses": N}, ...}}: the
    week's figures (week: its Monday, YYYY-MM-DD); each room type given replaces its earlier figure.
GET /api/v1/schools/{school_code}/classroom-usage?from=YYYY-MM-DD&to=YYYY-MM-DD: the weeks whose Monday falls
    between the two dates (default: the last eight weeks).
POST /api/v1/classroom-usage/import: a usage sheet (XLSX) as the multipart field ``file``, or as the whole body;
    every row is stored, or none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from jifen.domain.classroom_usage import monday_of
from jifen.errors import InvalidInput
from jifen.ingest import school_figures as service
from jifen.web.body import UnreadableForm, read_body, read_upload
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import day_query

router = APIRouter(prefix="/api/v1")

DEFAULT_WEEKS = 8


class WeekIn(BaseModel):
    """Shapes only; the service checks the figures and names the field at fault."""

    model_config = ConfigDict(extra="forbid")

    rooms: dict[str, Any]


@router.put("/schools/{school_code}/classroom-usage/{week}")
def submit(school_code: str, week: str, body: WeekIn, user: CurrentUser, runtime: RuntimeDep) -> dict[str, Any]:
    monday = service.parse_week(week, field_name="path.week")
    stored = service.submit_week(runtime.database, school_code, monday, body.rooms, user=user, by=user.name,
                                 now=datetime.now(UTC), tz=runtime.tz, region_code=runtime.settings.region_code)
    weeks = service.figures_json(stored, runtime.tz)
    return {"school_code": school_code, "week": monday.isoformat(), "rooms": weeks[0]["rooms"] if weeks else {}}


@router.get("/schools/{school_code}/classroom-usage")
def listing(school_code: str, user: CurrentUser, runtime: RuntimeDep,
            first: str | None = Query(default=None, alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$"),
            last: str | None = Query(default=None, alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$")) -> dict[str, Any]:
    to_day = _day(last, "to") if last else datetime.now(UTC).astimezone(runtime.tz).date()
    from_day = _day(first, "from") if first else monday_of(to_day) - timedelta(days=7 * (DEFAULT_WEEKS - 1))
    if to_day < from_day:
        message = f"{to_day.isoformat()} is before from {from_day.isoformat()}"
        raise InvalidInput(f"query.to: {message}", details=[{"path": "query.to", "message": message}])
    stored = service.school_usage(runtime.database, school_code, from_day, to_day, user=user,
                                  region_code=runtime.settings.region_code)
    return {"school_code": school_code, "from": from_day.isoformat(), "to": to_day.isoformat(),
            "weeks": service.figures_json(stored, runtime.tz)}


@router.post("/classroom-usage/import")
async def import_sheet(request: Request, user: CurrentUser, runtime: RuntimeDep) -> dict[str, Any]:
    data, filename = await _upload(request, runtime.settings.max_body_bytes)
    summary = service.import_usage(runtime.database, data, filename, user=user, by=user.name,
                                   now=datetime.now(UTC), tz=runtime.tz, region_code=runtime.settings.region_code)
    return {"file": filename, "rows": summary.rows, "schools": summary.schools, "figures": summary.figures,
            "weeks": [w.isoformat() for w in summary.weeks]}


def _day(text: str, name: str) -> date:
    return day_query(text, name)


async def _upload(request: Request, limit: int) -> tuple[bytes, str]:
    """The file of a multipart/form-data body (field ``file``), or the body itself when it is the workbook."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "multipart/form-data":
        body = await read_body(request, limit)
        if not body:
            raise _missing()
        return body, "upload.xlsx"
    try:
        upload = await read_upload(request, limit)
    except UnreadableForm as exc:
        message = f"not a readable multipart body: {exc.detail}"
        raise InvalidInput(f"file: {message}", details=[{"path": "file", "message": message}]) from None
    if upload.data is None:
        raise _missing()
    return upload.data, upload.filename


def _missing() -> InvalidInput:
    message = "send the usage sheet (XLSX) as the multipart field 'file', or as the body"
    return InvalidInput(f"file: {message}", details=[{"path": "file", "message": message}])
