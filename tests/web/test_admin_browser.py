"""The admin pages in a real browser: the 评分报表 with its charts drawn, sorting and filtering, the versions page
with the publish confirmation, the bulletin preview and the weekly usage form.

The same fixtures as ``test_browser`` (Debian's Chromium, no request leaving the server under test), against a
region whose last month was settled twice. ``JIFEN_SCREENSHOTS=1`` saves screenshots under tests/web/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsing import require_browser, serving, shot
from test_admin_pages import resettle_with_a_late_report
from test_browser import browser, page, sign_in
from web_region import build_region

from jifen.runtime import Runtime

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page"]  # fixtures shared with test_browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``jifen serve`` over the settled region, last month settled a second time after a late report."""
    require_browser()

    def prepare(runtime: Runtime) -> None:
        resettle_with_a_late_report(runtime, build_region(runtime))

    with serving(tmp_path_factory.mktemp("admin-browser"), prepare) as (base, _env, _prepared):
        yield base


def signed_in(page: Any, name: str) -> None:
    page.goto("/login")
    sign_in(page, name)
    page.wait_for_url("**/")


def test_the_county_report_draws_its_three_charts(page: Any) -> None:
    signed_in(page, "county1")
    assert "县区积分报表" in page.get_by_test_id("sheet-title").inner_text()
    for kind in ("ranking", "radar", "trend"):
        page.wait_for_selector(f"[data-chart='{kind}'][data-drawn='true'] canvas", timeout=15000)
        box = page.locator(f"[data-chart='{kind}'] canvas").first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, kind
    assert page.get_by_test_id("review").is_visible()
    shot(page, "admin-county-report")


def test_sorting_filtering_and_the_month_picker_work_in_the_browser(page: Any) -> None:
    signed_in(page, "school1")
    rows = page.locator("[data-testid=sheet] tbody tr")
    assert rows.count() == 2
    page.click("[data-testid=sheet] th >> text=总分")
    page.wait_for_url("**sort=total**")
    assert "t1" in rows.nth(0).inner_text()  # points sort highest first
    page.click("[data-testid=sheet] th >> text=总分")
    page.wait_for_url("**order=asc**")
    assert "t1" in rows.nth(1).inner_text()
    page.fill("input[name=q]", "王")
    page.click("[data-testid=filters] button")
    page.wait_for_url("**q=**")
    assert rows.count() == 1 and "王老师" in rows.nth(0).inner_text()
    months = page.locator("[data-testid=month-picker] select option")
    assert months.count() == 2
    with page.expect_navigation():
        page.select_option("[data-testid=month-picker] select", index=1)
    assert "month=" in page.url
    shot(page, "admin-school-report")
    page.click("[data-testid=sheet] tbody tr >> nth=0 >> a")
    assert "/teachers/" in page.url and "/months/" in page.url


def test_the_region_admin_publishes_after_confirming(page: Any) -> None:
    signed_in(page, "region1")
    page.click("nav.menu >> text=结算版本")
    page.wait_for_selector("[data-testid=versions]")
    assert "王老师" in page.get_by_test_id("diff").inner_text()
    shot(page, "admin-versions")
    page.check("[data-testid=publish-form] input[name=confirm]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=publish-form] button")
    assert page.locator("[data-testid=publish-form]").count() == 1  # dismissed: nothing posted
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=publish-form] button")
    assert "第2版已发布" in page.get_by_test_id("published").inner_text()
    assert page.locator("[data-testid=publish-form]").count() == 0


def test_the_bulletin_preview_and_the_usage_form(page: Any) -> None:
    signed_in(page, "county1")
    page.click("nav.menu >> text=月度通报")
    frame = page.frame_locator("[data-testid=bulletin-preview]")
    frame.locator("text=学校S1").first.wait_for(timeout=15000)
    shot(page, "admin-bulletin")
    page.click("nav.menu >> text=教室使用")
    page.click("text=填报与查看")
    page.fill("input[name=rooms_online_interactive]", "2")
    page.fill("input[name=uses_online_interactive]", "7")
    page.fill("input[name=rooms_music]", "0")
    page.fill("input[name=uses_music]", "3")
    page.click("[data-testid=usage-form] button")
    assert "没有该类教室时使用次数应为 0" in page.get_by_test_id("error-uses_music").inner_text()
    page.fill("input[name=uses_music]", "0")
    page.click("[data-testid=usage-form] button")
    assert "已保存" in page.get_by_test_id("saved").inner_text()
    assert page.input_value("input[name=uses_online_interactive]") == "7"
    shot(page, "admin-usage")
