"""Where the PostgreSQL tests find their server, and whether it answers."""

from __future__ import annotations

import os

PG_URL = os.environ.get("JIFEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("JIFEN_TEST_POSTGRES", "").lower() in {"1", "require", "yes"}


def postgres_problem() -> str | None:
    """None when the server answers, else what went wrong."""
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
