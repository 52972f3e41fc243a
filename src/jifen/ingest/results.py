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


def duplicate(ident: str, indicator: str | None, status: str) -> ItemResult:
    """The same id with the same content: the first answer stands."""
    return ItemResult(ident, Status.DUPLICATE, indicator, f"id already received as {status}")


def conflict(ident: str, indicator: str | None, status: str) -> ItemResult:
    """The same id with other content: nothing changes, and the app is told its first answer."""
    return ItemResult(ident, Status.CONFLICT, indicator,
                      f"id already received with different content (first answer: {status})")
