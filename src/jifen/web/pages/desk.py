"""The everyday pages, each limited to the signed-in user's scope:

GET /                                    a teacher's desk (工作桌面); an admin's or expert's 评分报表 of their unit
GET /teachers/{teacher_id}[?page=N]      a teacher's desk: the points card, this month's qualifying operations
                                         (20 a page) and the monthly history chart
GET /teachers/{teacher_id}/months/{month} why the teacher has the month's points, and every report's outcome
GET /rules                               the rules in force this month, with each app's how-to
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from jifen.access.scopes import scope_level, sees
from jifen.domain.periods import Month
from jifen.domain.appeals import STATE_NAMES, State
from jifen.errors import Forbidden, NotFound, NotSettled
from jifen.reports.card import card as card_data
from jifen.reports.desk import operations_page, rules_table
from jifen.reports.explain import methods
from jifen.reports.month_so_far import month_explanation
from jifen.reports.teacher_text import PERIODS, STATUS, over_cap_text, period_notes
from jifen.runtime import Runtime
from jifen.settle.appeals import appealable
from jifen.store import units
from jifen.store.school_figures import school_names
from jifen.web.pages import admin
from jifen.web.pages.appeal_messages import PROBLEMS
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, render
from jifen.web.scoping import MAX_NUMBER, month_path

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _refuse(signed: SignedIn, what: str) -> Forbidden:
    return Forbidden(f"您（{signed.role_name} {signed.user.name}）无权查看{what}：它不在您的权限范围内。")


@router.get("/")
def home(request: Request, signed: PageUser, page: int = Query(default=1, ge=1, le=MAX_NUMBER)) -> HTMLResponse:
    if signed.user.role == "teacher":
        return teacher_desk(request, signed, signed.user.scope_code, page)
    runtime = _runtime(request)
    level = scope_level(signed.user.role, signed.user.scope_code, runtime.settings.region_code) or "region"
    return admin.report_page(request, signed, level, signed.user.scope_code, None)


@router.get("/teachers/{teacher_id}")
def teacher_desk(request: Request, signed: PageUser, teacher_id: str,
                 page: int = Query(default=1, ge=1, le=MAX_NUMBER)) -> HTMLResponse:
    runtime = _runtime(request)
    today = datetime.now(UTC).astimezone(runtime.tz).date()
    this_month = Month(today.year, today.month)
    rules = runtime.rulebook.rules_for(this_month)
    with runtime.database.read() as connection:
        _require_teacher(connection, runtime, signed, teacher_id)
        card = card_data(connection, teacher_id, today, runtime.tz, rules)
        operations = operations_page(connection, rules, teacher_id, str(this_month), page, runtime.tz)
        school_name = school_names(connection, [card["school_code"]]).get(card["school_code"], "")
    return render(request, "desk.html", {"title": "工作桌面", "card": card, "operations": operations,
                                         "school_name": school_name,
                                         "teacher_id": teacher_id, "own": teacher_id == signed.user.scope_code,
                                         "requested_page": page,
                                         "last_month": str(this_month.previous())}, signed=signed)


@router.get("/teachers/{teacher_id}/months/{month}")
def teacher_month(request: Request, signed: PageUser, teacher_id: str, month: str,
                  error: str | None = Query(default=None)) -> HTMLResponse:
    return month_page(request, signed, teacher_id, month_path(month), error=PROBLEMS.get(error or ""))


def month_page(request: Request, signed: SignedIn, teacher_id: str, month: Month, *, error: str | None = None,
               filing: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    """The month's explanation; ``filing``: an appeal the server refused, its form open again with the reason as
    typed and the refusal beside it."""
    runtime = _runtime(request)
    with runtime.database.read() as connection:
        _require_teacher(connection, runtime, signed, teacher_id)
        try:
            data = month_explanation(connection, teacher_id, str(month), None, rules_for=runtime.rulebook.rules_for,
                                     now=datetime.now(UTC), tz=runtime.tz)
        except NotFound as exc:
            return render(request, "explain.html", {"title": "积分说明", "month": str(month), "data": None,
                                                    "teacher_id": teacher_id, "missing": _chinese(exc),
                                                    "error": error or (filing or {}).get("error"),
                                                    "previous": str(month.previous()), "next": str(month.next())},
                          status=status, signed=signed)
    indicators = {i["code"]: i["name"] for i in data["indicators"]}
    catalog = {app.code: app for app in runtime.rulebook.rules_for(month).apps}
    for op in data["operations"]:
        app = catalog.get(op["app"])
        rule = app.action(op["action"]) if app else None
        op["app_name"] = app.name if app else op["app"]
        op["action_guide"] = rule.guide if rule else ""  # what the action must be to count, in Chinese
        op["status_name"] = STATUS.get(op["status"], op["status"])
        op["indicator_name"] = indicators.get(op["indicator"], op["indicator"])
        op["occurred_local"] = datetime.fromisoformat(op["occurred_at"]).astimezone(runtime.tz).strftime(
            "%Y-%m-%d %H:%M")
        op["cap_text"] = over_cap_text(op.get("cap")) if op.get("over_cap") else ""
    for item in data["indicators"]:
        item["notes"] = period_notes(item)  # cap periods and runs of days reaching in from other months
    if data.get("as_of"):  # a month not settled yet: its reports as they stand now
        data["as_of_local"] = datetime.fromisoformat(data["as_of"]).astimezone(runtime.tz).strftime("%Y-%m-%d %H:%M")
    refused = [op for op in data["operations"]
               if op["status"] != "qualified" or op["withdrawn_at"] or op.get("over_cap")]
    appealed = _appealed(runtime, signed, teacher_id, str(month))
    own = signed.user.role == "teacher" and signed.user.scope_code == teacher_id
    for op in refused:
        op["appeal"] = appealed.get((op["app"], op["id"]))
        op["may_appeal"] = (own and not op["appeal"] and op["status"] in ("not_qualified", "pending")
                            and not op["withdrawn_at"])
    if filing and not any((op["app"], op["id"]) == (filing["app_code"], filing["external_id"])
                          for op in refused if op["may_appeal"]):
        error = error or filing["error"]  # its form is not on this page: say it at the top
    return render(request, "explain.html", {"title": "积分说明", "month": str(month), "data": data,
                                            "teacher_id": teacher_id, "refused": refused,
                                            "indicator_names": indicators, "error": error, "filing": filing,
                                            "previous": str(month.previous()), "next": str(month.next())},
                  status=status, signed=signed)


def _appealed(runtime: Runtime, signed: SignedIn, teacher_id: str, month: str) -> dict[tuple[str, str], str]:
    """For the teacher's own page: (app, report id) -> the state of the report's open or approved appeal."""
    if signed.user.role != "teacher" or signed.user.scope_code != teacher_id:
        return {}
    return {(report.app_code, report.external_id): STATE_NAMES[State(appeal.state)]
            for report, appeal in appealable(runtime.database, signed.user, [month]) if appeal is not None}


@router.get("/rules")
def rules_page(request: Request, signed: PageUser) -> HTMLResponse:
    runtime = _runtime(request)
    today = datetime.now(UTC).astimezone(runtime.tz)
    rules = runtime.rulebook.rules_for(Month(today.year, today.month))
    return render(request, "rules.html", {"title": "积分规则", "rules": rules, "table": rules_table(rules),
                                          "methods": methods(rules, rules.indicators), "periods": PERIODS},
                  signed=signed)


def _require_teacher(connection: Connection, runtime: Runtime, signed: SignedIn, teacher_id: str) -> None:
    """A teacher sees only their own pages; an admin those of teachers in their scope."""
    chain = units.lineages(connection, "teacher", [teacher_id], runtime.settings.region_code).get(teacher_id)
    if chain is not None and sees(signed.user, chain):
        return
    if chain is None and signed.user.role == "region_admin":
        raise NotFound(f"教师 {teacher_id} 不在名册中")
    raise _refuse(signed, f"教师 {teacher_id} 的数据")


def _chinese(exc: NotFound) -> str:
    return "该月尚未结算，或您当月不在结算名册中。" if isinstance(exc, NotSettled) else "您当月不在该月的结算名册中。"
