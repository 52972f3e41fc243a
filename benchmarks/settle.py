"""Settlement at province scale (issue 5, item 5): from counts, and recount plus settlement from raw operations.

    .venv/bin/python benchmarks/settle.py                      # 100,000 teachers, 10 million operations
    .venv/bin/python benchmarks/settle.py --large 100000000    # and the recount at 100 million (1,000,000 teachers)
    .venv/bin/python benchmarks/settle.py --spark              # and the same at 10 million on Spark local[2]

A synthetic province (``jifen.demo.region``: 5 cities, 22 counties, about 2,500 schools) and a month of its
operations are generated as Parquet, in the shape the recount reads (``recount_store.input_schema``), with
zero-inflated usage: a quarter of the teachers do nothing, the others at gamma-distributed intensities, over
every action of the catalog, each with the attributes its rule asks for; a few reports fail a condition, repeat
a resource or overlap a session, as real ones do. The ``--large`` size keeps a teacher's month as it is (about
100 reports) and grows the region instead: 100 million reports from 100,000 teachers would be 1,000 a teacher,
some 15 sessions a day in 10 class periods, overlapping one another by the dozen, which no month holds
(``--large-teachers 100000`` measures that anyway). Each measurement then runs in a process of its own, so its
peak memory (the process and its children: Spark's JVM) is its own:

- ``counts``: the settlement from the month's counts (the embedded engine, DuckDB): target under 1 s;
- ``recount``: recount from the raw operations plus settlement, on DuckDB, at each size: target within 3 times
  the yardstick and within 4 GB; DuckDB is held to ``--engine-memory`` (3GB) and spills to disk past it;
- ``spark``: the same on Spark ``local[2]``;
- ``yardstick``: a plain DuckDB SQL settlement of the same operations (counts per teacher and indicator,
  region averages, relative points, roll-ups; no rules), the floor any rule-checking recount is held against.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute
import pyarrow.parquet as pq

from jifen.demo.region import build_region
from jifen.domain.organisations import Roster
from jifen.domain.periods import Month
from jifen.rules.conditions import AllOf, AnyOf, AtLeast, Between, Equals, FirstOfYear, OneOf, Present, UniqueContent
from jifen.rules.loader import load_shipped
from jifen.rules.schema import ActionRule, RuleSet

MONTH = Month.parse("2026-10")
TZ = ZoneInfo("Asia/Shanghai")
RULESET = "ningxia-2022"
PERIODS_MIN = [480, 535, 590, 645, 870, 925, 980, 1035, 1140, 1200]  # class periods, then the evening
FAILING = 0.04  # share of reports that miss a condition of their action
REPEATED = 0.03  # share of resource uploads that repeat content already uploaded
OVERLAPPING = 0.02  # share of sessions begun during the teacher's previous one
TARGET_COUNTS_S, TARGET_RATIO, TARGET_MB = 1.0, 3.0, 4096


# ---- generating a province ---------------------------------------------------------------------------------

def passing(rule: ActionRule) -> tuple[dict[str, Any], float | None, dict[str, Any]]:
    """Attribute values that meet the action's conditions, its duration (None: not a session), and values that
    miss them (for the failing share)."""
    good: dict[str, Any] = {}
    bad: dict[str, Any] = {}
    duration: list[float | None] = [None]

    def visit(condition: Any) -> None:
        if isinstance(condition, AllOf):
            for inner in condition.conditions:
                visit(inner)
        elif isinstance(condition, AnyOf):
            visit(condition.conditions[0])
        elif isinstance(condition, AtLeast):
            if condition.field == "duration_s":
                duration[0] = max(condition.value + 600, 2400.0)
            else:
                good[condition.field] = condition.value + 5
                bad[condition.field] = condition.value - 1
        elif isinstance(condition, Between):
            good[condition.field] = (condition.min + condition.max) / 2
            bad[condition.field] = condition.max + 1
        elif isinstance(condition, OneOf):
            good[condition.field] = condition.values[0]
            bad[condition.field] = "other"
        elif isinstance(condition, Equals):
            good[condition.field] = condition.value
            bad[condition.field] = (not condition.value) if isinstance(condition.value, bool) else "other"
        elif isinstance(condition, Present):
            good[condition.field] = "room-1"
        elif isinstance(condition, UniqueContent):
            good[condition.field] = "content"  # made unique per report below
        elif not isinstance(condition, FirstOfYear):
            raise ValueError(f"no generator for condition {condition!r}")

    for condition in [*rule.requires, *([rule.qualifies] if rule.qualifies is not None else [])]:
        visit(condition)
    return good, duration[0], bad


class Catalog:
    """Per indicator, the catalog's actions and how to fill a report of each."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.actions: dict[str, list[tuple[str, ActionRule]]] = {}
        for app in rules.apps:
            for rule in app.actions:
                self.actions.setdefault(rule.indicator, []).append((app.code, rule))
        # relative frequency of each indicator's reports, per teacher or per school (a month of a busy region)
        self.share = {"lesson_prep": 18, "interactive_teaching": 30, "tutoring": 10, "teaching_resources": 8,
                      "research_activity": 8, "research_resources": 4, "student_evaluation": 20,
                      "three_classrooms": 20, "teacher_evaluation": 40, "school_affairs": 30, "academic_affairs": 20}


