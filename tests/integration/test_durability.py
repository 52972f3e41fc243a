"""Durability: an item is acknowledged only once committed.

Clients stream batches to a real ``jifen serve`` process, which is killed (SIGKILL) mid-stream and started
again. Every acknowledged item is then stored exactly once, with the status it was acknowledged with; every
unacknowledged one, sent again, is answered as new when it was not stored, ``duplicate`` when it had been
committed but its answer was lost; afterwards every item is stored exactly once. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from factories import row
from sqlalchemy import select

from jifen.access.service import register_app
from jifen.demo.server import free_port
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store.tables import operations

pytestmark = pytest.mark.slow

JIFEN = Path(sys.executable).parent / "jifen"
APP = "hite-pi6"
CLIENTS = 4
BATCH = 200
BATCHES_PER_CLIENT = 60  # more than a client can send before the kill
NEW = {"qualified", "not_qualified", "pending"}


class Server:
    """``jifen serve`` as a child process, on a port of its own."""

    def __init__(self, cli_env: dict[str, str], log: Path) -> None:
        self.port = free_port("127.0.0.1")
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, **cli_env, "JIFEN_RATE_LIMIT_PER_S": "0"}  # clients as fast as they can; no 429s
        with log.open("ab") as output:
            self.process = subprocess.Popen([str(JIFEN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                            env=env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/api/v1/catalog", timeout=2).raise_for_status()
                return
            except httpx.TransportError:
                assert self.process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@dataclass
class Client:
    """One app connection sending its batches in turn until the server goes away."""

    number: int
    url: str
    headers: dict[str, str]
    batches: list[list[dict[str, Any]]]
    acknowledged: dict[str, str] = field(default_factory=dict)  # id -> status answered
    unacknowledged: list[list[dict[str, Any]]] = field(default_factory=list)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as http:
            for batch in self.batches:
                try:
                    response = http.post("/api/v1/operations", json={"operations": batch})
                except httpx.TransportError:
                    self.unacknowledged.append(batch)  # the server died with this batch in flight
                    return
                assert response.status_code == 200, response.text
                self.acknowledged.update((r["id"], r["status"]) for r in response.json()["results"])


def batches(client: int, start: datetime) -> list[list[dict[str, Any]]]:
    """Batches of items with ids of their own, spread over teachers and the days of a past month."""
    made = []
    for b in range(BATCHES_PER_CLIENT):
        batch = []
        for i in range(BATCH):
            n = b * BATCH + i
            when = start + timedelta(days=n % 28, hours=n % 10, minutes=client * 11 + n % 7)
            teacher = f"t{(client * 5 + n) % 24 + 1}"  # t21..t24 are not on the roster: pending
            batch.append({"id": f"c{client}-b{b}-i{i}", "action": "lesson.create", "teacher_id": teacher,
                          "occurred_at": when.isoformat(), "attributes": {"标题": f"第{n}课"}})
        made.append(batch)
    return made


def stored(runtime: Runtime) -> tuple[Counter[str], dict[str, str]]:
    """How many times each id is stored, and its status."""
    with runtime.database.read() as connection:
        rows = connection.execute(select(operations.c.external_id, operations.c.status)
                                  .where(operations.c.app_code == APP)).all()
    return Counter(r.external_id for r in rows), {r.external_id: r.status for r in rows}


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """The servers a test starts, stopped at its end whatever happened."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_a_killed_server_loses_no_acknowledged_item_and_stores_retries_once(
    runtime: Runtime, cli_env: dict[str, str], servers: list[Server], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz),
                [row(f"t{i}", f"S{i % 3}") for i in range(1, 21)], full=False, now=now)
    headers = {"Authorization": f"Bearer {register_app(runtime.database, runtime.ruleset.rules, APP, now)}"}
    start = (now - timedelta(days=70)).replace(hour=0, minute=0, second=0, microsecond=0)

    servers.append(Server(cli_env, tmp_path / "serve.log"))
    clients = [Client(k, servers[0].url, headers, batches(k, start)) for k in range(CLIENTS)]
    threads = [threading.Thread(target=c.run, name=f"client-{c.number}") for c in clients]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(0.5, 1.5))
    servers[0].kill()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()

    acknowledged = {i: s for c in clients for i, s in c.acknowledged.items()}
    retries = [batch for c in clients for batch in c.unacknowledged]
    assert acknowledged, "no batch was answered before the kill"
    assert retries, "every client had finished before the kill"
    assert set(acknowledged.values()) <= NEW

    servers.append(Server(cli_env, tmp_path / "serve.log"))
    counts, statuses = stored(runtime)
    assert all(counts[i] == 1 for i in acknowledged), "an acknowledged item is lost or stored twice"
    assert all(statuses[i] == s for i, s in acknowledged.items()), "an acknowledged status differs from the stored"
    assert set(counts.values()) == {1}
    committed_before = set(counts)

    answered: dict[str, str] = {}
    with httpx.Client(base_url=servers[1].url, headers=headers, timeout=30) as http:
        for batch in retries:
            response = http.post("/api/v1/operations", json={"operations": batch})
            assert response.status_code == 200, response.text
            answered.update((r["id"], r["status"]) for r in response.json()["results"])
    for ident, status in answered.items():
        if ident in committed_before:  # committed before the kill, its answer lost
            assert status == "duplicate", (ident, status)
        else:
            assert status in NEW, (ident, status)

    counts, _ = stored(runtime)
    sent = set(acknowledged) | set(answered)
    assert set(counts) == sent and set(counts.values()) == {1}
