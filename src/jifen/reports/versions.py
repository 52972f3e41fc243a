"""A month's settlement versions and the difference between two of them, as plain dicts for the CLI and the API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.errors import InvalidInput, NotSettled
from jifen.reports.datasets import settlement_rules
from jifen.reports.numbers import number
from jifen.rules.schema import RuleSet
from jifen.settle import diff as d
from jifen.settle import fixed
from jifen.settle.publication import MonthVersions
from jifen.store import adjustments as adjustments_repo
from jifen.store import operations as operations_repo
from jifen.store import roster_history as roster_repo
from jifen.store import settlements as repo
from jifen.store.settlements import SettlementRecord

Covers = Callable[[dict[str, str]], bool]  # does the user's scope cover this lineage {level: code, ...}


def versions_data(listing: MonthVersions) -> dict[str, Any]:
    shown = listing.shown.version if listing.shown else None
    return {
        "month": listing.month,
        "shown_version": shown,
        "inputs_changed": listing.inputs_changed,
        "versions": [
            {"version": v.version, "state": v.status, "shown": v.version == shown,
             "created_at": v.created_at.isoformat(),
             "ruleset": {"name": v.ruleset_name, "version": v.ruleset_version},
             "published_at": v.published_at.isoformat() if v.published_at else None,
             "published_by": v.published_by}
            for v in listing.versions
        ],
    }


def diff_data(connection: Connection, month: str, from_version: int | None = None, to_version: int | None = None,
              *, level: str | None = None, limit: int | None = None, covers: Covers | None = None) -> dict[str, Any]:
    """The difference from one version to another (default: from what reports show, or the version before, to
    the latest), largest moves first; ``covers`` keeps the units within a user's scope."""
    if level is not None and level not in d.LEVELS:
        raise InvalidInput(f"level {level!r} is not one of {', '.join(reversed(d.LEVELS))}",
                           details=[{"path": "level", "message": f"{level!r} is not a level"}])
    old_record, new_record = _pair(connection, str(Month.parse(month)), from_version, to_version)
    old_rules, new_rules = settlement_rules(connection, old_record), settlement_rules(connection, new_record)
    old, new = _figures(connection, old_record, old_rules), _figures(connection, new_record, new_rules)
    # the units a user sees, ordered, from the totals alone; only those listed are read in full and explained
    keys = [k for k in d.changed_keys(old.units, new.units)
            if covers is None or covers(_lineage(k, new.units, old.units))]
    counts = {lv: sum(1 for k in keys if k[0] == lv) for lv in reversed(d.LEVELS)}
    if level is not None:
        keys = [k for k in keys if k[0] == level]
    shown = d.order(keys, old.units, new.units)[:limit]  # [:None] is every one
    old = _with_indicators(connection, old_record, old, set(shown))
    new = _with_indicators(connection, new_record, new, set(shown))
    result = d.diff(old, new, shown)
    names = {i.code: i.name for rules in (old_rules, new_rules) for i in rules.indicators}
    listed = list(result.changes)
    events = _events(connection, new_record.month, old_record, new_record)
    for key, found in period_events(connection, new_record.month, old_record, new_record, new_rules,
                                    _period_indicators(listed)).items():
        events.setdefault(key, []).extend(found)
    roster = _roster_events(connection, new_record.month, old_record, new_record)
    return {
        "month": new_record.month,
        "from_version": old_record.version, "from_state": old_record.status,
        "to_version": new_record.version, "to_state": new_record.status,
        "ruleset": {"from": old.ruleset, "to": new.ruleset, "changed": result.ruleset is not None},
        "counts": counts,
        "total_changes": len(keys),
        "changes": [{**_change(c, names), "events": events.get((c.level, c.code), []) + (
            roster.get((c.level, c.code), []) if _membership_moved(c) else [])} for c in listed],
    }


def _membership_moved(change: d.UnitChange) -> bool:
    """A unit that joined, left or moved: what a roster import does, and the only units its entries explain (an
    import restates every teacher and school in its file, most as they were)."""
    return change.status != "changed" or any(isinstance(r, d.Moved) for r in change.reasons)


