"""Signing in and out of the pages: passwords, session cookies, CSRF on every form, lock-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from web_region import PASSWORD, Region, login_csrf, page_csrf, sign_in
from fastapi.testclient import TestClient
from sqlalchemy import update

from jifen.access import passwords
from jifen.config import Settings
from jifen.runtime import Runtime
from jifen.store.tables import login_locks
from jifen.web.app import create_app
from jifen.web.sessions import LOGIN_CSRF_COOKIE, SESSION_COOKIE


def test_unauthenticated_pages_redirect_to_the_sign_in_page(client: TestClient) -> None:
    for path, target in (("/", "/login?next=%2F"), ("/teachers/t1?page=2", "/login?next=%2Fteachers%2Ft1%3Fpage%3D2"),
                         ("/rules", "/login?next=%2Frules")):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == target


def test_the_sign_in_page_is_chinese_and_carries_a_csrf_token(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in page.text and "宁夏教育云 应用积分" in page.text and "Jifen 积分" in page.text
    assert 'name="csrf_token"' in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{LOGIN_CSRF_COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "http://" not in page.text and "https://" not in page.text  # nothing from another host


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(client: TestClient) -> None:
    wrong = sign_in(client, "teacher1", "not-the-password")
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text and "再失败 4 次" in wrong.text
    assert SESSION_COOKIE not in client.cookies
    right = sign_in(client, "teacher1", next_path="/rules")
    assert right.status_code == 303 and right.headers["location"] == "/rules"
    cookie = next(c for c in right.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    page = client.get("/rules")
    assert page.status_code == 200
    assert "teacher1" in page.text and "教师" in page.text and "退出" in page.text


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    unknown = sign_in(client, "nobody", "whatever-password")
    assert unknown.status_code == 401 and "用户名或密码错误" in unknown.text


def test_over_https_the_session_cookie_is_secure(runtime: Runtime, region: Region) -> None:
    with TestClient(create_app(runtime), base_url="https://testserver", follow_redirects=False) as client:
        response = sign_in(client, "teacher1")
        assert response.status_code == 303
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
        assert "Secure" in cookie


def test_next_never_leads_to_another_site(client: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        response = sign_in(client, "teacher1", next_path=target)
        assert response.headers["location"] == "/"


def test_a_sign_in_without_the_csrf_token_is_refused(client: TestClient) -> None:
    login_csrf(client)
    response = client.post("/login", data={"name": "teacher1", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.text
    forged = client.post("/login", data={"name": "teacher1", "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_sign_out_needs_the_csrf_token_and_ends_the_session_on_the_server(client: TestClient) -> None:
    sign_in(client, "teacher1")
    cookie = client.cookies[SESSION_COOKIE]
    page = client.get("/")
    refused = client.post("/logout", data={})
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert client.get("/").status_code == 200  # still signed in
    done = client.post("/logout", data={"csrf_token": page_csrf(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)  # the old cookie, replayed
    assert client.get("/").status_code == 303


def test_a_tampered_session_cookie_is_not_a_session(client: TestClient) -> None:
    sign_in(client, "teacher1")
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie[:-1] + ("0" if cookie[-1] != "0" else "1"))
    assert client.get("/").status_code == 303


def test_a_new_password_ends_every_session(client: TestClient, runtime: Runtime) -> None:
    sign_in(client, "teacher1")
    assert client.get("/").status_code == 200
    ended = passwords.set_password(runtime.database, "teacher1", "another-password-1", datetime.now(UTC))
    assert ended == 1
    assert client.get("/").status_code == 303
    assert sign_in(client, "teacher1").status_code == 401
    assert sign_in(client, "teacher1", "another-password-1").status_code == 303


def test_repeated_failures_lock_the_account(client: TestClient, runtime: Runtime) -> None:
    for left in (4, 3, 2, 1):
        assert f"再失败 {left} 次" in sign_in(client, "teacher2", "wrong-password").text
    locked = sign_in(client, "teacher2", "wrong-password")
    assert locked.status_code == 401 and "账号已锁定" in locked.text and "15 分钟" in locked.text
    right = sign_in(client, "teacher2")
    assert right.status_code == 401 and "账号已锁定" in right.text  # not even checked while locked
    assert sign_in(client, "teacher1").status_code == 303  # other accounts are not touched
    with runtime.database.transaction() as connection:  # the lock runs out
        connection.execute(update(login_locks).values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    client.cookies.clear()
    assert sign_in(client, "teacher2").status_code == 303


def test_a_successful_sign_in_clears_the_failures(client: TestClient) -> None:
    for _ in range(4):
        sign_in(client, "teacher2", "wrong-password")
    assert sign_in(client, "teacher2").status_code == 303
    client.cookies.clear()
    assert "再失败 4 次" in sign_in(client, "teacher2", "wrong-password").text


def test_the_pages_are_headed_with_the_regions_platform(tmp_path: Path) -> None:
    for settings, heading in ((Settings(data_dir=tmp_path / "a", region_code="410000", region_name="河南省"),
                               "河南省教育云 应用积分"),
                              (Settings(data_dir=tmp_path / "b", site_name="浉河区教育资源公共服务平台"),
                               "浉河区教育资源公共服务平台 应用积分")):
        runtime = Runtime.open(settings)
        try:
            with TestClient(create_app(runtime)) as client:
                page = client.get("/login")
            assert heading in page.text and "宁夏" not in page.text
        finally:
            runtime.close()
