"""jifen ingest FILE --app CODE: back-fill from JSONL or CSV, on SQLite and PostgreSQL (the ``cli_env`` fixture)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import at, op, row
from factories import jifen, jifen_ok as ok
from sqlalchemy import select, text
from typer.testing import Result

from jifen.access.service import register_app
from jifen.ingest.backfill import backfill, cell_value
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.store.tables import operations

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def flat(text: str) -> str:
    return " ".join(text.split())


def counts(result: Result) -> dict[str, int]:
    """The final table's count per status, read back from the output."""
    found: dict[str, int] = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[1].isdigit():
            found[cells[0].split()[-1]] = int(cells[1])
    return found


def stored(runtime: Runtime) -> Counter[str]:
    """How many times each id is stored."""
    with runtime.database.read() as connection:
        return Counter(connection.scalars(select(operations.c.external_id)))


@pytest.fixture
def env(runtime: Runtime, cli_env: dict[str, str]) -> dict[str, str]:
    import_rows(Ingest(runtime.database, runtime.ruleset.rules, runtime.tz),
                [row("t1"), row("t2"), row("t3", "S2")], full=False, now=NOW)
    for code in ("hite-pi6", "seewo-easinote5"):
        register_app(runtime.database, runtime.ruleset.rules, code, NOW)
    return cli_env


def items(count: int, prefix: str = "b") -> list[dict[str, Any]]:
    """Reports spread over teachers and days (under every daily cap): qualified, not qualified and pending."""
    made = []
    for i in range(count):
        when = at(i % 28 + 1, 8 + i % 12)
        if i % 3 == 0:
            made.append(op("lesson.create", teacher=f"t{i % 2 + 1}", when=when, id=f"{prefix}-{i}", 标题=f"第{i}课"))
        elif i % 3 == 1:
            made.append(op("teaching.session", teacher="t3", when=when, duration=600, id=f"{prefix}-{i}"))
        else:
            made.append(op("lesson.create", teacher="t9", when=when, id=f"{prefix}-{i}"))
    return made


def write_jsonl(path: Path, made: list[Any]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in made), encoding="utf-8")
    return path


def test_jsonl_is_ingested_with_a_count_per_status(env: dict[str, str], runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "上报.jsonl", items(30))
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert counts(result) == {"qualified": 10, "not_qualified": 10, "duplicate": 0, "conflict": 0, "pending": 10,
                              "rejected": 0}
    assert "上报.jsonl: 30 items" in flat(result.stdout)
    assert set(stored(runtime).values()) == {1} and len(stored(runtime)) == 30
    with runtime.database.read() as connection:
        attributes = connection.scalar(select(operations.c.attributes).where(operations.c.external_id == "b-3"))
    assert attributes == {"标题": "第3课"}


def test_csv_columns_become_the_envelope_and_attributes(env: dict[str, str], runtime: Runtime,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "希沃.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "action", "teacher_id", "school_id", "occurred_at", "duration_s",
                         "attributes.sync_count", "标题", "shared", "code", "ratio"])
        writer.writerow(["c1", "courseware.sync", "t1", "", at(3), "", "3", "第一课：分数", "TRUE", "007", "2.5"])
        writer.writerow(["c2", "courseware.sync", "t2", "", at(4), "", "2", "第二课,\n含换行", "false", "", ""])
        writer.writerow(["c3", "teaching.session", "t1", "", at(5), "1200", "", "", "", "", ""])
    result = ok(env, "ingest", str(path), "--app", "seewo-easinote5")
    assert counts(result) == {"qualified": 2, "not_qualified": 1, "duplicate": 0, "conflict": 0, "pending": 0,
                              "rejected": 0}
    with runtime.database.read() as connection:
        rows = {r.external_id: r for r in connection.execute(select(operations))}
    assert rows["c1"].attributes == {"sync_count": 3, "标题": "第一课：分数", "shared": True, "code": "007", "ratio": 2.5}
    assert rows["c2"].attributes == {"sync_count": 2, "标题": "第二课,\n含换行", "shared": False}
    assert rows["c2"].status == "not_qualified"
    assert rows["c3"].duration_s == 1200 and rows["c3"].attributes == {}


