"""The whole points flow at a given size: generate, import, POST over loopback HTTP, settle, report.

    .venv/bin/python benchmarks/flow.py --teachers 2000 20000 [--database-url postgresql://...]

On PostgreSQL it works in a schema of its own, jifen_bench, emptied first.
Prints the seconds of each phase, operations per second through the API, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from jifen.config import Settings
from jifen.demo import run
from jifen.demo.server import BackgroundServer, free_port
from jifen.runtime import Runtime
from jifen.web.app import create_app


def _bench_schema(url: str) -> str:
    """A fresh schema ``jifen_bench`` in the given database; returns a URL whose connections use it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS jifen_bench CASCADE")
        connection.execute("CREATE SCHEMA jifen_bench")
    return url + ("&" if "?" in url else "?") + "options=-csearch_path%3Djifen_bench"


def measure(teachers: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        if url.startswith("postgres"):
            url = _bench_schema(url)
        runtime = Runtime.open(Settings(data_dir=Path(folder), database_url=url))
        phases: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            phases[name] = now - clock
            clock = now

        rows, traffic, month = run.plan(runtime, teachers, 2024)
        lap("generate")
        run.load_region(runtime, rows)
        tokens = run.register_apps(runtime)
        lap("roster import")
        server = BackgroundServer(create_app(runtime), "127.0.0.1", free_port("127.0.0.1"))
        server.start()
        statuses = run.send(server.url, tokens, traffic.batches, lambda n: None)
        lap("POST operations")
        server.stop()
        run.settle(runtime, month)
        lap("settle + reports")
        runtime.close()
    sent = sum(statuses.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"{engine} teachers={teachers} operations={sent} "
          + " ".join(f"{k.replace(' ', '_')}={v:.1f}s" for k, v in phases.items())
          + f" api_ops_per_s={sent / phases['POST operations']:.0f} peak_rss_mb={peak_mb:.0f}"
          + f" at={datetime.now(UTC):%Y-%m-%dT%H:%MZ}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teachers", type=int, nargs="+", default=[2000])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    for teachers in args.teachers:
        measure(teachers, args.database_url)


if __name__ == "__main__":
    main()
