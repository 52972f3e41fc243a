"""Roster files (CSV or XLSX): read, check and turn into RosterRow values. No database work here.

The header names each column by its code (``teacher_id``) or by its Chinese name (教师编号), as a bureau's own
sheet does; problems name the column by its code. Every problem names the file, the row as Excel shows it (the
header is row 1) and the column at fault.
"""

from __future__ import annotations

import csv
import io
import pathlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from jifen.domain.organisations import RosterRow
from jifen.errors import RosterError

COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(RosterRow))
OPTIONAL_COLUMNS = frozenset({"subject"})
# The Chinese headers a bureau's roster sheet uses, each the column it names (the first is the one documented).
CHINESE_HEADERS: dict[str, str] = {
    "市代码": "city_code", "地市代码": "city_code",
    "市名称": "city_name", "地市名称": "city_name", "地市": "city_name",
    "县区代码": "county_code", "区县代码": "county_code",
    "县区名称": "county_name", "区县名称": "county_name", "县区": "county_name", "区县": "county_name",
    "学校代码": "school_code",
    "学校名称": "school_name",
    "在线教室数": "online_classrooms", "在线课堂教室数": "online_classrooms",
    "教师编号": "teacher_id", "教师ID": "teacher_id",
    "教师姓名": "teacher_name", "姓名": "teacher_name",
    "学科": "subject", "任教学科": "subject",
}
_CHINESE_NAME = {column: heading for heading, column in reversed(CHINESE_HEADERS.items())}  # the first of each
SUPPORTED_SUFFIXES = (".csv", ".xlsx")
MAX_PROBLEMS_SHOWN = 20
WHOLE_NUMBER = re.compile(r"\d+(\.0*)?")

# A row as read from the file: (row number as Excel shows it, cell values).
RawRow = tuple[int, list[object]]


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


def read_roster(path: pathlib.Path) -> list[RosterRow]:
    """The rows of a roster file, checked; raises RosterError naming every problem (the first 20)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _read_csv(path)
    elif suffix == ".xlsx":
        raw_rows = _read_xlsx(path)
    else:
        raise RosterError(
            f"{path.name}: unsupported file format {path.suffix or '(no extension)'!r}; "
            f"supported formats: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    rows, problems = _check_rows(path.name, raw_rows)
    if problems:
        raise _roster_error(problems)
    return rows


def _read_csv(path: pathlib.Path) -> list[RawRow]:
    """CSV as UTF-8 (with or without BOM) or, failing that, GB18030 as Chinese Excel saves it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"{path.name}: cannot read the file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise RosterError(f"{path.name}: the file is neither UTF-8 nor GB18030 text") from exc
    try:
        # csv counts records, not physical lines, which is what Excel numbers as rows.
        records = csv.reader(io.StringIO(text, newline=""))
        return [(number, list(cells)) for number, cells in enumerate(records, 1)]
    except csv.Error as exc:
        raise RosterError(f"{path.name}: not a readable CSV file: {exc}") from exc


def _read_xlsx(path: pathlib.Path) -> list[RawRow]:
    """The first worksheet of a workbook that has a roster header in its first rows (a bureau's workbook may open
    with a sheet of notes, 说明), else the first; cached values of formulas."""
    try:
        with path.open("rb") as handle:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise RosterError(f"{path.name}: the workbook has no worksheet")
                sheets = []
                for sheet in workbook.worksheets:
                    # Some writers store a wrong sheet size; read the rows that are really there.
                    sheet.reset_dimensions()
                    # Rows missing from the file come back empty, so row numbers match Excel's.
                    records = sheet.iter_rows(values_only=True)
                    rows = [(number, list(cells)) for number, cells in enumerate(records, 1)]
                    if _header_at(rows, complete=True) is not None:
                        return rows
                    sheets.append(rows)
                # no sheet names every column: the first that names some (its problems are then told), else the first
                return next((rows for rows in sheets if _header_at(rows) is not None), sheets[0])
            finally:
                workbook.close()
    except RosterError:
        raise
    except Exception as exc:  # a corrupt workbook fails in many ways (zip, XML, openpyxl's own)
        raise RosterError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc


