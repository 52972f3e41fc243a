"""Signed requests: app credentials (key and encrypted secret), HMAC-SHA256 signatures and replay protection.

Every test runs on SQLite and on PostgreSQL (the ``runtime`` fixture).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from factories import CST, op, row
from jifen.access import credentials, signing
from jifen.access.credentials import Issued
from jifen.access.signing import SignedRequest, check_timestamp
from jifen.cli.main import app as cli
from jifen.config import Settings
from jifen.errors import InvalidInput, NotFound, Unauthorized
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store.tables import app_credentials, request_nonces
from jifen.web.app import create_app


URL = "/api/v1/operations"
APP = "seewo-easinote5"


class Signer:
    """A test client that signs its requests as the canonical scheme of the README says."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.client = TestClient(create_app(runtime))

    def issue(self, app_code: str = APP) -> Issued:
        return credentials.issue(self.runtime.database, self.runtime.server_key, self.runtime.ruleset.rules,
                                 app_code, datetime.now(UTC))

    def headers(self, key: str, secret: str, method: str, target: str, body: bytes, *,
                timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16) if nonce is None else nonce
        canonical = "\n".join([method, target, stamp, nonce, hashlib.sha256(body).hexdigest()])
        signature = hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
        return {"X-Jifen-Key": key, "X-Jifen-Timestamp": stamp, "X-Jifen-Nonce": nonce,
                "X-Jifen-Signature": signature}

    def post(self, issued: Issued, items: list[Any] | None = None, *, secret: str | None = None,
             body: bytes | None = None, sign_target: str = URL, **signed: Any) -> Any:
        content = json.dumps({"operations": items if items is not None else [_item()]}).encode()
        headers = self.headers(issued.key, issued.secret if secret is None else secret, "POST", sign_target,
                               content, **signed)
        return self.client.post(URL, content=content if body is None else body,
                                headers={"Content-Type": "application/json", **headers})

    def get(self, issued: Issued, ident: str) -> Any:
        target = f"{URL}/{ident}"
        return self.client.get(target, headers=self.headers(issued.key, issued.secret, "GET", target, b""))


def _item(ident: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = op("research.activity", teacher="T1", when=datetime.now(CST).isoformat())
    if ident:
        item["id"] = ident
    return item


@pytest.fixture
def signer(runtime: Runtime) -> Iterator[Signer]:
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz), [row("T1", "S1")], full=False,
                now=datetime.now(UTC))
    made = Signer(runtime)
    with made.client:
        yield made


def _refused(response: Any, *words: str) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == 401 and error["code"] == "unauthorized"
    message: str = error["message"]
    for word in words:
        assert word in message, message
    return message


# --- accepted ---------------------------------------------------------------------------------------------------

def test_a_signed_post_and_get_are_accepted(signer: Signer) -> None:
    issued = signer.issue()
    response = signer.post(issued, [_item("signed-1")])
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "qualified"
    status = signer.get(issued, "signed-1")
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "qualified"


def test_a_signed_delete_is_accepted(signer: Signer) -> None:
    issued = signer.issue()
    assert signer.post(issued, [_item("to-withdraw")]).status_code == 200
    target = f"{URL}/to-withdraw"
    response = signer.client.delete(target, headers=signer.headers(issued.key, issued.secret, "DELETE", target, b""))
    assert response.status_code == 200, response.text
    response = signer.client.delete(target, headers=signer.headers(issued.key, "wrong", "DELETE", target, b""))
    _refused(response, "bad signature")


def test_a_query_string_is_part_of_what_is_signed(signer: Signer) -> None:
    issued = signer.issue()
    signer.post(issued, [_item("q-1")])
    target = f"{URL}/q-1?verbose=1"
    headers = signer.headers(issued.key, issued.secret, "GET", target, b"")
    assert signer.client.get(target, headers=headers).status_code == 200
    headers = signer.headers(issued.key, issued.secret, "GET", f"{URL}/q-1", b"")
    _refused(signer.client.get(target, headers=headers), "bad signature")


# --- refused ----------------------------------------------------------------------------------------------------

def test_a_wrong_secret_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    _refused(signer.post(issued, secret=issued.secret + "x"), "bad signature", issued.key)


def test_a_tampered_body_is_refused_and_nothing_is_stored(signer: Signer) -> None:
    issued = signer.issue()
    tampered = json.dumps({"operations": [_item("tampered")]}).encode()
    _refused(signer.post(issued, [_item("original")], body=tampered), "bad signature")
    for ident in ("tampered", "original"):
        assert signer.get(issued, ident).status_code == 404


