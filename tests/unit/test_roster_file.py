"""Roster files: CSV in UTF-8/BOM/GB18030 and XLSX read alike; every problem names file, row and column."""

from __future__ import annotations

import csv
import pathlib

import openpyxl
import pytest

from jifen.domain.organisations import RosterRow
from jifen.errors import RosterError
from jifen.ingest.roster_file import read_roster

HEADER = [
    "city_code", "city_name", "county_code", "county_name", "school_code", "school_name",
    "online_classrooms", "teacher_id", "teacher_name", "subject",
]
ROW_A = ["6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", "3", "T001", "张伟", "数学"]
ROW_B = ["6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", "3", "T002", "李娜", "语文"]
ROW_C = ["6402", "石嘴山市", "640205", "惠农区", "S002", "惠农区第二小学", "0", "T003", "王芳", ""]

EXPECTED = [
    RosterRow("6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", 3, "T001", "张伟", "数学"),
    RosterRow("6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", 3, "T002", "李娜", "语文"),
    RosterRow("6402", "石嘴山市", "640205", "惠农区", "S002", "惠农区第二小学", 0, "T003", "王芳", ""),
]


def write_csv(path: pathlib.Path, rows: list[list[str]], encoding: str = "utf-8") -> pathlib.Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: pathlib.Path, rows: list[list[object]], *, first_sheet: str = "名单") -> pathlib.Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = first_sheet
    for number, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    workbook.save(path)
    workbook.close()
    return path


def roster_error(path: pathlib.Path) -> RosterError:
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    return caught.value


def with_value(row: list[str], column: str, value: str) -> list[str]:
    changed = list(row)
    changed[HEADER.index(column)] = value
    return changed


# -- formats ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_bom_and_gb18030_reads_identically(tmp_path: pathlib.Path, encoding: str) -> None:
    path = write_csv(tmp_path / "roster.csv", [HEADER, ROW_A, ROW_B, ROW_C], encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # the fallback is really exercised
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    assert read_roster(path) == EXPECTED


def test_xlsx_numeric_cells_become_codes_without_decimals(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", [
        HEADER,
        [6401, "银川市", 640104.0, "兴庆区", "S001", "银川市第一中学", 3.0, 1001, "张伟", "数学"],
        [6401.0, "银川市", 640104, "兴庆区", "S001", "银川市第一中学", 3, "1002", "李娜", None],
    ])

    assert read_roster(path) == [
        RosterRow("6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", 3, "1001", "张伟", "数学"),
        RosterRow("6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", 3, "1002", "李娜", ""),
    ]


def test_xlsx_reads_the_first_worksheet_only(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", [HEADER, ROW_A])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("other").append(["not", "a", "roster"])
    workbook.save(path)
    workbook.close()

    assert read_roster(path) == EXPECTED[:1]


def test_extension_is_matched_without_case(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "ROSTER.CSV", [HEADER, ROW_A])

    assert read_roster(path) == EXPECTED[:1]


def test_columns_in_any_order_with_extras_and_whitespace(tmp_path: pathlib.Path) -> None:
    order = list(reversed(HEADER))
    header = ["备注"] + [f"  {name} " for name in order] + ["phone"]
    rows = [["note"] + [f" {row[HEADER.index(name)]}\u3000" for name in order] + ["138"] for row in (ROW_A, ROW_C)]
    path = write_csv(tmp_path / "roster.csv", [header, *rows])

    assert read_roster(path) == [EXPECTED[0], EXPECTED[2]]


def test_blank_lines_are_skipped(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [[], HEADER, ROW_A, ["", " ", ""], [], ROW_B, [""] * 10])

    assert read_roster(path) == EXPECTED[:2]


def test_header_only_gives_no_rows(tmp_path: pathlib.Path) -> None:
    assert read_roster(write_csv(tmp_path / "roster.csv", [HEADER])) == []


@pytest.mark.parametrize("text", ["3", "3.0", " 12 ", "0"])
def test_online_classrooms_accepts_whole_numbers(tmp_path: pathlib.Path, text: str) -> None:
    path = write_csv(tmp_path / "roster.csv", [HEADER, with_value(ROW_A, "online_classrooms", text)])

    assert read_roster(path)[0].online_classrooms == int(float(text))


# -- the file itself -------------------------------------------------------------------------------------------


def test_unsupported_extension_names_file_and_formats(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "roster.xls"
    path.write_bytes(b"whatever")

    message = str(roster_error(path))

    assert message.startswith("roster.xls: ")
    assert ".csv" in message and ".xlsx" in message


def test_corrupt_xlsx_names_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"this is not a zip archive")

    assert str(roster_error(path)).startswith("roster.xlsx: not a readable XLSX workbook")


def test_missing_file_names_the_file(tmp_path: pathlib.Path) -> None:
    assert str(roster_error(tmp_path / "absent.csv")).startswith("absent.csv: cannot read the file")


def test_undecodable_csv_names_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"city_code\n\xff\xff\n")

    assert str(roster_error(path)) == "roster.csv: the file is neither UTF-8 nor GB18030 text"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n \n,,\n"])
