"""Batch idempotency: a batch id answers once; a replay of it gets the first answer, nothing re-processed.

Runs inside the ingestion transaction, so a batch's answer is stored with its operations or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from jifen.errors import BatchConflict
from jifen.ingest.idempotency import batch_sha256, request_sha256
from jifen.ingest.results import ItemResult
from jifen.store import batches as repo


def answer(results: list[ItemResult], batch_id: str | None) -> dict[str, Any]:
    """The response body to a submission: its results, and its batch id when it carried one."""
    body: dict[str, Any] = {"results": [r.as_json() for r in results]}
    if batch_id is not None:
        body["batch_id"] = batch_id
    return body


def conflict(batch_id: str) -> BatchConflict:
    message = f"batch id {batch_id!r} was already answered for other items; send new items under a new batch id"
    return BatchConflict(message, details=[{"path": "", "message": message}])


def replayed(connection: Connection, app_code: str, batch_id: str, digest: str,
             earlier_digest: Callable[[], str] | None = None) -> list[ItemResult] | None:
    """The first answer to this (app, batch id), None when it is new; BatchConflict when it came with other items.
    ``earlier_digest``: the fingerprint the batch would have been stored with before (see jifen.ingest.idempotency),
    worked out only for a batch stored with another."""
    stored = repo.get(connection, app_code, batch_id)
    if stored is None:
        return None
    if stored.request_sha256 != digest and (earlier_digest is None or stored.request_sha256 != earlier_digest()):
        raise conflict(batch_id)
    return [ItemResult.from_json(r) for r in stored.response["results"]]


def remember(connection: Connection, app_code: str, batch_id: str, digest: str, results: list[ItemResult],
             now: datetime) -> None:
    repo.add(connection, app_code, batch_id, digest, answer(results, batch_id), now)


__all__ = ["answer", "batch_sha256", "conflict", "remember", "replayed", "request_sha256"]
