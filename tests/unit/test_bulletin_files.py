"""The bulletin rendered from seed 002's April figures: DOCX, HTML and PDF opened and read back."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from fixtures import seed002_april_2023 as seed

from jifen.config import Settings
from jifen.reports import bulletin, bulletin_html, bulletin_pdf, bulletin_text
from jifen.reports.bulletin_data import compose
from jifen.reports.bulletin_findings import Thresholds

EXPECTED = ["贺兰县教育体育局", "关于全县中小学教育云平台应用情况的通报", "各中小学：", "一、基本应用情况",
            "二、存在问题及建议", "三、下一步工作要求", "附件：贺兰县中小学教育云平台月度积分报表（2023年4月）",
            "2023年5月8日"]


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return compose(county_code=seed.COUNTY_CODE, county_name=seed.COUNTY_NAME, month=seed.MONTH, version=2,
                   state="published", indicators=seed.INDICATORS, schools=seed.schools(), previous=seed.previous(),
                   previous_month=seed.PREVIOUS_MONTH, usage=None, issued_on=date(2023, 5, 8),
                   thresholds=Thresholds())


def test_docx_reads_like_a_government_notice(data: dict[str, Any]) -> None:
    rendered = bulletin.render(data, "docx", Settings())
    assert rendered.filename == "贺兰县教育云平台应用情况通报（2023年4月）.docx"
    paragraphs = docx.Document(io.BytesIO(rendered.body)).paragraphs
    texts = [p.text for p in paragraphs]
    assert texts == [b["text"] for b in bulletin_text.blocks(data)]
    for expected in EXPECTED:
        assert expected in texts
    title = paragraphs[1]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].bold and title.runs[0].font.size is not None and title.runs[0].font.size.pt >= 22
    body = next(p for p in paragraphs if p.text.startswith("全县31所学校"))
    fonts = body.runs[0]._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    assert body.paragraph_format.first_line_indent is not None and body.paragraph_format.first_line_indent > 0
    assert [p.alignment for p in paragraphs[-2:]] == [WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT]
    assert texts[-2:] == ["贺兰县教育体育局", "2023年5月8日"]
    heading = paragraphs[texts.index("一、基本应用情况")]
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_html_is_self_contained_and_escaped(data: dict[str, Any]) -> None:
    page = bulletin.render(data, "html", Settings()).body.decode("utf-8")
    for expected in EXPECTED:
        assert expected in page
    assert "贺兰二中由15分降至4.17分" in page
    assert not re.search(r"<(link|script)\b|src=|@import|url\(", page)  # no fetch from anywhere
    hostile = [{"kind": "paragraph", "text": "<script>alert(1)</script>"}]
    assert "&lt;script&gt;" in bulletin_html.render(hostile)


def test_pdf_embeds_a_chinese_font_and_its_text_reads_back(data: dict[str, Any]) -> None:
    rendered = bulletin.render(data, "pdf", Settings())
    reader = pypdf.PdfReader(io.BytesIO(rendered.body))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for expected in EXPECTED:
        assert expected in text
    assert "分值40分-60分的学校有10所：常信小学58.92分" in text
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    descendants = [d.get_object() for f in fonts for d in f.get("/DescendantFonts", [])]
    assert descendants and all("/FontFile2" in d["/FontDescriptor"] for d in descendants)  # embedded TrueType


def test_the_pdf_font_setting_and_a_missing_font(tmp_path: Path) -> None:
    found = bulletin_pdf.find_font()
    assert bulletin_pdf.find_font(found) == found
    with pytest.raises(bulletin_pdf.FontMissing, match="JIFEN_PDF_FONT"):
        bulletin_pdf.find_font(tmp_path / "none.ttf")


def test_no_font_at_all_names_the_setting_and_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulletin_pdf, "KNOWN_FONTS", ())
    monkeypatch.setattr(bulletin_pdf, "_fontconfig_chinese", lambda: [])
    with pytest.raises(bulletin_pdf.FontMissing) as raised:
        bulletin_pdf.find_font()
    assert "JIFEN_PDF_FONT" in raised.value.message and bulletin_pdf.FONT_PACKAGE in raised.value.message


def test_lines_never_start_with_closing_punctuation(data: dict[str, Any]) -> None:
    with bulletin_pdf.document(bulletin_pdf.find_font()) as pdf:
        pdf.set_font(bulletin_pdf.FAMILY, size=16)
        for block in bulletin_text.blocks(data):
            broken = bulletin_pdf.lines(pdf, block["text"], 150)
            assert "".join(broken) == block["text"]
            assert not any(line[0] in bulletin_pdf.NO_LINE_START for line in broken[1:])
            assert not any(line[-1].isdigit() and nxt[0].isdigit() for line, nxt in zip(broken, broken[1:]))