def test_empty_csv_is_refused(tmp_path: pathlib.Path, content: bytes) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(content)

    message = str(roster_error(path))

    assert message.startswith("roster.csv: the file is empty; expected a header row with columns city_code, ")


def test_empty_xlsx_is_refused(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", [])

    assert str(roster_error(path)).startswith("roster.xlsx: the file is empty")


def test_data_without_header_is_refused(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [ROW_A, ROW_B])

    error = roster_error(path)

    assert str(error).startswith("roster.csv row 1: not a roster header row; expected a header with columns ")
    assert all(name in str(error) for name in HEADER)


# -- header ----------------------------------------------------------------------------------------------------


def test_every_missing_column_is_named(tmp_path: pathlib.Path) -> None:
    header = [name for name in HEADER if name not in ("county_code", "subject")]
    path = write_csv(tmp_path / "roster.csv", [header, ROW_A[:8]])

    error = roster_error(path)

    assert str(error) == "roster.csv row 1, column county_code: missing from the header row"  # not subject
    assert error.details == [
        {"file": "roster.csv", "row": 1, "column": "county_code", "message": "missing from the header row"},
    ]


def test_the_subject_column_may_be_left_out(tmp_path: pathlib.Path) -> None:
    header = [name for name in HEADER if name != "subject"]
    path = write_csv(tmp_path / "roster.csv", [header, ROW_A[:9]])
    assert read_roster(path) == [RosterRow("6401", "银川市", "640104", "兴庆区", "S001", "银川市第一中学", 3, "T001",
                                           "张伟", "")]


def test_repeated_column_is_refused(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [[*HEADER, "school_code"], [*ROW_A, "S999"]])

    assert str(roster_error(path)) == (
        "roster.csv row 1, column school_code: appears twice in the header, in cells E1 and K1"
    )


# -- rows ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", [name for name in HEADER if name != "subject"])
def test_empty_required_cell_names_file_row_and_column(tmp_path: pathlib.Path, column: str) -> None:
    path = write_csv(tmp_path / "roster.csv", [HEADER, ROW_A, with_value(ROW_B, column, "  ")])

    error = roster_error(path)

    assert str(error) == f"roster.csv row 3, column {column}: empty, but a value is required"
    assert error.details == [
        {"file": "roster.csv", "row": 3, "column": column, "message": "empty, but a value is required"}
    ]


@pytest.mark.parametrize("text", ["abc", "-1", "2.5", "1e3", "三"])
def test_online_classrooms_must_be_a_whole_number(tmp_path: pathlib.Path, text: str) -> None:
    path = write_csv(tmp_path / "roster.csv", [HEADER, with_value(ROW_A, "online_classrooms", text)])

    assert str(roster_error(path)) == (
        f"roster.csv row 2, column online_classrooms: {text!r} is not a whole number of 0 or more"
    )


@pytest.mark.parametrize(("value", "shown"), [(-1, "'-1'"), (2.5, "'2.5'")])
def test_xlsx_online_classrooms_must_be_a_whole_number(tmp_path: pathlib.Path, value: float, shown: str) -> None:
    row: list[object] = list(with_value(ROW_A, "online_classrooms", ""))
    row[HEADER.index("online_classrooms")] = value
    path = write_xlsx(tmp_path / "roster.xlsx", [HEADER, row])

    assert str(roster_error(path)) == (
        f"roster.xlsx row 2, column online_classrooms: {shown} is not a whole number of 0 or more"
    )


def test_row_numbers_count_blank_rows_as_excel_does(tmp_path: pathlib.Path) -> None:
    csv_path = write_csv(tmp_path / "roster.csv", [HEADER, ROW_A, [], [], with_value(ROW_B, "teacher_name", "")])
    xlsx_path = write_xlsx(tmp_path / "roster.xlsx", [HEADER, ROW_A, [], [], with_value(ROW_B, "teacher_name", "")])

    assert str(roster_error(csv_path)).startswith("roster.csv row 5, column teacher_name: ")
    assert str(roster_error(xlsx_path)).startswith("roster.xlsx row 5, column teacher_name: ")


# -- across rows -----------------------------------------------------------------------------------------------


def test_duplicate_teacher_names_both_rows(tmp_path: pathlib.Path) -> None:
    rows = [HEADER, ROW_A, ROW_B, with_value(ROW_C, "teacher_id", "T001")]
    path = write_csv(tmp_path / "roster.csv", rows)

    assert str(roster_error(path)) == "roster.csv row 4, column teacher_id: teacher 'T001' already appears in row 2"


@pytest.mark.parametrize(
    ("column", "noun", "code"),
    [
        ("school_name", "school", "S001"),
        ("county_code", "school", "S001"),
        ("online_classrooms", "school", "S001"),
        ("county_name", "county", "640104"),
        ("city_code", "county", "640104"),
        ("city_name", "city", "6401"),
    ],
)
def test_conflicting_organisation_data_names_both_values(
    tmp_path: pathlib.Path, column: str, noun: str, code: str
) -> None:
    changed = "5" if column == "online_classrooms" else "CHANGED"
    path = write_csv(tmp_path / "roster.csv", [HEADER, ROW_A, with_value(ROW_B, column, changed)])

    error = roster_error(path)

    before = 3 if column == "online_classrooms" else ROW_A[HEADER.index(column)]
    after = 5 if column == "online_classrooms" else "CHANGED"
    assert str(error).startswith(
        f"roster.csv row 3, column {column}: {noun} {code!r} has {column} {before!r} in row 2 but {after!r} here"
    )
    assert error.details[0] == {
        "file": "roster.csv", "row": 3, "column": column,
        "message": f"{noun} {code!r} has {column} {before!r} in row 2 but {after!r} here",
    }


def test_problems_are_collected_and_details_capped_at_twenty(tmp_path: pathlib.Path) -> None:
    rows = [HEADER] + [with_value(with_value(ROW_A, "teacher_id", f"T{n:03}"), "teacher_name", "") for n in range(25)]
    path = write_csv(tmp_path / "roster.csv", rows)

    error = roster_error(path)

    assert str(error).startswith("roster.csv row 2, column teacher_name: empty, but a value is required\n")
    assert str(error).endswith("\n... and 5 more problems")
    assert len(error.details) == 20
    assert [detail["row"] for detail in error.details] == list(range(2, 22))


# -- Chinese headers -------------------------------------------------------------------------------------------

CHINESE = ["市代码", "市名称", "县区代码", "县区名称", "学校代码", "学校名称", "在线教室数", "教师编号", "教师姓名", "学科"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_chinese_headers_read_as_the_codes_do(tmp_path: pathlib.Path, suffix: str) -> None:
    write = write_csv if suffix == ".csv" else write_xlsx
    path = write(tmp_path / f"名单{suffix}", [CHINESE, ROW_A, ROW_B, ROW_C])

    assert read_roster(path) == EXPECTED


def test_chinese_and_code_headers_mix_and_other_names_are_taken(tmp_path: pathlib.Path) -> None:
    header = ["地市代码", "city_name", "区县代码", "county_name", "school_code", "学校名称", "在线课堂教室数",
              "teacher_id", "姓名", "任教学科"]
    path = write_csv(tmp_path / "roster.csv", [header, ROW_A, ROW_B, ROW_C])

    assert read_roster(path) == EXPECTED


def test_a_column_named_both_ways_is_named_twice(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [[*HEADER, "教师编号"], [*ROW_A, "T009"]])

    assert str(roster_error(path)) == "roster.csv row 1, column teacher_id: appears twice in the header, in cells H1 and K1"


def test_a_header_of_neither_lists_the_chinese_names_too(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [ROW_A, ROW_B])

    assert "(or " + ", ".join(CHINESE) + ")" in str(roster_error(path))


def test_a_quote_left_open_is_refused_at_its_row_not_swallowing_the_rows_after(tmp_path: pathlib.Path) -> None:
    lines = [",".join(HEADER), ",".join(with_value(ROW_A, "teacher_name", '"张伟')), ",".join(ROW_B),
             ",".join(ROW_C)]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    error = roster_error(path)

    assert "roster.csv row 2, column teacher_name: holds a line break" in str(error)
    assert "a quote left open" in str(error)


def test_a_name_on_two_lines_is_refused(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", [HEADER, with_value(ROW_A, "school_name", "银川市\n第一中学")])
    assert str(roster_error(path)).startswith("roster.xlsx row 2, column school_name: holds a line break")


@pytest.mark.parametrize("value", [640122198001011234, 6.40122198001011e17, 1.5])
def test_a_code_a_number_cell_cannot_hold_is_refused(tmp_path: pathlib.Path, value: object) -> None:
    row: list[object] = list(ROW_A)
    row[HEADER.index("teacher_id")] = value
    path = write_xlsx(tmp_path / "roster.xlsx", [HEADER, row])

    error = roster_error(path)

    assert str(error).startswith("roster.xlsx row 2, column teacher_id: ")
    assert "format the column as text" in str(error)


def test_a_code_in_scientific_notation_is_refused(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [HEADER, with_value(ROW_A, "teacher_id", "6.40122E+17"), ROW_B])

    assert str(roster_error(path)) == (
        "roster.csv row 2, column teacher_id: '6.40122E+17' is a number in scientific notation, as Excel shows a "
        "long number: the code's digits are lost; format the column as text and enter the codes again")


def test_codes_of_fifteen_digits_in_number_cells_are_taken(tmp_path: pathlib.Path) -> None:
    row: list[object] = list(ROW_A)
    row[HEADER.index("teacher_id")] = 640122198001011
    assert read_roster(write_xlsx(tmp_path / "roster.xlsx", [HEADER, row]))[0].teacher_id == "640122198001011"


def test_a_title_above_the_header_is_passed_over(tmp_path: pathlib.Path) -> None:
    title = ["贺兰县2026年秋季学期教师名册"] + [""] * 9
    path = write_csv(tmp_path / "roster.csv", [title, [""] * 10, HEADER, ROW_A, ROW_B, ROW_C])
    assert read_roster(path) == EXPECTED


@pytest.mark.parametrize("notes", [
    [["填表说明：每位教师一行"], ["学校代码请按文本格式填写"]],
    [["学校代码", "学校名称", "教师编号", "教师姓名"], ["按文本填写", "全称", "平台编号", "实名"]],  # some columns in a row
])
def test_a_workbook_opening_with_a_sheet_of_notes_is_read_from_its_roster_sheet(tmp_path: pathlib.Path,
                                                                                 notes: list[list[object]]) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", notes, first_sheet="说明")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.create_sheet("名单")
    for line in (HEADER, ROW_A):
        sheet.append(line)
    workbook.save(path)
    workbook.close()
    assert read_roster(path) == EXPECTED[:1]


def test_a_column_missing_names_the_headings_not_recognised(tmp_path: pathlib.Path) -> None:
    header = [h if h != "online_classrooms" else "在线教室数（间）" for h in HEADER]
    path = write_csv(tmp_path / "roster.csv", [header, ROW_A])
    assert str(roster_error(path)) == ("roster.csv row 1, column online_classrooms: missing from the header row "
                                       "(the header's other columns: 在线教室数（间）)")
