"""The adjustment entries shown beside a settled unit: each with its author and time, and whether the
settlement carries it (entries recorded after a settlement apply from the month's next version on)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from jifen.settle.adjustments import as_json
from jifen.store import adjustments as repo
from jifen.store.settlements import SettlementRecord


def entries(connection: Connection, record: SettlementRecord, level: str, code: str) -> list[dict[str, Any]]:
    return [{**as_json(entry), "in_settlement": entry.created_at <= record.created_at}
            for entry in repo.for_unit(connection, record.month, level, code)]
