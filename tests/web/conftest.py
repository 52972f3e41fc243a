"""Fixtures of the pages' tests: the small settled region of ``web_region`` and a test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from web_region import Region, build_region

from jifen.access import passwords
from jifen.runtime import Runtime
from jifen.web.app import create_app


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs: the same code path, a fraction of the time."""
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", lambda: quick)


@pytest.fixture
def region(runtime: Runtime, fast_hashing: None) -> Region:
    return build_region(runtime)


@pytest.fixture
def client(runtime: Runtime, region: Region) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), follow_redirects=False) as test_client:
        yield test_client
