"""A bureau's month on the store at province scale: settle, re-settle, the diff, the bulletin, the credits list.

    .venv/bin/python benchmarks/store.py --database postgresql   # 100,000 teachers, 3 million reports
    .venv/bin/python benchmarks/store.py --database sqlite

The roster (``jifen.demo.region``) is imported and every catalog app registered as ``benchmarks/ingest.py`` does;
the month's reports are stored by plain SQL (COPY on PostgreSQL) with the counts ingestion keeps, planner
statistics gathered. Then, each timed on its own and printed with the process's peak memory so far:

- ``settle``: the month's first settlement as ``jifen settle`` makes it (on ``JIFEN_SETTLE_ENGINE``), written to
  the store;
- ``settle_again``: after late reports that move a region average, version 2;
- ``diff``: version 1 to 2 as a county admin's page asks for it (their county, the 50 largest moves), and the
  whole region's;
- ``bulletin``: one county's 通报, DOCX, PDF, HTML and its XLSX attachment written;
- ``credits``: the year's continuing-education credits of the county's teachers;
- ``card``: one teacher's points card.

No targets are set by an issue for these; a page a bureau opens should answer within a few seconds. On PostgreSQL
the run works in a schema of its own, ``jifen_store_bench``, dropped at the end.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).parent))
import ingest as bench  # noqa: E402  (benchmarks/ingest.py: the roster, the apps, bulk storing)

from jifen.access.scopes import covers  # noqa: E402
from jifen.config import Settings  # noqa: E402
from jifen.domain.periods import Month  # noqa: E402
from jifen.reports.bulletin import write  # noqa: E402
from jifen.reports.card import card  # noqa: E402
from jifen.reports.credits_list import credits_list  # noqa: E402
from jifen.reports.versions import diff_data  # noqa: E402
from jifen.runtime import Runtime  # noqa: E402
from jifen.settle.service import settle_month  # noqa: E402
from jifen.store.access import User  # noqa: E402
from jifen.store.tables import schools, teachers  # noqa: E402

MONTH = Month(2026, 10)
SCHEMA = "jifen_store_bench"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resources(teacher_ids: list[str], n: int, prefix: str, tz: Any) -> Iterator[tuple[Any, ...]]:
    """Micro-lectures and MOOCs (数字学校, for the bulletin) or lesson preparations (late reports)."""
    received = datetime.now(UTC).isoformat()
    for i in range(n):
        day = date(MONTH.year, MONTH.month, 1 + i % 28)
        at = datetime(day.year, day.month, day.day, 15 if prefix == "micro" else 7, i % 60, tzinfo=tz).isoformat()
        if prefix == "micro":
            app, action, indicator = "digital-school", ("microlecture.upload", "mooc.add")[i % 2], "teaching_resources"
        else:
            app, action, indicator = "hite-pi6", "lesson.create", "lesson_prep"
        yield (app, f"{prefix}-{i}", action, indicator, teacher_ids[(i * 7) % len(teacher_ids)], at, str(MONTH),
               day.isoformat(), None, None, "{}", "qualified", received, f"{prefix[0]}{i:063x}")


def _counted(url: str) -> None:
    """The counts ingestion would have kept, for every operation stored (bench.prefill counts only its own)."""
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM operation_counts"))
        connection.execute(text(bench.COUNTS))
        connection.execute(text("UPDATE month_inputs SET revision = revision + 1"))
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE operations, operation_counts"))
    engine.dispose()


def timed(label: str, call: Any, detail: str = "") -> Any:
    started = time.perf_counter()
    result = call()
    print(f"{label}_s={time.perf_counter() - started:.2f} {detail}peak_mb={_peak_mb():.0f}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--operations", type=int, default=3_000_000, help="the month's reports (about)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = bench.bench_url(args.database, args.postgresql_url, data_dir, SCHEMA)
        runtime = Runtime.open(Settings(data_dir=data_dir, database_url=url))
        tz, region = runtime.tz, (runtime.settings.region_code, runtime.settings.region_name)
        try:
            started = time.perf_counter()
            teacher_ids, _tokens = bench.prepare(runtime, args.teachers)
            micro = max(1, args.operations // 20)
            bench.prefill(runtime.database.url, args.operations - micro, teacher_ids, bench.app_actions(runtime),
                          [MONTH], tz)
            bench.bulk_store(runtime.database.url, bench._COLUMNS, _resources(teacher_ids, micro, "micro", tz), [])
            _counted(runtime.database.url)
            print(f"{args.database} teachers={args.teachers} operations={args.operations} "
                  f"stored_s={time.perf_counter() - started:.0f}", flush=True)
            now, engine = datetime.now(UTC), runtime.settings.settle_engine  # as jifen settle runs it

            def settle() -> Any:
                return settle_month(runtime.database, runtime.ruleset, MONTH, region, now, tz, engine=engine)

            timed("settle", settle, f"engine={engine} ")
            bench.bulk_store(runtime.database.url, bench._COLUMNS,
                             _resources(teacher_ids[: len(teacher_ids) // 10], micro // 5, "late", tz), [])
            _counted(runtime.database.url)
            timed("settle_again", settle, f"engine={engine} ")
            with runtime.database.read() as connection:
                county = connection.scalar(select(schools.c.county_code).order_by(schools.c.county_code))
                teacher = connection.scalar(select(teachers.c.id).order_by(teachers.c.id))
                admin = User("bench", "county_admin", county)
                page = timed("diff_county_page", lambda: diff_data(
                    connection, str(MONTH), 1, 2, limit=50, covers=lambda chain: covers(admin, chain)))
                whole = timed("diff_region", lambda: diff_data(connection, str(MONTH), 1, 2, limit=50))
                print(f"diff changes: county {page['total_changes']}, region {whole['total_changes']}", flush=True)
                timed("bulletin", lambda: write(connection, county, str(MONTH), data_dir / "bulletin",
                                                 runtime.settings, issued_on=date(2026, 11, 5)), f"county={county} ")
                listed = timed("credits", lambda: credits_list(connection, "county", county, date(2026, 11, 5)))
                print(f"credits teachers={len(listed['teachers'])}", flush=True)
                timed("card", lambda: card(connection, teacher, date(2026, 11, 5), tz, runtime.ruleset.rules))
        finally:
            runtime.close()
            if args.database == "postgresql":
                import psycopg

                with psycopg.connect(args.postgresql_url, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


if __name__ == "__main__":
    main()
