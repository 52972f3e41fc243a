"""GET /api/v1/counties/{county_code}/bulletin: the bulletin for a county's admins and those above them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import docx
import openpyxl
import pypdf
import pytest
from fastapi.testclient import TestClient

from factories import CST, api_error, at, op, row
from jifen.access.service import add_user
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.web.app import create_app

MONTH = "2026-09"
NOW = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
REGION = ("640000", "宁夏回族自治区")
C1, C2 = "640122", "640202"


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]

    def get(self, who: str | None, county: str = C1, **params: Any) -> Any:
        headers = {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.get(f"/api/v1/counties/{county}/bulletin", params={"month": MONTH, **params},
                               headers=headers)


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Api]:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "640122001", county_code=C1, county_name="贺兰县", city_code="640100",
                             school_name="贺兰三中"),
                         row("T2", "640202001", county_code=C2, city_code="640200")], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("teaching.session", teacher="T1", duration=900, when=at(3))], NOW)
    settle_month(runtime.database, runtime.ruleset, Month.parse(MONTH), REGION, NOW)
    users = {"school": ("school_admin", "640122001"), "county": ("county_admin", C1),
             "other_county": ("county_admin", C2), "city": ("city_admin", "640100"),
             "other_city": ("city_admin", "640200"), "region": ("region_admin", REGION[0])}
    tokens = {name: add_user(runtime.database, name, role, scope, REGION[0], NOW)
              for name, (role, scope) in users.items()}
    with TestClient(create_app(runtime)) as client:
        yield Api(client, tokens)


@pytest.mark.parametrize("who", ["county", "city", "region"])
def test_the_county_and_those_above_it_read_the_preview(api: Api, who: str) -> None:
    response = api.get(who)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("inline;")
    page = response.text
    assert "贺兰县教育体育局" in page and "关于全县中小学教育云平台应用情况的通报" in page and "贺兰三中" in page


@pytest.mark.parametrize("who", ["school", "other_county", "other_city"])
def test_others_are_refused(api: Api, who: str) -> None:
    error = api_error(api.get(who), 403, "forbidden")
    assert who in error["message"]


def test_no_token_and_a_county_not_settled(api: Api) -> None:
    api_error(api.get(None), 401, "unauthorized")
    api_error(api.get("region", county="649999"), 404, "not_found")
    api_error(api.get("county", county="649999"), 403, "forbidden")
    api_error(api.get("county", month="2026-08"), 404, "not_settled")


def test_bad_month_and_format_are_named(api: Api) -> None:
    error = api_error(api.get("county", month="2026-13"), 422, "invalid")
    assert "month" in error["message"]
    api_error(api.get("county", format="xls"), 422, "invalid")
    api_error(api.get("county", format="xlsx", attachment=0), 422, "invalid")


def test_the_attachment_downloads_as_xlsx(api: Api) -> None:
    response = api.get("county", format="xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    assert quote("贺兰县中小学教育云平台月度积分报表（2026年9月）") in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for r in book.worksheets[0].iter_rows(values_only=True) for c in r if c is not None]
    assert "贺兰三中" in cells and "总分" in cells
    error = api_error(api.get("county", format="xlsx", attachment=2), 404, "not_found")
    assert "1 attachment" in error["message"]


def test_docx_and_pdf_downloads(api: Api) -> None:
    name = quote("贺兰县教育云平台应用情况通报（2026年9月）")
    response = api.get("county", format="docx")
    assert response.status_code == 200
    assert f"filename*=UTF-8''{name}.docx" in response.headers["content-disposition"]
    assert response.headers["content-disposition"].startswith("attachment;")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs[0] == "贺兰县教育体育局" and "二、存在问题及建议" in paragraphs
    response = api.get("city", format="pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "贺兰县教育体育局" in text
