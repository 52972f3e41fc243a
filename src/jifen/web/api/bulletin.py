"""GET /api/v1/counties/{county_code}/bulletin?month=YYYY-MM&format=html|docx|pdf|xlsx: a county's monthly bulletin.

For the county's admins and those above them (its city's, the region's). HTML answers inline, as the preview;
DOCX and PDF answer as files to download, and so does XLSX: the bulletin's attachment number ``attachment``
(1, the monthly points report with the supplied figures, unless the bulletin has a second: the project
classrooms' use).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Response

from jifen.access.scopes import covers
from jifen.errors import Forbidden, NotFound
from jifen.reports import bulletin, bulletin_data, datasets
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.downloads import disposition
from jifen.web.scoping import MAX_NUMBER, month_query

router = APIRouter(prefix="/api/v1/counties")

READERS = ("county_admin", "city_admin", "region_admin")


@router.get("/{county_code}/bulletin", response_model=None)
def county_bulletin(county_code: str, user: CurrentUser, runtime: RuntimeDep,
                    month: str = Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
                    format: str = Query(default="html", pattern=r"^(html|docx|pdf|xlsx)$",
                                        description="html (the preview), docx, pdf, or xlsx (an attachment)"),
                    attachment: int = Query(default=1, ge=1, le=MAX_NUMBER,
                                            description="which attachment, with format=xlsx"),
                    ) -> Response:
    parsed = str(month_query(month))
    if user.role not in READERS:
        raise Forbidden(f"the bulletin is for county, city and region admins; user {user.name} is {user.role}")
    with runtime.database.read() as connection:
        record = datasets.settlement_for(connection, parsed)
        try:
            chain: dict[str, str] | None = datasets.lineage(connection, record.id, "county", county_code)
        except NotFound:
            chain = None
        if chain is None or not covers(user, chain):
            if chain is None and user.role == "region_admin":
                raise NotFound(f"县区 {county_code!r} is not in the settlement of {record.month} "
                               f"(version {record.version})")
            raise Forbidden(f"county {county_code!r} is outside the scope of user {user.name}")
        data = bulletin_data.dataset(connection, county_code, parsed, runtime.settings,
                                     issued_on=datetime.now(runtime.tz).date())
        if format == "xlsx":
            files = bulletin.attachments(connection, data)
            if attachment > len(files):
                raise NotFound(f"the bulletin of county {county_code!r} for {parsed} has {len(files)} attachment"
                               f"{'s' if len(files) > 1 else ''}, not {attachment}")
            rendered = files[attachment - 1]
    if format != "xlsx":  # rendered from the dataset alone, outside the read
        rendered = bulletin.render(data, format, runtime.settings)
    ordinal = f"_attachment{attachment}" if format == "xlsx" else ""
    how = "inline" if format == "html" else "attachment"
    header = disposition(rendered.filename, f"bulletin_{county_code}_{parsed}{ordinal}.{format}", how)
    return Response(content=rendered.body, media_type=rendered.media_type, headers={"Content-Disposition": header})
