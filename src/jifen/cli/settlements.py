"""``jifen publish``, ``jifen versions``, ``jifen diff`` and ``jifen settle --due``: a month's versions, from
draft to published, and the schedule that settles months by itself."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from jifen.cli.adjust import default_author
from jifen.cli.context import console, opened, reports_errors
from jifen.cli.teacher_views import Output
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.runtime import Runtime
from jifen.store.tables import MAX_STORED_VERSION

LEVELS = "teacher, school, county, city or region"


@reports_errors
def publish(
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    version: Annotated[int | None, typer.Option(
        min=1, max=MAX_STORED_VERSION, help="the version to publish (default: the latest; it must be)")] = None,
    by: Annotated[str | None, typer.Option(help="who publishes (default: cli:<OS user>)")] = None,
) -> None:
    """Publish a month's latest draft: reports show it from now on, and it never changes again."""
    from jifen.settle.publication import list_versions
    from jifen.settle.publication import publish as publish_version

    with opened() as runtime:
        if by is not None and not by.strip():
            raise InvalidInput("--by is empty: name who publishes, or leave it out for cli:<OS user>")
        record = publish_version(runtime.database, month, version, by.strip() if by else default_author(),
                                 datetime.now(UTC), runtime.tz)
        when = record.published_at.astimezone(runtime.tz) if record.published_at else None
        changed = list_versions(runtime.database, record.month, runtime.rulebook.for_month).inputs_changed
    console.print(f"{record.month} 第{record.version}版已发布 published by {record.published_by}"
                  f"{f' at {when:%Y-%m-%d %H:%M}' if when else ''}; reports show it from now on",
                  highlight=False, markup=False)
    if changed:
        console.print(f"注意：第{record.version}版之后输入已有变化，下次结算将生成第{record.version + 1}版 "
                      f"(inputs changed since; the next settlement makes version {record.version + 1})",
                      highlight=False, markup=False)


@reports_errors
def versions(
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    format: Annotated[Output, typer.Option("--format", help="table (Chinese) or json")] = Output.table,
) -> None:
    """List a month's settlement versions: draft or published, and which one reports show."""
    from jifen.reports.versions import versions_data
    from jifen.reports.versions_text import versions_table
    from jifen.settle.publication import list_versions

    with opened() as runtime:
        data = versions_data(list_versions(runtime.database, month, runtime.rulebook.for_month))
    _print(data, format, lambda: versions_table(data, runtime.tz))


@reports_errors
def diff(
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    from_version: Annotated[int | None, typer.Option(
        "--from", min=1, max=MAX_STORED_VERSION,
        help="the older version (default: the one reports show, else the one before --to)")] = None,
    to_version: Annotated[int | None, typer.Option(
        "--to", min=1, max=MAX_STORED_VERSION, help="the newer version (default: the latest)")] = None,
    level: Annotated[str | None, typer.Option(help=f"only units of this level: {LEVELS}")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="at most this many units, the largest moves first "
                                                          "(default: 50 in a table, all in json)")] = None,
    format: Annotated[Output, typer.Option("--format", help="table (Chinese) or json")] = Output.table,
) -> None:
    """What changed from one version of a month to another: who moved, by how much, and why."""
    from jifen.reports.versions import diff_data
    from jifen.reports.versions_text import diff_tables

    shown = limit if limit is not None or format is Output.json else 50
    with opened() as runtime, runtime.database.read() as connection:
        data = diff_data(connection, month, from_version, to_version, level=level, limit=shown)
    _print(data, format, lambda: diff_tables(data))


