"""Weekly classroom usage (项目教室周使用情况), entered by school admins for their school and by county, city and
region admins for the schools within their scope:

GET  /usage                                   a school admin goes to their school; others pick a school
GET  /schools/{code}/usage[?week=YYYY-MM-DD]  the week's form (the 8 room types, pre-filled with what is stored)
                                              and the school's recent weeks with the figures a bureau would doubt
POST /schools/{code}/usage                    csrf_token, week, rooms_TYPE, uses_TYPE: store the week's figures
POST /usage/import                            multipart csrf_token, file: a usage sheet (XLSX), all rows or none
GET  /usage/template.xlsx[?school=CODE]       the blank sheet: the school's row, or the county's schools
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jifen.access.scopes import covers, scope_level
from jifen.domain import classroom_usage as usage
from jifen.domain.periods import FIRST_YEAR, LAST_YEAR
from jifen.errors import Forbidden, InvalidInput, NotFound
from jifen.ingest import school_figures as service
from jifen.ingest import usage_sheet
from jifen.reports.error_sentences import sentence_for
from jifen.reports.usage_data import FigureSettings
from jifen.store import school_figures as figures_repo
from jifen.store import units
from jifen.web import sessions
from jifen.web.body import UnreadableForm, read_upload
from jifen.web.pages.admin import USAGE_EDITORS, refusal, runtime_of
from jifen.web.pages.auth import form_fields
from jifen.web.pages import sheet_problems
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RECENT_WEEKS = 8
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLAG_NAMES = {"repeated": "数据重复不变", "zero": "连续零使用", "below_standard": "低于标准"}
MESSAGES = (  # the service's messages, in Chinese next to the field
    ("is not a whole number", "请填写 0 或正整数"),
    ("is not between 0 and", "超出范围：教室 0–{rooms} 间，使用 0–{uses} 次"),
    ("uses with no rooms", "没有该类教室时使用次数应为 0，请先填写间数"),
    ("a room a week", "使用次数超过每间每周 {per_room} 次（每天每节都在使用），请核对是否多填了 0"),
    ("has not begun", "该周尚未开始，不能报送"),
    ("is not on the roster of", "这一周所在月份该校不在名册上，报送的数据不会计入"),
    ("is not a Monday", "请选择一周的星期一"),
)


def _week_problem(exc: InvalidInput) -> str:
    """What is wrong with a week the form or the address gives, in Chinese."""
    if "outside the years" in exc.message:
        return f"超出可选的年份：只能选择 {FIRST_YEAR}–{LAST_YEAR} 年间的一周"
    if "is not a date" in exc.message:
        return "请选择一周的星期一（YYYY-MM-DD）"
    return "不是星期一：请选择一周的星期一（YYYY-MM-DD）"


def _require_editor(signed: SignedIn) -> None:
    if signed.user.role not in USAGE_EDITORS:
        raise Forbidden(f"项目教室使用情况由学校、县区、市和自治区管理员报送；您是{signed.role_name}。")


def _today(request: Request) -> date:
    return datetime.now(UTC).astimezone(runtime_of(request).tz).date()


@router.get("/usage")
def choose(request: Request, signed: PageUser) -> Response:
    _require_editor(signed)
    user = signed.user
    if user.role == "school_admin":
        return RedirectResponse(f"/schools/{user.scope_code}/usage", status_code=303)
    with runtime_of(request).database.read() as connection:
        schools = _schools_within(connection, signed, runtime_of(request).settings.region_code)
    return render(request, "admin/usage_choose.html", {"title": "项目教室使用", "schools": schools,
                                                       "county": user.scope_code if user.role == "county_admin"
                                                       else None}, signed=signed)


@router.get("/schools/{code}/usage")
def school_page(request: Request, signed: PageUser, code: str,
                week: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")) -> HTMLResponse:
    _require_editor(signed)
    try:
        monday = service.parse_week(week) if week else usage.monday_of(_today(request)) - timedelta(days=7)
    except InvalidInput as exc:
        raise InvalidInput(f"{week} {_week_problem(exc)}。") from None
    return _school(request, signed, code, monday, None, {}, None)


@router.post("/schools/{code}/usage")
async def submit(request: Request, signed: PageUser, code: str) -> Response:
    _require_editor(signed)
    fields = await form_fields(request)
    sessions.check_csrf(signed.csrf_token, fields.get(sessions.CSRF_FIELD))
    runtime = runtime_of(request)
    with runtime.database.read() as connection:
        _require_school(connection, signed, code, runtime.settings.region_code)
    rooms, errors = week_form(fields)
    try:
        monday = service.parse_week(fields.get("week", ""))
    except InvalidInput as exc:
        errors["week"] = _week_problem(exc)
        monday = usage.monday_of(_today(request))
    if not errors:
        try:
            service.submit_week(runtime.database, code, monday, rooms, user=signed.user, by=signed.user.name,
                                now=datetime.now(UTC), tz=runtime.tz, region_code=runtime.settings.region_code)
            return RedirectResponse(f"/schools/{code}/usage?week={monday.isoformat()}&saved=1", status_code=303)
        except InvalidInput as exc:
            errors = field_errors(exc)
    return _school(request, signed, code, monday, fields, errors, None, status=422)


@router.post("/usage/import")
async def import_sheet(request: Request, signed: PageUser) -> HTMLResponse:
    _require_editor(signed)
    runtime = runtime_of(request)
    try:
        upload = await read_upload(request, runtime.settings.max_body_bytes, max_fields=10)
    except UnreadableForm as exc:
        raise InvalidInput(f"上传的表单无法读取：{exc.detail}") from None
    token, data, filename = upload.fields.get(sessions.CSRF_FIELD), upload.data or b"", upload.filename
    sessions.check_csrf(signed.csrf_token, token)
    result: dict[str, Any] = {"title": "导入项目教室使用情况", "filename": filename, "summary": None, "problems": []}
    try:
        if not data:
            raise InvalidInput("请选择要上传的 XLSX 文件。")
        result["summary"] = service.import_usage(runtime.database, data, filename, user=signed.user,
                                                 by=signed.user.name, now=datetime.now(UTC), tz=runtime.tz,
                                                 region_code=runtime.settings.region_code)
    except InvalidInput as exc:
        result["problems"] = [sheet_problems.in_chinese(d.get("message", "")) for d in exc.details] or [
            sheet_problems.in_chinese(exc.message)]
        return render(request, "admin/usage_import.html", result, status=422, signed=signed)
    except (Forbidden, NotFound) as exc:  # a school of the sheet outside the user's scope, or not on the roster
        result["problems"] = [sentence_for(exc.message) or f"表格中的学校不在您的权限范围内或不在名册中：{exc.message}"]
        return render(request, "admin/usage_import.html", result, status=exc.status, signed=signed)
    return render(request, "admin/usage_import.html", result, signed=signed)


@router.get("/usage/template.xlsx")
def template(request: Request, signed: PageUser, school: str | None = None) -> Response:
    _require_editor(signed)
    runtime = runtime_of(request)
    week = usage.monday_of(_today(request)) - timedelta(days=7)
    if school is None and signed.user.role == "county_admin":
        body = service.usage_template(runtime.database, signed.user.scope_code, week)
    else:
        code = school or (signed.user.scope_code if signed.user.role == "school_admin" else "")
        with runtime.database.read() as connection:
            _require_school(connection, signed, code, runtime.settings.region_code)
            names = figures_repo.school_names(connection, [code])
        body = usage_sheet.template([(code, names.get(code, ""))], week)
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": "attachment; filename=\"usage_template.xlsx\"; "
                               "filename*=UTF-8''%E9%A1%B9%E7%9B%AE%E6%95%99%E5%AE%A4%E5%91%A8%E4%BD%BF%E7%94%A8"
                               "%E6%83%85%E5%86%B5.xlsx"})


def week_form(fields: dict[str, str]) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """The room types filled in (both blank: left out), and the fields that are not whole numbers."""
    rooms: dict[str, dict[str, int]] = {}
    errors: dict[str, str] = {}
    for room_type in usage.ROOM_TYPE_CODES:
        given = {name: fields.get(f"{name}_{room_type}", "").strip() for name in ("rooms", "uses")}
        if not any(given.values()):
            continue
        entry: dict[str, int] = {}
        for name, text in given.items():
            if not text.isdigit():
                errors[f"{name}_{room_type}"] = "请填写 0 或正整数"
            else:
                entry[name] = int(text)
        if len(entry) == 2:
            rooms[room_type] = entry
    if not rooms and not errors:
        errors["form"] = "请至少填写一种教室的间数和使用次数。"
    return rooms, errors


def field_errors(exc: InvalidInput) -> dict[str, str]:
    """The service's refusal as Chinese messages keyed by form field (rooms.TYPE.uses -> uses_TYPE)."""
    errors: dict[str, str] = {}
    for detail in exc.details or [{"path": "form", "message": exc.message}]:
        path, message = str(detail.get("path", "form")), str(detail.get("message", exc.message))
        parts = path.split(".")
        key = f"{parts[2]}_{parts[1]}" if len(parts) == 3 and parts[0] == "rooms" else (
            "week" if path == "week" else "form")
        errors[key] = next((text.format(rooms=usage.MAX_ROOMS, uses=usage.MAX_USES, per_room=usage.MAX_USES_PER_ROOM)
                            for marker, text in MESSAGES if marker in message or marker in exc.message), message)
    return errors


