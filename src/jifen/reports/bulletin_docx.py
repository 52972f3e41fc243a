"""The bulletin as a Word document laid out like a government notice (公文).

Title centred in 小标宋/宋体 二号 bold; body 仿宋 三号 with a first-line indent of two characters; 一级 headings in
黑体, 二级 in 楷体; issuing body and date right-aligned at the end. Chinese font names are written to
``w:eastAsia`` as Word reads them for Chinese text (python-docx's ``font.name`` sets only the Latin ones).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.run import Run

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT, TITLE_FONT, HEADING_FONT, SUBHEADING_FONT = "仿宋", "宋体", "黑体", "楷体"
BODY_SIZE, TITLE_SIZE = Pt(16), Pt(22)  # 三号, 二号

# kind -> (East-Asian font, size, bold, alignment, first-line indent in characters)
LAYOUT: dict[str, tuple[str, Pt, bool, WD_ALIGN_PARAGRAPH, int]] = {
    "head": (TITLE_FONT, TITLE_SIZE, True, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "title": (TITLE_FONT, TITLE_SIZE, True, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "note": (SUBHEADING_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "addressees": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "heading": (HEADING_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "subheading": (SUBHEADING_FONT, BODY_SIZE, True, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "paragraph": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "attachment": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "signature": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "date": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
}


def render(blocks: list[dict[str, Any]]) -> bytes:
    """The .docx bytes of ``bulletin_text.blocks``: A4, 公文 margins, one paragraph per block."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE  # type: ignore[attr-defined]
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)  # type: ignore[attr-defined]
    for block in blocks:
        font, size, bold, alignment, indent = LAYOUT[block["kind"]]
        paragraph = document.add_paragraph()
        paragraph.alignment = alignment
        layout = paragraph.paragraph_format
        layout.first_line_indent = Pt(size.pt * indent) if indent else None
        layout.line_spacing = Pt(28) if block["kind"] not in ("head", "title") else Pt(36)
        layout.space_after = Pt(12) if block["kind"] in ("title", "attachment") else Pt(0)
        if block["kind"] == "signature":
            layout.space_before = Pt(32)
        run = paragraph.add_run(block["text"])
        _font(run, font, size, bold)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _font(run: Run, name: str, size: Pt, bold: bool) -> None:
    run.font.size = size
    run.font.bold = bold
    run.font.name = name
    _east_asian(run._element.get_or_add_rPr(), name)


def _east_asian(rpr: Any, name: str) -> None:
    """Set w:rFonts/@w:eastAsia (and the Latin names) to ``name``."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), name)