def _cell_text(value: object) -> str:
    """A cell as trimmed text; a number Excel stored as 640100.0 becomes '640100'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


HEADER_SEARCH_ROWS = 10  # a bureau's sheet may carry a title, a date or a note above its header
HEADER_LEAST = 3  # the columns a row must name to be taken for the header


def _header_at(rows: list[RawRow], *, complete: bool = False) -> int | None:
    """The index of the first of the first rows that names at least HEADER_LEAST roster columns (``complete``:
    every column but the optional ones; a sheet of notes may list a few of them in a row)."""
    required = set(COLUMNS) - OPTIONAL_COLUMNS
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {CHINESE_HEADERS.get(text, text) for text in (_cell_text(cell) for cell in cells)}
        if (required <= named) if complete else len(named & set(COLUMNS)) >= HEADER_LEAST:
            return index
    return None


def _check_rows(file: str, raw_rows: Iterable[RawRow]) -> tuple[list[RosterRow], list[Problem]]:
    listed = list(raw_rows)
    found = _header_at(listed)
    rows = iter(listed[found:] if found is not None else listed)  # rows above the header: a title, a note
    for header_number, header_cells in rows:
        header = [_cell_text(cell) for cell in header_cells]
        if any(header):
            break
    else:
        expected = ", ".join(COLUMNS)
        return [], [Problem(file, None, None, f"the file is empty; expected a header row with columns {expected}")]

    positions, problems = _column_positions(file, header_number, header)
    if problems:
        return [], problems

    checker = ConsistencyCheck(file)
    result: list[RosterRow] = []
    for number, cells in rows:
        texts = [_cell_text(cell) for cell in cells]
        if not any(texts):
            continue
        values = {name: texts[positions[name]] if positions.get(name, len(texts)) < len(texts) else ""
                  for name in COLUMNS}  # an optional column left out of the header: empty
        row, row_problems = _row_from_values(file, number, values)
        codes = {name: cells[i] for name, i in positions.items() if name in CODE_COLUMNS and i < len(cells)}
        row_problems = [*_code_problems(file, number, codes), *row_problems]
        if row_problems:
            row = None
        problems.extend(row_problems)
        if row is not None:
            problems.extend(checker.add(number, row))
            result.append(row)
    return result, problems


def _column_positions(file: str, number: int, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Where each roster column is in the header (0-based); extra columns are ignored."""
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, heading in enumerate(header):
        name = CHINESE_HEADERS.get(heading, heading)
        if name not in COLUMNS:
            continue
        if name in positions:
            cells = f"{get_column_letter(positions[name] + 1)}{number} and {get_column_letter(index + 1)}{number}"
            problems.append(Problem(file, number, name, f"appears twice in the header, in cells {cells}"))
        else:
            positions[name] = index
    if not positions:
        chinese = ", ".join(_CHINESE_NAME[column] for column in COLUMNS)
        what = f"not a roster header row; expected a header with columns {', '.join(COLUMNS)} (or {chinese})"
        return positions, [Problem(file, number, None, what)]
    unknown = [heading for heading in header if heading and CHINESE_HEADERS.get(heading, heading) not in COLUMNS]
    also = f" (the header's other columns: {', '.join(unknown)})" if unknown else ""
    for name in COLUMNS:
        if name not in positions and name not in OPTIONAL_COLUMNS:
            problems.append(Problem(file, number, name, f"missing from the header row{also}"))
    return positions, problems


CODE_COLUMNS = ("city_code", "county_code", "school_code", "teacher_id")
# A number as Excel writes one too long to show (6.40122E+17): the code's digits are lost.
SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d*)?[eE][+-]?\d+")
EXACT_DIGITS = 15  # Excel keeps numbers to 15 significant digits


