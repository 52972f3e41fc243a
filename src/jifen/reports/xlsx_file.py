"""A score report as an Excel workbook a bureau keeps: title row, frozen bold header, 0.00 points."""

from __future__ import annotations

import unicodedata
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jifen.reports.sheet import Cell, Sheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POINTS_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60  # a long school name wraps past this rather than pushing the figures off screen


def render(sheet: Sheet) -> bytes:
    """The workbook's bytes: row 1 the title, row 2 the headers (frozen below), then one row per member."""
    return render_book([sheet])


def render_book(sheets: list[Sheet]) -> bytes:
    """One workbook of several sheets, each laid out as ``render`` lays out one."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook always has one sheet
    book.remove(first)
    for sheet in sheets:
        _fill(book.create_sheet(sheet.name[:31]), sheet)  # Excel's limit on a sheet's name
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(ws: Worksheet, sheet: Sheet) -> None:
    ws.append([sheet.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(sheet.headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for values in sheet.rows:
        ws.append(values)
    for columns, number_format in ((sheet.numeric, POINTS_FORMAT), (sheet.percent, PERCENT_FORMAT)):
        for column in columns:
            for (cell,) in ws.iter_rows(min_row=3, min_col=column + 1, max_col=column + 1):
                cell.number_format = number_format
    ws.freeze_panes = "A3"
    for index, header in enumerate(sheet.headers):
        values = [header, *(row[index] for row in sheet.rows)]
        ws.column_dimensions[get_column_letter(index + 1)].width = min(max(_width(v) for v in values) + 2, MAX_WIDTH)


def _width(value: Cell) -> int:
    """Display width in Excel's character units: a Chinese character takes two."""
    if isinstance(value, float):
        value = f"{value:.2f}"
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
