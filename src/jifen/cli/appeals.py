"""``jifen appeals list``: the appeals teachers filed, for an operator; reviewing is done in the pages or the API."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer

from jifen.cli.context import console, opened, reports_errors
from jifen.cli.teacher_views import Output

appeals_app = typer.Typer(help="Appeals (申诉) of reports that did not count.", no_args_is_help=True)


@appeals_app.command("list")
@reports_errors
def appeals_list(
    state: Annotated[list[str] | None, typer.Option(
        help="submitted, school_approved, approved, rejected or withdrawn (repeatable; default: all)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many, newest first")] = 500,
    format: Annotated[Output, typer.Option("--format", help="table (Chinese text) or json")] = Output.table,
) -> None:
    """List appeals, newest first, with their state, the report appealed and the credit of approved ones."""
    from jifen.settle.appeals import appeal_steps, as_json, list_appeals

    with opened() as runtime:
        found = list_appeals(runtime.database, None, state or None, region_code=runtime.settings.region_code,
                             limit=limit, states_named="--state")
        steps = appeal_steps(runtime.database, [a.id for a in found])
    if format is Output.json:
        sys.stdout.write(json.dumps({"appeals": [as_json(a, steps[a.id]) for a in found]}, ensure_ascii=False) + "\n")
        return
    if not found:
        console.print("没有申诉 no appeals", highlight=False)
        return
    for appeal in found:
        data = as_json(appeal, steps[appeal.id])
        filed = appeal.filed_at.astimezone(runtime.tz)
        credit = ""
        if data["credit"] is not None:
            adjustment = data["credit"]["adjustment_id"]
            credit = (f"，补计 {data['credit']['points']}（调整 #{adjustment}）" if adjustment
                      else "，补计 0（该指标已达满分或全区平均为 0）")
        console.print(f"#{appeal.id} {data['state_name']} {appeal.state}：教师 {appeal.teacher_id}（学校 "
                      f"{appeal.school_code}，区县 {appeal.county_code}）{appeal.month} {appeal.indicator}，上报 "
                      f"{appeal.app_code} {appeal.external_id}，{filed:%Y-%m-%d %H:%M} 提交{credit}；理由：{appeal.reason}",
                      highlight=False, markup=False)
        for step in data["steps"][1:]:  # the filing is said above
            at = datetime.fromisoformat(step["at"]).astimezone(runtime.tz)
            note = f"：{step['note']}" if step["note"] else ""
            console.print(f"    {at:%Y-%m-%d %H:%M} {step['step_name']}（{step['actor']}）{note}",
                          highlight=False, markup=False)
