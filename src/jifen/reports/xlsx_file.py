"""A score report as an Excel workbook a bureau keeps: title row, frozen bold header, 0.00 points."""

from __future__ import annotations

import unicodedata
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.cell import WriteOnlyCell

from jifen.reports.sheet import Cell, Sheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POINTS_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60  # a long school name wraps past this rather than pushing the figures off screen


def render(sheet: Sheet) -> bytes:
    """The workbook's bytes: row 1 the title, row 2 the headers (frozen below), then one row per member."""
    return render_book([sheet])


def render_book(sheets: list[Sheet]) -> bytes:
    """One workbook of several sheets, each laid out as ``render`` lays out one. Written row by row (openpyxl's
    write-only mode): a region's hundred thousand teachers in a few seconds rather than many."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        _fill(book.create_sheet(sheet.name[:31]), sheet)  # Excel's limit on a sheet's name
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(ws: Any, sheet: Sheet) -> None:
    """Widths and the frozen panes first (write-only mode sets them before any row), then the rows."""
    ws.freeze_panes = "A3"
    for index, header in enumerate(sheet.headers):
        values = [header, *(row[index] for row in sheet.rows)]
        ws.column_dimensions[get_column_letter(index + 1)].width = min(max(_width(v) for v in values) + 2, MAX_WIDTH)
    ws.append([_cell(ws, sheet.title, font=Font(bold=True, size=13))])
    bold = Font(bold=True)
    ws.append([_cell(ws, header, font=bold) for header in sheet.headers])
    formats = {**{c: POINTS_FORMAT for c in sheet.numeric}, **{c: PERCENT_FORMAT for c in sheet.percent}}
    for values in sheet.rows:
        ws.append([_cell(ws, v, number_format=formats[n]) if n in formats and v is not None else v
                   for n, v in enumerate(values)])


def _cell(ws: Any, value: Cell, *, font: Font | None = None, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _width(value: Cell) -> int:
    """Display width in Excel's character units: a Chinese character takes two."""
    if isinstance(value, float):
        value = f"{value:.2f}"
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