def _code_problems(file: str, number: int, cells: dict[str, object]) -> list[Problem]:
    """Codes a spreadsheet has already changed: a number cell of more than 15 digits (Excel keeps 15, so an
    18-digit id comes back with its last digits zero), one with a fraction, or text in scientific notation."""
    problems = []
    for name, cell in cells.items():
        if isinstance(cell, bool):
            continue
        if isinstance(cell, (int, float)) and (abs(cell) >= 10**EXACT_DIGITS or cell != int(cell)):
            problems.append(Problem(file, number, name, f"{cell!r} is a number cell that cannot hold the code "
                                    f"exactly (Excel keeps {EXACT_DIGITS} digits, and codes have no fraction): "
                                    "format the column as text and enter the codes again"))
        elif isinstance(cell, str) and SCIENTIFIC.fullmatch(cell.strip()):
            problems.append(Problem(file, number, name, f"{cell.strip()!r} is a number in scientific notation, as "
                                    "Excel shows a long number: the code's digits are lost; format the column "
                                    "as text and enter the codes again"))
    return problems


def _row_from_values(file: str, number: int, values: dict[str, str]) -> tuple[RosterRow | None, list[Problem]]:
    problems = [
        Problem(file, number, name, "empty, but a value is required")
        for name in COLUMNS
        if name not in OPTIONAL_COLUMNS and not values[name]
    ]
    problems += [
        Problem(file, number, name, "holds a line break: a cell is one line (in a CSV file, a quote left open takes "
                "the lines after it into the cell)")
        for name in COLUMNS if "\n" in values[name] or "\r" in values[name]
    ]
    classrooms_text = values["online_classrooms"]
    if classrooms_text and not WHOLE_NUMBER.fullmatch(classrooms_text):
        problems.append(
            Problem(file, number, "online_classrooms", f"{classrooms_text!r} is not a whole number of 0 or more")
        )
    if problems:
        return None, problems
    return RosterRow(
        city_code=values["city_code"],
        city_name=values["city_name"],
        county_code=values["county_code"],
        county_name=values["county_name"],
        school_code=values["school_code"],
        school_name=values["school_name"],
        online_classrooms=int(classrooms_text.split(".")[0]),
        teacher_id=values["teacher_id"],
        teacher_name=values["teacher_name"],
        subject=values["subject"],
    ), []


class ConsistencyCheck:
    """Across the rows of one file: each teacher once; each school, county and city described alike."""

    # (code column, the columns that must agree wherever that code appears, the noun used in messages)
    GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
        ("school_code", ("school_name", "county_code", "online_classrooms"), "school"),
        ("county_code", ("county_name", "city_code"), "county"),
        ("city_code", ("city_name",), "city"),
    )

    def __init__(self, file: str) -> None:
        self.file = file
        self.teacher_rows: dict[str, int] = {}
        self.first_seen: dict[tuple[str, str], tuple[int, RosterRow]] = {}

    def add(self, number: int, row: RosterRow) -> list[Problem]:
        problems: list[Problem] = []
        if row.teacher_id in self.teacher_rows:
            what = f"teacher {row.teacher_id!r} already appears in row {self.teacher_rows[row.teacher_id]}"
            problems.append(Problem(self.file, number, "teacher_id", what))
        else:
            self.teacher_rows[row.teacher_id] = number
        for code_column, agreeing_columns, noun in self.GROUPS:
            code = getattr(row, code_column)
            first_number, first_row = self.first_seen.setdefault((code_column, code), (number, row))
            for column in agreeing_columns:
                before, now = getattr(first_row, column), getattr(row, column)
                if before != now:
                    what = f"{noun} {code!r} has {column} {before!r} in row {first_number} but {now!r} here"
                    problems.append(Problem(self.file, number, column, what))
        return problems


def _roster_error(problems: list[Problem]) -> RosterError:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    message = "\n".join(str(problem) for problem in shown)
    if len(problems) > len(shown):
        message += f"\n... and {len(problems) - len(shown)} more problems"
    details: list[dict[str, Any]] = [
        {"file": p.file, "row": p.row, "column": p.column, "message": p.message} for p in shown
    ]
    return RosterError(message, details=details)