def recent_weeks(stored: list[figures_repo.StoredFigure], weeks: list[date],
                 thresholds: usage.Thresholds) -> list[dict[str, Any]]:
    """Each week, newest first, with its figures by room type and the flags whose runs reach it."""
    figures = [s.figure for s in stored]
    by_week: dict[date, dict[str, usage.Figure]] = {}
    for f in figures:
        by_week.setdefault(f.week, {})[f.room_type] = f
    rows = []
    for week in reversed(weeks):
        flags = (usage.repeated_flags(figures, [week], thresholds.repeat_weeks)
                 + usage.zero_flags(figures, [week], thresholds.zero_weeks)
                 + usage.below_standard_flags(usage.averages(figures, [week]), thresholds.standards))
        rows.append({"week": week, "figures": by_week.get(week, {}),
                     "flags": [{"kind": FLAG_NAMES[f.kind], "message": usage.flag_message(f, "")} for f in flags]})
    return rows


def _school(request: Request, signed: SignedIn, code: str, monday: date, fields: dict[str, str] | None,
            errors: dict[str, str], notice: str | None, status: int = 200) -> HTMLResponse:
    runtime = runtime_of(request)
    with runtime.database.read() as connection:
        _require_school(connection, signed, code, runtime.settings.region_code)
        name = figures_repo.school_names(connection, [code]).get(code, "")
    this_week = usage.monday_of(_today(request))
    weeks = [this_week - timedelta(days=7 * i) for i in reversed(range(RECENT_WEEKS))]
    thresholds = FigureSettings.from_settings(runtime.settings).usage
    reach = max(thresholds.repeat_weeks, thresholds.zero_weeks) - 1
    first = min(weeks[0], monday) - timedelta(days=7 * reach)
    stored = service.school_usage(runtime.database, code, first, max(this_week, monday), user=signed.user,
                                  region_code=runtime.settings.region_code)
    current = {s.figure.room_type: s.figure for s in stored if s.figure.week == monday}
    values = fields if fields is not None else {
        f"{k}_{t}": str(getattr(current[t], k)) for t in current for k in ("rooms", "uses")}
    saved = request.query_params.get("saved") == "1"
    return render(request, "admin/usage.html", {
        "title": "项目教室使用", "code": code, "school_name": name, "week": monday, "this_week": this_week,
        "room_types": usage.ROOM_TYPES, "values": values, "errors": errors, "saved": saved, "notice": notice,
        "standards": thresholds.standards, "recent": recent_weeks(stored, weeks, thresholds),
        "choices": list(reversed(weeks))}, status=status, signed=signed)


def _schools_within(connection: Any, signed: SignedIn, region_code: str) -> list[dict[str, Any]]:
    """The schools on the roster now under the user's scope (a school new to it reports from its first week)."""
    user = signed.user
    level = scope_level(user.role, user.scope_code, region_code) or "region"
    return [{"code": s.code, "name": s.name, "county": s.county_code}
            for s in units.open_schools(connection, level, user.scope_code)]


def _require_school(connection: Any, signed: SignedIn, code: str, region_code: str) -> None:
    chain = units.lineages(connection, "school", [code], region_code).get(code)
    if chain is not None and covers(signed.user, chain):
        return
    if chain is None and signed.user.role == "region_admin":
        raise NotFound(f"学校 {code} 不在名册中")
    raise refusal(signed, f"学校 {code} 的数据")
