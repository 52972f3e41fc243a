"""The weekly classroom usage pages: the week's form pre-filled with what is stored, errors in Chinese next to the
field, the XLSX upload and template, the recent weeks with their flags, each within the user's scope."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_region import Region, page_csrf, sign_in

from jifen.domain.classroom_usage import monday_of
from jifen.runtime import Runtime
from jifen.store.tables import classroom_usage


def last_monday(runtime: Runtime) -> date:
    return monday_of(datetime.now(UTC).astimezone(runtime.tz).date()) - timedelta(days=7)


def field_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def test_a_school_admin_submits_a_week_and_sees_it_again(client: TestClient, runtime: Runtime,
                                                        region: Region) -> None:
    sign_in(client, "school1")
    assert client.get("/usage").headers["location"] == "/schools/S1/usage"
    page = client.get("/schools/S1/usage")
    assert page.status_code == 200
    for name in ("在线互动教室", "平板智慧教室", "VR教室", "智慧阅读教室", "创客机器人教室", "智慧书法教室", "智慧音乐教室",
                 "纸笔课堂"):
        assert name in page.text
    week = last_monday(runtime).isoformat()
    assert field_value(page.text, "week") == week and field_value(page.text, "rooms_online_interactive") == ""
    done = client.post("/schools/S1/usage", data={"csrf_token": page_csrf(page.text), "week": week,
                                                  "rooms_online_interactive": "2", "uses_online_interactive": "12",
                                                  "rooms_vr": "1", "uses_vr": "0"})
    assert done.status_code == 303, done.text
    again = client.get(done.headers["location"]).text
    assert "已保存" in again
    assert field_value(again, "rooms_online_interactive") == "2"
    assert field_value(again, "uses_online_interactive") == "12"
    assert field_value(again, "uses_vr") == "0" and field_value(again, "rooms_tablet") == ""
    stored = client.get(f"/api/v1/schools/S1/classroom-usage?from={week}&to={week}").json()
    assert stored["weeks"][0]["rooms"]["online_interactive"]["uses"] == 12
    recent = again.split('data-testid="recent"', 1)[1]
    assert "12 次 / 2 间" in recent and "6.00" in recent and "低于标准" not in recent  # 6 a room: above 5


def test_errors_are_shown_in_chinese_next_to_the_field(client: TestClient, runtime: Runtime, region: Region) -> None:
    sign_in(client, "school1")
    token = page_csrf(client.get("/schools/S1/usage").text)
    week = last_monday(runtime).isoformat()
    typed = client.post("/schools/S1/usage", data={"csrf_token": token, "week": week, "rooms_tablet": "二",
                                                   "uses_tablet": "3"})
    assert typed.status_code == 422
    assert re.search(r'data-testid="error-rooms_tablet">请填写 0 或正整数<', typed.text)
    assert field_value(typed.text, "rooms_tablet") == "二" and field_value(typed.text, "uses_tablet") == "3"
    no_rooms = client.post("/schools/S1/usage", data={"csrf_token": token, "week": week, "rooms_music": "0",
                                                      "uses_music": "4"})
    assert no_rooms.status_code == 422 and 'data-testid="error-uses_music">没有该类教室时使用次数应为 0' in no_rooms.text
    too_many = client.post("/schools/S1/usage", data={"csrf_token": token, "week": week, "rooms_vr": "5000",
                                                      "uses_vr": "1"})
    assert too_many.status_code == 422 and "超出范围" in too_many.text
    empty = client.post("/schools/S1/usage", data={"csrf_token": token, "week": week})
    assert empty.status_code == 422 and "请至少填写一种教室" in empty.text
    ahead = (last_monday(runtime) + timedelta(days=14)).isoformat()
    future = client.post("/schools/S1/usage", data={"csrf_token": token, "week": ahead, "rooms_vr": "1",
                                                    "uses_vr": "1"})
    assert future.status_code == 422 and "该周尚未开始" in future.text
    forged = client.post("/schools/S1/usage", data={"week": week, "rooms_vr": "1", "uses_vr": "1"})
    assert forged.status_code == 403


def test_repeated_figures_are_flagged_in_the_recent_weeks(client: TestClient, runtime: Runtime,
                                                         region: Region) -> None:
    sign_in(client, "school1")
    token = page_csrf(client.get("/schools/S1/usage").text)
    for back in (0, 1, 2):
        week = (last_monday(runtime) - timedelta(days=7 * back)).isoformat()
        done = client.post("/schools/S1/usage", data={"csrf_token": token, "week": week,
                                                      "rooms_online_interactive": "2", "uses_online_interactive": "4"})
        assert done.status_code == 303
    recent = client.get("/schools/S1/usage").text.split('data-testid="recent"', 1)[1]
    assert "数据重复不变" in recent and "连续3周" in recent and "低于标准" in recent


def test_the_sheet_upload_and_template(client: TestClient, runtime: Runtime, region: Region) -> None:
    sign_in(client, "school1")
    page = client.get("/schools/S1/usage").text
    assert '<a href="/usage/template.xlsx?school=S1" data-testid="template">下载模板</a>' in page
    template = client.get("/usage/template.xlsx?school=S1")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    sheet = openpyxl.load_workbook(BytesIO(template.content)).active
    assert sheet is not None and sheet["A2"].value == "S1"
    sheet["D2"], sheet["E2"] = 3, 18  # 在线互动教室: rooms, uses
    filled = BytesIO()
    sheet.parent.save(filled)
    token = page_csrf(page)
    done = client.post("/usage/import", data={"csrf_token": token},
                       files={"file": ("usage.xlsx", filled.getvalue(), "application/octet-stream")})
    assert done.status_code == 200, done.text
    assert "已导入 1 行" in done.text
    after = client.get("/schools/S1/usage").text
    assert field_value(after, "uses_online_interactive") == "18"
    wrong = client.post("/usage/import", data={"csrf_token": token},
                        files={"file": ("usage.xlsx", b"not a workbook", "application/octet-stream")})
    assert wrong.status_code == 422 and "表格未导入" in wrong.text
    assert "usage.xlsx：不是 XLSX 工作簿" in wrong.text and "not an XLSX" not in wrong.text
    sheet["C2"] = "2026-11-17"  # a Tuesday
    tuesday = BytesIO()
    sheet.parent.save(tuesday)
    moved = client.post("/usage/import", data={"csrf_token": token},
                        files={"file": ("usage.xlsx", tuesday.getvalue(), "application/octet-stream")})
    assert moved.status_code == 422 and "是星期二；每周从星期一开始，应为 2026-11-16" in moved.text
    forged = client.post("/usage/import", files={"file": ("usage.xlsx", filled.getvalue(), "application/octet-stream")})
    assert forged.status_code == 403


def test_usage_pages_keep_to_the_users_scope(client: TestClient, region: Region) -> None:
    sign_in(client, "school1")
    assert client.get("/schools/S2/usage").status_code == 403
    assert client.get("/usage/template.xlsx?school=S2").status_code == 403
    client.cookies.clear()
    sign_in(client, "county1")
    chooser = client.get("/usage").text
    assert "/schools/S1/usage" in chooser and "/schools/S2/usage" not in chooser
    assert client.get("/schools/S1/usage").status_code == 200
    assert client.get("/schools/S2/usage").status_code == 403
    county_sheet = client.get("/usage/template.xlsx")
    assert county_sheet.status_code == 200 and county_sheet.content[:2] == b"PK"
    client.cookies.clear()
    sign_in(client, "teacher1")
    assert client.get("/usage").status_code == 403 and client.get("/schools/S1/usage").status_code == 403
    client.cookies.clear()
    sign_in(client, "expert1")
    assert client.get("/schools/S1/usage").status_code == 403



def test_refusals_and_a_week_that_is_not_a_monday_are_said_in_chinese(client: TestClient, runtime: Runtime,
                                                                     region: Region) -> None:
    sign_in(client, "school1")
    refused = client.get("/schools/S2/usage")
    assert refused.status_code == 403 and "不在您的权限范围内" in refused.text
    tuesday = (last_monday(runtime) + timedelta(days=1)).isoformat()
    wrong = client.get(f"/schools/S1/usage?week={tuesday}")
    assert wrong.status_code == 422 and "不是星期一" in wrong.text
    token = page_csrf(client.get("/schools/S1/usage").text)
    posted = client.post("/schools/S2/usage", data={"csrf_token": token, "week": last_monday(runtime).isoformat(),
                                                    "rooms_vr": "1", "uses_vr": "1"})
    assert posted.status_code == 403 and "不在您的权限范围内" in posted.text


def test_a_sheet_naming_another_countys_school_stores_nothing(client: TestClient, region: Region) -> None:
    sign_in(client, "county1")
    chooser = client.get("/usage").text
    sheet = openpyxl.load_workbook(BytesIO(client.get("/usage/template.xlsx").content)).active
    assert sheet is not None
    sheet.append(["S2", "学校S2", sheet["C2"].value, 1, 1])
    sheet["D2"], sheet["E2"] = 1, 6
    body = BytesIO()
    sheet.parent.save(body)
    refused = client.post("/usage/import", data={"csrf_token": page_csrf(chooser)},
                          files={"file": ("usage.xlsx", body.getvalue(), "application/octet-stream")})
    assert refused.status_code == 403 and "学校 S2 不在您的管理范围内" in refused.text and "表格未导入" in refused.text


def test_a_week_outside_the_years_taken_is_refused_and_nothing_is_stored(client: TestClient, runtime: Runtime,
                                                                         region: Region) -> None:
    sign_in(client, "school1")
    token = page_csrf(client.get("/schools/S1/usage").text)
    posted = client.post("/schools/S1/usage", data={"csrf_token": token, "week": "0001-01-01", "rooms_music": "1",
                                                    "uses_music": "2"})
    assert posted.status_code == 422 and "只能选择 1970–9998 年间的一周" in posted.text
    shown = client.get("/schools/S1/usage?week=0001-01-01")
    assert shown.status_code == 422 and "超出可选的年份" in shown.text
    with runtime.database.read() as connection:
        assert connection.execute(select(func.count()).select_from(classroom_usage)).scalar_one() == 0


def test_the_chooser_lists_the_schools_on_the_roster_now(client: TestClient, runtime: Runtime,
                                                          region: Region) -> None:
    """A school brought onto the roster since the month last settled reports from its first week: listed."""
    from factories import row
    from jifen.ingest.roster_import import import_rows
    from jifen.ingest.service import Ingest

    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz),
                [row("t4", "S3", county_code="C1", city_code="Y1", school_name="新建学校")], full=False,
                now=datetime.now(UTC))
    sign_in(client, "county1")
    chooser = client.get("/usage").text
    assert "/schools/S3/usage" in chooser and "新建学校" in chooser and "/schools/S1/usage" in chooser
