"""An appeal in a real browser, from filing to adjustment: Debian's Chromium driven by Playwright against a real
``jifen serve``; the teacher files from the month's explanation, the school and the county approve with their
forms, the month is settled again and the teacher sees the credit. ``JIFEN_SCREENSHOTS=1`` saves screenshots
under tests/web/screenshots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_region import PASSWORD, Region, build_region

from jifen.config import Settings
from jifen.demo.server import free_port
from jifen.runtime import Runtime
from jifen.web.pages import vendor

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
JIFEN = Path(sys.executable).parent / "jifen"
SCREENSHOTS = Path(__file__).parent / "screenshots"
REASON = "课件实际同步了三次，应用只上报了一次同步记录"


def _needs(what: str) -> None:
    if os.environ.get("JIFEN_TEST_BROWSER") == "require":
        pytest.fail(f"{what}; JIFEN_TEST_BROWSER=require")
    pytest.skip(f"{what}; skipping the browser tests (set JIFEN_TEST_BROWSER=require to fail instead)")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Region]]:
    """``jifen serve`` over the settled region of web_region: its base URL, environment and months."""
    if not CHROMIUM.exists():
        _needs(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    if not vendor.available("echarts"):
        _needs(f"ECharts is not installed ({vendor.NPM_COMMAND})")
    data = tmp_path_factory.mktemp("appeal-browser")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data}/jifen.sqlite3")
    runtime = Runtime.open(settings)
    try:
        region = build_region(runtime)
    finally:
        runtime.close()
    port = free_port("127.0.0.1")
    env = {**os.environ, "JIFEN_DATA_DIR": str(data), "JIFEN_DATABASE_URL": settings.resolved_database_url(),
           "JIFEN_AUTO_SETTLE": "false"}
    log = data / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(JIFEN), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        yield base, env, region
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser(served: tuple[str, dict[str, str], Region]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


class Browsers:
    """A browser context per user, each allowed to ask this server only."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base, self.contexts, self.elsewhere = browser, base, [], []

    def signed_in(self, name: str) -> Any:
        context = self.browser.new_context(base_url=self.base, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.route("**/*", self._only_here)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/")
        return page

    def _only_here(self, route: Any) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()


@pytest.fixture
def browsers(browser: Any, served: tuple[str, dict[str, str], Region]) -> Iterator[Browsers]:
    opened = Browsers(browser, served[0])
    yield opened
    for context in opened.contexts:
        context.close()
    assert opened.elsewhere == [], f"the pages asked other hosts for {opened.elsewhere}"


def shot(page: Any, name: str) -> None:
    if os.environ.get("JIFEN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


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
