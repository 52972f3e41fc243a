"""The national platform's registration export (XLSX): one row per school.

Headers are matched by their usual names and synonyms (学校代码 or 学校名称 to name the school, 教师注册人数,
教师总数, 学生注册人数, 在校学生数, 家长注册人数); other columns are ignored, and so are total rows (合计, 总计).
Every problem names the row as Excel shows it and the column. No database work here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from jifen.errors import InvalidInput
from jifen.ingest.sheet_cells import blank, header_text, problem, text, whole_number, worksheet_rows

SYNONYMS: dict[str, tuple[str, ...]] = {
    "school_code": ("学校代码", "学校编码", "学校标识码", "机构代码", "单位代码"),
    "school_name": ("学校名称", "学校", "单位名称", "机构名称"),
    "teachers_registered": ("教师注册人数", "教师注册数", "已注册教师数", "注册教师数"),
    "teachers": ("教师总数", "教师人数", "教师数", "教职工数", "在职教师数"),
    "students_registered": ("学生注册人数", "学生注册数", "已注册学生数", "注册学生数"),
    "students": ("在校学生数", "在校生数", "学生总数", "学生人数", "学生数"),
    "parents_registered": ("家长注册人数", "家长注册数", "已注册家长数", "注册家长数"),
}
COUNT_FIELDS = ("teachers_registered", "teachers", "students_registered", "students", "parents_registered")
REGISTERED_OF = (("teachers_registered", "teachers"), ("students_registered", "students"))  # at most all of them
TOTAL_ROWS = frozenset({"合计", "总计", "小计", "全县", "总数"})
HEADER_SEARCH_ROWS = 5
MAX_PROBLEMS = 20
MAX_COUNT = 10_000_000


@dataclass(frozen=True)
class SheetRegistration:
    row: int
    school_code: str  # empty when the export names the school only
    school_name: str
    counts: dict[str, int]


def read_sheet(data: bytes, filename: str) -> list[SheetRegistration]:
    """The schools' rows, checked; raises InvalidInput naming missing columns or every bad cell (the first 20)."""
    rows = worksheet_rows(data, filename)
    found = None
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _match([_header(c) for c in cells])
        if found is None or len(columns) > len(found[1]):
            found = (index, columns, [_header(c) for c in cells])
    if found is None:
        raise InvalidInput(f"{filename}: the sheet is empty")
    header_at, columns, names = found
    header_row = rows[header_at][0]
    missing = [SYNONYMS[f][0] for f in COUNT_FIELDS if f not in columns]
    if "school_code" not in columns and "school_name" not in columns:
        missing.insert(0, "学校代码 or 学校名称")
    if missing:
        raise InvalidInput(
            f"{filename} row {header_row}: missing column {', '.join(missing)}",
            details=[{"path": f"row {header_row}", "message": f"missing column {m} (also accepted: "
                      f"{', '.join(_synonyms_of(m)[1:]) or 'no other name'})"} for m in missing])

    def where(field: str) -> str:
        index = columns[field]
        return f"column {get_column_letter(index + 1)} ({names[index]})"

    problems: list[dict[str, Any]] = []
    result: list[SheetRegistration] = []
    for number, cells in rows[header_at + 1:]:
        def cell(field: str) -> Any:
            index = columns.get(field)
            return cells[index] if index is not None and index < len(cells) else None

        code, name = text(cell("school_code")), text(cell("school_name"))
        if not code and not name:
            if any(not blank(c) for c in cells):
                field = "school_code" if "school_code" in columns else "school_name"
                problems.append(problem(number, where(field), "names no school"))
            continue
        if code in TOTAL_ROWS or name in TOTAL_ROWS or name.endswith("合计"):
            continue
        counts: dict[str, int] = {}
        for field in COUNT_FIELDS:
            parsed = whole_number(cell(field), MAX_COUNT)
            if isinstance(parsed, str):
                problems.append(problem(number, where(field), parsed))
            else:
                counts[field] = parsed
        over = [(registered, total) for registered, total in REGISTERED_OF
                if registered in counts and total in counts and counts[registered] > counts[total]]
        for registered, total in over:
            problems.append(problem(number, where(registered), f"{counts[registered]} registered is more than the "
                                                               f"{counts[total]} of {names[columns[total]]}"))
        if len(counts) == len(COUNT_FIELDS) and not over:
            result.append(SheetRegistration(number, code, name, counts))
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InvalidInput(f"{filename} {problems[0]['message']}{more}", details=problems[:MAX_PROBLEMS])
    if not result:
        raise InvalidInput(f"{filename}: no school rows below the header (row {header_row})")
    return result


def _synonyms_of(name: str) -> tuple[str, ...]:
    return next((names for names in SYNONYMS.values() if names[0] == name), (name,))


def _match(names: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for field, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            if synonym in names:
                columns[field] = names.index(synonym)
                break
    return columns




def _header(value: Any) -> str:
    return re.sub(r"[（(][^）)]*[）)]$", "", header_text(value))  # 教师总数（人） reads as 教师总数







