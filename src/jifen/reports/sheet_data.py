"""The dataset of a downloadable score report: the JSON report plus what a spreadsheet row needs.

``datasets.report`` gives each ranked member its total and rank only; a bureau's sheet also wants each
member's points per indicator and its change from last month, so they are added here, read from the
same stored settlement. The settlement stores indicator points for every unit; a county's points on an indicator
are the mean of its schools' (as its score is the mean of theirs), a city's the mean of its counties', rounded to
the cent once, from unrounded values. (Versions settled before counties' rows were stored have them worked out
here, from the schools' rounded points.) A unit's adjustment is the mean of its members' sums of theirs.

Manual adjustments are entries of their own, never folded into an indicator's points: each member's sum of
them is its ``adjustment`` (a county's the mean of its schools', as its points), so that the indicator columns
plus the adjustment make the total. ``adjusted`` says whether any member has one (the files show the column then).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.reports import datasets
from jifen.reports.numbers import number, rounded
from jifen.store import settlements as repo


def dataset(connection: Connection, level: str, code: str, month: str, version: int | None = None) -> dict[str, Any]:
    """``datasets.report`` with a ``sheet`` entry: the indicator columns and one row per ranked member."""
    data = datasets.report(connection, level, code, month, version)
    record = datasets.settlement_for(connection, month, version)
    rules = datasets.settlement_rules(connection, record)
    members = _members(connection, record.id, level, code)
    member_level = level if level == "teacher" else datasets.CHILD[level]
    previous = repo.shown(connection, str(Month.parse(month).previous()))
    points = _points(connection, record.id, member_level, [m.code for m in members])
    adjustments = {code: rounded(of_code.pop(ADJUSTMENT), 2) for code, of_code in points.items()
                   if of_code.get(ADJUSTMENT)}
    subjects = {"teacher"} if member_level == "teacher" else {"teacher", "school"}
    columns = [{"code": i.code, "name": i.name} for i in rules.indicators if i.subject in subjects]
    before = repo.units_of(connection, previous.id, member_level, [m.code for m in members]) if previous else {}
    rows = [_row(before.get(m.code), m, {k: rounded(v, 2) for k, v in points.get(m.code, {}).items()},
                 adjustments.get(m.code, 0)) for m in members]
    data["sheet"] = {"indicators": columns, "previous_month": previous.month if previous else None, "rows": rows,
                     "adjusted": bool(adjustments)}
    return data


ADJUSTMENT = ""  # the key of a unit's adjustments beside its indicators' points (no indicator's code is empty)


def _stored(connection: Connection, settlement_id: int, level: str, codes: list[str]) -> dict[str, dict[str, Any]]:
    """The points per indicator of these teachers (or schools) as stored, with their adjustments summed under
    ADJUSTMENT (when they have any)."""
    found: dict[str, dict[str, Any]] = repo.points_of(connection, settlement_id, level, codes)
    for code, adjustment in repo.adjustments_of(connection, settlement_id, level, codes).items():
        found.setdefault(code, {})[ADJUSTMENT] = adjustment
    return found


def _points(connection: Connection, settlement_id: int, level: str, codes: list[str]
            ) -> dict[str, dict[str, Fraction]]:
    """Each unit's points per indicator, and its adjustments under ADJUSTMENT: stored for teachers and schools,
    the mean of the members' above (a member without adjustments counts 0 in the mean, as in the total)."""
    stored = _stored(connection, settlement_id, level, codes)
    if level in ("teacher", "school"):
        return {code: {i: Fraction(p) for i, p in points.items()} for code, points in stored.items()}
    member_level = datasets.CHILD[level]

    members = {code: [m.code for m in repo.children(connection, settlement_id, member_level, code)]
               for code in codes}
    everyone = [m for of_code in members.values() for m in of_code]
    if member_level == "school":  # stored to the cent: summed exactly as decimals, divided once
        exact: dict[str, dict[str, Any]] = _stored(connection, settlement_id, member_level, everyone)
    else:
        exact = _points(connection, settlement_id, member_level, everyone)  # the members of every code at once
    out: dict[str, dict[str, Fraction]] = {}
    for code, of_code in members.items():
        sums: dict[str, Any] = {}
        for m in of_code:
            for i, p in exact.get(m, {}).items():
                sums[i] = sums[i] + p if i in sums else p
        out[code] = {i: Fraction(total) / len(of_code) for i, total in sums.items()}
        if stored.get(code):  # the points as the settlement stored them, rounded once (versions since it does)
            out[code].update((i, Fraction(p)) for i, p in stored[code].items() if i != ADJUSTMENT)
    return out


def _members(connection: Connection, settlement_id: int, level: str, code: str) -> list[repo.UnitRow]:
    """Who the sheet lists: a teacher alone, else the members ranked in the unit's report."""
    if level == "teacher":
        found = repo.unit(connection, settlement_id, level, code)
        return [found] if found else []
    return repo.children(connection, settlement_id, datasets.CHILD[level], code)


def _row(before: repo.UnitRow | None, member: repo.UnitRow, points: dict[str, Any], adjustment: int | float
         ) -> dict[str, Any]:
    change = number(member.total - before.total) if before is not None else None
    return {"rank": member.rank, "name": member.name, "code": member.code, "points": points,
            "adjustment": adjustment, "total": number(member.total), "change": change}
