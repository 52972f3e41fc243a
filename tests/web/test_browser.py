"""The pages in a real browser: Debian's Chromium driven by Playwright against a real ``jifen serve``.

Every request the pages make must go to the server under test (no CDN): any other is aborted and fails the test.
``JIFEN_SCREENSHOTS=1`` saves screenshots under tests/web/screenshots/.
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
from web_region import PASSWORD, build_region

from jifen.config import Settings
from jifen.demo.server import free_port
from jifen.runtime import Runtime
from jifen.web.pages import vendor

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
JIFEN = Path(sys.executable).parent / "jifen"
SCREENSHOTS = Path(__file__).parent / "screenshots"
REQUIRE = os.environ.get("JIFEN_TEST_BROWSER") == "require"


def _needs(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"{what}; JIFEN_TEST_BROWSER=require")
    pytest.skip(f"{what}; skipping the browser tests (set JIFEN_TEST_BROWSER=require to fail instead)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A settled region served by ``jifen serve`` on a free port; its base URL."""
    if not CHROMIUM.exists():
        _needs(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    if not vendor.available("echarts"):
        _needs(f"ECharts is not installed ({vendor.NPM_COMMAND})")
    data = tmp_path_factory.mktemp("browser")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data}/jifen.sqlite3")
    runtime = Runtime.open(settings)
    try:
        build_region(runtime)
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
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def only_here(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    opened = context.new_page()
    yield opened
    context.close()
    assert elsewhere == [], f"the pages asked other hosts for {elsewhere}"


def shot(page: Any, name: str) -> None:
    if os.environ.get("JIFEN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_sign_in_with_a_wrong_password_then_the_right_one(page: Any) -> None:
    page.goto("/")
    assert "/login?next=%2F" in page.url
    sign_in(page, "teacher1", "wrong-password")
    error = page.get_by_test_id("login-error")
    assert "用户名或密码错误" in error.inner_text()
    shot(page, "login-wrong-password")
    sign_in(page, "teacher1")
    page.wait_for_url("**/")
    assert page.get_by_test_id("user-name").inner_text() == "teacher1"
    assert page.get_by_test_id("user-role").inner_text() == "教师"


def test_the_teacher_desk_shows_the_apis_figures_and_draws_the_history(page: Any) -> None:
    page.goto("/login")
    sign_in(page, "teacher1")
    page.wait_for_url("**/")
    card = page.request.get("/api/v1/cards/teachers/t1").json()  # the browser's own session cookie
    assert page.get_by_test_id("annual-points").inner_text() == f"{card['annual_points']:.2f}"
    assert page.get_by_test_id("last-month-points").inner_text() == f"{card['last_month']['points']:.2f}"
    assert page.get_by_test_id("this-month-operations").inner_text() == str(
        card["this_month"]["qualified_operations"])
    page.wait_for_selector("#history-chart[data-drawn='true'] canvas", timeout=15000)
    assert page.locator("#history-chart canvas").count() >= 1
    assert page.locator("[data-testid=operations] tbody tr").count() == 20
    shot(page, "teacher-desk")
    page.click("text=下一页")
    page.wait_for_url("**/?page=2")
    assert page.locator("[data-testid=operations] tbody tr").count() == 2
    page.goto("/rules")
    assert page.locator("[data-testid=rules] tbody tr").count() == 12
    shot(page, "rules")
    page.click("nav.menu >> text=积分说明")
    assert page.locator("[data-testid=indicators] tbody tr").count() >= 1
    assert "courseware.sync" in page.get_by_test_id("refused").inner_text()
    shot(page, "month-explanation")


def test_a_teacher_is_refused_another_teachers_page_and_an_admin_page(page: Any) -> None:
    page.goto("/login")
    sign_in(page, "teacher1")
    page.wait_for_url("**/")
    for path in ("/teachers/t2", "/units/county/C1"):
        response = page.goto(path)
        assert response.status == 403
        assert page.get_by_test_id("error-title").inner_text() == "无权访问"
        assert "不在您的权限范围内" in page.get_by_test_id("error-message").inner_text()
    shot(page, "teacher-refused")


def test_repeated_failures_lock_the_account(page: Any) -> None:
    page.goto("/login")
    for _ in range(5):
        sign_in(page, "teacher2", "wrong-password")
        page.wait_for_selector("[data-testid=login-error]")
    assert "账号已锁定" in page.get_by_test_id("login-error").inner_text()
    sign_in(page, "teacher2")
    assert "账号已锁定" in page.get_by_test_id("login-error").inner_text()
    shot(page, "locked")


def test_a_form_posted_without_its_csrf_token_is_refused(page: Any) -> None:
    page.goto("/login")
    sign_in(page, "school1")
    page.wait_for_url("**/")
    page.eval_on_selector("form[action='/logout'] input[name=csrf_token]", "input => input.remove()")
    with page.expect_navigation():
        page.click("form[action='/logout'] button")
    assert page.get_by_test_id("error-title").inner_text() == "无权访问"
    assert "CSRF" in page.get_by_test_id("error-message").inner_text()
    assert page.goto("/").status == 200  # still signed in
    page.click("form[action='/logout'] button")  # with its token: signed out
    page.wait_for_url("**/login")
    assert "/login" in page.goto("/").url


def test_a_county_admin_sees_the_county_report_and_the_api_docs(page: Any) -> None:
    page.goto("/login")
    sign_in(page, "county1")
    page.wait_for_url("**/")
    assert "县区积分报表" in page.get_by_test_id("sheet-title").inner_text()
    assert page.locator("[data-testid=sheet] tbody tr").count() == 1
    shot(page, "county-report")
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    shot(page, "api-docs")
