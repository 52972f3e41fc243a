"""Ingestion throughput over loopback HTTP against a real ``jifen serve`` process (issue 4, item 8).

    .venv/bin/python benchmarks/ingest.py --database both --prefill 0
    .venv/bin/python benchmarks/ingest.py --database both --prefill 10000000

The server runs as a subprocess (its own GIL), rate limit off, on a free loopback port. This process imports
the roster, registers the apps, optionally fills the store with ``--prefill`` operations by plain SQL (bulk
inserts or COPY, secondary indexes rebuilt after), then drives the API from a few threads with JSON bodies
serialised beforehand: single-item requests first, then batches of 1000. On PostgreSQL it works in a schema
of its own, ``jifen_bench``, dropped and made again; the public schema is never touched.

Prints one line per measurement with the targets beside the figures (2-core machine, load generator included),
the event loop and HTTP parser the server runs with, and the server's CPU time per request (single items) or per
operation (batches): on a machine that other work shares, compare versions by that, measured close together.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from jifen.access.service import register_app
from jifen.config import Settings
from jifen.demo.region import build_region
from jifen.demo.server import free_port
from jifen.domain.periods import Month
from jifen.ingest.roster_import import import_rows
from jifen.ingest.service import Ingest
from jifen.runtime import Runtime

BATCH = 1000
TARGET_BATCHED, TARGET_SINGLES, TARGET_SLOWDOWN = 50_000, 1_500, 0.20
SCHEMA = "jifen_bench"
SESSION, RESEARCH = "teaching.session", "research.activity"
# A teacher's day (minutes after local midnight): 8 class periods for sessions, then 2 slots for research
# activities, or for two more sessions (noon, evening) in an app without research. Sessions last under 41 min.
PERIODS = [480, 535, 590, 645, 870, 925, 980, 1035]
RESEARCH_AT = [740, 1200]
SLOTS_PER_DAY = len(PERIODS) + len(RESEARCH_AT)


# ---- the store ---------------------------------------------------------------------------------------------

def bench_url(engine: str, pg_url: str, folder: Path, schema: str = SCHEMA) -> str:
    if engine == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.execute(f"CREATE SCHEMA {schema}")
    return pg_url + ("&" if "?" in pg_url else "?") + f"options=-csearch_path%3D{schema}"


def prepare(runtime: Runtime, teachers: int) -> tuple[list[str], dict[str, str]]:
    """Import a synthetic roster and register every catalog app; returns the teacher ids and app tokens."""
    rows = build_region(teachers, 2024)
    ingest = Ingest(runtime.database, runtime.rulebook.snapshot(), runtime.tz)
    now = datetime.now(UTC)
    import_rows(ingest, rows, full=True, now=now, source="bench roster")
    tokens = {app.code: register_app(runtime.database, runtime.ruleset.rules, app.code, now)
              for app in runtime.ruleset.rules.apps}
    return [r.teacher_id for r in rows], tokens


def app_actions(runtime: Runtime) -> dict[str, list[str]]:
    """The apps that report teaching sessions, with which of the two actions each has."""
    out: dict[str, list[str]] = {}
    for app in runtime.ruleset.rules.apps:
        actions = [a.action for a in app.actions if a.action in (SESSION, RESEARCH)]
        if SESSION in actions:
            out[app.code] = actions
    return out


_COLUMNS = ["app_code", "external_id", "action", "indicator", "teacher_id", "occurred_at", "month", "day",
            "ends_at", "duration_s", "attributes", "status", "received_at", "payload_sha256"]


def _prefill_rows(n: int, teacher_ids: list[str], apps: dict[str, list[str]], months: list[Month],
                  tz: ZoneInfo, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    """Qualified sessions and research activities, spread over the teachers and the given months."""
    def stamp(moment: datetime) -> str:
        utc = moment.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.000000") if sqlite else utc.isoformat()

    codes = list(apps)
    received = stamp(datetime.now(UTC))
    days = [(str(m), m.start(tz).date() + timedelta(days=d)) for m in months for d in range(28)]
    per_teacher_day = len(teacher_ids) * SLOTS_PER_DAY
    for i in range(n):
        teacher = teacher_ids[i % len(teacher_ids)]
        slot = (i // len(teacher_ids)) % SLOTS_PER_DAY
        month, day = days[(i // per_teacher_day) % len(days)]
        app = codes[i % len(codes)]
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        if slot < len(PERIODS) or RESEARCH not in apps[app]:
            begins = start + timedelta(minutes=(PERIODS + RESEARCH_AT)[slot])
            duration = 2400.0
            yield (app, f"prefill-{i}", SESSION, "interactive_teaching", teacher, stamp(begins), month,
                   day.isoformat(), stamp(begins + timedelta(seconds=duration)), duration, "{}", "qualified",
                   received, f"{i:064x}")
        else:
            begins = start + timedelta(minutes=RESEARCH_AT[slot - len(PERIODS)])
            yield (app, f"prefill-{i}", RESEARCH, "research_activity", teacher, stamp(begins), month,
                   day.isoformat(), None, None, "{}", "qualified", received, f"{i:064x}")


# Where the store keeps counts of qualified operations per teacher, month and indicator (when it does), the
# prefilled operations are counted there too, as ingestion would have (they are all teachers' operations).
COUNTS = ("INSERT INTO operation_counts (subject_kind, code, month, indicator, count) "
          "SELECT 'teacher', teacher_id, month, indicator, count(*) FROM operations "
          "WHERE status = 'qualified' AND withdrawn_at IS NULL AND teacher_id IS NOT NULL "
          "GROUP BY teacher_id, month, indicator")


def prefill(url: str, n: int, teacher_ids: list[str], apps: dict[str, list[str]], months: list[Month],
            tz: ZoneInfo) -> float:
    """Store ``n`` operations with plain SQL, secondary indexes dropped and rebuilt; returns the seconds taken."""
    started = time.perf_counter()
    if n <= 0:
        return 0.0
    bulk_store(url, _COLUMNS, _prefill_rows(n, teacher_ids, apps, months, tz, url.startswith("sqlite")), [COUNTS])
    return time.perf_counter() - started


def bulk_store(url: str, columns: list[str], rows: Iterator[tuple[Any, ...]], after: list[str]) -> int:
    """Store operations by plain SQL, the secondary indexes of ``operations`` dropped first and rebuilt after
    (bulk inserts on SQLite, COPY on PostgreSQL), then run ``after`` (the counts ingestion would have kept) and
    gather planner statistics; returns how many were stored."""
    stored = 0
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        indexes = connection.execute("SELECT name, sql FROM sqlite_master WHERE type='index' "
                                     "AND tbl_name='operations' AND sql IS NOT NULL").fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        insert = f"INSERT INTO operations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        while batch := [row for _, row in zip(range(200_000), rows)]:
            connection.execute("BEGIN")
            connection.executemany(insert, batch)
            connection.execute("COMMIT")
            stored += len(batch)
        for _, sql in indexes:
            connection.execute(sql)
        for sql in after:
            connection.execute(sql)
        connection.execute("ANALYZE")
        connection.close()
        return stored
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        indexes = connection.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = 'operations' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)").fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY operations ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    stored += 1
        for _, sql in indexes:
            connection.execute(sql)
        for sql in after:
            connection.execute(sql)
        for (table,) in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"):
            connection.execute(f'VACUUM ANALYZE "{table}"')
    return stored


# ---- the traffic -------------------------------------------------------------------------------------------

class Traffic:
    """Items that qualify: a teacher's sessions at distinct class periods, and research activities, in the
    given month; every item has an id of its own and no teacher reports two overlapping sessions."""

    def __init__(self, teacher_ids: list[str], apps: dict[str, list[str]], month: Month, tz: ZoneInfo) -> None:
        self.teacher_ids, self.apps, self.tz = teacher_ids, apps, tz
        start = month.start(tz).date()
        self.days = [start + timedelta(days=d) for d in range(28)]
        self.made = 0

    def items(self, n: int, app: str) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            i = self.made
            self.made += 1
            teacher = self.teacher_ids[i % len(self.teacher_ids)]
            slot = (i // len(self.teacher_ids)) % SLOTS_PER_DAY
            day = self.days[(i // (len(self.teacher_ids) * SLOTS_PER_DAY)) % len(self.days)]
            start = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            item: dict[str, Any] = {"id": f"bench-{i:09d}", "teacher_id": teacher}
            if slot < len(PERIODS) or RESEARCH not in self.apps[app]:
                moment = start + timedelta(minutes=(PERIODS + RESEARCH_AT)[slot], seconds=i % 60)
                item.update(action=SESSION, occurred_at=moment.isoformat(), duration_s=1500 + i % 900)
            else:
                moment = start + timedelta(minutes=RESEARCH_AT[slot - len(PERIODS)], seconds=i % 60)
                item.update(action=RESEARCH, occurred_at=moment.isoformat(), attributes={"kind": "lesson_study"})
            out.append(item)
        return out

    def bodies(self, requests: int, per_request: int, tokens: dict[str, str]) -> list[tuple[str, bytes]]:
        """(token, JSON body) for each request, the apps taken in turn."""
        codes = list(self.apps)
        return [(tokens[codes[r % len(codes)]],
                 json.dumps({"operations": self.items(per_request, codes[r % len(codes)])},
                            ensure_ascii=False, separators=(",", ":")).encode())
                for r in range(requests)]


# ---- the server and the load -------------------------------------------------------------------------------

class ServerProcess:
    def __init__(self, url: str, data_dir: Path, workers: int = 1) -> None:
        self.port = free_port("127.0.0.1")
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JIFEN_DATABASE_URL": url, "JIFEN_DATA_DIR": str(data_dir),
               "JIFEN_RATE_LIMIT_PER_S": "0", "JIFEN_AUTO_SETTLE": "false"}  # measure ingestion alone
        jifen = Path(sys.executable).with_name("jifen")
        self.log = (data_dir / "server.log").open("wb")
        self.process = subprocess.Popen([str(jifen), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                         "--workers", str(workers)],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jifen serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                httpx.get(self.base + "/api/v1/catalog", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"jifen serve did not answer on {self.base} within {timeout_s:.0f} s")

    def processes(self) -> list[int]:
        """The server and its worker processes (``--workers``), from /proc; [] when /proc is not there."""
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    queue.extend(int(child) for child in task.read_text().split())
                except OSError:
                    pass
        return found

    def runs_with(self) -> str:
        """The event loop and HTTP parser the serving processes have loaded (uvloop and httptools, as ``jifen
        serve`` picks when they are installed), from /proc; "" when /proc is not there. With ``--workers``, the
        supervisor and its helper processes load neither: a library any process has loaded is the one served with."""
        maps = ""
        for pid in self.processes():
            try:
                maps += Path(f"/proc/{pid}/maps").read_text()
            except OSError:
                continue
        if not maps:
            return ""
        return (f" loop={'uvloop' if '/uvloop/' in maps else 'asyncio'}"
                f" http={'httptools' if '/httptools/' in maps else 'h11'}")

    def peak_rss_mb(self) -> float | None:
        """The sum of each server process's peak resident memory."""
        peaks = []
        for pid in self.processes():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
            if line:
                peaks.append(int(line.split()[1]) / 1024)
        return sum(peaks) if peaks else None

    def cpu_s(self) -> float:
        """User plus system CPU seconds the server processes have used so far (0 when /proc is not there)."""
        total = 0.0
        for pid in self.processes():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def drive(base: str, bodies: list[tuple[str, bytes]], connections: int) -> tuple[float, list[float], Counter[str]]:
    """POST every body over ``connections`` keep-alive connections; returns wall seconds, per-request seconds
    and item statuses. The client is plain HTTP/1.1 on asyncio streams with the requests made beforehand, so
    that the load generator spends its share of the two cores on sending, not on an HTTP library."""
    return asyncio.run(_drive(base, bodies, connections))


