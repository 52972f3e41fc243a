"""When months are settled by themselves: pure decisions from the time and each month's state.

A month falls due early the next month, at the configured day and hour (local time) plus a grace period for late
reports. Then the previous month is settled once it has no version; and any month within the retention window
whose inputs changed since its latest version (late or pending reports, withdrawals, adjustments, roster imports,
another rule set) is settled again, as a new draft for a bureau to publish. A month is never settled by the
schedule before it falls due, so the running month is left alone while reports still arrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.domain.periods import Month

FIRST = "first"  # the month has no version yet
CHANGED = "changed"  # its inputs changed since its latest version


@dataclass(frozen=True)
class Schedule:
    day: int  # of the month after the settled one, 1 to 28
    hour: int  # 0 to 23, local time
    grace: timedelta
    retention_months: int  # months before the current one that may still change
    tz: ZoneInfo

    def due_at(self, month: Month) -> datetime:
        """When ``month`` falls due: the day and hour of the next month, local time, plus the grace period."""
        following = month.next()
        return datetime(following.year, following.month, self.day, self.hour, tzinfo=self.tz) + self.grace

    def window(self, now: datetime) -> list[Month]:
        """The months within retention before the current one, oldest first."""
        months = [Month.of(now, self.tz).previous()]
        for _ in range(self.retention_months - 1):
            months.append(months[-1].previous())
        return months[::-1]


@dataclass(frozen=True)
class MonthState:
    month: Month
    latest_version: int | None  # None: never settled
    inputs_changed: bool = False
    has_reports: bool = False  # reports are stored for it (asked of months never settled)


@dataclass(frozen=True)
class Due:
    month: Month
    reason: str  # FIRST or CHANGED
    after_version: int  # the latest version when it was found due (0: none)


def due(now: datetime, schedule: Schedule, states: Iterable[MonthState]) -> list[Due]:
    """The months to settle now, oldest first. A month missing from ``states`` has no version."""
    known = {state.month: state for state in states}
    previous = Month.of(now, schedule.tz).previous()
    found: list[Due] = []
    for month in schedule.window(now):
        if now < schedule.due_at(month):
            continue
        state = known.get(month, MonthState(month, None))
        if state.latest_version is None:
            # last month always; an older one when it holds reports, so that a missed run (the server down for
            # a month, cron not yet set up) is made good, while a new installation does not settle a year of
            # empty months
            if month == previous or state.has_reports:
                found.append(Due(month, FIRST, 0))
        elif state.inputs_changed:
            found.append(Due(month, CHANGED, state.latest_version))
    return found
