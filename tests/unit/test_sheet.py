"""The 评分报表 rows and their two renderers, on a dataset written by hand (no database)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from jifen.reports import csv_file, xlsx_file
from jifen.reports.sheet import rows

COUNTY: dict[str, Any] = {
    "month": "2026-09", "version": 2, "state": "published", "county_code": "640104", "county_name": "兴庆区",
    "total": 12.5, "schools": [],
    "sheet": {"indicators": [{"code": "lesson_prep", "name": "线上备课"}, {"code": "three_classrooms",
                                                                           "name": "三个课堂"}],
              "previous_month": "2026-08",
              "rows": [{"rank": 1, "name": "银川市第一中学", "code": "640104001", "total": 25,
                        "points": {"lesson_prep": 10, "three_classrooms": 15}, "change": -1.5},
                       {"rank": 2, "name": "银川市第二中学", "code": "640104002", "total": 0,
                        "points": {"lesson_prep": 0}, "change": None}]},
}


def test_rows_have_chinese_headers_and_one_row_per_member() -> None:
    sheet = rows("county", COUNTY)
    assert sheet.headers == ["排名", "名称", "代码", "线上备课", "三个课堂", "总分", "较上月"]
    assert sheet.rows == [[1, "银川市第一中学", "640104001", 10, 15, 25, -1.5],
                          [2, "银川市第二中学", "640104002", 0, None, 0, None]]
    assert sheet.title == "2026-09 县区积分报表（第2版）兴庆区 640104"
    assert sheet.name == "学校积分"
    assert sheet.numeric == frozenset({3, 4, 5, 6})


def test_a_draft_says_so_in_the_title() -> None:
    assert "草稿" in rows("county", {**COUNTY, "state": "draft"}).title


def test_xlsx_keeps_numbers_as_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_file.render(rows("county", COUNTY))))
    ws = book["学校积分"]
    assert ws["A1"].value == "2026-09 县区积分报表（第2版）兴庆区 640104"
    assert ws.freeze_panes == "A3"
    assert (ws["C3"].value, ws["F3"].value, ws["G3"].value) == ("640104001", 25, -1.5)
    assert ws["C3"].number_format == "General"  # codes stay text, leading zeros and all
    assert (ws["D3"].number_format, ws["G3"].number_format) == ("0.00", "0.00")
    assert ws.column_dimensions["B"].width == 2 * 7 + 2  # seven Chinese characters, two units each


def test_csv_has_a_bom_and_blank_cells_for_missing_figures() -> None:
    text = csv_file.render(rows("county", COUNTY))
    assert text.startswith("\ufeff排名,")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[2] == ["2", "银川市第二中学", "640104002", "0", "", "0", ""]


def test_a_schools_makeup_names_its_own_adjustments() -> None:
    """The parts in brackets add up to the school's points: an adjustment of its own indicators is named."""
    from jifen.reports.sheet import school_makeup

    data = {"total": 25.70, "teacher_average": 17.09, "school_points": 8.61, "indicators": [
        {"subject": "teacher", "name": "线上备课", "points": 20.0, "adjustment": 5},
        {"subject": "school", "name": "三个课堂", "points": 7.93, "adjustment": 0},
        {"subject": "school", "name": "校务管理", "points": 2.68, "adjustment": -2}]}
    assert school_makeup(data) == ("总分 25.70 = 教师平均分 17.09 + 学校指标得分 8.61（三个课堂 7.93、校务管理 2.68、"
                                   "人工调整 -2.00）")
    data["indicators"][2]["adjustment"] = 0
    assert school_makeup(data).endswith("（三个课堂 7.93、校务管理 2.68）")