def generate(folder: Path, rows: list[Any], rules: RuleSet, operations: int, seed: int = 2026) -> int:
    """Write the month's operations as Parquet files under ``folder``; returns how many were written."""
    from jifen.settle.engine import recount_fields as flat
    from jifen.settle.engine.recount_store import input_schema

    schema = input_schema(flat.flat_fields(rules))
    catalog = Catalog(rules)
    rng = np.random.default_rng(seed)
    teacher_ids = np.array([r.teacher_id for r in rows])
    school_of = np.array([r.school_code for r in rows])
    schools = np.unique(school_of)
    teacher_weight = sum(catalog.share[i.code] for i in rules.indicators_for("teacher") if i.code in catalog.share)
    school_weight = sum(catalog.share[i.code] for i in rules.indicators_for("school") if i.code in catalog.share)
    per_teacher = operations / (len(rows) + len(schools) * school_weight / teacher_weight * 0.6)
    folder.mkdir(parents=True, exist_ok=True)
    written, next_id, part = 0, 1, 0
    chunk = max(1, len(rows) // max(1, operations // 2_000_000))  # about 2 million operations a file
    for start in range(0, len(rows), chunk):
        ids = teacher_ids[start : start + chunk]
        active = rng.random(len(ids)) >= 0.25
        intensity = np.where(active, rng.gamma(1.5, per_teacher / 1.5 / 0.75, len(ids)), 0.0)
        pieces = [_reports(rng, catalog, ind.code, ids, school_of[start : start + chunk], intensity, teacher_weight)
                  for ind in rules.indicators_for("teacher") if ind.code in catalog.actions]
        low, high = start * len(schools) // len(rows), (start + chunk) * len(schools) // len(rows)
        mine = schools[low:high]
        pieces += [_reports(rng, catalog, ind.code, None, mine, rng.gamma(1.5, per_teacher * 0.6 / 1.5, len(mine)),
                            school_weight) for ind in rules.indicators_for("school") if ind.code in catalog.actions]
        table = _table([p for p in pieces if p], schema, next_id)
        next_id += table.num_rows
        pq.write_table(table, folder / f"part-{part:04d}.parquet", compression="zstd")
        written += table.num_rows
        part += 1
    return written


def _reports(rng: np.random.Generator, catalog: Catalog, indicator: str, teachers: np.ndarray | None,
             schools: np.ndarray, intensity: np.ndarray, weight: float) -> dict[str, Any]:
    """One indicator's reports for these teachers (or schools, when ``teachers`` is None): who, which action,
    and each report's place among its owner's reports of the indicator."""
    counts = rng.poisson(intensity * catalog.share.get(indicator, 2) / weight)
    if indicator == "literacy_assessment":
        counts = np.minimum(counts, 1)
    n = int(counts.sum())
    if n == 0:
        return {}
    owner = np.repeat(np.arange(len(counts)), counts)
    return {"owner": owner, "which": rng.integers(0, len(catalog.actions[indicator]), n),
            "rank": np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts),
            "actions": catalog.actions[indicator], "teachers": teachers, "schools": schools, "rng": rng}


