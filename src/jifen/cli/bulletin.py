"""``jifen bulletin COUNTY_CODE --month YYYY-MM -o DIR``: a county's monthly bulletin (通报) written as files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from jifen.cli.context import console, opened, reports_errors
from jifen.domain.periods import Month, parse_day
from jifen.errors import InvalidInput


@reports_errors
def bulletin(
    county_code: Annotated[str, typer.Argument(metavar="COUNTY_CODE", help="county code")],
    month: Annotated[str, typer.Option("--month", metavar="YYYY-MM", help="the settled month")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the directory to write into (made if missing)")],
    on: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD",
                                           help="the date the bulletin is issued (default: today, local time)")] = None,
) -> None:
    """Write a county's monthly bulletin as DOCX, PDF and HTML, with the month's points report (XLSX) attached."""
    from jifen.reports.bulletin import write

    with opened() as runtime:
        issued_on = _date(on) if on else datetime.now(runtime.tz).date()
        first = Month.parse(month).start(runtime.tz).date()
        if issued_on < first:
            raise InvalidInput(f"--date {issued_on.isoformat()} is before {month}, the month the bulletin reports: "
                               f"it is issued once the month's figures are there")
        with runtime.database.read() as connection:
            data, paths = write(connection, county_code, month, output, runtime.settings, issued_on=issued_on)
    state = "草稿 draft" if data["state"] == "draft" else "已发布 published"
    console.print(f"{data['issuer']} {data['month_label']}通报 (points version {data['version']}, {state}): "
                  f"{len(data['schools'])} schools, {len(data['problems'])} problems", highlight=False)
    for path in paths:
        console.print(f"  {path}", highlight=False)


def _date(text: str) -> date:
    return parse_day(text, "--date")
