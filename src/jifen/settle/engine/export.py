"""A month's operations as Parquet, partitioned by month and county, for engines that read files (Spark, DuckDB).

Layout (hive style, read back by ``pyarrow.dataset`` or ``read_parquet(..., hive_partitioning=true)``)::

    DIR/month=2026-09/_manifest.json
    DIR/month=2026-09/county=640104/part-0.parquet, part-1.parquet, ...
    DIR/month=2026-09/county=unknown/part-0.parquet

The county is the one of the report's subject on the month-end roster (the roster the month is settled on): the
teacher's school's county for a teacher indicator, the school's for a school indicator; ``unknown`` when the
subject is not on it (a pending report). The files hold the operation as stored (``month`` is the partition, not
a column), the attributes the month's rule set reads as typed columns (``jifen.settle.engine.recount_fields``)
and the whole ``attributes`` object as JSON text.

A province sends about 10 million operations a month, so the month is streamed: read in chunks in received
order, each chunk split by county into buffers that go to disk as a row group once large enough (or when the
buffers together pass a budget). At most a chunk plus the buffers are in memory. The month is written into a
hidden directory beside the target and put in place at the end, so a reader never sees half an export and a
second export of the month replaces the first.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, func, select

from jifen.domain.organisations import Roster
from jifen.rules.loader import LoadedRuleSet
from jifen.settle.engine import recount_fields as flat
from jifen.store import roster as roster_repo
from jifen.store.database import Database
from jifen.store.tables import operations

UNKNOWN_COUNTY = "unknown"
MANIFEST = "_manifest.json"
# Derived for the recount's session overlap, not part of what an app reported.
_LEFT_OUT = ("month", "start_us", "end_us")


@dataclass(frozen=True)
class ExportSummary:
    month: str
    directory: Path  # DIR/month=YYYY-MM
    rows: int
    counties: dict[str, int]  # rows per county partition
    columns: list[str]


def file_schema(fields: list[flat.FlatField]) -> pa.Schema:
    """The columns of every Parquet file of the export."""
    full = flat.schema(fields, with_attributes=True)
    return pa.schema([f for f in full if f.name not in _LEFT_OUT])


@dataclass(frozen=True)
class Counties:
    """Where each report belongs: its subject's county on the month-end roster."""

    teachers: dict[str, str]  # teacher id -> county code
    schools: dict[str, str]  # school code -> county code
    subjects: dict[str, str]  # indicator -> teacher or school

    @classmethod
    def of(cls, roster: Roster, rules: LoadedRuleSet) -> Counties:
        schools = {code: school.county_code for code, school in roster.schools.items()}
        teachers = {tid: schools[t.school_code] for tid, t in roster.teachers.items() if t.school_code in schools}
        return cls(teachers, schools, {ind.code: ind.subject for ind in rules.rules.indicators})

    def column(self, batch: pa.RecordBatch) -> pa.Array:
        """The county partition of each operation of a batch, looked up column-wise."""
        by_teacher = _looked_up(batch.column("teacher_id"), self._teachers)
        by_school = _looked_up(batch.column("school_code"), self._schools)
        subject = _looked_up(batch.column("indicator"), self._subjects)
        either = pc.coalesce(by_teacher, by_school)
        chosen = pc.if_else(pc.equal(subject, "teacher"), by_teacher,
                            pc.if_else(pc.equal(subject, "school"), by_school, either))
        return pc.fill_null(pc.if_else(pc.is_null(subject), either, chosen), UNKNOWN_COUNTY)

    @cached_property
    def _teachers(self) -> tuple[pa.Array, pa.Array]:
        return pa.array(list(self.teachers), pa.string()), pa.array(list(self.teachers.values()), pa.string())

    @cached_property
    def _schools(self) -> tuple[pa.Array, pa.Array]:
        return pa.array(list(self.schools), pa.string()), pa.array(list(self.schools.values()), pa.string())

    @cached_property
    def _subjects(self) -> tuple[pa.Array, pa.Array]:
        return pa.array(list(self.subjects), pa.string()), pa.array(list(self.subjects.values()), pa.string())


def _looked_up(keys: pa.Array, table: tuple[pa.Array, pa.Array]) -> pa.Array:
    """The value of each key (null for a key not in the table, or null)."""
    return pc.take(table[1], pc.index_in(keys, value_set=table[0]))


