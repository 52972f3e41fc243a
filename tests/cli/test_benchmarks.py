"""The ingestion benchmark runs, at a size CI can afford, against the real server on both databases.

It runs two server processes (``jifen serve --workers 2``) over one store. It measures nothing here (figures on a
shared CI machine mean little); it shows that the benchmark still drives the product end to end, that every item
it sends qualifies, and that it prints a figure for each measurement.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from postgres import PG_URL, REQUIRE_PG, postgres_problem

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "ingest.py"


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_ingest_benchmark_runs_at_reduced_size(engine: str) -> None:
    if engine == "postgresql" and postgres_problem() is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL does not answer at {PG_URL}; JIFEN_TEST_POSTGRES=require")
        pytest.skip(f"PostgreSQL does not answer at {PG_URL}; skipping the PostgreSQL run")
    schema = f"jifen_bench_test_{os.getpid()}"
    try:
        done = subprocess.run(
            [sys.executable, str(BENCHMARK), "--database", engine, "--postgresql-url", PG_URL, "--schema", schema,
             "--operations", "3000", "--singles", "60", "--teachers", "300", "--prefill", "5000",
             "--connections", "8", "--workers", "2"],  # two server processes writing one store
            capture_output=True, text=True, timeout=600,
        )
    finally:
        if engine == "postgresql":
            import psycopg

            with psycopg.connect(PG_URL, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    singles = next(line for line in lines if " singles " in line)
    batched = next(line for line in lines if " batched_1000 " in line)
    assert re.search(r"req_per_s=\d+", singles) and "statuses=qualified:60" in singles
    assert re.search(r"ops_per_s=\d+", batched) and "statuses=qualified:3000" in batched
    assert any("server_peak_rss_mb=" in line and "prefill_s=" in line for line in lines)


SETTLE_BENCHMARK = BENCHMARK.with_name("settle.py")


@pytest.mark.slow
def test_the_settlement_benchmark_runs_at_reduced_size() -> None:
    done = subprocess.run(
        [sys.executable, str(SETTLE_BENCHMARK), "--teachers", "1500", "--operations", "60000"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    written = int(re.search(r"operations=(\d+) generated_s=", out).group(1))  # type: ignore[union-attr]
    assert 50_000 < written < 70_000  # the generator hits the size asked for, give or take its randomness
    for figure in ("yardstick_duckdb_sql_s=", "settle_from_counts_s=", "recount_plus_settle_s="):
        assert re.search(figure + r"\d+\.\d+", out), out
    assert re.search(r"peak_mb=\d+", out) and re.search(r"count_rows=[1-9]\d*", out)


WEB_BENCHMARK = BENCHMARK.with_name("web.py")


@pytest.mark.slow
def test_the_page_benchmark_runs_at_reduced_size(tmp_path: Path) -> None:
    """A tiny province: the store is built and settled, users sign in and browse each kind of page without an
    error, and every figure is printed (their values mean nothing on a shared CI machine)."""
    done = subprocess.run(
        [sys.executable, str(WEB_BENCHMARK), "--database", "sqlite", "--teachers", "300", "--months", "2",
         "--per-month", "4", "--users", "10", "--seconds", "2", "--think", "0.05", "--workers", "2",
         "--reuse", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("sqlite store teachers=300 ") for line in lines), done.stdout
    for kind in ("desk", "operations", "explanation", "rules", "history_json", "unit_school", "all"):
        line = next((x for x in lines if f" page={kind} " in x), None)
        assert line is not None, f"no figures for {kind}: {done.stdout}"
        assert re.search(r"requests=[1-9]\d* p50_ms=[\d.]+ p95_ms=[\d.]+ p99_ms=[\d.]+ req_per_s=[\d.]+ errors=0$",
                         line), line
    assert any("target p95 < 100 ms: " in line for line in lines)
    assert any(re.search(r"server_peak_rss_mb=\d+", line) for line in lines)