def _roster_events(connection: Connection, month: str, old: SettlementRecord, new: SettlementRecord
                   ) -> dict[d.Key, list[dict[str, Any]]]:
    """The roster entries recorded between two versions that state the month's roster: a teacher's school (none:
    left the roster), a school's county and whether it is active, and the month they hold from."""
    found: dict[d.Key, list[dict[str, Any]]] = {}
    if old.created_at >= new.created_at:
        return found
    teachers, schools = roster_repo.recorded_between(connection, month, old.created_at, new.created_at)
    for t in teachers:
        found.setdefault(("teacher", t.teacher_id), []).append(
            {"kind": "roster", "school": t.school_code, "from_month": _from_month(t.from_month),
             "at": t.recorded_at.isoformat()})
    for s in schools:
        found.setdefault(("school", s.school_code), []).append(
            {"kind": "roster", "county": s.county_code, "active": bool(s.active),
             "from_month": _from_month(s.from_month), "at": s.recorded_at.isoformat()})
    return found


def _from_month(month: str) -> str | None:
    """The month an entry holds from; None when it holds for every month not yet published."""
    return None if month == roster_repo.ALL_MONTHS else month


def _events(connection: Connection, month: str, old: SettlementRecord, new: SettlementRecord
            ) -> dict[d.Key, list[dict[str, Any]]]:
    """What happened to a teacher or school between two versions, in order: reports received late and reports
    withdrawn (a teacher's own, or a school's school-scored ones), and manual adjustments with their reasons.
    Empty when the versions are compared backwards."""
    found: dict[d.Key, list[dict[str, Any]]] = {}
    if old.created_at >= new.created_at:
        return found
    start, end = old.created_at, new.created_at
    for event in operations_repo.events_between(connection, month, start, end):
        key = ("teacher", event.teacher_id) if event.teacher_id else ("school", event.school_code or "")
        report = {"app": event.app_code, "id": event.external_id, "indicator": event.indicator, "status": event.status}
        if start < event.received_at <= end:
            found.setdefault(key, []).append({"kind": "received", **report, "at": event.received_at.isoformat()})
        if event.withdrawn_at is not None and start < event.withdrawn_at <= end:
            found.setdefault(key, []).append({"kind": "withdrawn", **report, "at": event.withdrawn_at.isoformat()})
    for entry in adjustments_repo.made_between(connection, month, start, end):
        found.setdefault((entry.level, entry.code), []).append(
            {"kind": "adjustment", "indicator": entry.indicator, "points": number(entry.points),
             "reason": entry.reason, "author": entry.author, "at": entry.created_at.isoformat()})
    return found


def _period_indicators(changes: list[d.UnitChange]) -> dict[d.Key, set[str]]:
    """For each listed teacher or school, the indicators whose points moved with other months of their period."""
    found: dict[d.Key, set[str]] = {}
    for change in changes:
        for reason in change.reasons:
            if isinstance(reason, d.IndicatorChange) and "period" in reason.causes:
                found.setdefault((change.level, change.code), set()).add(reason.indicator)
    return found


def period_events(connection: Connection, month: str, old: SettlementRecord, new: SettlementRecord,
                  rules: RuleSet, wanted: dict[d.Key, set[str]]) -> dict[d.Key, list[dict[str, Any]]]:
    """Reports of the months before ``month`` that share a cap period or a login streak with it (a week across
    the month's start, the year, the run of days before it), received or withdrawn between the two versions, for
    the units and indicators of ``wanted``: each names its ``month``. Empty when the versions are compared
    backwards."""
    found: dict[d.Key, list[dict[str, Any]]] = {}
    if old.created_at >= new.created_at or not wanted:
        return found
    start, end = old.created_at, new.created_at
    parsed = Month.parse(month)
    indicators = {i.code: i for i in rules.indicators}
    reach: dict[str, Month] = {}  # indicator -> the first month of its period or run
    for code in set().union(*wanted.values()):
        if code in indicators:
            first = fixed.window_start(parsed, [indicators[code]])
            reach[code] = Month(first.year, first.month)
    earlier = min(reach.values(), default=parsed).through(parsed)[:-1]
    for other in earlier:
        for event in operations_repo.events_between(connection, str(other), start, end):
            key = ("teacher", event.teacher_id) if event.teacher_id else ("school", event.school_code or "")
            if event.indicator not in wanted.get(key, ()) or reach.get(event.indicator, parsed) > other:
                continue
            report = {"app": event.app_code, "id": event.external_id, "indicator": event.indicator,
                      "status": event.status, "month": str(other)}
            if start < event.received_at <= end:
                found.setdefault(key, []).append({"kind": "received", **report, "at": event.received_at.isoformat()})
            if event.withdrawn_at is not None and start < event.withdrawn_at <= end:
                found.setdefault(key, []).append(
                    {"kind": "withdrawn", **report, "at": event.withdrawn_at.isoformat()})
    return found


