"""A score report as CSV: UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly."""

from __future__ import annotations

import csv
from io import StringIO

from jifen.reports.sheet import Sheet

MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


def render(sheet: Sheet) -> str:
    """The header row and the data rows; the title is left out so every line is a record."""
    out = StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    writer.writerows(["" if v is None else v for v in row] for row in sheet.rows)
    return BOM + out.getvalue()
