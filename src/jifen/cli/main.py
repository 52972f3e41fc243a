"""The ``jifen`` command."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from jifen.cli import bulletin as bulletin_command
from jifen.cli import demo as demo_command
from jifen.cli import ingest as ingest_command
from jifen.cli import settlements as settlements_command
from jifen.cli.context import console, opened, reports_errors
from jifen.cli.export import export_app
from jifen.cli.rulesets import ruleset_app
from jifen.cli.school_figures import registration_app, usage_app
from jifen.cli.teacher_views import Format
from jifen.config import Settings
from jifen.store.tables import MAX_STORED_VERSION

app = typer.Typer(help="Jifen 积分: education-platform application points.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations: the roster of schools and teachers.", no_args_is_help=True)
apps_app = typer.Typer(help="Integrated apps and their API tokens.", no_args_is_help=True)
users_app = typer.Typer(help="Users who read reports.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(orgs_app, name="orgs")
app.add_typer(apps_app, name="apps")
app.add_typer(users_app, name="users")
app.add_typer(ruleset_app, name="ruleset")
app.add_typer(export_app, name="export")
app.add_typer(usage_app, name="usage")
app.add_typer(registration_app, name="registration")
app.command(name="demo")(demo_command.demo)
app.command(name="ingest")(ingest_command.ingest)
app.command(name="publish")(settlements_command.publish)
app.command(name="versions")(settlements_command.versions)
app.command(name="diff")(settlements_command.diff)
app.command(name="recount")(settlements_command.recount)
app.command(name="bulletin")(bulletin_command.bulletin)


class Level(str, Enum):
    teacher = "teacher"
    school = "school"
    county = "county"
    city = "city"
    region = "region"


def _now() -> datetime:
    return datetime.now(UTC)


@app.command()
@reports_errors
def info() -> None:
    """Show the data directory, the database and the rule set in force."""
    settings = Settings()
    with opened(upgrade=False) as runtime:
        console.print(f"data directory 数据目录: {settings.data_dir}")
        console.print(f"database 数据库: {runtime.database.display_url}")
        console.print(f"schema revision: {runtime.database.current() or '(empty)'} (latest {runtime.database.head()})")
        if runtime.database.current() == runtime.database.head():
            current = runtime.rulebook.current()
            console.print(f"rule set 规则: {current.name} v{current.version} (this month)")
        else:
            console.print(f"rule set 规则: {runtime.ruleset.name} v{runtime.ruleset.version} (default)")
        console.print(f"region 区域: {settings.region_code} {settings.region_name}")


@db_app.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Create or migrate the tables to the latest revision."""
    with opened(upgrade=False) as runtime:
        runtime.database.upgrade()
        console.print(f"database {runtime.database.display_url} at revision {runtime.database.current()}")


@orgs_app.command("import")
@reports_errors
def orgs_import(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030) or XLSX roster, one row per teacher")],
    full: Annotated[bool, typer.Option("--full", help="the file is the whole roster of the counties it lists: their "
                                                      "teachers and schools not in it leave (other counties are left "
                                                      "as they are)")] = False,
    effective_from: Annotated[str | None, typer.Option(
        "--effective-from", metavar="YYYY-MM",
        help="the roster holds from this month on (default: every month not yet published)")] = None,
) -> None:
    """Import a roster: add and update schools and teachers, from a month on."""
    from jifen.ingest.roster_import import import_file

    with opened() as runtime:
        result = import_file(runtime.ingest_service(), file, full=full, now=_now(), effective_from=effective_from)
    s = result.summary
    months = "every month not yet published" if result.applies_to_all_months else f"{result.from_month} on"
    since = "所有尚未发布的月份" if result.applies_to_all_months else f"{result.from_month} 起"
    console.print(f"{file.name}：学校 {s.schools} 所；教师新增 {s.added}、更新 {s.updated}、未变 {s.unchanged}、"
                  f"离开 {s.left}；名册适用于{since}", highlight=False)
    console.print(f"{file.name}: {s.schools} schools; teachers added {s.added}, updated {s.updated}, "
                  f"unchanged {s.unchanged}, left {s.left}; roster from {months}")
    for kind, moves in (("学校调整县区 schools moved to another county", s.moved_schools),
                        ("教师调动学校 teachers moved to another school", s.moved_teachers)):
        if moves:
            shown = "; ".join(f"{code} {old} → {new}" for code, old, new in moves[:20])
            more = f"; … {len(moves) - 20} more" if len(moves) > 20 else ""
            console.print(f"{kind} ({len(moves)}): {shown}{more}", highlight=False)
    for code, what, before, after in s.changed_counties:
        said = {"name": "更名 renamed", "city": "改属 moved to city"}[what]
        console.print(f"县区 county {code} {said}: {before} → {after}（县区不分月份记录，已结算的月份重新结算后也按此显示 "
                      "counties are not dated: months settled again show it too）", highlight=False)
    if result.resolved:
        done = ", ".join(f"{k} {v}" for k, v in sorted(result.resolved.items()))
        console.print(f"pending reports now checked: {done}")
    if result.before_from:
        months = ", ".join(f"{month} {n}" for month, n in result.before_from.items())
        first = next(iter(result.before_from))
        console.print(f"of the reports now qualified, some are of months before the roster's first ({months}): "
                      f"their teacher or school is not on those months' roster, so they count there only after an "
                      f"import with --effective-from {first} and a new settlement of those months", highlight=False)


