"""The pages in a real browser: Debian's Chromium driven by Playwright against a real ``jifen serve``.

Every request the pages make must go to the server under test (no CDN): any other is aborted and fails the test.
``JIFEN_SCREENSHOTS=1`` saves screenshots under tests/web/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsing import chromium, confined_page, require_browser, serving, shot
from browsing import sign_in as sign_in_with
from web_region import PASSWORD, build_region

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A settled region served by ``jifen serve`` on a free port; its base URL."""
    require_browser()
    with serving(tmp_path_factory.mktemp("browser"), build_region) as (base, _env, _region):
        yield base


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with confined_page(browser, server) as opened:
        yield opened


def sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    sign_in_with(page, name, password)


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