def test_a_tampered_path_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    _refused(signer.post(issued, sign_target="/api/v1/other"), "bad signature")


# A future timestamp comes closer while the request travels (and int() truncates the clock): 305, not 301
@pytest.mark.parametrize("offset", [-301, 305, -3600, 86400])
def test_a_timestamp_outside_five_minutes_is_refused(signer: Signer, offset: int) -> None:
    issued = signer.issue()
    _refused(signer.post(issued, timestamp=int(time.time()) + offset), "X-Jifen-Timestamp", "±300 s")


def test_the_window_is_as_wide_behind_as_ahead_in_whole_seconds() -> None:
    def request(timestamp: int) -> SignedRequest:
        return SignedRequest(key="k", timestamp=timestamp, nonce="n", signature="", method="POST", target="/",
                             body=b"")

    now = 1_000_000.9  # the server's clock, in the middle of a second
    for timestamp in (now // 1 - 300, now // 1 + 300, now // 1):
        check_timestamp(request(int(timestamp)), now)
    for timestamp, said in ((999_699, "is 301 s behind"), (1_000_301, "is 301 s ahead of")):
        with pytest.raises(Unauthorized, match=said):
            check_timestamp(request(timestamp), now)


def test_a_timestamp_just_inside_five_minutes_is_accepted(signer: Signer) -> None:
    issued = signer.issue()
    for offset in (-290, 290):
        assert signer.post(issued, timestamp=int(time.time()) + offset).status_code == 200


def test_a_malformed_timestamp_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    headers = signer.headers(issued.key, issued.secret, "GET", f"{URL}/x", b"")
    headers["X-Jifen-Timestamp"] = "2026-11-23T00:00:00Z"
    _refused(signer.client.get(f"{URL}/x", headers=headers), "X-Jifen-Timestamp", "Unix seconds")


def test_a_reused_nonce_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    assert signer.post(issued, [_item("n-1")], nonce="once").status_code == 200
    _refused(signer.post(issued, [_item("n-2")], nonce="once"), "nonce", "already used")
    assert signer.get(issued, "n-2").status_code == 404
    # the same nonce under another key is that key's first use
    other = signer.issue()
    assert signer.post(other, [_item("n-3")], nonce="once").status_code == 200


def test_a_replayed_request_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    content = json.dumps({"operations": [_item("replayed")]}).encode()
    headers = {"Content-Type": "application/json", **signer.headers(issued.key, issued.secret, "POST", URL, content)}
    assert signer.client.post(URL, content=content, headers=headers).status_code == 200
    _refused(signer.client.post(URL, content=content, headers=headers), "nonce")


def test_a_nonce_over_128_characters_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    _refused(signer.post(issued, nonce="n" * 129), "X-Jifen-Nonce", "128")
    assert signer.post(issued, nonce="n" * 128).status_code == 200


def test_an_unknown_key_is_refused(signer: Signer) -> None:
    issued = signer.issue()
    _refused(signer.post(Issued(APP, "jfk_unknown", issued.secret, [])), "unknown key")


@pytest.mark.parametrize("header", signing.HEADERS)
def test_a_missing_header_is_refused(signer: Signer, header: str) -> None:
    issued = signer.issue()
    headers = signer.headers(issued.key, issued.secret, "GET", f"{URL}/x", b"")
    del headers[header]
    _refused(signer.client.get(f"{URL}/x", headers=headers), "missing header", header)


def test_a_bearer_token_still_works(signer: Signer) -> None:
    from jifen.access.service import register_app

    token = register_app(signer.runtime.database, signer.runtime.ruleset.rules, APP, datetime.now(UTC))
    response = signer.client.post(URL, json={"operations": [_item()]}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


# --- rotation and revocation -------------------------------------------------------------------------------------

def test_two_active_credentials_both_work_and_a_third_revokes_the_oldest(signer: Signer) -> None:
    first, second = signer.issue(), signer.issue()
    assert first.revoked == [] and second.revoked == []
    assert signer.post(first).status_code == 200
    assert signer.post(second).status_code == 200
    third = signer.issue()
    assert third.revoked == [first.key]
    _refused(signer.post(first), "revoked", first.key)
    assert signer.post(second).status_code == 200
    assert signer.post(third).status_code == 200


def test_revocation_takes_effect_at_once(signer: Signer) -> None:
    issued = signer.issue()
    assert signer.post(issued).status_code == 200
    assert credentials.revoke(signer.runtime.database, issued.key, datetime.now(UTC)) == APP
    _refused(signer.post(issued), "revoked")
    with pytest.raises(NotFound, match="jfk_nothing"):
        credentials.revoke(signer.runtime.database, "jfk_nothing", datetime.now(UTC))


def test_credentials_are_only_issued_for_a_registered_or_catalog_app(signer: Signer) -> None:
    with pytest.raises(InvalidInput, match="wechat"):
        signer.issue("wechat")
    issued = signer.issue("hite-pi6")  # in the catalog: registered on the way
    assert signer.post(issued, [op("lesson.create", teacher="T1", when=datetime.now(CST).isoformat())]
                       ).status_code == 200


# --- secrets at rest ---------------------------------------------------------------------------------------------

def test_the_database_never_holds_a_secret_in_the_clear(signer: Signer) -> None:
    issued = [signer.issue() for _ in range(3)]
    signer.post(issued[-1])
    with signer.runtime.database.read() as connection:
        text = repr(connection.execute(select(app_credentials)).all())
        text += repr(connection.execute(select(request_nonces)).all())
    for one in issued:
        assert one.key in text
        assert one.secret not in text
        assert one.secret.removeprefix("jfs_") not in text
    assert repr(issued[0]).count(issued[0].secret) == 0, "repr must not show the secret"


def test_the_server_key_file_is_private_and_kept(runtime: Runtime) -> None:
    path = runtime.settings.data_dir / "secret.key"
    box = runtime.server_key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Runtime(settings=runtime.settings, database=runtime.database).server_key
    assert again.decrypt(box.encrypt(b"x")) == b"x"


def test_the_server_key_can_come_from_the_setting(runtime: Runtime, tmp_path: Any) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    settings = Settings(data_dir=tmp_path, database_url=runtime.settings.database_url, secret_key=key)
    box = Runtime(settings=settings, database=runtime.database).server_key
    assert Fernet(key).decrypt(box.encrypt(b"x")) == b"x"
    assert not (tmp_path / "secret.key").exists()
    assert key not in repr(settings)
    bad = Settings(data_dir=tmp_path, database_url=runtime.settings.database_url, secret_key="hunter2")
    with pytest.raises(InvalidInput, match="JIFEN_SECRET_KEY is not a Fernet key"):
        _ = Runtime(settings=bad, database=runtime.database).server_key


def test_old_nonces_are_pruned(signer: Signer) -> None:
    issued = signer.issue()
    assert signer.post(issued, nonce="old").status_code == 200
    database = signer.runtime.database
    assert credentials.prune_nonces(database, datetime.now(UTC) + timedelta(minutes=5)) == 0
    assert credentials.prune_nonces(database, datetime.now(UTC) + timedelta(minutes=11)) == 1


# --- the command -------------------------------------------------------------------------------------------------

def test_the_command_prints_key_and_secret_that_sign(signer: Signer, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    outputs = []
    for _ in range(3):
        result = runner.invoke(cli, ["apps", "credentials", APP], env=cli_env)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        outputs.append(result.stdout)
    key, secret = outputs[0].splitlines()[-1].split(" ")
    assert key.startswith("jfk_") and secret.startswith("jfs_")
    assert outputs[0].count(secret) == 1, "the secret is printed once, on the last line"
    second_key, second_secret = outputs[1].splitlines()[-1].split(" ")
    assert signer.post(Issued(APP, second_key, second_secret, [])).status_code == 200
    assert f"revoked the oldest key {key}" in outputs[2]
    _refused(signer.post(Issued(APP, key, secret, [])), "revoked")

    revoked = runner.invoke(cli, ["apps", "revoke", second_key], env=cli_env)
    assert revoked.exit_code == 0 and second_key in revoked.stdout
    _refused(signer.post(Issued(APP, second_key, second_secret, [])), "revoked")
    unknown = runner.invoke(cli, ["apps", "revoke", "jfk_nothing"], env=cli_env)
    assert unknown.exit_code != 0 and "jfk_nothing" in unknown.stderr
    wrong = runner.invoke(cli, ["apps", "credentials", "wechat"], env=cli_env)
    assert wrong.exit_code != 0 and wrong.stdout == ""


def test_a_signed_body_over_the_limit_is_refused_before_it_is_read_whole(database_url: str, tmp_path: Any) -> None:
    runtime = Runtime.open(Settings(data_dir=tmp_path, database_url=database_url, max_body_bytes=200))
    try:
        signer = Signer(runtime)
        issued = signer.issue()
        with signer.client:
            response = signer.post(issued, [_item(f"big-{n}") for n in range(5)])
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"
    finally:
        runtime.close()
