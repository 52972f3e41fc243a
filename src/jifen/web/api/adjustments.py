"""Manual adjustments, by school, county, city and region admins within their scope:

POST /api/v1/adjustments {level, code, month, indicator, points, reason} -> 201 with the stored entry.
GET /api/v1/adjustments?month=YYYY-MM -> the month's entries within the user's scope, in the order made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from jifen.settle.adjustments import AdjustmentRequest, add_adjustment, as_json, list_adjustments
from jifen.web.deps import CurrentUser, RuntimeDep
from jifen.web.scoping import month_query

router = APIRouter(prefix="/api/v1")


class AdjustmentIn(BaseModel):
    """Shapes only; the service checks the values and names the field at fault."""

    model_config = ConfigDict(extra="forbid")

    level: str
    code: str
    month: str
    indicator: str
    points: Any  # a JSON number or a decimal string
    reason: str


@router.post("/adjustments", status_code=201)
def add(body: AdjustmentIn, user: CurrentUser, runtime: RuntimeDep) -> dict[str, Any]:
    request = AdjustmentRequest(level=body.level, code=body.code, month=body.month, indicator=body.indicator,
                                points=body.points, reason=body.reason)
    entry = add_adjustment(runtime.database, runtime.rulebook.rules_for, request, author=user.name,
                           now=datetime.now(UTC), region_code=runtime.settings.region_code, user=user)
    return as_json(entry)


@router.get("/adjustments")
def listing(user: CurrentUser, runtime: RuntimeDep,
            month: str = Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")) -> dict[str, Any]:
    parsed = str(month_query(month))
    entries = list_adjustments(runtime.database, parsed, region_code=runtime.settings.region_code, user=user)
    return {"month": parsed, "adjustments": [as_json(e) for e in entries]}
