"""Signing in through the platform's unified identity, against the OpenID Connect provider and CAS server of
``idp`` that these tests start on 127.0.0.1: the whole flows through the pages, and every refusal as a Chinese page
with no session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from idp import CLIENT_ID, CLIENT_SECRET, IdentityProvider, running
from web_region import PASSWORD, Region

from jifen.config import Settings
from jifen.runtime import Runtime
from jifen.web.app import create_app
from jifen.web.pages.identity import PENDING_COOKIE
from jifen.web.sessions import SESSION_COOKIE

CAS_CALLBACK = "http://testserver/login/cas/callback"


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    with running(IdentityProvider()) as provider:
        yield provider


@pytest.fixture(autouse=True)
def _fresh_provider(idp: IdentityProvider) -> None:
    idp.reset()


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory, idp: IdentityProvider) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=database_url, oidc_issuer=idp.issuer,
                    oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET, cas_server_url=idp.cas_url)


def client_with(runtime: Runtime, **changes: Any) -> TestClient:
    """A client of the same database under settings changed from the module's."""
    changed = Runtime(settings=runtime.settings.model_copy(update=changes), database=runtime.database)
    return TestClient(create_app(changed), follow_redirects=False)


def oidc_start(client: TestClient, next_path: str = "/") -> str:
    started = client.get("/login/oidc", params={"next": next_path})
    assert started.status_code == 303
    assert PENDING_COOKIE in client.cookies
    return started.headers["location"]


def oidc_sign_in(client: TestClient, idp: IdentityProvider, username: str, next_path: str = "/") -> httpx.Response:
    back = idp.sign_in(oidc_start(client, next_path), username)
    return client.get(back)


def cas_sign_in(client: TestClient, idp: IdentityProvider, username: str, next_path: str = "/") -> httpx.Response:
    started = client.get("/login/cas", params={"next": next_path})
    assert started.status_code == 303
    return client.get(idp.sign_in(started.headers["location"], username))


def assert_refused(response: httpx.Response, client: TestClient, status: int, *phrases: str) -> None:
    assert response.status_code == status, response.text
    for phrase in phrases:
        assert phrase in response.text
    assert SESSION_COOKIE not in client.cookies
    assert PENDING_COOKIE not in client.cookies  # one try per sign-in
    assert client.get("/").status_code == 303  # not signed in


# The sign-in page