@reports_errors
def recount(
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    limit: Annotated[int | None, typer.Option(min=1, help="at most this many differences, the largest first "
                                                          "(default: 50 in a table, all in json)")] = None,
    format: Annotated[Output, typer.Option("--format", help="table (Chinese) or json")] = Output.table,
) -> None:
    """Audit a month's counts: recount its qualifying operations from the raw reports and compare them with the
    counts kept as reports came in (which settlements read). Exits 1 when they differ."""
    from jifen.settle.verify import check_month

    parsed = Month.parse(month)
    with opened() as runtime, console.status(f"recounting {parsed} from the raw operations 正在重新计数"):
        rules = runtime.rulebook.rules_for(parsed)
        check = check_month(runtime.database, rules, parsed)
    names = {i.code: i.name for i in rules.indicators}
    largest_first = sorted(check.differences, key=lambda d: -abs(d.recounted - d.kept))
    if format is Output.json:
        sys.stdout.write(json.dumps({"month": check.month, "agrees": check.agrees, "kept": check.kept,
                                     "recounted": check.recounted,
                                     "differences": [{**vars(d), "explained": d.explained}
                                                     for d in largest_first[:limit]]}, ensure_ascii=False) + "\n")
    elif not check.differences:
        console.print(f"{check.month}: 重新计数与入库时的计数一致 the recount agrees with the counts kept "
                      f"({check.kept} counts of teachers and schools by indicator)", highlight=False)
    elif check.agrees:
        console.print(f"{check.month}: 重新计数与入库时的计数一致，差异均为申诉已补计的待核验上报 the recount agrees "
                      f"but for {len(check.differences)} counts of reports an approved appeal credited while "
                      "pending (its adjustment counts them)", highlight=False)
    else:
        table = Table(title=f"{check.month} 计数不一致 counts that differ", title_justify="left")
        for header in ("对象", "代码", "指标", "入库计数", "重新计数", "说明"):
            table.add_column(header, justify="right" if "计数" in header else "left")
        shown = largest_first[:limit or 50]
        for d in shown:
            table.add_row({"teacher": "教师", "school": "学校"}.get(d.subject_kind, d.subject_kind), d.code,
                          f"{names.get(d.indicator, d.indicator)} {d.indicator}", str(d.kept), str(d.recounted),
                          "申诉已补计 credited by appeal" if d.explained else "")
        console.print(table)
        if len(shown) < len(check.differences):
            console.print(f"另有 {len(check.differences) - len(shown)} 项差异未列出 and "
                          f"{len(check.differences) - len(shown)} more of {len(check.differences)}: --limit N, "
                          "or --format json for all", highlight=False)
        console.print("说明：待核验的上报在花名册导入其教师或学校时才核验，晚于此后收到的上报；复核按收到的顺序核验。"
                      "围绕这类上报的重复内容、每日上限或授课重叠差异由此而来，其他差异则是故障。", highlight=False)
        console.print("A pending report is judged when a roster import brings its teacher or school in, after "
                      "reports received later; the recount judges in the order received. Differences of shared "
                      "content, caps or sessions around such reports come from that; any other is a fault.",
                      highlight=False)
    if not check.agrees:
        raise typer.Exit(1)


def settle_due() -> None:
    """Settle the months that are due now (the schedule's decision), print what was done."""
    from jifen.settle.due import describe, run_due, schedule_of

    with opened() as runtime:
        s = runtime.settings
        schedule = schedule_of(s, runtime.tz)
        now = datetime.now(UTC)
        outcomes = run_due(runtime.database, runtime.rulebook.for_month, (s.region_code, s.region_name), schedule,
                           now, engine=s.settle_engine, master=s.spark_master)
    if not outcomes:
        last = Month.of(now, runtime.tz).previous()
        when = schedule.due_at(last)
        upcoming = f"; {last} falls due at {when:%Y-%m-%d %H:%M} {runtime.tz.key} 届时结算" if now < when else ""
        console.print(f"no month is due: nothing settled 没有需要结算的月份{upcoming}", highlight=False)
    for outcome in outcomes:
        console.print(describe(outcome), highlight=False, markup=False)


@contextmanager
def due_checker(runtime: Runtime) -> Iterator[None]:
    """While the block runs, settle due months every JIFEN_AUTO_SETTLE_INTERVAL_S seconds (unless
    JIFEN_AUTO_SETTLE is off); stops, letting a settlement under way finish, when the block ends."""
    from jifen.settle.due import DueChecker, describe, run_due, schedule_of

    s = runtime.settings
    if not s.auto_settle:
        yield
        return
    schedule = schedule_of(s, runtime.tz)
    checker = DueChecker(lambda: run_due(runtime.database, runtime.rulebook.for_month,
                                         (s.region_code, s.region_name), schedule, datetime.now(UTC),
                                         engine=s.settle_engine, master=s.spark_master),
                         s.auto_settle_interval_s,
                         lambda outcome: console.print(describe(outcome), highlight=False, markup=False))
    checker.start()
    try:
        yield
    finally:
        checker.stop()


def _print(data: dict[str, Any], format: Output, table: Callable[[], Any]) -> None:
    if format is Output.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        console.print(table())
