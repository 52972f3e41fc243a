"""Files the API answers with: a Chinese file name for browsers (``filename*``) and an ASCII one for the rest."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Response

from jifen.reports import csv_file, xlsx_file
from jifen.reports.sheet import Sheet


def disposition(filename: str, fallback: str, how: str = "attachment") -> str:
    """A Content-Disposition header: ``filename`` in UTF-8, ``fallback`` made ASCII."""
    return f"{how}; filename=\"{re.sub(r'[^A-Za-z0-9_.-]', '_', fallback)}\"; filename*=UTF-8''{quote(filename)}"


def sheet_file(sheet: Sheet, kind: str, fallback_stem: str) -> Response:
    """A sheet as an xlsx or csv attachment."""
    if kind == "xlsx":
        body, media_type = xlsx_file.render(sheet), xlsx_file.MEDIA_TYPE
    else:
        body, media_type = csv_file.render(sheet).encode("utf-8"), csv_file.MEDIA_TYPE
    return Response(content=body, media_type=media_type,
                    headers={"Content-Disposition": disposition(f"{sheet.filename}.{kind}", f"{fallback_stem}.{kind}")})
