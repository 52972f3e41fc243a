"""Unified identity in a real browser: Debian's Chromium signs in to a real ``jifen serve`` (passwords turned off)
through the OpenID Connect provider of ``idp``, started by the test on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsing import chromium, confined_page, require_browser, serving, shot
from idp import CLIENT_ID, CLIENT_SECRET, IdentityProvider, running
from web_region import build_region

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    with running(IdentityProvider()) as provider:
        yield provider


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, idp: IdentityProvider) -> Iterator[str]:
    """A settled region served by ``jifen serve``, signing in only through the provider; its base URL."""
    require_browser(charts=False)
    env = {"JIFEN_OIDC_ISSUER": idp.issuer, "JIFEN_OIDC_CLIENT_ID": CLIENT_ID,
           "JIFEN_OIDC_CLIENT_SECRET": CLIENT_SECRET, "JIFEN_LOCAL_LOGIN": "false"}
    with serving(tmp_path_factory.mktemp("identity-browser"), build_region, env) as (base, _env, _region):
        yield base


@pytest.fixture
def page(server: str, idp: IdentityProvider) -> Iterator[Any]:
    with chromium() as browser, confined_page(browser, server, idp.base_url) as opened:
        yield opened


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
