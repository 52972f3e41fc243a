"""``jifen usage`` and ``jifen registration``: the figures schools and the national platform supply."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from jifen.cli.adjust import default_author
from jifen.cli.context import console, opened, reports_errors
from jifen.domain.periods import parse_day
from jifen.errors import InvalidInput

usage_app = typer.Typer(help="Weekly classroom usage schools report (项目教室周使用情况).", no_args_is_help=True)
registration_app = typer.Typer(help="National-platform registration (国家平台注册情况).", no_args_is_help=True)


def _day(text: str, option: str) -> date:
    return parse_day(text, option)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file.name}: cannot read the file: {exc.strerror or exc}") from None


@usage_app.command("import")
@reports_errors
def usage_import(
    file: Annotated[Path, typer.Argument(help="the usage sheet (XLSX), as jifen usage template writes it")],
    by: Annotated[str | None, typer.Option(help="who submits (default: cli:<OS user>)")] = None,
) -> None:
    """Store a usage sheet: every row, or nothing when any cell is wrong."""
    from jifen.ingest.school_figures import import_usage

    with opened() as runtime:
        summary = import_usage(runtime.database, _read(file), file.name, user=None, by=by or default_author(),
                               now=datetime.now(UTC), tz=runtime.tz, region_code=runtime.settings.region_code)
    weeks = ", ".join(w.isoformat() for w in summary.weeks)
    console.print(f"{file.name}: {summary.rows} rows, {summary.schools} schools, {summary.figures} room figures "
                  f"stored; weeks {weeks}", highlight=False)


@usage_app.command("template")
@reports_errors
def usage_template(
    output: Annotated[Path, typer.Option("-o", "--output", help="the XLSX file to write")],
    county: Annotated[str | None, typer.Option(help="list this county's schools in the sheet")] = None,
    week: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="fill in the week (its Monday)")] = None,
) -> None:
    """Write the blank usage sheet a bureau hands its schools."""
    from jifen.ingest.school_figures import usage_template as template

    with opened() as runtime:
        data = template(runtime.database, county, _day(week, "--week") if week else None)
    output.write_bytes(data)
    console.print(f"usage sheet written to {output}", highlight=False)


@usage_app.command("figures")
@reports_errors
def usage_figures(
    county: Annotated[str, typer.Argument(help="county code")],
    month: Annotated[str, typer.Option(metavar="YYYY-MM", help="the month")],
    term_start: Annotated[str | None, typer.Option(
        "--term-start", metavar="YYYY-MM-DD", help="start of the term (default: the latest 1 March or 1 September)")
    ] = None,
) -> None:
    """Print a county's monthly figures as JSON: registration, online classes, digital school, classroom usage."""
    from jifen.reports.usage_data import FigureSettings, county_usage

    with opened() as runtime, runtime.database.read() as connection:
        data = county_usage(connection, county, month, term_start=_day(term_start, "--term-start") if term_start
                            else None, figures=FigureSettings.from_settings(runtime.settings),
                            as_of=datetime.now(UTC).astimezone(runtime.tz).date())  # a running month: to today
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


@registration_app.command("import")
@reports_errors
def registration_import(
    file: Annotated[Path, typer.Argument(help="the platform's registration export (XLSX), one row per school")],
    as_of: Annotated[str, typer.Option("--as-of", metavar="YYYY-MM-DD", help="the date of the export")],
    by: Annotated[str | None, typer.Option(help="who imports (default: cli:<OS user>)")] = None,
) -> None:
    """Store the platform's registration counts per school as of a date (replacing an import of that date)."""
    from jifen.ingest.school_figures import import_registration

    day = _day(as_of, "--as-of")
    with opened() as runtime:
        summary = import_registration(runtime.database, _read(file), file.name, day, by=by or default_author(),
                                      now=datetime.now(UTC))
    console.print(f"{file.name}: registration of {summary.schools} schools as of {summary.as_of.isoformat()} stored",
                  highlight=False)
    if summary.skipped:
        console.print(f"skipped {len(summary.skipped)} rows naming schools not on the roster: "
                      f"{'; '.join(summary.skipped[:20])}", highlight=False)
