"""``jifen bulletin``: a county's bulletin written from a real settled month, every file opened and read back."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from factories import CST, at, jifen, op, row
from factories import jifen_ok

from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime

COUNTY, OTHER_COUNTY = "640122", "640202"
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=CST)
SCHOOLS = {"640122001": "贺兰三中", "640122002": "贺兰二小", "640122003": "立岗小学"}


@pytest.fixture
def settled(runtime: Runtime, cli_env: dict[str, str]) -> dict[str, str]:
    """贺兰县 with three schools, 2026-08 and 2026-09 settled; 立岗小学's online classes stop in September."""
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    county = {"county_code": COUNTY, "county_name": "贺兰县", "city_code": "640100", "city_name": "银川市"}
    import_rows(ingest, [row("t1", "640122001", school_name="贺兰三中", **county),
                         row("t2", "640122002", school_name="贺兰二小", **county),
                         row("t3", "640122003", school_name="立岗小学", **county),
                         row("t4", "640202001", county_code=OTHER_COUNTY, city_code="640200")], full=True, now=NOW)
    lessons = [op("lesson.create", teacher=t, when=at(month=m)) for m, counts in
               (("2026-08", (("t1", 2), ("t3", 2))), ("2026-09", (("t1", 4), ("t2", 1), ("t4", 2))))
               for t, n in counts for _ in range(n)]
    classes = [op("class.session", school=s, duration=1800, classroom_id="c1", when=at(month=m, hour=8 + n))
               for m, schools in (("2026-08", ("640122001", "640122003")), ("2026-09", ("640122001",)))
               for s in schools for n in range(3)]  # one room: an hour apart
    affairs = [op("affair.record", school="640122001", kind="notice", when=at(month="2026-09"))]
    for app_code, items in (("hite-pi6", lessons), ("online-classroom", classes), ("school-affairs", affairs)):
        assert {r.status for r in ingest.submit(app_code, items, NOW)} == {"qualified"}
    jifen_ok(cli_env, "settle", "2026-08")
    jifen_ok(cli_env, "settle", "2026-09")
    return cli_env