def test_the_sign_in_page_offers_the_configured_providers(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/login?next=/rules")
    assert "使用统一身份认证登录（OpenID Connect）" in page.text and "使用统一身份认证登录（CAS）" in page.text
    assert 'href="/login/oidc?next=/rules"' in page.text and 'href="/login/cas?next=/rules"' in page.text
    assert 'name="password"' in page.text
    with client_with(runtime, cas_server_url=None) as only_oidc:
        text = only_oidc.get("/login").text
        assert "使用统一身份认证登录</a>" in text and "/login/cas" not in text
    with client_with(runtime, oidc_issuer=None, cas_server_url=None) as neither:
        text = neither.get("/login").text
        assert "统一身份认证" not in text and 'name="password"' in text
        assert neither.get("/login/oidc").status_code == 404
        assert neither.get("/login/cas").status_code == 404


def test_local_passwords_can_be_turned_off(runtime: Runtime, region: Region, idp: IdentityProvider) -> None:
    with client_with(runtime, local_login=False) as client:
        page = client.get("/login")
        assert 'name="password"' not in page.text and "使用统一身份认证登录" in page.text
        refused = client.post("/login", data={"name": "teacher1", "password": PASSWORD})
        assert refused.status_code == 403 and "已关闭用户名密码登录" in refused.text
        assert SESSION_COOKIE not in client.cookies
        assert oidc_sign_in(client, idp, "teacher1").status_code == 303


# OpenID Connect


def test_a_teacher_signs_in_through_openid_connect(client: TestClient, idp: IdentityProvider) -> None:
    location = oidc_start(client, "/rules")
    sent = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{idp.issuer}/authorize?")
    assert sent["client_id"] == [CLIENT_ID] and sent["response_type"] == ["code"]
    assert sent["scope"] == ["openid profile"] and sent["code_challenge_method"] == ["S256"]
    assert sent["redirect_uri"] == ["http://testserver/login/oidc/callback"]
    assert len(sent["state"][0]) >= 32 and len(sent["nonce"][0]) >= 32 and sent["code_challenge"]
    back = idp.sign_in(location, "teacher1")
    done = client.get(back)
    assert done.status_code == 303 and done.headers["location"] == "/rules"
    assert SESSION_COOKIE in client.cookies and PENDING_COOKIE not in client.cookies
    exchange = idp.token_requests[-1]
    assert exchange["code_verifier"] and exchange["authorization"].startswith("Basic ")
    page = client.get("/rules")
    assert page.status_code == 200 and "teacher1" in page.text and "教师" in page.text
    assert client.get(back).status_code == 401  # the same answer again signs no one in


def test_an_admin_signs_in_as_the_user_of_the_same_name(client: TestClient, idp: IdentityProvider) -> None:
    done = oidc_sign_in(client, idp, "county1")
    assert done.status_code == 303 and done.headers["location"] == "/"
    page = client.get("/rules")
    assert "county1" in page.text and "县区管理员" in page.text


def test_the_user_name_claim_is_configurable(runtime: Runtime, region: Region, idp: IdentityProvider) -> None:
    idp.extra_claims["platform-wang-01"] = {"jifen_name": "teacher2"}
    with client_with(runtime, oidc_username_claim="jifen_name") as client:
        assert oidc_sign_in(client, idp, "platform-wang-01").status_code == 303
        assert "teacher2" in client.get("/rules").text


def test_keys_the_provider_rolls_over_are_fetched_again(client: TestClient, idp: IdentityProvider) -> None:
    assert oidc_sign_in(client, idp, "teacher1").status_code == 303  # the keys are now kept by Jifen
    first = idp.key
    idp.key = RSAKey.generate_key(2048, parameters={"kid": "idp-2", "use": "sig"})
    try:
        client.cookies.clear()
        assert oidc_sign_in(client, idp, "teacher2").status_code == 303
        assert "teacher2" in client.get("/rules").text
    finally:
        idp.key = first


def test_a_user_name_only_in_userinfo_is_read_from_there(client: TestClient, idp: IdentityProvider) -> None:
    idp.userinfo_only = True
    assert oidc_sign_in(client, idp, "teacher1").status_code == 303
    assert "teacher1" in client.get("/rules").text


def test_a_provider_that_takes_the_client_secret_in_the_body_gets_it_there(client: TestClient,
                                                                           idp: IdentityProvider) -> None:
    idp.token_auth_method = "client_secret_post"
    assert oidc_sign_in(client, idp, "teacher1").status_code == 303
    assert idp.token_requests[-1]["client_secret"] == CLIENT_SECRET
    assert idp.token_requests[-1]["authorization"] == ""


def test_a_public_client_signs_in_with_pkce_alone(runtime: Runtime, region: Region, idp: IdentityProvider) -> None:
    idp.token_auth_method = "none"
    with client_with(runtime, oidc_client_secret=None) as client:
        assert oidc_sign_in(client, idp, "teacher1").status_code == 303
    sent = idp.token_requests[-1]
    assert sent["client_id"] == CLIENT_ID and sent["code_verifier"] and "client_secret" not in sent


def test_the_callback_address_follows_the_public_url(runtime: Runtime, region: Region) -> None:
    with client_with(runtime, public_url="https://jifen.example.edu.cn/") as client:
        sent = parse_qs(urlsplit(oidc_start(client)).query)
        assert sent["redirect_uri"] == ["https://jifen.example.edu.cn/login/oidc/callback"]
        cas = client.get("/login/cas").headers["location"]
        assert parse_qs(urlsplit(cas).query)["service"] == ["https://jifen.example.edu.cn/login/cas/callback"]


def test_next_never_leads_to_another_site(client: TestClient, idp: IdentityProvider) -> None:
    done = oidc_sign_in(client, idp, "teacher1", next_path="//evil.example/")
    assert done.headers["location"] == "/"


def test_a_platform_user_without_an_account_is_told_who_to_ask(client: TestClient, idp: IdentityProvider) -> None:
    refused = oidc_sign_in(client, idp, "stranger")
    assert_refused(refused, client, 403, "stranger", "没有同名账号", "学校管理员")


def test_a_wrong_state_is_refused(client: TestClient, idp: IdentityProvider) -> None:
    back = idp.sign_in(oidc_start(client), "teacher1")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode({**query, 'state': 'forged'})}"
    assert_refused(client.get(forged), client, 401, "state 不符")
    assert idp.token_requests == []  # the code was never exchanged


