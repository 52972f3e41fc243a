"""Batches repository: the first answer to each (app, batch id), kept to answer a replay with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from jifen.store.tables import batches


@dataclass(frozen=True)
class StoredBatch:
    app_code: str
    batch_id: str
    request_sha256: str
    response: dict[str, Any]
    created_at: datetime


def get(connection: Connection, app_code: str, batch_id: str) -> StoredBatch | None:
    row = connection.execute(
        select(batches).where(batches.c.app_code == app_code, batches.c.batch_id == batch_id)
    ).first()
    return StoredBatch(**row._mapping) if row else None


def add(connection: Connection, app_code: str, batch_id: str, request_sha256: str, response: dict[str, Any],
        now: datetime) -> None:
    connection.execute(batches.insert().values(app_code=app_code, batch_id=batch_id, request_sha256=request_sha256,
                                               response=response, created_at=now))
