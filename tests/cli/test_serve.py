"""jifen serve: the real command, over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from jifen.demo.server import free_port

JIFEN = Path(sys.executable).parent / "jifen"

pytestmark = pytest.mark.slow


def test_serve_answers_on_the_given_host_and_port(cli_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port("127.0.0.1")
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(JIFEN), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env={**os.environ, **cli_env}, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/catalog", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["ruleset"]["name"] == "ningxia-2022"
        unauthorised = httpx.post(f"http://127.0.0.1:{port}/api/v1/operations", json={"operations": []})
        assert unauthorised.status_code == 401
        assert unauthorised.json()["error"]["code"] == "unauthorized"
    finally:
        process.terminate()
        process.wait(timeout=15)
