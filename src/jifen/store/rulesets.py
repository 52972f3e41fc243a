"""Rule-set repository: every version ever used, kept verbatim, and the region's schedule of rule sets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select

from jifen.rules.loader import LoadedRuleSet, parse
from jifen.store.database import Database
from jifen.store.tables import region_rulesets, rulesets

_parsed: dict[str, LoadedRuleSet] = {}  # by content hash: a stored version never changes


def record(connection: Connection, loaded: LoadedRuleSet, now: datetime) -> None:
    """Keep this version's text, so the months it settled can be settled again after the file changes."""
    if connection.scalar(select(rulesets.c.id).where(rulesets.c.sha256 == loaded.sha256)) is None:
        connection.execute(rulesets.insert().values(
            name=loaded.name, version=loaded.version, effective_from=loaded.rules.effective_from,
            sha256=loaded.sha256, content=loaded.content, recorded_at=now,
        ))


def by_sha(connection: Connection, sha256: str) -> LoadedRuleSet | None:
    if sha256 in _parsed:
        return _parsed[sha256]
    content = connection.scalar(select(rulesets.c.content).where(rulesets.c.sha256 == sha256))
    return None if content is None else _parse(sha256, content)


def schedule_and_versions(database: Database) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """The schedule (from month, rule set name), in month order, and the stored versions' hashes by name: one
    statement outside any transaction (Database.point_rows), since the ingestion reads them for every group of
    reports. It sees what is committed when it runs: a switch another process made applies to the next group."""
    schedule: list[tuple[str, str]] = []
    versions: dict[str, list[str]] = {}
    for kind, name, value in database.point_rows(_SCHEDULE_AND_VERSIONS, ()):
        if kind == "schedule":
            schedule.append((value, name))
        else:
            versions.setdefault(name, []).append(value)
    return sorted(schedule), versions


def loaded(database: Database, shas: list[str]) -> list[LoadedRuleSet]:
    """The versions of these hashes, each parsed once (read in a transaction of its own the first time)."""
    unread = [sha for sha in shas if sha not in _parsed]
    if unread:
        with database.read() as connection:
            for sha in unread:
                by_sha(connection, sha)
    return [_parsed[sha] for sha in shas if sha in _parsed]


_SCHEDULE_AND_VERSIONS = ("SELECT 'schedule', ruleset_name, from_month FROM region_rulesets "
                          "UNION ALL SELECT 'version', name, sha256 FROM rulesets")


def _parse(sha256: str, content: str) -> LoadedRuleSet:
    if sha256 not in _parsed:
        _parsed[sha256] = parse(content.encode("utf-8"), source=f"stored rule set {sha256[:12]}")
    return _parsed[sha256]


def schedule(connection: Connection) -> list[tuple[str, str]]:
    return [(r.from_month, r.ruleset_name) for r in connection.execute(_SCHEDULE)]


_SCHEDULE = select(region_rulesets.c.from_month, region_rulesets.c.ruleset_name).order_by(region_rulesets.c.from_month)


def schedule_from(connection: Connection, month: str, name: str, now: datetime) -> None:
    connection.execute(delete(region_rulesets).where(region_rulesets.c.from_month == month))
    connection.execute(region_rulesets.insert().values(from_month=month, ruleset_name=name, set_at=now))
