"""A county's monthly bulletin as files: DOCX, PDF and HTML of the same text, and XLSX attachments.

One dataset (``bulletin_data``), one text (``bulletin_text``), one small renderer per format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from jifen.config import Settings
from jifen.errors import InvalidInput
from jifen.reports import bulletin_data, bulletin_docx, bulletin_html, bulletin_pdf, bulletin_text, sheet_data
from jifen.reports import usage_sheets, xlsx_file
from jifen.reports.sheet import rows

FORMATS = ("docx", "pdf", "html")


@dataclass(frozen=True)
class Rendered:
    """One file of the bulletin: its bytes, media type and file name."""

    body: bytes
    media_type: str
    filename: str


def document_name(data: dict[str, Any]) -> str:
    """贺兰县教育云平台应用情况通报（2023年4月）: the documents' file name, without the extension."""
    return f"{data['county_name']}教育云平台应用情况通报（{data['month_label']}）"


def render(data: dict[str, Any], kind: str, settings: Settings) -> Rendered:
    """The bulletin in one format: docx, pdf or html."""
    blocks = bulletin_text.blocks(data)
    name = f"{document_name(data)}.{kind}"
    if kind == "docx":
        return Rendered(bulletin_docx.render(blocks), bulletin_docx.MEDIA_TYPE, name)
    if kind == "pdf":
        font = bulletin_pdf.find_font(settings.pdf_font)
        return Rendered(bulletin_pdf.render(blocks, font), bulletin_pdf.MEDIA_TYPE, name)
    if kind == "html":
        return Rendered(bulletin_html.render(blocks).encode("utf-8"), bulletin_html.MEDIA_TYPE, name)
    raise InvalidInput(f"format {kind!r} is not one of {', '.join(FORMATS)}")


def attachments(connection: Connection, data: dict[str, Any]) -> list[Rendered]:
    """The attachments: the county's 评分报表 of the same settlement version, one row per school, with the
    supplied figures as further sheets; then the project classrooms' use, when schools reported it."""
    points = rows("county", sheet_data.dataset(connection, "county", data["county_code"], data["month"],
                                               data["version"]))
    usage = data.get("usage") or {}
    first = [points, *(usage_sheets.figures(usage, data["county_name"], data["month_label"])
                       if usage_sheets.has_figures(usage) else [])]
    books = [first]
    if usage_sheets.has_classrooms(usage):
        books.append(usage_sheets.classrooms(usage, data["county_name"], data["month_label"]))
    names = data["attachments"]
    numbered = len(names) > 1
    return [Rendered(xlsx_file.render_book(sheets), xlsx_file.MEDIA_TYPE,
                     f"附件{n if numbered else ''}_{name}.xlsx")
            for n, (sheets, name) in enumerate(zip(books, names, strict=True), 1)]


def write(connection: Connection, county_code: str, month: str, out: Path, settings: Settings, *,
          issued_on: date) -> tuple[dict[str, Any], list[Path]]:
    """Write the DOCX, PDF, HTML and the XLSX attachment into ``out`` (made if missing); the dataset and paths.

    Everything is rendered before anything is written, so a missing PDF font leaves no partial bulletin."""
    data = bulletin_data.dataset(connection, county_code, month, settings, issued_on=issued_on)
    files = [render(data, kind, settings) for kind in FORMATS] + attachments(connection, data)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for file in files:
        path = out / file.filename
        path.write_bytes(file.body)
        paths.append(path)
    return data, paths
