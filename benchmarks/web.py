"""Page speed with 50 signed-in users on a province-sized store (issue 6, item 5): target p95 < 100 ms.

    nice .venv/bin/python benchmarks/web.py --reuse /tmp/jifen-web-sqlite            # SQLite, 100,000 teachers
    nice .venv/bin/python benchmarks/web.py --database postgresql --reuse /tmp/jifen-web-pg
    nice .venv/bin/python benchmarks/web.py --teachers 300 --seconds 3 --workers 2    # a tiny province

The store: a synthetic province (``jifen.demo.region``: 5 cities, 22 counties, about 2,500 schools), its
operations for this month so far and the ``--months`` before it stored by plain SQL (as ``benchmarks/ingest.py``
prefills: most qualify, a few do not, with their reasons; counted in ``operation_counts`` as ingestion would),
then each earlier month settled by the product (``jifen.settle.service.settle_month``), all but the last one
published. Users with passwords: teachers and school, county, city and region admins. Building takes minutes
at full size: ``--reuse DIR`` keeps the store (and on PostgreSQL its schema) in DIR and uses it again when the
sizes match; without it the store lives in a temporary folder and the PostgreSQL schema is dropped after.

The load: ``jifen serve`` as a subprocess (``--workers`` 1, then 2 by default) on a free loopback port; ``--users``
users sign in through ``/login`` (its CSRF cookie and field), each over a keep-alive connection of its own with
its own cookies, then browse for ``--seconds``: a teacher their desk, the further pages of this month's
operations, last month's explanation, the rules and the history JSON; an admin their report, the reports of
units in their scope, the desk, explanation and history of a teacher in it, and the rules. Between two pages a
user waits ``--think`` seconds on average (0: every user asks again as soon as a page arrives, the server's
saturation). The client is plain HTTP/1.1 on asyncio streams, so that the load generator takes little of the
machine's cores.

Prints per page kind and overall: requests, p50/p95/p99 latency (ms), requests per second, errors, the target,
and the server's peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import ServerProcess, bench_url, bulk_store, prepare  # noqa: E402  (the server and store helpers)

from jifen.access.passwords import set_password  # noqa: E402
from jifen.access.service import add_user  # noqa: E402
from jifen.config import Settings  # noqa: E402
from jifen.demo.region import build_region  # noqa: E402
from jifen.domain.periods import Month  # noqa: E402
from jifen.runtime import Runtime  # noqa: E402
from jifen.settle.publication import publish  # noqa: E402
from jifen.settle.service import settle_month  # noqa: E402

SCHEMA = "jifen_bench_web"
TARGET_P95_MS = 100
PASSWORD = "bench-Web-2026-pages"
MARKER = "web-bench.json"
# how many of each role among the signed-in users (scaled to --users)
ROLE_MIX = {"teacher": 0.6, "school_admin": 0.2, "county_admin": 0.1, "city_admin": 0.06, "region_admin": 0.04}
# teacher-scored actions the prefill reports: (app, action, indicator, weight)
TEACHER_ACTIONS = [
    ("seewo-easinote5", "teaching.session", "interactive_teaching", 6),
    ("hite-pi6", "lesson.create", "lesson_prep", 4),
    ("digital-school", "qa.answer", "tutoring", 2),
    ("seewo-easinote5", "research.activity", "research_activity", 2),
    ("renrentong", "article.publish", "teaching_resources", 1),
    ("evaluation", "student.record", "student_evaluation", 3),
]
SCHOOL_ACTIONS = [
    ("school-affairs", "affair.record", "school_affairs", 4),
    ("academic-affairs", "affair.record", "academic_affairs", 3),
    ("evaluation", "teacher.record", "teacher_evaluation", 3),
]
NOT_QUALIFIED = 0.05  # share of a teacher's reports that miss a condition (for the explanation's second list)


# ---- the store ---------------------------------------------------------------------------------------------

@dataclass
class Store:
    url: str
    data_dir: Path
    months: list[str]  # settled months, oldest first
    teachers: list[tuple[str, str, str, str]]  # (teacher, school, county, city) of the signed-in teachers' pool
    users: list[tuple[str, str, str]]  # (name, role, scope)
    built_s: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


def _operations(rows: list[Any], months: list[Month], today: datetime, per_month: int, tz: ZoneInfo,
                sqlite: bool, seed: int) -> Iterator[tuple[Any, ...]]:
    """Each teacher's reports month by month (about ``per_month`` each, from none to twice that), and each
    school's: spread over the month's days (this month's up to yesterday), during the working day."""
    rng = random.Random(seed)
    teacher_pick = [a for a in TEACHER_ACTIONS for _ in range(a[3])]
    school_pick = [a for a in SCHOOL_ACTIONS for _ in range(a[3])]
    received = today.astimezone(UTC)

    def stamp(moment: datetime) -> str:
        utc = moment.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.000000") if sqlite else utc.isoformat()

    schools = sorted({r.school_code for r in rows})
    n = 0
    for month in months:
        start = month.start(tz)
        days = (month.next().start(tz) - start).days
        if month == Month.of(today, tz):
            days = max(1, (today.astimezone(tz) - start).days)
        for owner, subject, pick, scale in [(r.teacher_id, "teacher", teacher_pick, 1) for r in rows] + \
                                           [(s, "school", school_pick, 3) for s in schools]:
            for _ in range(rng.randint(0, 2 * per_month * scale)):
                app, action, indicator, _w = rng.choice(pick)
                day = rng.randrange(days)
                moment = start + timedelta(days=day, minutes=rng.randrange(480, 1200), seconds=rng.randrange(60))
                duration = 1800.0 if action == "teaching.session" else None
                status, reason = "qualified", None
                if subject == "teacher" and rng.random() < NOT_QUALIFIED:
                    if duration is not None:
                        duration, reason = 600.0, "duration_s 600 is under 900"
                    else:
                        reason = "attributes.public must be true"
                    status = "not_qualified"
                n += 1
                yield (app, f"web-{n}", action, indicator, owner if subject == "teacher" else None,
                       owner if subject == "school" else None, stamp(moment), str(month),
                       (start + timedelta(days=day)).date().isoformat(),
                       stamp(moment + timedelta(seconds=duration)) if duration else None, duration,
                       json.dumps({"kind": "notice"} if subject == "school" else {}), status, reason,
                       stamp(received), f"{n:064x}")


_COLUMNS = ["app_code", "external_id", "action", "indicator", "teacher_id", "school_code", "occurred_at", "month",
            "day", "ends_at", "duration_s", "attributes", "status", "reason", "received_at", "payload_sha256"]
COUNTS = ("INSERT INTO operation_counts (subject_kind, code, month, indicator, count) "
          "SELECT '{kind}', {column}, month, indicator, count(*) FROM operations "
          "WHERE status = 'qualified' AND withdrawn_at IS NULL AND {column} IS NOT NULL "
          "GROUP BY {column}, month, indicator")


def _fill(url: str, rows: Iterator[tuple[Any, ...]]) -> int:
    """Store the operations by plain SQL, secondary indexes dropped and rebuilt, and count them."""
    counts = [COUNTS.format(kind="teacher", column="teacher_id"), COUNTS.format(kind="school", column="school_code")]
    return bulk_store(url, _COLUMNS, rows, counts)


def _analyze(url: str) -> None:
    """Fresh planner statistics of the settled store (as autovacuum would gather them a while after a settlement;
    without them PostgreSQL reads a whole version to find one teacher)."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("ANALYZE")
        connection.close()
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        for (table,) in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"):
            connection.execute(f'ANALYZE "{table}"')


def _pick_users(rows: list[Any], users: int, seed: int) -> tuple[list[tuple[str, str, str]],
                                                                 list[tuple[str, str, str, str]]]:
    """The accounts to sign in, by ROLE_MIX, and the teachers whose pages admins open (their scopes' teachers)."""
    rng = random.Random(seed + 1)
    wanted = {role: max(1, round(share * users)) for role, share in ROLE_MIX.items()}
    wanted["teacher"] = max(1, users - sum(n for role, n in wanted.items() if role != "teacher"))
    chosen = rng.sample(rows, min(len(rows), max(users * 4, 200)))
    pool = [(r.teacher_id, r.school_code, r.county_code, r.city_code) for r in chosen]
    scopes = {"teacher": [p[0] for p in pool], "school_admin": [p[1] for p in pool],
              "county_admin": [p[2] for p in pool], "city_admin": [p[3] for p in pool]}
    accounts = []
    for role, n in wanted.items():
        for i in range(n):
            scope = "" if role == "region_admin" else scopes[role][i % len(scopes[role])]
            accounts.append((f"bench-{role}-{i}", role, scope))
    return accounts, pool


def build(url: str, data_dir: Path, args: argparse.Namespace) -> Store:
    started = time.perf_counter()
    settings = Settings(data_dir=data_dir, database_url=url)
    runtime = Runtime.open(settings)
    tz = runtime.tz
    now = datetime.now(UTC)
    this_month = Month.of(now, tz)
    months = [this_month]
    for _ in range(args.months):
        months.insert(0, months[0].previous())
    prepare(runtime, args.teachers)  # the roster (build_region), and every app registered
    rows = build_region(args.teachers, 2024)
    runtime.close()
    stored = _fill(runtime.database.url, _operations(rows, months, now, args.per_month, tz,
                                                     url.startswith("sqlite"), args.seed))
    filled_s = time.perf_counter() - started
    runtime = Runtime.open(settings)
    region = (settings.region_code, settings.region_name)
    for month in months[:-1]:
        settle_month(runtime.database, runtime.rulebook.for_month(month), month, region, datetime.now(UTC), tz,
                     engine=settings.settle_engine)
    for month in months[:-2]:  # the latest settled month stays a draft, as early in a month
        publish(runtime.database, str(month), None, "bench", datetime.now(UTC))
    settled_s = time.perf_counter() - started - filled_s
    accounts, pool = _pick_users(rows, args.users, args.seed)
    for name, role, scope in accounts:
        add_user(runtime.database, name, role, scope or settings.region_code, settings.region_code, now)
        set_password(runtime.database, name, PASSWORD, now)
    runtime.close()
    _analyze(runtime.database.url)
    return Store(url, data_dir, [str(m) for m in months[:-1]], pool, accounts, time.perf_counter() - started,
                 {"operations": stored, "fill_s": round(filled_s, 1), "settle_s": round(settled_s, 1)})


def _identity(args: argparse.Namespace, engine: str) -> dict[str, Any]:
    return {"engine": engine, "teachers": args.teachers, "months": args.months, "per_month": args.per_month,
            "users": args.users, "seed": args.seed, "schema": args.schema if engine == "postgresql" else None,
            "built_in": str(Month.of(datetime.now(UTC), ZoneInfo("Asia/Shanghai")))}


def _still_there(url: str) -> bool:
    """Whether the kept store still holds its settlements (a PostgreSQL schema may have been dropped since)."""
    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///")).exists()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute("SELECT to_regclass('settlements')").fetchone()[0] is not None  # type: ignore[index]


def open_store(engine: str, args: argparse.Namespace, folder: Path) -> Store:
    """The cached store in ``folder`` when it was built with these sizes this month, else a new one."""
    marker = folder / MARKER
    identity = _identity(args, engine)
    if marker.exists():
        saved = json.loads(marker.read_text())
        if saved["identity"] == identity and _still_there(saved["store"]["url"]):
            store = Store(**saved["store"])
            store.data_dir = Path(store.data_dir)
            store.teachers = [tuple(t) for t in store.teachers]  # type: ignore[misc]
            store.users = [tuple(u) for u in store.users]  # type: ignore[misc]
            store.built_s = 0.0
            return store
        for stale in folder.iterdir():
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    url = bench_url(engine, args.postgresql_url, folder, args.schema)  # a PostgreSQL schema is made afresh
    store = build(url, folder, args)
    saved_store = {**store.__dict__, "data_dir": str(store.data_dir), "built_s": store.built_s}
    marker.write_text(json.dumps({"identity": identity, "store": saved_store}, ensure_ascii=False))
    return store


# ---- the users ---------------------------------------------------------------------------------------------

class Connection:
    """One user's keep-alive HTTP/1.1 connection and cookies."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "") -> tuple[int, bytes, dict[str, list[str]]]:
        """Over the kept-alive connection; when the server closed it meanwhile (idle too long), over a new one,
        as a browser does."""
        if self.writer is not None:
            try:
                return await self._exchange(method, path, body, content_type)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return await self._exchange(method, path, body, content_type)

    async def _exchange(self, method: str, path: str, body: bytes,
                        content_type: str) -> tuple[int, bytes, dict[str, list[str]]]:
        assert self.writer is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        assert self.reader is not None
        status, payload, headers = await _response(self.reader)
        for cookie in headers.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if headers.get("connection", [""])[0].lower() == "close":
            await self.close()
        return status, payload, headers

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, dict[str, list[str]]]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = defaultdict(list)
    for line in head[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()].append(value.strip())
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"][0]))
    elif headers.get("transfer-encoding", [""])[0].lower() == "chunked":
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readline()
        await reader.readline()
        body = b"".join(parts)
    else:
        body = b""
    return int(head[0].split()[1]), body, headers


CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


async def sign_in(connection: Connection, name: str) -> None:
    status, body, _ = await connection.request("GET", "/login")
    found = CSRF.search(body)
    if status != 200 or found is None:
        raise RuntimeError(f"/login answered {status} without a CSRF field")
    form = urlencode({"csrf_token": found.group(1).decode(), "next": "/", "name": name, "password": PASSWORD})
    status, body, _ = await connection.request("POST", "/login", form.encode(), "application/x-www-form-urlencoded")
    if status != 303 or "jifen_session" not in connection.cookies:
        raise RuntimeError(f"signing in {name} answered {status}: {body[:300]!r}")


def pages(role: str, scope: str, store: Store, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, path) of the pages a user of this role opens, each about as often as the user would."""
    last, older = store.months[-1], store.months[0]
    if role == "teacher":
        own = scope
        return [("desk", "/"), ("desk", f"/teachers/{own}"), ("operations", f"/teachers/{own}?page=2"),
                ("operations", f"/teachers/{own}?page=3"), ("explanation", f"/teachers/{own}/months/{last}"),
                ("rules", "/rules"), ("history_json", f"/api/v1/histories/teachers/{own}")]
    column = {"school_admin": 1, "county_admin": 2, "city_admin": 3}.get(role)
    mine = [t for t in store.teachers if column is None or t[column] == scope]
    teacher = rng.choice(mine)
    out = [("unit_" + {"school_admin": "school", "county_admin": "county", "city_admin": "city",
                       "region_admin": "region"}[role], "/"),
           ("desk", f"/teachers/{teacher[0]}"), ("explanation", f"/teachers/{teacher[0]}/months/{last}"),
           ("history_json", f"/api/v1/histories/teachers/{teacher[0]}"), ("rules", "/rules")]
    below = {"region_admin": [("unit_city", "city", 3), ("unit_county", "county", 2), ("unit_school", "school", 1)],
             "city_admin": [("unit_county", "county", 2), ("unit_school", "school", 1)],
             "county_admin": [("unit_school", "school", 1)], "school_admin": [("unit_school", "school", 1)]}[role]
    for kind, level, at in below:
        code = rng.choice(mine)[at]
        out += [(kind, f"/units/{level}/{quote(code)}"), (kind, f"/units/{level}/{quote(code)}?month={older}")]
    return out


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)


async def browse(base: str, store: Store, users: int, seconds: float, think: float, seed: int) -> tuple[Tally, float]:
    host, port = base.removeprefix("http://").split(":")
    rng = random.Random(seed)
    accounts = store.users[:users]
    connections = [Connection(host, int(port)) for _ in accounts]
    for start in range(0, len(accounts), 4):  # sign in a few at a time: checking a password takes a moment
        await asyncio.gather(*(sign_in(c, a[0]) for c, a in zip(connections[start:start + 4],
                                                                 accounts[start:start + 4])))
    tally = Tally()

    async def user(connection: Connection, role: str, scope: str, deadline: float, record: bool) -> None:
        mine = random.Random(rng.random())
        visits = pages(role, scope, store, mine)
        while time.perf_counter() < deadline:
            kind, path = mine.choice(visits)
            sent = time.perf_counter()
            try:
                status, body, _ = await connection.request("GET", path)
            except (OSError, asyncio.IncompleteReadError) as exc:
                status, body = 0, repr(exc).encode()
                await connection.close()
            took = time.perf_counter() - sent
            if record:
                tally.latencies[kind].append(took)
                if status != 200:
                    tally.errors[kind] += 1
                    tally.samples.setdefault(kind, f"{status} {path} {body[:200]!r}")
            if think > 0:
                await asyncio.sleep(mine.uniform(0, 2 * think))

    warm_until = time.perf_counter() + min(5.0, max(1.0, seconds / 5))
    await asyncio.gather(*(user(c, a[1], a[2], warm_until, False) for c, a in zip(connections, accounts)))
    started = time.perf_counter()
    await asyncio.gather(*(user(c, a[1], a[2], started + seconds, True) for c, a in zip(connections, accounts)))
    wall = time.perf_counter() - started
    for c in connections:
        await c.close()
    return tally, wall


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(head: str, tally: Tally, wall: float) -> list[str]:
    lines = []
    every: list[float] = []
    for kind in sorted(tally.latencies):
        values = tally.latencies[kind]
        every += values
        lines.append(f"{head} page={kind} requests={len(values)} p50_ms={_q(values, 0.5):.1f} "
                     f"p95_ms={_q(values, 0.95):.1f} p99_ms={_q(values, 0.99):.1f} req_per_s={len(values) / wall:.1f} "
                     f"errors={tally.errors.get(kind, 0)}")
    p95 = _q(every, 0.95)
    lines.append(f"{head} page=all requests={len(every)} p50_ms={_q(every, 0.5):.1f} p95_ms={p95:.1f} "
                 f"p99_ms={_q(every, 0.99):.1f} req_per_s={len(every) / wall:.1f} "
                 f"errors={sum(tally.errors.values())}")
    lines.append(f"{head} target p95 < {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'} "
                 f"(p95_ms={p95:.1f})")
    lines += [f"{head} error_sample page={kind} {sample}" for kind, sample in sorted(tally.samples.items())]
    return lines


def measure(engine: str, args: argparse.Namespace) -> None:
    temporary = None
    if args.reuse:
        folder = Path(args.reuse)
    else:
        temporary = tempfile.TemporaryDirectory()
        folder = Path(temporary.name)
    try:
        store = open_store(engine, args, folder)
        print(f"{engine} store teachers={args.teachers} settled_months={','.join(store.months)} "
              f"operations={store.notes.get('operations')} fill_s={store.notes.get('fill_s')} "
              f"settle_s={store.notes.get('settle_s')} "
              + (f"built_s={store.built_s:.0f}" if store.built_s else f"reused={folder}"), flush=True)
        for workers in args.workers:
            server = ServerProcess(store.url, store.data_dir, workers)
            try:
                server.wait_ready()
                tally, wall = asyncio.run(browse(server.base, store, args.users, args.seconds, args.think, args.seed))
                head = (f"{engine} teachers={args.teachers} users={args.users} think_s={args.think:g} "
                        f"workers={workers}")
                for line in report(head, tally, wall):
                    print(line, flush=True)
                rss = server.peak_rss_mb()
                print(f"{head} server_peak_rss_mb={rss:.0f}" if rss is not None else f"{head} server_peak_rss_mb=?",
                      flush=True)
            finally:
                server.stop()
    finally:
        if engine == "postgresql" and not args.reuse:
            import psycopg

            with psycopg.connect(args.postgresql_url, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
        if temporary is not None:
            temporary.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "postgres", "both"], default="sqlite")
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="server and database; the benchmark works in a schema of its own")
    parser.add_argument("--schema", default=SCHEMA, help="that schema (made afresh; dropped after unless --reuse)")
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=3, help="settled months before this one")
    parser.add_argument("--per-month", type=int, default=15, help="a teacher's reports a month, on average")
    parser.add_argument("--users", type=int, default=50, help="signed-in users browsing at once")
    parser.add_argument("--seconds", type=float, default=30, help="how long they browse (after a short warm-up)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="a user's mean pause between pages, s (0: ask again at once)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server processes, one run each")
    parser.add_argument("--reuse", help="folder keeping the store between runs (its PostgreSQL schema too)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.database == "both" else [
        "postgresql" if args.database.startswith("postgres") else "sqlite"]
    if args.reuse and len(engines) > 1:
        parser.error("--reuse keeps one store: give --database sqlite or postgresql")
    for engine in engines:
        measure(engine, args)


if __name__ == "__main__":
    main()
