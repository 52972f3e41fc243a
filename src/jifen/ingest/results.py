"""The answer to one reported item, as the API returns it and as a batch replay reads it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jifen.domain.operations import Status


@dataclass(frozen=True)
class ItemResult:
    id: str | None
    status: Status
    indicator: str | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": str(self.status), "indicator": self.indicator, "reason": self.reason}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemResult:
        return cls(data["id"], Status(data["status"]), data["indicator"], data["reason"])


def duplicate(ident: str, indicator: str | None, status: str, withdrawn: bool = False) -> ItemResult:
    """The same id with the same content: what was stored stands; the app is told its status as stored (a
    pending report may have qualified since) and whether it withdrew it."""
    return ItemResult(ident, Status.DUPLICATE, indicator, f"id already received as {_stored(status, withdrawn)}")


def conflict(ident: str, indicator: str | None, status: str, withdrawn: bool = False) -> ItemResult:
    """The same id with other content: nothing changes, and the app is told what is stored under it."""
    return ItemResult(ident, Status.CONFLICT, indicator,
                      f"id already received with different content (stored as {_stored(status, withdrawn)})")


def _stored(status: str, withdrawn: bool) -> str:
    return f"{status}, withdrawn since" if withdrawn else status
