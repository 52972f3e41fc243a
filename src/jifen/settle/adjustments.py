"""Manual adjustments: checked, scoped and recorded as separate entries, applied at the month's next settlement.

An adjustment never edits a stored score. It is added after scoring, so it moves neither the region averages
nor the caps; every settlement made after it (a new version) carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection

from jifen.access.scopes import covers, sees
from jifen.domain.periods import Month
from jifen.errors import Forbidden, InvalidInput
from jifen.rules.schema import RuleSet
from jifen.settle import fixed
from jifen.settle.compute import FIXED
from jifen.store import adjustments as repo
from jifen.store import roster_history
from jifen.store import units
from jifen.store.access import User
from jifen.store.database import Database

LEVELS = ("teacher", "school")
POINTS_LIMIT = Decimal(10000)  # far beyond any indicator's maximum; keeps totals inside their columns
REASON_LIMIT = 2000
AUTHOR_LIMIT = 200
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AdjustmentRequest:
    """What an admin asks for, as entered: every field is checked by ``add_adjustment``."""

    level: str
    code: str
    month: str
    indicator: str
    points: Any
    reason: str


def add_adjustment(database: Database, rules: RuleSet | Callable[[Month], RuleSet], request: AdjustmentRequest, *,
                   author: str, now: datetime, region_code: str, user: User | None = None) -> repo.Adjustment:
    """Record an adjustment. ``rules``: the rule set, or the rule set in force for a month (the entry's month
    decides its indicators). ``user``: the API caller, whose scope must cover the unit (None: the CLI)."""
    if user is not None and user.role == "teacher":
        raise Forbidden(f"user {user.name} is a teacher; adjustments are made by school, county, city or region admins")
    values = _checked(rules, request)
    if not author.strip() or len(author.strip()) > AUTHOR_LIMIT:
        raise _invalid("author", f"must be 1 to {AUTHOR_LIMIT} characters")
    with database.transaction() as connection:
        chain = units.lineages(connection, values["level"], [values["code"]], region_code).get(values["code"])
        if user is not None and (chain is None or not covers(user, chain)):
            if chain is not None or user.role != "region_admin":
                raise Forbidden(f"{values['level']} {values['code']!r} is outside the scope of user {user.name}")
        if chain is None:
            raise _invalid("code", f"no {values['level']} {values['code']!r} on the roster")
        if not roster_history.on_roster_at(connection, values["level"], values["code"], values["month"]):
            raise _invalid("code", f"{values['level']} {values['code']!r} is not on the roster of {values['month']}: "
                                   f"the month's settlement leaves it out, and an adjustment to it would count nowhere")
        _within_maximum(connection, values, values.pop("maximum"), values.pop("fixed_reach"))
        return repo.add(connection, {**values, "author": author.strip(), "created_at": now})


def list_adjustments(database: Database, month: str, *, region_code: str,
                     user: User | None = None) -> list[repo.Adjustment]:
    """The month's entries in the order made; for a user, those of units they may read (an expert reads their
    county's or the region's, and makes none)."""
    parsed = str(Month.parse(month))
    with database.read() as connection:
        entries = repo.for_month(connection, parsed)
        if user is None:
            return entries
        chains: dict[tuple[str, str], dict[str, str]] = {}
        for level in LEVELS:
            codes = [e.code for e in entries if e.level == level]
            chains.update(((level, code), chain)
                          for code, chain in units.lineages(connection, level, codes, region_code).items())
    return [e for e in entries if (e.level, e.code) in chains and sees(user, chains[(e.level, e.code)])]


def as_json(entry: repo.Adjustment) -> dict[str, Any]:
    return {"id": entry.id, "month": entry.month, "level": entry.level, "code": entry.code,
            "indicator": entry.indicator, "points": float(entry.points) if entry.points % 1 else int(entry.points),
            "reason": entry.reason, "author": entry.author, "created_at": entry.created_at.isoformat()}


def _checked(rules_for: RuleSet | Callable[[Month], RuleSet], request: AdjustmentRequest) -> dict[str, Any]:
    try:
        parsed = Month.parse(request.month)
    except InvalidInput as exc:
        raise _invalid("month", exc.message) from exc
    month = str(parsed)
    rules = rules_for if isinstance(rules_for, RuleSet) else rules_for(parsed)
    level = request.level.strip() if isinstance(request.level, str) else request.level
    if level not in LEVELS:
        raise _invalid("level", f"{request.level!r} is not one of teacher, school")
    code = request.code.strip() if isinstance(request.code, str) else ""
    if not code:
        raise _invalid("code", f"must name a {level}")
    indicator = next((i for i in rules.indicators if i.code == request.indicator), None)
    if indicator is None:
        known = ", ".join(i.code for i in rules.indicators_for(level))
        raise _invalid("indicator", f"{request.indicator!r} is not an indicator of rule set {rules.name}; "
                                    f"{level} indicators: {known}")
    if indicator.subject != level:
        known = ", ".join(i.code for i in rules.indicators_for(level))
        raise _invalid("indicator", f"{indicator.code} ({indicator.name}) is scored for a {indicator.subject}, "
                                    f"not a {level}; {level} indicators: {known}")
    reason = request.reason.strip() if isinstance(request.reason, str) else ""
    if not reason:
        raise _invalid("reason", "must not be empty: say why the points are adjusted")
    if len(reason) > REASON_LIMIT:
        raise _invalid("reason", f"is {len(reason)} characters; at most {REASON_LIMIT}")
    maximum = indicator.monthly_max
    if maximum is None and indicator.scoring in FIXED:  # Shihe's: what its caps let it score in a month at most
        reach = fixed.month_reach(indicator)
        maximum = None if reach is None else Decimal(reach.numerator) / Decimal(reach.denominator)
    return {"month": month, "level": level, "code": code, "indicator": indicator.code,
            "points": _points(request.points), "reason": reason, "maximum": maximum,
            "fixed_reach": indicator.monthly_max is None}


def _within_maximum(connection: Connection, values: dict[str, Any], maximum: Decimal | None,
                    reach: bool = False) -> None:
    """An indicator with a monthly maximum (Ningxia's) takes a unit's adjustments of a month up to that maximum
    either way, all of them summed: no correction of one month's points is larger than all its points. One of fixed
    points (Shihe's, ``reach``) is held alike to the most its caps let it score in a month."""
    if maximum is None:
        return
    earlier = repo.unit_total(connection, values["month"], values["level"], values["code"], values["indicator"])
    total = earlier + values["points"]
    if abs(total) > maximum:
        made = f" with the {earlier:+} made before" if earlier else ""
        what = (f"the most {values['indicator']} can score in a month, as its caps allow" if reach
                else f"the monthly maximum of {values['indicator']}")
        raise _invalid("points", f"{values['points']:+}{made} comes to {total:+}, beyond ±{maximum:g}, {what}")


def _points(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _invalid("points", f"{value!r} is not a number")
    try:
        points = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise _invalid("points", f"{value!r} is not a number") from None
    if not points.is_finite():
        raise _invalid("points", f"{value!r} is not a finite number")
    if abs(points) >= POINTS_LIMIT:
        raise _invalid("points", f"{value} is beyond ±{POINTS_LIMIT}")
    if points != points.quantize(CENT, rounding=ROUND_DOWN):
        raise _invalid("points", f"{value} has more than 2 decimal places")
    if points == 0:
        raise _invalid("points", "must not be zero")
    return points.quantize(CENT)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details=[{"path": field, "message": message}])
