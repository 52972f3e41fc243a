"""Fixtures: every database test runs on SQLite and, when the server answers, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from jifen.config import Settings
from jifen.runtime import Runtime

PG_URL = os.environ.get("JIFEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("JIFEN_TEST_POSTGRES", "").lower() in {"1", "require", "yes"}


def _postgres_answers() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


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
    if _postgres_answers() is None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db')}/jifen.sqlite3"
    problem = _postgres_answers()
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
