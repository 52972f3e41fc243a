"""Properties of ingestion over random reports: re-sending anything changes nothing."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factories import row
from jifen.config import Settings
from jifen.domain.operations import Report
from jifen.domain.periods import Month
from jifen.ingest.idempotency import payload_sha256
from jifen.ingest.inbound import parse_item
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.service import settle_month
from jifen.store.tables import operations, settlement_indicators, settlement_units, settlements
from strategies import reports

NOW = datetime(2026, 10, 3, tzinfo=UTC)
TEACHERS = ["T1", "T2", "T3"]
SCHOOLS = ["S1", "S2"]


def _fresh() -> tuple[Runtime, Ingest, tempfile.TemporaryDirectory[str]]:
    folder = tempfile.TemporaryDirectory()
    runtime = Runtime.open(Settings(data_dir=Path(folder.name), database_url=f"sqlite:///{folder.name}/p.sqlite3"))
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    import_rows(ingest, [row("T1"), row("T2"), row("T3", "S2", online_classrooms=2)], full=False, now=NOW)
    return runtime, ingest, folder


def _state(runtime: Runtime) -> list[tuple[object, ...]]:
    with runtime.database.read() as connection:
        return [tuple(r) for r in connection.execute(
            select(operations.c.app_code, operations.c.external_id, operations.c.status, operations.c.reason,
                   operations.c.indicator).order_by(operations.c.id))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(reports(TEACHERS, SCHOOLS), min_size=1, max_size=25), st.data())
def test_resending_any_report_changes_nothing(sent, data) -> None:  # type: ignore[no-untyped-def]
    runtime, ingest, folder = _fresh()
    try:
        answers, first = {}, {}  # first: the report stored under each (app, id)
        for app, item in sent:
            answers[id(item)] = ingest.submit(app, [item], NOW)[0].status
            if answers[id(item)] != "rejected":
                first.setdefault((app, item["id"]), item)
        before = _state(runtime)
        stored = {(app, external_id) for app, external_id, *_rest in before}
        again = data.draw(st.lists(st.sampled_from(sent), min_size=1, max_size=10))
        for app, item in again:
            result = ingest.submit(app, [item], NOW)[0]
            if (app, item["id"]) in stored:  # the stored report again, or another one under its id
                same = _fingerprint(item) == _fingerprint(first[(app, item["id"])])
                assert result.status == ("duplicate" if same else "conflict")
            else:  # never stored: it was rejected, and the same report is rejected again
                assert answers[id(item)] == "rejected" and result.status == "rejected"
        assert _state(runtime) == before
    finally:
        runtime.close()
        folder.cleanup()


def _fingerprint(item: object) -> str | None:
    parsed = parse_item(item)
    return payload_sha256(parsed) if isinstance(parsed, Report) else None


def _settlement_rows(runtime: Runtime, version: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with runtime.database.read() as connection:
        sid = connection.scalar(select(settlements.c.id).where(settlements.c.version == version))
        units = connection.execute(select(settlement_units).where(settlement_units.c.settlement_id == sid)
                                   .order_by(settlement_units.c.level, settlement_units.c.code)).all()
        indicators = connection.execute(
            select(settlement_indicators).where(settlement_indicators.c.settlement_id == sid)
            .order_by(settlement_indicators.c.level, settlement_indicators.c.code,
                      settlement_indicators.c.indicator)).all()
    return [tuple(r)[1:] for r in units], [tuple(r)[1:] for r in indicators]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(reports(TEACHERS, SCHOOLS), min_size=1, max_size=30))
def test_settling_the_same_stored_month_twice_gives_identical_versions(sent) -> None:  # type: ignore[no-untyped-def]
    runtime, ingest, folder = _fresh()
    try:
        for app, item in sent:
            ingest.submit(app, [item], NOW)
        for _ in range(2):
            settle_month(runtime.database, runtime.rulebook.for_month(Month(2026, 9)), Month(2026, 9),
                         ("640000", "宁夏"), NOW, runtime.tz)
        assert _settlement_rows(runtime, 1) == _settlement_rows(runtime, 2)
    finally:
        runtime.close()
        folder.cleanup()
