"""``jifen adjust``: record a manual adjustment; it applies at the month's next settlement."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from jifen.cli.context import console, opened, reports_errors
from jifen.cli.teacher_views import Output


def default_author() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"


@reports_errors
def adjust(
    level: Annotated[str, typer.Argument(help="teacher or school")],
    code: Annotated[str, typer.Argument(help="teacher id or school code")],
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    indicator: Annotated[str, typer.Option(help="indicator code of the rule set, scored for that level")],
    points: Annotated[str, typer.Option(help="points to add (negative to remove), at most 2 decimal places")],
    reason: Annotated[str, typer.Option(help="why: kept with the entry and shown in explanations")],
    author: Annotated[str | None, typer.Option(help="who makes it (default: cli:<OS user>)")] = None,
    format: Annotated[Output, typer.Option("--format", help="table (Chinese text) or json")] = Output.table,
) -> None:
    """Add a manual adjustment (a separate entry, never an edit of a score); the next settlement carries it."""
    from jifen.settle.adjustments import AdjustmentRequest, add_adjustment, as_json

    request = AdjustmentRequest(level=level, code=code, month=month, indicator=indicator, points=points,
                                reason=reason)
    with opened() as runtime:
        entry = add_adjustment(runtime.database, runtime.rulebook.rules_for, request, author=author or default_author(),
                               now=datetime.now(UTC), region_code=runtime.settings.region_code)
    data = as_json(entry)
    if format is Output.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    who = "教师" if entry.level == "teacher" else "学校"
    sign = "+" if entry.points > 0 else ""
    when = entry.created_at.astimezone(runtime.tz)
    console.print(f"调整 #{entry.id} 已录入：{who} {entry.code} {entry.month} {entry.indicator} {sign}{entry.points}，"
                  f"原因：{entry.reason}（录入人 {entry.author}，{when:%Y-%m-%d %H:%M}）",
                  highlight=False, markup=False)
    console.print(f"不改动已结算的版本；{entry.month} 下次结算（新版本）时计入。", highlight=False, markup=False)
