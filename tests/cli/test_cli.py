"""The ``jifen`` command: each subcommand run as a user would, against the test database (SQLite and PostgreSQL).

Typer's CliRunner keeps stdout and stderr apart (``result.stdout``, ``result.stderr``; ``result.output`` has both).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from factories import CST, at, op, row
from factories import jifen, jifen_ok as ok
from typer.testing import Result

from jifen.access.service import app_for, user_for
from jifen.config import Settings
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store import roster as roster_repo
from jifen.store.database import Database

JIFEN = Path(sys.executable).parent / "jifen"
HEADER = ["city_code", "city_name", "county_code", "county_name", "school_code", "school_name",
          "online_classrooms", "teacher_id", "teacher_name", "subject"]
T1 = ["640100", "银川市", "640104", "兴庆区", "640104001", "银川市第一中学", "2", "t1", "张伟", "数学"]
T2 = ["640100", "银川市", "640104", "兴庆区", "640104001", "银川市第一中学", "2", "t2", "李娜", "语文"]
T3 = ["640200", "石嘴山市", "640202", "大武口区", "640202001", "大武口区第二小学", "0", "t3", "王芳", "英语"]


def failed(cli_env: dict[str, str], *args: str) -> Result:
    result = jifen(cli_env, *args)
    assert result.exit_code != 0, result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith("错误 error: "), result.stderr
    assert "Traceback" not in result.stderr
    return result


def flat(text: str) -> str:
    """Output with Rich's line wrapping undone (it wraps at the terminal width, 80 columns here)."""
    return " ".join(text.split())


def last_line(result: Result) -> str:
    return result.stdout.strip().splitlines()[-1]


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for values in rows:
        # as Excel users type them: the classroom count as a number
        sheet.append([int(v) if i == HEADER.index("online_classrooms") else v for i, v in enumerate(values)])
    workbook.save(path)
    workbook.close()
    return path


def active_teachers(runtime: Runtime) -> dict[str, tuple[str, str, str]]:
    with runtime.database.read() as connection:
        roster = roster_repo.load(connection)
    return {tid: (t.name, t.school_code, t.subject) for tid, t in roster.teachers.items()}


# -- db, info ------------------------------------------------------------------------------------------------------

def test_db_upgrade_creates_the_tables(settings: Settings, cli_env: dict[str, str]) -> None:
    database = Database(settings.resolved_database_url())
    try:
        assert database.current() is None
        result = ok(cli_env, "db", "upgrade")
        assert database.current() == database.head()
        assert f"at revision {database.head()}" in flat(result.stdout)
        ok(cli_env, "db", "upgrade")  # a second time changes nothing
        assert database.current() == database.head()
    finally:
        database.dispose()


@pytest.mark.parametrize(("name", "value", "said"), [
    ("JIFEN_SETTLE_DAY", "31", "Input should be less than or equal to 28"),
    ("JIFEN_TIMEZONE", "Mars/Base", "'Mars/Base' is not a time zone of the IANA database (e.g. Asia/Shanghai)"),
    ("JIFEN_RETENTION_MONTHS", "-1", "Input should be greater than or equal to 0"),
    ("JIFEN_MAX_BATCH_ITEMS", "-5", "Input should be greater than or equal to 1"),
    ("JIFEN_MAX_BODY_BYTES", "0", "Input should be greater than or equal to 1"),
    ("JIFEN_SETTLE_ENGINE", "bogus", "Input should be 'duckdb', 'python', 'sqlite', 'postgres' or 'spark'"),
])
def test_a_bad_setting_is_named_without_a_traceback(cli_env: dict[str, str], name: str, value: str,
                                                    said: str) -> None:
    for command in (["settle", "--due"], ["info"]):
        result = jifen({**cli_env, name: value}, *command)
        assert (result.exit_code, result.stderr.strip()) == (2, f"错误 error: setting {name}: {said}"), command


