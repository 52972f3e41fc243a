"""jifen serve settles due months by itself (JIFEN_AUTO_SETTLE), once each."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from factories import row
from jifen.demo.server import free_port
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store import settlements

JIFEN = Path(sys.executable).parent / "jifen"

pytestmark = pytest.mark.slow


def test_serve_settles_last_month_in_the_background(runtime: Runtime, cli_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    last = str(Month.of(datetime.now(UTC), runtime.tz).previous())
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz), [row("T1", "S1")], full=True,
                now=datetime.now(UTC), effective_from=Month.parse(last))
    env = {**os.environ, **cli_env, "JIFEN_AUTO_SETTLE": "true", "JIFEN_AUTO_SETTLE_INTERVAL_S": "0.5",
           "JIFEN_SETTLE_DAY": "1", "JIFEN_SETTLE_HOUR": "0", "JIFEN_SETTLE_GRACE_HOURS": "0"}
    log = tmp_path / "serve.log"
    port = free_port("127.0.0.1")
    with log.open("wb") as output:
        process = subprocess.Popen([str(JIFEN), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90  # a wait, not a measure: a loaded machine starts slowly
        while True:
            with runtime.database.read() as connection:
                found = settlements.versions(connection, last)
            if found:
                break
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "last month was not settled within 90 s\n" + log.read_text()
            time.sleep(0.2)
        time.sleep(1.5)  # a few more checks: the month is settled once
        with runtime.database.read() as connection:
            assert [(v.version, v.status) for v in settlements.versions(connection, last)] == [(1, "draft")]
        assert f"{last}: 首次结算 first settlement; settled as draft version 1" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=15)  # a settlement cut short by the signal is rolled back by its transaction
