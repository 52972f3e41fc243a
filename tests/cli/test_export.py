"""``jifen export operations``: a month's operations as hive-partitioned Parquet, read back with pyarrow."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from factories import at, op, row
from jifen.cli.main import app
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime
from jifen.settle.engine.export import export_operations

NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def jifen(cli_env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=cli_env)


def _fill(runtime: Runtime) -> None:
    """Two counties; a school-scored report; a pending teacher (county unknown); a report of another month."""
    ingest = Ingest(runtime.database, runtime.ruleset.rules, runtime.tz)
    import_rows(ingest, [row("T1", "S1", county_code="640104"), row("T2", "S2", county_code="640202")],
                full=False, now=NOW)
    ingest.submit("hite-pi6", [op("lesson.create", teacher=t, when=at(d), id=f"l-{t}-{d}")
                               for t in ("T1", "T2", "X9") for d in (3, 4, 5)], NOW)
    ingest.submit("digital-textbook", [op("resource.upload", teacher="T1", when=at(6), id="u1", shared=True,
                                          review="approved", content_sha256="ABC", note="原创")], NOW)
    ingest.submit("online-classroom", [op("class.session", school="S2", teacher="T1", when=at(7), duration=1500,
                                          classroom_id="R1", id="c1")], NOW)
    ingest.submit("hite-pi6", [op("lesson.create", teacher="T1", when=at(3, month="2026-10"), id="oct")], NOW)


def _read(directory: Path) -> pa.Table:
    return ds.dataset(directory, format="parquet", partitioning="hive").to_table()


def test_export_writes_the_month_by_county_with_typed_attributes_and_a_manifest(
        runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    _fill(runtime)
    out = tmp_path / "lake"
    result = jifen(cli_env, "export", "operations", "--month", "2026-09", "-o", str(out))
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "11 operations of 2026-09" in result.stdout

    month = out / "month=2026-09"
    assert sorted(p.name for p in month.iterdir()) == ["_manifest.json", "county=640104", "county=640202",
                                                       "county=unknown"]
    table = _read(out)
    by_id = {r["external_id"]: r for r in table.to_pylist()}
    assert set(by_id) == {f"l-{t}-{d}" for t in ("T1", "T2", "X9") for d in (3, 4, 5)} | {"u1", "c1"}
    assert {r["month"] for r in by_id.values()} == {"2026-09"}
    assert by_id["l-T1-3"]["county"] == "640104" and by_id["l-T2-3"]["county"] == "640202"
    assert by_id["l-X9-3"]["county"] == "unknown" and by_id["l-X9-3"]["status"] == "pending"
    assert by_id["c1"]["county"] == "640202"  # a school indicator: the school's county, not the teacher's
    upload = by_id["u1"]
    assert upload["attr_content_sha256"] == "abc" and upload["attr_shared"] is True
    assert upload["attr_review"] == "approved" and json.loads(upload["attributes"])["note"] == "原创"
    assert by_id["c1"]["attr_classroom_id__present"] == "R1" and by_id["c1"]["duration_s"] == 1500
    assert by_id["c1"]["attr_classroom_id__room"] == "r1"  # the room as sessions are compared
    assert table.schema.field("attr_score").type == pa.float64()
    assert table.schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")

    manifest = json.loads((month / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["ruleset"]["name"] == "ningxia-2022" and manifest["ruleset"]["version"] == 1
    assert manifest["rows"] == 11 and manifest["counties"] == {"640104": 4, "640202": 4, "unknown": 3}
    assert "attr_content_sha256" in [c["name"] for c in manifest["columns"]]
    assert datetime.fromisoformat(manifest["written_at"]).tzinfo is not None
    assert manifest["partition_types"] == {"month": "string", "county": "string"}
    assert manifest["counted"].startswith("status = 'qualified' and withdrawn_at is null")
    import duckdb  # read as the manifest says: the county a text, "unknown" among the codes

    counties = duckdb.sql(f"SELECT DISTINCT county FROM read_parquet('{out}/*/*/*.parquet', hive_partitioning=true, "
                          "hive_types={'county': 'VARCHAR', 'month': 'VARCHAR'}) ORDER BY county").fetchall()
    assert counties == [("640104",), ("640202",), ("unknown",)]

    again = jifen(cli_env, "export", "operations", "--month", "2026-09", "-o", str(out))
    assert again.exit_code == 0 and _read(out).num_rows == 11  # replaced, not added to
    assert [p.name for p in out.iterdir()] == ["month=2026-09"]  # nothing left of the staging directory


def test_export_streams_in_chunks_and_row_groups(runtime: Runtime, tmp_path: Path) -> None:
    _fill(runtime)
    seen: list[int] = []
    whole = export_operations(runtime.database, runtime.ruleset, "2026-09", tmp_path / "whole", NOW)
    summary = export_operations(runtime.database, runtime.ruleset, "2026-09", tmp_path / "parts", NOW, chunk=2,
                                row_group_rows=2, advance=seen.append)
    assert seen == [2, 2, 2, 2, 2, 1] and summary.rows == whole.rows == 11
    parts = tmp_path / "parts" / "month=2026-09" / "county=640104" / "part-0.parquet"
    assert pq.ParquetFile(parts).metadata.num_row_groups == 2  # 4 rows, 2 at a time
    order = [("county", "ascending"), ("id", "ascending")]
    assert _read(tmp_path / "parts").sort_by(order) == _read(tmp_path / "whole").sort_by(order)


def test_an_empty_month_writes_only_the_manifest(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    result = jifen(cli_env, "export", "operations", "--month", "2026-01", "-o", str(tmp_path))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    manifest = json.loads((tmp_path / "month=2026-01" / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == 0 and manifest["counties"] == {}


@pytest.mark.parametrize("month", ["2026-13", "sept"])
def test_a_bad_month_is_refused(cli_env: dict[str, str], tmp_path: Path, month: str) -> None:
    result = jifen(cli_env, "export", "operations", "--month", month, "-o", str(tmp_path))
    assert result.exit_code == 2 and result.stderr.startswith("错误 error: month")
    assert not any(tmp_path.iterdir())


def test_without_out_the_month_goes_under_the_data_directory(runtime: Runtime, cli_env: dict[str, str]) -> None:
    _fill(runtime)
    result = jifen(cli_env, "export", "operations", "--month", "2026-09")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    written = Path(cli_env["JIFEN_DATA_DIR"]) / "exports" / "operations" / "month=2026-09"
    assert f"written to {written}" in " ".join(result.stdout.split())
    assert _read(written.parent).num_rows == 11


def test_an_out_that_is_a_file_or_cannot_be_made_is_named(cli_env: dict[str, str], tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("kept", encoding="utf-8")
    result = jifen(cli_env, "export", "operations", "--month", "2026-09", "-o", str(afile))
    assert (result.exit_code, result.stderr.strip()) == (
        2, f"错误 error: --out {afile} is a file: name a directory to write the month's Parquet files into")
    assert afile.read_text(encoding="utf-8") == "kept"
    below = afile / "below"  # a folder cannot be made inside a file
    result = jifen(cli_env, "export", "operations", "--month", "2026-09", "-o", str(below))
    assert result.exit_code == 1 and result.stderr.startswith("错误 error: cannot use ")
    assert "Traceback" not in result.stderr
