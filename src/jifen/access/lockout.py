"""Lock-out after repeated failed sign-ins: ``max_failures`` within ``window`` lock the name for ``lock``.

Failures are counted by the name typed, known or not, so that neither the answer nor the lock tells which names
exist. While a name is locked its password is not checked at all. A successful sign-in clears its failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.config import Settings


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(settings.login_max_failures, timedelta(minutes=settings.login_window_minutes),
                   timedelta(minutes=settings.login_lock_minutes))

    def window_start(self, now: datetime) -> datetime:
        return now - self.window

    def locks_after(self, failures_in_window: int) -> bool:
        """Whether this many failures within the window (the latest one included) lock the name."""
        return failures_in_window >= self.max_failures

    def remaining(self, failures_in_window: int) -> int:
        return max(0, self.max_failures - failures_in_window)

    @property
    def lock_minutes(self) -> int:
        return max(1, round(self.lock.total_seconds() / 60))
