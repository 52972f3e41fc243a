"""The demo command end to end: region, HTTP traffic, settlement, ranking, accounts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from jifen.cli.main import app

pytestmark = pytest.mark.slow


def test_demo_runs_the_whole_flow_and_prints_what_it_promises(cli_env: dict[str, str], database_url: str) -> None:
    args = ["demo", "--teachers", "120", "--no-serve", "--port", "0"]
    if not database_url.startswith("sqlite"):
        args += ["--database-url", database_url]
    result = CliRunner().invoke(app, args, env={**cli_env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "县区积分排名 county ranking" in out
    for status in ("qualified", "not_qualified", "duplicate", "pending", "rejected"):
        line = next(line for line in out.splitlines() if f" {status} " in line)
        assert int(re.findall(r"(\d+)\s*│\s*[\d.]+%", line)[0]) > 0, line
    assert "late roster import: pending reports now" in out
    for role in ("teacher", "school_admin", "county_admin", "city_admin", "region_admin"):
        assert role in out
    curls = re.findall(r"curl -H 'Authorization: Bearer (\S+)' '(\S+)'", out)
    assert len(curls) == 5
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    if (local - timedelta(hours=3)).month == local.month:  # reports of the month under way, before now
        sent = re.search(r"本月积分操作 this month: demo-teacher sent (\d+) reports of (\S+) so far \(qualified (\d+)\)",
                         out)
        assert sent and sent.group(1) == sent.group(3) and sent.group(2) == f"{local:%Y-%m}", out[-2000:]
    served_at = re.search(r"登录 sign in: http://127\.0\.0\.1:(\d+)/login", out)
    assert served_at, "the sign-in address"
    again = re.search(r"not serving \(--no-serve\); to serve the demo at the addresses above: JIFEN_DATABASE_URL=(\S+) "
                      r"jifen serve --host 127\.0\.0\.1 --port (\d+)", out)
    assert again and again.group(2) == served_at.group(1), "the same address as every link printed"


def test_demo_refuses_a_database_that_already_has_a_roster(cli_env: dict[str, str], database_url: str) -> None:
    """Only the default demo file is recreated; a database named with --database-url is never emptied."""
    first = CliRunner().invoke(app, ["demo", "--teachers", "40", "--no-serve", "--port", "0",
                                     "--database-url", database_url], env=cli_env)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(app, ["demo", "--teachers", "40", "--no-serve", "--port", "0",
                                     "--database-url", database_url], env=cli_env)
    assert again.exit_code != 0
    assert "needs an empty database" in again.output


def test_demo_accounts_read_their_reports_over_http(cli_env: dict[str, str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The printed tokens work against a server on the demo database."""
    from fastapi.testclient import TestClient

    from jifen.config import Settings
    from jifen.runtime import Runtime
    from jifen.web.app import create_app

    env = {**cli_env, "JIFEN_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["demo", "--teachers", "60", "--no-serve", "--port", "0"], env=env)
    assert result.exit_code == 0, result.output
    curls = re.findall(r"curl -H 'Authorization: Bearer (\S+)' '(\S+)'", result.output)
    runtime = Runtime.open(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/demo.sqlite3"))
    try:
        client = TestClient(create_app(runtime))
        for token, url in curls:
            path = "/" + url.split("/", 3)[3]
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            assert response.json()["total"] >= 0
    finally:
        runtime.close()
