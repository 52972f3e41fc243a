"""Report datasets read from a stored settlement: plain dicts, the same for the CLI and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.errors import InvalidInput, NotFound, NotSettled
from jifen.reports import adjustment_entries, review_list
from jifen.reports.numbers import number
from jifen.rules.loader import load_shipped
from jifen.rules.schema import RuleSet
from jifen.store import rulesets as rulesets_repo
from jifen.store import settlements as repo

LEVELS = ("teacher", "school", "county", "city", "region")
CHILD = {"county": "school", "city": "county", "region": "city", "school": "teacher"}
LEVEL_NAMES = {"teacher": "教师", "school": "学校", "county": "县区", "city": "市", "region": "自治区"}


def settlement_for(connection: Connection, month: str, version: int | None = None) -> repo.SettlementRecord:
    """The version asked for, else the one reports show: the latest published, else the latest draft."""
    parsed = str(Month.parse(month))
    record = repo.find(connection, parsed, version) if version else repo.shown(connection, parsed)
    if record is None:
        which = f"version {version} of " if version else ""
        raise NotSettled(f"{which}month {parsed} is not settled")
    return record


def settlement_rules(connection: Connection, record: repo.SettlementRecord) -> RuleSet:
    """The rule set a settlement was made with: its stored text, else the shipped file of that name."""
    stored = rulesets_repo.by_sha(connection, record.ruleset_sha256)
    return stored.rules if stored is not None else load_shipped(record.ruleset_name).rules


def lineage(connection: Connection, settlement_id: int, level: str, code: str) -> dict[str, str]:
    """The codes above a unit, the unit included: {"teacher": ..., "school": ..., ..., "region": ...}."""
    if level not in LEVELS:
        raise InvalidInput(f"level {level!r} is not one of {', '.join(LEVELS)}")
    found = repo.unit(connection, settlement_id, level, code)
    if found is None:
        raise NotFound(f"no {level} {code!r} in this settlement")
    chain = {level: code}
    for upper in LEVELS[LEVELS.index(level) + 1 :]:
        if found.parent_code is None:
            break
        chain[upper] = found.parent_code
        found = repo.unit(connection, settlement_id, upper, found.parent_code)
        if found is None:
            break
    return chain


def report(connection: Connection, level: str, code: str, month: str, version: int | None = None) -> dict[str, Any]:
    record = settlement_for(connection, month, version)
    rules = settlement_rules(connection, record)
    if level not in LEVELS:
        raise InvalidInput(f"level {level!r} is not one of {', '.join(LEVELS)}")
    unit = repo.unit(connection, record.id, level, code)
    if unit is None:
        raise NotFound(f"{LEVEL_NAMES[level]} {code!r} is not in the settlement of {record.month} "
                       f"(version {record.version})")
    key = "teacher_id" if level == "teacher" else f"{level}_code"
    head: dict[str, Any] = {"month": record.month, "version": record.version, "state": record.status, key: code}
    if level == "teacher":
        return {**head, "teacher_name": unit.name, "school_code": unit.parent_code, "total": number(unit.total),
                "rank_in_school": unit.rank,
                "indicators": _indicators(connection, rules, record.id, level, code),
                "adjustments": adjustment_entries.entries(connection, record, level, code)}
    if level == "school":
        return {**head, "school_name": unit.name, "county_code": unit.parent_code,
                "teacher_average": number(unit.teacher_average), "school_points": number(unit.school_points),
                "total": number(unit.total), "rank_in_county": unit.rank,
                "indicators": _indicators(connection, rules, record.id, level, code),
                "adjustments": adjustment_entries.entries(connection, record, level, code),
                "teachers": _ranking(connection, record.id, "teacher", code),
                "review": review_list.for_school(connection, rules, record.id, code)}
    child = CHILD[level]
    plural = {"school": "schools", "county": "counties", "city": "cities"}[child]
    body = {**head, f"{level}_name": unit.name, "total": number(unit.total),
            plural: _ranking(connection, record.id, child, code)}
    indicators = _indicators(connection, rules, record.id, level, code)
    if indicators:  # each the mean of its members' (versions since settlements store them)
        body["indicators"] = indicators
    if level == "county":
        body["review"] = review_list.for_county(connection, rules, record.id, code)
    return body


def _ranking(connection: Connection, settlement_id: int, level: str, parent: str) -> list[dict[str, Any]]:
    key = "teacher_id" if level == "teacher" else f"{level}_code"
    return [
        {key: u.code, f"{level}_name": u.name, "total": number(u.total), "rank": u.rank}
        for u in repo.children(connection, settlement_id, level, parent)
    ]


def _indicators(connection: Connection, rules: RuleSet, settlement_id: int, level: str,
                code: str) -> list[dict[str, Any]]:
    rows = {r.indicator: r for r in repo.indicators(connection, settlement_id, level, code)}
    out = []
    for ind in rules.indicators:
        row = rows.get(ind.code)
        if row is None:
            continue
        out.append({"code": ind.code, "name": ind.name, "category": ind.category, "subject": ind.subject,
                    "count": number(row.count), "average": number(row.average), "points": number(row.points),
                    "max": number(ind.monthly_max), "adjustment": number(row.adjustment)})
    return out
