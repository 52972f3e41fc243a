"""``jifen report ... --format xlsx|csv``: the 评分报表 files a bureau keeps, checked against the JSON report."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factories import CST, at, op, row
from factories import jifen as jifen_any
from factories import jifen_ok as jifen
from typer.testing import CliRunner

from jifen.cli.main import app
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime

SCHOOL_A, SCHOOL_B, SCHOOL_C = "640104001", "640104002", "640202001"
COUNTY = "640104"
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=CST)
INDICATORS = ["线上备课", "互动授课", "课后辅导", "三个课堂", "教学资源", "研修活动", "教研资源", "教师测评", "学生评价",
              "教师评价", "校务管理", "教务管理"]
TEACHER_INDICATORS = [n for n in INDICATORS if n not in {"三个课堂", "教师评价", "校务管理", "教务管理"}]


def as_json(cli_env: dict[str, str], *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(jifen(cli_env, "report", *args, "--format", "json").stdout)
    return data


@pytest.fixture
def settled(runtime: Runtime, cli_env: dict[str, str]) -> dict[str, str]:
    """Two settled months, 2026-08 and 2026-09, so that 较上月 has something to compare with."""
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("t1", SCHOOL_A, county_code=COUNTY, city_code="640100", online_classrooms=2),
                         row("t2", SCHOOL_A, county_code=COUNTY, city_code="640100", online_classrooms=2),
                         row("t3", SCHOOL_B, county_code=COUNTY, city_code="640100", online_classrooms=0),
                         row("t4", SCHOOL_C, county_code="640202", city_code="640200", online_classrooms=1)],
                full=True, now=NOW)
    lessons = [op("lesson.create", teacher=t, when=at(month=m)) for m, counts in
               (("2026-08", (("t1", 2), ("t3", 2))), ("2026-09", (("t1", 4), ("t3", 2), ("t4", 2))))
               for t, n in counts for _ in range(n)]
    classes = [op("class.session", school=SCHOOL_A, duration=1800, classroom_id="c1", when=at(hour=8 + k))
               for k in range(3)]  # one room: an hour apart
    for app_code, items in (("hite-pi6", lessons), ("online-classroom", classes)):
        assert {r.status for r in ingest.submit(app_code, items, NOW)} == {"qualified"}
    jifen(cli_env, "settle", "2026-08")
    jifen(cli_env, "settle", "2026-09")
    return cli_env


def test_a_school_reports_title_says_how_its_total_is_made(settled: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "school.xlsx"
    jifen(settled, "report", "school", SCHOOL_A, "--month", "2026-09", "--format", "xlsx", "-o", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    school = as_json(settled, "school", SCHOOL_A, "--month", "2026-09")
    assert (f"总分 {school['total']:.2f} = 教师平均分 {school['teacher_average']:.2f} + 学校指标得分 "
            f"{school['school_points']:.2f}") in str(sheet["A1"].value)


def test_json_goes_to_the_file_named_and_a_table_is_not_written(settled: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "county.json"
    jifen(settled, "report", "county", COUNTY, "--month", "2026-09", "--format", "json", "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8")) == as_json(settled, "county", COUNTY, "--month", "2026-09")
    table = jifen_any(settled, "report", "county", COUNTY, "--month", "2026-09", "-o", str(tmp_path / "t.txt"))
    assert table.exit_code == 2 and "-o writes a file of --format xlsx, csv or json" in table.stderr
    assert not (tmp_path / "t.txt").exists()


def test_county_report_as_xlsx(settled: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "county.xlsx"
    result = jifen(settled, "report", "county", COUNTY, "--month", "2026-09", "--format", "xlsx", "-o", str(out))
    assert str(out.name) in result.stdout.replace("\n", "")
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert sheet.title == "学校积分"
    title = str(sheet["A1"].value)
    assert "2026-09" in title and "第1版" in title and "草稿" in title and COUNTY in title
    headers = [c.value for c in sheet[2]]
    assert headers == ["排名", "名称", "代码", *INDICATORS, "总分", "较上月"]
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width >= 2 * 2 + 9  # 学校640104001: Chinese characters count double

    county = as_json(settled, "county", COUNTY, "--month", "2026-09")
    before = {s["school_code"]: s["total"] for s in as_json(settled, "county", COUNTY, "--month", "2026-08")["schools"]}
    data = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[1], r[2], r[-2]) for r in data] == [
        (s["rank"], s["school_name"], s["school_code"], s["total"]) for s in county["schools"]]
    for values, school in zip(data, county["schools"], strict=True):
        assert values[-1] == pytest.approx(school["total"] - before[school["school_code"]])
        report = as_json(settled, "school", school["school_code"], "--month", "2026-09")
        points = {i["name"]: i["points"] for i in report["indicators"]}
        assert values[3:-2] == [points[name] for name in INDICATORS]
    for cells in sheet.iter_rows(min_row=3, min_col=4):
        assert {c.number_format for c in cells} == {"0.00"}
        assert all(isinstance(c.value, int | float) for c in cells)


def test_teacher_report_as_xlsx_has_the_teacher_indicators(settled: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "t1.xlsx"
    jifen(settled, "report", "teacher", "t1", "--month", "2026-08", "--format", "xlsx", "-o", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["排名", "姓名", "代码", *TEACHER_INDICATORS, "总分", "较上月"]
    teacher = as_json(settled, "teacher", "t1", "--month", "2026-08")
    (values,) = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert values[:3] == [teacher["rank_in_school"], teacher["teacher_name"], "t1"]
    assert values[3:-2] == [i["points"] for i in teacher["indicators"]]
    assert values[-2] == teacher["total"]
    assert values[-1] is None  # 2026-07 is not settled: blank, not a zero


def test_school_report_as_csv(settled: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "school.csv"
    jifen(settled, "report", "school", SCHOOL_A, "--month", "2026-09", "--format", "csv", "-o", str(out))
    assert out.read_bytes().startswith("\ufeff".encode())  # Excel reads the Chinese headers as UTF-8
    lines = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == ["排名", "姓名", "代码", *TEACHER_INDICATORS, "总分", "较上月"]
    school = as_json(settled, "school", SCHOOL_A, "--month", "2026-09")
    august = as_json(settled, "school", SCHOOL_A, "--month", "2026-08")
    before = {t["teacher_id"]: t["total"] for t in august["teachers"]}
    assert [(int(r[0]), r[2], float(r[-2]), float(r[-1])) for r in lines[1:]] == [
        (t["rank"], t["teacher_id"], t["total"], t["total"] - before[t["teacher_id"]]) for t in school["teachers"]]


def test_csv_without_output_goes_to_stdout(settled: dict[str, str]) -> None:
    result = jifen(settled, "report", "region", "640000", "--month", "2026-09", "--format", "csv")
    lines = list(csv.reader(result.stdout.splitlines()))
    assert lines[0] == ["排名", "名称", "代码", *INDICATORS, "总分", "较上月"]
    assert [r[2] for r in lines[1:]] == ["640100", "640200"]


def test_counties_and_cities_carry_the_mean_of_their_members_points_per_indicator(settled: dict[str, str]) -> None:
    def sheet(level: str, code: str) -> dict[str, dict[str, float]]:
        lines = list(csv.reader(jifen(settled, "report", level, code, "--month", "2026-09", "--format", "csv")
                                .stdout.splitlines()))
        return {r[2]: {h: float(v or 0) for h, v in zip(lines[0][3:-2], r[3:-2], strict=True)} for r in lines[1:]}

    schools = sheet("county", COUNTY)  # 640104001 and 640104002, as the settlement stored them
    counties = sheet("city", "640100")
    cities = sheet("region", "640000")
    assert set(schools) == {SCHOOL_A, SCHOOL_B} and set(counties) == {COUNTY}
    for name in INDICATORS:
        assert counties[COUNTY][name] == round((schools[SCHOOL_A][name] + schools[SCHOOL_B][name]) / 2 + 1e-9, 2)
        assert cities["640100"][name] == counties[COUNTY][name]  # the city's one county
    assert counties[COUNTY]["线上备课"] > 0 and counties[COUNTY]["三个课堂"] > 0


def test_xlsx_needs_an_output_file(settled: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["report", "county", COUNTY, "--month", "2026-09", "--format", "xlsx"],
                                env=settled)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "-o FILE" in result.stderr