def test_a_database_in_a_folder_not_made_yet_is_made_and_one_that_cannot_be_used_is_named(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    fresh = {**cli_env, "JIFEN_DATABASE_URL": f"sqlite:///{tmp_path / 'not' / 'yet' / 'jifen.sqlite3'}"}
    assert "at revision" in ok(fresh, "db", "upgrade").stdout
    closed = jifen({**cli_env, "JIFEN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "info")
    assert closed.exit_code == 1 and closed.stderr.startswith("错误 error: the database cannot be used (")
    assert len(closed.stderr.strip().splitlines()) == 1, "one line, no traceback"
    bad = jifen({**cli_env, "JIFEN_DATABASE_URL": "notaurl"}, "info")
    assert bad.exit_code == 2 and bad.stderr.startswith("错误 error: JIFEN_DATABASE_URL is not a database URL")


def test_info_names_the_data_directory(settings: Settings, cli_env: dict[str, str]) -> None:
    ok(cli_env, "db", "upgrade")
    result = ok(cli_env, "info")
    assert f"数据目录: {settings.data_dir}" in flat(result.stdout)
    assert "ningxia-2022" in result.stdout
    assert "640000" in result.stdout


def test_info_prints_a_long_data_directory_on_one_line(settings: Settings, cli_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    long_dir = tmp_path / ("学校-data-directory-" * 5) / "jifen"
    ok(cli_env, "db", "upgrade")
    result = ok({**cli_env, "JIFEN_DATA_DIR": str(long_dir)}, "info")
    assert result.stdout.splitlines()[0] == f"data directory 数据目录: {long_dir}"


# -- orgs import ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["utf-8", "utf-8-sig", "gb18030", "xlsx"])
def test_orgs_import_reads_every_file_kind(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path,
                                           kind: str) -> None:
    rows = [T1, T2, T3]
    path = write_xlsx(tmp_path / "名单.xlsx", rows) if kind == "xlsx" else write_csv(tmp_path / "名单.csv", rows, kind)
    if kind == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really not UTF-8
    result = ok(cli_env, "orgs", "import", str(path))
    assert "teachers added 3, updated 0, unchanged 0, left 0" in flat(result.stdout)
    assert active_teachers(runtime) == {
        "t1": ("张伟", "640104001", "数学"), "t2": ("李娜", "640104001", "语文"), "t3": ("王芳", "640202001", "英语")}
    with runtime.database.read() as connection:
        roster = roster_repo.load(connection)
    assert roster.schools["640104001"].name == "银川市第一中学"
    assert roster.schools["640104001"].online_classrooms == 2
    assert roster.schools["640202001"].online_classrooms == 0
    assert roster.counties["640202"].name == "大武口区"
    assert roster.cities["640100"].name == "银川市"


def test_orgs_import_adds_and_updates_and_full_makes_teachers_leave(runtime: Runtime, cli_env: dict[str, str],
                                                                     tmp_path: Path) -> None:
    t4 = ["640100", "银川市", "640104", "兴庆区", "640104002", "银川市第二中学", "1", "t4", "赵敏", "物理"]
    ok(cli_env, "orgs", "import", str(write_csv(tmp_path / "a.csv", [T1, T2, T3, t4], "utf-8")))

    # without --full, a file is a change: t2 renamed, t3 not mentioned and still there
    renamed = [*T2[:8], "李娜娜", "语文"]
    result = ok(cli_env, "orgs", "import", str(write_csv(tmp_path / "b.csv", [renamed], "utf-8")))
    assert "teachers added 0, updated 1, unchanged 0, left 0" in flat(result.stdout)
    assert set(active_teachers(runtime)) == {"t1", "t2", "t3", "t4"}
    assert active_teachers(runtime)["t2"][0] == "李娜娜"

    # with --full, the file is the whole roster of its county (兴庆区): t4 leaves (and so does the school left
    # without teachers); t3, of another county, stays
    result = ok(cli_env, "orgs", "import", "--full", str(write_csv(tmp_path / "c.csv", [T1, renamed], "utf-8")))
    assert "teachers added 0, updated 0, unchanged 2, left 1" in flat(result.stdout)
    assert set(active_teachers(runtime)) == {"t1", "t2", "t3"}
    with runtime.database.read() as connection:
        assert set(roster_repo.load(connection).schools) == {"640104001", "640202001"}

    # and a settlement no longer scores t4
    ok(cli_env, "settle", "2026-09")
    assert json.loads(ok(cli_env, "report", "teacher", "t1", "--month", "2026-09", "--format", "json").stdout)
    gone = failed(cli_env, "report", "teacher", "t4", "--month", "2026-09", "--format", "json")
    assert gone.stdout == ""
    assert "'t4'" in gone.stderr


def test_orgs_import_refuses_duplicate_teacher_rows(runtime: Runtime, cli_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    twice = [*T1[:8], "张伟伟", "数学"]
    path = write_csv(tmp_path / "重复.csv", [T1, T2, twice], "utf-8-sig")
    result = failed(cli_env, "orgs", "import", str(path))
    assert result.stdout == ""
    # header is row 1: t1 is in rows 2 and 4
    assert "重复.csv row 4, column teacher_id" in result.stderr
    assert "row 2" in result.stderr
    assert active_teachers(runtime) == {}  # nothing imported


def test_orgs_import_names_each_problem_once(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    twice = [*T1[:8], "张伟伟", "数学"]
    thrice = [*T1[:6], "3", *T1[7:]]
    result = failed(cli_env, "orgs", "import", str(write_csv(tmp_path / "r.csv", [T1, twice, thrice], "utf-8")))
    assert "r.csv row 3, column teacher_id" in result.stderr
    assert "r.csv row 4, column online_classrooms" in result.stderr
    assert result.stderr.count("already appears in row 2") == 2  # rows 3 and 4, once each
    assert "{'file'" not in result.stderr


def test_orgs_import_refuses_conflicting_school_data(runtime: Runtime, cli_env: dict[str, str],
                                                     tmp_path: Path) -> None:
    other_count = [*T2[:6], "5", *T2[7:]]
    path = write_xlsx(tmp_path / "roster.xlsx", [T1, other_count])
    result = failed(cli_env, "orgs", "import", str(path))
    assert "roster.xlsx row 3, column online_classrooms" in result.stderr
    assert active_teachers(runtime) == {}


def test_orgs_import_of_a_missing_file(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    result = failed(cli_env, "orgs", "import", str(tmp_path / "nothing.csv"))
    assert "nothing.csv" in result.stderr


# -- apps, users ---------------------------------------------------------------------------------------------------

def test_apps_add_prints_a_working_token(runtime: Runtime, cli_env: dict[str, str]) -> None:
    result = ok(cli_env, "apps", "add", "seewo-easinote5")
    token = last_line(result)
    assert " " not in token
    assert app_for(runtime.database, token) == "seewo-easinote5"
    assert token not in result.stdout.splitlines()[0]  # shown once, on its own line

    # a second registration gives a further token; both work
    second = last_line(ok(cli_env, "apps", "add", "seewo-easinote5"))
    assert second != token
    assert app_for(runtime.database, second) == "seewo-easinote5"

    # and the API accepts it
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz), [row("t1")], full=False,
                now=datetime.now(CST))
    item = op("research.activity", teacher="t1", when=datetime.now(CST).isoformat())
    answer = asyncio.run(post_operations(runtime, token, [item]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "qualified"
    assert asyncio.run(post_operations(runtime, token + "x", [item])).status_code == 401


def test_apps_list_shows_the_tokens_held_and_the_keys_in_use(runtime: Runtime, cli_env: dict[str, str]) -> None:
    ok(cli_env, "apps", "add", "seewo-easinote5")
    ok(cli_env, "apps", "add", "seewo-easinote5")
    first, second = (last_line(ok(cli_env, "apps", "credentials", "seewo-easinote5")).split()[0] for _ in range(2))
    ok(cli_env, "apps", "revoke", first)
    line = next(x for x in ok(cli_env, "apps", "list").stdout.splitlines() if x.startswith("seewo-easinote5"))
    assert "tokens 2" in line and second in line and first not in line
    secret = last_line(ok(cli_env, "apps", "credentials", "seewo-easinote5")).split()[1]
    assert secret not in ok(cli_env, "apps", "list").stdout


async def post_operations(runtime: Runtime, token: str, items: list[dict[str, Any]]) -> httpx.Response:
    from jifen.web.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://jifen.test") as client:
        return await client.post("/api/v1/operations", headers={"Authorization": f"Bearer {token}"},
                                 json={"operations": items})


def test_apps_add_refuses_an_unknown_app(runtime: Runtime, cli_env: dict[str, str]) -> None:
    result = failed(cli_env, "apps", "add", "wechat")
    assert result.stdout == ""
    assert "'wechat'" in result.stderr
    assert "seewo-easinote5" in result.stderr  # names the apps it knows


def test_users_add(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    ok(cli_env, "orgs", "import", str(write_csv(tmp_path / "r.csv", [T1, T2, T3], "utf-8")))

    result = ok(cli_env, "users", "add", "贺兰县管理员", "--role", "county_admin", "--scope", "640104")
    user = user_for(runtime.database, last_line(result))
    assert (user.name, user.role, user.scope_code) == ("贺兰县管理员", "county_admin", "640104")

    region = ok(cli_env, "users", "add", "region", "--role", "region_admin")
    assert user_for(runtime.database, last_line(region)).scope_code == "640000"

    bad_role = failed(cli_env, "users", "add", "x", "--role", "king", "--scope", "640104")
    assert "'king'" in bad_role.stderr
    unknown_scope = failed(cli_env, "users", "add", "y", "--role", "county_admin", "--scope", "649999")
    assert "'649999'" in unknown_scope.stderr
    wrong_level = failed(cli_env, "users", "add", "z", "--role", "county_admin", "--scope", "640100")  # a city
    assert "'640100'" in wrong_level.stderr
    unscoped = failed(cli_env, "users", "add", "t", "--role", "teacher")
    assert "--scope is needed for a teacher: the teacher id" in unscoped.stderr
    again = failed(cli_env, "users", "add", "贺兰县管理员", "--role", "county_admin", "--scope", "640104")
    assert "already exists" in again.stderr


# -- settle and report ---------------------------------------------------------------------------------------------
#
# Roster: 640100/640104: school 640104001 (2 online classrooms) t1, t2; school 640104002 (0 classrooms) t3
#         640200/640202: school 640202001 (1 classroom) t4
# lesson_prep (max 20): t1 4, t2 0, t3 2, t4 2 -> total 8, avg 8/4 = 2, full at 4
#   t1 20*min(1, 4/4) = 20; t2 0; t3 20*2/4 = 10; t4 10
# three_classrooms (max 15): 640104001 4 classes / 2 = 2; 640104002 1 / max(1, 0) = 1; 640202001 0 / 1 = 0
#   avg (2 + 1 + 0)/3 = 1, full at 2: 15, 7.5, 0
# schools: 640104001 (20 + 0)/2 + 15 = 25; 640104002 10 + 7.5 = 17.5; 640202001 10 + 0 = 10
# counties: 640104 (25 + 17.5)/2 = 21.25; 640202 10. cities: 640100 21.25; 640200 10
# region (21.25 + 10)/2 = 15.625 -> 15.63 (half up)

SCHOOL_A, SCHOOL_B, SCHOOL_C = "640104001", "640104002", "640202001"
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=CST)


@pytest.fixture
def region(runtime: Runtime) -> Runtime:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    roster = [row("t1", SCHOOL_A, county_code="640104", city_code="640100", online_classrooms=2),
              row("t2", SCHOOL_A, county_code="640104", city_code="640100", online_classrooms=2),
              row("t3", SCHOOL_B, county_code="640104", city_code="640100", online_classrooms=0),
              row("t4", SCHOOL_C, county_code="640202", city_code="640200", online_classrooms=1)]
    import_rows(ingest, roster, full=True, now=NOW)
    lessons = [op("lesson.create", teacher=t) for t, n in (("t1", 4), ("t3", 2), ("t4", 2)) for _ in range(n)]
    classes = [op("class.session", school=s, duration=1800, classroom_id="c1", when=at(hour=8 + k))
               for s, n in ((SCHOOL_A, 4), (SCHOOL_B, 1)) for k in range(n)]  # one room: an hour apart
    for app_code, items in (("hite-pi6", lessons), ("online-classroom", classes)):
        assert {r.status for r in ingest.submit(app_code, items, NOW)} == {"qualified"}
    return runtime


def report_json(cli_env: dict[str, str], *args: str) -> dict[str, Any]:
    result = ok(cli_env, "report", *args, "--format", "json")
    assert result.stderr == ""
    data = json.loads(result.stdout)  # stdout holds the JSON alone
    assert isinstance(data, dict)
    return data


def test_settle_then_report_every_level_as_json(region: Runtime, cli_env: dict[str, str]) -> None:
    settled = ok(cli_env, "settle", "2026-09")
    assert "2026-09 settled, version 1: 4 teachers, 3 schools, 2 counties; region total 15.63" in flat(settled.stdout)
    month = ("--month", "2026-09")

    teacher = report_json(cli_env, "teacher", "t1", *month)
    assert {"month", "version", "teacher_id", "school_code", "total", "indicators"} <= set(teacher)
    assert (teacher["month"], teacher["version"], teacher["teacher_id"], teacher["school_code"], teacher["total"]) \
        == ("2026-09", 1, "t1", SCHOOL_A, 20)
    assert len(teacher["indicators"]) == 8  # the teacher-scored indicators
    for item in teacher["indicators"]:
        assert {"code", "count", "average", "points", "max"} <= set(item)
    lesson = next(i for i in teacher["indicators"] if i["code"] == "lesson_prep")
    assert (lesson["count"], lesson["average"], lesson["points"], lesson["max"]) == (4, 2, 20, 20)

    school = report_json(cli_env, "school", SCHOOL_B, *month)
    assert {"month", "version", "school_code", "teacher_average", "school_points", "total", "indicators"} \
        <= set(school)
    assert (school["school_code"], school["teacher_average"], school["school_points"], school["total"]) == (
        SCHOOL_B, 10, 7.5, 17.5)
    assert len(school["indicators"]) == 12
    classrooms = next(i for i in school["indicators"] if i["code"] == "three_classrooms")
    assert (classrooms["count"], classrooms["average"], classrooms["points"], classrooms["max"]) == (1, 1, 7.5, 15)
    lesson = next(i for i in school["indicators"] if i["code"] == "lesson_prep")
    assert (lesson["count"], lesson["average"], lesson["points"]) == (2, 2, 10)  # the school's teacher average

    county = report_json(cli_env, "county", "640104", *month)
    assert {"month", "version", "county_code", "total", "schools"} <= set(county)
    assert county["total"] == 21.25
    assert [(s["school_code"], s["school_name"], s["total"], s["rank"]) for s in county["schools"]] == [
        (SCHOOL_A, f"学校{SCHOOL_A}", 25, 1), (SCHOOL_B, f"学校{SCHOOL_B}", 17.5, 2)]

    city = report_json(cli_env, "city", "640200", *month)
    assert {"month", "version", "city_code", "total", "counties"} <= set(city)
    assert city["counties"] == [{"county_code": "640202", "county_name": "县640202", "total": 10, "rank": 1}]

    whole = report_json(cli_env, "region", "640000", *month)
    assert {"month", "version", "region_code", "total", "cities"} <= set(whole)
    assert (whole["region_code"], whole["total"]) == ("640000", 15.63)
    assert [(c["city_code"], c["city_name"], c["total"], c["rank"]) for c in whole["cities"]] == [
        ("640100", "市640100", 21.25, 1), ("640200", "市640200", 10, 2)]


def test_settling_again_makes_a_new_version(region: Runtime, cli_env: dict[str, str]) -> None:
    ok(cli_env, "settle", "2026-09")
    second = ok(cli_env, "settle", "2026-09")
    assert "version 2" in flat(second.stdout)
    latest = report_json(cli_env, "region", "640000", "--month", "2026-09")
    first = report_json(cli_env, "region", "640000", "--month", "2026-09", "--version", "1")
    assert (latest["version"], first["version"]) == (2, 1)
    assert {**latest, "version": 1} == first


def test_report_table_is_in_chinese(region: Runtime, cli_env: dict[str, str]) -> None:
    ok(cli_env, "settle", "2026-09")
    school = ok(cli_env, "report", "school", SCHOOL_A, "--month", "2026-09").stdout
    for header in ("总分", "教师平均分", "学校指标得分", "指标名称", "达标次数", "全区平均", "得分", "最高分", "线上备课",
                   "三个课堂", "教师排名"):
        assert header in school, header
    county = ok(cli_env, "report", "county", "640104", "--month", "2026-09").stdout
    for header in ("学校排名", "排名", "代码", "名称", "总分", "17.5"):
        assert header in county, header
    with pytest.raises(json.JSONDecodeError):
        json.loads(county)


@pytest.mark.parametrize(("args", "message"), [
    (("county", "649999", "--month", "2026-09"), "'649999'"),
    (("teacher", "t1", "--month", "2026-08"), "month 2026-08 is not settled"),
    (("teacher", "t1", "--month", "2026-9"), "'2026-9'"),
    (("teacher", "t1", "--month", "2026-13"), "'2026-13'"),
    (("region", "640000", "--month", "2026-09", "--version", "7"), "version 7"),
])
def test_report_errors_go_to_stderr(region: Runtime, cli_env: dict[str, str], args: tuple[str, ...],
                                    message: str) -> None:
    ok(cli_env, "settle", "2026-09")
    result = failed(cli_env, "report", *args, "--format", "json")
    assert result.stdout == ""
    assert message in result.stderr


def test_settle_refuses_a_bad_month(runtime: Runtime, cli_env: dict[str, str]) -> None:
    result = failed(cli_env, "settle", "September")
    assert result.exit_code == 2
    assert "'September'" in result.stderr


# -- the installed console script, as a separate process ----------------------------------------------------------

def run_jifen(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **cli_env, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([str(JIFEN), *args], env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=60, check=False)


def test_console_script_prints_json_alone(region: Runtime, cli_env: dict[str, str]) -> None:
    assert JIFEN.exists()
    settled = run_jifen(cli_env, "settle", "2026-09")
    assert settled.returncode == 0, settled.stderr
    done = run_jifen(cli_env, "report", "school", SCHOOL_A, "--month", "2026-09", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data = json.loads(done.stdout)
    assert (data["school_code"], data["total"], data["version"]) == (SCHOOL_A, 25, 1)

    missing = run_jifen(cli_env, "report", "school", "640104999", "--month", "2026-09", "--format", "json")
    assert missing.returncode != 0
    assert missing.stdout == ""
    assert missing.stderr.startswith("错误 error: ")
    assert "'640104999'" in missing.stderr


def test_a_month_that_has_not_begun_is_not_settled(runtime: Runtime, cli_env: dict[str, str]) -> None:
    result = jifen(cli_env, "settle", "2099-01")
    assert result.exit_code == 2
    assert result.stderr.startswith("错误 error: month 2099-01 has not begun (it is ")
    assert "there is nothing to settle yet" in result.stderr
    assert "  2099-01 尚未开始，还没有可结算的内容。\n" in result.stderr  # and in Chinese, on a line of its own
    assert jifen(cli_env, "versions", "2099-01").stderr.strip().splitlines() == [
        "错误 error: month 2099-01 is not settled", "  2099-01 尚未结算。"]


def test_orgs_import_names_the_moves(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    """A teacher moved to another school and a school moved to another county are listed, old -> new."""
    ok(cli_env, "orgs", "import", str(write_csv(tmp_path / "a.csv", [T1, T2, T3], "utf-8")))
    moved_teacher = [*T2[:4], "640104009", "兴庆区九小", "1", *T2[7:]]
    moved_school = ["640100", "银川市", "640106", "金凤区", *T3[4:]]
    result = ok(cli_env, "orgs", "import", str(write_csv(tmp_path / "b.csv", [moved_teacher, moved_school], "utf-8")))
    text = flat(result.stdout)
    assert "b.csv：学校 2 所；教师新增 0、更新 1、未变 1、离开 0" in text
    assert "学校调整县区 schools moved to another county (1): 640202001 640202 → 640106" in text
    assert "教师调动学校 teachers moved to another school (1): t2 640104001 → 640104009" in text
    renamed = ["640100", "银川市", "640104", "兴庆新区", *T1[4:]]
    text = flat(ok(cli_env, "orgs", "import", str(write_csv(tmp_path / "c.csv", [renamed], "utf-8"))).stdout)
    assert "县区 county 640104 更名 renamed: 兴庆区 → 兴庆新区" in text


def test_settling_a_month_under_way_says_it_is_a_snapshot(runtime: Runtime, cli_env: dict[str, str]) -> None:
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz), [row("t1")], full=False,
                now=datetime.now(CST))
    running = str(Month.of(datetime.now(CST), runtime.tz))
    text = flat(ok(cli_env, "settle", running).stdout)
    assert f"{running} 结算完成，第1版：教师 1" in text and f"{running} settled, version 1" in text
    assert f"注意：{running} 尚未结束" in text
    assert "尚未结束" not in flat(ok(cli_env, "settle", str(Month.parse(running).previous())).stdout)
