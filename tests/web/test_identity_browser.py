"""Unified identity in a real browser: Debian's Chromium signs in to a real ``jifen serve`` (passwords turned off)
through the OpenID Connect provider of ``idp``, started by the test on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from idp import CLIENT_ID, CLIENT_SECRET, IdentityProvider, running
from test_browser import CHROMIUM, JIFEN, _needs, shot
from web_region import build_region

from jifen.config import Settings
from jifen.demo.server import free_port
from jifen.runtime import Runtime

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    with running(IdentityProvider()) as provider:
        yield provider


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, idp: IdentityProvider) -> Iterator[str]:
    """A settled region served by ``jifen serve``, signing in only through the provider; its base URL."""
    if not CHROMIUM.exists():
        _needs(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    data = tmp_path_factory.mktemp("identity-browser")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data}/jifen.sqlite3")
    runtime = Runtime.open(settings)
    try:
        build_region(runtime)
    finally:
        runtime.close()
    port = free_port("127.0.0.1")
    env = {**os.environ, "JIFEN_DATA_DIR": str(data), "JIFEN_DATABASE_URL": settings.resolved_database_url(),
           "JIFEN_AUTO_SETTLE": "false", "JIFEN_OIDC_ISSUER": idp.issuer, "JIFEN_OIDC_CLIENT_ID": CLIENT_ID,
           "JIFEN_OIDC_CLIENT_SECRET": CLIENT_SECRET, "JIFEN_LOCAL_LOGIN": "false"}
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


@pytest.fixture
def page(server: str, idp: IdentityProvider) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900})
        elsewhere: list[str] = []

        def only_here(route: Any) -> None:
            if route.request.url.startswith((server, idp.base_url)):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        context.route("**/*", only_here)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
        assert elsewhere == [], f"the pages asked other hosts for {elsewhere}"


def sign_in_at_the_provider(page: Any, idp: IdentityProvider, username: str) -> None:
    page.click("[data-testid=login-oidc]")
    page.wait_for_url(f"{idp.base_url}/authorize?**")
    page.fill("input[name=username]", username)
    page.click("#idp-submit")


def test_a_teacher_signs_in_through_the_platform(page: Any, server: str, idp: IdentityProvider) -> None:
    page.goto("/rules")
    assert "/login?next=%2Frules" in page.url
    assert page.locator("input[name=password]").count() == 0  # passwords are off
    assert page.get_by_test_id("login-oidc").inner_text() == "使用统一身份认证登录"
    shot(page, "login-unified-identity")
    sign_in_at_the_provider(page, idp, "teacher1")
    page.wait_for_url(f"{server}/rules")
    assert page.get_by_test_id("user-name").inner_text() == "teacher1"
    assert page.get_by_test_id("user-role").inner_text() == "教师"


def test_a_platform_user_without_an_account_sees_who_to_ask(page: Any, server: str, idp: IdentityProvider) -> None:
    page.goto("/login")
    sign_in_at_the_provider(page, idp, "stranger")
    page.wait_for_url(f"{server}/login/oidc/callback?**")
    message = page.get_by_test_id("error-message").inner_text()
    assert "“stranger”" in message and "没有同名账号" in message and "学校管理员" in message
    shot(page, "login-unified-identity-no-account")
    page.goto("/")
    assert "/login" in page.url  # no session
