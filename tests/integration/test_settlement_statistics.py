"""On PostgreSQL a stored settlement leaves fresh planner statistics behind, so reading one teacher of a new
version seeks the index instead of scanning the version."""

from __future__ import annotations

from datetime import datetime

from factories import CST, at, jifen_ok, op, row
from sqlalchemy import text

from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=CST)


def test_a_settlement_leaves_fresh_statistics_on_postgresql(runtime: Runtime, cli_env: dict[str, str]) -> None:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row(f"t{n}", "640104001") for n in range(5)], full=True, now=NOW)
    ingest.submit("hite-pi6", [op("lesson.create", teacher="t1", when=at(month="2026-09"))], NOW)
    jifen_ok(cli_env, "settle", "2026-09")
    with runtime.database.read() as connection:
        if connection.dialect.name != "postgresql":
            return  # SQLite plans without such statistics here
        analysed = connection.execute(text(
            "SELECT relname, last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname IN "
            "('settlements', 'settlement_units', 'settlement_indicators')")).all()
    assert sorted(analysed) == [("settlement_indicators", True), ("settlement_units", True), ("settlements", True)]
