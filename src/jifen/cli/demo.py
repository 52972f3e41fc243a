"""jifen demo: a synthetic region sent through the real HTTP API, settled, then served."""

from __future__ import annotations

import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jifen.cli.context import console, reports_errors
from jifen.config import Settings
from jifen.domain.periods import Month
from jifen.errors import InvalidInput
from jifen.runtime import Runtime

if TYPE_CHECKING:
    from jifen.demo.run import SuppliedFigures

STATUS_NAMES = {"qualified": "达标 qualified", "not_qualified": "未达标 not_qualified",
                "duplicate": "重复 duplicate", "pending": "待定 pending", "rejected": "拒收 rejected"}


@reports_errors
def demo(
    teachers: Annotated[int, typer.Option(help="number of teachers in the synthetic region", min=20)] = 2000,
    seed: Annotated[int, typer.Option(help="random seed")] = 2024,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on (another free one if taken)")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="keep serving after the demo")] = True,
    database_url: Annotated[str | None, typer.Option(
        help="database for the demo (default: a fresh SQLite file demo.sqlite3 in the data directory)")] = None,
) -> None:
    """Build a synthetic region, send a month of operations through the HTTP API, settle, and serve."""
    from jifen.demo import run
    from jifen.demo.server import BackgroundServer, free_port, port_free
    from jifen.web.app import create_app

    started = time.monotonic()
    base = Settings()
    settings = base.model_copy(update={"database_url": database_url or _fresh_sqlite(base.data_dir)})
    runtime = Runtime.open(settings)
    try:
        _require_empty(runtime)
        console.print(f"[bold]Jifen 积分 demo[/] database: {runtime.database.display_url}")
        rows, traffic, month = run.plan(runtime, teachers, seed)
        roster_file = run.load_region(runtime, rows)
        schools = len({r.school_code for r in rows})
        console.print(f"region 区域: {len(rows)} teachers, {schools} schools, "
                      f"{len({r.county_code for r in rows})} counties, {len({r.city_code for r in rows})} cities "
                      f"(roster {roster_file})")
        tokens = run.register_apps(runtime)
        if port == 0:
            port = free_port(host)
        elif not port_free(host, port):
            taken, port = port, free_port(host)
            console.print(f"port {taken} is taken; using {port}")
        server = BackgroundServer(create_app(runtime), host, port)
        server.start()
        total = sum(len(items) for items in traffic.batches.values())
        resent = sum(len(items) for items in traffic.resent.values())
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task(f"POST {server.url}/api/v1/operations ({month})", total=total + resent)
            statuses = run.send(server.url, tokens, traffic.batches, lambda n: progress.advance(task, n))
            statuses += run.send(server.url, tokens, traffic.resent, lambda n: progress.advance(task, n))
        resolved = run.bring_in_late_teachers(runtime, traffic.late_roster)
        version, counties = run.settle(runtime, month)
        _print_ranking(month, version, counties)
        _print_statuses(statuses, resolved)
        accounts = run.demo_accounts(runtime, month, rows)
        by_role = {role: (scope, token) for _name, role, scope, token, _password in accounts}
        county, county_token = by_role["county_admin"]
        supplied = run.supply_figures(runtime, server.url, county_token, rows, county, month, seed)
        teacher = next(r for r in rows if r.teacher_id == by_role["teacher"][0])
        uncredited = run.send_uncredited(runtime, server.url, tokens, teacher, month, traffic)
        current = run.send_this_month(server.url, tokens, teacher, datetime.now(UTC), runtime.tz)
        _print_figures(supplied, county)
        done = ", ".join(f"{k} {v}" for k, v in sorted(uncredited.items()))
        console.print(f"申诉 appeals: demo-teacher {teacher.teacher_id} sent {sum(uncredited.values())} more reports "
                      f"that do not count ({done}), to appeal on /appeals", highlight=False)
        if current:
            console.print(f"本月积分操作 this month: demo-teacher sent {sum(current.values())} reports of "
                          f"{Month.of(datetime.now(UTC), runtime.tz)} so far "
                          f"({', '.join(f'{k} {v}' for k, v in sorted(current.items()))}), on the desk",
                          highlight=False)
        console.print(f"everything above took {time.monotonic() - started:.1f} s")
        _print_accounts(server.url, str(month), accounts, runtime.database.display_url)
        _print_pages(server.url, str(month), accounts, runtime.database.display_url)
        if serve:
            console.print(f"[bold]serving at {server.url}[/] (Ctrl-C to stop)")
            try:
                server.wait()
            except KeyboardInterrupt:
                pass
        else:
            print(f"not serving (--no-serve); to serve the demo at the addresses above: JIFEN_DATABASE_URL="
                  f"{runtime.database.display_url} {command_name()} serve --host {host} --port {port}")
        server.stop()
    finally:
        runtime.close()


