"""The weekly classroom-usage sheet (XLSX) schools fill in: read, check, and the blank template.

One sheet; a header row with 学校代码, 周开始日期 (a Monday) or 周次 (a date range such as 2023-04-17至2023-04-21,
whose first day names the week), then per room type the columns "<name>间数" and "<name>使用次数". 学校名称 and
other columns are ignored. Every problem names the row as Excel shows it and the column, by letter and header.
No database work here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jifen.domain.classroom_usage import MAX_ROOMS, MAX_USES, ROOM_TYPES, WEEKDAYS, monday_of, uses_problem
from jifen.domain.periods import outside_years
from jifen.errors import InvalidInput
from jifen.ingest.sheet_cells import blank, header_text, problem, text, whole_number, worksheet_rows

CODE_HEADER = "学校代码"
NAME_HEADER = "学校名称"
WEEK_HEADER = "周开始日期"
WEEK_RANGE_HEADER = "周次"
ROOMS_SUFFIXES = ("间数", "数量", "教室数")
USES_SUFFIXES = ("使用次数", "次数")
HEADER_SEARCH_ROWS = 5  # a title row or two may sit above the header
MAX_PROBLEMS = 20
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass(frozen=True)
class SheetRow:
    row: int  # as Excel numbers it
    school_code: str
    week: date
    rooms: dict[str, tuple[int, int]] = field(default_factory=dict)  # room type -> (rooms, uses)


@dataclass(frozen=True)
class _Columns:
    code: int
    week: int
    week_is_range: bool
    rooms: dict[str, tuple[int, int]]  # room type -> (rooms column, uses column), 0-based
    headers: list[str]

    def where(self, index: int) -> str:
        return f"column {get_column_letter(index + 1)} ({self.headers[index]})"


def headers() -> list[str]:
    names = [CODE_HEADER, NAME_HEADER, WEEK_HEADER]
    for t in ROOM_TYPES:
        names += [f"{t.name}间数", f"{t.name}使用次数"]
    return names


def template(schools: list[tuple[str, str]], week: date | None = None) -> bytes:
    """A workbook with the header row and, when given, one row per school (code as text) and the week."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = "项目教室周使用情况"
    ws.append(headers())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for code, name in schools:
        ws.append([code, name, week])
    for (cell,) in ws.iter_rows(min_row=2, min_col=1, max_col=1):
        cell.number_format = "@"  # codes stay text: leading zeros survive
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "D2"
    for index, header in enumerate(headers(), 1):
        ws.column_dimensions[get_column_letter(index)].width = max(12, 2 * len(header) + 2)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def read_sheet(data: bytes, filename: str) -> list[SheetRow]:
    """The rows of a usage sheet, checked; raises InvalidInput naming every problem (the first 20)."""
    rows = worksheet_rows(data, filename)
    header_at = next((i for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS])
                      if CODE_HEADER in [header_text(c) for c in cells]), None)
    if header_at is None:
        raise InvalidInput(f"{filename}: no header row with {CODE_HEADER} in the first {HEADER_SEARCH_ROWS} rows; "
                           f"expected {', '.join(headers()[:5])}, ...")
    header_row, header_cells = rows[header_at]
    columns = _columns(filename, header_row, [header_text(c) for c in header_cells])
    problems: list[dict[str, Any]] = []
    result: list[SheetRow] = []
    seen: dict[tuple[str, date], int] = {}
    for number, cells in rows[header_at + 1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        parsed = _row(number, cells, columns, problems)
        if parsed is None:
            continue
        key = (parsed.school_code, parsed.week)
        if key in seen:
            problems.append(problem(number, columns.where(columns.code),
                                     f"school {parsed.school_code} week {parsed.week} is also on row {seen[key]}"))
            continue
        seen[key] = number
        result.append(parsed)
    if problems:
        first = problems[0]["message"]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InvalidInput(f"{filename} {first}{more}", details=problems[:MAX_PROBLEMS])
    if not result:
        raise InvalidInput(f"{filename}: no school rows below the header (row {header_row})")
    return result






def _columns(filename: str, header_row: int, names: list[str]) -> _Columns:
    missing = []
    code = names.index(CODE_HEADER)
    week_is_range = WEEK_HEADER not in names and WEEK_RANGE_HEADER in names
    week = names.index(WEEK_RANGE_HEADER if week_is_range else WEEK_HEADER) if (
        WEEK_HEADER in names or week_is_range) else -1
    if week < 0:
        missing.append(f"{WEEK_HEADER} (or {WEEK_RANGE_HEADER})")
    rooms: dict[str, tuple[int, int]] = {}
    for t in ROOM_TYPES:
        rooms_at = next((names.index(t.name + s) for s in ROOMS_SUFFIXES if t.name + s in names), None)
        uses_at = next((names.index(t.name + s) for s in USES_SUFFIXES if t.name + s in names), None)
        if rooms_at is not None and uses_at is not None:
            rooms[t.code] = (rooms_at, uses_at)
        elif rooms_at is not None or uses_at is not None:
            missing.append(f"{t.name}{'使用次数' if uses_at is None else '间数'}")
    if not rooms and not missing:
        missing.append("the columns of at least one room type, e.g. 在线互动教室间数 and 在线互动教室使用次数")
    if missing:
        raise InvalidInput(f"{filename} row {header_row}: missing column {', '.join(missing)}",
                           details=[{"path": f"row {header_row}", "message": f"missing column {m}"} for m in missing])
    return _Columns(code, week, week_is_range, rooms, names)


def _row(number: int, cells: list[Any], columns: _Columns, problems: list[dict[str, Any]]) -> SheetRow | None:
    def cell(index: int) -> Any:
        return cells[index] if index < len(cells) else None

    before = len(problems)
    code = text(cell(columns.code))
    if not code:
        problems.append(problem(number, columns.where(columns.code), "the school code is empty"))
    week = _week(cell(columns.week), columns.week_is_range)
    if isinstance(week, str):
        problems.append(problem(number, columns.where(columns.week), week))
    figures: dict[str, tuple[int, int]] = {}
    for room_type, (rooms_at, uses_at) in columns.rooms.items():
        rooms, uses = cell(rooms_at), cell(uses_at)
        if blank(rooms) and blank(uses):
            continue
        pair = []
        for index, value, limit in ((rooms_at, rooms, MAX_ROOMS), (uses_at, uses, MAX_USES)):
            parsed = whole_number(value, limit)
            if isinstance(parsed, str):
                problems.append(problem(number, columns.where(index), parsed))
            else:
                pair.append(parsed)
        if len(pair) == 2:
            too_many = uses_problem(pair[0], pair[1])
            if too_many:
                problems.append(problem(number, columns.where(uses_at), too_many))
            figures[room_type] = (pair[0], pair[1])
    if len(problems) > before or isinstance(week, str) or week is None:
        return None
    return SheetRow(number, code, week, figures)










def _week(value: Any, is_range: bool) -> date | str:
    if blank(value):
        return "the week is empty"
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        match = _DATE.search(str(value))
        if match is None:
            return f"{value!r} is not a date YYYY-MM-DD"
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return f"{value!r} is not a date in the calendar"
    if problem := outside_years(day.year):
        return f"{day.isoformat()} {problem}"
    if is_range:
        return monday_of(day)
    if day.weekday() != 0:
        return f"{day.isoformat()} is a {WEEKDAYS[day.weekday()]}; weeks start on Monday: {monday_of(day).isoformat()}"
    return day
