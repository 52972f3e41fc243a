"""The pages' contents and scopes: the teacher desk, rules, a month's explanation, the admins' 评分报表."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web_region import THIS_MONTH_OPERATIONS, Region, page_csrf, sign_in
from fastapi.testclient import TestClient

from jifen.web.pages import vendor
from jifen.web.sessions import CSRF_HEADER


def figure(html: str, test_id: str) -> str:
    found = re.search(rf'data-testid="{test_id}">([^<]*)<', html)
    assert found, test_id
    return found.group(1).strip()


def test_the_teacher_desk_shows_the_card_of_the_api(client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    page = client.get("/")
    assert page.status_code == 200
    card = client.get("/api/v1/cards/teachers/t1")  # the session cookie is accepted by the API
    assert card.status_code == 200, card.text
    data = card.json()
    assert figure(page.text, "annual-points") == f"{data['annual_points']:.2f}"
    assert figure(page.text, "last-month-points") == f"{data['last_month']['points']:.2f}"
    assert figure(page.text, "this-month-operations") == str(data["this_month"]["qualified_operations"])
    assert data["this_month"]["qualified_operations"] == THIS_MONTH_OPERATIONS
    assert data["last_month"]["month"] == str(region.last_month)
    for label in ("工作桌面", "年度积分", "上月增加", "本月积分操作", "月度积分走势", "李老师"):
        assert label in page.text
    assert "李老师（t1），学校S1（S1）" in page.text, "the desk names the teacher's school"
    assert 'data-url="/api/v1/histories/teachers/t1?months=12"' in page.text


def test_this_months_operations_come_twenty_a_page(client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    first = client.get("/?page=1").text
    table = first.split('data-testid="operations"', 1)[1].split("</table>", 1)[0]
    for header in ("指标分类", "指标名称", "赋分对象", "来源应用", "操作日期"):
        assert header in table
    assert table.count("<tr><td>") == 20
    assert "研修活动" in table and "希沃白板5" in table and "教师" in table
    assert f"共 {THIS_MONTH_OPERATIONS} 条" in first and "第 1 / 2 页" in first and "下一页" in first
    second = client.get("/?page=2").text
    rows = second.split('data-testid="operations"', 1)[1].split("</table>", 1)[0].count("<tr><td>")
    assert rows == THIS_MONTH_OPERATIONS - 20 and "上一页" in second
    assert "线上备课" in second and "鸿合π6" in second


def test_a_page_past_the_last_says_so_and_links_to_the_first(client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    past = client.get("/?page=3")
    assert past.status_code == 200
    section = past.text.split("本月达标操作", 1)[1].split("</section>", 1)[0]
    assert f"共 {THIS_MONTH_OPERATIONS} 条" in section
    assert "还没有达标操作" not in section, "the month has operations: the page is only past the end"
    assert 'data-testid="past-the-end"' in section and "第 3 页超出范围" in section and "共 2 页" in section
    assert 'href="?page=1"' in section


def test_a_month_without_reports_says_there_were_none(client: TestClient, region: Region) -> None:
    sign_in(client, "teacher2")
    page = client.get(f"/teachers/t2/months/{region.before}")  # t2 sent nothing that month
    assert page.status_code == 200
    section = page.text.split("未计分的上报", 1)[1].split("</section>", 1)[0]
    assert "均已达标计分" not in section and "全部上报 0 条" not in section
    assert 'data-testid="no-reports"' in section and "没有收到上报" in section
    counted = client.get(f"/teachers/t2/months/{region.last_month}").text  # one report, and it counted
    assert "本月所有上报均已达标计分" in counted.split("未计分的上报", 1)[1]


def test_the_history_api_gives_the_settled_months(client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    history = client.get("/api/v1/histories/teachers/t1?months=12").json()
    months = {m["month"]: m for m in history["months"]}
    assert len(history["months"]) == 12 and history["to"] == str(region.last_month)
    assert months[str(region.last_month)]["settled"] and months[str(region.before)]["settled"]
    card = client.get("/api/v1/cards/teachers/t1").json()
    assert months[str(region.last_month)]["points"] == card["last_month"]["points"]
    assert not months[history["from"]]["settled"]
    assert client.get("/api/v1/histories/teachers/t2").status_code == 403


def test_the_rules_page_lists_every_indicator_with_each_apps_how_to(client: TestClient) -> None:
    sign_in(client, "teacher1")
    page = client.get("/rules").text
    for header in ("指标分类", "指标名称", "指标说明", "赋分对象", "最高积分"):
        assert header in page
    for text in ("线上备课", "互动授课", "教师测评", "校务管理", "每月 20", "每年 240", "学校",
                 "希沃白板5", "新建或打开云课件并同步不少于3次", "名师工作室", "接入中"):
        assert text in page, text
    row = page.split("<td>教师测评</td>", 1)[1].split("</tr>", 1)[0]
    assert "每年 10" in row and "每月" not in row, "the assessment counts once a year"
    assert "计分方法：按全区平均计分" in page and "计分方法：教师测评：当年首次测评计分" in page


def test_a_months_explanation_shows_the_arithmetic_and_the_reports_that_did_not_count(
        client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    page = client.get(f"/teachers/t1/months/{region.last_month}")
    assert page.status_code == 200
    table = page.text.split('data-testid="indicators"', 1)[1].split("</table>", 1)[0]
    for header in ("达标次数", "全区平均", "比值", "得分"):
        assert header in table
    # t1 made 4 lessons, t2 1 and t3 2: the region average is 7/3
    assert "<td>线上备课</td><td class=\"num\">4</td>" in table.replace("\n", "").replace("        ", "")
    assert "2.3333" in table
    refused = page.text.split('data-testid="refused"', 1)[1].split("</table>", 1)[0]
    assert "courseware.sync" in refused and "不达标" in refused and "同步次数为 1，须不少于 3" in refused
    assert "新建或打开云课件并同步不少于3次" in refused, "what the action must be to count"
    assert "李老师（t1）" in page.text and "规则：宁夏回族自治区教育平台应用积分规则（ningxia-2022 第1版）" in page.text
    missing = client.get(f"/teachers/t1/months/{region.this_month}")
    assert missing.status_code == 200 and "尚未结算" in missing.text


def test_a_month_still_running_shows_its_reports_so_far_and_links_to_the_months_beside_it(
        client: TestClient, region: Region) -> None:
    sign_in(client, "teacher1")
    page = client.get(f"/teachers/t1/months/{region.this_month}").text
    assert "该月尚未结算（本月进行中），得分待结算后给出" in page
    table = page.split('data-testid="indicators"', 1)[1].split("</table>", 1)[0].replace("\n", "")
    assert "<td>线上备课</td><td class=\"num\">12</td>" in table.replace("        ", "") and "待结算" in table
    assert "全部上报 22 条" in page and "目前所有上报均已达标" in page
    assert f'href="/teachers/t1/months/{region.last_month}">上个月</a>' in page
    assert f'href="/teachers/t1/months/{region.this_month.next()}">下个月</a>' in page
    future = client.get(f"/teachers/t1/months/{region.this_month.next()}").text
    assert "尚未结算" in future and f'href="/teachers/t1/months/{region.this_month}">上个月</a>' in future


def test_a_teacher_is_refused_another_teachers_pages_and_the_admin_pages(client: TestClient,
                                                                        region: Region) -> None:
    sign_in(client, "teacher1")
    for path in ("/teachers/t2", f"/teachers/t2/months/{region.last_month}", "/units/school/S1",
                 "/units/county/C1", "/units/region/640000"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "无权访问" in page.text and "不在您的权限范围内" in page.text
        assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/cards/teachers/t2")
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"


def test_a_county_admin_sees_the_county_report_and_what_is_in_it_only(client: TestClient, region: Region) -> None:
    sign_in(client, "county1")
    home = client.get("/")
    assert home.status_code == 200
    assert "县区管理员" in home.text and "县区积分报表" in home.text and str(region.last_month) in home.text
    sheet = home.text.split('data-testid="sheet"', 1)[1].split("</table>", 1)[0]
    for header in ("排名", "名称", "代码", "线上备课", "总分", "较上月"):
        assert header in sheet
    assert 'href="/units/school/S1' in sheet and "S2" not in sheet
    assert client.get("/units/school/S1").status_code == 200
    assert client.get("/teachers/t1").status_code == 200
    assert client.get(f"/units/county/C1?month={region.before}").status_code == 200
    for path in ("/units/county/C2", "/units/school/S2", "/teachers/t3", "/units/city/Y1"):
        assert client.get(path).status_code == 403, path


def test_an_assessment_expert_reads_their_countys_pages_and_changes_nothing(client: TestClient,
                                                                         region: Region) -> None:
    sign_in(client, "expert1")
    home = client.get("/")
    assert home.status_code == 200 and "评估专家" in home.text and "县区积分报表" in home.text
    assert client.get("/units/school/S1").status_code == 200
    assert client.get("/units/county/C2").status_code == 403
    adjustment = {"level": "teacher", "code": "t1", "month": str(region.last_month), "indicator": "lesson_prep",
                  "points": 5, "reason": "现场评估"}
    refused = client.post("/api/v1/adjustments", json=adjustment, headers={CSRF_HEADER: page_csrf(home.text)})
    assert refused.status_code == 403
    # a teacher's page of the county, and what its chart and card read, as the page itself
    assert client.get("/teachers/t1").status_code == 200
    assert client.get("/api/v1/histories/teachers/t1").status_code == 200
    assert client.get("/api/v1/cards/teachers/t1").status_code == 200
    assert client.get("/api/v1/histories/teachers/t3").status_code == 403, "t3 is of county C2"


def test_the_region_admin_is_told_when_a_unit_does_not_exist(client: TestClient) -> None:
    sign_in(client, "region1")
    assert "自治区积分报表" in client.get("/").text
    assert client.get("/units/school/NOPE").status_code == 404
    assert client.get("/units/nothing/NOPE").status_code == 404


def test_api_calls_with_the_session_cookie_need_the_csrf_header_to_change_anything(
        client: TestClient, region: Region) -> None:
    sign_in(client, "region1")
    token = page_csrf(client.get("/").text)
    path = f"/api/v1/settlements/{region.last_month}/versions/1/publish"
    refused = client.post(path)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    done = client.post(path, headers={CSRF_HEADER: token})
    assert done.status_code == 200, done.text
    client.cookies.clear()
    assert client.get("/api/v1/cards/teachers/t1").status_code == 401


def test_api_docs_and_charts_use_assets_served_here(client: TestClient) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    if "swagger-ui-bundle.js" in docs.text:
        assert '"validatorUrl": null' in docs.text, "Swagger UI would ask validator.swagger.io"
    if vendor.available("echarts"):
        script = client.get("/static/vendor/echarts/echarts.min.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/vendor/echarts/package.json").status_code == 404  # only the files listed
    assert client.get("/static/charts.js").status_code == 200


def test_without_the_npm_assets_pages_work_and_say_how_to_get_them(client: TestClient, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vendor, "node_modules", lambda: tmp_path)
    sign_in(client, "teacher1")
    page = client.get("/")
    assert page.status_code == 200
    assert "npm ci --prefix src/jifen/web/frontend" in page.text and "echarts.min.js" not in page.text
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 404
    assert "npm ci --prefix src/jifen/web/frontend" in client.get("/api/docs").text


def test_pages_carry_security_headers(client: TestClient) -> None:
    sign_in(client, "teacher1")
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_a_bad_parameter_in_a_page_address_is_a_chinese_page(client: TestClient) -> None:
    sign_in(client, "teacher1")
    for path in ("/?page=abc", "/teachers/t1/months/2026-13"):
        page = client.get(path)
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
        assert "输入有误" in page.text
    assert "path.month" in client.get("/teachers/t1/months/2026-13").text, "the month is in the path, not the query"


def test_an_address_that_is_no_page_is_a_chinese_page_and_an_api_one_the_error_shape(client: TestClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in ("/nonexistent", "/static/nonexistent.css", "/teachers"):
        page = client.get(path, headers=browser)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
        assert "没有这个页面" in page.text and "no such endpoint" not in page.text
        assert client.get(path).json()["error"]["code"] == "not_found", "a client not asking for a page: JSON"
    sign_in(client, "teacher1")
    assert "没有这个页面" in client.get("/nonexistent", headers=browser).text
    api = client.get("/api/v1/nonexistent")
    assert api.status_code == 404 and api.json()["error"]["message"] == "no such endpoint: GET /api/v1/nonexistent"
    assert '<link rel="icon" href="data:,">' in client.get("/").text, "no favicon request from every page"
