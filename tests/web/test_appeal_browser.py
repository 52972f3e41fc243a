"""An appeal in a real browser, from filing to adjustment: Debian's Chromium driven by Playwright against a real
``jifen serve``; the teacher files from the month's explanation, the school and the county approve with their
forms, the month is settled again and the teacher sees the credit. ``JIFEN_SCREENSHOTS=1`` saves screenshots
under tests/web/screenshots/.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from browsing import JIFEN, Confined, chromium, require_browser, serving, shot, sign_in
from web_region import PASSWORD, Region, build_region

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REASON = "课件实际同步了三次，应用只上报了一次同步记录"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Region]]:
    """``jifen serve`` over the settled region of web_region: its base URL, environment and months."""
    require_browser()
    with serving(tmp_path_factory.mktemp("appeal-browser"), build_region) as found:
        yield found


@pytest.fixture(scope="module")
def browser(served: tuple[str, dict[str, str], Region]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Browsers(Confined):
    """A browser context per user, each allowed to ask this server only."""

    def signed_in(self, name: str) -> Any:
        page = self.page()
        page.goto("/login")
        sign_in(page, name, PASSWORD)
        page.wait_for_url(f"{self.base}/")
        return page


@pytest.fixture
def browsers(browser: Any, served: tuple[str, dict[str, str], Region]) -> Iterator[Browsers]:
    opened = Browsers(browser, served[0])
    yield opened
    opened.close()


def test_an_appeal_from_filing_to_adjustment(browsers: Browsers, served: tuple[str, dict[str, str], Region]) -> None:
    _base, env, region = served
    month = str(region.last_month)
    teacher = browsers.signed_in("teacher1")
    teacher.goto(f"/teachers/t1/months/{month}")
    total_before = teacher.get_by_test_id("month-total").inner_text()
    refused = teacher.get_by_test_id("refused")
    assert "courseware.sync" in refused.inner_text()
    refused.locator("details.appeal summary").first.click()
    refused.locator("textarea[name=reason]").first.fill(REASON)
    shot(teacher, "appeal-file")
    with teacher.expect_navigation():
        refused.locator("form.appeal-form button[type=submit]").first.click()
    assert "申诉已提交" in teacher.get_by_test_id("appeal-done").inner_text()
    assert teacher.locator("[data-testid=appeals] [data-testid=appeal-state]").first.inner_text() == "待学校审核"
    shot(teacher, "appeal-filed")

    school = browsers.signed_in("school1")
    school.click("nav.menu >> text=申诉")
    school.wait_for_url("**/appeals/review")
    pending = school.get_by_test_id("pending-appeals")
    assert REASON in pending.inner_text()
    pending.locator("textarea[name=note]").first.fill("经核实，课件确已多次同步")
    shot(school, "appeal-school-review")
    with school.expect_navigation():
        pending.locator("button[value=approve]").first.click()
    assert "转区县审核" in school.get_by_test_id("appeal-done").inner_text()

    county = browsers.signed_in("county1")
    county.goto("/appeals/review")
    pending = county.get_by_test_id("pending-appeals")
    assert "经核实，课件确已多次同步" in pending.inner_text()
    pending.locator("textarea[name=note]").first.fill("同意补计")
    shot(county, "appeal-county-review")
    with county.expect_navigation():
        pending.locator("button[value=approve]").first.click()
    assert "已审核通过" in county.get_by_test_id("appeal-done").inner_text()

    settled = subprocess.run([str(JIFEN), "settle", month, "--engine", "python"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert settled.returncode == 0, settled.stderr
    teacher.goto("/appeals")
    assert teacher.locator("[data-testid=appeals] [data-testid=appeal-state]").first.inner_text() == "已通过"
    assert teacher.get_by_test_id("appeal-credit").first.inner_text() == "+2.86"
    shot(teacher, "appeal-approved")
    teacher.goto(f"/teachers/t1/months/{month}")
    total_after = teacher.get_by_test_id("month-total").inner_text()
    assert float(total_after) == pytest.approx(float(total_before) + 2.86, abs=0.011)
    assert "申诉 #" in teacher.locator("text=人工调整").last.locator("xpath=..").inner_text()
    shot(teacher, "appeal-adjusted-month")
