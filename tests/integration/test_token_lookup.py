"""The app-token look-up every request makes (jifen.store.database.Database.point_read), on SQLite and
PostgreSQL: it reads what is committed at that moment, and a connection that broke is replaced."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from jifen.access.service import register_app
from jifen.cli.main import app as cli
from jifen.access.tokens import token_hash
from jifen.runtime import Runtime
from jifen.store.tables import app_tokens
from jifen.web.app import create_app

URL = "/api/v1/operations"


def test_a_token_removed_is_refused_at_the_next_request(runtime: Runtime) -> None:
    token = register_app(runtime.database, runtime.ruleset.rules, "hite-pi6", datetime.now(UTC))
    other = register_app(runtime.database, runtime.ruleset.rules, "hite-pi6", datetime.now(UTC))
    with TestClient(create_app(runtime)) as client:
        def post(with_token: str) -> Any:
            return client.post(URL, json={"operations": []}, headers={"Authorization": f"Bearer {with_token}"})

        assert post(token).status_code == 200 and post(token).status_code == 200
        with runtime.database.transaction() as connection:  # as an operator would, from another connection
            connection.execute(app_tokens.delete().where(app_tokens.c.token_sha256 != token_hash(other)))
        refused = post(token)
        assert refused.status_code == 401 and refused.json()["error"]["message"] == "unknown or revoked app token"
        assert post(other).status_code == 200


def test_a_token_removed_after_it_was_seen_stores_nothing_more(runtime: Runtime) -> None:
    """A request that stores reports takes a token seen before from memory; the transaction storing its reports
    checks the token again, so a removed token stores nothing, at once, and is then read from the store again."""
    token = register_app(runtime.database, runtime.ruleset.rules, "hite-pi6", datetime.now(UTC))
    item = {"id": "x-1", "action": "teaching.session", "teacher_id": "T-none",
            "occurred_at": "2026-10-05T08:00:00+08:00", "duration_s": 2400}
    with TestClient(create_app(runtime)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post(URL, json={"operations": []}, headers=headers).status_code == 200  # seen
        with runtime.database.transaction() as connection:
            connection.execute(app_tokens.delete())
        for _ in range(2):
            refused = client.post(URL, json={"operations": [item], "batch_id": "b-1"}, headers=headers)
            assert refused.status_code == 401 and refused.json()["error"]["message"] == "unknown or revoked app token"
    with runtime.database.read() as connection:
        assert connection.scalar(text("SELECT count(*) FROM operations")) == 0
        assert connection.scalar(text("SELECT count(*) FROM rejections")) == 0
        assert connection.scalar(text("SELECT count(*) FROM batches")) == 0


def test_jifen_apps_revoke_takes_an_api_token_away_at_once(runtime: Runtime, cli_env: dict[str, str]) -> None:
    """Each jifen apps add issues a further token (to rotate); revoking one refuses it at once, also where it was
    seen before, and leaves the app's others working."""
    runner = CliRunner()
    first, second = (runner.invoke(cli, ["apps", "add", "hite-pi6"], env=cli_env).stdout.splitlines()[-1]
                     for _ in range(2))
    with TestClient(create_app(runtime)) as client:
        def post(with_token: str) -> Any:
            return client.post(URL, json={"operations": []}, headers={"Authorization": f"Bearer {with_token}"})

        assert post(first).status_code == 200 and post(second).status_code == 200
        revoked = runner.invoke(cli, ["apps", "revoke", first], env=cli_env)
        assert revoked.exit_code == 0, revoked.stderr
        assert revoked.stdout.strip() == f"API token {first[:8]}... of app hite-pi6 revoked"
        assert first not in revoked.stdout, "the token is not printed whole"
        for refused in (post(first), client.get(f"{URL}/x", headers={"Authorization": f"Bearer {first}"})):
            assert refused.status_code == 401 and refused.json()["error"]["message"] == "unknown or revoked app token"
        assert post(second).status_code == 200
    again = runner.invoke(cli, ["apps", "revoke", first], env=cli_env)
    assert again.exit_code != 0 and "no app token jfa_" in again.stderr and first not in again.stderr


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_broken_lookup_connection_is_made_again(runtime: Runtime) -> None:
    """PostgreSQL alone: a server drops connections (a restart, an idle timeout); a SQLite file does not."""
    token = register_app(runtime.database, runtime.ruleset.rules, "hite-pi6", datetime.now(UTC))
    with TestClient(create_app(runtime)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post(URL, json={"operations": []}, headers=headers).status_code == 200
        backend = runtime.database.point_read("SELECT pg_backend_pid()", ())
        with runtime.database.transaction() as connection:  # the server drops it (a restart, an idle timeout)
            connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
        assert client.post(URL, json={"operations": []}, headers=headers).status_code == 200
        assert runtime.database.point_read("SELECT pg_backend_pid()", ()) != backend


def test_jifen_apps_list_shows_when_each_app_registered_in_local_time(runtime: Runtime,
                                                                      cli_env: dict[str, str]) -> None:
    register_app(runtime.database, runtime.ruleset.rules, "hite-pi6", datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
    listed = CliRunner().invoke(cli, ["apps", "list"], env=cli_env)
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.split() == ["hite-pi6", "鸿合π6", "2026-10-01", "00:30",  # Asia/Shanghai
                                     "tokens", "1", "keys", "-"]
