"""Publication: a settlement is a draft until a bureau publishes it; a published version never changes.

Only a month's latest version can be published, so what is published is always the newest view of the month's
inputs; publishing version N+1 supersedes N as what reports show. Reports show the latest published version of a
month and, while none is, the latest draft (marked as such).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jifen.domain.periods import Month
from jifen.errors import Conflict, InvalidInput, NotSettled
from jifen.rules.loader import LoadedRuleSet, load_shipped
from jifen.settle import inputs
from jifen.settle.service import SETTLE_LOCK
from jifen.store import rulesets as rulesets_repo
from jifen.store import settlements as repo
from jifen.store.database import Database
from jifen.store.settlements import SettlementRecord

BY_LIMIT = 200


@dataclass(frozen=True)
class MonthVersions:
    """A month's versions, oldest first; which one reports show; whether inputs changed since the latest."""

    month: str
    versions: list[SettlementRecord]
    shown: SettlementRecord | None
    inputs_changed: bool


def shown_version(versions: Sequence[SettlementRecord]) -> SettlementRecord | None:
    """The latest published version, else the latest draft, else None."""
    published = [v for v in versions if v.published]
    candidates = published or list(versions)
    return max(candidates, key=lambda v: v.version) if candidates else None


def list_versions(database: Database, month: str,
                  ruleset_for: Callable[[Month], LoadedRuleSet] | None = None) -> MonthVersions:
    """The month's versions. Its inputs changed since the latest when a report, withdrawal, adjustment or roster
    change it reads came after it, or (with ``ruleset_for``, the rule set in force for a month) when another rule
    set is in force for it now: as ``jifen settle --due`` judges."""
    the_month = Month.parse(month)
    parsed = str(the_month)
    in_force = ruleset_for(the_month) if ruleset_for is not None else None
    with database.read() as connection:
        versions = repo.versions(connection, parsed)
        if not versions:
            raise NotSettled(f"month {parsed} is not settled")
        latest = versions[-1]
        if in_force is None:  # the rules the latest version read with
            in_force = rulesets_repo.by_sha(connection, latest.ruleset_sha256) or load_shipped(latest.ruleset_name)
        changed = inputs.changed_since(connection, latest, in_force, the_month)
    return MonthVersions(parsed, versions, shown_version(versions), changed)


def publish(database: Database, month: str, version: int | None, by: str, now: datetime,
            tz: ZoneInfo | None = None) -> SettlementRecord:
    """Publish a draft: ``version`` (default the latest), which must be the month's latest version; with ``tz``
    (the region's), only once the month has ended: a published month never changes, and a running one would.

    Under the settlement lock, so a re-settlement cannot slip in between the check and the publication."""
    the_month = Month.parse(month)
    parsed = str(the_month)
    if tz is not None and now < the_month.end(tz):
        raise Conflict(f"month {parsed} is still running (until {the_month.end(tz):%Y-%m-%d %H:%M} {tz.key}): a "
                       f"published month never changes; publish it once it has ended")
    who = by.strip()
    if not who or len(who) > BY_LIMIT:
        raise InvalidInput(f"by: must be 1 to {BY_LIMIT} characters",
                           details=[{"path": "by", "message": f"must be 1 to {BY_LIMIT} characters"}])
    with database.transaction() as connection, database.lock(connection, SETTLE_LOCK):
        latest = repo.find(connection, parsed)
        record = latest if version is None else repo.find(connection, parsed, version) if version >= 1 else None
        if record is None or latest is None:
            which = f"version {version} of " if version is not None else ""
            raise NotSettled(f"{which}month {parsed} is not settled")
        if record.published:
            raise Conflict(f"version {record.version} of {parsed} is already published "
                           f"(by {record.published_by}); a published version never changes")
        if record.version != latest.version:
            raise Conflict(f"version {record.version} of {parsed} is not the latest; version {latest.version} is, "
                           f"publish that one (its diff from the published version shows what it changes)")
        if not repo.publish(connection, record.id, now, who):
            raise Conflict(f"version {record.version} of {parsed} is already published")
        published = repo.find(connection, parsed, record.version)
    assert published is not None
    return published
