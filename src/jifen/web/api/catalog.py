"""GET /api/v1/catalog: the apps, their actions and the conditions under which a report qualifies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query

from jifen.errors import NotFound
from jifen.reports.numbers import number
from jifen.web.deps import RuntimeDep
from jifen.web.scoping import month_query

router = APIRouter(prefix="/api/v1")


@router.get("/catalog")
def catalog(runtime: RuntimeDep,
            month: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$",
                                      description="YYYY-MM; default: this month")) -> dict[str, Any]:
    loaded = runtime.rulebook.for_month(month_query(month)) if month else runtime.rulebook.current()
    rules = loaded.rules
    if month and month < rules.effective_from:
        raise NotFound(f"no rule set is in force in {month}: {rules.name} takes effect from {rules.effective_from}")
    return {
        "ruleset": {"name": rules.name, "version": rules.version, "effective_from": rules.effective_from,
                    "title": rules.title, "sha256": loaded.sha256},
        "indicators": [_numbers(i.model_dump()) for i in rules.indicators],
        "apps": [
            {
                "code": app.code, "name": app.name, "status": app.status,
                "actions": [
                    {
                        "action": a.action, "indicator": a.indicator,
                        "subject": rules.indicator(a.indicator).subject, "guide": a.guide,
                        "condition": a.describe(),
                        "requires": [c.model_dump(mode="json") for c in a.requires],
                        "qualifies": a.qualifies.model_dump(mode="json") if a.qualifies else None,
                    }
                    for a in app.actions
                ],
            }
            for app in rules.apps
        ],
    }



def _numbers(value: Any) -> Any:
    """A dumped model with its Decimals as JSON numbers, as the reports write them (pydantic's JSON mode writes
    a Decimal as a string, "20")."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return value
