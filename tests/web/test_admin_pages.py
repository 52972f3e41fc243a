"""The admins' pages: the 评分报表 with sorting, filtering and downloads, the charts' JSON, the review list,
settlement versions with the publish form, and the county bulletin, each within the user's scope."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from factories import op, row
from fastapi.testclient import TestClient
from web_region import Region, page_csrf, sign_in

from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store import settlements as settlements_repo
from jifen.web.pages import admin_table


def sheet_rows(html: str) -> list[list[str]]:
    table = html.split('data-testid="sheet"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        rows.append(cells)
    return rows


def test_a_school_report_lists_every_teacher_with_points_and_links_to_their_month(
        client: TestClient, region: Region) -> None:
    sign_in(client, "school1")
    page = client.get("/")
    assert page.status_code == 200
    assert "学校积分报表" in page.text and "第1版 草稿" in page.text
    rows = sheet_rows(page.text)
    assert [r[1] for r in rows] == ["李老师", "王老师"] and [r[2] for r in rows] == ["t1", "t2"]
    assert rows[0][0] == "1" and rows[0][3] == "17.14"  # 线上备课: t1 made 4 of a region average of 7/3
    assert f'href="/teachers/t1/months/{region.last_month}"' in page.text
    head = page.text.split('data-testid="sheet"', 1)[1].split("</thead>", 1)[0]
    for label in ("排名", "姓名", "代码", "线上备课", "互动授课", "总分", "较上月"):
        assert label in head
    assert "校务管理" not in head  # a teacher has no school indicators
    makeup = re.search(r'data-testid="school-makeup">总分 ([\d.]+) = 教师平均分 ([\d.]+) \+ 学校指标得分 ([\d.]+)',
                       page.text)
    assert makeup is not None, "the page says how the school's total is made"
    total, average, own = (Decimal(x) for x in makeup.groups())
    assert total == average + own
    assert abs(average - (Decimal(rows[0][-2]) + Decimal(rows[1][-2])) / 2) <= Decimal("0.01")


def test_names_sort_in_pinyin_order() -> None:
    names = ["兴庆区", "永宁县", "灵武市", "西夏区", "贺兰县", "金凤区"]
    sheet = {"indicators": [], "rows": [{"rank": n, "name": name, "code": f"C{n}", "points": {}, "total": 50,
                                         "change": None} for n, name in enumerate(names, start=1)]}
    rows = admin_table.table(sheet, "county", admin_table.Query(sort="name"), 60, 40).rows
    assert [r["name"] for r in rows] == ["贺兰县", "金凤区", "灵武市", "西夏区", "兴庆区", "永宁县"]
    backwards = admin_table.table(sheet, "county", admin_table.Query(sort="name", order="desc"), 60, 40).rows
    assert [r["name"] for r in backwards][0] == "永宁县"


def test_the_table_sorts_empty_values_last_and_keeps_the_band_edges() -> None:
    sheet = {"indicators": [{"code": "lesson_prep", "name": "线上备课"}], "rows": [
        {"rank": 1, "name": "甲", "code": "A", "points": {"lesson_prep": 20}, "total": 60, "change": None},
        {"rank": 2, "name": "乙", "code": "B", "points": {"lesson_prep": 5}, "total": 40, "change": -2},
        {"rank": 3, "name": "丙", "code": "C", "points": {}, "total": 39.99, "change": 3}]}

    def codes(**query: str) -> list[str]:
        return [r["code"] for r in admin_table.table(sheet, "school", admin_table.Query(**query), 60, 40).rows]

    assert codes(sort="change", order="desc") == ["C", "B", "A"] and codes(sort="change") == ["B", "C", "A"]
    assert codes(sort="lesson_prep", order="asc") == ["B", "A", "C"]
    assert codes(band="high") == ["A"] and codes(band="middle") == ["B"] and codes(band="low") == ["C"]
    assert codes(q="乙") == ["B"] and codes(q="c") == ["C"] and codes(sort="name'--") == ["A", "B", "C"]


def test_sorting_and_filtering_happen_on_the_server(client: TestClient, region: Region) -> None:
    sign_in(client, "school1")
    ascending = sheet_rows(client.get(f"/units/school/S1?month={region.last_month}&sort=total&order=asc").text)
    assert [r[2] for r in ascending] == ["t2", "t1"]
    by_name = sheet_rows(client.get("/units/school/S1?sort=code&order=desc").text)
    assert [r[2] for r in by_name] == ["t2", "t1"]
    assert [r[2] for r in sheet_rows(client.get("/units/school/S1?q=王").text)] == ["t2"]
    assert [r[2] for r in sheet_rows(client.get("/units/school/S1?q=T1").text)] == ["t1"]
    low = client.get("/units/school/S1?band=low").text
    assert [r[2] for r in sheet_rows(low)] == ["t1", "t2"] and "显示 2 / 2" in low
    high = client.get("/units/school/S1?band=high").text
    assert "没有符合条件的教师" in high and "显示 0 / 2" in high
    page = client.get("/units/school/S1?sort=total&order=desc&q=t").text
    assert "sort=total&amp;order=asc" in page  # the header of the sorted column turns the order round
    assert client.get("/units/school/S1?sort=nonsense&band=nonsense").status_code == 200


def test_the_month_picker_lists_settled_months_with_their_versions(client: TestClient, region: Region) -> None:
    sign_in(client, "county1")
    page = client.get("/units/county/C1").text
    picker = page.split('data-testid="month-picker"', 1)[1].split("</form>", 1)[0]
    assert f"{region.last_month}（第1版 草稿）" in picker and f"{region.before}（第1版 草稿）" in picker
    before = client.get(f"/units/county/C1?month={region.before}")
    assert before.status_code == 200 and f"{region.before} 县区积分报表" in before.text
    missing = client.get(f"/units/county/C1?month={region.this_month}")
    assert missing.status_code == 200 and "尚未结算" in missing.text
    assert "县区评分报表 <span class=\"muted\">县C1 C1</span>" in missing.text, "named from the roster"


def test_a_month_not_settled_names_the_unit_only_within_the_users_scope(client: TestClient, region: Region) -> None:
    sign_in(client, "school1")
    own = client.get(f"/units/school/S1?month={region.this_month}").text
    assert "尚未结算" in own and "学校S1 S1" in own
    elsewhere = client.get(f"/units/county/C2?month={region.this_month}").text
    assert "县C2" not in elsewhere, "a unit outside the user's scope is not named"


def test_the_download_buttons_give_the_report_files_with_the_session_cookie(client: TestClient,
                                                                           region: Region) -> None:
    sign_in(client, "county1")
    page = client.get("/").text
    xlsx = re.search(r'href="([^"]+)" data-testid="download-xlsx"', page)
    csv = re.search(r'href="([^"]+)" data-testid="download-csv"', page)
    assert xlsx and csv
    workbook = client.get(xlsx.group(1).replace("&amp;", "&"))
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert "attachment" in workbook.headers["content-disposition"]
    text = client.get(csv.group(1).replace("&amp;", "&"))
    assert text.status_code == 200 and "学校S1" in text.text and "线上备课" in text.text
    credits = re.search(r'href="([^"]+)" data-testid="download-credits" download>(\d{4}) 年继续教育学分', page)
    assert credits, "the year's continuing-education credits of the unit's teachers"
    book = client.get(credits.group(1).replace("&amp;", "&"))
    assert book.status_code == 200 and book.content[:2] == b"PK" and "attachment" in book.headers["content-disposition"]


def test_an_expert_reads_the_report_and_its_files_of_their_county_only(client: TestClient, region: Region) -> None:
    sign_in(client, "expert1")
    page = client.get("/units/county/C1").text
    assert "县区积分报表" in page and 'data-testid="download-xlsx"' in page
    assert client.get(f"/api/v1/charts/counties/C1/ranking?month={region.last_month}").status_code == 200
    month = str(region.last_month)
    assert client.get(f"/api/v1/reports/counties/C1?month={month}").json()["county_code"] == "C1"
    workbook = client.get(f"/api/v1/reports/counties/C1?month={month}&format=xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert client.get(f"/api/v1/reports/schools/S1?month={month}").status_code == 200
    assert client.get(f"/api/v1/reports/counties/C2?month={month}").status_code == 403
    assert client.get(f"/api/v1/reports/regions/640000?month={month}").status_code == 403


def test_the_chart_endpoints_give_ranking_radar_and_trend(client: TestClient, region: Region) -> None:
    sign_in(client, "city1")
    month = str(region.last_month)
    ranking = client.get(f"/api/v1/charts/cities/Y1/ranking?month={month}").json()
    assert [(m["code"], m["total"], m["rank"]) for m in ranking["members"]] == [("C1", 10.71, 1), ("C2", 8.57, 2)]
    radar = client.get(f"/api/v1/charts/counties/C1/radar?month={month}").json()
    lesson = next(i for i in radar["indicators"] if i["code"] == "lesson_prep")
    # C1's only school S1 has 10.71; the region's counties C1 and C2 average (10.71 + 8.57) / 2
    assert lesson == {"code": "lesson_prep", "name": "线上备课", "max": 20, "points": 10.71, "region_mean": 9.64}
    assert radar["peers"] == 2 and len(radar["indicators"]) == 12
    school = client.get(f"/api/v1/charts/schools/S2/radar?month={month}").json()
    assert next(i for i in school["indicators"] if i["code"] == "lesson_prep")["region_mean"] == 9.64
    trend = client.get("/api/v1/charts/counties/C1/trend").json()
    assert len(trend["months"]) == 12 and trend["to"] == month
    settled = [m for m in trend["months"] if m["settled"]]
    assert [m["month"] for m in settled] == [str(region.before), month]
    assert settled[-1]["total"] == 10.71 and settled[-1]["state"] == "draft"


def test_the_chart_endpoints_keep_to_the_users_scope(client: TestClient, region: Region) -> None:
    month = str(region.last_month)
    sign_in(client, "county1")
    refused = client.get(f"/api/v1/charts/counties/C2/radar?month={month}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/charts/cities/Y1/trend").status_code == 403
    assert client.get("/api/v1/charts/teachers/t1/trend").status_code == 404
    bad = client.get("/api/v1/charts/counties/C1/radar?month=2026-13")
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["path"] == "query.month"
    client.cookies.clear()
    sign_in(client, "region1")
    assert client.get(f"/api/v1/charts/schools/NOPE/ranking?month={month}").status_code == 404
    assert client.get(f"/api/v1/charts/regions/640000/ranking?month={month}").json()["members"][0]["code"] == "Y1"


def test_the_report_page_carries_the_charts_that_read_the_api(client: TestClient, region: Region) -> None:
    sign_in(client, "county1")
    page = client.get("/").text
    for kind in ("ranking", "radar", "trend"):
        assert f'data-chart="{kind}" data-url="/api/v1/charts/counties/C1/{kind}' in page
    assert '<script src="/static/charts.js"></script>' in page
    assert client.get("/static/charts.js").status_code == 200


def test_the_review_list_is_on_the_school_and_county_pages(client: TestClient, region: Region) -> None:
    sign_in(client, "county1")
    county = client.get("/").text
    assert 'data-testid="review"' in county and "待核查" in county
    school = client.get("/units/school/S1").text
    assert 'data-testid="review"' in school
    client.cookies.clear()
    sign_in(client, "city1")
    assert 'data-testid="review"' not in client.get("/").text  # a city's report has none


def test_the_review_list_names_an_unusual_count(client: TestClient, runtime: Runtime, region: Region) -> None:
    """Seven teachers on the roster; t1 alone made 3 research activities: over 5 times the average of 3/7."""
    now = datetime.now(UTC)
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    extra = [row(f"t{n}", "S1", county_code="C1", city_code="Y1", teacher_name=f"教师{n}") for n in range(4, 8)]
    import_rows(ingest, [row("t1", "S1", county_code="C1", city_code="Y1", teacher_name="李老师"),
                         row("t2", "S1", county_code="C1", city_code="Y1", teacher_name="王老师"),
                         row("t3", "S2", county_code="C2", city_code="Y1", teacher_name="张老师"), *extra],
                full=True, now=now)
    start = region.last_month.start(runtime.tz) + timedelta(days=3, hours=9)
    research = [op("research.activity", teacher="t1", when=(start + timedelta(minutes=i)).isoformat())
                for i in range(3)]
    assert {r.status for r in ingest.submit("seewo-easinote5", research, now)} == {"qualified"}
    settle_month(runtime.database, runtime.rulebook.for_month(region.last_month), region.last_month,
                 (runtime.settings.region_code, runtime.settings.region_name), now, runtime.tz)
    sign_in(client, "school1")
    review = client.get("/").text.split('data-testid="review"', 1)[1].split("</section>", 1)[0]
    assert "李老师" in review and "研修活动" in review and "t1" in review
    assert f'href="/teachers/t1/months/{region.last_month}"' in review
    client.cookies.clear()
    sign_in(client, "county1")
    assert "李老师" in client.get("/").text.split('data-testid="review"', 1)[1].split("</section>", 1)[0]


def test_navigation_shows_each_role_its_pages(client: TestClient, region: Region) -> None:
    sign_in(client, "county1")
    nav = client.get("/").text.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    for label in ("评分报表", "结算版本", "月度通报", "教室使用"):
        assert label in nav, label
    client.cookies.clear()
    sign_in(client, "school1")
    nav = client.get("/").text.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert "教室使用" in nav and "结算版本" not in nav and "月度通报" not in nav
    client.cookies.clear()
    sign_in(client, "expert1")
    nav = client.get("/").text.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert "评分报表" in nav and "结算版本" not in nav and "教室使用" not in nav


def resettle_with_a_late_report(runtime: Runtime, region: Region) -> None:
    """t2 reports two more lessons of last month; the month is settled again: version 2, a draft."""
    now = datetime.now(UTC)
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    when = (region.last_month.start(runtime.tz) + timedelta(days=9, hours=9)).isoformat()
    later = (region.last_month.start(runtime.tz) + timedelta(days=9, hours=10)).isoformat()
    late = [op("lesson.create", teacher="t2", when=when), op("lesson.create", teacher="t2", when=later)]
    assert {r.status for r in ingest.submit("hite-pi6", late, now)} == {"qualified"}
    settle_month(runtime.database, runtime.rulebook.for_month(region.last_month), region.last_month,
                 (runtime.settings.region_code, runtime.settings.region_name), now, runtime.tz)


def test_the_versions_page_lists_the_months_versions_and_what_changed(client: TestClient, runtime: Runtime,
                                                                     region: Region) -> None:
    resettle_with_a_late_report(runtime, region)
    sign_in(client, "county1")
    assert client.get("/settlements").headers["location"] == f"/settlements/{region.last_month}"
    page = client.get(f"/settlements/{region.last_month}")
    assert page.status_code == 200
    versions = page.text.split('data-testid="versions"', 1)[1].split("</table>", 1)[0]
    assert "第1版" in versions and "第2版" in versions and "草稿" in versions
    with runtime.database.read() as connection:
        first = settlements_repo.versions(connection, str(region.last_month))[0]
    assert f"<td>{first.created_at.astimezone(runtime.tz):%Y-%m-%d %H:%M}</td>" in versions, "in the region's time"
    assert 'data-testid="publish-form"' not in page.text and "待自治区管理员发布" in page.text
    diff = page.text.split('data-testid="diff"', 1)[1]
    assert "第1版（草稿）→ 第2版（草稿）" in diff
    assert "王老师" in diff and "线上备课" in diff and "达标次数 1→3" in diff
    assert "张老师" not in diff  # t3 of county C2 is outside county1's scope
    only_schools = client.get(f"/settlements/{region.last_month}?from=1&to=2&level=school").text
    assert "学校变动" in only_schools and "教师变动" not in only_schools.split('data-testid="diff"', 1)[1]


def test_only_the_region_admin_publishes_with_the_csrf_token_and_a_confirmation(
        client: TestClient, runtime: Runtime, region: Region) -> None:
    resettle_with_a_late_report(runtime, region)
    month = str(region.last_month)
    sign_in(client, "county1")
    token = page_csrf(client.get(f"/settlements/{month}").text)
    refused = client.post(f"/settlements/{month}/versions/2/publish", data={"csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 403 and "只有自治区管理员可以发布结算" in refused.text
    client.cookies.clear()
    sign_in(client, "region1")
    page = client.get(f"/settlements/{month}").text
    assert 'data-testid="publish-form"' in page and "确认发布" in page and 'data-confirm="' in page
    token = page_csrf(page)
    forged = client.post(f"/settlements/{month}/versions/2/publish", data={"confirm": "yes"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    unconfirmed = client.post(f"/settlements/{month}/versions/2/publish", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and 'data-testid="versions"' in unconfirmed.text, "the versions page"
    form = unconfirmed.text.split('data-testid="publish-form"', 1)[1].split("</form>", 1)[0]
    assert 'data-testid="publish-error">请勾选“确认发布第2版”后再提交' in form, "the refusal beside the box"
    old = client.post(f"/settlements/{month}/versions/1/publish", data={"csrf_token": token, "confirm": "yes"})
    assert old.status_code == 409  # only the latest version is published
    assert f"第1版不是 {month} 的最新版本，最新为第2版" in old.text, "the refusal in its own Chinese words"
    details = old.text.split('data-testid="error-details"', 1)[1].split("</details>", 1)[0]
    assert "<summary>技术信息" in details and "version 1 of" in details, "the service's words folded away below"
    done = client.post(f"/settlements/{month}/versions/2/publish", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == f"/settlements/{month}?published=2"
    after = client.get(done.headers["location"]).text
    assert "第2版已发布" in after and "已发布" in after.split('data-testid="versions"', 1)[1].split("</table>")[0]
    assert 'data-testid="publish-form"' not in after
    report = client.get(f"/units/region/640000?month={month}").text
    assert "第2版 已发布" in report


def test_the_versions_page_is_for_county_city_and_region_admins(client: TestClient, region: Region) -> None:
    sign_in(client, "school1")
    assert client.get(f"/settlements/{region.last_month}").status_code == 403
    client.cookies.clear()
    sign_in(client, "city1")
    page = client.get(f"/settlements/{region.last_month}")
    assert page.status_code == 200 and "本月只有一个版本" in page.text
    assert "尚未结算" in client.get(f"/settlements/{region.this_month}").text


def test_the_bulletin_page_previews_the_county_bulletin_and_offers_the_files(client: TestClient,
                                                                            region: Region) -> None:
    month = str(region.last_month)
    sign_in(client, "county1")
    assert client.get("/bulletin").headers["location"] == "/counties/C1/bulletin"
    page = client.get("/counties/C1/bulletin")
    assert page.status_code == 200 and "县C1" in page.text and "第1版 草稿" in page.text
    preview = re.search(r'<iframe class="preview" src="([^"]+)"', page.text)
    assert preview and preview.group(1) == f"/api/v1/counties/C1/bulletin?month={month}&amp;format=html"
    html = client.get(preview.group(1).replace("&amp;", "&"))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html") and "学校S1" in html.text
    docx = re.search(r'href="([^"]+)" data-testid="download-docx"', page.text)
    assert docx and docx.group(1).endswith("format=docx")
    document = client.get(docx.group(1).replace("&amp;", "&"))
    assert document.status_code == 200 and document.content[:2] == b"PK"
    assert 'data-testid="download-pdf"' in page.text
    attachment = re.search(r'href="([^"]+)" data-testid="download-xlsx-1"', page.text)
    assert attachment and attachment.group(1).endswith("format=xlsx&amp;attachment=1")
    sheet = client.get(attachment.group(1).replace("&amp;", "&"))
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    waiting = client.get(f"/counties/C1/bulletin?month={region.this_month}").text
    assert "尚未结算" in waiting and "县C1 C1" in waiting, "the county named as the roster names it"
    assert client.get("/counties/C2/bulletin").status_code == 403


def test_a_city_admin_picks_a_county_for_the_bulletin_and_others_are_refused(client: TestClient,
                                                                            region: Region) -> None:
    sign_in(client, "city1")
    page = client.get("/bulletin").text
    assert "/counties/C1/bulletin?month=" in page and "/counties/C2/bulletin?month=" in page
    assert client.get("/counties/C2/bulletin").status_code == 200
    client.cookies.clear()
    sign_in(client, "school1")
    assert client.get("/bulletin").status_code == 403
    assert client.get("/counties/C1/bulletin").status_code == 403
