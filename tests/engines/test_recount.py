"""The batch recount (jifen.settle.engine.recount) against ingestion's kept counts.

Random regions and random reports go through the real ``Ingest`` service into SQLite and PostgreSQL (the
``runtime`` fixture), with duplicate content, yearly assessments, overlapping sessions (chains included), days
over their cap, withdrawals between the batches (a withdrawn session or capped report no longer blocks the
reports received after it) and teachers and schools never on the roster. The recount of the stored operations
on DuckDB, ignoring their status, equals ``operation_counts`` without its zero rows, for every month and for one
month alone, under both shipped rule sets; SQLite, PostgreSQL and Spark recount the same. The compiled
conditions answer as the Python ones for random attributes, and a condition that cannot be compiled is named.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa
import pytest
from ibis.backends import BaseBackend
from sqlalchemy import select

from factories import CST, op, row
from jifen.config import Settings
from jifen.domain.operations import FieldProblem, Report
from jifen.errors import NotFound
from jifen.ingest.qualify import check_fields
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.ingest.withdrawal import withdraw
from jifen.rules.conditions import Context
from jifen.rules.loader import load_shipped
from jifen.rules.schema import ActionRule, RuleSet
from jifen.runtime import Runtime
from jifen.settle.engine import recount_fields
from jifen.settle.engine.backends import library_warnings_ignored
from jifen.settle.engine.recount import (
    ROSTER_SCHEMA,
    catalog,
    hour_steps,
    judged,
    overlap_pairs,
    prepare,
    recount,
    rules_of,
)
from jifen.settle.engine.recount_conditions import UncompilableRule
from jifen.settle.engine.recount_store import input_schema, recount_input, recount_store
from jifen.store.tables import operation_counts, operations

NOW = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
MONTHS = [(2025, 12), (2026, 1), (2026, 9), (2026, 10)]
Key = tuple[str, str, str, str]


def kept(runtime: Runtime) -> Counter[Key]:
    with runtime.database.read() as connection:
        rows = connection.execute(select(operation_counts))
        return Counter({(r.subject_kind, r.code, r.month, r.indicator): r.count for r in rows if r.count})


def as_counter(table: pa.Table) -> Counter[Key]:
    return Counter({(r["subject_kind"], r["code"], r["month"], r["indicator"]): r["count"]
                    for r in table.to_pylist()})


class Region:
    """A random roster: cities, counties, schools, teachers; some teachers and schools never join it."""

    def __init__(self, rng: random.Random) -> None:
        self.rows = []
        for s in range(rng.randint(2, 4)):
            county = f"C{s % 2}"
            for t in range(rng.randint(1, 4)):
                self.rows.append(row(f"S{s}T{t}", f"S{s}", county_code=county, city_code="Y1"))
        self.teachers = [r.teacher_id for r in self.rows] + ["X1", "X2"]  # X1, X2: never on the roster
        self.schools = sorted({r.school_code for r in self.rows}) + ["SX"]


def _when(rng: random.Random, *, day: int | None = None, month: tuple[int, int] | None = None) -> datetime:
    year, mon = month or rng.choice(MONTHS)
    hour = rng.choice((0, 8, 9, 10, 23))
    return datetime(year, mon, day or rng.choice((1, 2, 28)), hour, rng.choice((0, 10, 20, 30, 40, 50)), tzinfo=CST)


class Reports:
    """Random reports of one rule set, and the apps they come from."""

    def __init__(self, rng: random.Random, region: Region) -> None:
        self.rng, self.region, self.n = rng, region, 0

    def ident(self) -> str:
        self.n += 1
        return f"r{self.n}"

    def teacher(self) -> str:
        return self.rng.choice(self.region.teachers[:3] + self.region.teachers[-1:])  # few teachers: collisions

    def school(self) -> str:
        return self.rng.choice(self.region.schools)

    def session(self, teacher: str, when: datetime, duration: float) -> tuple[str, dict[str, Any]]:
        return "space", op("teaching.session", teacher=teacher, when=when.isoformat(), duration=duration,
                           id=self.ident())

    def chain(self) -> list[tuple[str, dict[str, Any]]]:
        """A, then B overlapping A, then C overlapping only B, then D: A and C count, B and D do not."""
        teacher, start = self.rng.choice(self.region.teachers[:2]), _when(self.rng)
        return [self.session(teacher, start + timedelta(minutes=m), 1800) for m in (0, 20, 40, 60)]


class NingxiaReports(Reports):
    def session(self, teacher: str, when: datetime, duration: float) -> tuple[str, dict[str, Any]]:
        app = self.rng.choice(["hite-pi6", "seewo-easinote5", "smart-classroom"])
        if self.rng.random() < 0.2:
            return "digital-school", op("tutoring.session", teacher=teacher, when=when.isoformat(),
                                        duration=duration, id=self.ident())
        return app, op("teaching.session", teacher=teacher, when=when.isoformat(), duration=duration,
                       id=self.ident())

    def burst(self) -> list[tuple[str, dict[str, Any]]]:
        """A teacher's busy day: past the lesson_prep cap (12), uploads past teaching_resources' (10)."""
        teacher, day = self.rng.choice(self.region.teachers[:2]), _when(self.rng)
        found: list[tuple[str, dict[str, Any]]] = []
        for n in range(self.rng.randint(13, 18)):
            when = (day + timedelta(minutes=n)).isoformat()
            found.append(("hite-pi6", op("lesson.create", teacher=teacher, when=when, id=self.ident())))
            found.append(("digital-textbook", op("resource.upload", teacher=teacher, when=when, id=self.ident(),
                                                 shared=True, review="approved",
                                                 content_sha256=f"B{self.rng.randrange(14)}")))
        return found

    def one(self) -> tuple[str, dict[str, Any]]:
        rng, teacher, when = self.rng, self.teacher(), _when(self.rng).isoformat()
        kind = rng.randrange(11)
        if kind == 0:
            return self.session(teacher, _when(rng), rng.choice((600, 900, 1800, 5400, 90000)))
        if kind == 1:
            return "digital-textbook", op("resource.upload", teacher=teacher, when=when, id=self.ident(),
                                          shared=rng.random() < 0.9, review=rng.choice(["approved", "pending"]),
                                          content_sha256=rng.choice([f"c{rng.randrange(6)}", " C1 ", "c2"]))
        if kind == 2:
            return "renrentong", op("resource.upload", teacher=teacher, when=when, id=self.ident(),
                                    public=rng.choice([True, False]), content_sha256=f"c{rng.randrange(6)}")
        if kind == 3:
            return "literacy-assessment", op("assessment.complete", teacher=teacher, when=when, id=self.ident(),
                                             score=rng.randint(0, 100), role="teacher")
        if kind == 4:
            school, ident, duration = self.school(), self.ident(), rng.choice((600, 1200))
            room = rng.choice(("R0", "R1", "R1", " "))  # a blank room is not given: rejected, never stored
            return "online-classroom", op("class.session", school=school, when=when, id=ident, duration=duration,
                                          classroom_id=room)
        if kind == 5:
            return "school-affairs", op("affair.record", school=self.school(), teacher=rng.choice([teacher, None]),
                                        when=when, id=self.ident(), kind=rng.choice(["notice", "party"]))
        if kind == 6:
            attributes = rng.choice([{"kind": "vote"}, {"kind": "comment", "chars": rng.choice((10, 40))},
                                     {"kind": "comment"}, {"kind": "other", "chars": 50}])
            return "master-studio", op("activity.participate", teacher=teacher, when=when, id=self.ident(),
                                       **attributes)
        if kind == 7:
            return "digital-school", op("qa.answer", teacher=teacher, school=rng.choice([self.school(), None]),
                                        when=when, id=self.ident())
        if kind == 8:
            return "seewo-easinote5", op("courseware.sync", teacher=teacher, when=when, id=self.ident(),
                                         sync_count=rng.choice((1, 3, 5, "3", True)))
        if kind == 9:
            return "evaluation", op("teacher.record", school=self.school(), when=when, id=self.ident())
        return "hite-pi6", op("lesson.create", teacher=teacher, school=rng.choice([self.school(), None]),
                              when=when, id=self.ident())

    def all(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        items = [self.one() for _ in range(count)] + self.chain() + self.chain() + self.burst()
        self.rng.shuffle(items)
        return items


class ShiheReports(Reports):
    def one(self) -> tuple[str, dict[str, Any]]:
        rng, teacher, when = self.rng, self.teacher(), _when(self.rng)
        kind = rng.randrange(6)
        if kind == 0:
            return self.session(teacher, when, rng.choice((600, 900, 2400, 4000)))
        if kind == 1:
            return "space", op("assignment.reach", teacher=teacher, when=when.isoformat(), id=self.ident(),
                               participants=rng.choice((5, 10, 12)))
        if kind == 2:
            attributes = rng.choice([{"participants": 20}, {"works_reviewed": 6}, {"participants": 3,
                                                                                   "works_reviewed": 1}])
            return "space", op("class.activity", teacher=teacher, when=when.isoformat(), id=self.ident(),
                               **attributes)
        if kind == 3:
            return "space", op("class.create", teacher=teacher, when=when.isoformat(), id=self.ident(),
                               students=rng.choice((20, 30)))
        action = rng.choice(["login", "office.task", "habit.checkin", "profile.complete"])
        return "space", op(action, teacher=teacher, school=rng.choice([self.school(), None]),
                           when=when.isoformat(), id=self.ident())

    def all(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        return [self.one() for _ in range(count)] + self.chain()


class Clock:
    """The time each batch and each withdrawal happens: one second apart, so the order is on record."""

    def __init__(self) -> None:
        self.now = NOW

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def submit(runtime: Runtime, ingest: Ingest, rng: random.Random, clock: Clock,
           items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """Send the items in batches of random size, one app per batch, some sent twice, and now and then withdraw
    one sent before; the (app, id) sent."""
    sent: list[tuple[str, str]] = []
    start = 0
    while start < len(items):
        size = rng.randint(1, 25)
        chunk, start = items[start:start + size], start + size
        for app in dict.fromkeys(a for a, _ in chunk):
            batch = [item for a, item in chunk if a == app]
            if rng.random() < 0.2:
                batch = batch + batch[:2]  # the same ids again: duplicate answers, stored once
            ingest.submit(app, batch, clock.tick())
            sent.extend((app, item["id"]) for item in batch)
            if rng.random() < 0.3:
                withdrawn(runtime, rng.choice(sent), clock.tick())
    return sent


def withdrawn(runtime: Runtime, sent: tuple[str, str], now: datetime) -> None:
    try:
        withdraw(runtime.database, *sent, now)
    except NotFound:  # a rejected report was never stored
        pass


def withdraw_and_send_again(runtime: Runtime, ingest: Ingest, clock: Clock, teacher: str, school: str) -> None:
    """Withdrawn sessions and capped reports stop blocking the reports received after the withdrawal."""
    first = op("teaching.session", teacher=teacher, when=datetime(2026, 9, 15, 10, tzinfo=CST).isoformat(),
               duration=1800, id="w-session")
    ingest.submit("hite-pi6", [first], clock.tick())
    withdrawn(runtime, ("hite-pi6", "w-session"), clock.tick())
    again = {**first, "id": "w-session-2", "occurred_at": datetime(2026, 9, 15, 10, 5, tzinfo=CST).isoformat()}
    ingest.submit("hite-pi6", [again], clock.tick())
    lessons = [op("lesson.create", teacher=teacher, when=datetime(2026, 9, 16, 8, n, tzinfo=CST).isoformat(),
                  id=f"w-lesson-{n}") for n in range(14)]
    ingest.submit("hite-pi6", lessons[:12], clock.tick())
    withdrawn(runtime, ("hite-pi6", "w-lesson-3"), clock.tick())
    ingest.submit("hite-pi6", lessons[12:], clock.tick())  # one more fits the day now, the last one does not
    # a school's classes overlap only in one room; a withdrawn class stops blocking the ones received after it
    classes = [op("class.session", school=school, when=datetime(2026, 9, 17, 9, m, tzinfo=CST).isoformat(),
                  duration=2400, classroom_id=room, id=f"w-class-{n}")
               for n, (m, room) in enumerate(((0, "R1"), (10, "R2"), (20, "R1"), (5, 7), (15, 7)))]
    statuses = [str(r.status) for r in ingest.submit("online-classroom", classes[:3], clock.tick())]
    withdrawn(runtime, ("online-classroom", "w-class-0"), clock.tick())
    statuses += [str(r.status) for r in ingest.submit("online-classroom", classes[3:], clock.tick())]
    again = {**classes[2], "id": "w-class-again"}  # w-class-2 overlapped w-class-0; this one, nothing
    statuses += [str(r.status) for r in ingest.submit("online-classroom", [again], clock.tick())]
    assert statuses == ["qualified", "qualified", "not_qualified", "qualified", "not_qualified", "qualified"]


def reasons(runtime: Runtime) -> Counter[str]:
    with runtime.database.read() as connection:
        return Counter(str(r) for r in connection.scalars(select(operations.c.reason)))


def fill(runtime: Runtime, ruleset: str, seed: int) -> RuleSet:
    """A random region and its reports, sent through ``Ingest``, then some withdrawn; the rule set used."""
    rng = random.Random(f"{ruleset}-{seed}")
    rules = load_shipped(ruleset).rules
    ingest = Ingest(runtime.database, rules, runtime.tz)
    region = Region(rng)
    import_rows(ingest, region.rows, full=False, now=NOW)
    reports = NingxiaReports(rng, region) if ruleset == "ningxia-2022" else ShiheReports(rng, region)
    clock = Clock()
    sent = submit(runtime, ingest, rng, clock, reports.all(250))
    if ruleset == "ningxia-2022":
        withdraw_and_send_again(runtime, ingest, clock, region.teachers[0], region.schools[0])
    for item in rng.sample(sorted(set(sent)), k=8):  # at the instant of the last batch: taken as after it
        withdrawn(runtime, item, clock.now)
    return rules


@pytest.mark.parametrize("ruleset", ["ningxia-2022", "shihe-2022"])
@pytest.mark.parametrize("seed", range(3))
def test_the_recount_on_duckdb_equals_the_counts_kept_at_ingestion(runtime: Runtime, ruleset: str,
                                                                   seed: int) -> None:
    rules = fill(runtime, ruleset, seed)
    rounds: list[int] = []
    assert as_counter(recount_store(runtime.database, rules, rounds=rounds)) == kept(runtime)
    month = "2026-09"
    assert as_counter(recount_store(runtime.database, rules, month=month)) == Counter(
        {k: n for k, n in kept(runtime).items() if k[2] == month})

    seen = reasons(runtime)
    assert seen["overlap"] and seen["None"]
    if ruleset == "ningxia-2022":
        assert seen["daily_cap"] and seen["duplicate_content"] and seen["not_first_of_year"]
        assert rounds[0] >= 3, "the chains need more than the windows alone"
    assert any(k[1] in {"X1", "X2"} for k in _stored_subjects(runtime))  # pending reports were stored


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                                    pytest.param("spark", marks=pytest.mark.spark)], indirect=True)
def test_every_engine_recounts_the_same(engine: BaseBackend, tmp_path: Path) -> None:
    """DuckDB, SQLite, PostgreSQL and Spark (the ``engine`` fixture) run the same recount. Ningxia's rules use
    every condition kind, the cap and overlap; Shihe's are checked on DuckDB above (Spark takes a minute)."""
    store = Runtime.open(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/jifen.sqlite3"))
    try:
        rules = fill(store, "ningxia-2022", 0)
        assert as_counter(recount_store(store.database, rules, engine)) == kept(store)
    finally:
        store.close()


def _stored_subjects(runtime: Runtime) -> set[tuple[str, str]]:
    with runtime.database.read() as connection:
        rows = connection.execute(select(operations.c.status, operations.c.teacher_id))
        return {(r.status, r.teacher_id) for r in rows}


def _sessions(rows: list[tuple[int, str, int, float]]) -> pa.Table:
    """Stored teaching sessions (id, teacher, start minute, duration_s) as flattened operations."""
    fields = recount_fields.flat_fields(load_shipped("ningxia-2022").rules)
    start = datetime(2026, 9, 10, 8, tzinfo=UTC)
    batch = []
    for ident, teacher, minute, duration in rows:
        occurred = start + timedelta(minutes=minute)
        first = (occurred - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        batch.append({"id": ident, "app_code": "hite-pi6", "external_id": f"e{ident}", "action": "teaching.session",
                      "indicator": "interactive_teaching", "teacher_id": teacher, "school_code": None,
                      "occurred_at": occurred, "month": "2026-09", "day": "2026-09-10", "duration_s": duration,
                      "start_us": first, "end_us": first + int(duration * 1_000_000), "status": "qualified",
                      "received_at": start, "withdrawn_at": None})
    stored = pa.Table.from_pylist(batch, schema=recount_fields.schema(fields))
    target = input_schema(fields)
    return pa.Table.from_batches([recount_input(b, target) for b in stored.to_batches()], schema=target)


def test_a_chain_of_overlapping_sessions_takes_a_round_per_link() -> None:
    con = ibis.duckdb.connect()
    # T1: 0-30, 20-50, 40-70, 60-90, 80-110 minutes: the 1st, 3rd and 5th count. T2's session is its own.
    chain = [(n + 1, "T1", 20 * n, 1800.0) for n in range(5)] + [(6, "T2", 10, 1800.0)]
    roster = pa.Table.from_pylist([{"kind": "teacher", "code": t} for t in ("T1", "T2")], schema=ROSTER_SCHEMA)
    rounds: list[int] = []
    found = recount(con, ibis.memtable(_sessions(chain)), ibis.memtable(roster), load_shipped("ningxia-2022").rules,
                    rounds=rounds)
    assert as_counter(found) == {("teacher", "T1", "2026-09", "interactive_teaching"): 3,
                                 ("teacher", "T2", "2026-09", "interactive_teaching"): 1}
    assert rounds == [5]


@pytest.mark.parametrize("seed", range(5))
def test_overlapping_pairs_are_every_pair_of_overlapping_spans(seed: int) -> None:
    """The pairs found through the hours the spans touch are exactly those a comparison of every two sessions
    finds: spans across hour and day boundaries, a day long, of no length, sessions withdrawn before or at
    the instant a later one was received."""
    rng = random.Random(seed)
    hour = 3_600_000_000
    rows = []
    for ident in range(1, 400):
        start = rng.choice([0, 1, hour - 1, hour, 23 * hour]) + rng.randrange(48) * hour // 2
        length = rng.choice([0, 1, 600_000_000, hour, hour + 1, 5 * hour, 24 * hour])
        received = ident * 1000
        gone = rng.choice([None, None, None, received + rng.choice([0, 500, 1000, 5000])])
        rows.append({"id": ident, "owner": rng.choice(["T1", "T2", "S1\x1fR1"]), "start_us": start,
                     "end_us": start + length, "received_us": received, "withdrawn_us": gone,
                     "is_session": rng.random() < 0.9})
    expected = {(a["id"], b["id"]) for a in rows for b in rows
                if a["is_session"] and b["is_session"] and a["owner"] == b["owner"] and b["id"] < a["id"]
                and b["start_us"] < a["end_us"] and a["start_us"] < b["end_us"]
                and (b["withdrawn_us"] is None or b["withdrawn_us"] >= a["received_us"])}
    con = ibis.duckdb.connect()
    with library_warnings_ignored():
        pairs = overlap_pairs(ibis.memtable(pa.Table.from_pylist(rows)), ibis.memtable(hour_steps()))
        found = con.to_pyarrow(pairs).to_pylist()
    assert {(r["id"], r["earlier"]) for r in found} == expected
    assert len(found) == len(expected) and len(expected) > 100  # each pair once


def test_a_condition_it_cannot_compile_is_named() -> None:
    data = load_shipped("ningxia-2022").rules.model_dump(mode="json")
    upload = next(a for app in data["apps"] if app["code"] == "smart-classroom" for a in app["actions"]
                  if a["action"] == "resource.upload")
    upload["qualifies"] = {"kind": "any", "conditions": [{"kind": "unique_content"},
                                                         {"kind": "present", "field": "attributes.title"}]}
    rules = RuleSet.model_validate(data)
    con = ibis.duckdb.connect()
    roster = ibis.memtable(pa.Table.from_pylist([], schema=ROSTER_SCHEMA))
    with pytest.raises(UncompilableRule, match="smart-classroom action resource.upload.*'unique_content'"):
        recount(con, ibis.memtable(_sessions([])), roster, rules)


class History:
    """What a condition asks of earlier reports, answered the same for every question."""

    def __init__(self, duplicate: bool, counted: bool) -> None:
        self.duplicate, self.counted = duplicate, counted

    def content_seen(self, sha256: str) -> bool:
        return self.duplicate

    def counted_in_year(self, teacher_id: str, indicator: str, year: int) -> bool:
        return self.counted


VALUES: list[Any] = [None, True, False, 0, 1, 2.5, 3, 10, 29, 30, 100, 101, -1, "3", "", "  ", "approved", "comment",
                     "vote", "edux", "notice", "principal", " ABC ", "x" * 130, [1], {"a": 1}]
MISSING = object()


def _state(rule: ActionRule, report: Report, history: History) -> int:
    """Ingestion's answer as the compiled state: 0 met, 1 not met, 2 a field problem."""
    assert rule.qualifies is not None
    try:
        return 0 if rule.qualifies.check(report, Context(history, TZ, rule.indicator)) is None else 1
    except FieldProblem:
        return 2


def _storable(rule: ActionRule, report: Report) -> bool:
    return check_fields(report, rule, TZ, NOW, 300) is None


@pytest.mark.parametrize("ruleset", ["ningxia-2022", "shihe-2022"])
def test_compiled_conditions_answer_as_ingestion_does(ruleset: str) -> None:
    """Every action, random attributes (missing, null, of every type, around each threshold): the compiled
    ``eligible`` and ``met_*`` columns equal what the Python conditions answer, for each history."""
    rng = random.Random(ruleset)
    rules = load_shipped(ruleset).rules
    fields = recount_fields.flat_fields(rules)
    entries = rules_of(rules)
    rows, expected = [], {}
    for entry in entries:
        paths = sorted({f.name for f in fields})
        for n in range(60):
            attributes = {p: v for p in paths if (v := rng.choice([*VALUES, MISSING, MISSING])) is not MISSING}
            duration = rng.choice([None, 600.0, 900.0, 1200.0, 90000.0])
            ident = len(rows) + 1
            when = datetime(2026, 9, 10, 8, tzinfo=UTC)
            report = Report(f"e{ident}", entry.rule.action, when, "T1", "S1", duration, attributes)
            rows.append({"id": ident, "app_code": entry.app_code, "external_id": report.id,
                         "action": report.action, "indicator": entry.rule.indicator, "teacher_id": "T1",
                         "school_code": "S1", "occurred_at": when, "month": "2026-09", "day": "2026-09-10",
                         "duration_s": duration, "status": "qualified", "received_at": when, "withdrawn_at": None,
                         "attributes": attributes})
            storable = _storable(entry.rule, report)
            met = {name: entry.rule.qualifies is None or _state(entry.rule, report, History(*h)) == 0
                   for name, h in (("clean", (False, False)), ("duplicate", (True, False)),
                                   ("counted", (False, True)), ("both", (True, True)))}
            expected[ident] = {"eligible": storable, **{f"met_{k}": v for k, v in met.items()}}
    target = input_schema(fields)
    stored = recount_fields.to_batch(rows, fields, recount_fields.schema(fields))
    operations_table = pa.Table.from_batches([recount_input(stored, target)])
    roster = pa.Table.from_pylist([{"kind": "teacher", "code": "T1"}, {"kind": "school", "code": "S1"}],
                                  schema=ROSTER_SCHEMA)
    con = ibis.duckdb.connect()
    static = prepare(ibis.memtable(operations_table), ibis.memtable(roster), ibis.memtable(catalog(rules, entries)),
                     rules, fields)
    with library_warnings_ignored():
        found = con.to_pyarrow(static.select("id", "eligible", "met_clean", "met_duplicate", "met_counted",
                                             "met_both")).to_pylist()
    assert {r.pop("id"): r for r in found} == expected
    every = judged(ibis.memtable(operations_table), ibis.memtable(catalog(rules, entries)), rules, fields)
    with library_warnings_ignored():
        first = con.to_pyarrow(every.select("id", "first_ok")).to_pylist()
    assert {r["id"]: r["first_ok"] for r in first} == {i: e["eligible"] and e["met_clean"] for i, e in expected.items()}
    assert sum(e["eligible"] for e in expected.values()) not in (0, len(expected))
