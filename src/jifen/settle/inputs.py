"""Which months' inputs a month's settlement reads, and their combined revision.

A relatively scored month reads its own operations only; fixed-point indicators with caps per week or year, and
login streaks, read back as far as ``fixed.window_start`` (a late report in March can fill a yearly cap that April
counts against). A settlement keeps the sum of the revisions of the months it read: revisions only grow, so the
sum grows exactly when one of those months changed.
"""

from __future__ import annotations

from sqlalchemy import Connection

from jifen.domain.periods import Month
from jifen.rules.loader import LoadedRuleSet
from jifen.rules.schema import RuleSet
from jifen.settle import fixed
from jifen.settle.compute import FIXED
from jifen.store import month_inputs
from jifen.store.settlements import SettlementRecord


def months_read(rules: RuleSet, month: Month) -> list[Month]:
    """The months whose operations can change ``month``'s settlement, oldest first, ``month`` last."""
    indicators = [ind for ind in rules.indicators if ind.scoring in FIXED]
    if not indicators:
        return [month]
    first = fixed.window_start(month, indicators)
    return Month(first.year, first.month).through(month)


def revision(connection: Connection, rules: RuleSet, month: Month) -> int:
    """The combined revision of the months ``month``'s settlement reads (see jifen.store.month_inputs)."""
    return sum(month_inputs.revisions(connection, [str(m) for m in months_read(rules, month)]).values())


def changed_since(connection: Connection, record: SettlementRecord, in_force: LoadedRuleSet, month: Month) -> bool:
    """Whether a month's inputs changed since one of its versions (``record``): another rule set is in force for
    it (``in_force``), or a report, withdrawal, adjustment or roster change it reads came after."""
    return (in_force.sha256 != record.ruleset_sha256
            or revision(connection, in_force.rules, month) > record.inputs_revision)
