"""The appeal pages (申诉), each form posted with the session's CSRF token:

GET  /appeals[?state=S]           a teacher: their reports of this month and last that did not count, each with a
                                  form to appeal it, and their appeals with every step; an admin: the appeals
                                  within their scope
POST /appeals                     app_code, external_id, reason[, next]: a teacher files an appeal
POST /appeals/{id}/withdraw       the teacher takes back an appeal that is not decided
GET  /appeals/review              a school admin: the appeals waiting for the school; a county admin: those the
                                  schools forwarded to the county; each with approve and reject forms and a note
POST /appeals/{id}/review         decision (approve or reject), note

A refused form whose report or appeal is still waiting comes back (the page it was sent from: the list, or the
month's explanation) with what was typed and the refusal beside it; otherwise the page says why at its top.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jifen.domain.appeals import REASON_MAX, REASON_MIN, STATE_NAMES, STEP_NAMES, AppealStateError, State, Step
from jifen.domain.periods import Month
from jifen.errors import Conflict, Forbidden, InvalidInput, JifenError, NotFound
from jifen.reports.teacher_text import STATUS
from jifen.runtime import Runtime
from jifen.settle import appeals as service
from jifen.store import appeals as repo
from jifen.web import sessions
from jifen.web.pages import desk
from jifen.web.pages.appeal_messages import DONE, GONE, PROBLEMS
from jifen.web.pages.auth import form_fields, safe_next
from jifen.web.pages.rendering import PageRoute, PageUser, SignedIn, render
from jifen.web.scoping import month_path

router = APIRouter(route_class=PageRoute, include_in_schema=False)

REVIEWS = {"school_admin": State.SUBMITTED, "county_admin": State.SCHOOL_APPROVED}
MONTH_PAGE = re.compile(r"^/teachers/([^/?#]+)/months/(\d{4}-\d{2})$")  # a month's explanation, filed from


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/appeals")
def appeals_page(request: Request, signed: PageUser, state: str | None = Query(default=None),
                 done: str | None = Query(default=None), error: str | None = Query(default=None)) -> HTMLResponse:
    return _listing(request, signed, state, DONE.get(done or ""), PROBLEMS.get(error or ""))


def _listing(request: Request, signed: SignedIn, state: str | None, done: str | None, error: str | None,
             filing: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    runtime = _runtime(request)
    if signed.user.role not in ("teacher", "school_admin", "county_admin", "city_admin", "region_admin"):
        raise Forbidden(f"您（{signed.role_name} {signed.user.name}）无权查看申诉。")
    if state and state not in STATE_NAMES:
        raise InvalidInput(f"没有这种申诉状态：{state}")
    states = [state] if state else None
    found = service.list_appeals(runtime.database, signed.user, states, region_code=runtime.settings.region_code)
    uncounted: list[dict[str, Any]] = []
    if signed.user.role == "teacher":
        this = Month.of(datetime.now(UTC), runtime.tz)
        months = [str(this), str(this.previous())]
        uncounted = [_uncounted(runtime, row, held) for row, held in
                     service.appealable(runtime.database, signed.user, months)]
    if filing and not any((op["app_code"], op["external_id"]) == (filing["app_code"], filing["external_id"])
                          for op in uncounted if not op["held"]):
        error = error or filing["error"]  # its form is not on this page: say it at the top
    return render(request, "appeals/list.html", {
        "title": "申诉", "appeals": _rows(runtime, found), "uncounted": uncounted, "state": state,
        "states": STATE_NAMES, "done": done, "error": error, "filing": filing,
        "reason_min": REASON_MIN, "reason_max": REASON_MAX}, status=status, signed=signed)


@router.post("/appeals")
async def file(request: Request, signed: PageUser) -> Response:
    fields = await _checked_form(request, signed)
    runtime = _runtime(request)
    back = safe_next(fields.get("next") or "/appeals", default="/appeals")  # the page that shows what happened
    typed = fields.get("reason", "")
    reason = typed.strip()
    ref = service.OperationRef(app_code=fields.get("app_code", ""), external_id=fields.get("external_id", ""))
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return _file_again(request, signed, back, ref, typed, "reason", 422)
    try:
        appeal = service.file_appeal(runtime.database, signed.user, ref, reason, now=datetime.now(UTC),
                                     region_code=runtime.settings.region_code)
    except (Conflict, NotFound, InvalidInput) as exc:
        problem = _problem(exc)
        if problem in GONE:
            return _back(back, problem)
        return _file_again(request, signed, back, ref, typed, problem, exc.status)
    return RedirectResponse(f"/appeals?done=filed#appeal-{appeal.id}", status_code=303)


def _file_again(request: Request, signed: SignedIn, back: str, ref: service.OperationRef, typed: str, problem: str,
                status: int) -> HTMLResponse:
    """The page the appeal was filed from, its form open with the reason as typed and the refusal beside it."""
    filing = {"app_code": ref.app_code, "external_id": ref.external_id, "reason": typed, "error": PROBLEMS[problem]}
    month_page = MONTH_PAGE.match(back)
    if month_page:
        return desk.month_page(request, signed, month_page.group(1), month_path(month_page.group(2)),
                               filing=filing, status=status)
    return _listing(request, signed, None, None, None, filing=filing, status=status)


@router.post("/appeals/{appeal_id}/withdraw")
async def withdraw(request: Request, signed: PageUser, appeal_id: int) -> Response:
    await _checked_form(request, signed)
    runtime = _runtime(request)
    try:
        service.withdraw_appeal(runtime.database, signed.user, appeal_id, now=datetime.now(UTC),
                                region_code=runtime.settings.region_code)
    except Conflict as exc:
        return _back("/appeals", _problem(exc))
    return RedirectResponse(f"/appeals?done=withdrawn#appeal-{appeal_id}", status_code=303)


@router.get("/appeals/review")
def review_page(request: Request, signed: PageUser, done: str | None = Query(default=None),
                error: str | None = Query(default=None)) -> HTMLResponse:
    return _queue(request, signed, DONE.get(done or ""), PROBLEMS.get(error or ""))


def _queue(request: Request, signed: SignedIn, done: str | None, error: str | None,
           reviewing: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    runtime = _runtime(request)
    waiting = REVIEWS.get(signed.user.role)
    if waiting is None:
        raise Forbidden(f"您（{signed.role_name} {signed.user.name}）无权审核申诉：申诉由学校管理员初审，区县管理员复审。")
    found = service.list_appeals(runtime.database, signed.user, [waiting.value],
                                 region_code=runtime.settings.region_code)
    if reviewing and not any(a.id == reviewing["id"] for a in found):
        error = error or reviewing["error"]  # its form is not on this page: say it at the top
    return render(request, "appeals/review.html", {
        "title": "申诉审核", "appeals": _rows(runtime, found), "county": waiting == State.SCHOOL_APPROVED,
        "done": done, "error": error, "reviewing": reviewing}, status=status, signed=signed)


@router.post("/appeals/{appeal_id}/review")
async def review(request: Request, signed: PageUser, appeal_id: int) -> Response:
    fields = await _checked_form(request, signed)
    runtime = _runtime(request)
    decision = fields.get("decision", "")
    typed = fields.get("note", "")
    note = typed.strip()
    if decision == "reject" and not note:
        return _review_again(request, signed, appeal_id, typed, "note", 422)
    try:
        appeal = service.review_appeal(runtime.database, signed.user, appeal_id, decision, note or None,
                                       now=datetime.now(UTC), region_code=runtime.settings.region_code, tz=runtime.tz)
    except (Conflict, InvalidInput) as exc:
        problem = _problem(exc)
        if problem in GONE:
            return _back("/appeals/review", problem)
        return _review_again(request, signed, appeal_id, typed, problem, exc.status)
    done = {State.SCHOOL_APPROVED: "forwarded", State.APPROVED: "approved"}.get(State(appeal.state), "rejected")
    return RedirectResponse(f"/appeals/review?done={done}", status_code=303)


def _review_again(request: Request, signed: SignedIn, appeal_id: int, typed: str, problem: str,
                  status: int) -> HTMLResponse:
    """The review list again, the appeal's note as typed and the refusal beside its form."""
    return _queue(request, signed, None, None, {"id": appeal_id, "note": typed, "error": PROBLEMS[problem]},
                  status=status)


