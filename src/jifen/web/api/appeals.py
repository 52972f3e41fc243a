"""Appeals (申诉) of reports that did not count:

POST /api/v1/appeals {operation: {app_code, id} | stored id, reason} (the teacher whose report it is) -> 201
GET  /api/v1/appeals[?state=S] -> the appeals within the user's scope, newest first, each with its steps
GET  /api/v1/appeals/{id} -> one appeal with its steps
POST /api/v1/appeals/{id}/review {decision: approve|reject, note} (the school admin, then the county admin)
POST /api/v1/appeals/{id}/withdraw (the teacher who filed it, while it is not decided)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from jifen.settle import appeals as service
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import MAX_NUMBER

router = APIRouter(prefix="/api/v1")

AppealId = Path(ge=1, le=MAX_NUMBER, description="the appeal's id")


class OperationKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app_code: str = Field(min_length=1, max_length=64)
    id: str = Field(min_length=1, max_length=128, description="the app's own id of the report")


class AppealIn(BaseModel):
    """Shapes only; the service checks the values and names the field at fault."""

    model_config = ConfigDict(extra="forbid")

    operation: OperationKey | Annotated[StrictInt, Field(ge=1, le=MAX_NUMBER)] = Field(
        description="{app_code, id}, or the stored operation id")
    reason: Any = Field(description="why the report should count: 5 to 500 characters")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Any = Field(description="approve or reject")
    note: Any = Field(default=None, description="the reviewer's note: required to reject, at most 500 characters")


def _ref(operation: OperationKey | int) -> service.OperationRef:
    if isinstance(operation, int):
        return service.OperationRef(stored_id=operation)
    return service.OperationRef(app_code=operation.app_code, external_id=operation.id)


def _one(runtime: Any, appeal: Any) -> dict[str, Any]:
    steps = service.appeal_steps(runtime.database, [appeal.id])
    return service.as_json(appeal, steps[appeal.id])


@router.post("/appeals", status_code=201)
def file(body: AppealIn, user: CurrentUser, runtime: RuntimeDep) -> dict[str, Any]:
    appeal = service.file_appeal(runtime.database, user, _ref(body.operation), body.reason, now=datetime.now(UTC),
                                 region_code=runtime.settings.region_code)
    return _one(runtime, appeal)


@router.get("/appeals")
def listing(user: CurrentUser, runtime: RuntimeDep,
            state: list[str] | None = Query(default=None, description="submitted, school_approved, approved, "
                                                                      "rejected or withdrawn (repeatable)"),
            limit: int = Query(default=500, ge=1, le=5000)) -> dict[str, Any]:
    found = service.list_appeals(runtime.database, user, state, region_code=runtime.settings.region_code, limit=limit)
    steps = service.appeal_steps(runtime.database, [a.id for a in found])
    return {"appeals": [service.as_json(a, steps[a.id]) for a in found]}


@router.get("/appeals/{appeal_id}")
def one(user: CurrentUser, runtime: RuntimeDep, appeal_id: int = AppealId) -> dict[str, Any]:
    return _one(runtime, service.get_appeal(runtime.database, user, appeal_id,
                                            region_code=runtime.settings.region_code))


@router.post("/appeals/{appeal_id}/review")
def review(body: ReviewIn, user: CurrentUser, runtime: RuntimeDep, appeal_id: int = AppealId) -> dict[str, Any]:
    appeal = service.review_appeal(runtime.database, user, appeal_id, body.decision, body.note,
                                   now=datetime.now(UTC), region_code=runtime.settings.region_code, tz=runtime.tz)
    return _one(runtime, appeal)


@router.post("/appeals/{appeal_id}/withdraw")
def withdraw(user: CurrentUser, runtime: RuntimeDep, appeal_id: int = AppealId) -> dict[str, Any]:
    appeal = service.withdraw_appeal(runtime.database, user, appeal_id, now=datetime.now(UTC),
                                     region_code=runtime.settings.region_code)
    return _one(runtime, appeal)
