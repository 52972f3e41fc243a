"""The rule-set schema: indicators, scoring, and the app catalog with each action's conditions."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jifen.rules.conditions import Condition, FirstOfYear, unique_content_fields, walk


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    category: str
    subject: Literal["teacher", "school"]
    monthly_max: Decimal = Field(gt=0)
    annual_max: Decimal = Field(gt=0)
    description: str = ""
    scoring: Literal["relative", "assessment"] = "relative"
    per_online_classroom: bool = False
    assessment_attribute: str = "score"
    assessment_full_score: Decimal = Field(default=Decimal(100), gt=0)


class ActionRule(_Strict):
    action: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    indicator: str
    guide: str = ""
    requires: list[Condition] = Field(default_factory=list)
    qualifies: Condition | None = None

    def describe(self) -> str:
        return self.qualifies.describe() if self.qualifies is not None else "always"

    @property
    def content_fields(self) -> list[str]:
        return unique_content_fields(self.qualifies) if self.qualifies is not None else []

    @property
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
    kind: Literal["relative"] = "relative"
    full_at: Decimal = Field(default=Decimal(2), gt=0)


class RuleSet(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    effective_from: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    title: str
    scoring: Scoring = Scoring()
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
        return self

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def app(self, code: str) -> App | None:
        return next((a for a in self.apps if a.code == code), None)

    def indicators_for(self, subject: str) -> list[Indicator]:
        return [i for i in self.indicators if i.subject == subject]


def _no_repeats(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)
