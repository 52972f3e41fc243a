"""``jifen usage template|import|figures`` and ``jifen registration import``: a bureau hands out the sheet, takes
it back, imports the platform's export, and reads the county's figures."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factories import CST, jifen, jifen_ok, row

from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime

COUNTY = "640122"
S1, S2 = "0640122001", "0640122002"
NOW = datetime(2023, 5, 6, 9, 0, tzinfo=CST)


@pytest.fixture
def env(runtime: Runtime, cli_env: dict[str, str]) -> dict[str, str]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", S1, county_code=COUNTY, school_name="贺兰一小"),
                         row("T2", S2, county_code=COUNTY, school_name="贺兰二小")], full=True, now=NOW)
    return cli_env


def fill(path: Path, values: dict[str, list[Any]]) -> None:
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws is not None
    for cells in ws.iter_rows(min_row=2):
        for column, value in zip("DEFG", values[str(cells[0].value)], strict=True):
            ws[f"{column}{cells[0].row}"] = value
    book.save(path)


def figures(env: dict[str, str], month: str = "2023-04") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(jifen_ok(env, "usage", "figures", COUNTY, "--month", month).stdout)
    return data


def test_the_template_goes_out_and_comes_back(env: dict[str, str], tmp_path: Path) -> None:
    sheet = tmp_path / "usage.xlsx"
    result = jifen_ok(env, "usage", "template", "-o", str(sheet), "--county", COUNTY, "--week", "2023-04-17")
    assert "usage.xlsx" in result.stdout
    ws = openpyxl.load_workbook(sheet).active
    assert ws is not None
    assert [c.value for c in ws[1]][:4] == ["学校代码", "学校名称", "周开始日期", "在线互动教室间数"]
    assert [ws["A2"].value, ws["B2"].value, ws["A3"].value] == [S1, "贺兰一小", S2]  # leading zeros kept

    fill(sheet, {S1: [3, 15, 2, 4], S2: [1, 0, 0, 0]})
    result = jifen_ok(env, "usage", "import", str(sheet), "--by", "贺兰县教育局")
    assert "2 rows, 2 schools, 4 room figures stored; weeks 2023-04-17" in result.stdout
    usage = figures(env)["classroom_usage"]
    assert usage["weeks"] == ["2023-04-17"]
    assert [(r["school_code"], r["room_type"], r["per_room_per_week"]) for r in usage["rows"]] == [
        (S1, "online_interactive", 5.0), (S2, "online_interactive", 0.0), (S1, "tablet", 2.0)]
    assert [f["kind"] for f in usage["flags"]] == ["below_standard"]

    fill(sheet, {S1: [3, 20, 2, 4], S2: [1, "很多", 0, 0]})
    failed = jifen(env, "usage", "import", str(sheet))
    assert failed.exit_code == 2
    assert "usage.xlsx row 3, column E (在线互动教室使用次数): '很多' is not a whole number" in failed.stderr
    assert [r["uses"] for r in figures(env)["classroom_usage"]["rows"]][:1] == [15]  # nothing of it was stored


def test_a_blank_template_and_bad_options(env: dict[str, str], tmp_path: Path) -> None:
    jifen_ok(env, "usage", "template", "-o", str(tmp_path / "blank.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "blank.xlsx").active
    assert ws is not None and ws.max_row == 1
    failed = jifen(env, "usage", "template", "-o", str(tmp_path / "x.xlsx"), "--week", "2023-04-19")
    assert failed.exit_code == 2 and "weeks start on Monday: 2023-04-17" in failed.stderr
    failed = jifen(env, "usage", "template", "-o", str(tmp_path / "x.xlsx"), "--county", "999")
    assert failed.exit_code == 2 and "county '999' has no schools" in failed.stderr
    failed = jifen(env, "usage", "import", str(tmp_path / "missing.xlsx"))
    assert failed.exit_code == 2 and "cannot read the file" in failed.stderr


def test_the_platforms_export_is_imported_as_of_a_date(env: dict[str, str], tmp_path: Path) -> None:
    export = tmp_path / "platform.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["学校名称", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"])
    ws.append(["贺兰一小", 30, 30, 400, 1000, 120])
    ws.append(["贺兰二小", 10, 12, 300, 300, 80])
    ws.append(["别县小学", 1, 1, 1, 1, 1])
    book.save(export)
    result = jifen_ok(env, "registration", "import", str(export), "--as-of", "2023-05-05")
    assert "registration of 2 schools as of 2023-05-05 stored" in result.stdout
    assert "skipped 1 rows naming schools not on the roster: row 4: 别县小学" in result.stdout
    registration = figures(env)["registration"]
    assert registration["as_of"] == "2023-05-05"
    assert [(r["school_code"], r["student_rate"]) for r in registration["below"]] == [(S1, 0.4)]

    ws.delete_cols(2)
    book.save(export)
    failed = jifen(env, "registration", "import", str(export), "--as-of", "2023-05-05")
    assert failed.exit_code == 2 and "missing column 教师注册人数" in failed.stderr
    failed = jifen(env, "registration", "import", str(export), "--as-of", "May 5")
    assert failed.exit_code == 2 and "--as-of: 'May 5' is not a date" in failed.stderr
