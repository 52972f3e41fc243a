"""The teacher desk's tables as plain rows: the rules with each app's how-to, and a page of this month's
qualifying operations."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.reports.numbers import number
from jifen.rules.schema import RuleSet
from jifen.store import desk_queries

SUBJECTS = {"teacher": "教师", "school": "学校"}
APP_STATUS = {"integrated": "已接入", "integrating": "接入中"}
PAGE_SIZE = 20


def rules_table(rules: RuleSet) -> list[dict[str, Any]]:
    """Per indicator: 指标分类, 指标名称, 指标说明, 赋分对象, 最高积分 and how each app earns it."""
    out = []
    for ind in rules.indicators:
        guides = [{"app": app.name, "app_code": app.code, "status": APP_STATUS.get(app.status, app.status),
                   "action": rule.action, "guide": rule.guide or rule.describe()}
                  for app in rules.apps for rule in app.actions if rule.indicator == ind.code]
        out.append({"code": ind.code, "category": ind.category, "name": ind.name, "description": ind.description,
                    "subject": SUBJECTS.get(ind.subject, ind.subject), "monthly_max": number(ind.monthly_max),
                    "annual_max": number(ind.annual_max), "points": number(ind.points), "scoring": ind.scoring,
                    "caps": [{"period": c.period, "count": c.count} for c in ind.caps], "guides": guides})
    return out


def operations_page(connection: Connection, rules: RuleSet, teacher_id: str, month: str, page: int,
                    tz: ZoneInfo) -> dict[str, Any]:
    """One page (PAGE_SIZE rows, latest first) of the teacher's qualifying operations of the month."""
    page = max(1, page)
    rows, total = desk_queries.qualified_page(connection, teacher_id, month, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    indicators = {ind.code: ind for ind in rules.indicators}
    apps = {app.code: app.name for app in rules.apps}
    items = []
    for row in rows:
        ind = indicators.get(row.indicator)
        items.append({"category": ind.category if ind else "", "indicator": ind.name if ind else row.indicator,
                      "subject": SUBJECTS.get(ind.subject, ind.subject) if ind else "",
                      "app": apps.get(row.app_code, row.app_code), "action": row.action,
                      "occurred_at": row.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")})
    pages = max(1, -(-total // PAGE_SIZE))
    return {"month": month, "page": min(page, pages), "pages": pages, "total": total, "page_size": PAGE_SIZE,
            "rows": items}