@apps_app.command("add")
@reports_errors
def apps_add(app_code: Annotated[str, typer.Argument(help="an app code of the catalog")]) -> None:
    """Register an app and print a new API token on the last line (shown once)."""
    from jifen.access.service import register_app

    with opened() as runtime:
        in_force = [loaded.rules for loaded in runtime.rulebook.in_use()]
        token = register_app(runtime.database, in_force, app_code, _now())
    console.print(f"app {app_code} registered; its API token (shown once, stored hashed):", highlight=False)
    print(token)


@apps_app.command("credentials")
@reports_errors
def apps_credentials(app_code: Annotated[str, typer.Argument(help="a registered app, or one of the catalog")]) -> None:
    """Issue a key and secret for signed requests; prints KEY SECRET on the last line (shown once)."""
    from jifen.access.credentials import MAX_ACTIVE, issue

    with opened() as runtime:
        in_force = [loaded.rules for loaded in runtime.rulebook.in_use()]
        issued = issue(runtime.database, runtime.server_key, in_force, app_code, _now())
    for key in issued.revoked:
        console.print(f"revoked the oldest key {key} (at most {MAX_ACTIVE} active per app)", highlight=False)
    console.print(f"app {app_code}: a new key and secret (the secret is shown once, stored encrypted):",
                  highlight=False)
    print(f"{issued.key} {issued.secret}")


@apps_app.command("revoke")
@reports_errors
def apps_revoke(key: Annotated[str, typer.Argument(
        help="a key printed by jifen apps credentials, or an API token printed by jifen apps add")]) -> None:
    """Revoke an app's key or API token at once: requests signed with the key, or bearing the token, are refused."""
    from jifen.access.credentials import revoke
    from jifen.access.service import revoke_app_token
    from jifen.access.tokens import APP_PREFIX

    with opened() as runtime:
        if key.strip().startswith(APP_PREFIX):
            app_code = revoke_app_token(runtime.database, key)
            console.print(f"API token {key.strip()[:8]}... of app {app_code} revoked", highlight=False)
            return
        app_code = revoke(runtime.database, key, _now())
    console.print(f"key {key} of app {app_code} revoked", highlight=False)


@apps_app.command("list")
@reports_errors
def apps_list() -> None:
    """List registered apps: when, how many API tokens each holds, and its signing keys in use (secrets and tokens
    are never shown again)."""
    from jifen.store.access import app_access, registered_apps

    with opened() as runtime, runtime.database.read() as connection:
        access = app_access(connection)
        for code, name, registered_at in registered_apps(connection):
            tokens, keys = access.get(code, (0, []))
            issued = ", ".join(f"{key} ({at.astimezone(runtime.tz):%Y-%m-%d %H:%M})" for key, at in keys) or "-"
            console.print(f"{code}\t{name}\t{registered_at.astimezone(runtime.tz):%Y-%m-%d %H:%M}\t"  # local time
                          f"tokens {tokens}\tkeys {issued}", highlight=False)


