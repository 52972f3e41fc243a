"""Per-app rate limits: a token bucket per app, in process memory, checked after authentication.

Each app may make ``burst`` requests at once and ``rate`` requests a second after that. Over the limit the
request is answered 429 (code ``too_many_requests``) with ``Retry-After``: the whole seconds, at least 1, until
a token is back. Buckets live in the process: with several workers each holds its own, so the limit is per
worker; that is enough to stop a runaway client, which is what it is for.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, NamedTuple

from fastapi import Depends, Request

from jifen.errors import TooManyRequests
from jifen.web.deps import current_app, current_app_token, get_runtime


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by app code. ``rate <= 0`` turns the limit off."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``'s bucket: 0 when allowed, else the seconds until a token is back."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


async def limit_app(request: Request) -> str:
    """Dependency: the authenticated app (jifen.web.deps.current_app), once it is within its rate limit (in
    memory: no thread needed). It declares no dependencies of its own: every app request resolves it, and each
    dependency FastAPI resolves costs more than the rate limit itself."""
    return _within_limit(request, await current_app(request, await get_runtime(request)))


class StoringApp(NamedTuple):
    """The app of a request that stores reports, and the hash of its app token, still to be checked where the
    reports are stored (None when the request was checked against the store already)."""

    code: str
    token_sha256: str | None


async def limit_storing_app(request: Request) -> StoringApp:
    """limit_app for POST /api/v1/operations: the app as jifen.web.deps.current_app_token finds it."""
    code, token_sha256 = await current_app_token(request, await get_runtime(request))
    return StoringApp(_within_limit(request, code), token_sha256)


def _within_limit(request: Request, app_code: str) -> str:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(app_code)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"app {app_code} is over its rate limit of {limiter.rate:g} requests a second "
            f"(bursts of {limiter.burst}); retry in {seconds} s",
            retry_after=seconds,
        )
    return app_code


LimitedApp = Annotated[str, Depends(limit_app)]
StoringAppDep = Annotated[StoringApp, Depends(limit_storing_app)]
