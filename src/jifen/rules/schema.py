"""The rule-set schema: indicators, scoring, and the app catalog with each action's conditions."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jifen.rules.conditions import Condition, FieldPath, FirstOfYear, Present, unique_content_fields, walk


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cap(_Strict):
    """At most ``count`` qualifying actions score per period; the earliest of the period are admitted."""

    period: Literal["day", "week", "month", "year"]
    count: int = Field(ge=1)


class Streak(_Strict):
    """Points per day of activity: ``points`` a day, ``raised`` from day ``raise_from`` of an unbroken run."""

    raise_from: int = Field(ge=2)
    raised: Decimal = Field(gt=0)


class DailyCap(_Strict):
    """Anti-gaming: reports of an indicator beyond ``count`` a day (local time) are not_qualified (daily_cap)."""

    count: int = Field(ge=1)
    why: str = Field(min_length=1)


class Indicator(_Strict):
    """One scored item. Relative and assessment indicators have maxima; fixed and streak ones points."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    name: str
    category: str
    subject: Literal["teacher", "school"]
    monthly_max: Decimal | None = Field(default=None, gt=0)
    annual_max: Decimal | None = Field(default=None, gt=0)
    description: str = ""
    scoring: Literal["relative", "assessment", "fixed", "streak"] = "relative"
    per_online_classroom: bool = False
    assessment_attribute: str = "score"
    assessment_full_score: Decimal = Field(default=Decimal(100), gt=0)
    points: Decimal | None = Field(default=None, gt=0)
    caps: list[Cap] = Field(default_factory=list)
    streak: Streak | None = None
    daily_cap: DailyCap | None = None

    @model_validator(mode="after")
    def _fits_its_scoring(self) -> Indicator:
        if self.scoring in {"relative", "assessment"} and self.monthly_max is None:
            raise ValueError(f"indicator {self.code}: {self.scoring} scoring needs monthly_max")
        if self.scoring in {"fixed", "streak"} and self.points is None:
            raise ValueError(f"indicator {self.code}: {self.scoring} scoring needs points")
        if self.scoring == "streak" and self.streak is None:
            raise ValueError(f"indicator {self.code}: streak scoring needs streak (raise_from, raised)")
        if self.scoring not in {"fixed", "streak"} and (self.caps or self.streak):
            raise ValueError(f"indicator {self.code}: caps and streak belong to fixed or streak scoring")
        if len({c.period for c in self.caps}) != len(self.caps):
            raise ValueError(f"indicator {self.code}: one cap per period")
        return self


class ActionRule(_Strict):
    action: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    indicator: str
    guide: str = ""
    requires: list[Condition] = Field(default_factory=list)
    qualifies: Condition | None = None
    # a school's session held in a room this attribute names (在线课堂's classroom_id): two overlapping sessions of
    # one school's room count once, the first received, as a teacher's overlapping sessions do
    room: FieldPath | None = None

    def describe(self) -> str:
        return self.qualifies.describe() if self.qualifies is not None else "always"

    # cached: ingestion asks both of every report, and each walks the condition tree (the model is frozen)
    @cached_property
    def content_fields(self) -> list[str]:
        return unique_content_fields(self.qualifies) if self.qualifies is not None else []

    @cached_property
    def once_a_year(self) -> bool:
        return self.qualifies is not None and any(isinstance(c, FirstOfYear) for c in walk(self.qualifies))


class App(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    status: Literal["integrated", "integrating"] = "integrated"
    actions: list[ActionRule] = Field(min_length=1)

    def action(self, name: str) -> ActionRule | None:
        return next((a for a in self.actions if a.action == name), None)


class Scoring(_Strict):
    """Relative scoring: full marks at ``full_at`` times the region average, half at the average."""

    full_at: Decimal = Field(default=Decimal(2), gt=0)


class Review(_Strict):
    """Counts a bureau should look at before publishing: above ``ratio`` times the region average and in
    the top ``top_share`` of the scored population for that indicator."""

    ratio: Decimal = Field(default=Decimal(5), gt=0)
    top_share: Decimal = Field(default=Decimal("0.001"), gt=0, le=1)


class RuleSet(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    effective_from: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    title: str
    scoring: Scoring = Scoring()
    review: Review = Review()
    indicators: list[Indicator] = Field(min_length=1)
    apps: list[App] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        codes = [i.code for i in self.indicators]
        _no_repeats(codes, "indicator code")
        _no_repeats([a.code for a in self.apps], "app code")
        for app in self.apps:
            _no_repeats([a.action for a in app.actions], f"action of app {app.code}")
            for rule in app.actions:
                if rule.indicator not in codes:
                    raise ValueError(
                        f"app {app.code} action {rule.action}: unknown indicator {rule.indicator!r}"
                    )
                if rule.room is not None:
                    _room_checked(app.code, rule, self.indicator(rule.indicator))
        return self

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def app(self, code: str) -> App | None:
        return next((a for a in self.apps if a.code == code), None)

    def indicators_for(self, subject: str) -> list[Indicator]:
        return [i for i in self.indicators if i.subject == subject]


def _room_checked(app_code: str, rule: ActionRule, indicator: Indicator) -> None:
    """A room is a school's session's, and always given: a condition reads the duration, another requires it."""
    where = f"app {app_code} action {rule.action}: room {rule.room}"
    if indicator.subject != "school":
        raise ValueError(f"{where} is for a school's sessions; {indicator.code} is scored for a {indicator.subject}")
    roots = [*rule.requires, *([rule.qualifies] if rule.qualifies is not None else [])]
    if not any(getattr(c, "field", None) == "duration_s" for root in roots for c in walk(root)):
        raise ValueError(f"{where} is for a session: no condition of the action reads duration_s")
    if not any(isinstance(c, Present) and c.field == rule.room for c in rule.requires):
        raise ValueError(f"{where} must be required: add {{kind: present, field: {rule.room}}} to requires")


def _no_repeats(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)