@users_app.command("add")
@reports_errors
def users_add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option(help="teacher, school_admin, county_admin, city_admin, region_admin or "
                                           "assessment_expert")],
    scope: Annotated[str | None, typer.Option(help="teacher id, school, county or city code; region code "
                                                   "(an assessment expert: the region or a county)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read a password for the web pages "
                                                                          "from standard input")] = False,
) -> None:
    """Create a user and print their API token on the last line (shown once)."""
    from jifen.access.passwords import check_strength, set_password
    from jifen.access.service import add_user

    if not scope and role in ("teacher", "school_admin", "county_admin", "city_admin"):
        from jifen.errors import InvalidInput

        needed = {"teacher": "teacher id", "school_admin": "school code"}.get(role, "unit code")
        raise InvalidInput(f"--scope is needed for a {role}: the {needed}")
    password = _stdin_password() if password_stdin else None
    if password is not None:
        check_strength(password)  # before the user exists, so a weak password leaves nothing behind
    with opened() as runtime:
        region = runtime.settings.region_code
        default_scope = region if role in ("region_admin", "assessment_expert") else ""
        token = add_user(runtime.database, name, role, scope or default_scope, region, _now())
        if password is not None:
            set_password(runtime.database, name, password, _now())
    if password is not None:
        console.print(f"user {name}: password set for the web pages (stored as an argon2id hash)", highlight=False)
    console.print(f"user {name} ({role}) created; API token (shown once, stored hashed):", highlight=False)
    print(token)


