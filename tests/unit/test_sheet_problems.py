"""An uploaded sheet's problems said in Chinese on the page; the API and the CLI keep their words."""

from __future__ import annotations

import pytest

from jifen.web.pages.sheet_problems import in_chinese


@pytest.mark.parametrize(("said", "chinese"), [
    ("row 2, column C (周开始日期): 'not a date' is not a date YYYY-MM-DD",
     "第 2 行 C 列（周开始日期）：'not a date' 不是日期（应为 YYYY-MM-DD）"),
    ("row 3, column C (周开始日期): 2026-11-17 is a Tuesday; weeks start on Monday: 2026-11-16",
     "第 3 行 C 列（周开始日期）：2026-11-17 是星期二；每周从星期一开始，应为 2026-11-16"),
    ("row 4, column D (在线互动教室间数): -1 is not between 0 and 1000",
     "第 4 行 D 列（在线互动教室间数）：-1 不在 0 至 1000 之间"),
    ("row 5, column E (在线互动教室使用次数): 'abc' is not a whole number",
     "第 5 行 E 列（在线互动教室使用次数）：'abc' 不是整数"),
    ("row 6, column E (在线互动教室使用次数): 3 uses with 0 rooms", "第 6 行 E 列（在线互动教室使用次数）：教室间数为 0，却有 3 次使用"),
    ("row 7, column A (学校代码): the school code is empty", "第 7 行 A 列（学校代码）：学校代码为空"),
    ("row 8, column D (平板智慧教室间数): empty; write 0 when there is none", "第 8 行 D 列（平板智慧教室间数）：为空；没有时请填 0"),
    ("x.xlsx: not an XLSX workbook (BadZipFile)", "x.xlsx：不是 XLSX 工作簿，请上传 .xlsx 文件"),
    ("周报.xlsx: no school rows below the header (row 1)", "周报.xlsx：表头（第 1 行）下没有学校数据"),
    ("missing column 周开始日期 (or 周次)", "表头缺少列：周开始日期（或 周次）"),
    ("u.xlsx row 1: missing column the columns of at least one room type, e.g. 在线互动教室间数 and 在线互动教室使用次数",
     "第 1 行（表头）缺少列：至少一种教室类型的两列，例如 在线互动教室间数 和 在线互动教室使用次数"),
    ("row 2, column C (周开始日期): 1900-01-01 is outside the years 1970-9998",
     "第 2 行 C 列（周开始日期）：1900-01-01 不在 1970–9998 年之间"),
    ("something else entirely", "something else entirely"),
])
def test_the_readers_problems_are_said_in_chinese(said: str, chinese: str) -> None:
    assert in_chinese(said) == chinese


def test_uses_more_than_the_rooms_can_have_had_are_said_in_chinese() -> None:
    from jifen.domain.classroom_usage import figure_problem

    problem = figure_problem("tablet", 2, 100_000)
    assert problem is not None and problem[0] == "uses"
    assert in_chinese(f"row 3, column E (平板智慧教室使用次数): {problem[1]}") == (
        "第 3 行 E 列（平板智慧教室使用次数）：2 间教室一周 100000 次使用，超过每间每周 98 次（每天每节都在使用），请核对是否多填了 0")
    assert figure_problem("tablet", 2, 196) is None


def test_a_week_of_a_month_the_school_is_not_on_the_roster_is_said_in_chinese() -> None:
    said = ("usage.xlsx row 2: school '640122003' is not on the roster of 2023-05, the month of week 2023-05-01: "
            "its figures would count nowhere")
    assert in_chinese(said) == "第 2 行：学校 640122003 不在 2023-05 的名册上（2023-05-01 这一周所在月份），其数据不会计入"
