"""The audit of a month's counts: the counts kept as reports were stored, against a recount from the raw operations.

Settlement reads the counts ingestion keeps (``operation_counts``); the recount judges every stored report again
from the rule data (:mod:`jifen.settle.engine.recount`). The two agree but in two cases, by design: a pending report
is judged when a roster import brings its teacher or school in, after reports received later than it, while the
recount judges every report in the order received (so a content hash, a day's cap or a session span they share
goes to the other report); and a pending report an approved appeal credited already is kept uncounted when its
teacher comes in (the appeal's adjustment counts it), which the recount, reading reports alone, counts. A
difference of exactly the reports so credited is told as explained.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from jifen.domain.periods import Month
from jifen.rules.schema import RuleSet
from jifen.settle.engine.recount_store import recount_store
from jifen.store import operation_counts
from jifen.store.database import Database
from jifen.store.tables import operations

Key = tuple[str, str, str]  # (subject kind, code, indicator)


@dataclass(frozen=True)
class Difference:
    subject_kind: str
    code: str
    indicator: str
    kept: int
    recounted: int
    credited_by_appeal: int = 0  # reports an approved appeal credited while pending: the recount counts them

    @property
    def explained(self) -> bool:
        return self.credited_by_appeal > 0 and self.recounted - self.kept == self.credited_by_appeal


@dataclass(frozen=True)
class CountCheck:
    month: str
    kept: int  # counts kept (rows), not zero
    recounted: int
    differences: tuple[Difference, ...]

    @property
    def agrees(self) -> bool:
        """No difference but those explained."""
        return all(d.explained for d in self.differences)


def check_month(database: Database, rules: RuleSet, month: Month) -> CountCheck:
    """The month's kept counts against its recount (every report received up to the month's last one judged
    with ``rules``, the rule set in force for the month)."""
    recounted = recount_store(database, rules, month=str(month))
    found: Counter[Key] = Counter()
    for kind, code, indicator, count in zip(*(recounted[c].to_pylist() for c in (
            "subject_kind", "code", "indicator", "count")), strict=True):
        found[(kind, code, indicator)] += count
    kept: Counter[Key] = Counter()
    with database.read() as connection:
        for kind in ("teacher", "school"):
            for code, indicator, count in operation_counts.of_month(connection, kind, str(month)):
                kept[(kind, code, indicator)] += count
        credited = _credited_by_appeal(connection, str(month))
    differences = tuple(Difference(*key, kept[key], found[key], credited[key])
                        for key in sorted(kept.keys() | found.keys()) if kept[key] != found[key])
    return CountCheck(str(month), len(+kept), len(+found), differences)


def _credited_by_appeal(connection: Connection, month: str) -> Counter[Key]:
    """The month's reports kept uncounted because an approved appeal credited them while pending, per key."""
    o = operations.c
    rows = connection.execute(select(o.teacher_id, o.indicator, func.count()).where(
        o.month == month, o.status == "not_qualified", o.reason.like("credited by appeal %"),
        o.withdrawn_at.is_(None), o.teacher_id.is_not(None)).group_by(o.teacher_id, o.indicator))
    return Counter({("teacher", teacher, indicator): int(n) for teacher, indicator, n in rows})
