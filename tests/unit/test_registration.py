"""National-platform registration: rates, the schools under the threshold, and the platform's export read."""

from __future__ import annotations

import pytest
from factories import workbook

from jifen.domain.registration import below, rate, totals
from jifen.errors import InvalidInput
from jifen.ingest.registration_sheet import read_sheet



def test_rates_are_capped_at_one_and_none_without_enrolment() -> None:
    assert rate(109, 1000) == 0.109
    assert rate(38128, 39907) == 0.9554
    assert rate(120, 100) == 1.0
    assert rate(0, 0) is None


def test_schools_under_the_threshold_lowest_first() -> None:
    rows: list[dict[str, object]] = [
        {"school_code": "A", "student_rate": 0.548}, {"school_code": "B", "student_rate": 0.109},
        {"school_code": "C", "student_rate": 0.6}, {"school_code": "D", "student_rate": None},
        {"school_code": "E", "student_rate": 1.0}, {"school_code": "F", "student_rate": 0.194},
    ]
    assert [r["school_code"] for r in below(rows, 0.6)] == ["B", "F", "A"]
    assert [r["school_code"] for r in below(rows, 0.2)] == ["B", "F"]


def test_totals_add_every_count() -> None:
    rows: list[dict[str, object]] = [
        {"teachers_registered": 10, "teachers": 10, "students_registered": 5, "students": 9, "parents_registered": 3},
        {"teachers_registered": 0, "teachers": 0, "students_registered": 0, "students": 0, "parents_registered": 0},
    ]
    assert totals(rows) == {"teachers_registered": 10, "teachers": 10, "students_registered": 5, "students": 9,
                            "parents_registered": 3}


def test_the_export_is_read_by_its_usual_headers_and_synonyms() -> None:
    data = workbook([
        ["国家中小学智慧教育平台注册情况（截至2023年5月5日）"],
        ["序号", "学校名称", "学校标识码", "教师注册人数", "教职工数（人）", "学生注册数", "在校生数", "家长注册人数",
         "学生注册率"],
        [1, "贺兰县立岗镇民乐小学", 2164000001, 40, 40, "109", "1,000", 12, "10.9%"],
        [2, "贺兰县铁西小学", "2164000002", 60, 61, 548, 1000, 0, "54.8%"],
        [None, "合计", None, 100, 101, 657, 2000, 12, None],
        [None, None, None, None, None, None, None, None, None],
    ])
    rows = read_sheet(data, "export.xlsx")
    assert [(r.row, r.school_code, r.school_name, r.counts) for r in rows] == [
        (3, "2164000001", "贺兰县立岗镇民乐小学", {"teachers_registered": 40, "teachers": 40,
                                               "students_registered": 109, "students": 1000, "parents_registered": 12}),
        (4, "2164000002", "贺兰县铁西小学", {"teachers_registered": 60, "teachers": 61, "students_registered": 548,
                                         "students": 1000, "parents_registered": 0}),
    ]


def test_missing_columns_are_named_with_the_names_accepted() -> None:
    data = workbook([["学校名称", "教师注册人数", "学生注册人数"], ["某小学", 1, 2]])
    with pytest.raises(InvalidInput) as caught:
        read_sheet(data, "export.xlsx")
    assert caught.value.message == "export.xlsx row 1: missing column 教师总数, 在校学生数, 家长注册人数"
    assert "also accepted: 教师人数" in caught.value.details[0]["message"]
    with pytest.raises(InvalidInput, match=r"missing column 学校代码 or 学校名称"):
        read_sheet(workbook([["教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"], [1, 1, 1, 1, 1]]),
                   "export.xlsx")


def test_bad_counts_are_named_by_row_and_column() -> None:
    data = workbook([
        ["学校代码", "学校名称", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"],
        ["S1", "甲", 1, 2, "很多", 4, 5],
        ["S2", "乙", 1, 2, 3, None, -5],
    ])
    with pytest.raises(InvalidInput) as caught:
        read_sheet(data, "export.xlsx")
    assert caught.value.message.startswith("export.xlsx row 2, column E (学生注册人数): '很多' is not a whole number")
    assert [d["path"] for d in caught.value.details] == [
        "row 2, column E (学生注册人数)", "row 3, column F (在校学生数)", "row 3, column G (家长注册人数)"]


def test_more_registered_than_there_are_is_named() -> None:
    data = workbook([
        ["学校代码", "学校名称", "教师注册人数", "教师总数", "学生注册人数", "在校学生数", "家长注册人数"],
        ["S1", "甲", 60, 38, 900, 710, 5],
        ["S2", "乙", 38, 38, 700, 710, 5],
    ])
    with pytest.raises(InvalidInput) as caught:
        read_sheet(data, "export.xlsx")
    assert [(d["path"], d["message"].split(": ", 1)[1]) for d in caught.value.details] == [
        ("row 2, column C (教师注册人数)", "60 registered is more than the 38 of 教师总数"),
        ("row 2, column E (学生注册人数)", "900 registered is more than the 710 of 在校学生数")]
