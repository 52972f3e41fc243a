"""Operations as apps report them, and the outcome of checking one against the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    QUALIFIED = "qualified"
    NOT_QUALIFIED = "not_qualified"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"  # an id already received with other content: answered, never stored
    PENDING = "pending"
    REJECTED = "rejected"


class Missing:
    """Marks a field the report does not carry."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


class FieldProblem(Exception):
    """A report field is missing or malformed: the report is rejected, naming the field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem

    @property
    def reason(self) -> str:
        return f"{self.field} {self.problem}"


@dataclass(frozen=True)
class Report:
    """A well-formed report: the envelope fields are checked, attributes are still the app's own."""

    id: str
    action: str
    occurred_at: datetime
    teacher_id: str | None = None
    school_id: str | None = None
    duration_s: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def ends_at(self) -> datetime | None:
        """The end of a session: occurred_at + duration_s; None for reports without a duration."""
        return None if self.duration_s is None else self.occurred_at + timedelta(seconds=self.duration_s)

    def value(self, path: str) -> Any:
        """The value at ``duration_s`` or ``attributes.NAME``; MISSING when absent or null."""
        if path == "duration_s":
            return MISSING if self.duration_s is None else self.duration_s
        if path.startswith("attributes."):
            value = self.attributes.get(path[len("attributes."):], MISSING)
            return MISSING if value is None else value
        raise KeyError(path)


@dataclass(frozen=True)
class Outcome:
    status: Status
    indicator: str | None = None
    reason: str | None = None