@users_app.command("password")
@reports_errors
def users_password(name: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Set a user's password for the web pages, read from standard input; ends the user's sessions."""
    from jifen.access.passwords import set_password

    password = _stdin_password()
    with opened() as runtime:
        ended = set_password(runtime.database, name, password, _now())
    console.print(f"user {name}: password set (argon2id); {ended} signed-in session(s) ended", highlight=False)


def _stdin_password() -> str:
    """The first line of standard input, without its line ending; no prompt, nothing echoed."""
    from jifen.errors import InvalidInput

    line = sys.stdin.readline()
    if not line.strip():
        raise InvalidInput("password: give it on standard input, e.g. printf '%s\\n' \"$PASSWORD\" | jifen users ...")
    return line.rstrip("\r\n")


@app.command()
@reports_errors
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    access_log: Annotated[bool, typer.Option(help="log every request (errors are logged either way)")] = False,
    workers: Annotated[int, typer.Option(min=1, help="server processes; ingestion writes one at a time, the "
                                                     "rest of each request runs in parallel")] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    from jifen.web.app import create_app

    with opened() as runtime:
        console.print(f"Jifen serving {runtime.database.display_url} at http://{host}:{port}/ (sign in: /login; "
                      f"API: /api/v1, its docs: /api/docs)")
        with settlements_command.due_checker(runtime):  # settles due months in the background
            application = "jifen.web.app:from_environment" if workers > 1 else create_app(runtime)
            uvicorn.run(application, factory=workers > 1, workers=workers, host=host, port=port, log_level="info",
                        access_log=access_log)


@app.command()
@reports_errors
def settle(
    month: Annotated[str | None, typer.Argument(help="YYYY-MM")] = None,
    due: Annotated[bool, typer.Option("--due", help="instead: settle every month due now (for cron)")] = False,
    engine: Annotated[str | None, typer.Option(help="duckdb (embedded), python (exact reference), sqlite, postgres "
                                                    "or spark; default JIFEN_SETTLE_ENGINE")] = None,
    master: Annotated[str | None, typer.Option(help="Spark master URL with --engine spark; default "
                                                    "JIFEN_SPARK_MASTER (local[2])")] = None,
) -> None:
    """Settle a month: score every teacher against the region average and roll up. Makes a new draft version."""
    from jifen.domain.periods import Month
    from jifen.errors import InvalidInput
    from jifen.settle.service import settle_month

    if due or month is None:
        if not due or month is not None:
            raise InvalidInput("give a month YYYY-MM, or --due (not both)")
        if engine or master:
            raise InvalidInput("--due settles on JIFEN_SETTLE_ENGINE (and JIFEN_SPARK_MASTER); set those instead")
        return settlements_command.settle_due()
    parsed = Month.parse(month)
    with opened() as runtime:
        s = runtime.settings
        engine = engine if engine is not None else s.settle_engine
        if master is not None and engine != "spark":
            raise InvalidInput(f"--master is for --engine spark; the engine here is {engine}")
        summary = settle_month(runtime.database, runtime.rulebook.for_month(parsed), parsed,
                               (s.region_code, s.region_name), _now(), runtime.tz,
                               engine=engine, master=master if master is not None else s.spark_master)
    console.print(f"{summary.month} 结算完成，第{summary.version}版：教师 {summary.teachers}、学校 {summary.schools}、"
                  f"县区 {summary.counties}；全区总分 {summary.region_total}", highlight=False)
    console.print(f"{summary.month} settled, version {summary.version}: {summary.teachers} teachers, "
                  f"{summary.schools} schools, {summary.counties} counties; region total {summary.region_total}")
    now = _now()
    if now < parsed.end(runtime.tz):  # a snapshot of a month under way: reports show it in place of the running view
        console.print(f"注意：{parsed} 尚未结束（至 {parsed.end(runtime.tz):%Y-%m-%d %H:%M}），本版只计入至今收到的上报，"
                      f"月末后请重新结算 note: {parsed} is still running; this version holds the reports received "
                      "so far, settle it again once the month has ended", highlight=False)
    console.print(f"第{summary.version}版为草稿 a draft until published: jifen diff {summary.month}, "
                  f"jifen publish {summary.month}", highlight=False)


@app.command()
@reports_errors
def report(
    level: Annotated[Level, typer.Argument(help="teacher, school, county, city or region")],
    code: Annotated[str, typer.Argument(help="teacher id, or school, county, city or region code")],
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    format: Annotated[Format, typer.Option("--format", help="table, json, xlsx or csv")] = Format.table,
    version: Annotated[int | None, typer.Option(min=1, max=MAX_STORED_VERSION, help=(
        "settlement version (default: the latest published, else the latest draft)"))] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="the file to write (required for xlsx; "
                                                                       "csv and json without it go to stdout)")] = None,
) -> None:
    """Print a settled report: a teacher, a school, or the ranking of a county, city or the region."""
    from jifen.errors import InvalidInput
    from jifen.reports import datasets
    from jifen.reports.table import render

    if format in (Format.xlsx, Format.csv):
        return _report_file(level.value, code, month, version, format.value, output)
    if output is not None and format is Format.table:
        raise InvalidInput("-o writes a file of --format xlsx, csv or json; the table is for the terminal")
    with opened() as runtime, runtime.database.read() as connection:
        data = datasets.report(connection, level.value, code, month, version)
    if format is Format.json and output is not None:
        output.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"{level.value} {code} {month}: written to {output}", highlight=False)
    elif format is Format.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        console.print(render(level.value, data))


def _report_file(level: str, code: str, month: str, version: int | None, kind: str, output: Path | None) -> None:
    """Write the report as a spreadsheet file; xlsx is binary, so it never goes to the terminal."""
    from jifen.errors import InvalidInput
    from jifen.reports import csv_file, sheet_data, xlsx_file
    from jifen.reports.sheet import rows

    if output is None and kind == "xlsx":
        raise InvalidInput("--format xlsx writes a file: give -o FILE.xlsx")
    with opened() as runtime, runtime.database.read() as connection:
        sheet = rows(level, sheet_data.dataset(connection, level, code, month, version))
    if kind == "xlsx" and output is not None:
        output.write_bytes(xlsx_file.render(sheet))
    elif output is not None:
        output.write_text(csv_file.render(sheet), encoding="utf-8", newline="")
    else:
        sys.stdout.write(csv_file.render(sheet).removeprefix(csv_file.BOM))
        return
    console.print(f"{sheet.title}: {len(sheet.rows)} rows written to {output}", highlight=False)


from jifen.cli import adjust as adjust_command  # noqa: E402
from jifen.cli import credits as credits_command  # noqa: E402
from jifen.cli import teacher_views  # noqa: E402

app.command(name="explain")(teacher_views.explain)
app.command(name="card")(teacher_views.card)
app.command(name="credits")(credits_command.credits)
app.command(name="adjust")(adjust_command.adjust)
from jifen.cli.appeals import appeals_app  # noqa: E402
app.add_typer(appeals_app, name="appeals")


def main() -> None:
    app()
