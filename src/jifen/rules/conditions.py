"""Condition kinds. Each is a small pydantic model with a ``kind`` tag and a ``check`` method.

``check`` returns None when the report meets the condition, else the reason it does not. A field the
condition needs that is missing or of the wrong type raises FieldProblem (the report is rejected).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Protocol, Union
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from jifen.domain.operations import MISSING, FieldProblem, Report


MAX_CONTENT_KEY = 128  # the width of content_hashes.sha256


class History(Protocol):
    """What a condition may ask about reports received before this one."""

    def content_seen(self, sha256: str) -> bool: ...

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool: ...


@dataclass(frozen=True)
class Context:
    history: History
    tz: ZoneInfo
    indicator: str = ""


def _field_path(value: str) -> str:
    if value != "duration_s" and not (value.startswith("attributes.") and len(value) > len("attributes.")):
        raise ValueError("field must be 'duration_s' or 'attributes.NAME'")
    return value


FieldPath = Annotated[str, AfterValidator(_field_path)]


def room_key(value: Any) -> str | None:
    """The room a session's room attribute names (ActionRule.room), as rooms are compared: a string stripped and
    lower-cased, a number as its value ("1" for 1 and 1.0); None for anything else (no room)."""
    if isinstance(value, str):
        return value.strip().lower() or None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _present(report: Report, path: str) -> Any:
    value = report.value(path)
    if value is MISSING:
        raise FieldProblem(path, "is missing")
    return value


def _number(report: Report, path: str) -> float:
    value = _present(report, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldProblem(path, "must be a number")
    return value


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Kind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def check(self, report: Report, ctx: Context) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class AtLeast(_Kind):
    kind: Literal["at_least"]
    field: FieldPath
    value: float

    def check(self, report: Report, ctx: Context) -> str | None:
        actual = _number(report, self.field)
        return None if actual >= self.value else f"{self.field} {_show(actual)} < {_show(self.value)}"

    def describe(self) -> str:
        return f"{self.field} >= {_show(self.value)}"


class Between(_Kind):
    kind: Literal["between"]
    field: FieldPath
    min: float
    max: float

    def check(self, report: Report, ctx: Context) -> str | None:
        actual = _number(report, self.field)
        if self.min <= actual <= self.max:
            return None
        return f"{self.field} {_show(actual)} not between {_show(self.min)} and {_show(self.max)}"

    def describe(self) -> str:
        return f"{_show(self.min)} <= {self.field} <= {_show(self.max)}"


class OneOf(_Kind):
    kind: Literal["one_of"]
    field: FieldPath
    values: list[str] = Field(min_length=1)

    def check(self, report: Report, ctx: Context) -> str | None:
        actual = _present(report, self.field)
        if not isinstance(actual, str):
            raise FieldProblem(self.field, "must be a string")
        return None if actual in self.values else f"{self.field} '{actual}' not in {', '.join(self.values)}"

    def describe(self) -> str:
        return f"{self.field} in {', '.join(self.values)}"


class Equals(_Kind):
    kind: Literal["equals"]
    field: FieldPath
    value: bool | str

    def check(self, report: Report, ctx: Context) -> str | None:
        actual = _present(report, self.field)
        if isinstance(self.value, bool) and not isinstance(actual, bool):
            raise FieldProblem(self.field, "must be true or false")
        if isinstance(self.value, str) and not isinstance(actual, str):
            raise FieldProblem(self.field, "must be a string")
        return None if actual == self.value else f"{self.field} is {_json(actual)}, needs {_json(self.value)}"

    def describe(self) -> str:
        return f"{self.field} = {_json(self.value)}"


class Present(_Kind):
    kind: Literal["present"]
    field: FieldPath

    def check(self, report: Report, ctx: Context) -> str | None:
        value = _present(report, self.field)
        if isinstance(value, str) and not value.strip():  # an id or a name of nothing is not given
            raise FieldProblem(self.field, "is empty")
        return None

    def describe(self) -> str:
        return f"{self.field} given"


class UniqueContent(_Kind):
    """Not a duplicate: the content hash has not been seen in a qualified report in the region."""

    kind: Literal["unique_content"]
    field: FieldPath = "attributes.content_sha256"

    def check(self, report: Report, ctx: Context) -> str | None:
        value = _present(report, self.field)
        if not isinstance(value, str) or not value.strip():
            raise FieldProblem(self.field, "must be a non-empty string")
        if len(value.strip()) > MAX_CONTENT_KEY:
            raise FieldProblem(self.field, f"must be at most {MAX_CONTENT_KEY} characters (a SHA-256 hex digest has 64)")
        return "duplicate_content" if ctx.history.content_seen(value.strip().lower()) else None

    def describe(self) -> str:
        return f"{self.field} not seen before in the region"


class FirstOfYear(_Kind):
    """Only the teacher's first qualifying report of the calendar year (local time) counts."""

    kind: Literal["first_of_year"]

    def check(self, report: Report, ctx: Context) -> str | None:
        year = report.occurred_at.astimezone(ctx.tz).year
        if report.teacher_id and ctx.history.counted_in_year(report.teacher_id, ctx.indicator, year):
            return "not_first_of_year"
        return None

    def describe(self) -> str:
        return "the first of the calendar year"