def test_the_bulletin_files_of_a_settled_month(settled: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "通报"
    result = jifen_ok(settled, "bulletin", COUNTY, "--month", "2026-09", "-o", str(out), "--date", "2026-10-08")
    document = "贺兰县教育云平台应用情况通报（2026年9月）"
    attachment = "贺兰县中小学教育云平台月度积分报表（2026年9月）及国家平台、在线课堂、数字学校应用数据"  # classes were held
    names = {"docx": f"{document}.docx", "pdf": f"{document}.pdf", "html": f"{document}.html",
             "xlsx": f"附件_{attachment}.xlsx"}
    assert sorted(p.name for p in out.iterdir()) == sorted(names.values())
    for name in names.values():
        assert name in result.stdout
    assert "草稿" in result.stdout  # the month is not published yet

    paragraphs = [p.text for p in docx.Document(str(out / names["docx"])).paragraphs]
    assert paragraphs[:3] == ["贺兰县教育体育局", "关于全县中小学教育云平台应用情况的通报",
                              "（草稿：依据2026年9月积分第1版，该版本尚未发布）"]
    assert paragraphs[-3:] == [f"附件：{attachment}", "贺兰县教育体育局", "2026年10月8日"]
    body = "\n".join(paragraphs)
    assert "全县3所学校按积分由高到低排列" in body
    assert "部分学校三个课堂积分较上月明显下降导致失分：立岗小学由15分降至0分。" in body
    assert "640202001" not in body and "学校640202001" not in body  # another county's school

    book = openpyxl.load_workbook(out / names["xlsx"])
    assert book.sheetnames == ["学校积分", "国家平台注册", "在线课堂", "数字学校"]
    online = {r[1]: r[2:] for r in book["在线课堂"].iter_rows(min_row=3, values_only=True)}
    assert set(online) == set(SCHOOLS)
    assert online["640122001"][:2] == (1, 3) and online["640122003"][:2] == (1, 0)  # rooms, classes this term
    sheet = book.active
    assert sheet is not None and sheet.title == "学校积分"
    assert "2026-09" in str(sheet["A1"].value) and "县区积分报表" in str(sheet["A1"].value)
    listed = {r[2]: r[1] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert listed == SCHOOLS  # codes and Chinese names
    assert next(iter(listed)) == "640122001"  # the highest total first

    reader = pypdf.PdfReader(io.BytesIO((out / names["pdf"]).read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "关于全县中小学教育云平台应用情况的通报" in text and "贺兰三中" in text

    page = (out / names["html"]).read_text(encoding="utf-8")
    assert "贺兰二小" in page and "二、存在问题及建议" in page


def test_a_month_not_settled_or_a_county_not_in_it(settled: dict[str, str], tmp_path: Path) -> None:
    missing = jifen(settled, "bulletin", COUNTY, "--month", "2026-07", "-o", str(tmp_path / "a"))
    assert missing.exit_code == 1 and "2026-07 is not settled" in missing.stderr
    unknown = jifen(settled, "bulletin", "640999", "--month", "2026-09", "-o", str(tmp_path / "b"))
    assert unknown.exit_code == 1 and "640999" in unknown.stderr
    bad = jifen(settled, "bulletin", COUNTY, "--month", "2026-09", "-o", str(tmp_path / "c"), "--date", "8 Oct")
    assert bad.exit_code == 2 and "--date" in bad.stderr
    early = jifen(settled, "bulletin", COUNTY, "--month", "2026-09", "-o", str(tmp_path / "d"), "--date", "2026-08-01")
    assert early.exit_code == 2 and "--date 2026-08-01 is before 2026-09" in early.stderr
    assert not any((tmp_path / d).exists() for d in "abcd")


def test_a_missing_pdf_font_writes_nothing(settled: dict[str, str], tmp_path: Path) -> None:
    env = {**settled, "JIFEN_PDF_FONT": str(tmp_path / "none.ttf")}
    result = jifen(env, "bulletin", COUNTY, "--month", "2026-09", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "JIFEN_PDF_FONT" in result.stderr
    assert not (tmp_path / "out").exists()


def test_reported_classroom_use_is_a_second_attachment(settled: dict[str, str], tmp_path: Path) -> None:
    from factories import workbook

    from jifen.ingest.usage_sheet import headers

    figures = {"640122001": [2, 12], "640122002": [1, 0]}  # online interactive rooms and uses, week of 2026-09-14
    sheet = tmp_path / "usage.xlsx"
    rows = [[code, SCHOOLS[code], "2026-09-14", *figures[code]] for code in figures]
    sheet.write_bytes(workbook([headers()[:5], *rows]))
    jifen_ok(settled, "usage", "import", str(sheet))
    out = tmp_path / "通报"
    jifen_ok(settled, "bulletin", COUNTY, "--month", "2026-09", "-o", str(out), "--date", "2026-10-08")
    second = "附件2_贺兰县中小学校“互联网+教育”项目教室使用情况统计（2026年9月）.xlsx"
    assert second in {p.name for p in out.iterdir()}
    book = openpyxl.load_workbook(out / second)
    assert book.sheetnames == ["项目教室使用", "存疑数据"]
    used = [r for r in book["项目教室使用"].iter_rows(min_row=3, values_only=True)]
    assert [(r[1], r[2], r[5]) for r in used] == [("640122001", "在线互动教室", 6), ("640122002", "在线互动教室", 0)]
    doubted = {(r[1], r[3]) for r in book["存疑数据"].iter_rows(min_row=3, values_only=True)}
    assert ("640122002", "低于使用标准") in doubted
    paragraphs = [p.text for p in docx.Document(str(next(out.glob("*.docx")))).paragraphs]
    assert paragraphs[-4].startswith("附件：1.贺兰县中小学教育云平台月度积分报表（2026年9月）")
    assert paragraphs[-3] == "2.贺兰县中小学校“互联网+教育”项目教室使用情况统计（2026年9月）"
