"""create_app(runtime): the FastAPI application, built from settings passed in."""

from __future__ import annotations

from fastapi import FastAPI

from jifen import __version__
from jifen.runtime import Runtime
from jifen.web import errors, ratelimit
from jifen.web.api import adjustments, catalog, operations, reports, teachers


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="Jifen 积分 API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.runtime = runtime
    app.state.rate_limiter = ratelimit.RateLimiter(runtime.settings.rate_limit_per_s,
                                                   runtime.settings.rate_limit_burst)
    errors.install(app)
    app.include_router(catalog.router)
    app.include_router(operations.router)
    app.include_router(reports.router)
    app.include_router(teachers.router)
    app.include_router(adjustments.router)
    return app