async def _checked_form(request: Request, signed: SignedIn) -> dict[str, str]:
    fields = await form_fields(request)
    sessions.check_csrf(signed.csrf_token, fields.get(sessions.CSRF_FIELD))
    return fields


def _back(path: str, problem: str) -> RedirectResponse:
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}error={problem}", status_code=303)


def _problem(exc: JifenError) -> str:
    """Which of the refusals in PROBLEMS the service's error is (the page says it in Chinese)."""
    message = exc.message
    if "is not settled yet" in message:
        return "not_settled"
    if "already has appeal" in message or "already has an appeal" in message:
        return "held"
    if "withdrawn by its app" in message:
        return "withdrawn_report"
    if "only a report that did not count" in message:
        return "counted"
    if isinstance(exc, NotFound):
        return "missing"
    if isinstance(exc, AppealStateError):
        return {State.SUBMITTED: "waits_for_school", State.SCHOOL_APPROVED: "with_county"}.get(exc.state, "decided")
    if isinstance(exc, InvalidInput) and exc.details and exc.details[0].get("path") == "note":
        return "note"
    return "other"


def _local(runtime: Runtime, instant: datetime | None) -> str:
    return instant.astimezone(runtime.tz).strftime("%Y-%m-%d %H:%M") if instant else ""


