"""Import a roster file, then qualify the pending reports of the teachers and schools it brings in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jifen.domain.organisations import RosterRow
from jifen.errors import RosterError
from jifen.ingest.roster_file import read_roster
from jifen.ingest.service import INGEST_LOCK, Ingest
from jifen.store import roster as repo


@dataclass(frozen=True)
class RosterImport:
    summary: repo.ImportSummary
    resolved: dict[str, int]


def import_file(ingest: Ingest, path: Path, *, full: bool, now: datetime) -> RosterImport:
    return import_rows(ingest, read_roster(path), full=full, now=now, source=path.name)


def import_rows(ingest: Ingest, rows: list[RosterRow], *, full: bool, now: datetime,
                source: str = "roster") -> RosterImport:
    if not rows:
        raise RosterError(f"{source}: no teacher rows to import")
    database = ingest.database
    with database.transaction() as connection, database.lock(connection, INGEST_LOCK):
        summary = repo.apply(connection, rows, full=full, now=now)
        resolved = ingest.resolve_pending(connection)
    return RosterImport(summary, resolved)
