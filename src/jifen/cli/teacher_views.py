"""``jifen explain`` and ``jifen card``: a teacher's month explained, and the teacher's points card."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any

import typer

from jifen.cli.context import console, opened, reports_errors
from jifen.domain import periods
from jifen.errors import InvalidInput
from jifen.store.tables import MAX_STORED_VERSION


class Output(str, Enum):
    table = "table"
    json = "json"


class Format(str, Enum):
    """Output, or a file: xlsx or csv."""

    table = "table"
    json = "json"
    xlsx = "xlsx"
    csv = "csv"


@reports_errors
def explain(
    teacher_id: Annotated[str, typer.Argument(help="teacher id")],
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    version: Annotated[int | None, typer.Option(min=1, max=MAX_STORED_VERSION, help=(
        "settlement version (default: the latest published, else the latest draft)"))] = None,
    format: Annotated[Output, typer.Option("--format", help="table (Chinese text) or json")] = Output.table,
) -> None:
    """Explain a teacher's points of a month: each indicator's arithmetic, adjustments, and the month's reports."""
    from jifen.reports.month_so_far import month_explanation
    from jifen.reports.teacher_text import explanation_lines

    with opened() as runtime, runtime.database.read() as connection:
        data = month_explanation(connection, teacher_id, month, version, rules_for=runtime.rulebook.rules_for,
                                 now=datetime.now(UTC), tz=runtime.tz)
    _print(data, format, lambda: explanation_lines(data, runtime.tz))


@reports_errors
def card(
    teacher_id: Annotated[str, typer.Argument(help="teacher id")],
    year: Annotated[int | None, typer.Option(help="YYYY (default: this year; a past year is shown at its end)")] = None,
    on: Annotated[str | None, typer.Option(help="YYYY-MM-DD: the card as of that day (default: today)")] = None,
    format: Annotated[Output, typer.Option("--format", help="table (Chinese text) or json")] = Output.table,
) -> None:
    """A teacher's points card: 年度积分, 上月增加, 本月积分操作 and continuing-education credits."""
    from jifen.domain.periods import Month
    from jifen.reports.card import card as card_data
    from jifen.reports.card import day_of
    from jifen.reports.teacher_text import card_lines

    with opened() as runtime:
        today = datetime.now(UTC).astimezone(runtime.tz).date()
        if year is not None and on is not None:
            raise InvalidInput("give --year or --on, not both", details=[{"path": "on", "message": "not with --year"}])
        day = day_of(year, parse_day(on, "on"), today)
        rules = runtime.rulebook.rules_for(Month(day.year, day.month))
        with runtime.database.read() as connection:
            data = card_data(connection, teacher_id, day, runtime.tz, rules)
    _print(data, format, lambda: card_lines(data))


def parse_day(text: str | None, field: str) -> date | None:
    return None if text is None else periods.parse_day(text, field)


def _print(data: dict[str, Any], format: Output, lines: Callable[[], list[str]]) -> None:
    if format is Output.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    for line in lines():
        console.print(line, highlight=False, markup=False)
