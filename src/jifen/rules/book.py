"""Which rule set is in force for a month: pure selection over the region's schedule and known versions.

The region's schedule says which rule set (by name) applies from which month on; among the versions of
that rule set, the one in force is the latest whose ``effective_from`` is not after the month (before
every version takes effect, the earliest one applies).
"""

from __future__ import annotations

from collections.abc import Iterable

from jifen.domain.periods import Month
from jifen.rules.loader import LoadedRuleSet


def name_in_force(schedule: Iterable[tuple[str, str]], month: Month, default: str) -> str:
    """``schedule`` holds (from_month, rule-set name) pairs."""
    applicable = [(start, name) for start, name in schedule if Month.parse(start) <= month]
    return max(applicable)[1] if applicable else default


def version_in_force(versions: Iterable[LoadedRuleSet], month: Month) -> LoadedRuleSet:
    known = list(versions)
    if not known:
        raise ValueError("no versions to choose from")
    started = [v for v in known if Month.parse(v.rules.effective_from) <= month]
    if started:
        return max(started, key=lambda v: (v.rules.effective_from, v.version))
    return min(known, key=lambda v: (v.rules.effective_from, v.version))
