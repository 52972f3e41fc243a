"""The usage sheet: the template reads back, and every bad cell is named by row and column."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from factories import workbook

from jifen.errors import InvalidInput
from jifen.ingest.usage_sheet import headers, read_sheet, template



def sheet_row(code: Any, week: Any, *pairs: Any) -> list[Any]:
    return [code, f"学校{code}", week, *pairs]


def test_the_template_has_chinese_headers_and_lists_the_schools() -> None:
    data = template([("0640122001", "贺兰一小"), ("0640122002", "贺兰二小")], date(2023, 4, 17))
    ws = openpyxl.load_workbook(BytesIO(data)).active
    assert ws is not None
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0] == headers()
    assert values[0][:7] == ["学校代码", "学校名称", "周开始日期", "在线互动教室间数", "在线互动教室使用次数",
                             "平板智慧教室间数", "平板智慧教室使用次数"]
    assert values[0][-2:] == ["纸笔课堂间数", "纸笔课堂使用次数"]
    assert [v[:3] for v in values[1:]] == [["0640122001", "贺兰一小", datetime(2023, 4, 17)],
                                          ["0640122002", "贺兰二小", datetime(2023, 4, 17)]]


def test_a_filled_template_reads_back() -> None:
    book = openpyxl.load_workbook(BytesIO(template([("0640122001", "贺兰一小")], date(2023, 4, 17))))
    ws = book.active
    assert ws is not None
    ws["D2"], ws["E2"], ws["F2"], ws["G2"] = 3, 44, 13, 1
    out = BytesIO()
    book.save(out)
    [parsed] = read_sheet(out.getvalue(), "usage.xlsx")
    assert (parsed.row, parsed.school_code, parsed.week) == (2, "0640122001", date(2023, 4, 17))
    assert parsed.rooms == {"online_interactive": (3, 44), "tablet": (13, 1)}


def test_a_title_row_a_week_range_and_a_subset_of_room_types() -> None:
    data = workbook([
        ["贺兰县项目教室使用情况统计（4月17日-4月21日）"],
        ["学校代码", "学校名称", "周次", "VR教室间数", "VR教室使用次数"],
        [640122001, "实验小学", "2023年4月17日-4月21日", 1, 15],
        ["640122002", "贺兰四小", "2023-04-19~2023-04-21", "1", "5"],
    ])
    rows = read_sheet(data, "统计.xlsx")
    assert [(r.row, r.school_code, r.week, r.rooms) for r in rows] == [
        (3, "640122001", date(2023, 4, 17), {"vr": (1, 15)}),
        (4, "640122002", date(2023, 4, 17), {"vr": (1, 5)}),
    ]


def test_bad_cells_are_named_by_row_and_column() -> None:
    data = workbook([
        headers()[:7],
        sheet_row("S1", "2023-04-17", 3, "十五", 1, 1),
        sheet_row("S2", "2023-04-19", 3, 15, -1, 0),
        sheet_row("", "2023-04-17", 3, 15, None, 2),
        sheet_row("S4", "2023-04-17", 0, 4, 1.5, 1),
    ])
    with pytest.raises(InvalidInput) as caught:
        read_sheet(data, "usage.xlsx")
    assert caught.value.message.startswith(
        "usage.xlsx row 2, column E (在线互动教室使用次数): '十五' is not a whole number (and 6 more problems)")
    assert [d["path"] for d in caught.value.details] == [
        "row 2, column E (在线互动教室使用次数)",
        "row 3, column C (周开始日期)", "row 3, column F (平板智慧教室间数)",
        "row 4, column A (学校代码)", "row 4, column F (平板智慧教室间数)",
        "row 5, column E (在线互动教室使用次数)", "row 5, column F (平板智慧教室间数)",
    ]
    messages = [d["message"] for d in caught.value.details]
    assert "2023-04-19 is a Wednesday; weeks start on Monday: 2023-04-17" in messages[1]
    assert messages[4].endswith("empty; write 0 when there is none")
    assert messages[5].endswith("4 uses with no rooms: give the number of rooms")


def test_a_week_outside_the_years_taken_is_named() -> None:
    data = workbook([headers()[:7], sheet_row("S1", date(1900, 1, 1), 3, 15, 1, 1),
                     sheet_row("S2", "9999-12-27", 3, 15, 1, 1)])
    with pytest.raises(InvalidInput) as caught:
        read_sheet(data, "usage.xlsx")
    assert [d["message"] for d in caught.value.details] == [
        "row 2, column C (周开始日期): 1900-01-01 is outside the years 1970-9998",
        "row 3, column C (周开始日期): 9999-12-27 is outside the years 1970-9998"]


def test_missing_columns_and_repeated_rows_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"row 1: missing column 周开始日期 \(or 周次\), 在线互动教室使用次数"):
        read_sheet(workbook([["学校代码", "在线互动教室间数"], ["S1", 1]]), "a.xlsx")
    with pytest.raises(InvalidInput, match=r"no header row with 学校代码"):
        read_sheet(workbook([["school", "week"], ["S1", "2023-04-17"]]), "a.xlsx")
    twice = workbook([headers()[:5], sheet_row("S1", "2023-04-17", 1, 1), sheet_row("S1", "2023-04-17", 1, 2)])
    with pytest.raises(InvalidInput, match=r"row 3, column A \(学校代码\): school S1 week 2023-04-17 is also on row 2"):
        read_sheet(twice, "a.xlsx")
    with pytest.raises(InvalidInput, match=r"not an XLSX workbook"):
        read_sheet(b"school,week\n", "a.xlsx")
    with pytest.raises(InvalidInput, match=r"no school rows"):
        read_sheet(workbook([headers()]), "a.xlsx")
