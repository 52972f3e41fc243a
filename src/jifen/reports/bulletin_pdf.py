"""The bulletin as PDF, with a Chinese font embedded (a subset of it) so every reader shows the same text.

The font is a TrueType file or collection: ``JIFEN_PDF_FONT`` if set, else one of the Debian fonts Jifen knows,
else any font fontconfig lists for Chinese. Without one the error names the setting and the package to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align

from jifen.errors import JifenError

MEDIA_TYPE = "application/pdf"
FONT_PACKAGE = "fonts-wqy-microhei"
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
TRUETYPE = (".ttf", ".ttc")
FAMILY = "cjk"
INDENT = "\u3000\u3000"  # two ideographic spaces: the first-line indent of a Chinese paragraph
TOKENS = re.compile(r"[A-Za-z0-9.%+\-]+|.", re.DOTALL)  # a figure or Latin word, else one character
NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’%…·,.;:?!)")  # hang into the margin rather than start a line

# kind -> (size in pt, alignment, indented, space before in mm)
LAYOUT: dict[str, tuple[float, Align, bool, float]] = {
    "head": (22, Align.C, False, 0), "title": (22, Align.C, False, 2), "note": (14, Align.C, False, 2),
    "addressees": (16, Align.L, False, 6), "heading": (16, Align.L, True, 2), "subheading": (16, Align.L, True, 1),
    "paragraph": (16, Align.L, True, 0), "attachment": (16, Align.L, True, 6), "signature": (16, Align.R, False, 14),
    "date": (16, Align.R, False, 0),
}


class FontMissing(JifenError):
    status = 500
    code = "pdf_font_missing"


def find_font(configured: str | Path | None = None) -> Path:
    """The Chinese font to embed: the configured file, else a known Debian font, else one fontconfig lists."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"JIFEN_PDF_FONT={configured} is not a font file")
        return path
    for known in KNOWN_FONTS:
        if Path(known).is_file():
            return Path(known)
    for listed in _fontconfig_chinese():
        if listed.suffix.lower() in TRUETYPE and listed.is_file():
            return listed
    raise FontMissing(f"no Chinese (CJK) TrueType font found for the PDF: install one (apt-get install "
                      f"{FONT_PACKAGE}) or set JIFEN_PDF_FONT to a .ttf or .ttc file")


def _fontconfig_chinese() -> list[Path]:
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, check=False)
    return sorted(Path(line.strip().rstrip(":")) for line in listed.stdout.splitlines() if line.strip())


@contextmanager
def document(font: Path) -> Iterator[FPDF]:
    """An empty A4 document with 公文 margins and ``font`` loaded; the font file is closed on the way out."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(left=28, top=37, right=26)
    pdf.set_auto_page_break(auto=True, margin=35)
    pdf.add_font(FAMILY, "", str(font))
    try:
        yield pdf
    finally:
        for loaded in pdf.fonts.values():  # fontTools reads the font file lazily and keeps it open
            font_file = getattr(loaded, "ttfont", None)
            if font_file is not None:
                font_file.close()


def render(blocks: list[dict[str, Any]], font: Path) -> bytes:
    """The PDF bytes of ``bulletin_text.blocks``: A4, the font's used glyphs embedded."""
    with document(font) as pdf:
        pdf.set_title(" ".join(b["text"] for b in blocks if b["kind"] in ("head", "title")))
        pdf.set_creator("Jifen")
        return _write(pdf, blocks)


def _write(pdf: FPDF, blocks: list[dict[str, Any]]) -> bytes:
    pdf.add_page()
    for block in blocks:
        size, align, indented, before = LAYOUT[block["kind"]]
        pdf.set_font(FAMILY, size=size)
        if before:
            pdf.ln(before)
        text = f"{INDENT}{block['text']}" if indented else block["text"]
        height = size * 0.3528 * 1.6  # pt to mm, with room between lines
        for line in lines(pdf, text, pdf.epw):
            pdf.cell(w=pdf.epw, h=height, text=line, align=align, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break Chinese text between characters to fit ``width`` in the current font. A figure or Latin word stays
    whole (4.17, 2026), and closing punctuation never starts a line: it hangs at the end of the one before."""
    out: list[str] = []
    current = ""
    for token in TOKENS.findall(text):
        if current and token[0] not in NO_LINE_START and pdf.get_string_width(current + token) > width:
            out.append(current)
            current = token
        else:
            current += token
    return [*out, current]
