"""create_app(runtime): the FastAPI application, built from settings passed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from jifen import __version__
from jifen.ingest.service import Ingest
from jifen.ingest.writer import GroupWriter
from jifen.runtime import Runtime
from jifen.web import errors, ratelimit
from jifen.web.api import adjustments, catalog, operations, reports, settlements, teachers


def create_app(runtime: Runtime) -> FastAPI:
    writer = GroupWriter(lambda: ingest_service(runtime), max_items=runtime.settings.max_batch_items)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        writer.close()  # what is queued is written before the server stops

    app = FastAPI(
        lifespan=lifespan,
        title="Jifen 积分 API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.runtime = runtime
    app.state.ingest_writer = writer
    app.state.rate_limiter = ratelimit.RateLimiter(runtime.settings.rate_limit_per_s,
                                                   runtime.settings.rate_limit_burst)
    errors.install(app)
    app.include_router(catalog.router)
    app.include_router(operations.router)
    app.include_router(reports.router)
    app.include_router(teachers.router)
    app.include_router(adjustments.router)
    app.include_router(settlements.router)
    return app


def ingest_service(runtime: Runtime) -> Ingest:
    """The ingestion service under the rule sets in force now and the settings' limits."""
    settings = runtime.settings
    return Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz,
                  future_tolerance_s=settings.future_tolerance_s, retention_months=settings.retention_months)


def from_environment() -> FastAPI:
    """The application of one server worker process (``jifen serve --workers N``): settings from JIFEN_*."""
    from jifen.config import Settings

    return create_app(Runtime.open(Settings(), upgrade=False))  # the parent process brought the schema up