@dataclass
class PartitionWriter:
    """Buffers rows per county and writes them as row groups of the county's Parquet files."""

    root: Path
    schema: pa.Schema
    row_group_rows: int = 65_536
    budget_factor: int = 4  # all counties together buffer at most this many row groups' rows
    buffers: dict[str, list[pa.RecordBatch]] = field(default_factory=dict)
    buffered: dict[str, int] = field(default_factory=dict)
    writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, county: str, batch: pa.RecordBatch) -> None:
        self.buffers.setdefault(county, []).append(batch)
        self.buffered[county] = self.buffered.get(county, 0) + batch.num_rows
        self.rows[county] = self.rows.get(county, 0) + batch.num_rows
        if self.buffered[county] >= self.row_group_rows:
            self._flush(county)
        elif sum(self.buffered.values()) >= self.budget_factor * self.row_group_rows:
            for name in list(self.buffers):
                self._flush(name)

    def _flush(self, county: str) -> None:
        batches = self.buffers.pop(county, [])
        self.buffered.pop(county, None)
        if not batches:
            return
        if county not in self.writers:
            folder = self.root / f"county={quote(county, safe='')}"
            folder.mkdir(parents=True, exist_ok=True)
            self.writers[county] = pq.ParquetWriter(folder / "part-0.parquet", self.schema)
        self.writers[county].write_table(pa.Table.from_batches(batches, schema=self.schema),
                                         row_group_size=self.row_group_rows)

    def close(self) -> None:
        for county in list(self.buffers):
            self._flush(county)
        self.abort()

    def abort(self) -> None:
        """Close the files without writing what is still buffered (the export failed)."""
        self.buffers.clear()
        self.buffered.clear()
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()


def month_rows(connection: Connection, month: str) -> int:
    return int(connection.scalar(select(func.count()).select_from(operations).where(operations.c.month == month))
               or 0)


def _split(batch: pa.RecordBatch, counties: pa.Array, schema: pa.Schema) -> dict[str, pa.RecordBatch]:
    """The batch's rows per county, with the file's columns."""
    columns = pa.RecordBatch.from_arrays([batch.column(name) for name in schema.names], schema=schema)
    return {county: columns.filter(pc.equal(counties, county)) for county in pc.unique(counties).to_pylist()}


def export_operations(database: Database, rules: LoadedRuleSet, month: str, out: Path, now: datetime, *,
                      chunk: int = 50_000, row_group_rows: int = 65_536,
                      started: Callable[[int], None] = lambda total: None,
                      advance: Callable[[int], None] = lambda rows: None) -> ExportSummary:
    """Write ``month``'s operations under ``out`` (see the module docstring), reading ``chunk`` rows at a time
    and writing row groups of ``row_group_rows``. ``started(total)`` is told the number of rows once,
    ``advance(n)`` after each chunk."""
    fields = flat.flat_fields(rules.rules)
    schema = file_schema(fields)
    target = out / f"month={month}"
    staging = out / f".month={month}.{uuid.uuid4().hex[:8]}.tmp"
    out.mkdir(parents=True, exist_ok=True)
    writer = PartitionWriter(staging, schema, row_group_rows)
    try:
        with database.read() as connection:
            counties = Counties.of(roster_repo.load_for_month(connection, month), rules)
            started(month_rows(connection, month))
            for batch in flat.batches(connection, fields, where=operations.c.month == month, chunk=chunk,
                                      with_attributes=True):
                for county, part in _split(batch, counties.column(batch), schema).items():
                    writer.add(county, part)
                advance(batch.num_rows)
        writer.close()
        summary = ExportSummary(month, target, sum(writer.rows.values()), dict(sorted(writer.rows.items())),
                                schema.names)
        staging.mkdir(parents=True, exist_ok=True)
        _write_manifest(staging / MANIFEST, summary, rules, schema, now)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        writer.abort()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def _write_manifest(path: Path, summary: ExportSummary, rules: LoadedRuleSet, schema: pa.Schema,
                    now: datetime) -> None:
    manifest = {
        "month": summary.month,
        "ruleset": {"name": rules.name, "version": rules.version, "sha256": rules.sha256},
        "rows": summary.rows,
        "counties": summary.counties,
        "partitioning": ["month", "county"],
        # county codes are digits, but text: a reader inferring partition types would make them numbers (and
        # "unknown" would not parse); DuckDB: hive_types={'county': 'VARCHAR'}, Spark:
        # spark.sql.sources.partitionColumnTypeInference.enabled=false
        "partition_types": {"month": "string", "county": "string"},
        "counted": "status = 'qualified' and withdrawn_at is null: a withdrawn report keeps the status it had",
        "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
        "written_at": now.isoformat(),
    }
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
