"""jifen ingest: back-fill a JSONL or CSV file of app reports through the ingestion service."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jifen.cli.context import console, opened, reports_errors
from jifen.cli.demo import STATUS_NAMES
from jifen.domain.operations import Status
from jifen.ingest.backfill import PROBLEMS, Summary, backfill, file_format, require_registered
from jifen.reports.reasons import in_chinese
from jifen.store import operations as operations_repo

SHOWN_PROBLEMS = 20
STORED = (Status.QUALIFIED, Status.NOT_QUALIFIED, Status.PENDING)
STATISTICS_AFTER = 10_000  # operations stored by one back-fill, past which the planner's statistics are refreshed
LABELS = {**STATUS_NAMES, "conflict": "冲突 conflict"}


@reports_errors
def ingest(
    file: Annotated[Path, typer.Argument(help="JSONL (one item per line, UTF-8) or CSV (UTF-8 or GB18030; envelope "
                                                  "columns + attributes)")],
    app_code: Annotated[str, typer.Option("--app", help="the registered app the reports come from")],
) -> None:
    """Back-fill reports from a file, in chunks; safe to run again (items already stored count as duplicate)."""
    file_format(file)
    with opened() as runtime:
        require_registered(runtime.database, app_code, [loaded.rules for loaded in runtime.rulebook.in_use()])
        service = runtime.ingest_service()
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                          console=console) as progress:
                task = progress.add_task(f"{file.name} -> {app_code}", total=file.stat().st_size)
                summary = backfill(service, app_code, file, lambda: datetime.now(UTC),
                                   advance=lambda n: progress.advance(task, n))
        except KeyboardInterrupt:
            print("错误 error: interrupted; the chunks committed so far are kept: run the same command again to "
                  "finish (items already stored count as duplicate)", file=sys.stderr)
            raise typer.Exit(130) from None
        if sum(summary.counts.get(status, 0) for status in STORED) >= STATISTICS_AFTER:
            with runtime.database.transaction() as connection:  # a large back-fill: plan on what it stored
                operations_repo.refresh_statistics(connection)
    _print_summary(summary)


def _print_summary(summary: Summary) -> None:
    table = Table(title=f"{summary.path.name}: {summary.total} items 条", title_justify="left")
    table.add_column("状态 status")
    table.add_column("条数 items", justify="right")
    for status in Status:
        table.add_row(LABELS.get(status, str(status)), str(summary.counts.get(status, 0)))
    console.print(table)
    for problem in summary.problems[:SHOWN_PROBLEMS]:
        said = in_chinese(problem.reason)
        console.print(f"{problem}" + (f"（{said}）" if said != problem.reason else ""), highlight=False, markup=False)
    listed = sum(summary.counts.get(status, 0) for status in PROBLEMS)
    if listed > SHOWN_PROBLEMS:
        console.print(f"... and {listed - SHOWN_PROBLEMS} more rejected or conflicting lines")
