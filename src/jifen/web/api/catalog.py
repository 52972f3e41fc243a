"""GET /api/v1/catalog: the apps, their actions and the conditions under which a report qualifies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query

from jifen.domain.periods import Month

from jifen.web.deps import RuntimeDep

router = APIRouter(prefix="/api/v1")


@router.get("/catalog")
def catalog(runtime: RuntimeDep,
            month: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$",
                                      description="YYYY-MM; default: this month")) -> dict[str, Any]:
    loaded = runtime.rulebook.for_month(Month.parse(month)) if month else runtime.rulebook.current()
    rules = loaded.rules
    return {
        "ruleset": {"name": rules.name, "version": rules.version, "effective_from": rules.effective_from,
                    "title": rules.title, "sha256": loaded.sha256},
        "indicators": [_numbers(i.model_dump(mode="json")) for i in rules.indicators],
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


_DECIMALS = ("monthly_max", "annual_max", "assessment_full_score", "points", "raised", "count")


def _numbers(dumped: dict[str, Any]) -> dict[str, Any]:
    """An indicator as JSON with its figures as numbers: pydantic writes a Decimal as a string ("20")."""
    def number(value: Any) -> Any:
        if isinstance(value, str):
            found = Decimal(value)
            return int(found) if found == found.to_integral_value() else float(found)
        return value

    out = {key: number(value) if key in _DECIMALS and value is not None else value for key, value in dumped.items()}
    if out.get("streak"):
        out["streak"] = {key: number(value) if key in _DECIMALS else value for key, value in out["streak"].items()}
    out["caps"] = [{**cap, "count": int(cap["count"])} for cap in out.get("caps") or []]
    if out.get("daily_cap"):
        out["daily_cap"] = {**out["daily_cap"], "count": int(out["daily_cap"]["count"])}
    return out