def _table(pieces: list[dict[str, Any]], schema: pa.Schema, first_id: int) -> pa.Table:
    """The reports as one Arrow table in the recount's input schema, column by column (no Python loop per row)."""
    start = MONTH.start(TZ)
    epoch_s = int(start.timestamp())
    days_in_month = (MONTH.next().start(TZ) - start).days
    day_names = pa.array([(start + timedelta(days=d)).date().isoformat() for d in range(days_in_month)])
    periods = np.array(PERIODS_MIN)
    parts: list[pa.Table] = []
    for piece in pieces:
        rng: np.random.Generator = piece["rng"]
        for number, (app_code, rule) in enumerate(piece["actions"]):
            take = piece["which"] == number
            k = int(take.sum())
            if k == 0:
                continue
            owner, rank = piece["owner"][take], piece["rank"][take]
            good, duration, bad = passing(rule)
            if duration is not None:  # sessions: one class period after another, a few begun during the last
                day = (rank // len(periods)) % days_in_month
                seconds = day * 86400 + periods[rank % len(periods)] * 60 + (rng.random(k) < OVERLAPPING) * -1200
                seconds = np.maximum(seconds, 0)
                start_us = (epoch_s + seconds).astype(np.int64) * 1_000_000
                span = {"duration_s": pa.array(np.full(k, duration)), "start_us": pa.array(start_us),
                        "end_us": pa.array(start_us + int(duration * 1_000_000))}
            else:
                seconds = rng.integers(0, days_in_month * 86400, k)
                start_us = (epoch_s + seconds).astype(np.int64) * 1_000_000
                span = {"duration_s": pa.nulls(k, pa.float64()), "start_us": pa.nulls(k, pa.int64()),
                        "end_us": pa.nulls(k, pa.int64())}
            teachers = piece["teachers"]
            columns: dict[str, pa.Array] = {
                "app_code": pa.array([app_code] * k), "action": pa.array([rule.action] * k),
                "teacher_id": pa.array(teachers[owner]) if teachers is not None else pa.nulls(k, pa.string()),
                "school_code": pa.array(piece["schools"][owner]), "month": pa.array([str(MONTH)] * k),
                "day": day_names.take(pa.array(seconds // 86400)), **span,
                "received_us": pa.array(start_us + 60_000_000), "withdrawn_us": pa.nulls(k, pa.int64()),
            }
            failing = rng.random(k) < FAILING
            for name in schema.names:
                if name.startswith("attr_") and name not in columns:
                    columns[name] = _attribute(schema.field(name).type, "attributes." + name[5:], good, bad,
                                               failing, rng, k, first_id)
            parts.append(pa.table({name: columns.get(name, pa.nulls(k, schema.field(name).type))
                                   for name in schema.names if name != "id"}))
    table = pa.concat_tables(parts)
    ids = pa.array(np.arange(first_id, first_id + table.num_rows, dtype=np.int64))
    return table.add_column(0, "id", ids).cast(schema)


def _attribute(kind: pa.DataType, path: str, good: dict[str, Any], bad: dict[str, Any], failing: np.ndarray,
               rng: np.random.Generator, k: int, first_id: int) -> pa.Array:
    if path not in good:
        return pa.nulls(k, kind)
    if good[path] == "content":  # unique per report, but for the share that repeats an earlier upload
        serial = np.arange(k, dtype=np.int64) + rng.integers(0, 2**40)
        serial = np.where(rng.random(k) < REPEATED, np.maximum(serial - 1, 0), serial)
        return pa.compute.binary_join_element_wise("c", pa.compute.cast(pa.array(serial), pa.string()), "")
    chosen = np.where(failing, 1, 0)
    options = pa.array([good[path], bad.get(path, good[path])], type=kind)
    return options.take(pa.array(chosen))


def roster_of(rows: list[Any]) -> Roster:
    from jifen.domain.organisations import City, County, School, Teacher

    return Roster(
        cities={r.city_code: City(r.city_code, r.city_name) for r in rows},
        counties={r.county_code: County(r.county_code, r.county_name, r.city_code) for r in rows},
        schools={r.school_code: School(r.school_code, r.school_name, r.county_code, r.online_classrooms)
                 for r in rows},
        teachers={r.teacher_id: Teacher(r.teacher_id, r.teacher_name, r.subject, r.school_code) for r in rows},
    )


# ---- the measurements, each in a process of its own --------------------------------------------------------

def _peak_mb() -> float:
    """The peak resident memory of this process, plus that of its children: those still running (Spark's JVM,
    from /proc) and the largest of those that ended. This process's own is its VmHWM: Linux carries
    ``ru_maxrss`` over an exec, so a measurement started by a parent holding the generated month would report
    the parent's peak instead of its own."""
    own = _own_peak_kb()
    ended = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + max(ended, _running_children_kb())) / 1024


def _own_peak_kb() -> int:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # no /proc
        status = ""
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")),
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _running_children_kb() -> int:
    total = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):  # gone meanwhile, or no /proc
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return total


def measure_in_process(kind: str, data: Path, teachers: int, engine_memory: str, settle_memory: str
                       ) -> dict[str, Any]:

    from jifen.settle.engine import backends
    from jifen.settle.engine.inputs import SCHEMAS, ScoringInputs, indicator_rows, roster_tables, table
    from jifen.settle.engine.published import published_rows, published_tables
    from jifen.settle.engine.recount import ROSTER_SCHEMA, recount

    rules = load_shipped(RULESET).rules
    rows = build_region(teachers, 2024)
    if kind == "yardstick":
        started = time.perf_counter()
        figures = yardstick(data, rules, rows)
        return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), **figures}
    tables_of_roster = roster_tables(roster_of(rows))
    schools = sorted({r.school_code for r in rows})
    on_roster = pa.table({"kind": ["teacher"] * len(rows) + ["school"] * len(schools),
                          "code": [r.teacher_id for r in rows] + schools}, schema=ROSTER_SCHEMA)
    del rows, schools  # from here on the roster is Arrow only, as a settlement's engine takes it
    region = ("640000", "宁夏回族自治区")
    codes = pa.array([i.code for i in rules.indicators])
    subjects = pa.array([i.subject for i in rules.indicators])
    started = time.perf_counter()

    def inputs_of(counts: pa.Table) -> ScoringInputs:
        """The scoring's inputs from a counts table, column by column (no Python loop per row): each indicator's
        own subject's counts (a mask, not a join: a join copies millions of rows more than once)."""
        subject = subjects.take(pyarrow.compute.index_in(counts["indicator"], codes))
        own = counts.filter(pyarrow.compute.equal(counts["subject_kind"], subject))
        rows = own.select(["subject_kind", "code", "indicator", "count"]).rename_columns(
            ["subject", "code", "indicator", "count"]).cast(SCHEMAS["counts"])
        return ScoringInputs(indicators=table("indicators", indicator_rows(rules)), **tables_of_roster,
                             counts=rows, assessments=table("assessments", []), fixed=table("fixed", []),
                             adjustments=table("adjustments", []))

    if kind == "counts":
        counts = pq.read_table(data / "counts.parquet")
        con = backends.connect_duckdb()
        started = time.perf_counter()
        inputs = inputs_of(counts)
        units, indicators = published_tables(con, rules, inputs, region)
        computed, peak = time.perf_counter() - started, _peak_mb()
        published = published_rows(con, rules, inputs, region)
        return {"seconds": computed, "to_rows_s": time.perf_counter() - started - computed,
                "peak_mb": peak, "rows_peak_mb": _peak_mb(), "units": units.num_rows,
                "indicator_rows": indicators.num_rows, "rows": len(published.units)}
    spill = data / "spill"
    con = backends.connect("spark") if kind == "spark" else backends.connect_duckdb(engine_memory, spill)
    with backends.library_warnings_ignored():
        operations = con.read_parquet(str(data / "operations" / "*.parquet"))
        roster_table = backends.put_table(con, "roster", on_roster)
        counts = recount(con, operations, roster_table, rules)
    if kind != "spark":
        con.disconnect()  # the recount's engine gives its buffers back before the settlement takes its own
    recounted, recount_peak = time.perf_counter() - started, _peak_mb()
    count_rows = counts.num_rows
    inputs = inputs_of(counts)
    del counts  # the inputs hold what the scoring reads of it
    # held to its own limit: unbounded, DuckDB keeps what it read of the inputs and its staged tables cached up to
    # most of the machine's memory, beside the Arrow results it hands over
    settling = backends.connect_duckdb(settle_memory, spill)
    units = published_tables(settling, rules, inputs, region)[0]
    settled = time.perf_counter() - started  # to Arrow, as the yardstick and the settlement from counts
    peak = _peak_mb()  # the store's Python rows come after, measured apart (see rows_peak_mb)
    published = published_rows(settling, rules, inputs, region)
    return {"seconds": settled, "recount_s": recounted, "to_rows_s": time.perf_counter() - started - settled,
            "peak_mb": peak, "recount_peak_mb": recount_peak, "rows_peak_mb": _peak_mb(),
            "count_rows": count_rows, "units": units.num_rows,
            "rows": len(published.units)}


