"""Rule-set repository: every version ever used, kept verbatim, and the region's schedule of rule sets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, select

from jifen.rules.loader import LoadedRuleSet, parse
from jifen.store.tables import region_rulesets, rulesets

_parsed: dict[str, LoadedRuleSet] = {}  # by content hash: a stored version never changes


def record(connection: Connection, loaded: LoadedRuleSet, now: datetime) -> None:
    """Keep this version's text, so the months it settled can be settled again after the file changes."""
    if connection.scalar(select(rulesets.c.id).where(rulesets.c.sha256 == loaded.sha256)) is None:
        connection.execute(rulesets.insert().values(
            name=loaded.name, version=loaded.version, effective_from=loaded.rules.effective_from,
            sha256=loaded.sha256, content=loaded.content, recorded_at=now,
        ))


def versions(connection: Connection, name: str) -> list[LoadedRuleSet]:
    """Every stored version of ``name``; the text is read only of versions not parsed yet (the ingestion reads
    the versions for every group of reports)."""
    shas = connection.scalars(_VERSIONS, {"name": name}).all()
    unread = [sha for sha in shas if sha not in _parsed]
    if unread:
        rows = connection.execute(select(rulesets.c.sha256, rulesets.c.content).where(rulesets.c.sha256.in_(unread)))
        for sha, content in rows:
            _parse(sha, content)
    return [_parsed[sha] for sha in shas]


def by_sha(connection: Connection, sha256: str) -> LoadedRuleSet | None:
    if sha256 in _parsed:
        return _parsed[sha256]
    content = connection.scalar(select(rulesets.c.content).where(rulesets.c.sha256 == sha256))
    return None if content is None else _parse(sha256, content)


def _parse(sha256: str, content: str) -> LoadedRuleSet:
    if sha256 not in _parsed:
        _parsed[sha256] = parse(content.encode("utf-8"), source=f"stored rule set {sha256[:12]}")
    return _parsed[sha256]


def schedule(connection: Connection) -> list[tuple[str, str]]:
    return [(r.from_month, r.ruleset_name) for r in connection.execute(_SCHEDULE)]


# Built once: the ingestion reads the schedule and the versions for every group of reports, and building a
# statement (and its cache key) cost more than running it
_VERSIONS = select(rulesets.c.sha256).where(rulesets.c.name == bindparam("name"))
_SCHEDULE = select(region_rulesets.c.from_month, region_rulesets.c.ruleset_name).order_by(region_rulesets.c.from_month)


def schedule_from(connection: Connection, month: str, name: str, now: datetime) -> None:
    connection.execute(delete(region_rulesets).where(region_rulesets.c.from_month == month))
    connection.execute(region_rulesets.insert().values(from_month=month, ruleset_name=name, set_at=now))
