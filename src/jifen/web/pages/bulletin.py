"""The county's monthly bulletin (月度通报), for the county's admins and those above them:

GET /bulletin[?month=YYYY-MM]                 a county admin goes to their county's; a city or region admin picks
                                              one of the counties within scope
GET /counties/{code}/bulletin[?month=YYYY-MM] pick a month, preview the HTML bulletin and download it as DOCX or
                                              PDF, with its XLSX attachments (all from
                                              GET /api/v1/counties/{code}/bulletin)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jifen.access.scopes import covers, scope_level
from jifen.errors import Forbidden, NotFound, NotSettled
from jifen.reports import bulletin_data, charts, datasets
from jifen.store import desk_queries, units
from jifen.web.pages.admin import BULLETIN_READERS, refusal, runtime_of
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, render
from jifen.web.scoping import month_query

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MonthParam = Query(default=None, pattern=r"^\d{4}-\d{2}$")


def _require_reader(signed: SignedIn) -> None:
    if signed.user.role not in BULLETIN_READERS:
        raise Forbidden(f"月度通报页面供县区、市和自治区管理员使用；您是{signed.role_name}。")


@router.get("/bulletin")
def choose(request: Request, signed: PageUser, month: str | None = MonthParam) -> Response:
    _require_reader(signed)
    runtime = runtime_of(request)
    user = signed.user
    if user.role == "county_admin":
        suffix = f"?month={month_query(month)}" if month else ""
        return RedirectResponse(f"/counties/{user.scope_code}/bulletin{suffix}", status_code=303)
    with runtime.database.read() as connection:
        shown = str(month_query(month)) if month else desk_queries.latest_settled_month(connection)
        counties: list[dict[str, Any]] = []
        if shown is not None:
            try:
                record = datasets.settlement_for(connection, shown)
            except NotSettled:
                record = None
            level = scope_level(user.role, user.scope_code, runtime.settings.region_code) or "region"
            if record is not None:
                counties = [{"code": u.code, "name": u.name, "total": u.total}
                            for u in charts.units_below(connection, record.id, level, user.scope_code, "county")]
    return render(request, "admin/bulletin_choose.html", {"title": "月度通报", "month": shown,
                                                          "counties": counties}, signed=signed)


@router.get("/counties/{code}/bulletin")
def bulletin_page(request: Request, signed: PageUser, code: str, month: str | None = MonthParam) -> HTMLResponse:
    _require_reader(signed)
    runtime = runtime_of(request)
    with runtime.database.read() as connection:
        latest = desk_queries.latest_settled_month(connection)
        shown = str(month_query(month)) if month else latest
        months = charts.settled_months(connection, latest)
        context: dict[str, Any] = {"title": "月度通报", "code": code, "month": shown, "months": months,
                                   "picker_action": f"/counties/{code}/bulletin", "county_name": None}
        try:
            record = datasets.settlement_for(connection, shown) if shown else None
        except NotSettled:
            record = None
        if record is None:  # the county as the roster names it, when the user may read it
            named = units.named_lineage(connection, "county", code, runtime.settings.region_code)
            if named is not None and covers(signed.user, named[1]):
                context["county_name"] = named[0]
            return render(request, "admin/bulletin.html", {**context, "settled": False}, signed=signed)
        try:
            chain: dict[str, str] | None = datasets.lineage(connection, record.id, "county", code)
        except NotFound:
            chain = None
        if chain is None or not covers(signed.user, chain):
            if chain is None and signed.user.role == "region_admin":
                raise NotFound(f"县区 {code} 不在 {shown} 的结算中")
            raise refusal(signed, f"县区 {code} 的通报")
        county = datasets.report(connection, "county", code, str(shown))
        rules = datasets.settlement_rules(connection, datasets.settlement_for(connection, str(shown)))
        names = bulletin_data.attachment_names(county["county_name"], str(shown), bulletin_data.county_usage(
            connection, code, str(shown), runtime.settings, rules=rules))
    api = f"/api/v1/counties/{code}/bulletin?month={shown}"
    attachments = [(name, f"{api}&format=xlsx&attachment={n}") for n, name in enumerate(names, 1)]
    return render(request, "admin/bulletin.html", {
        **context, "settled": True, "county_name": county["county_name"], "version": county["version"],
        "state": county["state"], "preview": f"{api}&format=html", "docx": f"{api}&format=docx",
        "pdf": f"{api}&format=pdf", "attachments": attachments}, signed=signed)
