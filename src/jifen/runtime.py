"""What every front door needs: settings, the database brought up to date, and the rule set in force."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from jifen.config import Settings
from jifen.rulebook import RuleBook
from jifen.rules.loader import LoadedRuleSet, load_shipped
from jifen.store.database import Database

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from jifen.ingest.service import Ingest


@dataclass
class Runtime:
    settings: Settings
    database: Database

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = True) -> Runtime:
        url = settings.resolved_database_url()
        if url.startswith("sqlite:///") and not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(url)
        if upgrade:
            database.ensure_current()
        return cls(settings=settings, database=database)

    @cached_property
    def ruleset(self) -> LoadedRuleSet:
        return load_shipped(self.settings.ruleset)

    @cached_property
    def rulebook(self) -> RuleBook:
        return RuleBook(self.database, self.settings.ruleset, self.tz)

    @cached_property
    def server_key(self) -> Fernet:
        """Encrypts app secrets at rest (JIFEN_SECRET_KEY, or secret.key in the data directory)."""
        from jifen.access.server_key import server_key

        return server_key(self.settings)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def ingest_service(self) -> Ingest:
        """The ingestion service under the rule sets in force now and the settings' limits (future tolerance,
        retention): one for the API and the back-fill alike, so a report is judged the same whichever way in."""
        from jifen.ingest.service import Ingest

        settings = self.settings
        return Ingest(self.database, self.rulebook.snapshot(), self.tz,
                      future_tolerance_s=settings.future_tolerance_s, retention_months=settings.retention_months)

    def close(self) -> None:
        self.database.dispose()