def _indicator_names(runtime: Runtime, month: str) -> dict[str, str]:
    return {i.code: i.name for i in runtime.rulebook.rules_for(Month.parse(month)).indicators}


def _app_names(runtime: Runtime, month: str) -> dict[str, str]:
    return {a.code: a.name for a in runtime.rulebook.rules_for(Month.parse(month)).apps}


def _uncounted(runtime: Runtime, row: repo.Uncounted, held: repo.Appeal | None) -> dict[str, Any]:
    return {"id": row.id, "app_code": row.app_code, "app_name": _app_names(runtime, row.month).get(row.app_code,
                                                                                                    row.app_code),
            "external_id": row.external_id, "action": row.action, "month": row.month,
            "indicator_name": _indicator_names(runtime, row.month).get(row.indicator, row.indicator),
            "occurred": _local(runtime, row.occurred_at), "status_name": STATUS.get(row.status, row.status),
            "reason": row.reason or "", "held": held.id if held else None,
            "held_state": STATE_NAMES[State(held.state)] if held else None}


def _rows(runtime: Runtime, found: list[repo.Appeal]) -> list[dict[str, Any]]:
    steps = service.appeal_steps(runtime.database, [a.id for a in found])
    rows = []
    for appeal in found:
        rows.append({
            "id": appeal.id, "state": appeal.state, "state_name": STATE_NAMES[State(appeal.state)],
            "open": appeal.state in (State.SUBMITTED, State.SCHOOL_APPROVED),
            "teacher": f"{appeal.teacher_name or ''}（{appeal.teacher_id}）", "school_code": appeal.school_code,
            "county_code": appeal.county_code, "month": appeal.month,
            "indicator_name": _indicator_names(runtime, appeal.month).get(appeal.indicator, appeal.indicator),
            "app_name": _app_names(runtime, appeal.month).get(appeal.app_code, appeal.app_code),
            "external_id": appeal.external_id, "action": appeal.action,
            "occurred": _local(runtime, appeal.occurred_at), "status_name": STATUS.get(appeal.status, appeal.status),
            "status_reason": appeal.status_reason or "", "reason": appeal.reason,
            "points": appeal.points, "settlement_version": appeal.settlement_version,
            "adjustment_id": appeal.adjustment_id,
            "steps": [{"name": STEP_NAMES[Step(s.step)], "actor": s.actor, "note": s.note or "",
                       "at": _local(runtime, s.at)} for s in steps[appeal.id]],
        })
    return rows
