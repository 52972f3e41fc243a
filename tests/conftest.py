"""Fixtures: every database test runs on SQLite and, when the server answers, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from jifen.config import Settings
from jifen.runtime import Runtime

from postgres import PG_URL, REQUIRE_PG, postgres_problem

# Each test process works in a schema of its own, so test runs sharing the server do not meet.
PG_SCHEMA = f"jifen_test_{os.getpid()}"


def _reset_postgres() -> str:
    """Empty this process's schema; returns a URL whose connections use it."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        connection.execute(f"CREATE SCHEMA {PG_SCHEMA}")
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{PG_SCHEMA}"


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schema() -> Iterator[None]:
    yield
    if postgres_problem() is None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db')}/jifen.sqlite3"
    problem = postgres_problem()
    if problem is not None:
        message = f"PostgreSQL does not answer at {PG_URL} ({problem})"
        if REQUIRE_PG:
            pytest.fail(message + "; JIFEN_TEST_POSTGRES=require")
        pytest.skip(message + "; skipping the PostgreSQL run (set JIFEN_TEST_POSTGRES=require to fail instead)")
    return _reset_postgres()


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=database_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    opened = Runtime.open(settings)
    yield opened
    opened.close()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the jifen command against the test database; ``jifen serve`` settles nothing by
    itself unless a test turns JIFEN_AUTO_SETTLE on."""
    return {"JIFEN_DATABASE_URL": settings.database_url or "", "JIFEN_DATA_DIR": str(settings.data_dir),
            "JIFEN_AUTO_SETTLE": "false"}
