"""The datasets behind the admin pages' charts and month picker, read from the stored settlements.

- ``ranking``: a unit's members by total (the ranking bars);
- ``radar``: the unit's points per indicator against the region's mean over every unit of its level (a school
  against the mean school of the region, a county against the mean county);
- ``trend``: the unit's total month by month, each month from the version reports show;
- ``settled_months``: the months that have a settlement, newest first, with the version reports show.

A county's points on an indicator are the mean of its schools' (as its total is the mean of theirs), a city's the
mean of its counties' and the region's the mean of its cities', as in ``sheet_data``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.reports import datasets
from jifen.reports.numbers import number, rounded
from jifen.store import settlements as repo

ABOVE = {"school": "county", "county": "city", "city": "region"}


def ranking(connection: Connection, level: str, code: str, month: str) -> dict[str, Any]:
    """The unit's members, highest total first (ties by code), from the version reports show."""
    record = datasets.settlement_for(connection, month)
    member = datasets.CHILD[level]
    members = repo.children(connection, record.id, member, code)
    return {"month": record.month, "version": record.version, "state": record.status, "level": level,
            "code": code, "member_level": member,
            "members": [{"code": m.code, "name": m.name, "total": number(m.total), "rank": m.rank}
                        for m in members]}


def radar(connection: Connection, level: str, code: str, month: str, region_code: str) -> dict[str, Any]:
    """Per indicator: the unit's points, the region's mean points over the units of the same level, the maximum."""
    record = datasets.settlement_for(connection, month)
    rules = datasets.settlement_rules(connection, record)
    peers = _units_of_level(connection, record.id, level, region_code)
    points = _points(connection, record.id, level, peers)
    own = points.get(code, {})
    rows = []
    for ind in rules.indicators:
        values = [points.get(p, {}).get(ind.code, Fraction(0)) for p in peers]
        mean = sum(values, Fraction(0)) / len(values) if values else Fraction(0)
        rows.append({"code": ind.code, "name": ind.name, "max": number(ind.monthly_max),
                     "points": rounded(own.get(ind.code, Fraction(0)), 2),
                     "region_mean": rounded(mean, 2)})
    return {"month": record.month, "version": record.version, "state": record.status, "level": level,
            "code": code, "peers": len(peers), "indicators": rows}


def trend(connection: Connection, level: str, code: str, last: Month, months: int = 12) -> dict[str, Any]:
    """The unit's total and rank for each of the ``months`` months up to ``last``; None where not settled."""
    wanted = [last]
    while len(wanted) < months:
        wanted.insert(0, wanted[0].previous())
    rows = []
    for month in wanted:
        record = repo.shown(connection, str(month))
        unit = repo.unit(connection, record.id, level, code) if record is not None else None
        settled = record is not None and unit is not None
        rows.append({"month": str(month), "settled": settled,
                     "version": record.version if settled and record else None,
                     "state": record.status if settled and record else None,
                     "total": number(unit.total) if unit is not None else None,
                     "rank": unit.rank if unit is not None else None})
    return {"level": level, "code": code, "from": str(wanted[0]), "to": str(last), "months": rows}


def settled_months(connection: Connection, latest: str | None, months: int = 24) -> list[dict[str, Any]]:
    """The settled months among the ``months`` up to ``latest``, newest first, with the version reports show."""
    if latest is None:
        return []
    wanted = [Month.parse(latest)]
    while len(wanted) < months:
        wanted.append(wanted[-1].previous())
    latest_versions = repo.latest_per_month(connection, [str(m) for m in wanted])
    out = []
    for month in wanted:
        shown = latest_versions.get(str(month))
        if shown is not None and not shown.published:  # an earlier version may be published: reports show that
            shown = repo.shown(connection, str(month))
        if shown is not None:
            out.append({"month": shown.month, "version": shown.version, "state": shown.status})
    return out


def units_below(connection: Connection, settlement_id: int, top_level: str, top_code: str,
                level: str) -> list[repo.UnitRow]:
    """Every unit of ``level`` under a unit (the unit itself when it is of that level), in rank order per parent."""
    found = repo.unit(connection, settlement_id, top_level, top_code)
    rows = [found] if found is not None else []
    current = top_level
    while current != level and rows:
        child = datasets.CHILD[current]
        rows = [u for parent in rows for u in repo.children(connection, settlement_id, child, parent.code)]
        current = child
    return rows if current == level else []


def _units_of_level(connection: Connection, settlement_id: int, level: str, region_code: str) -> list[str]:
    """The codes of every unit of ``level`` in the region, walked down from the region."""
    return [u.code for u in units_below(connection, settlement_id, "region", region_code, level)]


def _points(connection: Connection, settlement_id: int, level: str,
            codes: list[str]) -> dict[str, dict[str, Fraction]]:
    """Each unit's points per indicator, as stored (a version settled before counties' rows were stored: the mean
    of the members' above schools)."""
    stored = repo.indicators_of(connection, settlement_id, level, codes)
    if level in ("teacher", "school") or stored:
        return {code: {r.indicator: Fraction(r.points) for r in rows} for code, rows in stored.items()}
    member_level = datasets.CHILD[level]
    members = {code: [m.code for m in repo.children(connection, settlement_id, member_level, code)]
               for code in codes}
    of_members = _points(connection, settlement_id, member_level, [m for ms in members.values() for m in ms])
    out: dict[str, dict[str, Fraction]] = {}
    for code, ms in members.items():
        indicators = {i for m in ms for i in of_members.get(m, {})}
        out[code] = {i: sum((of_members.get(m, {}).get(i, Fraction(0)) for m in ms), Fraction(0)) / len(ms)
                     for i in indicators} if ms else {}
    return out