async def _drive(base: str, bodies: list[tuple[str, bytes]], connections: int
                 ) -> tuple[float, list[float], Counter[str]]:
    host, port = base.removeprefix("http://").split(":")
    requests = [(b"POST /api/v1/operations HTTP/1.1\r\nHost: " + host.encode() + b"\r\nAuthorization: Bearer "
                 + token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\n\r\n" + body) for token, body in bodies]
    pending = iter(requests)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for request in pending:
                sent = time.perf_counter()
                writer.write(request)
                status, body = await _response(reader)
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
                statuses.update(r["status"] for r in json.loads(body)["results"])
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return time.perf_counter() - started, latencies, statuses


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    return int(lines[0].split()[1]), await reader.readexactly(length)


class _Cpu:
    """Share of one core used by the server and by this load generator since the last lap."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.marks = (server.cpu_s(), time.process_time())

    def lap(self, wall_s: float, count: int, unit: str) -> str:
        """The shares of a core, and the server's CPU time per request or operation (``unit``): the figure to
        compare between versions on a machine whose other work changes the wall-clock ones."""
        now = (self.server.cpu_s(), time.process_time())
        server, client = (b - a for a, b in zip(self.marks, now, strict=True))
        self.marks = now
        return (f"server_cpu={server / wall_s:.0%} client_cpu={client / wall_s:.0%} "
                f"server_cpu_us_per_{unit}={server / max(1, count) * 1e6:.0f}")


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _statuses(counts: Counter[str]) -> str:
    return ",".join(f"{k}:{v}" for k, v in sorted(counts.items()))


def measure(engine: str, args: argparse.Namespace, emit: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = bench_url(engine, args.postgresql_url, data_dir, args.schema)
        runtime = Runtime.open(Settings(data_dir=data_dir, database_url=url))
        tz = runtime.tz
        month = Month.of(datetime.now(UTC), tz).previous()
        teacher_ids, tokens = prepare(runtime, args.teachers)
        apps = app_actions(runtime)
        notes = ""
        if not runtime.database.is_sqlite:  # statistics for the roster: this run must not wait on autovacuum
            with runtime.database.transaction() as connection:
                for table in connection.scalars(text("SELECT tablename FROM pg_tables "
                                                     "WHERE schemaname = current_schema()")).all():
                    connection.execute(text(f'ANALYZE "{table}"'))  # this schema's tables only
                notes = f" autovacuum={connection.scalar(text('SHOW autovacuum'))}"
        runtime.close()
        earlier = [month]
        for _ in range(11):
            earlier.append(earlier[-1].previous())
        fill_s = prefill(runtime.database.url, args.prefill, teacher_ids, apps, earlier[1:], tz)
        traffic = Traffic(teacher_ids, apps, month, tz)
        warm = traffic.bodies(4, 50, tokens)
        singles = traffic.bodies(args.singles, 1, tokens)
        batched = traffic.bodies(max(1, args.operations // BATCH), BATCH, tokens)
        server = ServerProcess(url, data_dir, args.workers)
        try:
            server.wait_ready()
            drive(server.base, warm, 1)
            head = (f"{engine} prefill={args.prefill} teachers={args.teachers} connections={args.connections} "
                    f"workers={args.workers}{server.runs_with()}{notes}")
            cpu = _Cpu(server)
            seconds, latencies, statuses = drive(server.base, singles, args.connections)
            emit(f"{head} singles requests={len(latencies)} req_per_s={len(latencies) / seconds:.0f} "
                 f"(target >= {TARGET_SINGLES}) p50_ms={statistics.median(latencies) * 1000:.1f} "
                 f"p99_ms={_ms(latencies, 0.99):.1f} {cpu.lap(seconds, len(latencies), 'req')} "
                 f"statuses={_statuses(statuses)}")
            seconds, latencies, statuses = drive(server.base, batched, args.connections)
            sent = sum(statuses.values())
            emit(f"{head} batched_{BATCH} operations={sent} ops_per_s={sent / seconds:.0f} "
                 f"(target >= {TARGET_BATCHED}) p50_ms={statistics.median(latencies) * 1000:.0f} "
                 f"p99_ms={_ms(latencies, 0.99):.0f} {cpu.lap(seconds, sent, 'op')} statuses={_statuses(statuses)}")
            rss = server.peak_rss_mb()
            emit(f"{head} server_peak_rss_mb={rss:.0f} prefill_s={fill_s:.1f} "
                 f"(at 10 M stored: target no more than {TARGET_SLOWDOWN:.0%} slower than at empty) "
                 f"at={datetime.now(UTC):%Y-%m-%dT%H:%MZ}" if rss is not None else
                 f"{head} prefill_s={fill_s:.1f}")
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="server and database; the benchmark works in a schema of its own, made afresh")
    parser.add_argument("--schema", default=SCHEMA, help="that schema (dropped and made again)")
    parser.add_argument("--operations", type=int, default=200_000, help="operations sent in batches of 1000")
    parser.add_argument("--singles", type=int, default=20_000,
                        help="single-item requests: a few seconds of them (in a run of one second, a large store's "
                             "first page reads weigh as much as the requests)")
    parser.add_argument("--prefill", type=int, default=0, help="operations stored by SQL before measuring")
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=1, help="server processes (jifen serve --workers)")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for engine in engines:
        measure(engine, args, lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