def test_a_callback_this_browser_did_not_start_is_refused(runtime: Runtime, region: Region,
                                                           idp: IdentityProvider) -> None:
    with client_with(runtime) as victim, client_with(runtime) as attacker:
        back = idp.sign_in(oidc_start(attacker), "teacher1")
        assert_refused(victim.get(back), victim, 401, "登录请求已过期")


def test_the_provider_saying_no_is_refused(client: TestClient, idp: IdentityProvider) -> None:
    state = parse_qs(urlsplit(oidc_start(client)).query)["state"][0]
    answer = client.get("/login/oidc/callback", params={"error": "access_denied", "state": state,
                                                        "error_description": "用户取消了登录"})
    assert_refused(answer, client, 401, "用户取消了登录")


@pytest.mark.parametrize(("tampered", "phrase"), [
    ({"nonce": "another-sign-in"}, "nonce"),
    ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "已过期"),
    ({"aud": "another-client"}, "aud（接收方）不符"),
    ({"iss": "http://127.0.0.1:1/elsewhere"}, "iss（签发者）不符"),
])
def test_an_id_token_that_does_not_hold_is_refused(client: TestClient, idp: IdentityProvider,
                                                   tampered: dict[str, Any], phrase: str) -> None:
    idp.id_token_claims.update(tampered)
    assert_refused(oidc_sign_in(client, idp, "teacher1"), client, 401, "身份令牌", phrase, "登录被拒绝")


def test_an_id_token_signed_with_another_key_is_refused(client: TestClient, idp: IdentityProvider) -> None:
    idp.sign_with_other_key = True
    assert_refused(oidc_sign_in(client, idp, "teacher1"), client, 401, "签名无法", "验证")


def test_an_unreachable_provider_is_said_plainly(runtime: Runtime, region: Region) -> None:
    with client_with(runtime, oidc_issuer="http://127.0.0.1:9") as client:
        answer = client.get("/login/oidc")
        assert answer.status_code == 502 and "无法从统一身份认证服务取得发现文档" in answer.text


# CAS


def test_a_teacher_signs_in_through_cas(client: TestClient, idp: IdentityProvider) -> None:
    started = client.get("/login/cas", params={"next": "/rules"})
    assert started.status_code == 303
    assert started.headers["location"] == f"{idp.cas_url}/login?{urlencode({'service': CAS_CALLBACK})}"
    back = idp.sign_in(started.headers["location"], "teacher1")
    done = client.get(back)
    assert done.status_code == 303 and done.headers["location"] == "/rules"
    assert idp.validations[-1]["service"] == CAS_CALLBACK
    assert "teacher1" in client.get("/rules").text
    assert SESSION_COOKIE in client.cookies and PENDING_COOKIE not in client.cookies


def test_the_cas_user_name_can_come_from_an_attribute(runtime: Runtime, region: Region,
                                                      idp: IdentityProvider) -> None:
    idp.cas_attributes["640100-zhang"] = {"jifenName": ["county1"], "memberOf": ["a", "b"]}
    with client_with(runtime, cas_username_attribute="jifenName") as client:
        assert cas_sign_in(client, idp, "640100-zhang").status_code == 303
        assert "county1" in client.get("/rules").text
    with client_with(runtime, cas_username_attribute="missing") as client:
        assert_refused(cas_sign_in(client, idp, "640100-zhang"), client, 401, "属性 missing")


def test_a_ticket_the_cas_server_refuses_signs_no_one_in(client: TestClient, idp: IdentityProvider) -> None:
    idp.refuse_tickets = True
    assert_refused(cas_sign_in(client, idp, "teacher1"), client, 401, "CAS 服务器没有接受", "INVALID_TICKET")


def test_a_cas_ticket_is_good_once(client: TestClient, idp: IdentityProvider) -> None:
    started = client.get("/login/cas")
    back = idp.sign_in(started.headers["location"], "teacher1")
    assert client.get(back).status_code == 303
    client.cookies.clear()
    client.get("/login/cas")
    assert_refused(client.get(back), client, 401, "INVALID_TICKET")


def test_a_cas_callback_this_browser_did_not_start_is_refused(client: TestClient, idp: IdentityProvider) -> None:
    back = idp.sign_in(f"{idp.cas_url}/login?{urlencode({'service': CAS_CALLBACK})}", "teacher1")
    assert_refused(client.get(back), client, 401, "登录请求已过期")
    assert idp.validations == []


def test_a_cas_user_without_an_account_is_told_who_to_ask(client: TestClient, idp: IdentityProvider) -> None:
    assert_refused(cas_sign_in(client, idp, "stranger"), client, 403, "“stranger”", "没有同名账号")