class AllOf(_Kind):
    """Met when every part is met. A part that lacks a field rejects the report even when another part is not met:
    every field the condition names is needed. As a branch of ``any``, a part not met makes the branch not apply,
    and its other fields are not needed (see ``branch_check``)."""

    kind: Literal["all"]
    conditions: list[Condition] = Field(min_length=1)

    def check(self, report: Report, ctx: Context) -> str | None:
        reason, problem = self._parts(report, ctx, branch=False)
        if problem is not None:
            raise problem
        return reason

    def branch_check(self, report: Report, ctx: Context) -> str | None:
        """``check`` as a branch of ``any``: a part not met answers first, a missing field only when every part
        that has its fields is met."""
        reason, problem = self._parts(report, ctx, branch=True)
        if reason is None and problem is not None:
            raise problem
        return reason

    def _parts(self, report: Report, ctx: Context, *, branch: bool) -> tuple[str | None, FieldProblem | None]:
        first: str | None = None
        problem: FieldProblem | None = None
        for condition in self.conditions:
            try:
                reason = _part_check(condition, report, ctx, branch=branch)
            except FieldProblem as exc:
                problem = problem or exc
                continue
            first = first or reason
        return first, problem

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.conditions)


class AnyOf(_Kind):
    """Met when one branch is met. A branch that lacks a field only rejects when no branch is met."""

    kind: Literal["any"]
    conditions: list[Condition] = Field(min_length=1)

    def check(self, report: Report, ctx: Context) -> str | None:
        reasons: list[str] = []
        problem: FieldProblem | None = None
        for condition in self.conditions:
            try:
                reason = _part_check(condition, report, ctx, branch=True)
            except FieldProblem as exc:
                problem = problem or exc
                continue
            if reason is None:
                return None
            reasons.append(reason)
        if problem is not None:
            raise problem
        return " and ".join(reasons)

    def describe(self) -> str:
        return " or ".join(f"({c.describe()})" for c in self.conditions)


def _part_check(condition: Any, report: Report, ctx: Context, *, branch: bool) -> str | None:
    """A part of ``all`` or a branch of ``any``: within a branch, ``all`` takes its branch reading."""
    if branch and isinstance(condition, AllOf):
        return condition.branch_check(report, ctx)
    return condition.check(report, ctx)


def _json(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


Condition = Annotated[
    Union[AtLeast, Between, OneOf, Equals, Present, UniqueContent, FirstOfYear, AllOf, AnyOf],
    Field(discriminator="kind"),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()


def walk(condition: Any) -> Iterator[Any]:
    """Every condition in a tree, the tree itself first."""
    yield condition
    if isinstance(condition, (AllOf, AnyOf)):
        for child in condition.conditions:
            yield from walk(child)


def unique_content_fields(condition: Any) -> list[str]:
    """The fields whose content must be unique, anywhere in a condition tree."""
    return [c.field for c in walk(condition) if isinstance(c, UniqueContent)]
