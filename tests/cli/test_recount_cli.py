"""``jifen recount``: a month's kept counts against a recount of its raw operations, run as a user would (SQLite
and PostgreSQL). Region: school S1 (T1, T2), school S9 of the online classroom; the month's reports include a
duplicate content hash and a session that overlaps another, which the recount must judge as ingestion did."""

from __future__ import annotations

import json
from datetime import datetime

from factories import CST, at, jifen, jifen_ok, op, row, sha
from sqlalchemy import update

from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store.tables import operation_counts

MONTH = "2026-09"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=CST)


def _region(runtime: Runtime) -> None:
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1"), row("T2", "S1")], full=True, now=NOW)
    statuses = [str(r.status) for r in ingest.submit("seewo-easinote5", [
        op("teaching.session", teacher="T1", duration=1800, when=at(3, 9, month=MONTH)),
        op("teaching.session", teacher="T1", duration=1800, when=at(3, 9, month=MONTH, minute=10)),  # overlaps
        op("library.upload", teacher="T1", content_sha256=sha("plan"), when=at(4, month=MONTH)),
        op("library.upload", teacher="T2", content_sha256=sha("plan"), when=at(5, month=MONTH)),  # duplicate
        op("research.activity", teacher="T2", when=at(6, month=MONTH)),
    ], NOW)]
    assert statuses == ["qualified", "not_qualified", "qualified", "not_qualified", "qualified"]


def test_a_month_whose_counts_agree_and_one_whose_do_not(runtime: Runtime, cli_env: dict[str, str]) -> None:
    _region(runtime)
    agreed = jifen_ok(cli_env, "recount", MONTH).stdout
    assert "2026-09: 重新计数与入库时的计数一致 the recount agrees with the counts kept" in " ".join(agreed.split())
    assert json.loads(jifen_ok(cli_env, "recount", MONTH, "--format", "json").stdout) == {
        "month": MONTH, "agrees": True, "kept": 3, "recounted": 3, "differences": []}

    with runtime.database.transaction() as connection:  # a count that lost an increment
        connection.execute(update(operation_counts).where(
            operation_counts.c.subject_kind == "teacher", operation_counts.c.code == "T2",
            operation_counts.c.indicator == "research_activity").values(count=0))
    differing = jifen(cli_env, "recount", MONTH, "--format", "json")
    assert differing.exit_code == 1
    assert json.loads(differing.stdout)["differences"] == [
        {"subject_kind": "teacher", "code": "T2", "indicator": "research_activity", "kept": 0, "recounted": 1,
         "credited_by_appeal": 0, "explained": False}]
    table = jifen(cli_env, "recount", MONTH)
    assert table.exit_code == 1 and "计数不一致" in table.stdout and "research_activity" in table.stdout


def test_a_month_that_is_not_one_is_refused(cli_env: dict[str, str]) -> None:
    refused = jifen(cli_env, "recount", "2026-13")
    assert refused.exit_code == 2 and "2026-13" in refused.stderr and "Traceback" not in refused.stderr


def test_a_table_lists_the_largest_differences_and_says_how_many_more(runtime: Runtime,
                                                                       cli_env: dict[str, str]) -> None:
    _region(runtime)
    with runtime.database.transaction() as connection:  # two counts gone wrong: by 1 and by 4
        for code, indicator, count in (("T2", "research_activity", 0), ("T1", "teaching_resources", 5)):
            connection.execute(update(operation_counts).where(
                operation_counts.c.subject_kind == "teacher", operation_counts.c.code == code,
                operation_counts.c.indicator == indicator).values(count=count))
    everything = json.loads(jifen(cli_env, "recount", MONTH, "--format", "json").stdout)["differences"]
    assert [(d["code"], d["kept"], d["recounted"]) for d in everything] == [("T1", 5, 1), ("T2", 0, 1)]
    first = json.loads(jifen(cli_env, "recount", MONTH, "--format", "json", "--limit", "1").stdout)
    assert [d["code"] for d in first["differences"]] == ["T1"]

    table = jifen(cli_env, "recount", MONTH, "--limit", "1")
    assert table.exit_code == 1 and "teaching_resources" in table.stdout and "research_activity" not in table.stdout
    assert "另有 1 项差异未列出 and 1 more of 2" in " ".join(table.stdout.split())
    whole = jifen(cli_env, "recount", MONTH)
    assert "research_activity" in whole.stdout and "另有" not in whole.stdout
