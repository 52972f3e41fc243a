"""Import a roster file, then qualify the pending reports of the teachers and schools it brings in.

An import states the roster from its from month on: ``effective_from`` when given (the current month at the
latest), else every month not yet published. The current roster takes the file at once; the history takes it from
that month (``roster_history``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jifen.domain.operations import Status
from jifen.domain.organisations import RosterRow
from jifen.domain.periods import Month
from jifen.errors import InvalidInput, RosterError
from jifen.ingest.roster_file import read_roster
from jifen.ingest.service import INGEST_LOCK, Ingest
from jifen.store import roster as repo
from jifen.store.roster_history import ALL_MONTHS


@dataclass(frozen=True)
class RosterImport:
    summary: repo.ImportSummary
    resolved: dict[str, int]
    from_month: str  # ALL_MONTHS: every month (nothing published yet)
    # pending reports now qualified that are of months before the roster's first: their teacher or school is
    # still not on those months' roster, so they count there only once a roster holds from their month
    before_from: dict[str, int] = field(default_factory=dict)  # month -> reports

    @property
    def applies_to_all_months(self) -> bool:
        return self.from_month == ALL_MONTHS


def effective_month(text: str | None) -> Month | None:
    """``effective_from`` as given by a user: YYYY-MM, or None for every month not yet published."""
    if text is None:
        return None
    try:
        return Month.parse(text)
    except InvalidInput as exc:
        message = f"effective_from {text!r} is not a month: expected YYYY-MM, e.g. 2026-10"
        raise InvalidInput(message, details=[{"path": "effective_from", "message": exc.message}]) from exc


def import_file(ingest: Ingest, path: Path, *, full: bool, now: datetime,
                effective_from: str | None = None) -> RosterImport:
    month = effective_month(effective_from)
    return import_rows(ingest, read_roster(path), full=full, now=now, source=path.name, effective_from=month)


def import_rows(ingest: Ingest, rows: list[RosterRow], *, full: bool, now: datetime,
                source: str = "roster", effective_from: Month | None = None) -> RosterImport:
    if not rows:
        raise RosterError(f"{source}: no teacher rows to import")
    current = Month.of(now, ingest.tz)
    if effective_from is not None and effective_from > current:
        # the current roster takes an import at once: one of a month to come would change today's
        raise InvalidInput(f"effective_from {effective_from} is after the current month {current}: import the "
                           f"roster when that month begins",
                           details=[{"path": "effective_from", "message": f"after the current month {current}"}])
    database = ingest.database
    with database.transaction() as connection, database.lock(connection, INGEST_LOCK):
        from_month = str(effective_from) if effective_from is not None else repo.first_unpublished_month(connection)
        summary = repo.apply(connection, rows, full=full, from_month=from_month, now=now)
        judged = ingest.judge_pending(connection)
    resolved = dict(Counter(status for _stored, status in judged))
    earlier = Counter(stored.month for stored, status in judged
                      if status == Status.QUALIFIED and stored.month < from_month)
    return RosterImport(summary, resolved, from_month, dict(sorted(earlier.items())))
