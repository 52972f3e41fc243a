"""Engines for the scoring tests: DuckDB and SQLite in memory, PostgreSQL in a schema of this process's
own, and one Spark session (local[2], loopback) for the whole run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from ibis.backends import BaseBackend

from jifen.settle.engine import backends
from postgres import PG_URL, REQUIRE_PG

# not the schema the other database tests use, so the two never drop each other's tables
PG_SCHEMA = f"jifen_engines_{os.getpid()}"


def _admin_connection() -> Any:
    import psycopg

    return psycopg.connect(backends.libpq_url(PG_URL), autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A URL whose connections work in this process's own schema; skips (or fails) without a server."""
    import psycopg

    try:
        with _admin_connection() as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            connection.execute(f"CREATE SCHEMA {PG_SCHEMA}")
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL does not answer at {PG_URL} ({str(exc).strip().splitlines()[0]})"
        if REQUIRE_PG:
            pytest.fail(message + "; JIFEN_TEST_POSTGRES=require")
        pytest.skip(message + "; skipping the PostgreSQL run (set JIFEN_TEST_POSTGRES=require to fail instead)")
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{PG_SCHEMA}"
    with _admin_connection() as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")


@pytest.fixture(scope="session")
def spark_backend() -> Iterator[BaseBackend]:
    """One SparkSession for the whole test run: starting the JVM is the slow part."""
    session = backends.spark_session("local[2]", shuffle_partitions=1, conf=backends.SMALL_INPUTS)
    yield backends.connect_spark(session)
    session.stop()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Iterator[BaseBackend]:
    """The engine named by the test's parameter; a fresh connection each test except Spark, whose
    session lives for the whole run."""
    name = request.param
    if name == "spark":
        yield request.getfixturevalue("spark_backend")
        return
    url = request.getfixturevalue("postgres_url") if name == "postgres" else None
    con = backends.connect(name, url=url)
    yield con
    con.disconnect()