def test_running_again_gives_duplicates_and_no_new_rows(env: dict[str, str], runtime: Runtime,
                                                        tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ops.jsonl", items(30))
    ok(env, "ingest", str(path), "--app", "hite-pi6")
    again = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert counts(again) == {"qualified": 0, "not_qualified": 0, "duplicate": 30, "conflict": 0, "pending": 0,
                             "rejected": 0}
    assert sum(stored(runtime).values()) == 30


def test_an_edited_line_run_again_is_a_conflict_and_changes_nothing(env: dict[str, str], runtime: Runtime,
                                                                   tmp_path: Path) -> None:
    made = items(6)
    path = write_jsonl(tmp_path / "ops.jsonl", made)
    ok(env, "ingest", str(path), "--app", "hite-pi6")
    made[4]["occurred_at"] = at(20)
    again = ok(env, "ingest", str(write_jsonl(path, made)), "--app", "hite-pi6")
    assert counts(again)["duplicate"] == 5 and counts(again)["conflict"] == 1
    assert "conflict ops.jsonl line 5 (id b-4): id already received with different content" in flat(again.stdout)
    assert sum(stored(runtime).values()) == 6


def test_a_run_cut_short_then_run_again_stores_every_line_once(env: dict[str, str], runtime: Runtime,
                                                               tmp_path: Path) -> None:
    made = items(2500)
    half = write_jsonl(tmp_path / "half.jsonl", made[:1250])
    whole = write_jsonl(tmp_path / "whole.jsonl", made)
    first = ok(env, "ingest", str(half), "--app", "hite-pi6")
    assert sum(counts(first).values()) == 1250
    second = ok(env, "ingest", str(whole), "--app", "hite-pi6")
    assert counts(second)["duplicate"] == 1250 and sum(counts(second).values()) == 2500
    assert len(stored(runtime)) == 2500 and set(stored(runtime).values()) == {1}


def test_a_crash_mid_file_keeps_the_committed_chunks(env: dict[str, str], runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ops.jsonl", items(95))
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    chunks = []

    def now() -> datetime:
        chunks.append(1)
        if len(chunks) == 4:
            raise KeyboardInterrupt  # the fourth chunk never reaches the database
        return datetime.now(UTC)

    with pytest.raises(KeyboardInterrupt):
        backfill(ingest, "hite-pi6", path, now, chunk_items=20)
    assert len(stored(runtime)) == 60
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert counts(result)["duplicate"] == 60 and sum(counts(result).values()) == 95
    assert len(stored(runtime)) == 95 and set(stored(runtime).values()) == {1}


def test_submits_at_most_a_chunk_at_a_time(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ops.jsonl", [{"id": f"x{i}", "action": "nope"} for i in range(2345)])
    sizes: list[int] = []

    class Recording(Ingest):
        def submit(self, app_code: str, batch: list[Any], now: datetime) -> Any:
            sizes.append(len(batch))
            return super().submit(app_code, batch, now)

    summary = backfill(Recording(runtime.database, runtime.ruleset.rules, runtime.tz), "hite-pi6", path,
                       lambda: NOW)
    assert sizes == [1000, 1000, 345]
    assert summary.counts == {"rejected": 2345}


def test_a_malformed_line_is_rejected_by_file_and_line(env: dict[str, str], runtime: Runtime,
                                                       tmp_path: Path) -> None:
    good = items(3)
    path = tmp_path / "ops.jsonl"
    path.write_bytes(b"\n".join([
        json.dumps(good[0]).encode(), b'{"id": "broken", "action":', b"", b"[1, 2]", json.dumps(good[1]).encode(),
        b'{"id": "bad-\xff", "action": "lesson.create"}', json.dumps(good[2]).encode(), b'{"id": "big", "n": 1e999}',
        json.dumps({"id": "late", "action": "lesson.create", "teacher_id": "t1"}).encode(),
    ]) + b"\n")
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    out = flat(result.stdout)
    assert counts(result)["rejected"] == 5 and sum(counts(result).values()) == 8
    assert "rejected ops.jsonl line 2: not valid JSON" in out
    assert "rejected ops.jsonl line 4: an item must be a JSON object, not list" in out
    assert "rejected ops.jsonl line 6: not UTF-8" in out
    assert "rejected ops.jsonl line 8: not valid JSON (number 1e999 is out of range)" in out
    assert "rejected ops.jsonl line 9 (id late): occurred_at is missing" in out
    assert set(stored(runtime)) == {i["id"] for i in good}


def test_the_back_fill_keeps_the_retention_window_and_future_tolerance_of_the_api(
        env: dict[str, str], runtime: Runtime, tmp_path: Path) -> None:
    """The same service as the API: a report older than the retention window (13 months before this one), or
    dated in the future, is rejected with the reason; none is stored or counted."""
    now = datetime.now(UTC)
    path = write_jsonl(tmp_path / "old.jsonl", [
        op("lesson.create", teacher="t1", when="1990-01-15T09:00:00+08:00", id="old"),
        op("lesson.create", teacher="t1", when=(now.replace(year=now.year + 1)).isoformat(), id="ahead"),
        op("lesson.create", teacher="t1", when=now.isoformat(), id="today"),
    ])
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    out = flat(result.stdout)
    assert (counts(result)["rejected"], counts(result)["qualified"]) == (2, 1)
    assert "old): occurred_at 1990-01-15 is older than the retention window of 13 months" in out
    assert "ahead): occurred_at is more than 5 minutes in the future" in out
    assert set(stored(runtime)) == {"today"}


def test_a_csv_saved_by_chinese_excel_is_read_as_gb18030(env: dict[str, str], runtime: Runtime,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "希沃导出.csv"
    rows = [["id", "action", "teacher_id", "occurred_at", "标题"],
            ["g1", "lesson.create", "t1", at(3), "第一课：分数"], ["g2", "lesson.create", "t2", at(4), "第二课"]]
    path.write_bytes("".join(",".join(r) + "\r\n" for r in rows).encode("gb18030") + b"g3,lesson.create,t1,"
                     + at(5).encode() + b",\xff\r\n")  # a last row that is not GB18030
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert (counts(result)["qualified"], counts(result)["rejected"]) == (2, 1)
    assert "rejected 希沃导出.csv line 4: not GB18030" in flat(result.stdout)
    with runtime.database.read() as connection:
        title = connection.scalar(select(operations.c.attributes).where(operations.c.external_id == "g1"))
    assert title == {"标题": "第一课：分数"}


def test_a_csv_row_with_too_many_cells_is_rejected(env: dict[str, str], runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "ops.csv"
    path.write_text(f"id,action,teacher_id,occurred_at\nr1,lesson.create,t1,{at(2)}\nr2,lesson.create,t1,{at(3)},x\n"
                    f"r3,lesson.create,t1,{at(4)}\n", encoding="utf-8")
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert counts(result)["qualified"] == 2 and counts(result)["rejected"] == 1
    assert "rejected ops.csv line 3: 5 cells but the header names 4 columns" in flat(result.stdout)


def test_a_quote_left_open_is_named_with_the_lines_it_took_and_the_rows_after_it_are_read(
        env: dict[str, str], runtime: Runtime, tmp_path: Path) -> None:
    """A stray quote reads on to the next quote: the lines it took are named, not silently swallowed, and the
    rows after it are read again; one never closed names every line to the end of the file."""
    path = tmp_path / "ops.csv"
    path.write_text(f"id,action,teacher_id,occurred_at\nq1,lesson.create,t1,{at(2)}\nq2,lesson.create,t1,\"{at(3)}\n"
                    f"q3,lesson.create,t1,\"{at(4)}\"\nq4,lesson.create,t1,{at(5)}\n", encoding="utf-8")
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert (counts(result)["qualified"], counts(result)["rejected"]) == (2, 1)
    assert ("rejected ops.csv line 3: not a CSV row (',' expected after '\"'); lines 3-4 were read as one row: a "
            "quoted cell was left open") in flat(result.stdout)
    assert {"q1", "q4"} <= set(stored(runtime))
    path.write_text(f"id,action,teacher_id,occurred_at\nq5,lesson.create,t1,\"{at(6)}\nq6,lesson.create,t1,{at(7)}\n",
                    encoding="utf-8")
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert counts(result)["rejected"] == 1
    assert "rejected ops.csv line 2: not a CSV row (unexpected end of data); lines 2-3 were read as one row" in flat(
        result.stdout)


def test_an_unregistered_app_is_refused_with_how_to_register(env: dict[str, str], tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ops.jsonl", items(3))
    result = jifen(env, "ingest", str(path), "--app", "digital-school")
    assert result.exit_code == 2
    assert "app 'digital-school' is not registered" in result.stderr
    assert "jifen apps add digital-school" in result.stderr
    unknown = jifen(env, "ingest", str(path), "--app", "nope")
    assert unknown.exit_code == 2 and "jifen apps add" not in unknown.stderr
    assert "app 'nope' is not registered, nor in the catalog of the rule sets in use" in flat(unknown.stderr)
    assert "digital-school" in unknown.stderr


def test_a_header_in_other_case_with_spaces_and_a_trailing_separator_is_read(
        env: dict[str, str], runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "ops.csv"
    path.write_text(f"ID, Action ,Teacher_ID,occurred_at,\nh1,lesson.create,t1,{at(2)},\nh2,lesson.create,t1,{at(3)}\n",
                    encoding="utf-8")
    result = ok(env, "ingest", str(path), "--app", "hite-pi6")
    assert counts(result)["qualified"] == 2
    assert {"h1", "h2"} <= set(stored(runtime))


def test_a_file_of_unknown_kind_or_a_csv_without_id_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "ops.txt").write_text("{}\n", encoding="utf-8")
    assert "ending in .jsonl, .ndjson, .csv" in flat(jifen(env, "ingest", str(tmp_path / "ops.txt"), "--app",
                                                           "hite-pi6").stderr)
    (tmp_path / "ops.csv").write_text("action,occurred_at\n", encoding="utf-8")
    result = jifen(env, "ingest", str(tmp_path / "ops.csv"), "--app", "hite-pi6")
    assert result.exit_code == 2 and "the header lacks id" in result.stderr


@pytest.mark.parametrize(("cell", "value"), [
    ("true", True), ("False", False), ("12", 12), ("-3", -3), ("2.5", 2.5), ("007", "007"), ("1e5", "1e5"),
    ("第一课", "第一课"), (" 7 ", 7), ("nan", "nan"), ("12a", "12a"), ("9" * 5000, "9" * 5000),
])
def test_attribute_cells_are_read_as_booleans_numbers_or_text(cell: str, value: Any) -> None:
    assert cell_value(cell) == value and type(cell_value(cell)) is type(value)


def test_a_number_no_column_can_hold_is_rejected_by_line_and_the_rest_stored(env: dict[str, str], runtime: Runtime,
                                                                             tmp_path: Path) -> None:
    when = at(5, 9)
    rows = ["id,action,teacher_id,occurred_at,sync_count",
            f"huge,courseware.sync,t1,{when},{'9' * 5000}",
            f"big,courseware.sync,t1,{when},{2 ** 63}",
            f"fine,courseware.sync,t1,{when},3"]
    (tmp_path / "ops.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = jifen(env, "ingest", str(tmp_path / "ops.csv"), "--app", "seewo-easinote5")
    assert result.exit_code == 0, result.stderr
    assert {status: n for status, n in counts(result).items() if n} == {"qualified": 1, "rejected": 2}
    out = flat(result.stdout)
    assert "line 3 (id big): attributes.sync_count is out of range" in out
    assert "line 2 (id huge): attributes.sync_count must be a number（同步次数须为数字）" in out, "said in Chinese too"


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_large_back_fill_refreshes_the_planners_statistics(env: dict[str, str], runtime: Runtime, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL, a back-fill past STATISTICS_AFTER stored operations analyses the operations it stored (a
    server without autovacuum planned a month's look-ups on an empty table's statistics)."""
    import jifen.cli.ingest as ingest_command

    monkeypatch.setattr(ingest_command, "STATISTICS_AFTER", 20)

    def analysed() -> Any:
        with runtime.database.read() as connection:
            return connection.scalar(text("SELECT last_analyze FROM pg_stat_user_tables "
                                          "WHERE relname = 'operations' AND schemaname = current_schema()"))

    before = analysed()
    ok(env, "ingest", str(write_jsonl(tmp_path / "ops.jsonl", items(30))), "--app", "hite-pi6")
    after = analysed()
    assert after is not None and (before is None or after > before)