def yardstick(data: Path, rules: RuleSet, rows: list[Any]) -> dict[str, Any]:
    """Counts, region averages, relative points and roll-ups in plain DuckDB SQL: no rules at all."""
    import duckdb

    con = duckdb.connect()
    catalog = pa.Table.from_pylist([{"app_code": app.code, "action": a.action, "indicator": a.indicator}
                                    for app in rules.apps for a in app.actions])
    maxima = pa.Table.from_pylist([{"indicator": i.code, "maximum": float(i.monthly_max or 0)}
                                   for i in rules.indicators_for("teacher")])
    roster = pa.Table.from_pylist([{"teacher_id": r.teacher_id, "school_code": r.school_code,
                                    "county_code": r.county_code, "city_code": r.city_code} for r in rows])
    con.register("catalog", catalog)
    con.register("maxima", maxima)
    con.register("roster", roster)
    region_total = con.execute(f"""
        WITH ops AS (SELECT * FROM read_parquet('{data / "operations" / "*.parquet"}')),
        counts AS (SELECT o.teacher_id, c.indicator, count(*) AS n FROM ops o
                   JOIN catalog c USING (app_code, action) WHERE o.teacher_id IS NOT NULL GROUP BY ALL),
        grid AS (SELECT r.teacher_id, m.indicator, m.maximum, coalesce(c.n, 0) AS n FROM roster r CROSS JOIN maxima m
                 LEFT JOIN counts c ON c.teacher_id = r.teacher_id AND c.indicator = m.indicator),
        averages AS (SELECT indicator, avg(n) AS average FROM grid GROUP BY indicator),
        points AS (SELECT g.teacher_id, sum(CASE WHEN a.average > 0 THEN g.maximum * least(1, g.n / (a.average * 2))
                   ELSE 0 END) AS total FROM grid g JOIN averages a USING (indicator) GROUP BY g.teacher_id),
        schools AS (SELECT r.school_code, r.county_code, avg(p.total) AS total FROM points p JOIN roster r
                    USING (teacher_id) GROUP BY ALL),
        counties AS (SELECT county_code, avg(total) AS total FROM schools GROUP BY county_code)
        SELECT avg(total) FROM counties""").fetchone()[0]
    return {"region_mean_of_counties": round(float(region_total), 2)}


