"""The rule sets of the region over time: which one is in force for a month, and switching from a month on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from jifen.domain.periods import Month
from jifen.errors import InvalidInput, NotFound
from jifen.rules import book
from jifen.rules.loader import LoadedRuleSet, load_shipped, shipped_names
from jifen.rules.schema import RuleSet
from jifen.store import rulesets as repo
from jifen.store.database import Database


class RuleBook:
    def __init__(self, database: Database, default_name: str, tz: ZoneInfo) -> None:
        self.database = database
        self.default_name = default_name
        self.tz = tz

    def for_month(self, month: Month) -> LoadedRuleSet:
        """Read afresh each time: another process may have switched the schedule."""
        schedule, versions = repo.schedule_and_versions(self.database)
        name = book.name_in_force(schedule, month, self.default_name)
        known = {v.sha256: v for v in repo.loaded(self.database, versions.get(name, []))}
        if name in shipped_names():
            shipped = load_shipped(name)
            known.setdefault(shipped.sha256, shipped)
        return book.version_in_force(known.values(), month)

    def rules_for(self, month: Month) -> RuleSet:
        return self.for_month(month).rules

    def snapshot(self) -> Callable[[Month], RuleSet]:
        """Rule sets by month, each looked up once: for one batch of reports or one command."""
        seen: dict[Month, RuleSet] = {}

        def rules_for(month: Month) -> RuleSet:
            if month not in seen:
                seen[month] = self.rules_for(month)
            return seen[month]

        return rules_for

    def current(self, now: datetime | None = None) -> LoadedRuleSet:
        return self.for_month(Month.of(now or datetime.now(UTC), self.tz))

    def in_use(self, now: datetime | None = None) -> list[LoadedRuleSet]:
        """The rule sets of every month: the one in force now, the default before the schedule's first
        switch, and each one the schedule switches to (apps of any of them may report)."""
        months = [Month.of(now or datetime.now(UTC), self.tz), Month(1, 1)]
        months += [Month.parse(start) for start, _name in self.schedule()]
        loaded = {v.sha256: v for v in (self.for_month(m) for m in months)}
        return list(loaded.values())

    def use(self, name: str, from_month: Month, now: datetime) -> LoadedRuleSet:
        """Switch the region to a shipped rule set from a month on (one rule set per month)."""
        if name not in shipped_names():
            raise NotFound(f"unknown rule set {name!r}; shipped: {', '.join(shipped_names())}")
        loaded = load_shipped(name)
        if str(from_month) < loaded.rules.effective_from:
            message = f"{from_month} is before rule set {name} takes effect ({loaded.rules.effective_from})"
            raise InvalidInput(f"from: {message}", details=[{"path": "from", "message": message}])
        with self.database.transaction() as connection:
            repo.record(connection, loaded, now)
            repo.schedule_from(connection, str(from_month), name, now)
        return loaded

    def schedule(self) -> list[tuple[str, str]]:
        with self.database.read() as connection:
            return repo.schedule(connection)
