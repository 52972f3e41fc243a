"""The dataset of a downloadable score report: the JSON report plus what a spreadsheet row needs.

``datasets.report`` gives each ranked member its total and rank only; a bureau's sheet also wants each
member's points per indicator and its change from last month, so they are added here, read from the
same stored settlement. The settlement stores indicator points for teachers and schools; a county's points on
an indicator are the mean of its schools' (as its score is the mean of theirs), a city's the mean of its
counties', rounded to the cent once, at the end.
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
    subjects = {"teacher"} if member_level == "teacher" else {"teacher", "school"}
    columns = [{"code": i.code, "name": i.name} for i in rules.indicators if i.subject in subjects]
    rows = [_row(connection, previous, m, {k: rounded(v, 2) for k, v in points.get(m.code, {}).items()})
            for m in members]
    data["sheet"] = {"indicators": columns, "previous_month": previous.month if previous else None, "rows": rows}
    return data


def _points(connection: Connection, settlement_id: int, level: str, codes: list[str]
            ) -> dict[str, dict[str, Fraction]]:
    """Each unit's points per indicator: stored for teachers and schools, the mean of the members' above."""
    if level in ("teacher", "school"):
        stored = repo.indicators_of(connection, settlement_id, level, codes)
        return {code: {r.indicator: Fraction(r.points) for r in rows} for code, rows in stored.items()}
    member_level = datasets.CHILD[level]
    out: dict[str, dict[str, Fraction]] = {}
    for code in codes:
        members = [m.code for m in repo.children(connection, settlement_id, member_level, code)]
        of_members = _points(connection, settlement_id, member_level, members)
        indicators = {i for points in of_members.values() for i in points}
        out[code] = {i: sum((of_members.get(m, {}).get(i, Fraction(0)) for m in members), Fraction(0))
                     / len(members) for i in indicators} if members else {}
    return out


def _members(connection: Connection, settlement_id: int, level: str, code: str) -> list[repo.UnitRow]:
    """Who the sheet lists: a teacher alone, else the members ranked in the unit's report."""
    if level == "teacher":
        found = repo.unit(connection, settlement_id, level, code)
        return [found] if found else []
    return repo.children(connection, settlement_id, datasets.CHILD[level], code)


def _row(connection: Connection, previous: repo.SettlementRecord | None, member: repo.UnitRow,
         points: dict[str, Any]) -> dict[str, Any]:
    before = repo.unit(connection, previous.id, member.level, member.code) if previous else None
    change = number(member.total - before.total) if before is not None else None
    return {"rank": member.rank, "name": member.name, "code": member.code, "points": points,
            "total": number(member.total), "change": change}
