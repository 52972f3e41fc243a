"""The issue's promise: a new user runs the demo and signs in as a teacher and as a county admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web_region import login_csrf
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jifen.cli.main import app
from jifen.config import Settings
from jifen.runtime import Runtime
from jifen.web.app import create_app

pytestmark = pytest.mark.slow


def test_the_printed_demo_accounts_sign_in_to_the_pages(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {**cli_env, "JIFEN_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["demo", "--teachers", "40", "--no-serve", "--port", "0"], env=env)
    assert result.exit_code == 0, result.output
    logins = re.findall(r"登录 sign in: (\S+)/login  user (\S+)  password (\S+)", result.output)
    assert [name for _url, name, _password in logins] == ["demo-teacher", "demo-county"]
    runtime = Runtime.open(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/demo.sqlite3"))
    try:
        for _url, name, password in logins:
            with TestClient(create_app(runtime), follow_redirects=False) as client:
                token = login_csrf(client)
                response = client.post("/login", data={"name": name, "password": password, "csrf_token": token})
                assert response.status_code == 303, response.text
                home = client.get("/")
                assert home.status_code == 200
                assert ("工作桌面" if name == "demo-teacher" else "县区积分报表") in home.text
    finally:
        runtime.close()
