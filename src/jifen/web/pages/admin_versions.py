"""Settlement versions (结算版本), for county, city and region admins:

GET  /settlements[?month=YYYY-MM]          to the month's versions (default: the latest settled month)
GET  /settlements/{month}[?from=N&to=M&level=L]  the month's versions, draft or published, and what changed between
     two of them within the user's scope: who moved, by how much, and why
POST /settlements/{month}/versions/{n}/publish   csrf_token, confirm=yes: publish the latest draft (region admins
     only, as in the API); back to the versions page, or the page again with the form and why when not confirmed
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jifen.access.scopes import covers
from jifen.errors import Forbidden, InvalidInput, NotSettled
from jifen.reports import charts
from jifen.reports import versions as versions_data
from jifen.reports.datasets import LEVEL_NAMES
from jifen.reports.error_sentences import sentence_for
from jifen.reports.versions_text import LEVEL_ORDER, STATES, why
from jifen.settle import publication
from jifen.store import desk_queries
from jifen.web import sessions
from jifen.web.pages.admin import VERSION_READERS, runtime_of
from jifen.web.pages.auth import form_fields
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, render
from jifen.web.scoping import MAX_NUMBER, MAX_VERSION, month_path, month_query

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PUBLISHERS = ("region_admin",)  # the same rule as POST /api/v1/settlements/{month}/versions/{n}/publish
DIFF_LIMIT = 200


def _require_reader(signed: SignedIn) -> None:
    if signed.user.role not in VERSION_READERS:
        raise Forbidden(f"结算版本页面供县区、市和自治区管理员使用；您是{signed.role_name}。")


@router.get("/settlements")
def latest(request: Request, signed: PageUser,
           month: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$")) -> Response:
    _require_reader(signed)
    if month is None:
        with runtime_of(request).database.read() as connection:
            month = desk_queries.latest_settled_month(connection)
    if month is None:
        return render(request, "admin/versions.html", {"title": "结算版本", "listing": None, "month": None,
                                                       "months": []}, signed=signed)
    return RedirectResponse(f"/settlements/{month_query(month)}", status_code=303)  # from the picker's query


@router.get("/settlements/{month}")
def versions_page(request: Request, signed: PageUser, month: str = Path(pattern=r"^\d{4}-\d{2}$"),
                  from_version: int | None = Query(default=None, alias="from", ge=1, le=MAX_VERSION),
                  to_version: int | None = Query(default=None, alias="to", ge=1, le=MAX_VERSION),
                  level: str | None = Query(default=None, pattern=r"^(teacher|school|county|city|region)$"),
                  published: int | None = Query(default=None, ge=1, le=MAX_NUMBER)) -> HTMLResponse:
    return _versions(request, signed, str(month_path(month)), from_version, to_version, level, published)


def _versions(request: Request, signed: SignedIn, parsed: str, from_version: int | None = None,
              to_version: int | None = None, level: str | None = None, published: int | None = None,
              refused: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """The month's versions and diff; ``refused``: a publication the server refused ({version, error}), the form
    shown again with the refusal beside it."""
    _require_reader(signed)
    runtime = runtime_of(request)
    with runtime.database.read() as connection:
        months = charts.settled_months(connection, desk_queries.latest_settled_month(connection))
    context: dict[str, Any] = {"title": "结算版本", "month": parsed, "months": months, "published": published,
                               "may_publish": signed.user.role in PUBLISHERS, "refused": refused}
    try:
        listing = versions_data.versions_data(
            publication.list_versions(runtime.database, parsed, runtime.rulebook.for_month))
    except NotSettled:
        return render(request, "admin/versions.html", {**context, "listing": None,
                                                       "error": refused and refused["error"]},
                      status=status, signed=signed)
    latest = listing["versions"][-1]
    if refused and not (latest["version"] == refused["version"] and latest["state"] == "draft"):
        context["error"] = refused["error"]  # its form is not on this page: say it at the top
    diff, diff_problem = None, None
    if len(listing["versions"]) > 1 or from_version or to_version:
        try:
            with runtime.database.read() as connection:
                diff = versions_data.diff_data(connection, parsed, from_version, to_version, level=level,
                                               limit=DIFF_LIMIT, covers=lambda chain: covers(signed.user, chain))
        except (InvalidInput, NotSettled) as exc:
            diff_problem = sentence_for(exc.message) or exc.message
    return render(request, "admin/versions.html", {**context, "listing": listing, "diff": diff and _shown(diff),
                                                   "diff_problem": diff_problem, "level": level,
                                                   "states": STATES, "level_names": LEVEL_NAMES},
                  status=status, signed=signed)


@router.post("/settlements/{month}/versions/{version}/publish")
async def publish(request: Request, signed: PageUser, month: str = Path(pattern=r"^\d{4}-\d{2}$"),
                  version: int = Path(ge=1, le=MAX_VERSION)) -> Response:
    fields = await form_fields(request)
    sessions.check_csrf(signed.csrf_token, fields.get(sessions.CSRF_FIELD))
    if signed.user.role not in PUBLISHERS:
        raise Forbidden(f"只有自治区管理员可以发布结算；您是{signed.role_name}。")
    parsed = str(month_path(month))
    if fields.get("confirm") != "yes":
        return _versions(request, signed, parsed, status=422, refused={
            "version": version, "error": f"请勾选“确认发布第{version}版”后再提交。"})
    publication.publish(runtime_of(request).database, parsed, version, signed.user.name, datetime.now(UTC),
                        runtime_of(request).tz)
    return RedirectResponse(f"/settlements/{parsed}?published={version}", status_code=303)


def _shown(diff: dict[str, Any]) -> dict[str, Any]:
    """The diff with each change's reasons in a Chinese line, grouped by level from the region down."""
    groups = []
    for level in LEVEL_ORDER:
        rows = [{**c, "why": why(c)} for c in diff["changes"] if c["level"] == level]
        if rows:
            groups.append({"level": level, "rows": rows})
    return {**diff, "groups": groups}