def _pair(connection: Connection, month: str, from_version: int | None,
          to_version: int | None) -> tuple[SettlementRecord, SettlementRecord]:
    versions = {v.version: v for v in repo.versions(connection, month)}
    if not versions:
        raise NotSettled(f"month {month} is not settled")
    new = versions.get(to_version or max(versions))
    if new is None:
        raise NotSettled(f"version {to_version} of month {month} is not settled")
    if from_version is None:
        published = [v for v in versions.values() if v.published and v.version < new.version]
        from_version = max(v.version for v in published) if published else new.version - 1
        if from_version < 1:
            raise InvalidInput(f"{month} has only version {new.version}: no earlier version to compare it with",
                               details=[{"path": "from", "message": "no earlier version"}])
    old = versions.get(from_version)
    if old is None:
        raise NotSettled(f"version {from_version} of month {month} is not settled")
    return old, new


def _figures(connection: Connection, record: SettlementRecord, rules: RuleSet) -> d.VersionFigures:
    units = {(level, u.code): d.UnitFigures(u.name, u.parent_code, u.total, u.rank)
             for level, u in repo.all_units(connection, record.id)}
    return d.VersionFigures(record.version, f"{record.ruleset_name} v{record.ruleset_version}",
                            record.ruleset_sha256, units, scoring={i.code: i.scoring for i in rules.indicators})


def _with_indicators(connection: Connection, record: SettlementRecord, figures: d.VersionFigures,
                     keys: set[d.Key]) -> d.VersionFigures:
    """The figures with the indicator rows of the teachers and schools that changed (only those are read)."""
    indicators: dict[d.Key, dict[str, d.IndicatorFigures]] = {}
    for level in ("teacher", "school"):
        codes = sorted(code for lv, code in keys if lv == level)
        for code, rows in repo.indicators_of(connection, record.id, level, codes).items():
            indicators[(level, code)] = {r.indicator: d.IndicatorFigures(r.count, r.average, r.points, r.adjustment)
                                         for r in rows}
    return d.VersionFigures(figures.version, figures.ruleset, figures.ruleset_sha256, figures.units, indicators,
                            figures.scoring)


def _lineage(key: d.Key, *versions: Mapping[d.Key, d.UnitFigures]) -> dict[str, str]:
    """{level: code} from the unit up to the region, read from the new version first, else the old."""
    level, code = key
    chain = {level: code}
    upward = d.LEVELS[::-1]  # teacher, school, county, city, region
    for upper in upward[upward.index(key[0]) + 1 :]:
        unit = next((v[(level, code)] for v in versions if (level, code) in v), None)
        if unit is None or unit.parent_code is None:
            break
        level, code = upper, unit.parent_code
        chain[level] = code
    return chain


def _change(change: d.UnitChange, names: dict[str, str]) -> dict[str, Any]:
    old, new = change.old, change.new
    return {
        "level": change.level, "code": change.code, "name": change.name, "parent_code": change.parent_code,
        "status": change.status,
        "old_total": number(old.total) if old else None, "new_total": number(new.total) if new else None,
        "change": number(change.change),
        "old_rank": old.rank if old else None, "new_rank": new.rank if new else None,
        "reasons": [_reason(r, names) for r in change.reasons],
    }


def _reason(reason: d.Reason, names: dict[str, str]) -> dict[str, Any]:
    if isinstance(reason, d.IndicatorChange):
        return {"kind": "indicator", "indicator": reason.indicator,
                "name": names.get(reason.indicator, reason.indicator), "causes": list(reason.causes),
                "old": _indicator(reason.old), "new": _indicator(reason.new)}
    if isinstance(reason, d.Moved):
        moved: dict[str, Any] = {"kind": "moved", "from": reason.old_parent, "to": reason.new_parent}
        if reason.old_above != reason.new_above:
            moved["above"] = {"from": reason.old_above, "to": reason.new_above}
        return moved
    if isinstance(reason, d.Members):
        return {"kind": "members", "joined": list(reason.joined), "left": list(reason.left), "moved": reason.moved,
                "largest": [{"code": code, "change": number(change)} for code, change in reason.largest]}
    return {"kind": "ruleset", "from": reason.old, "to": reason.new}


def _indicator(figures: d.IndicatorFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {"count": number(figures.count), "average": number(figures.average), "points": number(figures.points),
            "adjustment": number(figures.adjustment)}
