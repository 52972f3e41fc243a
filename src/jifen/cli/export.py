"""jifen export: data for other tools. ``operations``: a month's operations as Parquet (by month and county)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jifen.cli.context import console, opened, reports_errors
from jifen.domain.periods import Month
from jifen.errors import InvalidInput

export_app = typer.Typer(help="Exports for other tools: Parquet for data engines.", no_args_is_help=True)


@export_app.command("operations")
@reports_errors
def operations(
    month: Annotated[str, typer.Option("--month", metavar="YYYY-MM", help="the local month to export")],
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="the directory; month=YYYY-MM/ inside it is replaced (default: exports/operations in the "
                            "data directory)")] = None,
) -> None:
    """Write a month's operations as Parquet, partitioned by month and county, with a _manifest.json."""
    from jifen.settle.engine.export import export_operations

    parsed = Month.parse(month)
    with opened() as runtime:
        out = out if out is not None else runtime.settings.data_dir / "exports" / "operations"
        if out.exists() and not out.is_dir():
            raise InvalidInput(f"--out {out} is a file: name a directory to write the month's Parquet files into")
        rules = runtime.rulebook.for_month(parsed)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task(f"operations {parsed} -> {out}", total=None)
            summary = export_operations(
                runtime.database, rules, str(parsed), out, datetime.now(UTC),
                started=lambda total: progress.update(task, total=total),
                advance=lambda rows: progress.advance(task, rows),
            )
    counties = ", ".join(f"{code} {rows}" for code, rows in summary.counties.items()) or "none"
    console.print(f"已导出 {summary.month} 的 {summary.rows} 条上报至 {summary.directory}（按县区分区）", highlight=False)
    console.print(f"{summary.rows} operations of {summary.month} ({rules.name} v{rules.version}) written to "
                  f"{summary.directory}; by county: {counties}", highlight=False)
