"""Settle a month: read the roster and qualified counts, compute, store as a new version."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from jifen.domain.organisations import Roster
from jifen.domain.periods import Month
from jifen.errors import Conflict, InvalidInput
from jifen.rules.loader import LoadedRuleSet
from jifen.rules.schema import RuleSet
from jifen.settle import fixed, inputs, review
from jifen.settle.compute import FIXED, MonthCounts, figures, settle
from jifen.store import adjustments as adjustments_repo
from jifen.store import operations as operations_repo
from jifen.store import roster as roster_repo
from jifen.store import rulesets as rulesets_repo
from jifen.store import settlements as repo
from jifen.store.database import Database

SETTLE_LOCK = 0x4A4946454E + 1
PYTHON = "python"
ENGINES = (PYTHON, "duckdb", "sqlite", "postgres", "spark")


@dataclass(frozen=True)
class SettleSummary:
    month: str
    version: int
    teachers: int
    schools: int
    counties: int
    region_total: Decimal
    unchanged: bool = False  # the latest version already held these figures: kept, no version made (keep_if_same)


def settle_month(database: Database, ruleset: LoadedRuleSet, month: Month, region: tuple[str, str],
                 now: datetime, tz: ZoneInfo = ZoneInfo("Asia/Shanghai"), *,
                 only_after: int | None = None, engine: str = PYTHON, master: str = "local[2]",
                 keep_if_same: bool = False) -> SettleSummary:
    """Settle ``month`` as a new draft version. ``only_after``: the latest version the caller saw (0 for none);
    when another one was made meanwhile, Conflict and nothing is stored (two schedulers settle a month once).
    ``keep_if_same`` (the schedule's runs): when the latest version, under the same rule set, holds exactly these
    figures, no version is made; the latest is recorded as reflecting the inputs read (``unchanged``).

    ``engine``: ``python``, the exact reference (fractions), or an engine the one Ibis definition runs on
    (``duckdb``, the embedded engine; ``sqlite``; ``postgres``, the store's own server; ``spark`` at
    ``master``). Every engine publishes the same figures to the cent (jifen.settle.engine.scoring)."""
    if engine not in ENGINES:
        raise InvalidInput(f"unknown settlement engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if month.start(tz) > now:
        raise InvalidInput(f"month {month} has not begun (it is {now.astimezone(tz):%Y-%m-%d %H:%M} in {tz.key}): "
                           "there is nothing to settle yet")
    rules = ruleset.rules
    # Read, compute, then write: no transaction is held while the engine works (a Spark cluster may take
    # minutes; on SQLite a write transaction would stop ingestion meanwhile). Inputs changed after they were
    # read raise the month's input revision above the one stored here, so the schedule settles it again.
    with database.read() as connection:
        inputs_revision = inputs.revision(connection, rules, month)  # first: see jifen.store.month_inputs
        _check_unchanged(connection, month, only_after)
        roster = roster_repo.load_for_month(connection, str(month))
        if not roster.teachers and not roster.schools:
            raise Conflict(f"the roster of {month} is empty: nothing to settle; import the roster first "
                           "(jifen orgs import)")
        counts = MonthCounts(
            teachers=_counts(operations_repo.qualified_counts(connection, str(month), "teacher_id")),
            schools=_counts(operations_repo.qualified_counts(connection, str(month), "school_code")),
            assessments={
                (teacher_id, ind.code): _score(attributes.get(ind.assessment_attribute))
                for ind in rules.indicators if ind.scoring == "assessment"
                for teacher_id, attributes in operations_repo.qualified_attributes(connection, str(month), ind.code)
            },
            events=_events(connection, rules, month, tz),
            adjustments=adjustments_repo.month_totals(connection, str(month)),
        )
    computed = _computed(engine, master, database, rules, roster, counts, region, month)
    with database.transaction() as connection, database.lock(connection, SETTLE_LOCK):
        _check_unchanged(connection, month, only_after)  # two schedulers at once: the second stores nothing
        latest = repo.find(connection, str(month)) if keep_if_same else None
        if latest is not None and latest.ruleset_sha256 == ruleset.sha256:
            same_units, same_indicators = computed.rows(latest.id)
            if repo.holds(connection, latest.id, same_units, same_indicators):
                repo.record_inputs(connection, latest.id, inputs_revision)
                return _summary(str(month), latest.version, same_units, unchanged=True)
        rulesets_repo.record(connection, ruleset, now)
        version = repo.next_version(connection, str(month))
        settlement_id = repo.create(connection, {
            "month": str(month), "version": version, "status": "draft",
            "ruleset_name": ruleset.name, "ruleset_version": ruleset.version, "ruleset_sha256": ruleset.sha256,
            "region_code": region[0], "region_name": region[1], "created_at": now,
            "inputs_revision": inputs_revision,
        })
        unit_rows, indicator_rows = computed.rows(settlement_id)
        repo.add_units(connection, unit_rows)
        repo.add_indicators(connection, indicator_rows)
        repo.add_reviews(connection, review.rows(settlement_id, computed.flags))
    with database.transaction() as connection:
        repo.refresh_statistics(connection)
    return _summary(str(month), version, unit_rows)


def _summary(month: str, version: int, unit_rows: list[dict[str, Any]], *, unchanged: bool = False) -> SettleSummary:
    levels = Counter(row["level"] for row in unit_rows)
    region_total = next((row["total"] for row in unit_rows if row["level"] == "region"), Decimal(0))
    return SettleSummary(month, version, levels["teacher"], levels["school"], levels["county"], region_total,
                         unchanged)


def _check_unchanged(connection: Connection, month: Month, only_after: int | None) -> None:
    if only_after is not None and repo.next_version(connection, str(month)) != only_after + 1:
        raise Conflict(f"{month} was settled again meanwhile; nothing was stored")


@dataclass(frozen=True)
class _Computed:
    rows: Callable[[int], tuple[list[dict[str, Any]], list[dict[str, Any]]]]  # settlement id -> unit, indicator rows
    flags: list[review.Flag]


def _computed(engine: str, master: str, database: Database, rules: RuleSet, roster: Roster, counts: MonthCounts,
              region: tuple[str, str], month: Month) -> _Computed:
    """The month scored by the Python reference or on an engine, as rows to store and the review list."""
    from jifen.settle.engine import backends
    from jifen.settle.engine.published import published_for_month, reference_rows
    if engine == PYTHON:
        result = settle(rules, roster, counts, region, month)
        return _Computed(reference_rows(rules, result).store_rows, review.review_list(rules, result))

    con = backends.connect(engine, url=None if engine == "sqlite" else database.url, master=master)  # sqlite: in memory
    try:
        published = published_for_month(con, rules, roster, counts, region, month)
    except Exception as error:
        raise backends.spark_failure(error, master) if engine == "spark" else error
    finally:
        if engine != "spark":  # the Spark session stays for the process: starting one takes seconds
            con.disconnect()
    flags = review.review_of_figures(rules, roster, figures(rules, roster, counts, month))
    return _Computed(published.store_rows, flags)


def _events(connection: Connection, rules: RuleSet, month: Month,
            tz: ZoneInfo) -> dict[tuple[str, str], list[datetime]]:
    """Local times of qualifying actions of fixed and streak indicators, as far back as caps and runs reach."""
    indicators = [ind for ind in rules.indicators if ind.scoring in FIXED]
    if not indicators:
        return {}
    first = fixed.window_start(month, indicators)
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    events: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for subject, column in (("teacher", "teacher_id"), ("school", "school_code")):
        codes = [ind.code for ind in indicators if ind.subject == subject]
        if not codes:
            continue
        for code, indicator, occurred_at in operations_repo.qualified_times(
            connection, codes, start, month.end(tz), column
        ):
            events[(code, indicator)].append(occurred_at.astimezone(tz).replace(tzinfo=None))
    return events


def _counts(rows: list[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
    return {(code, indicator): count for code, indicator, count in rows}


def _score(value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Fraction(0)
    return Fraction(Decimal(str(value)))