class MeasurementFailed(RuntimeError):
    """A measurement's process failed; ``last`` is the exception it ended with."""

    def __init__(self, kind: str, stderr: str) -> None:
        super().__init__(f"{kind} failed:\n{stderr[-4000:]}")
        raised = [line for line in stderr.splitlines() if re.match(r"[\w.]+(Error|Exception)\b", line)]
        self.last = raised[-1] if raised else (stderr.strip().splitlines() or ["no output"])[-1]


def run_measurement(kind: str, data: Path, teachers: int, engine_memory: str, settle_memory: str) -> dict[str, Any]:
    """``kind`` in a child process: its figures, with that process's own peak memory."""
    done = subprocess.run([sys.executable, __file__, "--measure", kind, "--data", str(data),
                           "--teachers", str(teachers), "--engine-memory", engine_memory,
                           "--settle-memory", settle_memory],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise MeasurementFailed(kind, done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(data: Path, teachers: int, operations: int) -> tuple[int, float]:
    """Generate the province and its month into ``data``; returns (operations written, seconds)."""
    import duckdb

    started = time.perf_counter()
    rules = load_shipped(RULESET).rules
    rows = build_region(teachers, 2024)
    written = generate(data / "operations", rows, rules, operations)
    catalog = pa.Table.from_pylist([{"app_code": app.code, "action": a.action, "indicator": a.indicator}
                                    for app in rules.apps for a in app.actions])
    con = duckdb.connect()
    con.register("catalog", catalog)
    counts = con.sql(f"""SELECT CASE WHEN o.teacher_id IS NULL THEN 'school' ELSE 'teacher' END AS subject_kind,
        coalesce(o.teacher_id, o.school_code) AS code, o.month, c.indicator, count(*) AS count
        FROM read_parquet('{data / "operations" / "*.parquet"}') o JOIN catalog c USING (app_code, action)
        GROUP BY ALL""").to_arrow_table()
    pq.write_table(counts, data / "counts.parquet")
    return written, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--operations", type=int, default=10_000_000)
    parser.add_argument("--large", type=int, default=0, help="also the recount at this many operations")
    parser.add_argument("--large-teachers", type=int, default=0,
                        help="teachers at the --large size (default: as many more as operations, so that a "
                             "teacher's month stays the same)")
    parser.add_argument("--spark", action="store_true", help="also the recount on Spark local[2]")
    parser.add_argument("--engine-memory", default="3GB",
                        help="DuckDB's memory limit for the recount; past it DuckDB spills to disk (default 3GB)")
    parser.add_argument("--settle-memory", default="1GB",
                        help="DuckDB's memory limit for the settlement after a recount (default 1GB)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_in_process(args.measure, args.data, args.teachers, args.engine_memory,
                                            args.settle_memory)))
        return
    sizes = [(args.operations, args.teachers)]
    if args.large:
        sizes.append((args.large, args.large_teachers or round(args.teachers * args.large / args.operations)))
    with tempfile.TemporaryDirectory() as folder:
        for size, teachers in sizes:
            data = Path(folder) / str(size)
            written, seconds = prepare(data, teachers, size)
            head = f"teachers={teachers} operations={written}"
            print(f"{head} generated_s={seconds:.1f}", flush=True)
            yard = run_measurement("yardstick", data, teachers, args.engine_memory, args.settle_memory)
            print(f"{head} yardstick_duckdb_sql_s={yard['seconds']:.2f} peak_mb={yard['peak_mb']:.0f}", flush=True)
            if size == args.operations:
                counts = run_measurement("counts", data, teachers, args.engine_memory, args.settle_memory)
                print(f"{head} settle_from_counts_s={counts['seconds']:.2f} (target < {TARGET_COUNTS_S:g}; on DuckDB "
                      f"to Arrow, {counts['units']} units and {counts['indicator_rows']} indicator rows) "
                      f"peak_mb={counts['peak_mb']:.0f} then_to_python_rows_s={counts['to_rows_s']:.2f} "
                      f"(peak_mb={counts['rows_peak_mb']:.0f})", flush=True)
            engines = ["recount", *(["spark"] if args.spark and size == args.operations else [])]
            for kind in engines:
                try:
                    got = run_measurement(kind, data, teachers, args.engine_memory, args.settle_memory)
                except MeasurementFailed as failed:  # e.g. out of the engine's memory limit: say so, go on
                    print(f"{head} engine={kind} FAILED (engine memory limit {args.engine_memory}): {failed.last}",
                          flush=True)
                    continue
                ratio = got["seconds"] / yard["seconds"]
                print(f"{head} engine={'spark local[2]' if kind == 'spark' else 'duckdb'} "
                      f"recount_plus_settle_s={got['seconds']:.2f} (recount {got['recount_s']:.2f}; to Arrow) "
                      f"x_yardstick={ratio:.1f} (target <= {TARGET_RATIO:g}) peak_mb={got['peak_mb']:.0f} "
                      f"(target <= {TARGET_MB}; engine memory limits {args.engine_memory} recount, "
                      f"{args.settle_memory} settlement; "
                      f"{got['recount_peak_mb']:.0f} when the recount ended) "
                      f"count_rows={got['count_rows']} "
                      f"then_to_python_rows_s={got['to_rows_s']:.2f} (peak_mb={got['rows_peak_mb']:.0f})", flush=True)
            os.sync()


if __name__ == "__main__":
    main()