def command_name() -> str:
    """How to run this command again: ``jifen`` when that is the one on the PATH, else the path it was run by
    (``.venv/bin/jifen`` from a clone whose virtual environment is not activated)."""
    ran = Path(sys.argv[0])
    found = shutil.which("jifen")
    if ran.name != "jifen" or (found is not None and Path(found).resolve() == ran.resolve()):
        return "jifen"
    return str(ran)


def _fresh_sqlite(data_dir: Path) -> str:
    path = data_dir / "demo.sqlite3"
    data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _require_empty(runtime: Runtime) -> None:
    from sqlalchemy import func, select

    from jifen.store.tables import teachers

    with runtime.database.read() as connection:
        if connection.scalar(select(func.count()).select_from(teachers)):
            raise InvalidInput(f"the demo needs an empty database; {runtime.database.display_url} has a roster")


def _print_ranking(month: object, version: int, counties: list[dict[str, object]]) -> None:
    table = Table(title=f"{month} 县区积分排名 county ranking (settlement version {version})", title_justify="left")
    for header, justify in (("排名", "right"), ("县区代码", "left"), ("县区", "left"), ("市", "left"),
                            ("总分", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for county in counties:
        table.add_row(str(county["region_rank"]), str(county["county_code"]), str(county["county_name"]),
                      str(county["city_name"]), f"{county['total']:.2f}")
    console.print(table)


def _print_statuses(statuses: dict[str, int], resolved: dict[str, int]) -> None:
    total = sum(statuses.values()) or 1
    table = Table(title="上报结果 report statuses", title_justify="left")
    table.add_column("状态 status")
    table.add_column("条数 items", justify="right")
    table.add_column("占比 share", justify="right")
    for status, label in STATUS_NAMES.items():
        count = statuses.get(status, 0)
        table.add_row(label, str(count), f"{100 * count / total:.1f}%")
    console.print(table)
    if resolved:
        done = ", ".join(f"{k} {v}" for k, v in sorted(resolved.items()))
        console.print(f"late roster import: pending reports now {done}")


def _print_accounts(url: str, month: str, accounts: list[tuple[str, str, str, str, str]], database: str) -> None:
    table = Table(title="演示账号 demo accounts (password for the web pages, bearer token for the reports API)",
                  title_justify="left")
    for header in ("用户 user", "角色 role", "范围 scope", "密码 password", "token"):
        table.add_column(header, overflow="fold")
    for name, role, scope, token, password in accounts:
        table.add_row(name, role, scope, password, token)
    console.print(table)
    for name, role, _scope, _token, password in accounts:
        if role in ("teacher", "county_admin"):
            print(f"登录 sign in: {url}/login  user {name}  password {password}")
    kinds = {"teacher": "teachers", "school_admin": "schools", "county_admin": "counties",
             "city_admin": "cities", "region_admin": "regions"}
    for _name, role, scope, token, _password in accounts:
        print(f"curl -H 'Authorization: Bearer {token}' '{url}/api/v1/reports/{kinds[role]}/{scope}?month={month}'")
    print(f"JIFEN_DATABASE_URL={database} {command_name()} report region {accounts[-1][2]} --month {month}")


def _print_figures(supplied: SuppliedFigures, county: str) -> None:
    usage, doubtful = supplied.usage, supplied.doubtful
    console.print(f"项目教室周使用 classroom usage: county {county}, {usage['schools']} schools x {len(usage['weeks'])} "
                  f"weeks uploaded by demo-county ({supplied.usage_file}); figures to doubt: the same every week "
                  f"{doubtful['repeated']}, VR rooms unused for weeks {doubtful['idle']}, online interactive rooms "
                  f"under 5 uses a week {doubtful['low_online']}", highlight=False)
    console.print(f"注册情况 registration: platform export as of {supplied.registration_as_of}, "
                  f"{supplied.registration_schools} schools ({supplied.registration_file}); under 60 % of students "
                  f"registered: {', '.join(supplied.low_registration)}", highlight=False)


def _print_pages(url: str, month: str, accounts: list[tuple[str, str, str, str, str]], database: str) -> None:
    scopes = {role: scope for _name, role, scope, _token, _password in accounts}
    teacher, county = scopes["teacher"], scopes["county_admin"]
    print(f"JIFEN_DATABASE_URL={database} {command_name()} bulletin {county} --month {month} -o bulletin/")
    print("页面 pages (sign in first):")
    for label, path in (
        ("教师工作桌面 teacher desk (demo-teacher)", f"/teachers/{teacher}"),
        ("积分说明 month explanation (demo-teacher)", f"/teachers/{teacher}/months/{month}"),
        ("申诉 appeals (demo-teacher)", "/appeals"),
        ("县区积分报表 county report (demo-county)", f"/units/county/{county}?month={month}"),
        ("月度通报 bulletin (demo-county)", "/bulletin"),
        ("项目教室使用 classroom usage (demo-county)", "/usage"),
        ("申诉审核 appeal review (demo-school, demo-county)", "/appeals/review"),
        ("结算版本 settlements (demo-county)", "/settlements"),
        ("API 文档 API docs", "/api/docs"),
    ):
        print(f"  {label}: {url}{path}")
