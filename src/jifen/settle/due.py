"""Settling the months that are due: once (``jifen settle --due``, for cron) or every few minutes beside the
server (``jifen serve``). Which months are due is decided by ``jifen.settle.schedule``; this module reads each
month's state and settles. Two of them running at once settle a month once: the second finds a newer version
under the settlement lock and stands back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jifen.config import Settings
from jifen.domain.periods import Month
from jifen.errors import Conflict
from jifen.rules.loader import LoadedRuleSet
from jifen.settle import inputs
from jifen.settle.schedule import Due, MonthState, Schedule, due
from jifen.settle.service import SettleSummary, settle_month
from jifen.store import operations as operations_repo
from jifen.store import settlements as repo
from jifen.store.database import Database

log = logging.getLogger("jifen.settle")

RuleSetFor = Callable[[Month], LoadedRuleSet]


@dataclass(frozen=True)
class DueOutcome:
    due: Due
    summary: SettleSummary | None  # None: skipped, see ``skipped``
    skipped: str | None = None


def schedule_of(settings: Settings, tz: ZoneInfo) -> Schedule:
    return Schedule(settings.settle_day, settings.settle_hour, timedelta(hours=settings.settle_grace_hours),
                    max(1, settings.retention_months), tz)


def month_states(database: Database, months: list[Month], ruleset_for: RuleSetFor) -> list[MonthState]:
    """Each month's latest version, and whether its inputs or its rule set changed since; for a month never
    settled, whether it holds reports."""
    states = []
    with database.read() as connection:
        latest = repo.latest_per_month(connection, [str(m) for m in months])
        reported = operations_repo.months_with_reports(connection, [str(m) for m in months if str(m) not in latest])
        for month in months:
            record = latest.get(str(month))
            if record is None:
                states.append(MonthState(month, None, has_reports=str(month) in reported))
                continue
            changed = inputs.changed_since(connection, record, ruleset_for(month), month)
            states.append(MonthState(month, record.version, changed))
    return states


def run_due(database: Database, ruleset_for: RuleSetFor, region: tuple[str, str], schedule: Schedule,
            now: datetime, *, engine: str = "python", master: str = "local[2]") -> list[DueOutcome]:
    """Settle every month due at ``now``, oldest first, on ``engine``; each makes a new draft version, unless its
    latest version already holds the figures (changed inputs that change no figure: ``unchanged``)."""
    outcomes = []
    for item in due(now, schedule, month_states(database, schedule.window(now), ruleset_for)):
        try:
            summary = settle_month(database, ruleset_for(item.month), item.month, region, now, schedule.tz,
                                   only_after=item.after_version, engine=engine, master=master,
                                   keep_if_same=item.after_version > 0)
        except Conflict as exc:
            outcomes.append(DueOutcome(item, None, exc.message))
            continue
        outcomes.append(DueOutcome(item, summary))
    return outcomes


class DueChecker:
    """Runs ``check`` at once and then every ``interval_s`` seconds in a daemon thread, until ``stop``; each
    outcome goes to ``report`` (the log by default)."""

    def __init__(self, check: Callable[[], list[DueOutcome]], interval_s: float,
                 report: Callable[[DueOutcome], None] = lambda outcome: log.info("%s", describe(outcome))) -> None:
        self._check = check
        self._interval_s = interval_s
        self._report = report
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jifen-due-settlements", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Ask the thread to stop and wait for it (a settlement under way finishes first)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                for outcome in self._check():
                    self._report(outcome)
            except Exception:  # a failed check must not end the thread: the next one may succeed
                log.exception("checking for due settlements failed")
            self._stopping.wait(self._interval_s)


def describe(outcome: DueOutcome) -> str:
    """One line for the log or the terminal, in the terms of the report commands."""
    item = outcome.due
    why = "首次结算 first settlement" if item.after_version == 0 else f"输入已变化 inputs changed since v{item.after_version}"
    if outcome.summary is None:
        return f"{item.month}: {why}; skipped: {outcome.skipped}"
    s = outcome.summary
    if s.unchanged:
        return (f"{s.month}: {why}; figures unchanged, version {s.version} kept 结果未变，仍为第{s.version}版")
    return (f"{s.month}: {why}; settled as draft version {s.version} 草稿第{s.version}版: {s.teachers} teachers, "
            f"{s.schools} schools, {s.counties} counties; region total {s.region_total}")
