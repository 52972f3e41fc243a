"""``jifen credits``: the year's continuing-education credits of every teacher of a unit, for the registry."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jifen.cli.context import console, opened, reports_errors
from jifen.cli.teacher_views import Format, parse_day
from jifen.errors import InvalidInput, NotFound
from jifen.store import units


class UnitLevel(str, Enum):
    school = "school"
    county = "county"
    city = "city"
    region = "region"


@reports_errors
def credits(
    level: Annotated[UnitLevel, typer.Argument(help="school, county, city or region")],
    code: Annotated[str, typer.Argument(help="its code")],
    year: Annotated[int | None, typer.Option(help="YYYY (default: this year; a past year is counted to its end)")
                    ] = None,
    on: Annotated[str | None, typer.Option(help="YYYY-MM-DD: the months ended by that day (default: today)")] = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, xlsx or csv")] = Format.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="the file to write (required for xlsx)")
                      ] = None,
) -> None:
    """Every teacher's continuing-education credits of a year (继续教育学分), as their cards work them out."""
    from jifen.reports import csv_file, xlsx_file
    from jifen.reports.card import day_of
    from jifen.reports.credits_list import credits_list, sheet

    if year is not None and on is not None:
        raise InvalidInput("give --year or --on, not both", details=[{"path": "on", "message": "not with --year"}])
    if format is Format.xlsx and output is None:
        raise InvalidInput("--format xlsx writes a file: give -o FILE.xlsx")
    if format is Format.table and output is not None:
        raise InvalidInput("-o writes a file of --format xlsx, csv or json; the table is for the terminal")
    with opened() as runtime:
        day = day_of(year, parse_day(on, "on"), datetime.now(UTC).astimezone(runtime.tz).date(), "on",
                     "the credits list")
        with runtime.database.read() as connection:
            if units.chain_of(connection, level.value, code.strip(), runtime.settings.region_code) is None:
                raise NotFound(f"{level.value} {code.strip()!r} is not on the roster")
            data = credits_list(connection, level.value, code.strip(), day)
    if format is Format.table:
        rows = sheet(data)
        table = Table(*rows.headers, title=rows.title)
        for row in rows.rows:
            table.add_row(*("" if cell is None else f"{cell:.2f}" if n in rows.numeric else str(cell)
                            for n, cell in enumerate(row)))
        console.print(table)
        if not rows.rows:
            console.print(f"{level.value} {code}: no teacher has a settled month of {day.year} by {day} "
                          "本年截至该日没有已结算月份", highlight=False)
        return
    if format is Format.json:
        text = json.dumps(data, ensure_ascii=False) + "\n"
        body: bytes | None = None
    else:
        rows = sheet(data)
        body = xlsx_file.render(rows) if format is Format.xlsx else None
        text = csv_file.render(rows)
    if output is None:
        sys.stdout.write(text.removeprefix(csv_file.BOM))
        return
    if body is not None:
        output.write_bytes(body)
    else:
        output.write_text(text, encoding="utf-8", newline="")
    console.print(f"{day.year} 继续教育学分 {level.value} {code}: {len(data['teachers'])} teachers written to {output}",
                  highlight=False)
