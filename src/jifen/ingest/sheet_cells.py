"""Cells of an uploaded workbook as a bureau fills it: rows of values, headers, texts and whole numbers, each
problem named by row and column. Shared by the sheets schools and bureaus upload (usage, registration)."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import openpyxl

from jifen.errors import InvalidInput

_WHOLE = re.compile(r"\d[\d,]*(\.0*)?")  # 1234, 1,234 and 1234.0 as spreadsheets write them


def worksheet_rows(data: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    """(row number, values) of the first worksheet; refused, naming the file, when it is not a workbook."""
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(f"{filename}: not an XLSX workbook ({type(exc).__name__})") from None
    try:
        ws = book.worksheets[0]
        return [(number, list(values)) for number, values in enumerate(ws.iter_rows(values_only=True), 1)]
    finally:
        book.close()


def header_text(value: Any) -> str:
    """A header cell without its spaces and line breaks."""
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text: a code typed as a number (640104001.0) reads as written."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def whole_number(value: Any, limit: int) -> int | str:
    """A count from 0 to ``limit``, or what is wrong with the cell."""
    if blank(value):
        return "empty; write 0 when there is none"
    if isinstance(value, bool):
        return f"{value!r} is not a whole number"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = float(value.strip().replace(",", ""))
    else:
        return f"{value!r} is not a whole number"
    if not number.is_integer():
        return f"{value!r} is not a whole number"
    if not 0 <= number <= limit:
        return f"{int(number)} is not between 0 and {limit}"
    return int(number)


def problem(row: int, where: str, message: str) -> dict[str, Any]:
    """One problem of a sheet, in the shape of the error details."""
    return {"path": f"row {row}, {where}", "message": f"row {row}, {where}: {message}"}
