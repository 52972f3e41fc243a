"""The admins' 评分报表 pages (and the assessment experts', read-only), each limited to the user's scope:

GET /units/{level}/{code}[?month=&version=&sort=&order=&q=&band=]  the report of a school (its teachers), a county
    (its schools), a city (its counties) or the region (its cities) for a settled month: every member with rank,
    per-indicator points, total and change from last month, sorted and filtered on the server; downloads (XLSX,
    CSV), the charts (ranking, indicator radar against the region, 12-month trend) and the review list (待核查)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from jifen.access.scopes import sees
from jifen.domain.periods import Month
from jifen.errors import Forbidden, NotFound, NotSettled
from jifen.reports import charts, datasets, sheet_data
from jifen.reports.sheet import school_makeup
from jifen.reports.table import version_label
from jifen.runtime import Runtime
from jifen.store import desk_queries, units
from jifen.web.pages import admin_table
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, render
from jifen.web.scoping import MAX_VERSION, month_query

router = APIRouter(route_class=PageRoute, include_in_schema=False)

UNIT_LEVELS = ("school", "county", "city", "region")
PLURALS = {"teacher": "teachers", "school": "schools", "county": "counties", "city": "cities", "region": "regions"}
DOWNLOADERS = ("school_admin", "county_admin", "city_admin", "region_admin", "assessment_expert")  # API readers
VERSION_READERS = ("county_admin", "city_admin", "region_admin")
BULLETIN_READERS = ("county_admin", "city_admin", "region_admin")
USAGE_EDITORS = ("school_admin", "county_admin", "city_admin", "region_admin")
MonthParam = Query(default=None, pattern=r"^\d{4}-\d{2}$")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def refusal(signed: SignedIn, what: str) -> Forbidden:
    return Forbidden(f"您（{signed.role_name} {signed.user.name}）无权查看{what}：它不在您的权限范围内。")


def require_seen(connection: Connection, signed: SignedIn, settlement_id: int, month: str, level: str,
                 code: str) -> dict[str, str]:
    """The unit's chain of codes, when the user may read it; 404 to the region's admins for a unit not settled."""
    try:
        chain: dict[str, str] | None = datasets.lineage(connection, settlement_id, level, code)
    except NotFound:
        chain = None
    if chain is None or not sees(signed.user, chain):
        if chain is None and signed.user.role == "region_admin":
            raise NotFound(f"{datasets.LEVEL_NAMES[level]} {code} 不在 {month} 的结算中")
        raise refusal(signed, f"{datasets.LEVEL_NAMES[level]} {code} 的报表")
    return chain


@router.get("/units/{level}/{code}")
def unit(request: Request, signed: PageUser, level: str, code: str, month: str | None = MonthParam,
         version: int | None = Query(default=None, ge=1, le=MAX_VERSION), sort: str = "rank", order: str = "asc",
         q: str = "", band: str = "") -> HTMLResponse:
    if level not in UNIT_LEVELS:
        raise NotFound(f"没有这种单位：{level}（可选 {', '.join(UNIT_LEVELS)}）")
    return report_page(request, signed, level, code, month, version,
                       admin_table.Query(sort=sort, order=order, q=q[:100], band=band))


def report_page(request: Request, signed: SignedIn, level: str, code: str, month: str | None,
                version: int | None = None, query: admin_table.Query | None = None) -> HTMLResponse:
    runtime = runtime_of(request)
    base = {"title": "评分报表", "level": level, "code": code, "level_name": datasets.LEVEL_NAMES[level]}
    with runtime.database.read() as connection:
        latest = desk_queries.latest_settled_month(connection)
        shown = str(month_query(month)) if month else latest
        months = charts.settled_months(connection, latest)
        if shown is None:
            return render(request, "admin/report.html", {**base, "data": None, "month": None, "months": months,
                                                         "unit_name": _roster_name(connection, runtime, signed,
                                                                                   level, code)}, signed=signed)
        try:
            record = datasets.settlement_for(connection, shown, version)
        except NotSettled:
            return render(request, "admin/report.html", {**base, "data": None, "month": shown, "months": months,
                                                         "version": version,
                                                         "unit_name": _roster_name(connection, runtime, signed,
                                                                                   level, code)}, signed=signed)
        require_seen(connection, signed, record.id, shown, level, code)
        data = sheet_data.dataset(connection, level, code, shown, version)
    return render(request, "admin/report.html", {**base, **_report_context(request, signed, data, level, code,
                                                                            version, query, months)},
                  signed=signed)


def _roster_name(connection: Connection, runtime: Runtime, signed: SignedIn, level: str, code: str) -> str:
    """The unit's name on the roster, for a month with no settlement to name it; only a unit the user may read."""
    settings = runtime.settings
    if level == "region":
        found = (settings.region_name, {"region": code}) if code == settings.region_code else None
    else:
        found = units.named_lineage(connection, level, code, settings.region_code)
    return found[0] if found is not None and sees(signed.user, found[1]) else ""


def _report_context(request: Request, signed: SignedIn, data: dict[str, Any], level: str, code: str,
                    version: int | None, query: admin_table.Query | None, months: list[dict[str, Any]]
                    ) -> dict[str, Any]:
    settings = runtime_of(request).settings
    member = datasets.CHILD[level]
    table = admin_table.table(data["sheet"], member, query or admin_table.Query(),
                              settings.bulletin_leading_points, settings.bulletin_lower_points)
    month = data["month"]
    keep = {"month": month, **({"version": str(version)} if version else {})}
    path = f"/units/{level}/{code}"
    role = signed.user.role
    file_base = f"/api/v1/reports/{PLURALS[level]}/{code}?month={month}" + (f"&version={version}" if version else "")
    kind = PLURALS[level]
    return {
        "data": data, "month": month, "months": months, "member": member,
        "role_label": datasets.LEVEL_NAMES[member], "table": table, "path": path,
        "keep": keep, "version": version, "version_label": version_label(data),
        "unit_name": data.get(f"{level}_name") or "",
        "makeup": school_makeup(data) if level == "school" and data.get("teacher_average") is not None else None,
        "sort_links": {c.key: admin_table.sort_link(path, table.query, c.key, keep) for c in table.columns},
        "downloads": ({"xlsx": f"{file_base}&format=xlsx", "csv": f"{file_base}&format=csv",
                       "credits": f"/api/v1/credits/{kind}/{code}?year={month[:4]}&format=xlsx",
                       "credits_year": month[:4]} if role in DOWNLOADERS else None),
        "previous": str(Month.parse(month).previous()), "next": str(Month.parse(month).next()),
        "charts": {"ranking": f"/api/v1/charts/{kind}/{code}/ranking?month={month}",
                   "radar": f"/api/v1/charts/{kind}/{code}/radar?month={month}",
                   "trend": f"/api/v1/charts/{kind}/{code}/trend?to={month}&months=12"},
        "review": data.get("review"),
        "links": _links(role, level, code, month),
    }


def _links(role: str, level: str, code: str, month: str) -> list[tuple[str, str]]:
    """Where the user goes from this report: versions, the county's bulletin, a school's classroom usage."""
    links = []
    if role in VERSION_READERS:
        links.append(("结算版本", f"/settlements/{month}"))
    if level == "county" and role in BULLETIN_READERS:
        links.append(("月度通报", f"/counties/{code}/bulletin?month={month}"))
    if level == "school" and role in USAGE_EDITORS:
        links.append(("项目教室周使用情况", f"/schools/{code}/usage"))
    return links
