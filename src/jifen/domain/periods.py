"""Months in local time (Asia/Shanghai by default): parsing, formatting and the month of an instant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from jifen.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The years dates and months are taken in: the day, week, month or year either side of any of them is still a date
# (Python's calendar ends at years 1 and 9999)
FIRST_YEAR, LAST_YEAR = 1970, 9998


def outside_years(year: int) -> str | None:
    """Why a date or month of ``year`` is not taken, or None."""
    return None if FIRST_YEAR <= year <= LAST_YEAR else f"is outside the years {FIRST_YEAR}-{LAST_YEAR}"


def parse_day(text: str, where: str) -> date:
    """A date YYYY-MM-DD within the years taken, or an error naming ``where`` (a field, option or parameter)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        message = f"{text!r} is not a date YYYY-MM-DD"
    else:
        problem = outside_years(day.year)
        if problem is None:
            return day
        message = f"{text!r} {problem}"
    raise InvalidInput(f"{where}: {message}", details=[{"path": where, "message": message}])


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text.strip()) if isinstance(text, str) else None
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise InvalidInput(f"month {text!r} is not YYYY-MM")
        if problem := outside_years(int(match.group(1))):
            raise InvalidInput(f"month {text!r} {problem}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, tz: ZoneInfo) -> Month:
        local = instant.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def through(self, last: Month) -> list[Month]:
        """This month and every month after it up to ``last``, in order (none when ``last`` is earlier)."""
        months: list[Month] = []
        month = self
        while month <= last:
            months.append(month)
            month = month.next()
        return months

    def start(self, tz: ZoneInfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """The first instant of the next month (exclusive end)."""
        return self.next().start(tz)
