"""create_app(runtime): the FastAPI application, built from settings passed in."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from jifen import __version__
from jifen.access.service import KnownAppTokens
from jifen.ingest.writer import GroupWriter
from jifen.runtime import Runtime
from jifen.web import api_docs, errors, ratelimit
from jifen.web.fast_path import OperationsFastPath
from jifen.web.api import adjustments, catalog, credits, operations, reports, settlements, teachers
from jifen.web.api import appeals as appeals_api
from jifen.web.api import bulletin as bulletin_api
from jifen.web.api import charts as charts_api
from jifen.web.api import history as history_api
from jifen.web.pages import admin as admin_pages
from jifen.web.pages import admin_versions as version_pages
from jifen.web.pages import appeals as appeals_pages
from jifen.web.pages import auth as auth_pages
from jifen.web.pages import bulletin as bulletin_pages
from jifen.web.pages import desk as desk_pages
from jifen.web.pages import usage as usage_pages
from jifen.web.pages import identity as identity_pages
from jifen.web.pages import vendor as vendor_assets
from jifen.web.api import school_figures as school_figures_api


def create_app(runtime: Runtime) -> FastAPI:
    writer = GroupWriter(runtime.ingest_service, max_items=runtime.settings.max_batch_items)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        gc.freeze()  # what the application is made of stays: the collector need not walk it again and again
        try:
            yield
        finally:
            writer.close()  # what is queued is written before the server stops
            gc.unfreeze()

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
    app.state.known_app_tokens = KnownAppTokens()  # app tokens seen, checked again where reports are stored
    app.state.rate_limiter = ratelimit.RateLimiter(runtime.settings.rate_limit_per_s,
                                                   runtime.settings.rate_limit_burst)
    errors.install(app)
    api_docs.install(app)
    app.add_middleware(OperationsFastPath)  # POST /api/v1/operations without FastAPI's routing (jifen.web.fast_path)
    app.include_router(catalog.router)
    app.include_router(operations.router)
    app.include_router(reports.router)
    app.include_router(teachers.router)
    app.include_router(credits.router)
    app.include_router(adjustments.router)
    app.include_router(appeals_api.router)
    app.include_router(settlements.router)
    app.include_router(bulletin_api.router)
    app.include_router(history_api.router)
    app.include_router(charts_api.router)
    app.include_router(auth_pages.router)  # the pages, in Chinese, and the assets they load
    app.include_router(identity_pages.router)  # unified identity: OpenID Connect, CAS
    app.include_router(desk_pages.router)
    app.include_router(appeals_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(version_pages.router)
    app.include_router(bulletin_pages.router)
    app.include_router(usage_pages.router)
    app.include_router(vendor_assets.router)
    app.mount("/static", StaticFiles(packages=[("jifen.web", "static")]), name="static")
    app.include_router(school_figures_api.router)
    return app


def from_environment() -> FastAPI:
    """The application of one server worker process (``jifen serve --workers N``): settings from JIFEN_*."""
    from jifen.config import Settings

    return create_app(Runtime.open(Settings(), upgrade=False))  # the parent process brought the schema up
